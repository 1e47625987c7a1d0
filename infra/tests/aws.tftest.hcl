# Plan tests of the AWS-shaped configuration (no aws_endpoint): `terraform test` in infra/,
# run by `make infra-test` (part of `make test`). The AWS provider is mocked, so they need no
# credentials and no network, only the provider's schema (the plugin terraform init installs).
# Computed values (ARNs, ids, domains) are mock strings, made at plan time
# (override_during = plan) so that the assertions can compare them.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/plan-test"
      user_id    = "AIDAPLANTEST"
    }
  }

  # Looked up by name; its ARN ends in Secrets Manager's random suffix.
  mock_data "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-api-key-AbCdEf" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock/invocations"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_ses_email_identity" {
    defaults = { arn = "arn:aws:ses:us-east-1:123456789012:identity/orders@sagaway.example" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn                         = "arn:aws:s3:::sagaway-site-123456789012"
      bucket_regional_domain_name = "sagaway-site-123456789012.s3.us-east-1.amazonaws.com"
    }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id          = "E2MOCKDIST"
      arn         = "arn:aws:cloudfront::123456789012:distribution/E2MOCKDIST"
      domain_name = "d1mock2dist3.cloudfront.net"
    }
  }
  mock_resource "aws_cloudfront_origin_access_control" {
    defaults = { id = "E3MOCKOAC" }
  }
  mock_resource "aws_cloudfront_response_headers_policy" {
    defaults = { id = "00000000-mock-rhp0-0000-000000000000" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/sagaway-worker"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sagaway-worker"
    }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/unnamed-mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:sagaway-alarms" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-mock-0000-0000-000000000000" }
  }
}

# Real-looking, distinct ARNs and endpoints where the assertions tell them apart.
override_resource {
  target          = aws_apigatewayv2_api.http
  override_during = plan
  values = {
    id            = "httpapi01"
    api_endpoint  = "https://httpapi01.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:httpapi01"
  }
}

override_resource {
  target          = aws_apigatewayv2_api.ws
  override_during = plan
  values = {
    id            = "wsapi0002"
    api_endpoint  = "wss://wsapi0002.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:wsapi0002"
  }
}

