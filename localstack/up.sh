#!/usr/bin/env bash
# make up: install what is missing, build, start the emulator and Temporal, deploy, seed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="$LOCAL_DIR/stack"
AWS_PORT="${SAGAWAY_AWS_PORT:-4566}"
TEMPORAL_PORT="${SAGAWAY_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${SAGAWAY_TEMPORAL_UI_PORT:-8233}"
WORKER_HEALTH_PORT="${SAGAWAY_WORKER_HEALTH_PORT:-9464}"

check_prereqs
ensure_tools
build_zips
build_frontend
mkdir -p "$STACK_DIR"

# SAGAWAY_TEMPORAL_ADDRESS: a Temporal server you run (the LocalStack compose file's), used
# instead of starting the dev server. SAGAWAY_FUNCTION_TEMPORAL_ADDRESS: the same server as the
# functions reach it, when they run in containers (README, "LocalStack").
if [[ -n "${SAGAWAY_TEMPORAL_ADDRESS:-}" ]]; then
  temporal_address="$SAGAWAY_TEMPORAL_ADDRESS"
  say "Using the Temporal server at $temporal_address (started and stopped by you, not by sagaway)"
  "$LOCAL_DIR/venv-tools/bin/temporal" operator cluster health --address "$temporal_address" >/dev/null 2>&1 ||
    die "no Temporal server answers at $temporal_address; start it first or unset SAGAWAY_TEMPORAL_ADDRESS"
  temporal_ui="(your Temporal server's UI)"
else
  start_temporal "$STACK_DIR" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
  temporal_address="127.0.0.1:$TEMPORAL_PORT"
  temporal_ui="http://127.0.0.1:$TEMPORAL_UI_PORT"
fi
function_temporal_address="${SAGAWAY_FUNCTION_TEMPORAL_ADDRESS:-$temporal_address}"

if [[ -n "${SAGAWAY_AWS_ENDPOINT:-}" ]]; then
  endpoint="${SAGAWAY_AWS_ENDPOINT%/}"
  say "Using the AWS endpoint $endpoint (started and stopped by you, not by sagaway)"
  curl -fsS -o /dev/null "$endpoint/_localstack/health" 2>/dev/null ||
    curl -fsS -o /dev/null "$endpoint/_ministack/health" 2>/dev/null ||
    die "nothing answers at $endpoint; start your emulator first or unset SAGAWAY_AWS_ENDPOINT"
  say "Applying Terraform (infra/) into the emulator"
  terraform_apply "$STACK_DIR/terraform.tfstate" "$endpoint" "$STACK_DIR/terraform-apply.log" \
    "$function_temporal_address"
else
  endpoint="http://127.0.0.1:$AWS_PORT"
  # A fresh emulator every time: its state is not kept, so Terraform's state starts over too.
  deploy_fresh "$STACK_DIR" "$AWS_PORT" "$function_temporal_address"
fi
api_url="$(terraform_output "$STACK_DIR/terraform.tfstate" api_url)"
site_url="$(terraform_output "$STACK_DIR/terraform.tfstate" site_url)"
ws_url="$(terraform_output "$STACK_DIR/terraform.tfstate" ws_url)"

say "Creating the demo admin and seeding the demo catalog"
python3 "$ROOT/localstack/seed.py" "$api_url" "$endpoint" \
  "$(terraform_output_json "$STACK_DIR/terraform.tfstate" functions | python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"])')" \
  "$STACK_DIR/admin.json"

start_worker "$STACK_DIR" "$temporal_address" "$endpoint" "$STACK_DIR/terraform.tfstate" "$WORKER_HEALTH_PORT"

cat >"$STACK_DIR/env" <<ENV
SAGAWAY_API_URL=$api_url
SAGAWAY_SITE_URL=$site_url
SAGAWAY_WS_URL=$ws_url
SAGAWAY_AWS_ENDPOINT=$endpoint
SAGAWAY_TEMPORAL_ADDRESS=$temporal_address
SAGAWAY_TEMPORAL_UI_URL=${SAGAWAY_TEMPORAL_UI_URL:-}
ENV

admin_email="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["email"])' "$STACK_DIR/admin.json")"
admin_password="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$STACK_DIR/admin.json")"

cat <<DONE

sagaway is up.
  Web app:      $site_url   <- open this first
  API:          $api_url
                try: curl $api_url/v1/products
  WebSocket:    $ws_url?token=<token from POST /v1/auth/login>
  Demo admin:   $admin_email / $admin_password  (kept in $STACK_DIR/admin.json)
  Temporal UI:  $temporal_ui
  Temporal:     $temporal_address (namespace default, task queue sagaway-orders)
  Saga worker:  http://127.0.0.1:$WORKER_HEALTH_PORT/health (Temporal connection, circuit breakers), /metrics (Prometheus)
  AWS emulator: $endpoint
  Logs, state:  $STACK_DIR
Stop everything with: make down
DONE
