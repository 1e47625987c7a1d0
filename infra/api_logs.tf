# Access logs of both API stages: one JSON line per request in CloudWatch Logs, so one query
# finds a request by its id (the API request id, which the functions log as the correlation id),
# by caller, by route or by status. Both stages (main.tf, websocket.tf) write here.
#
# The emulator accepts these too (MiniStack stores a stage's accessLogSettings; it writes no
# lines), so the local plan has the same stages as AWS.

locals {
  access_log_format = {
    http = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integration.error"
      authorizerError    = "$context.authorizer.error"
      errorMessage       = "$context.error.message"
    })
    ws = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      connectionId       = "$context.connectionId"
      eventType          = "$context.eventType"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integration.status"
      authorizerError    = "$context.authorizer.error"
      errorMessage       = "$context.error.message"
    })
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  for_each          = toset(["http", "ws"])
  name              = "/aws/apigateway/${var.name_prefix}-${each.key}-access"
  retention_in_days = var.log_retention_days
}

# A WebSocket (like a REST) stage writes its logs with the account's API Gateway CloudWatch
# role (an HTTP API stage uses its service-linked role instead). The setting is per account and
# region: var.apigateway_account_logging_role turns this off where another stack owns it. Not on
# the emulator, which needs no role to accept the stage.
resource "aws_iam_role" "apigateway_logs" {
  count = local.local_emulator || !var.apigateway_account_logging_role ? 0 : 1
  name  = "${var.name_prefix}-apigateway-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "apigateway.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  count      = length(aws_iam_role.apigateway_logs)
  role       = aws_iam_role.apigateway_logs[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = length(aws_iam_role.apigateway_logs)
  cloudwatch_role_arn = aws_iam_role.apigateway_logs[0].arn
  depends_on          = [aws_iam_role_policy_attachment.apigateway_logs]
}