override_resource {
  target          = module.service["inventory"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-inventory" }
}

override_resource {
  target          = module.service["customer"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-customer" }
}

override_resource {
  target          = module.service["order"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-order" }
}

override_resource {
  target          = module.service["payment"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-payment" }
}

override_resource {
  target          = module.service["notification"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-notification" }
}

override_resource {
  target          = module.payment_methods.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-payment-methods" }
}

override_resource {
  target          = module.gateway_limits.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sagaway-gateway-limits" }
}

variables {
  # Stand-ins for dist/lambda and frontend/dist (tests/fixtures/README.md).
  lambda_dir = "tests/fixtures/lambda"
  site_dir   = "tests/fixtures/site"
}

run "functions_are_arm64_traced_and_unreserved_by_default" {
  command = plan

  assert {
    condition = alltrue(concat(
      [for s in module.service : s.function_settings.architectures == tolist(["arm64"])],
      [module.gateway.settings.architectures == tolist(["arm64"]), module.authorizer.settings.architectures == tolist(["arm64"])],
    ))
    error_message = "Every function is arm64 on AWS by default."
  }

  assert {
    condition = alltrue(concat(
      [for s in module.service : s.function_settings.tracing_mode == "Active"],
      [module.gateway.settings.tracing_mode == "Active", module.authorizer.settings.tracing_mode == "Active"],
    ))
    error_message = "Every function has X-Ray active tracing."
  }

  assert {
    condition = alltrue([for p in concat([for s in module.service : s.policy_json], [module.gateway.policy_json, module.authorizer.policy_json]) :
    contains(flatten([for st in jsondecode(p).Statement : st.Action]), "xray:PutTraceSegments")])
    error_message = "A traced function's role may send trace segments."
  }

  assert {
    condition = alltrue(concat(
      [for s in module.service : coalesce(s.function_settings.reserved_concurrency, -1) == -1],
      [coalesce(module.gateway.settings.reserved_concurrency, -1) == -1, coalesce(module.authorizer.settings.reserved_concurrency, -1) == -1],
    ))
    error_message = "Without reserved_concurrency every function is unreserved (null: the provider's -1)."
  }
}

run "reserved_concurrency_per_function" {
  command = plan

  variables {
    reserved_concurrency = { gateway = 50, payment = 20 }
  }

  assert {
    condition     = module.gateway.settings.reserved_concurrency == 50 && module.service["payment"].function_settings.reserved_concurrency == 20
    error_message = "The functions named get their reserved concurrency."
  }

  assert {
    condition     = coalesce(module.service["order"].function_settings.reserved_concurrency, -1) == -1 && coalesce(module.authorizer.settings.reserved_concurrency, -1) == -1
    error_message = "The others stay unreserved."
  }
}

run "each_function_reaches_only_its_own_table" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for name, s in module.service : [
        for other, o in module.service : !anytrue([
          for r in flatten([for st in jsondecode(s.policy_json).Statement : st.Resource]) : startswith(r, o.table_arn)
        ]) if other != name
      ]
    ]))
    error_message = "A service's policy names no other service's table."
  }

  assert {
    condition = alltrue([
      for name, s in module.service :
      contains(flatten([for st in jsondecode(s.policy_json).Statement : st.Resource]), s.table_arn)
    ])
    error_message = "Each service's policy names its own table."
  }

  assert {
    condition = alltrue([
      for name, s in module.service :
      contains(flatten([for st in jsondecode(s.policy_json).Statement : st.Resource]), module.payment_methods.arn) == (name == "payment")
    ])
    error_message = "Only the payment service reaches the card vault table."
  }

  assert {
    condition = !anytrue([
      for st in jsondecode(module.authorizer.policy_json).Statement : anytrue([for a in st.Action : startswith(a, "dynamodb:")])
    ])
    error_message = "The authorizer may do nothing in DynamoDB."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(module.gateway.policy_json).Statement :
      st.Resource == [module.gateway_limits.arn] && st.Action == ["dynamodb:UpdateItem"]
      if anytrue([for a in st.Action : startswith(a, "dynamodb:")])
    ])
    error_message = "The gateway's DynamoDB rights are conditional updates of its limits table, nothing else."
  }

  assert {
    condition     = contains(flatten([for st in jsondecode(module.gateway.policy_json).Statement : st.Resource]), module.gateway_limits.arn)
    error_message = "The gateway reaches its limits table."
  }

  assert {
    condition = alltrue([
      for p in [module.gateway.policy_json, module.authorizer.policy_json] : !anytrue([
        for r in flatten([for st in jsondecode(p).Statement : st.Resource]) :
        anytrue(concat([for s in module.service : startswith(r, s.table_arn)], [startswith(r, module.payment_methods.arn)]))
      ])
    ])
    error_message = "The gateway's and the authorizer's policies name no service's table."
  }

  assert {
    condition = !anytrue([
      for p in concat([for s in module.service : s.policy_json], [module.authorizer.policy_json]) :
      contains(flatten([for st in jsondecode(p).Statement : st.Resource]), module.gateway_limits.arn)
    ])
    error_message = "Only the gateway reaches the gateway's limits table."
  }
}

run "only_the_inventory_writes_to_the_site_bucket_and_only_uploads" {
  command = plan

  assert {
    condition = [
      for st in jsondecode(module.service["inventory"].policy_json).Statement : { actions = st.Action, resources = st.Resource }
      if anytrue([for a in st.Action : startswith(a, "s3:")])
      ] == [{
        actions   = ["s3:PutObject"]
        resources = ["arn:aws:s3:::sagaway-site-123456789012/images/uploads/*"]
    }]
    error_message = "The inventory's one S3 right is s3:PutObject on the site bucket's images/uploads/ prefix: no read, no delete, no other prefix or bucket."
  }

  assert {
    condition = !anytrue(flatten([
      for p in concat([for name, s in module.service : s.policy_json if name != "inventory"], [module.gateway.policy_json, module.authorizer.policy_json]) : [
        for st in jsondecode(p).Statement : anytrue(concat(
          [for a in st.Action : startswith(a, "s3:")],
          [for r in st.Resource : startswith(r, "arn:aws:s3:::")],
        ))
      ]
    ]))
    error_message = "No other function has any S3 right or names a bucket."
  }

  assert {
    condition     = module.service["inventory"].function_settings.environment["SITE_BUCKET"] == aws_s3_bucket.site.id
    error_message = "The inventory function is told the site bucket's name (SITE_BUCKET)."
  }
}

