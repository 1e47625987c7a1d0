output "table_name" {
  description = "The service's DynamoDB table."
  value       = module.table.name
}

output "table_arn" {
  description = "ARN of that table."
  value       = module.table.arn
}

output "function_name" {
  description = "The service's Lambda function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the function (for direct invocation by the worker and the gateway)."
  value       = module.function.function_arn
}

output "invoke_arn" {
  description = "Invoke ARN of the function (for other API Gateway integrations)."
  value       = module.function.invoke_arn
}

output "role_arn" {
  description = "The function's execution role."
  value       = module.function.role_arn
}

output "policy_json" {
  description = "The function role's inline policy document (JSON)."
  value       = module.function.policy_json
}

output "function_settings" {
  description = "The function's architecture, tracing mode and reserved concurrency."
  value       = module.function.settings
}

output "table_deletion_protection" {
  description = "Whether the table has deletion protection."
  value       = module.table.deletion_protection
}

output "table_ttl_attribute" {
  description = "The attribute the table's TTL expires items by; null without TTL."
  value       = module.table.ttl_attribute
}

output "route_authorization" {
  description = "The function's HTTP API routes and their authorization types (CUSTOM or NONE)."
  value       = module.routes.authorization
}
