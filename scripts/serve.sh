#!/usr/bin/env bash
# One command to install and start the search engine: builds the index from seeds/ when missing
# (or from SEARCH_ARTICLES_DIR), then serves http://127.0.0.1:8080/ . Extra arguments go to `search serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/search serve "$@"
