# One sagaway service: its DynamoDB table, its function (whose role reaches that table and
# nothing else of the other services), and its routes on the HTTP API.

module "table" {
  source = "../table"

  name                     = "${var.name_prefix}-${var.name}"
  range_key                = var.range_key
  global_secondary_indexes = var.global_secondary_indexes
  ttl_attribute            = var.ttl_attribute
  deletion_protection      = var.deletion_protection
}

module "function" {
  source = "../function"

  name                 = "${var.name_prefix}-${var.name}"
  zip_path             = var.zip_path
  architecture         = var.architecture
  tracing              = var.tracing
  reserved_concurrency = var.reserved_concurrency
  memory_mb            = var.memory_mb
  timeout_seconds      = var.timeout_seconds
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
  environment          = merge({ TABLE_NAME = module.table.name }, var.environment)
  policy_statements = concat([{
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
    resources = [module.table.arn, "${module.table.arn}/index/*"]
  }], var.policy_statements)
}

module "routes" {
  source = "../routes"

  api_id            = var.api_id
  api_execution_arn = var.api_execution_arn
  authorizer_id     = var.authorizer_id
  function_name     = module.function.function_name
  invoke_arn        = module.function.invoke_arn
  routes            = var.routes
}

# Deployments made before the table, function and routes were modules of their own keep
# their resources (the table and its data above all).
moved {
  from = aws_dynamodb_table.this
  to   = module.table.aws_dynamodb_table.this
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.function.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.this
  to   = module.function.module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.access
  to   = module.function.module.role.aws_iam_role_policy.access
}

moved {
  from = aws_lambda_function.this
  to   = module.function.aws_lambda_function.this
}

moved {
  from = aws_apigatewayv2_integration.this
  to   = module.routes.aws_apigatewayv2_integration.this
}

moved {
  from = aws_apigatewayv2_route.this
  to   = module.routes.aws_apigatewayv2_route.this
}

moved {
  from = aws_lambda_permission.api
  to   = module.routes.aws_lambda_permission.api
}
