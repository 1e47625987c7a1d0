variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every resource name (tables, functions, APIs, roles)."
  type        = string
  default     = "sagaway"
}

variable "aws_endpoint" {
  description = "Custom AWS endpoint for every service (the local emulator, e.g. http://127.0.0.1:4566). Empty for real AWS."
  type        = string
  default     = ""
}

variable "function_aws_endpoint" {
  description = "The emulator's endpoint as the functions themselves reach it, when that differs from aws_endpoint: LocalStack runs each function in a container, where 127.0.0.1 is the container (e.g. http://localstack:4566 on the compose network). Empty: aws_endpoint."
  type        = string
  default     = ""
  nullable    = false
}

variable "aws_access_key" {
  description = "Access key for the local emulator only (a fake one). Leave null for real AWS: the provider's default chain is used."
  type        = string
  default     = null
}

variable "aws_secret_key" {
  description = "Secret key for the local emulator only (a fake one). Leave null for real AWS."
  type        = string
  default     = null
  sensitive   = true
}

variable "lambda_dir" {
  description = "Folder holding one <function>.zip per Lambda function (each with a bootstrap binary). The default is what `make zips-aws` builds for AWS; the local scripts pass dist/lambda (`make zips`)."
  type        = string
  default     = "../dist/lambda-aws"
}

variable "lambda_architecture" {
  description = "The one place the CPU architecture is chosen: of every Lambda function's bootstrap (build the zips to match: make zips-aws, LAMBDA_ARCH, arm64 by default) and of the worker's ECS task (its image must match too). arm64 (Graviton) by default; the local emulator runs the host's debug binaries (localstack/local.tfvars, set by the scripts)."
  type        = string
  default     = "arm64"
  nullable    = false
  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture is x86_64 or arm64."
  }
}

variable "lambda_tracing" {
  description = "X-Ray active tracing on every function (tracing_config Active). The emulator accepts it too (MiniStack sets the trace id and sends nothing)."
  type        = bool
  default     = true
  nullable    = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions per function, by name (inventory, customer, order, payment, notification, gateway, authorizer); a function not named, or null, is unreserved. Reserving caps a function and guarantees it that share of the account's concurrency."
  type        = map(number)
  default     = {}
  nullable    = false
  validation {
    condition     = alltrue([for k in keys(var.reserved_concurrency) : contains(["inventory", "customer", "order", "payment", "notification", "gateway", "authorizer"], k)])
    error_message = "reserved_concurrency keys are function names: inventory, customer, order, payment, notification, gateway, authorizer."
  }
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection on every table (on for AWS; localstack/local.tfvars turns it off for the throwaway emulator). Turn it off and apply before a terraform destroy that should delete the tables."
  type        = bool
  default     = true
  nullable    = false
}

variable "stage_name" {
  description = "Name of the HTTP API stage; it is the first path segment of every API URL."
  type        = string
  default     = "api"
}

variable "log_level" {
  description = "RUST_LOG filter for the functions."
  type        = string
  default     = "info"
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second the HTTP API stage allows."
  type        = number
  default     = 100
}

variable "throttle_burst_limit" {
  description = "Burst of requests the HTTP API stage allows."
  type        = number
  default     = 200
}

variable "log_retention_days" {
  description = "Retention of the functions', the worker's and the API stages' CloudWatch log groups."
  type        = number
  default     = 14
}

variable "temporal_address" {
  description = "Temporal frontend host:port the gateway function and the worker use (Temporal Cloud: <ns>.<acct>.tmprl.cloud:7233)."
  type        = string
  default     = "127.0.0.1:7233"
}

variable "temporal_namespace" {
  description = "Temporal namespace."
  type        = string
  default     = "default"
}

variable "temporal_ui_url" {
  description = "Base URL of the Temporal Web UI (e.g. https://cloud.temporal.io or http://127.0.0.1:8233), written to the web app's config.json so the admins' orders overview links each order's workflow; empty: no link."
  type        = string
  default     = ""
  validation {
    condition     = var.temporal_ui_url == "" || can(regex("^https?://[^\\s]+[^/]$", var.temporal_ui_url))
    error_message = "temporal_ui_url is empty or an http(s) URL without a trailing slash."
  }
}

