# One Lambda function (a Rust `bootstrap` on provided.al2023), its log group and its own role:
# the role grants the statements given and writing to this log group (and, with active
# tracing, sending X-Ray segments), nothing else.

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
}

module "role" {
  source = "../role"

  name        = "${var.name}-fn"
  policy_name = "${var.name}-access"
  service     = "lambda.amazonaws.com"
  policy_statements = concat(var.policy_statements, [{
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }], var.tracing ? [{
    # X-Ray has no resource-level permissions for these two actions: "*" is the only form.
    sid       = "XRayTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }] : [])
}

resource "aws_lambda_function" "this" {
  function_name    = var.name
  role             = module.role.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  # null (the provider's -1): unreserved.
  reserved_concurrent_executions = var.reserved_concurrency

  tracing_config {
    mode = var.tracing ? "Active" : "PassThrough"
  }

  environment {
    variables = merge({ RUST_LOG = var.log_level }, var.environment)
  }

  # The log group first, or Lambda creates one that never expires; the policy first, or the
  # first invocations fail (and CreateFunction refuses Active tracing without the X-Ray grant).
  depends_on = [aws_cloudwatch_log_group.this, module.role]
}
