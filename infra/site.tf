# The web app: the built files and config.json (the API and WebSocket URLs, written at deploy
# time) in a private S3 bucket.
#
# On AWS shoppers reach it over HTTPS only, through CloudFront with Origin Access Control:
# the bucket blocks every public access and has no website hosting; its policy lets this one
# distribution read objects and nothing else. The distribution answers / with index.html, and
# any 403/404 with /index.html (200), so deep links work (the app routes with the URL hash
# anyway); it adds security headers (cloudfront.tf).
#
# On the local emulator (local.local_emulator) the CloudFront resources are not created, by
# decision, although MiniStack implements them (distributions with an S3 origin served
# in-process, OAC, cache and response-headers policies): its distributions answer only on a
# <id>.cloudfront.<host> name, which a browser cannot resolve for 127.0.0.1, and
# redirect-to-https needs a TLS listener the emulator does not have. So locally the app is
# served from the bucket's path-style object URL on the emulator
# (http://127.0.0.1:4566/<bucket>/index.html), as the browser tests use it; MiniStack runs
# without AUTH and does not check anonymous reads, so the bucket stays private there too.
# var.emulator_cloudfront creates the CloudFront resources on an emulator anyway (LocalStack Pro).

locals {
  site_bucket = "${var.name_prefix}-site-${local.account_id}"
  cdn         = !local.local_emulator || var.emulator_cloudfront
  site_host = (length(aws_cloudfront_distribution.site) > 0
    ? (var.site_domain_name != "" ? var.site_domain_name : aws_cloudfront_distribution.site[0].domain_name)
  : "")
  # The origins the API's CORS allows for the shop: every name the distribution answers to, or
  # on the emulator its own origin.
  site_origins = (local.local_emulator ? [regex("^https?://[^/]+", var.aws_endpoint)]
    : concat(["https://${aws_cloudfront_distribution.site[0].domain_name}"],
  var.site_domain_name == "" ? [] : ["https://${var.site_domain_name}"]))
  site_url = (local.local_emulator
    ? "${var.aws_endpoint}/${local.site_bucket}/index.html"
  : "https://${local.site_host}/")
  api_url = (local.local_emulator
    ? "${var.aws_endpoint}/_aws/execute-api/${aws_apigatewayv2_api.http.id}/${aws_apigatewayv2_stage.http.name}"
  : aws_apigatewayv2_stage.http.invoke_url)
  content_types = {
    html = "text/html; charset=utf-8"
    js   = "text/javascript; charset=utf-8"
    css  = "text/css; charset=utf-8"
    json = "application/json"
    svg  = "image/svg+xml"
    png  = "image/png"
    ico  = "image/x-icon"
    txt  = "text/plain; charset=utf-8"
  }
  site_files = fileset(var.site_dir, "**")
  # Behind CloudFront, index.html carries a second Content-Security-Policy in a <meta> tag that
  # names the two API origins exactly (cloudfront.tf says why the header cannot).
  index_html = (local.cdn && contains(local.site_files, "index.html")
    ? replace(file("${var.site_dir}/index.html"), "<head>", "<head>\n    <meta http-equiv=\"Content-Security-Policy\" content=\"${local.csp_meta}\">")
  : null)
}

resource "aws_s3_bucket" "site" {
  bucket        = local.site_bucket
  force_destroy = true
}

# Private everywhere: CloudFront reads through OAC (a service principal, not a public grant).
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

# ACLs off and SSE-S3 are what AWS gives a new bucket anyway; stated here so that they stay so.
# Not on the emulator (nothing to gain there; it keeps the local plan to what it was).
resource "aws_s3_bucket_ownership_controls" "site" {
  count  = local.local_emulator ? 0 : 1
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  count  = local.local_emulator ? 0 : 1
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Only this distribution may read, and only objects (CloudFront's OAC signs its requests).
resource "aws_s3_bucket_policy" "site" {
  count  = local.cdn ? 1 : 0
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudFrontReadsThroughOAC"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.site.arn}/*"
      Condition = {
        StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.site[0].arn }
      }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.site]
}

resource "aws_s3_object" "site" {
  for_each     = { for f in local.site_files : f => f if f != "config.json" }
  bucket       = aws_s3_bucket.site.id
  key          = each.value
  source       = each.value == "index.html" && local.index_html != null ? null : "${var.site_dir}/${each.value}"
  content      = each.value == "index.html" ? local.index_html : null
  etag         = each.value == "index.html" && local.index_html != null ? md5(local.index_html) : filemd5("${var.site_dir}/${each.value}")
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  # index.html and config.json change with every deploy (browsers revalidate, CloudFront does
  # not cache them); the hashed files under assets/ never do.
  cache_control = startswith(each.value, "assets/") ? "public, max-age=31536000, immutable" : "no-cache"

  lifecycle {
    precondition {
      condition     = local.index_html == null || strcontains(coalesce(local.index_html, "-"), "http-equiv=\"Content-Security-Policy\"")
      error_message = "The built index.html has no plain <head> tag to put the Content-Security-Policy <meta> after (site.tf, local.index_html)."
    }
  }
}

locals {
  web_app_config = {
    apiUrl             = local.api_url
    wsUrl              = local.ws_url
    temporal_ui_url    = var.temporal_ui_url
    temporal_namespace = var.temporal_namespace
  }
}

resource "aws_s3_object" "site_config" {
  bucket        = aws_s3_bucket.site.id
  key           = "config.json"
  content_type  = "application/json"
  cache_control = "no-cache"
  # temporal_ui_url (empty: no link) and temporal_namespace: the admins' overview links an
  # order to <temporal_ui_url>/namespaces/<temporal_namespace>/workflows/order-<order id>.
  content = jsonencode(local.web_app_config)
}
