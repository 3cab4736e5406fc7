#!/usr/bin/env bash
# One command to install everything and run the tests (CI runs exactly this). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh
.venv/bin/ruff check search tests benchmarks
.venv/bin/ruff format --check search tests benchmarks
# The OpenSearch tests start their own nodes (instances pytest-<kind>-<pytest pid>) and stop them; should
# pytest itself be killed, no node outlives this script either.
pytest_pid=""
stop_test_nodes() {
  local kind
  [ -n "$pytest_pid" ] || return 0
  for kind in session cluster node; do
    bash scripts/opensearch.sh stop --purge --name "pytest-$kind-$pytest_pid" >/dev/null 2>&1 || true
  done
}
trap stop_test_nodes EXIT
set +e
.venv/bin/python -m pytest "$@" &
pytest_pid=$!
wait "$pytest_pid"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
