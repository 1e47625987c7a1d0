variable "name" {
  description = "Service name (inventory, order, ...): names its table and its function (<name_prefix>-<name>)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "A service name is lower-case letters, digits and -, starting with a letter."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
}

variable "zip_path" {
  description = "Path of the function's zip (a bootstrap binary at its root)."
  type        = string
}

variable "architecture" {
  description = "x86_64 or arm64: the root variable lambda_architecture, passed through (no default here)."
  type        = string
}

variable "tracing" {
  description = "X-Ray active tracing of the function (null: the function module's default)."
  type        = bool
  default     = null
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the function; null: unreserved."
  type        = number
  default     = null
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection of the table (null: the table module's default, on)."
  type        = bool
  default     = null
}

variable "memory_mb" {
  description = "Function memory in MB (null: the function module's default)."
  type        = number
  default     = null
}

variable "timeout_seconds" {
  description = "Function timeout in seconds (null: the function module's default)."
  type        = number
  default     = null
}

variable "log_level" {
  description = "RUST_LOG of the function (null: the function module's default)."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the function's log group (null: the function module's default)."
  type        = number
  default     = null
}

variable "range_key" {
  description = "Optional string range key of the table (\"sk\"); null for a table keyed by pk alone."
  type        = string
  default     = null
}

variable "global_secondary_indexes" {
  description = "GSIs of the table: a string hash key and an optional string range key each, every attribute projected."
  type = list(object({
    name      = string
    hash_key  = string
    range_key = optional(string)
  }))
  default  = []
  nullable = false
}

variable "ttl_attribute" {
  description = "Attribute of the table holding each item's expiry (epoch seconds); null for no TTL."
  type        = string
  default     = null
}

variable "environment" {
  description = "Environment variables of the function besides TABLE_NAME and RUST_LOG."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "policy_statements" {
  description = "What the function may do beyond its own table and logs: IAM Allow statements."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default  = []
  nullable = false
}

variable "api_id" {
  description = "The HTTP API the routes go on."
  type        = string
}

variable "api_execution_arn" {
  description = "Execution ARN of that API (for the invoke permission)."
  type        = string
}

variable "authorizer_id" {
  description = "The HTTP API's Lambda authorizer, for the \"jwt\" routes."
  type        = string
  default     = null
}

variable "routes" {
  description = "Route keys served by this function, each \"none\" or \"jwt\" (see modules/routes)."
  type        = map(string)
  default     = {}
  nullable    = false
}