run "tables_have_deletion_protection" {
  command = plan

  assert {
    condition     = alltrue([for s in module.service : s.table_deletion_protection]) && module.payment_methods.deletion_protection && module.gateway_limits.deletion_protection
    error_message = "Every table has deletion protection on AWS."
  }
}

run "rate_limits_reach_the_functions_and_their_counters_expire" {
  command = plan

  assert {
    condition     = module.service["customer"].table_ttl_attribute == "expires_at" && module.gateway_limits.ttl_attribute == "expires_at"
    error_message = "The tables holding limit counters expire them by expires_at."
  }

  assert {
    condition = (module.gateway.settings.environment.TABLE_NAME == module.gateway_limits.name
      && module.gateway.settings.environment.ORDER_RATE_LIMIT == "10"
      && module.gateway.settings.environment.ORDER_RATE_PERIOD_SECS == "60"
    && module.gateway.settings.environment.ORDER_RATE_BURST == "5")
    error_message = "The gateway gets its limits table and, by default, 10 orders a minute, 5 at once."
  }

  assert {
    condition = alltrue([for k, v in {
      LOGIN_MAX_FAILURES_PER_ACCOUNT = "5"
      LOGIN_MAX_FAILURES_PER_ADDRESS = "50"
      LOGIN_FAILURE_WINDOW_SECS      = "900"
      LOGIN_LOCKOUT_SECS             = "60"
      LOGIN_LOCKOUT_MAX_SECS         = "900"
      REGISTER_RATE_LIMIT            = "20"
      REGISTER_RATE_PERIOD_SECS      = "3600"
      REGISTER_RATE_BURST            = "10"
    } : lookup(module.service["customer"].function_settings.environment, k, null) == v])
    error_message = "The customer service gets the default login lockouts and registration rate."
  }

  assert {
    condition     = !anytrue([for k in keys(module.service["order"].function_settings.environment) : startswith(k, "LOGIN_") || startswith(k, "ORDER_RATE")])
    error_message = "The limits go to the functions that enforce them only."
  }
}

run "rate_limits_are_settings" {
  command = plan

  variables {
    rate_limits = { order_burst = 10, login_lockout_seconds = 10, login_lockout_max_seconds = 40 }
  }

  assert {
    condition = (module.gateway.settings.environment.ORDER_RATE_BURST == "10"
      && module.gateway.settings.environment.ORDER_RATE_LIMIT == "10"
      && module.service["customer"].function_settings.environment.LOGIN_LOCKOUT_SECS == "10"
      && module.service["customer"].function_settings.environment.LOGIN_LOCKOUT_MAX_SECS == "40"
    && module.service["customer"].function_settings.environment.LOGIN_MAX_FAILURES_PER_ACCOUNT == "5")
    error_message = "The limits given are passed on; the others keep their defaults."
  }
}

run "rate_limits_that_cannot_be_are_refused" {
  command = plan

  variables {
    rate_limits = { order_burst = 0, login_lockout_max_seconds = 30, login_failures_per_account = 1 }
  }

  expect_failures = [var.rate_limits]
}

run "api_stages_throttle_and_log_json" {
  command = plan

  assert {
    condition = (aws_apigatewayv2_stage.http.default_route_settings[0].throttling_rate_limit == 100
      && aws_apigatewayv2_stage.http.default_route_settings[0].throttling_burst_limit == 200
      && aws_apigatewayv2_stage.ws.default_route_settings[0].throttling_rate_limit == 100
    && aws_apigatewayv2_stage.ws.default_route_settings[0].throttling_burst_limit == 200)
    error_message = "Both stages throttle (100 rps, burst 200 by default)."
  }

  assert {
    condition = (aws_apigatewayv2_stage.http.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api_access["http"].arn
    && aws_apigatewayv2_stage.ws.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api_access["ws"].arn)
    error_message = "Both stages write access logs to their log groups."
  }

  assert {
    condition = (jsondecode(aws_apigatewayv2_stage.http.access_log_settings[0].format).requestId == "$context.requestId"
    && jsondecode(aws_apigatewayv2_stage.ws.access_log_settings[0].format).requestId == "$context.requestId")
    error_message = "Access log lines are JSON carrying the request id."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 1
    error_message = "API Gateway's account logging role is set (the WebSocket stage needs it)."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.jwt.authorizer_result_ttl_in_seconds > 0
    error_message = "The HTTP API authorizer's verdicts are cached."
  }
}

