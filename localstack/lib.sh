# Shared helpers for the local-stack scripts. Source it; do not run it.
# Every setting the scripts read is listed here with its default.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# All local state (venvs, logs, emulator and Temporal data, Terraform state) lives here.
LOCAL_DIR="${SAGAWAY_LOCAL_DIR:-$ROOT/.local}"
# Where the Terraform AWS provider mirror is (a folder holding registry.terraform.io/...).
TF_PLUGIN_DIR="${TF_PLUGIN_DIR:-/opt/tf-plugins}"
# Cargo's target dir (CI points it outside the clone to reuse builds).
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR

# The Lambda functions built into zips, one per crate in functions/ (not the shared one).
FUNCTIONS="inventory customer authorizer order payment notification gateway"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# need_cmd CMD "how to install it"
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed. $2"
}

check_prereqs() {
  need_cmd python3 "Install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)."
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    die "python3 is $(python3 --version 2>&1); sagaway's local tools need Python 3.10 or newer."
  python3 -c 'import venv, ensurepip' 2>/dev/null ||
    die "python3 cannot create virtual environments. Debian: apt-get install python3-venv"
  need_cmd cargo "Install Rust with rustup: https://rustup.rs"
  need_cmd terraform "Install Terraform 1.10 or newer: https://developer.hashicorp.com/terraform/install"
  local tf_version
  tf_version="$(terraform version -json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["terraform_version"])' 2>/dev/null || true)"
  python3 -c 'import sys; v = tuple(int(p) for p in sys.argv[1].split("-")[0].split(".")[:2]); sys.exit(0 if v >= (1, 10) else 1)' "${tf_version:-0.0}" 2>/dev/null ||
    die "terraform is ${tf_version:-of unknown version}; infra/ needs Terraform 1.10 or newer (infra/versions.tf): https://developer.hashicorp.com/terraform/install"
  need_cmd curl "Install curl (Debian: apt-get install curl)."
  need_cmd node "Install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)."
  need_cmd npm "Install npm (Debian: apt-get install npm)."
}

# frontend_deps: npm ci, again only when package-lock.json changed.
frontend_deps() {
  local stamp="$ROOT/frontend/node_modules/.lock.sha256" want
  want="$(sha256sum "$ROOT/frontend/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  say "Installing the web app's packages (npm ci)"
  (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error) ||
    die "npm ci failed in frontend/; is the npm registry reachable?"
  echo "$want" >"$stamp"
}

# build_frontend: type-checks and builds the web app into frontend/dist.
build_frontend() {
  mkdir -p "$LOCAL_DIR"
  frontend_deps
  say "Building the web app (vue-tsc + vite build)"
  (cd "$ROOT/frontend" && npm run --silent build >"$LOCAL_DIR/frontend-build.log" 2>&1) || {
    tail -n 30 "$LOCAL_DIR/frontend-build.log" >&2
    die "the web app did not build; the full output is in $LOCAL_DIR/frontend-build.log"
  }
}

# ensure_chromium: Debian's Chromium for the browser tests (Playwright cannot download one here).
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return 0
  fi
  say "Installing Chromium for the browser tests (apt-get install chromium)"
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "the browser tests need /usr/bin/chromium: install it (Debian: sudo apt-get install chromium)"
  fi
  { apt-get install -y chromium >"$LOCAL_DIR/apt-chromium.log" 2>&1 ||
    { apt-get update >>"$LOCAL_DIR/apt-chromium.log" 2>&1 &&
      apt-get install -y chromium >>"$LOCAL_DIR/apt-chromium.log" 2>&1; }; } ||
    die "apt-get could not install chromium; see $LOCAL_DIR/apt-chromium.log"
}

# ensure_venv NAME REQUIREMENTS_FILE: a venv under $LOCAL_DIR with exactly those pins.
# Re-installs only when the requirements file changed.
ensure_venv() {
  local name="$1" req="$2" dir="$LOCAL_DIR/venv-$1"
  local stamp="$dir/.requirements.sha256"
  local want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  say "Installing Python packages into $dir (pip, pinned in ${req#"$ROOT"/})"
  mkdir -p "$LOCAL_DIR"
  [[ -x "$dir/bin/python" ]] || python3 -m venv "$dir" || die "could not create the venv $dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" ||
    die "pip could not install ${req#"$ROOT"/}; is PyPI reachable?"
  echo "$want" >"$stamp"
}

