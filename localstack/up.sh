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

start_temporal "$STACK_DIR" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"

if [[ -n "${SAGAWAY_AWS_ENDPOINT:-}" ]]; then
  endpoint="${SAGAWAY_AWS_ENDPOINT%/}"
  say "Using the AWS endpoint $endpoint (started and stopped by you, not by sagaway)"
  curl -fsS -o /dev/null "$endpoint/_localstack/health" 2>/dev/null ||
    curl -fsS -o /dev/null "$endpoint/_ministack/health" 2>/dev/null ||
    die "nothing answers at $endpoint; start your emulator first or unset SAGAWAY_AWS_ENDPOINT"
  say "Applying Terraform (infra/) into the emulator"
  terraform_apply "$STACK_DIR/terraform.tfstate" "$endpoint" "$STACK_DIR/terraform-apply.log" \
    "127.0.0.1:$TEMPORAL_PORT"
else
  endpoint="http://127.0.0.1:$AWS_PORT"
  # A fresh emulator every time: its state is not kept, so Terraform's state starts over too.
  deploy_fresh "$STACK_DIR" "$AWS_PORT" "127.0.0.1:$TEMPORAL_PORT"
fi
api_url="$(terraform_output "$STACK_DIR/terraform.tfstate" api_url)"
site_url="$(terraform_output "$STACK_DIR/terraform.tfstate" site_url)"
ws_url="$(terraform_output "$STACK_DIR/terraform.tfstate" ws_url)"

say "Creating the demo admin and seeding the demo catalog"
python3 "$ROOT/localstack/seed.py" "$api_url" "$endpoint" \
  "$(terraform_output_json "$STACK_DIR/terraform.tfstate" functions | python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"])')" \
  "$STACK_DIR/admin.json"

start_worker "$STACK_DIR" "$TEMPORAL_PORT" "$endpoint" "$STACK_DIR/terraform.tfstate" "$WORKER_HEALTH_PORT"

cat >"$STACK_DIR/env" <<ENV
SAGAWAY_API_URL=$api_url
SAGAWAY_SITE_URL=$site_url
SAGAWAY_WS_URL=$ws_url
SAGAWAY_AWS_ENDPOINT=$endpoint
SAGAWAY_TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
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
  Temporal UI:  http://127.0.0.1:$TEMPORAL_UI_PORT
  Temporal:     127.0.0.1:$TEMPORAL_PORT (namespace default, task queue sagaway-orders)
  Saga worker:  http://127.0.0.1:$WORKER_HEALTH_PORT/health (circuit breakers)
  AWS emulator: $endpoint
  Logs, state:  $STACK_DIR
Stop everything with: make down
DONE
