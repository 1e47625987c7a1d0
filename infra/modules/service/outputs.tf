output "table_name" {
  description = "The service's DynamoDB table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of that table."
  value       = aws_dynamodb_table.this.arn
}

output "function_name" {
  description = "The service's Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "The function's execution role."
  value       = aws_iam_role.this.arn
}

output "function_arn" {
  description = "ARN of the function (for direct invocation by the worker)."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "Invoke ARN of the function (for other API Gateway integrations)."
  value       = aws_lambda_function.this.invoke_arn
}
