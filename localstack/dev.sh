#!/usr/bin/env bash
# The edit loop on the running local stack (make up):
#   dev.sh redeploy FN   rebuild one function (or FN=worker) and put it live, keeping the data
#   dev.sh logs FN       follow a function's logs (FN=worker: the worker's log file)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="$LOCAL_DIR/stack"
cmd="${1:-}"
fn="${2:-}"
[[ -n "$cmd" && -n "$fn" ]] || die "usage: make redeploy FN=<function|worker> | make logs FN=<function|worker> (functions: $FUNCTIONS)"
[[ -f "$STACK_DIR/env" && -f "$STACK_DIR/terraform.tfstate" ]] || die "no running stack: run make up first"
# shellcheck disable=SC1091
source "$STACK_DIR/env"
endpoint="$SAGAWAY_AWS_ENDPOINT"
curl -fsS -o /dev/null "$endpoint/_ministack/health" 2>/dev/null ||
  curl -fsS -o /dev/null "$endpoint/_localstack/health" 2>/dev/null ||
  die "the emulator at $endpoint does not answer: run make up"
if [[ "$fn" != worker && " $FUNCTIONS " != *" $fn "* ]]; then
  die "unknown function $fn; one of: $FUNCTIONS worker"
fi
dev_tool() {
  AWS_ENDPOINT_URL="$endpoint" "$CARGO_TARGET_DIR/debug/sagaway-dev" "$@"
}

case "$cmd" in
  redeploy)
    started=$SECONDS
    if [[ "$fn" == worker ]]; then
      say "Building the worker"
      (cd "$ROOT" && cargo build --locked --bin sagaway-worker) || die "cargo build failed"
      tport="${SAGAWAY_TEMPORAL_ADDRESS##*:}"
      start_worker "$STACK_DIR" "$tport" "$endpoint" "$STACK_DIR/terraform.tfstate" \
        "${SAGAWAY_WORKER_HEALTH_PORT:-9464}"
    else
      say "Building $fn"
      (cd "$ROOT" && cargo build --locked --bin "$fn" --bin sagaway-dev) || die "cargo build failed"
      python3 "$ROOT/functions/package.py" "$CARGO_TARGET_DIR/debug" "$ROOT/dist/lambda" "$fn"
      name="$(terraform_output_json "$STACK_DIR/terraform.tfstate" functions |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$fn")"
      say "Updating the code of $name in the emulator (tables and data stay)"
      dev_tool update-code "$name" "$ROOT/dist/lambda/$fn.zip"
    fi
    note "redeployed $fn in $((SECONDS - started))s"
    ;;
  logs)
    if [[ "$fn" == worker ]]; then
      exec tail -n 50 -F "$STACK_DIR/worker.log"
    fi
    [[ -x "$CARGO_TARGET_DIR/debug/sagaway-dev" ]] ||
      (cd "$ROOT" && cargo build --locked --bin sagaway-dev) || die "cargo build failed"
    name="$(terraform_output_json "$STACK_DIR/terraform.tfstate" functions |
      python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$fn")"
    say "Following /aws/lambda/$name (Ctrl-C stops)"
    dev_tool logs "/aws/lambda/$name" --follow
    ;;
  *) die "unknown command $cmd" ;;
esac
