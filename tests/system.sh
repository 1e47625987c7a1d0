#!/usr/bin/env bash
# System tests: a fresh AWS emulator on its own port (not make up's), Terraform applied into
# it, the demo catalog seeded, then the Rust system tests drive the API through API Gateway.
# Everything started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../localstack/lib.sh"

TEST_DIR="$LOCAL_DIR/test"
AWS_PORT="${SAGAWAY_TEST_AWS_PORT:-4610}"

check_prereqs
ensure_tools
build_zips

cleanup() { stop_pid "$TEST_DIR/ministack.pid" "the test AWS emulator"; }
trap cleanup EXIT

start_emulator "$TEST_DIR" "$AWS_PORT"
rm -f "$TEST_DIR/terraform.tfstate" "$TEST_DIR/terraform.tfstate.backup"
say "Applying Terraform into the test emulator"
started=$SECONDS
terraform_apply "$TEST_DIR/terraform.tfstate" "http://127.0.0.1:$AWS_PORT" "$TEST_DIR/terraform-apply.log"
note "applied in $((SECONDS - started))s"
api_url="$(terraform_output "$TEST_DIR/terraform.tfstate" api_url)"
say "Creating the demo admin and seeding the demo catalog"
python3 "$ROOT/localstack/seed.py" "$api_url" "http://127.0.0.1:$AWS_PORT" \
  "$(terraform_output_json "$TEST_DIR/terraform.tfstate" functions | python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"])')" \
  "$TEST_DIR/admin.json"

say "Running the system tests against $api_url"
cd "$ROOT"
# Select the system test targets by name (not with -p, which would resolve features for one
# package and rebuild shared dependencies).
targets=()
for f in tests/system/tests/*.rs; do
  targets+=(--test "$(basename "$f" .rs)")
done
SAGAWAY_API_URL="$api_url" SAGAWAY_CATALOG="$ROOT/localstack/catalog.json" \
  SAGAWAY_AWS_ENDPOINT="http://127.0.0.1:$AWS_PORT" \
  SAGAWAY_WS_URL="$(terraform_output "$TEST_DIR/terraform.tfstate" ws_url)" \
  SAGAWAY_FUNCTIONS="$(terraform_output_json "$TEST_DIR/terraform.tfstate" functions)" \
  cargo test --workspace --locked "${targets[@]}" -- --include-ignored
