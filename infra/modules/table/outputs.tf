output "name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the table (its indexes are <arn>/index/<name>)."
  value       = aws_dynamodb_table.this.arn
}

output "deletion_protection" {
  description = "Whether the table has deletion protection."
  value       = aws_dynamodb_table.this.deletion_protection_enabled
}

output "ttl_attribute" {
  description = "The attribute DynamoDB's TTL expires items by; null without TTL."
  value       = one([for t in aws_dynamodb_table.this.ttl : t.attribute_name if t.enabled])
}
