# One sagaway service: its DynamoDB table, its Lambda function with a role limited to that
# table, and its routes on the HTTP API.

locals {
  full_name = "${var.name_prefix}-${var.name}"
  gsi_keys  = [for k in distinct(flatten([for g in var.global_secondary_indexes : [g.hash_key, g.range_key]])) : k if k != "pk" && k != var.range_key]
}

resource "aws_dynamodb_table" "this" {
  name         = local.full_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = var.range_key

  attribute {
    name = "pk"
    type = "S"
  }

  dynamic "attribute" {
    for_each = var.range_key == null ? [] : [var.range_key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "attribute" {
    for_each = local.gsi_keys
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${local.full_name}-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

# Least privilege: this function reaches its own table (and its indexes) and its own logs.
data "aws_iam_policy_document" "access" {
  statement {
    sid = "OwnTable"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
    ]
    resources = [aws_dynamodb_table.this.arn, "${aws_dynamodb_table.this.arn}/index/*"]
  }

  dynamic "statement" {
    for_each = var.extra_policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "access" {
  name   = "${local.full_name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.access.json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.full_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "this" {
  function_name    = local.full_name
  role             = aws_iam_role.this.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds

  environment {
    variables = merge({
      TABLE_NAME = aws_dynamodb_table.this.name
      RUST_LOG   = var.log_level
    }, var.extra_env)
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.access]
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = var.api_id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "this" {
  for_each           = var.routes
  api_id             = var.api_id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
  authorization_type = each.value == "jwt" ? "CUSTOM" : "NONE"
  authorizer_id      = each.value == "jwt" ? var.authorizer_id : null
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${var.api_execution_arn}/*/*"
}