run "shop_is_private_behind_cloudfront_https_only" {
  command = plan

  assert {
    condition = (aws_s3_bucket_public_access_block.site.block_public_acls
      && aws_s3_bucket_public_access_block.site.ignore_public_acls
      && aws_s3_bucket_public_access_block.site.block_public_policy
    && aws_s3_bucket_public_access_block.site.restrict_public_buckets)
    error_message = "The site bucket blocks every kind of public access."
  }

  assert {
    condition = alltrue([for st in jsondecode(aws_s3_bucket_policy.site[0].policy).Statement :
      st.Principal == { Service = "cloudfront.amazonaws.com" }
      && st.Condition.StringEquals["AWS:SourceArn"] == aws_cloudfront_distribution.site[0].arn
    && st.Action == "s3:GetObject"])
    error_message = "The bucket policy lets only this distribution read objects."
  }

  assert {
    condition = (aws_cloudfront_origin_access_control.site[0].origin_access_control_origin_type == "s3"
      && aws_cloudfront_origin_access_control.site[0].signing_behavior == "always"
    && aws_cloudfront_origin_access_control.site[0].signing_protocol == "sigv4")
    error_message = "The origin access control signs every request to S3."
  }

  assert {
    condition = alltrue([for o in aws_cloudfront_distribution.site[0].origin :
    o.origin_access_control_id == aws_cloudfront_origin_access_control.site[0].id && o.domain_name == aws_s3_bucket.site.bucket_regional_domain_name])
    error_message = "The distribution reads the bucket (its REST endpoint, not a website endpoint) through the OAC."
  }

  assert {
    condition = (aws_cloudfront_distribution.site[0].default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    && alltrue([for b in aws_cloudfront_distribution.site[0].ordered_cache_behavior : b.viewer_protocol_policy == "redirect-to-https"]))
    error_message = "Every behaviour sends plain HTTP to HTTPS."
  }

  assert {
    condition = (aws_cloudfront_distribution.site[0].default_root_object == "index.html"
      && length(aws_cloudfront_distribution.site[0].custom_error_response) == 2
      && alltrue([for e in aws_cloudfront_distribution.site[0].custom_error_response :
    contains([403, 404], e.error_code) && e.response_code == 200 && e.response_page_path == "/index.html"]))
    error_message = "/ is index.html and 403/404 fall back to /index.html with 200 (single-page app)."
  }

  assert {
    condition     = startswith(output.site_url, "https://") && output.site_url == output.cloudfront_url
    error_message = "site_url is the shop's HTTPS URL on CloudFront."
  }

  assert {
    condition     = contains(aws_apigatewayv2_api.http.cors_configuration[0].allow_origins, "https://${aws_cloudfront_distribution.site[0].domain_name}")
    error_message = "The API's CORS allows the CloudFront origin."
  }

  assert {
    condition     = length(aws_s3_bucket_ownership_controls.site) == 1 && length(aws_s3_bucket_server_side_encryption_configuration.site) == 1
    error_message = "ACLs are off and objects are encrypted."
  }
}

