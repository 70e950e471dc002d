#!/usr/bin/env bash
# The entry behind `npm start`, `npm test` and friends: install what is missing (cached outside the clone),
# then run the job with Node 22 on PATH.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
job=${1:-help}; shift || true
case "$job" in
  run)
    eval "$(bash scripts/bootstrap.sh --python)"
    exec node src/cli/main.ts run "$@" ;;
  test)
    suite=${1:-all}
    case "$suite" in unit|static) eval "$(bash scripts/bootstrap.sh)" ;; *) eval "$(bash scripts/bootstrap.sh --python)" ;; esac
    exec bash scripts/test.sh "$suite" ;;
  bench)
    eval "$(bash scripts/bootstrap.sh --python)"
    exec node test/bench/records.bench.ts "$@" ;;
  bench-api)
    eval "$(bash scripts/bootstrap.sh)"
    exec node test/bench/api.bench.ts "$@" ;;
  bench-processor)
    eval "$(bash scripts/bootstrap.sh)"
    exec node --expose-gc test/bench/processor.bench.ts "$@" ;;
  synth)
    eval "$(bash scripts/bootstrap.sh)"
    exec npx cdktf synth "$@" ;;
  *)
    echo "usage: scripts/dev.sh run|test [all|static|unit|stacks|python]|bench|bench-api|bench-processor|synth" >&2; exit 2 ;;
esac
