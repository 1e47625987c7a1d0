output "arn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The inline policy document (JSON)."
  value       = aws_iam_role_policy.access.policy
}
