# The WebSocket API: browsers connect with ?token=<jwt>; the authorizer guards $connect; the
# notification function remembers connections and pushes through the management API.

resource "aws_apigatewayv2_api" "ws" {
  name                       = "${var.name_prefix}-ws"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
  description                = "sagaway live order status"
}

resource "aws_apigatewayv2_stage" "ws" {
  api_id      = aws_apigatewayv2_api.ws.id
  name        = var.stage_name
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access["ws"].arn
    format          = local.access_log_format["ws"]
  }

  # On AWS the account's logging role must be in place before the stage logs (api_logs.tf).
  depends_on = [aws_api_gateway_account.this]
}

locals {
  ws_url = (local.local_emulator
    ? "${replace(var.aws_endpoint, "http", "ws")}/_aws/execute-api/${aws_apigatewayv2_api.ws.id}/${var.stage_name}"
  : aws_apigatewayv2_stage.ws.invoke_url)
  ws_management_endpoint = (local.local_emulator
    ? "${local.function_aws_endpoint}/_aws/execute-api/${aws_apigatewayv2_api.ws.id}/${var.stage_name}"
  : "https://${aws_apigatewayv2_api.ws.id}.execute-api.${var.region}.amazonaws.com/${var.stage_name}")
}

resource "aws_apigatewayv2_authorizer" "ws" {
  api_id           = aws_apigatewayv2_api.ws.id
  name             = "${var.name_prefix}-ws-jwt"
  authorizer_type  = "REQUEST"
  authorizer_uri   = module.authorizer.invoke_arn
  identity_sources = ["route.request.querystring.token"]
}

resource "aws_lambda_permission" "authorizer_ws" {
  statement_id  = "AllowWebSocketAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = module.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.ws.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.ws.id}"
}

resource "aws_apigatewayv2_integration" "ws" {
  api_id           = aws_apigatewayv2_api.ws.id
  integration_type = "AWS_PROXY"
  integration_uri  = module.service["notification"].invoke_arn
}

resource "aws_apigatewayv2_route" "ws_connect" {
  api_id             = aws_apigatewayv2_api.ws.id
  route_key          = "$connect"
  target             = "integrations/${aws_apigatewayv2_integration.ws.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.ws.id
}

resource "aws_apigatewayv2_route" "ws_disconnect" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$disconnect"
  target    = "integrations/${aws_apigatewayv2_integration.ws.id}"
}

resource "aws_apigatewayv2_route" "ws_default" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.ws.id}"
}

resource "aws_lambda_permission" "ws" {
  statement_id  = "AllowWebSocketInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.service["notification"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.ws.execution_arn}/*/*"
}
