variable "name" {
  description = "Name of the role."
  type        = string
  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "An IAM role name is 1 to 64 characters of letters, digits and +=,.@_-."
  }
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "service" {
  description = "The AWS service principal that assumes the role (lambda.amazonaws.com, ecs-tasks.amazonaws.com)."
  type        = string
  validation {
    condition     = endswith(var.service, ".amazonaws.com")
    error_message = "The principal is a service such as lambda.amazonaws.com."
  }
}

variable "policy_statements" {
  description = "The Allow statements of the inline policy, each naming exactly the actions and resources it needs."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  validation {
    condition     = length(var.policy_statements) > 0
    error_message = "A policy needs at least one statement."
  }
  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid])) == length(var.policy_statements)
    error_message = "Statement ids (sid) must be unique within the policy."
  }
}