ensure_tools() {
  ensure_venv ministack "$ROOT/localstack/requirements-ministack.txt"
  ensure_venv tools "$ROOT/localstack/requirements-tools.txt"
}

# ensure_checkov: checkov, pinned in localstack/requirements-checkov.txt, in .local/venv-checkov.
ensure_checkov() {
  ensure_venv checkov "$ROOT/localstack/requirements-checkov.txt"
}

# host_lambda_arch: this machine's architecture in Lambda's words (the local zips are debug
# binaries built for it, so the emulator's functions are declared with it).
host_lambda_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x86_64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "the local stack runs the functions on this machine: it needs x86_64 or aarch64, not $(uname -m)" ;;
  esac
}

# infra_test: the offline checks of infra/: `terraform test` (plan tests with a mocked AWS
# provider, infra/tests/*.tftest.hcl: no credentials, no network) and checkov with the
# committed skip list (infra/.checkov.yaml). Any failure, or any new checkov finding, fails.
infra_test() {
  terraform_init
  say "Plan tests (terraform test: infra/tests, mocked AWS provider, offline)"
  # The AWS-shaped plan with the defaults; the emulator-shaped one with the very settings
  # `make up` applies (localstack/local.tfvars).
  {
    terraform -chdir="$ROOT/infra" test -no-color -filter=tests/aws.tftest.hcl &&
      terraform -chdir="$ROOT/infra" test -no-color -filter=tests/emulator.tftest.hcl \
        -var-file=../localstack/local.tfvars
  } >"$LOCAL_DIR/terraform-test.log" 2>&1 || {
    cat "$LOCAL_DIR/terraform-test.log" >&2
    die "the plan tests failed (log: $LOCAL_DIR/terraform-test.log)"
  }
  grep -E '^(Success|Failure)!' "$LOCAL_DIR/terraform-test.log" | sed 's/^/    /'
  local files
  files="$(find "$ROOT/infra/tests" -maxdepth 1 -name '*.tftest.hcl' | wc -l)"
  ((files == 2)) || die "infra/tests has $files test files; infra_test (localstack/lib.sh) runs aws.tftest.hcl and emulator.tftest.hcl: add the new one there"
  ensure_checkov
  say "checkov on infra/ (skips and their reasons: infra/.checkov.yaml)"
  (cd "$ROOT" && "$LOCAL_DIR/venv-checkov/bin/checkov" -d infra --config-file infra/.checkov.yaml \
    --compact --quiet --skip-download) || die "checkov found something in infra/: fix it, or skip the check in infra/.checkov.yaml with the reason it does not apply"
}

# port_open PORT: true when something listens on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until SECONDS WHAT LOGFILE CMD...: polls CMD until it succeeds.
wait_until() {
  local secs="$1" what="$2" log="$3"
  shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      [[ -f "$log" ]] && tail -n 20 "$log" >&2
      die "$what did not become ready within ${secs}s; its log is $log"
    fi
    sleep 0.5
  done
}

# pid_alive FILE: true when FILE holds the pid of a live process.
pid_alive() {
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pid FILE NAME: TERM, then KILL after 10 s; removes FILE.
stop_pid() {
  local file="$1" name="$2"
  if pid_alive "$file"; then
    local pid
    pid="$(cat "$file")"
    say "Stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Terraform: init once per checkout, from the provider mirror when there is one.
terraform_env() {
  if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "$TF_CLI_CONFIG_FILE" ]]; then
    unset TF_CLI_CONFIG_FILE
  fi
  export TF_IN_AUTOMATION=1
  export TF_DATA_DIR="$LOCAL_DIR/terraform-data"
}

