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
  bench-cli)
    eval "$(bash scripts/bootstrap.sh --python)"
    exec node test/bench/cli-start.bench.ts "$@" ;;
  synth|diff|deploy)
    # `npm run synth|diff|deploy -- <stack>`; no update check, so synth works offline.
    eval "$(bash scripts/bootstrap.sh)"
    export CHECKPOINT_DISABLE=1
    exec npx cdktf "$job" "$@" ;;
  app)
    # cdktf.json's "app": the stacks are TypeScript run by Node 22, while `npx cdktf …` may run on an older Node;
    # the bootstrap puts the project's Node 22 first on PATH either way.
    eval "$(bash scripts/bootstrap.sh)"
    exec node stacks/main.ts "$@" ;;
  *)
    echo "usage: scripts/dev.sh run|test [all|static|unit|stacks|python]|bench|bench-api|bench-processor|bench-cli|synth|diff|deploy|app" >&2
    exit 2 ;;
esac
