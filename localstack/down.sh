#!/usr/bin/env bash
# make down: stop what make up started (an emulator you started yourself is left alone).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="$LOCAL_DIR/stack"
stop_pid "$STACK_DIR/worker.pid" "the saga worker"
stop_pid "$STACK_DIR/ministack.pid" "the AWS emulator"
stop_pid "$STACK_DIR/temporal.pid" "the Temporal dev server"
say "Stopped. State and logs stay in $STACK_DIR (Temporal's history in temporal.db)."