terraform_init() {
  terraform_env
  # infra/backend.s3.tf (from backend.s3.tf.example) points Terraform at an AWS deployment's
  # remote state; the local stack and the plan tests must never run against it.
  if [[ -f "$ROOT/infra/backend.s3.tf" ]]; then
    die "infra/backend.s3.tf (remote state of an AWS deployment) is present: the local stack and the \
tests keep their own state and must not use it. Deploy to AWS from another checkout, or move the file aside."
  fi
  # Init again whenever the module list changed (it is quick when nothing did).
  local stamp
  stamp="$(cat "$ROOT"/infra/*.tf "$ROOT"/infra/modules/*/*.tf | grep -E '^\s*(module|source)\b' | sha256sum | cut -d' ' -f1)"
  if [[ -f "$TF_DATA_DIR/.initialised" && "$(cat "$TF_DATA_DIR/.initialised")" == "$stamp" ]]; then
    return 0
  fi
  say "Initialising Terraform (provider hashicorp/aws ~> 5.100)"
  mkdir -p "$TF_DATA_DIR"
  local args=(-input=false -no-color)
  if [[ -d "$TF_PLUGIN_DIR/registry.terraform.io/hashicorp/aws" ]]; then
    note "using the provider mirror $TF_PLUGIN_DIR"
    args+=(-plugin-dir="$TF_PLUGIN_DIR")
  else
    note "no provider mirror at $TF_PLUGIN_DIR; downloading from registry.terraform.io"
  fi
  if ! terraform -chdir="$ROOT/infra" init "${args[@]}" >"$LOCAL_DIR/terraform-init.log" 2>&1; then
    tail -n 20 "$LOCAL_DIR/terraform-init.log" >&2
    die "terraform init failed. It needs the AWS provider 5.100: either set TF_PLUGIN_DIR to a \
filesystem mirror holding registry.terraform.io/hashicorp/aws/5.100.x, or allow access to registry.terraform.io."
  fi
  echo "$stamp" >"$TF_DATA_DIR/.initialised"
}

# terraform_try_apply STATE_FILE AWS_ENDPOINT LOGFILE TEMPORAL_ADDRESS: applies infra/ into the
# emulator; returns non-zero on failure (the output is in LOGFILE).
terraform_try_apply() {
  local state="$1" endpoint="$2" log="$3" temporal="$4"
  terraform_init
  mkdir -p "$(dirname "$state")"
  # The LocalStack path (README) runs the functions in containers: they get Lambda-built zips
  # (SAGAWAY_LAMBDA_DIR) and reach the emulator by another name (SAGAWAY_FUNCTION_AWS_ENDPOINT).
  local extra=()
  if [[ -n "${SAGAWAY_FUNCTION_AWS_ENDPOINT:-}" ]]; then
    extra+=(-var "function_aws_endpoint=$SAGAWAY_FUNCTION_AWS_ENDPOINT")
  fi
  # The web app's config.json links orders to the Temporal UI the stack started (start_temporal).
  if [[ -n "${SAGAWAY_TEMPORAL_UI_URL:-}" ]]; then
    extra+=(-var "temporal_ui_url=$SAGAWAY_TEMPORAL_UI_URL")
  fi
  # SAGAWAY_TFVARS: one more variables file, applied after local.tfvars (tests/system.sh's).
  if [[ -n "${SAGAWAY_TFVARS:-}" ]]; then
    extra+=(-var-file="$SAGAWAY_TFVARS")
  fi
  # -state keeps each environment's state in its own folder (make up's, the tests').
  terraform -chdir="$ROOT/infra" apply -input=false -auto-approve -no-color \
    -state="$state" \
    -var-file="$ROOT/localstack/local.tfvars" \
    -var "aws_endpoint=$endpoint" \
    -var "lambda_architecture=$(host_lambda_arch)" \
    -var "temporal_address=$temporal" \
    -var "lambda_dir=${SAGAWAY_LAMBDA_DIR:-$ROOT/dist/lambda}" \
    -var "site_dir=$ROOT/frontend/dist" ${extra[@]+"${extra[@]}"} >"$log" 2>&1
}

