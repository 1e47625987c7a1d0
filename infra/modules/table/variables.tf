variable "name" {
  description = "Table name (prefix included)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "A DynamoDB table name is 3 to 255 letters, digits, _, . or -."
  }
}

variable "range_key" {
  description = "Optional string range key (\"sk\"); null for a table keyed by pk alone."
  type        = string
  default     = null
}

variable "global_secondary_indexes" {
  description = "GSIs: a string hash key and an optional string range key each, every attribute projected."
  type = list(object({
    name      = string
    hash_key  = string
    range_key = optional(string)
  }))
  default  = []
  nullable = false
  validation {
    condition     = length(distinct([for g in var.global_secondary_indexes : g.name])) == length(var.global_secondary_indexes)
    error_message = "GSI names must be unique."
  }
}

variable "ttl_attribute" {
  description = "Attribute holding each item's expiry (epoch seconds) for DynamoDB's TTL; null for no TTL."
  type        = string
  default     = null
}

variable "point_in_time_recovery" {
  description = "Continuous backups (restore to any second of the last 35 days)."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection: the table cannot be deleted (by terraform destroy or anyone) until it is turned off."
  type        = bool
  default     = true
  nullable    = false
}
