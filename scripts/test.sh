#!/usr/bin/env bash
# Runs one suite, or all of them, and ends with one plain line `tests: N passed, N failed`.
# Expects Node 22 on PATH and the venvs in .venvs/ (scripts/dev.sh provides both).
set -uo pipefail
shopt -s nullglob
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
suite=${1:-all}
results="$root/.test-results"
rm -rf "$results" && mkdir -p "$results"
status=0
step() { printf '\n== %s ==\n' "$1" >&2; }
run_vitest() { # project
  npx vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="$results/vitest-$1.json" || status=1
}
run_pytest() { # venv folder
  local name=$1
  [ -d "test/python/$name" ] || return 0
  [ -x ".venvs/$name/bin/python" ] || { echo "missing venv .venvs/$name: run scripts/bootstrap.sh --python" >&2; status=1; return; }
  ".venvs/$name/bin/python" -m pytest -q "test/python/$name" --junitxml="$results/pytest-$name.xml" || status=1
}
static() {
  step "format (prettier)"; npx prettier --check . || status=1
  step "lint (eslint)"; npx eslint . || status=1
  step "types (tsc)"; npx tsc -p tsconfig.json || status=1
}
python_suites() {
  step "integration (vitest: pyiceberg, DuckDB, moto)"; run_vitest integration
  for dir in test/python/*/; do step "pytest $(basename "$dir")"; run_pytest "$(basename "$dir")"; done
}
case "$suite" in
  static) static ;;
  unit) step unit; run_vitest unit ;;
  stacks) step stacks; run_vitest stacks ;;
  python) python_suites ;;
  bench) step "benchmark smoke"; node test/bench/records.bench.ts --records 20000 --smoke || status=1 ;;
  all)
    static
    step unit; run_vitest unit
    step stacks; run_vitest stacks
    python_suites
    step "benchmark smoke"; node test/bench/records.bench.ts --records 20000 --smoke || status=1 ;;
  *) echo "unknown suite $suite (all|static|unit|stacks|python|bench)" >&2; exit 2 ;;
esac
# `static` runs no test runner; every other suite ends with the one closing line CI reads.
[ "$suite" = static ] || node scripts/summarize-tests.mjs "$results" || status=1
exit $status
