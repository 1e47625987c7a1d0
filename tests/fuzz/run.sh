#!/usr/bin/env bash
# Schema-driven fuzzing: Schemathesis (pinned in tests/fuzz/requirements.txt, own venv) sends
# requests generated from docs/openapi.json to a deployed stack and checks that the API never
# answers 5xx and that every status, content type and body is what the document says.
#
#   tests/fuzz/run.sh [API_URL [ADMIN_FILE]]
#
# API_URL defaults to $SAGAWAY_API_URL, then to the `make up` stack's; ADMIN_FILE (the demo
# admin's {"email","password"}) to $SAGAWAY_ADMIN_FILE, then to the `make up` stack's.
# A fresh shopper is registered for every run, and a product and an order of the fuzzer's own
# are made for the generated requests to address (see hooks.py). Settings (environment):
#   SAGAWAY_FUZZ_MAX_EXAMPLES  test cases per operation and phase    (default 150)
#   SAGAWAY_FUZZ_WORKERS       concurrent workers                     (default 2)
#   SAGAWAY_FUZZ_SEED          the generator's seed                   (default 20261128)
#   SAGAWAY_FUZZ_MIN_REQUESTS  fail when fewer requests were sent     (default 2000)
#   SAGAWAY_FUZZ_TIMEOUT       seconds before the run is stopped      (default 900)
#   SAGAWAY_FUZZ_SCHEMA        the OpenAPI document                   (default docs/openapi.json)
#   SAGAWAY_FUZZ_ARGS          more `schemathesis run` arguments, e.g. "--continue-on-failure"
# Reports (JUnit, HAR, JSON) go to $SAGAWAY_LOCAL_DIR/fuzz/. The last line printed is
# "N passed, M failed", counting API operations.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../localstack/lib.sh"

FUZZ_DIR="$ROOT/tests/fuzz"
OUT_DIR="$LOCAL_DIR/fuzz"
MAX_EXAMPLES="${SAGAWAY_FUZZ_MAX_EXAMPLES:-150}"
WORKERS="${SAGAWAY_FUZZ_WORKERS:-2}"
SEED="${SAGAWAY_FUZZ_SEED:-20261128}"
MIN_REQUESTS="${SAGAWAY_FUZZ_MIN_REQUESTS:-2000}"
TIMEOUT_SECS="${SAGAWAY_FUZZ_TIMEOUT:-900}"
SCHEMA="${SAGAWAY_FUZZ_SCHEMA:-$ROOT/docs/openapi.json}"

api_url="${1:-${SAGAWAY_API_URL:-}}"
admin_file="${2:-${SAGAWAY_ADMIN_FILE:-}}"
if [[ -z "$api_url" && -f "$LOCAL_DIR/stack/env" ]]; then
  api_url="$(sed -n 's/^SAGAWAY_API_URL=//p' "$LOCAL_DIR/stack/env")"
fi
if [[ -z "$admin_file" && -f "$LOCAL_DIR/stack/admin.json" ]]; then
  admin_file="$LOCAL_DIR/stack/admin.json"
fi
[[ -n "$api_url" ]] || die "no API URL: pass it as the first argument or set SAGAWAY_API_URL (or run make up first)"
[[ -f "$admin_file" ]] || die "no admin credentials file: pass it as the second argument or set SAGAWAY_ADMIN_FILE"
api_url="${api_url%/}"
# Test traffic goes to loopback only.
case "$api_url" in
  http://127.0.0.1:* | http://127.0.0.1/* | http://localhost:* | http://localhost/* | http://\[::1\]:*) ;;
  *) die "the fuzzer only targets a local stack on loopback; got $api_url" ;;
esac

ensure_venv fuzz "$FUZZ_DIR/requirements.txt"
venv="$LOCAL_DIR/venv-fuzz"

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"