run "security_headers_and_caching" {
  command = plan

  assert {
    condition = (strcontains(aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].content_security_policy[0].content_security_policy, "frame-ancestors 'none'")
      && strcontains(aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].content_security_policy[0].content_security_policy, "default-src 'self'")
    && strcontains(aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].content_security_policy[0].content_security_policy, aws_apigatewayv2_api.ws.api_endpoint))
    error_message = "The CSP header allows self and the WebSocket API, and forbids framing."
  }

  assert {
    condition     = output.content_security_policy == aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].content_security_policy[0].content_security_policy
    error_message = "The output content_security_policy, which the browser tests serve the app under, is the CSP header CloudFront sends."
  }

  assert {
    condition = (aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].strict_transport_security[0].access_control_max_age_sec >= 31536000
      && aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].content_type_options[0].override
      && aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].frame_options[0].frame_option == "DENY"
    && aws_cloudfront_response_headers_policy.site[0].security_headers_config[0].referrer_policy[0].referrer_policy == "strict-origin-when-cross-origin")
    error_message = "HSTS (a year or more), nosniff, no framing and a referrer policy."
  }

  assert {
    condition = (strcontains(aws_s3_object.site["index.html"].content, "http-equiv=\"Content-Security-Policy\" content=\"connect-src 'self' ${aws_apigatewayv2_api.http.api_endpoint} ${aws_apigatewayv2_api.ws.api_endpoint}\"")
    && aws_s3_object.site["index.html"].source == null)
    error_message = "index.html carries a CSP naming exactly the HTTP and WebSocket API origins."
  }

  assert {
    condition = (aws_cloudfront_distribution.site[0].default_cache_behavior[0].cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    && aws_cloudfront_distribution.site[0].default_cache_behavior[0].response_headers_policy_id == aws_cloudfront_response_headers_policy.site[0].id)
    error_message = "index.html, config.json and the rest are never cached at the edge (CachingDisabled) and get the security headers."
  }

  assert {
    condition = alltrue([for b in aws_cloudfront_distribution.site[0].ordered_cache_behavior :
    b.path_pattern == "assets/*" && b.cache_policy_id == "658327ea-f89d-4fab-a63d-7e88639e58f6" && b.response_headers_policy_id == aws_cloudfront_response_headers_policy.site[0].id])
    error_message = "Hashed assets are cached (CachingOptimized) with the security headers."
  }

  assert {
    condition = (aws_s3_object.site["assets/index-Fx1x2x3x.js"].cache_control == "public, max-age=31536000, immutable"
      && aws_s3_object.site["index.html"].cache_control == "no-cache"
    && aws_s3_object.site_config.cache_control == "no-cache")
    error_message = "Assets are immutable for a year; index.html and config.json are revalidated every time."
  }
}

run "custom_domain_needs_its_certificate" {
  command = plan

  variables {
    site_domain_name = "shop.example.com"
  }

  expect_failures = [aws_cloudfront_distribution.site]
}

run "worker_on_ecs_with_api_key" {
  command = plan

  variables {
    worker_image_tag          = "0123abc"
    worker_subnet_ids         = ["subnet-0aaa", "subnet-0bbb"]
    worker_security_group_ids = ["sg-0ccc"]
    temporal_address          = "us-east-1.aws.api.temporal.io:7233"
    temporal_namespace        = "sagaway.a1b2c"
    temporal_api_key_secret   = "sagaway/temporal-api-key"
  }

  assert {
    condition = (aws_ecr_repository.worker[0].image_tag_mutability == "IMMUTABLE"
      && aws_ecr_repository.worker[0].image_scanning_configuration[0].scan_on_push
    && length(aws_ecr_lifecycle_policy.worker) == 1)
    error_message = "The ECR repository has immutable tags, scan on push and a lifecycle policy."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].image == "${aws_ecr_repository.worker[0].repository_url}:0123abc"
    error_message = "The task runs the tagged image from the stack's repository."
  }

  assert {
    condition     = aws_ecs_task_definition.worker[0].runtime_platform[0].cpu_architecture == "ARM64"
    error_message = "The worker runs on arm64, as the functions do."
  }

  assert {
    condition = (jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].healthCheck.command
    == ["CMD", "/usr/local/bin/sagaway-worker", "healthcheck"])
    error_message = "The container health check is the worker's own healthcheck subcommand (no curl in the distroless image)."
  }

  assert {
    condition = (jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].secrets
    == [{ name = "TEMPORAL_API_KEY", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-api-key-AbCdEf" }])
    error_message = "The Temporal Cloud API key comes from Secrets Manager (by its full ARN) as TEMPORAL_API_KEY."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.worker_execution_secret[0].policy).Statement[0].Resource == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-api-key-AbCdEf"]
    error_message = "The execution role may read that secret and no other."
  }

  assert {
    condition     = aws_ecs_service.worker[0].deployment_circuit_breaker[0].enable && aws_ecs_service.worker[0].deployment_circuit_breaker[0].rollback
    error_message = "A failing deployment is stopped and rolled back."
  }

  assert {
    condition = (aws_appautoscaling_target.worker[0].min_capacity == 2 && aws_appautoscaling_target.worker[0].max_capacity == 6
    && aws_appautoscaling_policy.worker_cpu[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization")
    error_message = "The worker service scales on CPU between 2 and 6 tasks."
  }

  assert {
    condition = (contains(jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].environment, { name = "HEALTH_ADDR", value = "127.0.0.1:9464" })
    && length(jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].portMappings) == 0)
    error_message = "By default the worker's /health and /metrics stay on loopback inside the task (a sidecar scrapes them), with no port mapped."
  }
}

