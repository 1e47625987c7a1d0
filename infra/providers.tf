locals {
  # Everything that differs between AWS and the local emulator keys on this.
  local_emulator = var.aws_endpoint != ""
}

provider "aws" {
  region     = var.region
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key

  # Against the local emulator: no real credentials, no account lookups, path-style S3.
  skip_credentials_validation = local.local_emulator
  skip_requesting_account_id  = local.local_emulator
  skip_metadata_api_check     = local.local_emulator
  s3_use_path_style           = local.local_emulator

  dynamic "endpoints" {
    for_each = local.local_emulator ? [var.aws_endpoint] : []
    content {
      apigateway     = endpoints.value
      apigatewayv2   = endpoints.value
      cloudfront     = endpoints.value
      cloudwatch     = endpoints.value
      cloudwatchlogs = endpoints.value
      dynamodb       = endpoints.value
      iam            = endpoints.value
      lambda         = endpoints.value
      s3             = endpoints.value
      secretsmanager = endpoints.value
      ses            = endpoints.value
      sts            = endpoints.value
    }
  }

  default_tags {
    tags = {
      project = "sagaway"
    }
  }
}
