# Where resources lived before the configuration was split by concern (modules/table,
# modules/function, modules/routes, modules/role), so that applying this to an existing
# deployment moves them in the state instead of destroying and recreating them: the tables
# keep their data, the functions, roles and routes their ids. modules/service holds the moves
# inside each service. A deployment applied once since then no longer needs any of this.

# The five service modules became one for_each.
moved {
  from = module.inventory
  to   = module.service["inventory"]
}

moved {
  from = module.customer
  to   = module.service["customer"]
}

moved {
  from = module.order
  to   = module.service["order"]
}

moved {
  from = module.payment
  to   = module.service["payment"]
}

moved {
  from = module.notification
  to   = module.service["notification"]
}

moved {
  from = aws_dynamodb_table.payment_methods
  to   = module.payment_methods.aws_dynamodb_table.this
}

# The authorizer and the gateway are built from modules/function.
moved {
  from = aws_cloudwatch_log_group.authorizer
  to   = module.authorizer.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.authorizer
  to   = module.authorizer.module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.authorizer
  to   = module.authorizer.module.role.aws_iam_role_policy.access
}

moved {
  from = aws_lambda_function.authorizer
  to   = module.authorizer.aws_lambda_function.this
}

moved {
  from = aws_cloudwatch_log_group.gateway
  to   = module.gateway.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.gateway
  to   = module.gateway.module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.gateway
  to   = module.gateway.module.role.aws_iam_role_policy.access
}

moved {
  from = aws_lambda_function.gateway
  to   = module.gateway.aws_lambda_function.this
}

# The gateway's routes, from docs/openapi.json.
moved {
  from = aws_apigatewayv2_integration.gateway
  to   = module.gateway_routes.aws_apigatewayv2_integration.this
}

moved {
  from = aws_lambda_permission.gateway
  to   = module.gateway_routes.aws_lambda_permission.api
}

moved {
  from = aws_apigatewayv2_route.gateway["POST /v1/orders"]
  to   = module.gateway_routes.aws_apigatewayv2_route.this["POST /v1/orders"]
}

moved {
  from = aws_apigatewayv2_route.gateway["GET /v1/orders/{id}/saga"]
  to   = module.gateway_routes.aws_apigatewayv2_route.this["GET /v1/orders/{id}/saga"]
}

moved {
  from = aws_apigatewayv2_route.gateway["POST /v1/orders/{id}/cancel"]
  to   = module.gateway_routes.aws_apigatewayv2_route.this["POST /v1/orders/{id}/cancel"]
}

moved {
  from = aws_apigatewayv2_route.openapi
  to   = module.gateway_routes.aws_apigatewayv2_route.this["GET /v1/openapi.json"]
}

# The worker's task role is built from modules/role.
moved {
  from = aws_iam_role.worker
  to   = module.worker_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.worker
  to   = module.worker_role.aws_iam_role_policy.access
}
