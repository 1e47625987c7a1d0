//! A circuit breaker per downstream service.
//!
//! Closed: calls pass; `threshold` consecutive failures (transport errors, 5xx) open it.
//! Open: calls fail fast for `cooldown` without reaching the service.
//! Half-open: after the cool-down one probe passes; success closes it, failure opens it again.
//! Every transition is logged with the field `breaker_state` (`open`, `half_open`, `closed`)
//! and `service` (infra/observability.tf counts the `open` lines and alarms on them);
//! [`Breaker::snapshot`] feeds the health endpoint and the `/metrics` gauges.

use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    passed: u64,
    rejected: u64,
    failures: u64,
    opened: u64,
}

/// One service's breaker.
#[derive(Debug)]
pub struct Breaker {
    name: String,
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

/// A breaker's state, for the health endpoint.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Snapshot {
    pub service: String,
    pub state: &'static str,
    pub consecutive_failures: u32,
    /// Calls let through to the service.
    pub passed: u64,
    /// Calls refused while open (they never reached the service).
    pub rejected: u64,
    pub failures: u64,
    pub times_opened: u64,
}

impl Breaker {
    pub fn new(name: impl Into<String>, threshold: u32, cooldown: Duration) -> Self {
        Self {
            name: name.into(),
            threshold: threshold.max(1),
            cooldown,
            inner: Mutex::new(Inner {
                phase: Phase::Closed { failures: 0 },
                passed: 0,
                rejected: 0,
                failures: 0,
                opened: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere; the counters are still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// May a call go through now? `Err(wait)` says how long until the next probe.
    pub fn admit(&self) -> Result<(), Duration> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Result<(), Duration> {
        let mut g = self.lock();
        match g.phase {
            Phase::Closed { .. } => {
                g.passed += 1;
                Ok(())
            }
            Phase::Open { until } if now < until => {
                g.rejected += 1;
                Err(until - now)
            }
            Phase::Open { .. } => {
                tracing::warn!(service = %self.name, breaker_state = "half_open", "circuit half-open: letting one probe through");
                g.phase = Phase::HalfOpen { probing: true };
                g.passed += 1;
                Ok(())
            }
            Phase::HalfOpen { probing: true } => {
                g.rejected += 1;
                Err(Duration::from_secs(1))
            }
            Phase::HalfOpen { probing: false } => {
                g.phase = Phase::HalfOpen { probing: true };
                g.passed += 1;
                Ok(())
            }
        }
    }

    /// The call reached the service and it answered (any status below 500).
    pub fn success(&self) {
        let mut g = self.lock();
        if !matches!(g.phase, Phase::Closed { failures: 0 }) {
            if !matches!(g.phase, Phase::Closed { .. }) {
                tracing::warn!(service = %self.name, breaker_state = "closed", "circuit closed: the service answers again");
            }
            g.phase = Phase::Closed { failures: 0 };
        }
    }

    /// The call failed in transport or with a 5xx.
    pub fn failure(&self) {
        self.failure_at(Instant::now())
    }

    fn failure_at(&self, now: Instant) {
        let mut g = self.lock();
        g.failures += 1;
        let open = match g.phase {
            Phase::Closed { failures } if failures + 1 >= self.threshold => true,
            Phase::Closed { failures } => {
                g.phase = Phase::Closed {
                    failures: failures + 1,
                };
                false
            }
            Phase::HalfOpen { .. } => true,
            Phase::Open { .. } => false,
        };
        if open {
            g.phase = Phase::Open {
                until: now + self.cooldown,
            };
            g.opened += 1;
            tracing::warn!(
                service = %self.name,
                breaker_state = "open",
                cooldown_secs = self.cooldown.as_secs(),
                "circuit opened: failing fast until the cool-down ends"
            );
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let g = self.lock();
        let (state, consecutive_failures) = match g.phase {
            Phase::Closed { failures } => ("closed", failures),
            Phase::Open { .. } => ("open", self.threshold),
            Phase::HalfOpen { .. } => ("half_open", self.threshold),
        };
        Snapshot {
            service: self.name.clone(),
            state,
            consecutive_failures,
            passed: g.passed,
            rejected: g.rejected,
            failures: g.failures,
            times_opened: g.opened,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_fails_fast_then_probes_once() {
        let b = Breaker::new("payment", 3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(b.admit_at(t0).is_ok());
            b.failure_at(t0);
        }
        assert_eq!(b.snapshot().state, "closed");
        assert!(b.admit_at(t0).is_ok());
        b.failure_at(t0);
        assert_eq!(b.snapshot().state, "open");
        // Open: fast failures with the remaining cool-down.
        let wait = b.admit_at(t0 + Duration::from_secs(4)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(6));
        // After the cool-down: one probe, others refused.
        let later = t0 + Duration::from_secs(11);
        assert!(b.admit_at(later).is_ok());
        assert_eq!(b.snapshot().state, "half_open");
        assert!(b.admit_at(later).is_err());
        // The probe fails: open again.
        b.failure_at(later);
        assert_eq!(b.snapshot().state, "open");
        assert_eq!(b.snapshot().times_opened, 2);
        // Next probe succeeds: closed.
        let much_later = later + Duration::from_secs(11);
        assert!(b.admit_at(much_later).is_ok());
        b.success();
        let s = b.snapshot();
        assert_eq!(s.state, "closed");
        assert_eq!(s.rejected, 2);
        assert_eq!(s.passed, 5);
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = Breaker::new("order", 2, Duration::from_secs(1));
        b.failure();
        b.success();
        b.failure();
        assert_eq!(b.snapshot().state, "closed");
    }
}
