# A DynamoDB table: on-demand, string hash key `pk` (and an optional string range key),
# optional GSIs projecting every attribute, optional TTL, point-in-time recovery, encryption at
# rest and deletion protection (on unless turned off: the emulator's tables are thrown away).

locals {
  # Every key attribute must be declared once, and only key attributes may be.
  key_attributes = distinct(compact(concat(
    ["pk", var.range_key],
    flatten([for g in var.global_secondary_indexes : [g.hash_key, g.range_key]]),
  )))
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = var.range_key

  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }
}
