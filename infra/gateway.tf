# The gateway function: POST /v1/orders starts the OrderSaga on Temporal; the saga's state
# and cancellation are workflow queries and updates. It prices carts by invoking the
# inventory function's public product route directly.

locals {
  temporal_env = merge({
    TEMPORAL_ADDRESS   = var.temporal_address
    TEMPORAL_NAMESPACE = var.temporal_namespace
    TASK_QUEUE         = var.task_queue
    }, var.temporal_api_key_secret == "" ? {} : {
    TEMPORAL_API_KEY_SECRET = var.temporal_api_key_secret
  })
  temporal_secret_arns = var.temporal_api_key_secret == "" ? [] : ["${local.secret_arn_prefix}:${var.temporal_api_key_secret}-*"]
}

resource "aws_iam_role" "gateway" {
  name               = "${var.name_prefix}-gateway-fn"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "gateway" {
  statement {
    sid       = "PriceFromCatalog"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.inventory.function_arn]
  }
  statement {
    sid       = "TokenizeCards"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.payment.function_arn]
  }
  dynamic "statement" {
    for_each = length(local.temporal_secret_arns) == 0 ? [] : [1]
    content {
      sid       = "TemporalApiKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.temporal_secret_arns
    }
  }
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.gateway.arn}:*"]
  }
}

resource "aws_iam_role_policy" "gateway" {
  name   = "${var.name_prefix}-gateway-access"
  role   = aws_iam_role.gateway.id
  policy = data.aws_iam_policy_document.gateway.json
}

resource "aws_cloudwatch_log_group" "gateway" {
  name              = "/aws/lambda/${var.name_prefix}-gateway"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "gateway" {
  function_name    = "${var.name_prefix}-gateway"
  role             = aws_iam_role.gateway.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.lambda_architecture]
  filename         = "${var.lambda_dir}/gateway.zip"
  source_code_hash = filebase64sha256("${var.lambda_dir}/gateway.zip")
  memory_size      = 256
  timeout          = 15

  environment {
    variables = merge({
      RUST_LOG           = var.log_level
      INVENTORY_FUNCTION = module.inventory.function_name
      PAYMENT_FUNCTION   = module.payment.function_name
    }, local.temporal_env, local.function_env)
  }

  depends_on = [aws_cloudwatch_log_group.gateway, aws_iam_role_policy.gateway]
}

resource "aws_apigatewayv2_integration" "gateway" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.gateway.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "gateway" {
  for_each           = toset(["POST /v1/orders", "GET /v1/orders/{id}/saga", "POST /v1/orders/{id}/cancel"])
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.gateway.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
}

# The OpenAPI document is public.
resource "aws_apigatewayv2_route" "openapi" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /v1/openapi.json"
  target    = "integrations/${aws_apigatewayv2_integration.gateway.id}"
}

resource "aws_lambda_permission" "gateway" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.gateway.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
