#!/usr/bin/env bash
# One command to install and start the search engine on http://127.0.0.1:8080/ : it serves at once and
# brings the index up to date from seeds/ (or SEARCH_ARTICLES_DIR) in the background, building it when
# missing (pages say so until the first index lands). Extra arguments go to `search serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/search serve "$@"