run "worker_metrics_for_a_prometheus_in_the_vpc" {
  command = plan

  variables {
    worker_image_tag          = "0123abc"
    worker_subnet_ids         = ["subnet-0aaa"]
    worker_security_group_ids = ["sg-0ccc"]
    worker_metrics_in_vpc     = true
  }

  assert {
    condition = (contains(jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].environment, { name = "HEALTH_ADDR", value = "0.0.0.0:9464" })
    && jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].portMappings == [{ containerPort = 9464, protocol = "tcp" }])
    error_message = "worker_metrics_in_vpc serves /metrics on the task's address and maps its port."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].healthCheck.command == ["CMD", "/usr/local/bin/sagaway-worker", "healthcheck"]
    error_message = "The health check stays the worker's own subcommand (it calls loopback when the endpoint listens on 0.0.0.0)."
  }
}

run "worker_on_ecs_with_mtls" {
  command = plan

  variables {
    worker_image_tag          = "0123abc"
    worker_subnet_ids         = ["subnet-0aaa"]
    worker_security_group_ids = ["sg-0ccc"]
    temporal_address          = "sagaway.a1b2c.tmprl.cloud:7233"
    temporal_tls_cert_secret  = "sagaway/temporal-client-cert"
    temporal_tls_key_secret   = "sagaway/temporal-client-key"
  }

  override_data {
    target = data.aws_secretsmanager_secret.temporal["TEMPORAL_TLS_CLIENT_CERT_DATA"]
    values = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-client-cert-GhIjKl" }
  }

  override_data {
    target = data.aws_secretsmanager_secret.temporal["TEMPORAL_TLS_CLIENT_KEY_DATA"]
    values = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-client-key-MnOpQr" }
  }

  assert {
    condition = (toset(jsondecode(aws_ecs_task_definition.worker[0].container_definitions)[0].secrets) == toset([
      { name = "TEMPORAL_TLS_CLIENT_CERT_DATA", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-client-cert-GhIjKl" },
      { name = "TEMPORAL_TLS_CLIENT_KEY_DATA", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagaway/temporal-client-key-MnOpQr" },
    ]))
    error_message = "mTLS: the client certificate and key come from Secrets Manager in the SDK's variables."
  }
}

run "mtls_needs_certificate_and_key" {
  command = plan

  variables {
    worker_image_tag          = "0123abc"
    worker_subnet_ids         = ["subnet-0aaa"]
    worker_security_group_ids = ["sg-0ccc"]
    temporal_tls_cert_secret  = "sagaway/temporal-client-cert"
  }

  expect_failures = [aws_ecs_task_definition.worker]
}

run "no_worker_service_without_an_image" {
  command = plan

  assert {
    condition     = length(aws_ecs_service.worker) == 0 && length(aws_ecr_repository.worker) == 1
    error_message = "The first apply creates the repository only; the service comes with an image tag."
  }
}

run "alarms_and_dashboard_on_aws" {
  command = plan

  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && aws_sns_topic.alarms[0].kms_master_key_id == aws_kms_key.alarms[0].arn && aws_kms_key.alarms[0].enable_key_rotation
    error_message = "One alarm topic, encrypted with its own rotated key (CloudWatch cannot use aws/sns)."
  }

  assert {
    condition     = anytrue([for st in jsondecode(aws_kms_key.alarms[0].policy).Statement : try(st.Principal.Service, "") == "cloudwatch.amazonaws.com"])
    error_message = "CloudWatch may use the topic's key to publish alarms."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.alarm_email) == 0
    error_message = "No mail subscription unless alarm_email is set."
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.http_5xx[0].metric_name == "5xx"
      && aws_cloudwatch_metric_alarm.http_5xx[0].namespace == "AWS/ApiGateway"
    && aws_cloudwatch_metric_alarm.http_5xx[0].dimensions.ApiId == "httpapi01" && aws_cloudwatch_metric_alarm.http_5xx[0].dimensions.Stage == "api")
    error_message = "The HTTP API stage's 5xx are alarmed on."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.ws_errors[0].metric_name == "ExecutionError" && aws_cloudwatch_metric_alarm.ws_errors[0].dimensions.ApiId == "wsapi0002"
    error_message = "The WebSocket stage's integration errors (its 5xx) are alarmed on."
  }

  assert {
    condition = (toset(keys(aws_cloudwatch_metric_alarm.api_throttled)) == toset(["http", "ws"])
      && alltrue([for k, f in aws_cloudwatch_log_metric_filter.api_throttled : f.pattern == "{ $.status = \"429\" }" && f.log_group_name == aws_cloudwatch_log_group.api_access[k].name])
    && alltrue([for k, a in aws_cloudwatch_metric_alarm.api_throttled : a.metric_name == aws_cloudwatch_log_metric_filter.api_throttled[k].metric_transformation[0].name]))
    error_message = "Both stages' throttling (429 lines of their access logs) is counted and alarmed on, each on its own metric."
  }

  assert {
    condition = (toset(keys(aws_cloudwatch_metric_alarm.lambda_errors)) == toset(concat(keys(module.service), ["gateway", "authorizer"]))
      && toset(keys(aws_cloudwatch_metric_alarm.lambda_throttles)) == toset(keys(aws_cloudwatch_metric_alarm.lambda_errors))
      && alltrue([for k, a in aws_cloudwatch_metric_alarm.lambda_errors : a.metric_name == "Errors" && a.dimensions.FunctionName == "sagaway-${k}"])
    && alltrue([for k, a in aws_cloudwatch_metric_alarm.lambda_throttles : a.metric_name == "Throttles" && a.dimensions.FunctionName == "sagaway-${k}"]))
    error_message = "Every function's errors and throttles are alarmed on."
  }

  assert {
    condition = (aws_cloudwatch_log_metric_filter.compensations[0].log_group_name == aws_cloudwatch_log_group.worker.name
      && aws_cloudwatch_log_metric_filter.compensations[0].pattern == "{ $.message = \"activity completed\" && $.activity = \"SagaActivities::release_stock\" }"
    && aws_cloudwatch_metric_alarm.compensations[0].threshold == 10)
    error_message = "Compensations are counted from the worker's log lines (a completed release_stock activity) and alarmed on."
  }

  assert {
    condition = (aws_cloudwatch_log_metric_filter.breaker_opened[0].pattern == "{ $.breaker_state = \"open\" }"
      && aws_cloudwatch_log_metric_filter.breaker_opened[0].metric_transformation[0].dimensions["service"] == "$.service"
      && toset(keys(aws_cloudwatch_metric_alarm.breaker_opened)) == toset(["order", "inventory", "payment", "notification"])
    && aws_cloudwatch_metric_alarm.breaker_opened["payment"].dimensions["service"] == "payment")
    error_message = "An opening circuit breaker (the worker's breaker_state = open lines) is alarmed on per service."
  }

  assert {
    condition = alltrue([for a in concat(
      aws_cloudwatch_metric_alarm.http_5xx, aws_cloudwatch_metric_alarm.ws_errors, aws_cloudwatch_metric_alarm.compensations,
      values(aws_cloudwatch_metric_alarm.api_throttled), values(aws_cloudwatch_metric_alarm.lambda_errors),
      values(aws_cloudwatch_metric_alarm.lambda_throttles), values(aws_cloudwatch_metric_alarm.breaker_opened),
    ) : a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:sagaway-alarms"])])
    error_message = "Every alarm notifies the alarm topic."
  }

  assert {
    condition = (length(aws_cloudwatch_dashboard.main) == 1
      && length(jsondecode(aws_cloudwatch_dashboard.main[0].dashboard_body).widgets) == 6
    && strcontains(aws_cloudwatch_dashboard.main[0].dashboard_body, "correlation_id"))
    error_message = "The dashboard has the API, function, saga and log widgets."
  }
}

run "alarms_mail_when_asked" {
  command = plan

  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].protocol == "email" && aws_sns_topic_subscription.alarm_email[0].endpoint == "oncall@example.com"
    error_message = "alarm_email subscribes that address to the alarm topic."
  }
}