variable "email_from" {
  description = "Sender of the shoppers' order emails (SES; an email identity for it is created here and the notification function may send from it only)."
  type        = string
  default     = "orders@sagaway.example"
  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.email_from))
    error_message = "email_from is an email address such as orders@example.com."
  }
}

variable "temporal_api_key_secret" {
  description = "Secrets Manager name of the Temporal Cloud API key (create it yourself, plain-text value); empty for a server without auth (local) or for mTLS."
  type        = string
  default     = ""
  nullable    = false
}

variable "temporal_tls_cert_secret" {
  description = "Temporal Cloud by mTLS instead of an API key: Secrets Manager name of the client certificate (PEM, plain-text value). Set together with temporal_tls_key_secret."
  type        = string
  default     = ""
  nullable    = false
}

variable "temporal_tls_key_secret" {
  description = "Secrets Manager name of the mTLS client certificate's private key (PEM, plain-text value)."
  type        = string
  default     = ""
  nullable    = false
}

variable "task_queue" {
  description = "Task queue of the OrderSaga."
  type        = string
  default     = "sagaway-orders"
}

variable "worker_image_tag" {
  description = "Tag of the worker image in this stack's ECR repository (output worker_repository_url; tags are immutable, use the git commit). Empty, with worker_image empty too, skips the ECS service."
  type        = string
  default     = ""
  nullable    = false
}

variable "worker_image" {
  description = "Full worker image reference from another registry; overrides worker_image_tag. Empty: the ECR repository's image tagged worker_image_tag."
  type        = string
  default     = ""
  nullable    = false
}

variable "worker_cpu" {
  description = "Fargate CPU units of a worker task (256 = 0.25 vCPU)."
  type        = number
  default     = 512
}

variable "worker_memory" {
  description = "Fargate memory of a worker task, in MiB (valid with worker_cpu)."
  type        = number
  default     = 1024
}

variable "worker_min_count" {
  description = "Fewest worker tasks (autoscaling floor; 2 keeps one running through a task replacement)."
  type        = number
  default     = 2
}

variable "worker_max_count" {
  description = "Most worker tasks (autoscaling ceiling)."
  type        = number
  default     = 6
  validation {
    condition     = var.worker_max_count >= 1
    error_message = "worker_max_count is at least 1."
  }
}

variable "worker_cpu_target" {
  description = "Average CPU utilisation (percent) the worker service's target tracking keeps."
  type        = number
  default     = 60
}

variable "worker_health_port" {
  description = "Port of the worker's /health and /metrics endpoint in its task (HEALTH_ADDR <address>:<port>, see worker_metrics_in_vpc): the container health check calls it."
  type        = number
  default     = 9464
}

variable "worker_metrics_in_vpc" {
  description = "Serve the worker's /metrics and /health on the task's own address (HEALTH_ADDR 0.0.0.0:<worker_health_port>, a port mapping) for a Prometheus in the VPC; worker_security_group_ids must then admit that port from the scraper only. Off: loopback inside the task, for a scraping sidecar."
  type        = bool
  default     = false
}

variable "worker_subnet_ids" {
  description = "Private subnets for the worker's ECS tasks (they need a route to Temporal and the Lambda API)."
  type        = list(string)
  default     = []
}

variable "worker_security_group_ids" {
  description = "Security groups for the worker's ECS tasks (egress only)."
  type        = list(string)
  default     = []
}

variable "site_dir" {
  description = "The built web app (npm run build in frontend/); its files are uploaded to the site bucket with a generated config.json."
  type        = string
  default     = "../frontend/dist"
}

variable "cors_extra_origins" {
  description = "Origins allowed to call the API besides the site itself (the Vite dev server, for example)."
  type        = list(string)
  default     = []
}

variable "emulator_cloudfront" {
  description = "Also create the CloudFront distribution (and its OAC, policies and bucket policy) on an emulator. AWS always gets them. Off by default: see site.tf for why the local shop is served from the S3 path URL."
  type        = bool
  default     = false
  nullable    = false
}

