#!/usr/bin/env bash
# The whole suite: engine and API tests on SQLite and PostgreSQL, then the browser tests.
# pytest exit code 5 ("no tests collected") is treated as success only for the optional e2e phase.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p test-artifacts

# The layers (pyproject.toml [tool.importlinter]): engine without Flask, webui without SpiffWorkflow or storage.
.venv/bin/lint-imports --no-cache || exit 1

$PY -m pytest -q --ignore=tests/e2e "$@"
status=$?
if [ $status -ne 0 ]; then exit $status; fi

if [ -d tests/e2e ]; then
  $PY -m pytest -q tests/e2e "$@"
  e2e=$?
  if [ $e2e -eq 5 ]; then echo "no browser tests collected"; e2e=0; fi
  exit $e2e
fi
