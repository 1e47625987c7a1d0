# The one place that points Terraform at the local emulator. Fake credentials: the emulator
# accepts any. `make up` and the integration tests pass this file with -var-file and
# override aws_endpoint when they use another port.
aws_endpoint       = "http://127.0.0.1:4566"
aws_access_key     = "test"
aws_secret_key     = "test"
region             = "us-east-1"
log_retention_days = 1
# The Vite dev server (npm run dev in frontend/) may call the local API too.
cors_extra_origins = ["http://127.0.0.1:5173", "http://127.0.0.1:5174"]
# The scripts build the functions as debug binaries for this machine; lib.sh passes the host's
# architecture (x86_64 here, arm64 on an aarch64 host) over this default on the command line.
lambda_architecture = "x86_64"
# The emulator's tables are thrown away with it.
deletion_protection = false
# The emulator reports every caller of the HTTP API as 127.0.0.1 (API Gateway's sourceIp), so
# a limit per source address is a limit on everyone here: it is set high enough for a
# developer's and the test suites' registrations and wrong passwords. The limits per shopper
# (orders) and per account (failed logins) are AWS's defaults (infra/variables.tf).
rate_limits = {
  login_failures_per_address = 1000
  registration_limit         = 1000
  registration_burst         = 1000
}
