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
