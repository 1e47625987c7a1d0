# Alarms and a dashboard on AWS (not on the emulator, which has no CloudWatch metrics or
# alarms worth the name): the API stages' 5xx and throttling, every function's errors and
# throttles, the saga's compensations and the worker's circuit breakers opening. Alarms
# notify an SNS topic (output alarm_topic_arn); var.alarm_email subscribes an address to it.
#
# Where each signal comes from:
# - HTTP API 5xx: AWS/ApiGateway `5xx` (ApiId, Stage). WebSocket API: AWS/ApiGateway
#   `ExecutionError` (its integration failed).
# - Throttling on either stage: an HTTP API has no throttle metric, so both stages' access
#   logs (api_logs.tf) are counted: lines whose `status` is "429".
# - Functions: AWS/Lambda `Errors` and `Throttles` per FunctionName.
# - Compensations: the worker's JSON log lines (worker/src/correlation.rs) with
#   `message` "activity completed" and `activity` "SagaActivities::release_stock" (the activity type): every compensation ends by
#   releasing the order's stock, and that line is logged once, when it has succeeded.
# - Open breakers: the worker's lines with `breaker_state` "open" (worker/src/breaker.rs),
#   by `service`.
# The worker's own Prometheus endpoint (/metrics: Temporal SDK metrics and breaker gauges) is
# for a Prometheus or an ADOT sidecar; these alarms need none.

locals {
  observability_enabled = !local.local_emulator
  alarm_namespace       = "Sagaway/${var.name_prefix}"
  monitored_functions = merge(
    { for name, s in module.service : name => s.function_name },
    { gateway = module.gateway.function_name, authorizer = module.authorizer.function_name },
  )
  breaker_services = ["order", "inventory", "payment", "notification"]
  alarm_actions    = aws_sns_topic.alarms[*].arn
}

