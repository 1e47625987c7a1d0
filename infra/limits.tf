# Rate limits the functions enforce themselves (sagaway_shared::limits): per shopper, per
# account and per source address, which API Gateway's stage throttle (one bucket for every
# caller) cannot do and WAF cannot be attached to an HTTP API to do. The counters are DynamoDB
# items with a TTL on expires_at, each in the table of the function that keeps them: the
# customer service's in the customer table (main.tf turns its TTL on), the gateway's in a small
# table of its own, the only one its role may reach.

locals {
  # The settings each function reads (functions/gateway/src/config.rs, functions/customer/src/config.rs).
  order_limit_env = { for k, v in {
    ORDER_RATE_LIMIT       = var.rate_limits.order_limit
    ORDER_RATE_PERIOD_SECS = var.rate_limits.order_period_seconds
    ORDER_RATE_BURST       = var.rate_limits.order_burst
  } : k => tostring(v) }
  customer_limit_env = { for k, v in {
    LOGIN_MAX_FAILURES_PER_ACCOUNT = var.rate_limits.login_failures_per_account
    LOGIN_MAX_FAILURES_PER_ADDRESS = var.rate_limits.login_failures_per_address
    LOGIN_FAILURE_WINDOW_SECS      = var.rate_limits.login_failure_window_seconds
    LOGIN_LOCKOUT_SECS             = var.rate_limits.login_lockout_seconds
    LOGIN_LOCKOUT_MAX_SECS         = var.rate_limits.login_lockout_max_seconds
    REGISTER_RATE_LIMIT            = var.rate_limits.registration_limit
    REGISTER_RATE_PERIOD_SECS      = var.rate_limits.registration_period_seconds
    REGISTER_RATE_BURST            = var.rate_limits.registration_burst
  } : k => tostring(v) }
}

# The gateway's own table: one bucket per shopper (limit#orders#<customer id>).
module "gateway_limits" {
  source = "./modules/table"

  name                = "${var.name_prefix}-gateway-limits"
  ttl_attribute       = "expires_at"
  deletion_protection = var.deletion_protection
}
