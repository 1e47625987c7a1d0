# sagaway on AWS: an HTTP API in API Gateway in front of one Lambda function per service,
# each with its own DynamoDB table and a role that reaches only that table.

locals {
  # Outside AWS the functions reach the emulator through this endpoint.
  function_env = local.local_emulator ? { AWS_ENDPOINT_URL = var.aws_endpoint } : {}
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name_prefix}-http"
  protocol_type = "HTTP"
  description   = "sagaway public HTTP API"
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
  global_secondary_indexes = [
    { name = "catalog", hash_key = "catalog", range_key = "id" },
  ]
  # Admin routes (product changes) and saga routes (reservations) get their authorization
  # in the services issue; until then every route is open (see README).
  routes = [
    "GET /health",
    "GET /v1/products",
    "GET /v1/products/{id}",
    "PUT /v1/products/{id}",
    "PUT /v1/products/{id}/stock",
    "POST /v1/reservations",
    "GET /v1/reservations/{order_id}",
    "POST /v1/reservations/{order_id}/release",
  ]
}
