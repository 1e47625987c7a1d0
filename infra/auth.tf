# JWT auth at the API edge: the authorizer function and its HTTP API authorizer.
#
# The signing key pair is created on first use by the customer service in Secrets Manager
# (names below), never by Terraform, so it is never in Terraform state. `terraform destroy`
# leaves the two secrets; delete them by hand if you want a new key.

locals {
  jwt_signing_secret     = "${var.name_prefix}-jwt-signing-key"
  jwt_public_secret      = "${var.name_prefix}-jwt-public-key"
  secret_arn_prefix      = "arn:aws:secretsmanager:${var.region}:${local.account_id}:secret"
  jwt_signing_secret_arn = "${local.secret_arn_prefix}:${local.jwt_signing_secret}-*"
  jwt_public_secret_arn  = "${local.secret_arn_prefix}:${local.jwt_public_secret}-*"
}

# Least privilege: the public key only (never the signing key), and its own logs.
module "authorizer" {
  source = "./modules/function"

  name                 = "${var.name_prefix}-authorizer"
  zip_path             = "${var.lambda_dir}/authorizer.zip"
  architecture         = var.lambda_architecture
  tracing              = var.lambda_tracing
  reserved_concurrency = lookup(var.reserved_concurrency, "authorizer", null)
  timeout_seconds      = 5
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
  environment          = merge({ JWT_PUBLIC_SECRET = local.jwt_public_secret }, local.function_env)
  policy_statements = [{
    sid       = "PublicKeyOnly"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.jwt_public_secret_arn]
  }]
}

# REQUEST authorizer with simple responses. It lets every request that carries an
# Authorization header through with its verdict in the context, so that the function answers
# 401 with the reason (an HTTP API authorizer can itself only answer 403). A request without
# the header is refused by API Gateway with 401.
#
# The verdict is cached per Authorization header (that is, per token) for 5 minutes, so most
# calls skip the authorizer's invocation. A cached "ok" cannot outlive its token: the verdict
# carries the token's exp, and every function's Caller extractor refuses the request with
# 401 token_expired once exp has passed, as the authorizer itself would. A failure to read
# the public key is no verdict (the invocation fails), so it is never cached.
resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id                            = aws_apigatewayv2_api.http.id
  name                              = "${var.name_prefix}-jwt"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = module.authorizer.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.Authorization"]
  authorizer_result_ttl_in_seconds  = 300
}

resource "aws_lambda_permission" "authorizer_http" {
  statement_id  = "AllowHttpApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = module.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.jwt.id}"
}
