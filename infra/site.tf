# The web app on S3: a bucket with static website hosting (index and error document both
# index.html: the app routes with the URL hash, so any path falls back to it), the built files,
# and config.json with the API and WebSocket URLs written at deploy time.

locals {
  site_bucket = "${var.name_prefix}-site-${local.account_id}"
  site_origin = (local.local_emulator
    ? regex("^https?://[^/]+", var.aws_endpoint)
  : "http://${local.site_bucket}.s3-website-${var.region}.amazonaws.com")
  site_url = (local.local_emulator
    ? "${var.aws_endpoint}/${local.site_bucket}/index.html"
  : "http://${aws_s3_bucket_website_configuration.site.website_endpoint}")
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
}

resource "aws_s3_bucket" "site" {
  bucket        = local.site_bucket
  force_destroy = true
}

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  index_document {
    suffix = "index.html"
  }
  error_document {
    key = "index.html"
  }
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false
  restrict_public_buckets = false
}

# Website hosting needs anonymous reads of the objects (and nothing else).
data "aws_iam_policy_document" "site" {
  statement {
    sid       = "PublicReadForWebsite"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket     = aws_s3_bucket.site.id
  policy     = data.aws_iam_policy_document.site.json
  depends_on = [aws_s3_bucket_public_access_block.site]
}

resource "aws_s3_object" "site" {
  for_each     = { for f in local.site_files : f => f if f != "config.json" }
  bucket       = aws_s3_bucket.site.id
  key          = each.value
  source       = "${var.site_dir}/${each.value}"
  etag         = filemd5("${var.site_dir}/${each.value}")
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  # index.html and config.json change with every deploy; hashed assets never do.
  cache_control = startswith(each.value, "assets/") ? "public, max-age=31536000, immutable" : "no-cache"
}

resource "aws_s3_object" "site_config" {
  bucket        = aws_s3_bucket.site.id
  key           = "config.json"
  content_type  = "application/json"
  cache_control = "no-cache"
  content = jsonencode({
    apiUrl = local.local_emulator ? "${var.aws_endpoint}/_aws/execute-api/${aws_apigatewayv2_api.http.id}/${aws_apigatewayv2_stage.http.name}" : aws_apigatewayv2_stage.http.invoke_url
    wsUrl  = local.ws_url
  })
}
