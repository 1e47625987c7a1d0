# sagaway on AWS: an HTTP API in API Gateway in front of one Lambda function per service,
# each with its own DynamoDB table and a role that reaches only that table.
#
# The API's routes come from docs/openapi.json (routes.tf). Saga-step operations are not on
# the API at all: the worker invokes the functions directly (lambda:InvokeFunction), and the
# functions answer /internal/* paths only for direct invocations.

data "aws_caller_identity" "current" {}

locals {
  # Outside AWS the functions reach the emulator through this endpoint (as they see it: the
  # same as Terraform's, unless the functions run in containers, as on LocalStack).
  function_aws_endpoint = var.function_aws_endpoint != "" ? var.function_aws_endpoint : var.aws_endpoint
  function_env          = local.local_emulator ? { AWS_ENDPOINT_URL = local.function_aws_endpoint } : {}
  account_id            = data.aws_caller_identity.current.account_id
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name_prefix}-http"
  protocol_type = "HTTP"
  description   = "sagaway public HTTP API"

  # Browsers may call the API from the web app's origin only (plus var.cors_extra_origins): on
  # AWS the CloudFront origin (https://<distribution>.cloudfront.net, and the custom domain when
  # there is one), on the emulator the emulator's own origin (site.tf, local.site_origins).
  cors_configuration {
    allow_origins = concat(local.site_origins, var.cors_extra_origins)
    allow_methods = ["GET", "POST", "PUT", "OPTIONS"]
    allow_headers = ["authorization", "content-type", "idempotency-key"]
    # Retry-After: how long a 429 or 503 asks the web app to wait.
    expose_headers = ["location", "retry-after"]
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

  # One JSON line per request (api_logs.tf): requestId is the correlation id the
  # functions log too.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access["http"].arn
    format          = local.access_log_format["http"]
  }

  lifecycle {
    precondition {
      condition     = length(local.unroutable) == 0
      error_message = "docs/openapi.json has operations no function here can serve: ${join("; ", local.unroutable)}. Each operation needs x-sagaway-function naming a service of local.services or \"gateway\" (functions/openapi adds it; run make openapi), and a path API Gateway accepts."
    }
  }
}

# Each service: a table named after it, a function whose role reaches that table (and what
# its entry adds, nothing more) and the routes docs/openapi.json gives it. Unset settings take
# the modules' defaults (10 s timeout, 256 MB, no range key, no GSI, no TTL).
locals {
  services = {
    inventory = {
      global_secondary_indexes = [
        { name = "catalog", hash_key = "catalog", range_key = "id" },
      ]
    }
    customer = {
      # Failed-login and registration counters (limits.tf) expire.
      ttl_attribute = "expires_at"
      environment = merge({
        JWT_SIGNING_SECRET = local.jwt_signing_secret
        JWT_PUBLIC_SECRET  = local.jwt_public_secret
      }, local.customer_limit_env)
      policy_statements = [{
        sid = "JwtKeys"
        actions = [
          "secretsmanager:GetSecretValue",
          "secretsmanager:CreateSecret",
          "secretsmanager:PutSecretValue",
          "secretsmanager:DescribeSecret",
        ]
        resources = [local.jwt_signing_secret_arn, local.jwt_public_secret_arn]
      }]
    }
    order = {
      # A shopper's orders; the admins' overview by status and of every order (all_orders is
      # the same value on every order), each newest first by created_key.
      global_secondary_indexes = [
        { name = "by_customer", hash_key = "customer_id", range_key = "created_key" },
        { name = "by_status", hash_key = "status", range_key = "created_key" },
        { name = "all_orders", hash_key = "all_orders", range_key = "created_key" },
      ]
    }
    payment = {
      # The slow test card answers after 8 s.
      timeout_seconds = 20
      environment     = { METHODS_TABLE = module.payment_methods.name }
      policy_statements = [{
        sid       = "CardVault"
        actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
        resources = [module.payment_methods.arn]
      }]
    }
    notification = {
      range_key   = "sk"
      environment = merge({ WS_MANAGEMENT_ENDPOINT = local.ws_management_endpoint }, local.email_env)
      # Pushes to its WebSocket API; emails orders from its one SES identity (email.tf).
      policy_statements = concat([{
        sid       = "PushToOwnWebSocketApi"
        actions   = ["execute-api:ManageConnections"]
        resources = ["${aws_apigatewayv2_api.ws.execution_arn}/${var.stage_name}/POST/@connections/*"]
      }], local.email_statements)
    }
  }
}

module "service" {
  source   = "./modules/service"
  for_each = local.services

  name                     = each.key
  name_prefix              = var.name_prefix
  zip_path                 = "${var.lambda_dir}/${each.key}.zip"
  architecture             = var.lambda_architecture
  tracing                  = var.lambda_tracing
  reserved_concurrency     = lookup(var.reserved_concurrency, each.key, null)
  deletion_protection      = var.deletion_protection
  log_level                = var.log_level
  log_retention_days       = var.log_retention_days
  timeout_seconds          = try(each.value.timeout_seconds, null)
  range_key                = try(each.value.range_key, null)
  global_secondary_indexes = try(each.value.global_secondary_indexes, null)
  ttl_attribute            = try(each.value.ttl_attribute, null)
  environment              = merge(local.function_env, try(each.value.environment, {}))
  policy_statements        = try(each.value.policy_statements, null)
  api_id                   = aws_apigatewayv2_api.http.id
  api_execution_arn        = aws_apigatewayv2_api.http.execution_arn
  authorizer_id            = aws_apigatewayv2_authorizer.jwt.id
  routes                   = lookup(local.routes_by_function, each.key, {})
}

# The card vault: payment-method tokens (never card numbers), apart from the payments so
# their retention and access can differ; items expire with the table's TTL.
module "payment_methods" {
  source = "./modules/table"

  name                = "${var.name_prefix}-payment-methods"
  ttl_attribute       = "expires_at"
  deletion_protection = var.deletion_protection
}
