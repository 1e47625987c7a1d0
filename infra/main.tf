# sagaway on AWS: an HTTP API in API Gateway in front of one Lambda function per service,
# each with its own DynamoDB table and a role that reaches only that table.
#
# Route authorization: "none" routes are public; "jwt" routes go through the Lambda
# authorizer (auth.tf) and the function checks roles. Saga-step operations are not on the
# API at all: the worker invokes the functions directly (lambda:InvokeFunction), and the
# functions answer /internal/* paths only for direct invocations.

data "aws_caller_identity" "current" {}

locals {
  # Outside AWS the functions reach the emulator through this endpoint.
  function_env = local.local_emulator ? { AWS_ENDPOINT_URL = var.aws_endpoint } : {}
  account_id   = data.aws_caller_identity.current.account_id
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name_prefix}-http"
  protocol_type = "HTTP"
  description   = "sagaway public HTTP API"

  # Browsers may call the API from the web app's origin only (plus var.cors_extra_origins).
  cors_configuration {
    allow_origins  = concat([local.site_origin], var.cors_extra_origins)
    allow_methods  = ["GET", "POST", "PUT", "OPTIONS"]
    allow_headers  = ["authorization", "content-type", "idempotency-key"]
    expose_headers = ["location"]
    max_age        = 600
  }
}

resource "aws_apigatewayv2_stage" "http" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = var.stage_name
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }
}

module "inventory" {
  source = "./modules/service"

  name               = "inventory"
  name_prefix        = var.name_prefix
  zip_path           = "${var.lambda_dir}/inventory.zip"
  architecture       = var.lambda_architecture
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  extra_env          = local.function_env
  api_id             = aws_apigatewayv2_api.http.id
  api_execution_arn  = aws_apigatewayv2_api.http.execution_arn
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
  global_secondary_indexes = [
    { name = "catalog", hash_key = "catalog", range_key = "id" },
  ]
  routes = {
    "GET /health"                 = "none"
    "GET /v1/products"            = "none"
    "GET /v1/products/{id}"       = "none"
    "PUT /v1/products/{id}"       = "jwt" # admin role
    "PUT /v1/products/{id}/stock" = "jwt" # admin role
  }
}

module "customer" {
  source = "./modules/service"

  name               = "customer"
  name_prefix        = var.name_prefix
  zip_path           = "${var.lambda_dir}/customer.zip"
  architecture       = var.lambda_architecture
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  extra_env = merge(local.function_env, {
    JWT_SIGNING_SECRET = local.jwt_signing_secret
    JWT_PUBLIC_SECRET  = local.jwt_public_secret
  })
  api_id            = aws_apigatewayv2_api.http.id
  api_execution_arn = aws_apigatewayv2_api.http.execution_arn
  authorizer_id     = aws_apigatewayv2_authorizer.jwt.id
  extra_policy_statements = [{
    sid = "JwtKeys"
    actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:CreateSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:DescribeSecret",
    ]
    resources = [local.jwt_signing_secret_arn, local.jwt_public_secret_arn]
  }]
  routes = {
    "POST /v1/customers"    = "none"
    "POST /v1/auth/login"   = "none"
    "POST /v1/auth/refresh" = "jwt"
    "GET /v1/customers/me"  = "jwt"
    "PUT /v1/customers/me"  = "jwt"
  }
}

module "order" {
  source = "./modules/service"

  name               = "order"
  name_prefix        = var.name_prefix
  zip_path           = "${var.lambda_dir}/order.zip"
  architecture       = var.lambda_architecture
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  extra_env          = local.function_env
  api_id             = aws_apigatewayv2_api.http.id
  api_execution_arn  = aws_apigatewayv2_api.http.execution_arn
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
  global_secondary_indexes = [
    { name = "by_customer", hash_key = "customer_id", range_key = "created_key" },
  ]
  routes = {
    "GET /v1/orders"      = "jwt"
    "GET /v1/orders/{id}" = "jwt"
  }
}

# The card vault: payment-method tokens (never card numbers), apart from the payments so
# their retention and access can differ; items expire with the table's TTL.
resource "aws_dynamodb_table" "payment_methods" {
  name         = "${var.name_prefix}-payment-methods"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

module "payment" {
  source = "./modules/service"

  name               = "payment"
  name_prefix        = var.name_prefix
  zip_path           = "${var.lambda_dir}/payment.zip"
  architecture       = var.lambda_architecture
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  # The slow test card answers after 8 s.
  timeout_seconds = 20
  extra_env = merge(local.function_env, {
    METHODS_TABLE = aws_dynamodb_table.payment_methods.name
  })
  extra_policy_statements = [{
    sid       = "CardVault"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.payment_methods.arn]
  }]
  api_id            = aws_apigatewayv2_api.http.id
  api_execution_arn = aws_apigatewayv2_api.http.execution_arn
  authorizer_id     = aws_apigatewayv2_authorizer.jwt.id
  routes = {
    "GET /v1/payments/test-cards" = "none"
  }
}
