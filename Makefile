# sagaway: the two commands are `make up` and `make test`. See README.md.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help up down test lint infra-test unit system build zips zips-aws worker-image lambda-init bench clean openapi redeploy logs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

up: ## install what is missing, build, start the emulator + Temporal, deploy, seed; print URLs
	@localstack/up.sh

down: ## stop what `make up` started
	@localstack/down.sh

test: lint infra-test unit system ## every test suite: fmt, clippy, infra plan tests and checkov, unit tests, system tests
	@echo "==> All tests passed"

lint: ## cargo fmt --check, clippy -D warnings, terraform fmt -check
	@echo "==> cargo fmt --check"
	@cargo fmt --all --check
	@echo "==> cargo clippy --workspace --all-targets -- -D warnings"
	@cargo clippy --workspace --all-targets --locked -- -D warnings
	@echo "==> terraform fmt -check"
	@source localstack/lib.sh && terraform_env && terraform fmt -check -recursive infra localstack

infra-test: ## offline checks of infra/: terraform test (plan tests, mocked AWS provider) and checkov (pinned, skips in infra/.checkov.yaml)
	@source localstack/lib.sh && check_prereqs && infra_test

unit: ## unit tests (no emulator needed; installs the Temporal CLI): Rust, and the web app's Vitest suite
	@source localstack/lib.sh && check_prereqs && ensure_tools
	@echo "==> Unit tests (cargo test --workspace: rules on in-memory stores, the saga on a Temporal dev server it starts)"
	@cargo test --workspace --locked
	@source localstack/lib.sh && frontend_deps
	@echo "==> Web app: type check and Vitest"
	@cd frontend && npm run --silent typecheck && npx vitest run

system: ## system tests: fresh emulator on port 4610, Terraform, tests through API Gateway
	@tests/system.sh

build zips: ## build the workspace and package the Lambda zips into dist/lambda
	@source localstack/lib.sh && check_prereqs && build_zips

zips-aws: ## release Lambda zips for AWS with cargo-lambda (the architecture: infra's lambda_architecture default, arm64, or LAMBDA_ARCH=x86_64), into dist/lambda-aws
	@source localstack/lib.sh && check_prereqs && ensure_tools && build_zips_aws

worker-image: ## build and push the worker's image (IMAGE=<worker_repository_url>:<tag>, architecture as for zips-aws); needs Docker
	@source localstack/lib.sh && build_worker_image "$(IMAGE)"

lambda-init: ## release zips for this machine's arch, then each function's cold start on a fake Lambda runtime API (RUNS=20)
	@source localstack/lib.sh && check_prereqs && ensure_tools && \
	  case "$$(uname -m)" in x86_64) LAMBDA_ARCH=x86_64 ;; aarch64) LAMBDA_ARCH=arm64 ;; \
	    *) die "lambda-init runs the functions on this machine: it needs Linux on x86_64 or aarch64" ;; esac && \
	  build_zips_aws && \
	  echo "==> Cold starts on a fake Lambda runtime API (tools/lambda-init)" && \
	  cargo build --quiet --locked -p lambda-init && \
	  "$$CARGO_TARGET_DIR/debug/lambda-init" --runs "$${RUNS:-20}" \
	    --bin-dir "$$CARGO_TARGET_DIR/$$(uname -m)-unknown-linux-gnu/release" --zip-dir dist/lambda-aws \
	    --json dist/lambda-init.json --max-init-p50-ms 10 --max-rss-mb 20 --max-zip-mb 5 $$FUNCTIONS

redeploy: ## rebuild one function (FN=payment, or FN=worker) and put it live in the running stack; data stays
	@localstack/dev.sh redeploy "$(FN)"

logs: ## follow a function's logs in the running stack (FN=gateway, or FN=worker)
	@localstack/dev.sh logs "$(FN)"

openapi: ## regenerate docs/openapi.json (and the web app's API types) from the code
	@cargo run --quiet --locked -p sagaway-openapi --bin gen-openapi docs/openapi.json
	@source localstack/lib.sh && frontend_deps && cd frontend && npm run --silent gen:api

bench: ## the saga's speed on the running stack (after make up): writes docs/bench/latest.{json,md,svg}
	@source localstack/lib.sh && [[ -f .local/stack/env ]] || { echo "error: run make up first"; exit 1; }
	@source localstack/lib.sh && cargo build --quiet --locked --workspace --bins
	@source localstack/lib.sh && set -a && source .local/stack/env && set +a && \
	  SAGAWAY_ADMIN_FILE=.local/stack/admin.json SAGAWAY_STACK_DIR=.local/stack \
	  "$$CARGO_TARGET_DIR/debug/bench" $(LEVELS)

clean: ## remove build output and local state (stops nothing: run make down first)
	rm -rf dist .local
