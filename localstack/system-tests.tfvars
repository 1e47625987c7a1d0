# The system test stack (tests/system.sh) applies this after local.tfvars. A variable given
# twice takes the later value whole, so this repeats local.tfvars's per-address limits.
rate_limits = {
  login_failures_per_address = 1000
  registration_limit         = 1000
  registration_burst         = 1000
  # 10 orders a minute as on AWS, but 10 at once: saga.rs places 10 orders at once for each of
  # its three shoppers, and contract.rs races three first requests with one key (each takes a
  # token until the saga turns out to be started) in three rounds a few seconds apart.
  order_burst = 10
  # limits.rs waits a lockout out: 10 s, doubling up to 40 s (AWS: 60 s up to 15 minutes).
  login_lockout_seconds     = 10
  login_lockout_max_seconds = 40
}
