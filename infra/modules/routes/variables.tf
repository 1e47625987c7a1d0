variable "api_id" {
  description = "The HTTP API the routes go on."
  type        = string
}

variable "api_execution_arn" {
  description = "Execution ARN of that API (for the invoke permission)."
  type        = string
}

variable "function_name" {
  description = "The function that serves the routes."
  type        = string
}

variable "invoke_arn" {
  description = "Invoke ARN of that function."
  type        = string
}

variable "authorizer_id" {
  description = "The HTTP API's Lambda authorizer, for the \"jwt\" routes."
  type        = string
  default     = null
}

variable "routes" {
  description = "Route keys (\"GET /v1/things/{id}\"), each with its authorization: \"none\" (public) or \"jwt\" (the Lambda authorizer; the function checks roles)."
  type        = map(string)
  nullable    = false
  validation {
    condition     = alltrue([for a in values(var.routes) : contains(["none", "jwt"], a)])
    error_message = "Each route's authorization must be \"none\" or \"jwt\"."
  }
  validation {
    condition     = alltrue([for k in keys(var.routes) : can(regex("^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|ANY) /", k))])
    error_message = "A route key is an HTTP method, a space and a path starting with /."
  }
}
