variable "name" {
  description = "Function name (prefix included); its role is <name>-fn, its policy <name>-access, its log group /aws/lambda/<name>."
  type        = string
  validation {
    # The role name adds 3 characters and may not exceed 64.
    condition     = can(regex("^[A-Za-z0-9_-]{1,61}$", var.name))
    error_message = "A function name here is 1 to 61 letters, digits, _ or -."
  }
}

variable "zip_path" {
  description = "Path of the function's zip (a bootstrap binary at its root)."
  type        = string
}

variable "architecture" {
  description = "Architecture of the bootstrap binary (no default here: the root variable lambda_architecture is the one place it is chosen)."
  type        = string
  nullable    = false
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "The architecture is x86_64 or arm64."
  }
}

variable "memory_mb" {
  description = "Function memory in MB."
  type        = number
  default     = 256
  nullable    = false
  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "Lambda memory is 128 to 10240 MB."
  }
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number
  default     = 10
  nullable    = false
  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "A Lambda timeout is 1 to 900 seconds."
  }
}

variable "log_level" {
  description = "RUST_LOG filter of the function."
  type        = string
  default     = "info"
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 14
  nullable    = false
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "CloudWatch Logs retention is one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days."
  }
}

variable "environment" {
  description = "Environment variables of the function (RUST_LOG is set from log_level)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "policy_statements" {
  description = "What the function may do besides writing its own logs: IAM Allow statements, each as narrow as it can be."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default  = []
  nullable = false
}

variable "tracing" {
  description = "X-Ray active tracing (tracing_config Active, and the role may send trace segments); false leaves it PassThrough."
  type        = bool
  default     = true
  nullable    = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the function; null leaves it unreserved (it shares the account's pool)."
  type        = number
  default     = null
  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 0, false)
    error_message = "Reserved concurrency is null (unreserved) or a whole number >= 0."
  }
}