# terraform_apply STATE_FILE AWS_ENDPOINT LOGFILE TEMPORAL_ADDRESS: the same, stopping on failure.
terraform_apply() {
  if ! terraform_try_apply "$@"; then
    tail -n 30 "$3" >&2
    die "terraform apply failed; the full output is in $3"
  fi
}

# deploy_fresh DIR PORT TEMPORAL_ADDRESS: a fresh emulator on PORT with infra/ applied into
# it (state in DIR/terraform.tfstate). Under load the emulator can answer a create so late
# that the provider's retry finds the resource already there (409 EntityAlreadyExists); such
# a half-applied emulator cannot be repaired, so one retry starts over with a fresh one.
deploy_fresh() {
  local dir="$1" port="$2" temporal="$3" attempt
  for attempt in 1 2; do
    start_emulator "$dir" "$port"
    rm -f "$dir/terraform.tfstate" "$dir/terraform.tfstate.backup"
    say "Applying Terraform (infra/) into the emulator"
    local started=$SECONDS
    if terraform_try_apply "$dir/terraform.tfstate" "http://127.0.0.1:$port" \
      "$dir/terraform-apply.log" "$temporal"; then
      note "applied in $((SECONDS - started))s (log: $dir/terraform-apply.log)"
      return 0
    fi
    if ((attempt == 1)); then
      say "terraform apply failed ($(grep -m1 -o 'Error: .*' "$dir/terraform-apply.log" || echo 'see the log')); starting over once with a fresh emulator"
      cp "$dir/terraform-apply.log" "$dir/terraform-apply.failed.log"
    fi
  done
  tail -n 30 "$dir/terraform-apply.log" >&2
  die "terraform apply failed twice; the full output is in $dir/terraform-apply.log"
}

# terraform_output STATE_FILE NAME
terraform_output() {
  terraform_env
  terraform -chdir="$ROOT/infra" output -state="$1" -raw "$2"
}

# terraform_output_json STATE_FILE NAME
terraform_output_json() {
  terraform_env
  terraform -chdir="$ROOT/infra" output -state="$1" -json "$2"
}

# start_emulator DIR PORT: a fresh MiniStack on 127.0.0.1:PORT with its data under DIR.
start_emulator() {
  local dir="$1" port="$2"
  mkdir -p "$dir/tmp"
  stop_pid "$dir/ministack.pid" "the AWS emulator"
  if port_open "$port"; then
    die "port $port is taken by another program. Stop it, or use it as the AWS endpoint with \
SAGAWAY_AWS_ENDPOINT=http://127.0.0.1:$port make up"
  fi
  say "Starting the AWS emulator (MiniStack) on 127.0.0.1:$port"
  (
    cd "$dir"
    # PYTHONPATH: localstack/sitecustomize turns on TCP_NODELAY for the emulator's Lambda
    # Runtime API servers (docs/ministack-tcp-nodelay.md); for this process only.
    BIND_HOST=127.0.0.1 GATEWAY_PORT="$port" MINISTACK_HOST=127.0.0.1 TMPDIR="$dir/tmp" \
      LOG_LEVEL=WARNING PYTHONPATH="$ROOT/localstack/sitecustomize${PYTHONPATH:+:$PYTHONPATH}" \
      setsid "$LOCAL_DIR/venv-ministack/bin/ministack" >"$dir/ministack.log" 2>&1 &
    echo $! >"$dir/ministack.pid"
  )
  wait_until 60 "the AWS emulator" "$dir/ministack.log" \
    curl -fsS "http://127.0.0.1:$port/_ministack/health"
  note "ready: http://127.0.0.1:$port (log: $dir/ministack.log)"
}

