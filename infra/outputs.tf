output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.http.id
}

output "api_url" {
  description = "Base URL of the HTTP API (append /v1/products and so on)."
  value = (local.local_emulator
    ? "${var.aws_endpoint}/_aws/execute-api/${aws_apigatewayv2_api.http.id}/${aws_apigatewayv2_stage.http.name}"
  : aws_apigatewayv2_stage.http.invoke_url)
}

output "tables" {
  description = "DynamoDB table of each service."
  value = {
    inventory    = module.inventory.table_name
    customer     = module.customer.table_name
    order        = module.order.table_name
    payment      = module.payment.table_name
    notification = module.notification.table_name
  }
}

output "functions" {
  description = "Lambda function of each service."
  value = {
    inventory    = module.inventory.function_name
    customer     = module.customer.function_name
    order        = module.order.function_name
    payment      = module.payment.function_name
    notification = module.notification.function_name
    gateway      = aws_lambda_function.gateway.function_name
    authorizer   = aws_lambda_function.authorizer.function_name
  }
}

output "jwt_secrets" {
  description = "Secrets Manager names of the JWT key pair (created on first login)."
  value = {
    signing = local.jwt_signing_secret
    public  = local.jwt_public_secret
  }
}

output "ws_url" {
  description = "WebSocket URL for live notifications (connect with ?token=<jwt>)."
  value       = local.ws_url
}

output "site_url" {
  description = "The web app: open this first."
  value       = local.site_url
}