run "config_json_links_the_temporal_ui" {
  command = plan

  variables {
    temporal_ui_url    = "https://cloud.temporal.io"
    temporal_namespace = "shop.a1b2c"
  }

  assert {
    condition = (output.web_app_config.temporalUiUrl == "https://cloud.temporal.io"
    && output.web_app_config.temporalNamespace == "shop.a1b2c")
    error_message = "config.json names the Temporal UI and namespace the admins' overview links orders to."
  }
}

run "config_json_has_no_temporal_link_by_default" {
  command = plan

  assert {
    condition     = output.web_app_config.temporalUiUrl == ""
    error_message = "Without temporal_ui_url, config.json has an empty temporalUiUrl (no link)."
  }
}

run "temporal_ui_url_must_be_a_url" {
  command = plan

  variables {
    temporal_ui_url = "cloud.temporal.io/"
  }

  expect_failures = [var.temporal_ui_url]
}

run "only_the_notification_function_sends_email_and_only_from_its_identity" {
  command = plan

  variables {
    email_from = "receipts@shop.example"
  }

  assert {
    condition     = aws_ses_email_identity.orders.email == "receipts@shop.example"
    error_message = "The SES identity is var.email_from."
  }

  assert {
    condition     = module.service["notification"].function_settings.environment.EMAIL_FROM == "receipts@shop.example"
    error_message = "The notification function sends from var.email_from (EMAIL_FROM)."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(module.service["notification"].policy_json).Statement :
      st.Resource == [aws_ses_email_identity.orders.arn] && st.Action == ["ses:SendEmail"]
      if anytrue([for a in st.Action : startswith(a, "ses:")])
      ]) && anytrue([
      for st in jsondecode(module.service["notification"].policy_json).Statement :
      contains(st.Action, "ses:SendEmail")
    ])
    error_message = "The notification function may ses:SendEmail from its one identity, and nothing else in SES."
  }

  assert {
    condition = !anytrue(flatten([
      for p in concat([for n, s in module.service : s.policy_json if n != "notification"], [module.gateway.policy_json, module.authorizer.policy_json]) : [
        for st in jsondecode(p).Statement : [for a in st.Action : startswith(a, "ses:")]
      ]
    ]))
    error_message = "No other function may use SES."
  }
}