# start_temporal DIR PORT UI_PORT: the Temporal dev server, state kept in DIR/temporal.db.
start_temporal() {
  local dir="$1" port="$2" ui="$3"
  mkdir -p "$dir"
  # For the web app's config.json (terraform_try_apply).
  export SAGAWAY_TEMPORAL_UI_URL="http://127.0.0.1:$ui"
  local temporal="$LOCAL_DIR/venv-tools/bin/temporal"
  if pid_alive "$dir/temporal.pid" && "$temporal" operator cluster health --address "127.0.0.1:$port" >/dev/null 2>&1; then
    note "Temporal dev server already running on 127.0.0.1:$port"
    return 0
  fi
  stop_pid "$dir/temporal.pid" "the Temporal dev server"
  if port_open "$port"; then
    die "port $port is taken by another program; stop it (a Temporal server started by hand?) and retry"
  fi
  say "Starting the Temporal dev server on 127.0.0.1:$port (UI on $ui)"
  (
    cd "$dir"
    setsid "$temporal" server start-dev --ip 127.0.0.1 --port "$port" \
      --ui-port "$ui" --log-level warn --db-filename "$dir/temporal.db" \
      >"$dir/temporal.log" 2>&1 &
    echo $! >"$dir/temporal.pid"
  )
  wait_until 60 "the Temporal dev server" "$dir/temporal.log" \
    "$temporal" operator cluster health --address "127.0.0.1:$port"
  note "ready: 127.0.0.1:$port, UI http://127.0.0.1:$ui (log: $dir/temporal.log)"
}

# start_worker DIR TEMPORAL AWS_ENDPOINT STATE_FILE HEALTH_PORT: the saga worker as a local
# process, pointed at the emulator's functions; TEMPORAL is the dev server's port on 127.0.0.1,
# or a host:port. Its environment is also written to DIR/worker.env (the system tests restart
# it from there).
start_worker() {
  local dir="$1" tport="$2" endpoint="$3" state="$4" hport="$5" taddr
  if [[ "$tport" == *:* ]]; then taddr="$tport"; else taddr="127.0.0.1:$tport"; fi
  stop_pid "$dir/worker.pid" "the saga worker"
  if port_open "$hport"; then
    die "port $hport (the worker's health endpoint) is taken by another program; stop it and retry"
  fi
  local functions
  functions="$(terraform_output_json "$state" functions)"
  python3 - "$functions" >"$dir/worker.env" <<PY
import json, sys
f = json.loads(sys.argv[1])
env = {
    "TEMPORAL_ADDRESS": "$taddr",
    "TEMPORAL_NAMESPACE": "default",
    "AWS_ENDPOINT_URL": "$endpoint",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
    "ORDER_FUNCTION": f["order"],
    "INVENTORY_FUNCTION": f["inventory"],
    "PAYMENT_FUNCTION": f["payment"],
    "NOTIFICATION_FUNCTION": f["notification"],
    "HEALTH_ADDR": "127.0.0.1:$hport",
    "BREAKER_FAILURES": "${BREAKER_FAILURES:-5}",
    "BREAKER_COOLDOWN_SECS": "${BREAKER_COOLDOWN_SECS:-20}",
    "RUST_LOG": "${RUST_LOG:-info}",
}
for k, v in env.items():
    print(f"{k}={v}")
PY
  say "Starting the saga worker (health on 127.0.0.1:$hport)"
  (
    cd "$dir"
    set -a
    # shellcheck disable=SC1091
    source "$dir/worker.env"
    set +a
    setsid "$CARGO_TARGET_DIR/debug/sagaway-worker" >>"$dir/worker.log" 2>&1 &
    echo $! >"$dir/worker.pid"
  )
  wait_until 60 "the saga worker" "$dir/worker.log" curl -fsS "http://127.0.0.1:$hport/health"
  note "ready (log: $dir/worker.log)"
}

# build_zips: builds the workspace (functions and tests in one cargo call) and packages the
# functions as Lambda zips in dist/lambda.
# build_zips [all]: the functions and the worker (what `make up` deploys; `all`: every target of
# the workspace too, tests included, as the system tests need them), then the zips.
build_zips() {
  local what=() p
  if [[ "${1:-}" == all ]]; then
    what=(--workspace --all-targets)
  else
    what=(--workspace --bin sagaway-worker)
    for p in $FUNCTIONS; do what+=(--bin "$p"); done
  fi
  say "Building (cargo build ${what[*]})"
  (cd "$ROOT" && cargo build --locked "${what[@]}") || die "cargo build failed"
  say "Packaging Lambda zips into dist/lambda"
  # shellcheck disable=SC2086
  python3 "$ROOT/functions/package.py" "$CARGO_TARGET_DIR/debug" "$ROOT/dist/lambda" $FUNCTIONS
}

