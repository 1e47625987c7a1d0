output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function (for direct invocation and IAM statements)."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "Invoke ARN of the function (for API Gateway integrations and authorizers)."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.role.arn
}

output "log_group_name" {
  description = "The function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "policy_json" {
  description = "The role's inline policy document (JSON), for review and the plan tests."
  value       = module.role.policy_json
}

output "settings" {
  description = "Architecture, tracing mode, reserved concurrency and environment as planned (checked by the plan tests)."
  value = {
    architectures        = aws_lambda_function.this.architectures
    tracing_mode         = aws_lambda_function.this.tracing_config[0].mode
    reserved_concurrency = aws_lambda_function.this.reserved_concurrent_executions
    environment          = aws_lambda_function.this.environment[0].variables
  }
}