# The alarm topic's key: CloudWatch cannot publish to a topic encrypted with the AWS-managed
# aws/sns key, so the topic has its own, usable by CloudWatch and the account only.
resource "aws_kms_key" "alarms" {
  count                   = local.observability_enabled ? 1 : 0
  description             = "${var.name_prefix} alarm notifications (SNS)"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Account"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_sns_topic" "alarms" {
  count             = local.observability_enabled ? 1 : 0
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.alarms[0].arn
}

resource "aws_sns_topic_policy" "alarms" {
  count = length(aws_sns_topic.alarms)
  arn   = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarms"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alarms[0].arn
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = local.observability_enabled && var.alarm_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- Metrics from log lines ---

resource "aws_cloudwatch_log_metric_filter" "api_throttled" {
  for_each       = { for k, g in aws_cloudwatch_log_group.api_access : k => g.name if local.observability_enabled }
  name           = "${var.name_prefix}-${each.key}-throttled"
  log_group_name = each.value
  pattern        = "{ $.status = \"429\" }"
  metric_transformation {
    name          = "ApiThrottled${title(each.key)}"
    namespace     = local.alarm_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "compensations" {
  count          = local.observability_enabled ? 1 : 0
  name           = "${var.name_prefix}-compensations"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = "{ $.message = \"activity completed\" && $.activity = \"SagaActivities::release_stock\" }"
  metric_transformation {
    name          = "Compensations"
    namespace     = local.alarm_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "breaker_opened" {
  count          = local.observability_enabled ? 1 : 0
  name           = "${var.name_prefix}-breaker-opened"
  log_group_name = aws_cloudwatch_log_group.worker.name
  pattern        = "{ $.breaker_state = \"open\" }"
  metric_transformation {
    name       = "BreakerOpened"
    namespace  = local.alarm_namespace
    value      = "1"
    dimensions = { service = "$.service" }
    unit       = "Count"
  }
}

# --- Alarms ---

resource "aws_cloudwatch_metric_alarm" "http_5xx" {
  count               = local.observability_enabled ? 1 : 0
  alarm_name          = "${var.name_prefix}-http-api-5xx"
  alarm_description   = "The HTTP API answered 5xx (a function failed or timed out, or Temporal was unavailable: 503)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id, Stage = aws_apigatewayv2_stage.http.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.alarm_api_5xx_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ws_errors" {
  count               = local.observability_enabled ? 1 : 0
  alarm_name          = "${var.name_prefix}-ws-api-execution-errors"
  alarm_description   = "The WebSocket API's integration failed (its 5xx)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "ExecutionError"
  dimensions          = { ApiId = aws_apigatewayv2_api.ws.id, Stage = aws_apigatewayv2_stage.ws.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.alarm_api_5xx_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_throttled" {
  for_each            = aws_cloudwatch_log_metric_filter.api_throttled
  alarm_name          = "${var.name_prefix}-${each.key}-api-throttled"
  alarm_description   = "The ${each.key == "http" ? "HTTP" : "WebSocket"} API stage answered 429 (stage throttling, or the app's rate limits): count of access log lines with status 429."
  namespace           = local.alarm_namespace
  metric_name         = each.value.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.alarm_throttled_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each            = { for k, fn in local.monitored_functions : k => fn if local.observability_enabled }
  alarm_name          = "${var.name_prefix}-${each.key}-errors"
  alarm_description   = "The ${each.key} function failed (an invocation error: a crash or a timeout, not an HTTP 4xx/5xx answer)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each            = { for k, fn in local.monitored_functions : k => fn if local.observability_enabled }
  alarm_name          = "${var.name_prefix}-${each.key}-throttles"
  alarm_description   = "The ${each.key} function was throttled (reserved or account concurrency reached)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "compensations" {
  count               = local.observability_enabled ? 1 : 0
  alarm_name          = "${var.name_prefix}-compensations"
  alarm_description   = "Orders compensated (refunded, released, cancelled) in 5 minutes: declines and shopper cancellations do this too, so the threshold is a rate worth a look."
  namespace           = local.alarm_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.compensations[0].metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.alarm_compensations_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "breaker_opened" {
  for_each            = toset([for s in local.breaker_services : s if local.observability_enabled])
  alarm_name          = "${var.name_prefix}-${each.key}-breaker-opened"
  alarm_description   = "The worker's circuit breaker for the ${each.key} service opened: the service keeps failing and the saga waits or compensates."
  namespace           = local.alarm_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.breaker_opened[0].metric_transformation[0].name
  dimensions          = { service = each.key }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- Dashboard ---

resource "aws_cloudwatch_dashboard" "main" {
  count          = local.observability_enabled ? 1 : 0
  dashboard_name = "${var.name_prefix}-overview"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "HTTP API: requests, 4xx, 5xx"
          region = var.region
          stat   = "Sum"
          period = 60
          metrics = [for m in ["Count", "4xx", "5xx"] :
          ["AWS/ApiGateway", m, "ApiId", aws_apigatewayv2_api.http.id, "Stage", aws_apigatewayv2_stage.http.name]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "WebSocket API: connects, messages, errors"
          region = var.region
          stat   = "Sum"
          period = 60
          metrics = [for m in ["ConnectCount", "MessageCount", "ClientError", "ExecutionError"] :
          ["AWS/ApiGateway", m, "ApiId", aws_apigatewayv2_api.ws.id, "Stage", aws_apigatewayv2_stage.ws.name]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Lambda errors and throttles"
          region = var.region
          stat   = "Sum"
          period = 60
          metrics = concat(
            [for name, fn in local.monitored_functions : ["AWS/Lambda", "Errors", "FunctionName", fn]],
            [for name, fn in local.monitored_functions : ["AWS/Lambda", "Throttles", "FunctionName", fn]],
          )
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Lambda duration p95 (ms)"
          region  = var.region
          stat    = "p95"
          period  = 60
          metrics = [for name, fn in local.monitored_functions : ["AWS/Lambda", "Duration", "FunctionName", fn]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "Saga: compensations, breakers opened, throttled requests"
          region = var.region
          stat   = "Sum"
          period = 300
          metrics = concat(
            [[local.alarm_namespace, "Compensations"]],
            [for s in local.breaker_services : [local.alarm_namespace, "BreakerOpened", "service", s]],
            [[local.alarm_namespace, "ApiThrottledHttp"], [local.alarm_namespace, "ApiThrottledWs"]],
          )
        }
      },
      {
        type = "log", x = 12, y = 12, width = 12, height = 6
        properties = {
          title  = "Errors and warnings of the functions and the worker (by correlation id)"
          region = var.region
          view   = "table"
          query = join(" | ", concat(
            [for name, fn in local.monitored_functions : "SOURCE '/aws/lambda/${fn}'"],
            ["SOURCE '${aws_cloudwatch_log_group.worker.name}'"],
            ["fields @timestamp, level, message, correlation_id, order_id, error",
              "filter level = \"ERROR\" or level = \"WARN\"",
              "sort @timestamp desc",
            "limit 50"],
          ))
        }
      },
    ]
  })
}
