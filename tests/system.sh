#!/usr/bin/env bash
# System tests: a fresh AWS emulator on its own port (not make up's), Terraform applied into
# it, the demo catalog seeded, then the Rust system tests drive the API through API Gateway.
# Everything started here is stopped on exit.
#
#   tests/system.sh                      every system test target, the browser tests, the fuzzing
#   tests/system.sh observability saga   only these targets of tests/system/tests (no browser
#                                        tests, no fuzzing): a quicker loop while working on one
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../localstack/lib.sh"

TEST_DIR="$LOCAL_DIR/test"
AWS_PORT="${SAGAWAY_TEST_AWS_PORT:-4610}"
TEMPORAL_PORT="${SAGAWAY_TEST_TEMPORAL_PORT:-7240}"
TEMPORAL_UI_PORT="${SAGAWAY_TEST_TEMPORAL_UI_PORT:-8240}"
WORKER_HEALTH_PORT="${SAGAWAY_TEST_WORKER_HEALTH_PORT:-9470}"
# Short breaker settings so the fault tests finish quickly.
export BREAKER_FAILURES=3 BREAKER_COOLDOWN_SECS=15
# The rate limits of the test stack: enforced, with a short lockout (see the file).
export SAGAWAY_TFVARS="$ROOT/localstack/system-tests.tfvars"

check_prereqs
ensure_tools
build_zips all
build_frontend
ensure_chromium

cleanup() {
  stop_pid "$TEST_DIR/worker.pid" "the test saga worker"
  stop_pid "$TEST_DIR/temporal.pid" "the test Temporal dev server"
  stop_pid "$TEST_DIR/ministack.pid" "the test AWS emulator"
}
trap cleanup EXIT

stop_pid "$TEST_DIR/temporal.pid" "the test Temporal dev server"
rm -f "$TEST_DIR/temporal.db" "$TEST_DIR/worker.log"
start_temporal "$TEST_DIR" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
deploy_fresh "$TEST_DIR" "$AWS_PORT" "127.0.0.1:$TEMPORAL_PORT"
api_url="$(terraform_output "$TEST_DIR/terraform.tfstate" api_url)"
say "Creating the demo admin and seeding the demo catalog"
python3 "$ROOT/localstack/seed.py" "$api_url" "http://127.0.0.1:$AWS_PORT" \
  "$(terraform_output_json "$TEST_DIR/terraform.tfstate" functions | python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"])')" \
  "$TEST_DIR/admin.json"

start_worker "$TEST_DIR" "$TEMPORAL_PORT" "http://127.0.0.1:$AWS_PORT" "$TEST_DIR/terraform.tfstate" \
  "$WORKER_HEALTH_PORT"

say "Running the system tests against $api_url"
cd "$ROOT"
# Select the system test targets by name (not with -p, which would resolve features for one
# package and rebuild shared dependencies). observability runs last, in a second cargo
# invocation (cargo runs test targets in name order): it checks the log lines of every order
# the other suites placed.
names=()
if (($# > 0)); then
  for name in "$@"; do
    [[ -f "tests/system/tests/$name.rs" ]] || die "no system test target $name (tests/system/tests/$name.rs)"
    names+=("$name")
  done
else
  for f in tests/system/tests/*.rs; do
    names+=("$(basename "$f" .rs)")
  done
fi
first=() last=()
for name in "${names[@]}"; do
  if [[ "$name" == observability ]]; then last+=(--test "$name"); else first+=(--test "$name"); fi
done
# system_tests [--nocapture] TARGET_ARGS...: one cargo test run of those targets.
system_tests() {
  local harness=(--include-ignored)
  if [[ "${1:-}" == --nocapture ]]; then
    harness+=(--nocapture)
    shift
  fi
  SAGAWAY_API_URL="$api_url" SAGAWAY_SITE_URL="$(terraform_output "$TEST_DIR/terraform.tfstate" site_url)" \
    SAGAWAY_CATALOG="$ROOT/localstack/catalog.json" \
    SAGAWAY_AWS_ENDPOINT="http://127.0.0.1:$AWS_PORT" \
    SAGAWAY_TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" \
    SAGAWAY_WORKER_HEALTH="http://127.0.0.1:$WORKER_HEALTH_PORT/health" \
    SAGAWAY_WORKER_DIR="$TEST_DIR" SAGAWAY_WORKER_BIN="$CARGO_TARGET_DIR/debug/sagaway-worker" \
    SAGAWAY_WS_URL="$(terraform_output "$TEST_DIR/terraform.tfstate" ws_url)" \
    SAGAWAY_FUNCTIONS="$(terraform_output_json "$TEST_DIR/terraform.tfstate" functions)" \
    SAGAWAY_TABLES="$(terraform_output_json "$TEST_DIR/terraform.tfstate" tables)" \
    SAGAWAY_TEMPORAL_CLI="$LOCAL_DIR/venv-tools/bin/temporal" \
    cargo test --workspace --locked "$@" -- "${harness[@]}"
}
if ((${#first[@]} > 0)); then system_tests "${first[@]}"; fi
# Its figures (lines checked per service) are worth seeing in every run.
if ((${#last[@]} > 0)); then system_tests --nocapture "${last[@]}"; fi

if (($# > 0)); then
  note "only $*: no browser tests, no fuzzing"
  exit 0
fi

say "Running the browser tests (Playwright, Debian Chromium) against the web app"
site_url="$(terraform_output "$TEST_DIR/terraform.tfstate" site_url)"
(
  cd "$ROOT/frontend"
  SAGAWAY_SITE_URL="$site_url" SAGAWAY_API_URL="$api_url" SAGAWAY_ADMIN_FILE="$TEST_DIR/admin.json" \
    SAGAWAY_CSP="$(terraform_output "$TEST_DIR/terraform.tfstate" content_security_policy)" \
    npx playwright test
)
note "screenshots of the final states: frontend/test-results/screens/"

# Schema-driven fuzzing last: it fills the catalog with generated products.
SAGAWAY_API_URL="$api_url" SAGAWAY_ADMIN_FILE="$TEST_DIR/admin.json" "$ROOT/tests/fuzz/run.sh"
