# The gateway function: POST /v1/orders starts the OrderSaga on Temporal; the saga's state
# and cancellation are workflow queries and updates. It prices carts by invoking the
# inventory function's public product route directly, and reads the shopper's email from
# the customer function (for the order's receipt emails). Its one table holds the per-shopper
# order limits (limits.tf).

locals {
  # Temporal Cloud credentials, each a Secrets Manager secret the deployer creates (README,
  # "Deploy to AWS"): an API key, or an mTLS client certificate and key. By environment variable
  # of the worker, which ECS fills from the secret (the SDK's own TEMPORAL_* variables, read by
  # functions/temporal).
  temporal_secrets = { for k, v in {
    TEMPORAL_API_KEY              = var.temporal_api_key_secret
    TEMPORAL_TLS_CLIENT_CERT_DATA = var.temporal_tls_cert_secret
    TEMPORAL_TLS_CLIENT_KEY_DATA  = var.temporal_tls_key_secret
  } : k => v if v != "" }
  temporal_env = merge({
    TEMPORAL_ADDRESS   = var.temporal_address
    TEMPORAL_NAMESPACE = var.temporal_namespace
    TASK_QUEUE         = var.task_queue
    }, var.temporal_api_key_secret == "" ? {} : {
    # The gateway reads the key itself (functions/gateway: TEMPORAL_API_KEY_SECRET).
    TEMPORAL_API_KEY_SECRET = var.temporal_api_key_secret
    }, var.temporal_tls_cert_secret == "" ? {} : {
    # For the gateway's mTLS; see the README ("Temporal Cloud"): the gateway must read these.
    TEMPORAL_TLS_CLIENT_CERT_SECRET = var.temporal_tls_cert_secret
    TEMPORAL_TLS_CLIENT_KEY_SECRET  = var.temporal_tls_key_secret
  })
  temporal_secret_arns = [for name in values(local.temporal_secrets) : "${local.secret_arn_prefix}:${name}-*"]
  # The gateway reads the Temporal Cloud credentials itself, when there are any.
  temporal_secret_statements = length(local.temporal_secret_arns) == 0 ? [] : [{
    sid       = "TemporalCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.temporal_secret_arns
  }]
}

module "gateway" {
  source = "./modules/function"

  name                 = "${var.name_prefix}-gateway"
  zip_path             = "${var.lambda_dir}/gateway.zip"
  architecture         = var.lambda_architecture
  tracing              = var.lambda_tracing
  reserved_concurrency = lookup(var.reserved_concurrency, "gateway", null)
  timeout_seconds      = 15
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
  environment = merge({
    TABLE_NAME         = module.gateway_limits.name
    INVENTORY_FUNCTION = module.service["inventory"].function_name
    PAYMENT_FUNCTION   = module.service["payment"].function_name
    CUSTOMER_FUNCTION  = module.service["customer"].function_name
  }, local.order_limit_env, local.temporal_env, local.function_env)
  policy_statements = concat([
    {
      # The per-shopper order buckets (limits.tf): conditional updates, nothing else.
      sid       = "OwnLimitsTable"
      actions   = ["dynamodb:UpdateItem"]
      resources = [module.gateway_limits.arn]
    },
    {
      sid       = "PriceFromCatalog"
      actions   = ["lambda:InvokeFunction"]
      resources = [module.service["inventory"].function_arn]
    },
    {
      sid       = "TokenizeCards"
      actions   = ["lambda:InvokeFunction"]
      resources = [module.service["payment"].function_arn]
    },
    {
      # The shopper's email for the order's receipts (GET /internal/customers/{id}/contact).
      sid       = "ShopperContact"
      actions   = ["lambda:InvokeFunction"]
      resources = [module.service["customer"].function_arn]
    },
  ], local.temporal_secret_statements)
}

# Its routes (placing, following and cancelling orders, the OpenAPI document) are those
# docs/openapi.json gives the gateway.
module "gateway_routes" {
  source = "./modules/routes"

  api_id            = aws_apigatewayv2_api.http.id
  api_execution_arn = aws_apigatewayv2_api.http.execution_arn
  authorizer_id     = aws_apigatewayv2_authorizer.jwt.id
  function_name     = module.gateway.function_name
  invoke_arn        = module.gateway.invoke_arn
  routes            = local.routes_by_function["gateway"]
}
