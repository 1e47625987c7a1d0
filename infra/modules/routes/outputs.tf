output "authorization" {
  description = "Each route key's authorization type as deployed: CUSTOM (the JWT authorizer) or NONE."
  value       = { for key, r in aws_apigatewayv2_route.this : key => r.authorization_type }
}
