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
  value       = { for name, s in module.service : name => s.table_name }
}

output "functions" {
  description = "Lambda function of each service, the gateway and the authorizer."
  value = merge({ for name, s in module.service : name => s.function_name }, {
    gateway    = module.gateway.function_name
    authorizer = module.authorizer.function_name
  })
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
