output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.http.id
}

output "api_url" {
  description = "Base URL of the HTTP API (append /v1/products and so on)."
  value       = local.api_url
}

output "tables" {
  description = "DynamoDB table of each service, and the gateway's (its order limits)."
  value       = merge({ for name, s in module.service : name => s.table_name }, { gateway = module.gateway_limits.name })
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
  description = "The web app: open this first. On AWS its HTTPS URL on CloudFront (the custom domain when set); on the emulator the bucket's path-style URL."
  value       = local.site_url
}

output "cloudfront_domain" {
  description = "The distribution's domain (d123.cloudfront.net): point a custom domain's DNS (CNAME or alias) here. Empty on the emulator."
  value       = length(aws_cloudfront_distribution.site) > 0 ? aws_cloudfront_distribution.site[0].domain_name : ""
}

output "cloudfront_url" {
  description = "The shop on its CloudFront domain (https). Empty on the emulator."
  value       = length(aws_cloudfront_distribution.site) > 0 ? "https://${aws_cloudfront_distribution.site[0].domain_name}/" : ""
}

output "content_security_policy" {
  description = "The Content-Security-Policy header CloudFront sends with the shop (cloudfront.tf). Also on the emulator, where nothing sends it: the browser tests serve the app under it."
  value       = local.csp_header
}

output "cloudfront_distribution_id" {
  description = "Id of the distribution (for invalidations). Empty on the emulator."
  value       = length(aws_cloudfront_distribution.site) > 0 ? aws_cloudfront_distribution.site[0].id : ""
}

output "site_bucket" {
  description = "The private bucket holding the web app."
  value       = aws_s3_bucket.site.bucket
}

output "worker_repository_url" {
  description = "ECR repository of the worker image: push <url>:<tag>, then apply with worker_image_tag=<tag>. Empty on the emulator."
  value       = length(aws_ecr_repository.worker) > 0 ? aws_ecr_repository.worker[0].repository_url : ""
}

output "worker_service" {
  description = "ECS cluster and service of the worker, when it is deployed."
  value       = length(aws_ecs_service.worker) > 0 ? { cluster = aws_ecs_cluster.worker[0].name, service = aws_ecs_service.worker[0].name } : null
}

output "api_access_log_groups" {
  description = "CloudWatch log groups of the HTTP and WebSocket stages' JSON access logs."
  value       = { for k, g in aws_cloudwatch_log_group.api_access : k => g.name }
}

output "alarm_topic_arn" {
  description = "SNS topic the CloudWatch alarms notify (null on the emulator): subscribe a mail address, a chat webhook or a pager to it."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "dashboard_name" {
  description = "The CloudWatch dashboard of the stack (null on the emulator)."
  value       = one(aws_cloudwatch_dashboard.main[*].dashboard_name)
}

output "web_app_config" {
  description = "What the web app's config.json says: apiUrl, wsUrl, temporalUiUrl (var.temporal_ui_url; empty: no links to the Temporal UI) and temporalNamespace."
  value       = local.web_app_config
}