run "the_gateway_reads_the_shoppers_contact_from_the_customer_function" {
  command = plan

  assert {
    condition = anytrue([
      for st in jsondecode(module.gateway.policy_json).Statement :
      st.Action == ["lambda:InvokeFunction"] && st.Resource == [module.service["customer"].function_arn]
    ])
    error_message = "The gateway may invoke the customer function (the shopper's email for the receipts)."
  }

  assert {
    condition     = module.gateway.settings.environment.CUSTOMER_FUNCTION == module.service["customer"].function_name
    error_message = "The gateway knows the customer function by CUSTOMER_FUNCTION."
  }
}

run "email_from_must_be_an_address" {
  command = plan

  variables {
    email_from = "not-an-address"
  }

  expect_failures = [var.email_from]
}

# checkov's CKV_AWS_309 (a route without an authorizer) is skipped for the whole configuration
# (infra/.checkov.yaml), because these routes are public by design; this keeps the list exact,
# read from the routes as planned (their authorization_type), so an operation that loses its
# security requirement in docs/openapi.json, or a route module that drops the authorizer, fails
# here.
run "only_the_documented_routes_are_public" {
  command = plan

  assert {
    condition = toset([for key, a in merge(module.gateway_routes.authorization, [for s in module.service : s.route_authorization]...) : key if a != "CUSTOM"]) == toset([
      "GET /health",
      "GET /v1/openapi.json",
      "GET /v1/categories",
      "GET /v1/products",
      "GET /v1/products/{id}",
      "GET /v1/payments/test-cards",
      "POST /v1/customers",
      "POST /v1/auth/login",
    ])
    error_message = "The public routes are the health check, the API document, the catalog, the test cards, registration and login; every other route is behind the authorizer."
  }

  assert {
    condition     = length(merge(module.gateway_routes.authorization, [for s in module.service : s.route_authorization]...)) == length(local.http_routes)
    error_message = "Every operation in docs/openapi.json is a route (and nothing else is)."
  }

  assert {
    condition     = aws_apigatewayv2_route.ws_connect.authorization_type == "CUSTOM" && coalesce(aws_apigatewayv2_route.ws_disconnect.authorization_type, "NONE") == "NONE" && coalesce(aws_apigatewayv2_route.ws_default.authorization_type, "NONE") == "NONE"
    error_message = "The WebSocket is authorized at $connect, the only route API Gateway takes an authorizer on."
  }
}
