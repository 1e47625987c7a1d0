# The shop over HTTPS: a CloudFront distribution in front of the private site bucket
# (site.tf), reading it through Origin Access Control. Created on AWS, not on the emulator
# unless var.emulator_cloudfront (site.tf says why).
#
# Caching: index.html, config.json and every other path take the default behaviour with the
# managed CachingDisabled policy, so a deploy is live at once and nobody gets a stale
# index.html naming assets that no longer exist; the content-hashed files under assets/ use
# CachingOptimized and carry Cache-Control "public, max-age=31536000, immutable" (site.tf),
# so edges and browsers keep them for a year.
#
# Security headers (response headers policy): HSTS, nosniff, X-Frame-Options DENY, a referrer
# policy and a Content-Security-Policy: scripts, styles, images and fonts from the site itself,
# no plugins, no framing (frame-ancestors 'none'), and connections to the site, this stack's
# WebSocket API and API Gateway endpoints of this region. Why not the HTTP API's own origin:
# that API's CORS names this distribution's domain (main.tf), so a policy naming the API would
# make the distribution depend on the API and the API on the distribution, a cycle Terraform
# cannot apply. index.html therefore carries a second policy in a <meta> tag (site.tf) naming
# both API origins exactly; browsers enforce both policies, so what the page may connect to is
# exactly 'self', the HTTP API and the WebSocket API.

locals {
  # AWS-managed cache policies (fixed ids, the same in every account).
  cache_policy_caching_optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  cache_policy_caching_disabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

  api_gateway_origins_in_region = "https://*.execute-api.${var.region}.amazonaws.com"
  # Also the output content_security_policy: the browser tests (frontend/e2e/csp.spec.ts) serve
  # the app under this very policy, so a change here is tested against the app.
  csp_header = join("; ", [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self' ${local.api_gateway_origins_in_region} ${aws_apigatewayv2_api.ws.api_endpoint}",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "upgrade-insecure-requests",
  ])
  csp_meta = "connect-src 'self' ${aws_apigatewayv2_api.http.api_endpoint} ${aws_apigatewayv2_api.ws.api_endpoint}"
}

resource "aws_cloudfront_origin_access_control" "site" {
  count                             = local.cdn ? 1 : 0
  name                              = "${var.name_prefix}-site"
  description                       = "sagaway shop: CloudFront reads the private site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "site" {
  count   = local.cdn ? 1 : 0
  name    = "${var.name_prefix}-site-security"
  comment = "sagaway shop: HSTS, CSP, nosniff, no framing"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.csp_header
      override                = true
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = false
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    # The legacy XSS auditor is off ("0"), as current guidance has it; the CSP does that job.
    xss_protection {
      protection = false
      override   = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), payment=()"
      override = true
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  count               = local.cdn ? 1 : 0
  enabled             = true
  comment             = "${var.name_prefix} shop"
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.site_price_class
  default_root_object = "index.html"
  aliases             = var.site_domain_name == "" ? [] : [var.site_domain_name]
  web_acl_id          = var.site_web_acl_arn

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site[0].id
  }

  # index.html, config.json and anything else: never cached at the edge.
  default_cache_behavior {
    target_origin_id           = "site"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_disabled
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site[0].id
  }

  # Content-hashed build output: cached for as long as the objects say (a year, immutable).
  ordered_cache_behavior {
    path_pattern               = "assets/*"
    target_origin_id           = "site"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_optimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site[0].id
  }

  # The single-page app's fallback: a path that is no object (S3 answers 403 to CloudFront
  # without list rights, 404 otherwise) gets index.html with 200. Not cached, so a deploy that
  # adds the object is seen at once.
  dynamic "custom_error_response" {
    for_each = [403, 404]
    content {
      error_code            = custom_error_response.value
      response_code         = 200
      response_page_path    = "/index.html"
      error_caching_min_ttl = 0
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # Without a custom domain the *.cloudfront.net certificate (CloudFront then fixes the minimum
  # protocol); with one, its ACM certificate and TLS 1.2 or newer.
  viewer_certificate {
    cloudfront_default_certificate = var.site_certificate_arn == ""
    acm_certificate_arn            = var.site_certificate_arn == "" ? null : var.site_certificate_arn
    ssl_support_method             = var.site_certificate_arn == "" ? null : "sni-only"
    minimum_protocol_version       = var.site_certificate_arn == "" ? "TLSv1" : "TLSv1.2_2021"
  }

  lifecycle {
    precondition {
      condition     = (var.site_domain_name == "") == (var.site_certificate_arn == "")
      error_message = "site_domain_name and site_certificate_arn go together: a custom domain needs its ACM certificate (in us-east-1), and the certificate is only used for that domain."
    }
  }
}
