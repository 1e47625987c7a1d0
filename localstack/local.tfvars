# The one place that points Terraform at the local emulator. Fake credentials: the emulator
# accepts any. `make up` and the integration tests pass this file with -var-file and
# override aws_endpoint when they use another port.
aws_endpoint       = "http://127.0.0.1:4566"
aws_access_key     = "test"
aws_secret_key     = "test"
region             = "us-east-1"
log_retention_days = 1
# The Vite dev server (npm run dev in frontend/) may call the local API too.
cors_extra_origins = ["http://127.0.0.1:5173"]
# The scripts build the functions as debug binaries for this machine; lib.sh passes the host's
# architecture (x86_64 here, arm64 on an aarch64 host) over this default on the command line.
lambda_architecture = "x86_64"
# The emulator's tables are thrown away with it.
deletion_protection = false
