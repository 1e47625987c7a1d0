variable "name" {
  description = "Service name (inventory, order, ...): names the table, function and role."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for resource names."
  type        = string
}

variable "zip_path" {
  description = "Path of the function's zip (a bootstrap binary at its root)."
  type        = string
}

variable "architecture" {
  description = "x86_64 or arm64."
  type        = string
}

variable "log_level" {
  description = "RUST_LOG for the function."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "memory_mb" {
  description = "Function memory."
  type        = number
  default     = 256
}

variable "timeout_seconds" {
  description = "Function timeout."
  type        = number
  default     = 10
}

variable "global_secondary_indexes" {
  description = "GSIs of the table: string hash and range keys, all attributes projected."
  type = list(object({
    name      = string
    hash_key  = string
    range_key = string
  }))
  default = []
}

variable "api_id" {
  description = "HTTP API the routes go on."
  type        = string
}

variable "api_execution_arn" {
  description = "Execution ARN of that API (for the invoke permission)."
  type        = string
}

variable "routes" {
  description = "Route keys (\"GET /v1/things/{id}\") served by this function, each with its authorization: \"none\" (public) or \"jwt\" (the Lambda authorizer; the function checks roles)."
  type        = map(string)
  validation {
    condition     = alltrue([for a in values(var.routes) : contains(["none", "jwt"], a)])
    error_message = "Each route's authorization must be \"none\" or \"jwt\"."
  }
}

variable "authorizer_id" {
  description = "Id of the HTTP API's Lambda authorizer, for the \"jwt\" routes."
  type        = string
  default     = null
}

variable "range_key" {
  description = "Optional string range key of the table (\"sk\"); null for a hash-key-only table."
  type        = string
  default     = null
}

variable "extra_env" {
  description = "Extra environment variables for the function."
  type        = map(string)
  default     = {}
}

variable "extra_policy_statements" {
  description = "Further IAM statements for the function's role, beyond its own table and logs."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}