variable "site_domain_name" {
  description = "Optional custom domain of the shop (shop.example.com): an alias of the distribution; point its DNS at the output cloudfront_domain. Needs site_certificate_arn."
  type        = string
  default     = ""
  nullable    = false
}

variable "site_certificate_arn" {
  description = "ACM certificate (in us-east-1, as CloudFront requires) for site_domain_name; with it the viewer TLS policy is TLSv1.2_2021."
  type        = string
  default     = ""
  nullable    = false
}

variable "site_price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe), PriceClass_200, PriceClass_All."
  type        = string
  default     = "PriceClass_100"
}

variable "site_web_acl_arn" {
  description = "Optional AWS WAF web ACL (scope CLOUDFRONT) to attach to the distribution; null for none."
  type        = string
  default     = null
}

variable "apigateway_account_logging_role" {
  description = "Create the account-level CloudWatch Logs role of API Gateway (needed by the WebSocket stage's access logs; one per account and region). Turn off when another stack already sets it."
  type        = bool
  default     = true
  nullable    = false
}

variable "rate_limits" {
  description = <<-EOT
    Limits the functions enforce themselves, per shopper, account and source address (API Gateway's
    stage throttle is one bucket for all callers, and WAF cannot attach to an HTTP API). Counters live
    in DynamoDB with TTL: the gateway's in its own table (order_*), the customer service's in the
    customer table (login_*, registration_*). Any attribute left out keeps its default:
    - order_limit orders per order_period_seconds per shopper, order_burst at once (429 too_many_orders);
    - login_failures_per_account (per normalized email) or login_failures_per_address failed logins
      within login_failure_window_seconds lock that account or address for login_lockout_seconds,
      twice as long after each further lockout up to login_lockout_max_seconds; even the right
      password is refused meanwhile (429 too_many_login_attempts);
    - registration_limit registrations per registration_period_seconds per source address,
      registration_burst at once (429 too_many_registrations).
  EOT
  type = object({
    order_limit                  = optional(number, 10)
    order_period_seconds         = optional(number, 60)
    order_burst                  = optional(number, 5)
    login_failures_per_account   = optional(number, 5)
    login_failures_per_address   = optional(number, 50)
    login_failure_window_seconds = optional(number, 900)
    login_lockout_seconds        = optional(number, 60)
    login_lockout_max_seconds    = optional(number, 900)
    registration_limit           = optional(number, 20)
    registration_period_seconds  = optional(number, 3600)
    registration_burst           = optional(number, 10)
  })
  default  = {}
  nullable = false
  validation {
    condition     = alltrue([for v in values(var.rate_limits) : v >= 1 && v == floor(v) && v <= 4294967295])
    error_message = "Every rate limit is a whole number of at least 1."
  }
  validation {
    condition     = var.rate_limits.login_failures_per_account >= 2 && var.rate_limits.login_failures_per_address >= 2
    error_message = "A login lockout needs at least 2 failures."
  }
  validation {
    condition     = var.rate_limits.login_lockout_max_seconds >= var.rate_limits.login_lockout_seconds
    error_message = "login_lockout_max_seconds is at least login_lockout_seconds."
  }
}

variable "alarm_email" {
  description = "An address to subscribe to the alarm topic (SNS sends a confirmation mail first); empty: no subscription (subscribe anything to output alarm_topic_arn). AWS only."
  type        = string
  default     = ""
}

variable "alarm_api_5xx_threshold" {
  description = "5xx answers of the HTTP API (and WebSocket integration errors) in 5 minutes that raise its alarm."
  type        = number
  default     = 5
}

variable "alarm_throttled_threshold" {
  description = "429 answers of an API stage in 5 minutes that raise its throttling alarm."
  type        = number
  default     = 50
}

variable "alarm_compensations_threshold" {
  description = "Compensated orders in 5 minutes that raise the compensation alarm (declines and cancellations compensate too)."
  type        = number
  default     = 10
}