# aws_architecture: the architecture AWS deployments use, read from its one place, the default of
# infra's lambda_architecture variable (infra/variables.tf); LAMBDA_ARCH overrides it.
aws_architecture() {
  if [[ -n "${LAMBDA_ARCH:-}" ]]; then
    echo "$LAMBDA_ARCH"
    return
  fi
  local arch
  arch="$(awk '/^variable "lambda_architecture"/ { inside = 1 }
    inside && /^}/ { exit }
    inside && $1 == "default" { gsub(/"/, "", $3); print $3; exit }' "$ROOT/infra/variables.tf")"
  [[ "$arch" == x86_64 || "$arch" == arm64 ]] ||
    die "could not read lambda_architecture's default (x86_64 or arm64) from infra/variables.tf (read: '$arch'); set LAMBDA_ARCH"
  echo "$arch"
}

# build_zips_aws: release zips for AWS Lambda (Amazon Linux 2023), cross-linked by
# cargo-lambda with zig so the binaries need no newer glibc than Lambda's. The release
# profile in Cargo.toml sets strip, lto, codegen-units and panic, so cargo-lambda adds none
# of its own defaults (its panic = "abort" would crash a function where `serve` catches a
# panic). The architecture: aws_architecture (infra's lambda_architecture default, arm64, or
# LAMBDA_ARCH).
build_zips_aws() {
  local arch flag f bytes
  arch="$(aws_architecture)"
  case "$arch" in
    x86_64) flag=--x86-64 ;;
    arm64) flag=--arm64 ;;
    *) die "LAMBDA_ARCH=$arch is not a Lambda architecture: use x86_64 or arm64" ;;
  esac
  say "Building release Lambda zips for AWS ($arch) with cargo-lambda"
  local bins=()
  for f in $FUNCTIONS; do bins+=(--bin "$f"); done
  (cd "$ROOT" && PATH="$LOCAL_DIR/venv-tools/bin:$PATH" cargo lambda build --release "$flag" \
    --locked --output-format zip --lambda-dir "$CARGO_TARGET_DIR/lambda-aws" "${bins[@]}") ||
    die "cargo lambda build failed"
  mkdir -p "$ROOT/dist/lambda-aws"
  for f in $FUNCTIONS; do
    cp "$CARGO_TARGET_DIR/lambda-aws/$f/bootstrap.zip" "$ROOT/dist/lambda-aws/$f.zip"
    bytes="$(stat -c %s "$ROOT/dist/lambda-aws/$f.zip")"
    note "dist/lambda-aws/$f.zip ($(awk -v b="$bytes" 'BEGIN { printf "%.2f MB", b / 1e6 }'))"
  done
}

# build_worker_image IMAGE: builds worker/Dockerfile for aws_architecture (infra's
# lambda_architecture default, which the ECS task declares, or LAMBDA_ARCH) and pushes it as IMAGE
# (<worker_repository_url>:<tag>). Needs Docker with buildx, logged in to the registry.
build_worker_image() {
  local image="$1" arch platform
  arch="$(aws_architecture)"
  [[ -n "$image" ]] || die "usage: make worker-image IMAGE=<worker_repository_url>:<tag> (terraform output worker_repository_url)"
  case "$arch" in
    x86_64) platform=linux/amd64 ;;
    arm64) platform=linux/arm64 ;;
    *) die "LAMBDA_ARCH=$arch is not x86_64 or arm64" ;;
  esac
  need_cmd docker "Install Docker with buildx; the worker image is built from worker/Dockerfile."
  say "Building and pushing the worker image $image ($platform)"
  (cd "$ROOT" && docker buildx build --platform "$platform" -f worker/Dockerfile -t "$image" --push .) ||
    die "docker buildx build failed"
}