[[ -f "$SCHEMA" ]] || die "no OpenAPI document at $SCHEMA"
SCHEMA="$(cd "$(dirname "$SCHEMA")" && pwd)/$(basename "$SCHEMA")"
say "Fuzzing the HTTP API from ${SCHEMA#"$ROOT"/} (Schemathesis) against $api_url"
python3 "$FUZZ_DIR/accounts.py" register "$api_url" "$OUT_DIR/shopper.json" >/dev/null ||
  die "could not register the fuzzing shopper at $api_url"
roles="$(python3 "$FUZZ_DIR/accounts.py" login "$api_url" "$OUT_DIR/shopper.json")" ||
  die "the fuzzing shopper could not log in"
note "shopper $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["email"])' "$OUT_DIR/shopper.json") (roles: $roles)"
roles="$(python3 "$FUZZ_DIR/accounts.py" login "$api_url" "$admin_file")" ||
  die "the admin in $admin_file could not log in"
[[ ",$roles," == *,admin,* ]] || die "the account in $admin_file is not an admin (roles: $roles)"
note "admin from $admin_file (roles: $roles)"
fixtures="$(python3 "$FUZZ_DIR/accounts.py" fixtures "$api_url" "$admin_file" "$OUT_DIR/shopper.json" \
  "$OUT_DIR/fixtures.json")" || die "could not create the fuzzing product"
note "fixtures: $fixtures"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
note "checks: $checks"
note "up to $MAX_EXAMPLES cases per operation and phase; seed $SEED; $WORKERS workers; at most ${TIMEOUT_SECS}s"
started=$SECONDS
status=0
# shellcheck disable=SC2086 # SAGAWAY_FUZZ_ARGS is a list of arguments.
(
  cd "$OUT_DIR"
  SAGAWAY_API_URL="$api_url" SAGAWAY_ADMIN_FILE="$admin_file" \
    SAGAWAY_FUZZ_SHOPPER_FILE="$OUT_DIR/shopper.json" SAGAWAY_FUZZ_FIXTURES_FILE="$OUT_DIR/fixtures.json" \
    SCHEMATHESIS_HOOKS="$FUZZ_DIR/hooks.py" \
    timeout --signal=INT --kill-after=30 "$TIMEOUT_SECS" \
    "$venv/bin/schemathesis" run "$SCHEMA" \
    --url "$api_url" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --workers "$WORKERS" \
    --request-timeout 30 \
    --no-color \
    --report junit,har,json \
    --report-dir "$OUT_DIR" \
    --report-junit-path "$OUT_DIR/junit.xml" \
    --report-har-path "$OUT_DIR/requests.har" \
    --report-json-path "$OUT_DIR/report.json" \
    ${SAGAWAY_FUZZ_ARGS:-}
) || status=$?
elapsed=$((SECONDS - started))

# Count the requests (the HAR file holds every one sent) and the operations that passed.
summary="$(python3 - "$OUT_DIR" <<'PY'
import json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
try:
    with open(f"{out}/requests.har", encoding="utf-8") as f:
        requests = len(json.load(f)["log"]["entries"])
except (OSError, ValueError, KeyError):
    requests = 0
passed = failed = 0
try:
    for case in ET.parse(f"{out}/junit.xml").getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
except (OSError, ET.ParseError):
    pass
print(requests, passed, failed)
PY
)"
read -r requests passed failed <<<"$summary"
note "Schemathesis sent $requests requests in ${elapsed}s (reports: $OUT_DIR)"
if ((status == 0 && failed == 0 && requests < MIN_REQUESTS)); then
  printf 'error: only %s requests were sent; at least %s are required\n' "$requests" "$MIN_REQUESTS" >&2
  status=1
fi
if ((status == 124)); then
  printf 'error: the fuzzing run did not finish within %ss (SAGAWAY_FUZZ_TIMEOUT)\n' "$TIMEOUT_SECS" >&2
fi
if ((status != 0 && failed == 0)); then
  # Schemathesis failed without a failing operation (a hook, schema or network error).
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
