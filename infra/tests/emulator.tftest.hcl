# Plan tests of the emulator-shaped configuration (the variables of localstack/local.tfvars):
# what `make up` and the system tests apply must stay what the emulator accepts, with the shop
# on the bucket's path-style URL that the browser tests open.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "000000000000"
      arn        = "arn:aws:iam::000000000000:root"
      user_id    = "000000000000"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:000000000000:log-group:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:000000000000:function:mock"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:mock/invocations"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::000000000000:role/mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn                         = "arn:aws:s3:::sagaway-site-000000000000"
      bucket_regional_domain_name = "sagaway-site-000000000000.s3.us-east-1.amazonaws.com"
    }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id          = "E2MOCKDIST"
      arn         = "arn:aws:cloudfront::000000000000:distribution/E2MOCKDIST"
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
      arn            = "arn:aws:ecr:us-east-1:000000000000:repository/sagaway-worker"
      repository_url = "000000000000.dkr.ecr.us-east-1.amazonaws.com/sagaway-worker"
    }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/unnamed-mock" }
  }
}

# Real-looking, distinct ARNs and endpoints where the assertions tell them apart.
override_resource {
  target          = aws_apigatewayv2_api.http
  override_during = plan
  values = {
    id            = "httpapi01"
    api_endpoint  = "https://httpapi01.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:000000000000:httpapi01"
  }
}

override_resource {
  target          = aws_apigatewayv2_api.ws
  override_during = plan
  values = {
    id            = "wsapi0002"
    api_endpoint  = "wss://wsapi0002.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:000000000000:wsapi0002"
  }
}

override_resource {
  target          = module.service["inventory"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-inventory" }
}

override_resource {
  target          = module.service["customer"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-customer" }
}

override_resource {
  target          = module.service["order"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-order" }
}

override_resource {
  target          = module.service["payment"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-payment" }
}

override_resource {
  target          = module.service["notification"].module.table.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-notification" }
}

override_resource {
  target          = module.payment_methods.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-payment-methods" }
}

override_resource {
  target          = module.gateway_limits.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:us-east-1:000000000000:table/sagaway-gateway-limits" }
}

# The emulator's settings come from localstack/local.tfvars itself: make infra-test runs this
# file alone with `-var-file=../localstack/local.tfvars` (terraform test has no var file per
# test file). Only the build output is replaced by fixtures here.
variables {
  lambda_dir = "tests/fixtures/lambda"
  site_dir   = "tests/fixtures/site"
}

run "emulator_gets_no_cloudfront_and_the_path_url" {
  command = plan

  assert {
    condition = (length(aws_cloudfront_distribution.site) == 0 && length(aws_cloudfront_origin_access_control.site) == 0
    && length(aws_cloudfront_response_headers_policy.site) == 0 && length(aws_s3_bucket_policy.site) == 0)
    error_message = "No CloudFront resources (nor the bucket policy for them) on the emulator."
  }

  assert {
    condition     = output.site_url == "http://127.0.0.1:4566/sagaway-site-000000000000/index.html"
    error_message = "The shop's URL on the emulator is the bucket's path-style index.html."
  }

  assert {
    condition     = aws_apigatewayv2_api.http.cors_configuration[0].allow_origins == toset(["http://127.0.0.1:4566", "http://127.0.0.1:5173", "http://127.0.0.1:5174"])
    error_message = "CORS allows the emulator's origin (where the shop is served) and the Vite dev server."
  }

  assert {
    condition     = aws_s3_object.site["index.html"].source == "tests/fixtures/site/index.html" && aws_s3_object.site["index.html"].content == null
    error_message = "index.html is uploaded as built (the CSP meta tag goes with CloudFront only)."
  }

  assert {
    condition     = startswith(output.api_url, "http://127.0.0.1:4566/_aws/execute-api/") && startswith(output.ws_url, "ws://127.0.0.1:4566/_aws/execute-api/")
    error_message = "API and WebSocket URLs are the emulator's."
  }
}

run "emulator_gets_what_it_accepts" {
  command = plan

  assert {
    condition = alltrue(concat(
      [for s in module.service : s.function_settings.architectures == tolist(["x86_64"])],
      [module.gateway.settings.architectures == tolist(["x86_64"])],
    ))
    error_message = "The emulator runs the host's binaries (x86_64 from local.tfvars)."
  }

  assert {
    condition     = !anytrue([for s in module.service : s.table_deletion_protection]) && !module.payment_methods.deletion_protection && !module.gateway_limits.deletion_protection
    error_message = "The emulator's throwaway tables have no deletion protection."
  }

  assert {
    condition = (module.gateway.settings.environment.ORDER_RATE_BURST == "5"
      && module.service["customer"].function_settings.environment.LOGIN_MAX_FAILURES_PER_ACCOUNT == "5"
      && module.service["customer"].function_settings.environment.LOGIN_MAX_FAILURES_PER_ADDRESS == "1000"
    && module.service["customer"].function_settings.environment.REGISTER_RATE_BURST == "1000")
    error_message = "The emulator keeps the per-shopper and per-account limits; per address they are high, since the emulator reports every caller as 127.0.0.1."
  }

  assert {
    condition = (length(aws_ecr_repository.worker) == 0 && length(aws_ecs_service.worker) == 0
      && length(aws_api_gateway_account.this) == 0 && length(aws_s3_bucket_ownership_controls.site) == 0
    && length(aws_s3_bucket_server_side_encryption_configuration.site) == 0)
    error_message = "No ECR, ECS, account logging role or bucket extras on the emulator."
  }

  assert {
    condition = (length(aws_sns_topic.alarms) == 0 && length(aws_kms_key.alarms) == 0
      && length(aws_cloudwatch_dashboard.main) == 0 && length(aws_cloudwatch_metric_alarm.lambda_errors) == 0
      && length(aws_cloudwatch_metric_alarm.breaker_opened) == 0 && length(aws_cloudwatch_log_metric_filter.api_throttled) == 0
    && length(aws_cloudwatch_log_metric_filter.compensations) == 0)
    error_message = "No alarms, metric filters, alarm topic or dashboard on the emulator (observability.tf is AWS only)."
  }

  assert {
    condition     = aws_apigatewayv2_stage.http.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api_access["http"].arn
    error_message = "Access logs are configured on the emulator too (MiniStack stores the setting)."
  }
}
