//! The limits in process memory, with the semantics of [`super::DynamoLimiter`]: the same
//! decisions, applied under one lock. It can be switched to fail like an unreachable table
//! ([`MemoryLimiter::set_unavailable`]), for testing what a caller does then.

use super::{
    BucketStep, LimitError, Limiter, Lockout, Rate, Strikes, Verdict, apply_strike, bucket_step,
    lock_verdict, strike_step, strike_verdict,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug, Clone, Copy)]
enum Slot {
    /// A bucket's arrival time (ms).
    Bucket(i64),
    Strikes(Strikes),
}

/// In-memory limits; clones share the same counters.
#[derive(Debug, Clone, Default)]
pub struct MemoryLimiter {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
    unavailable: Arc<AtomicBool>,
}

impl MemoryLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every call fails as a table that cannot be reached would.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// The slots, or the error of an unreachable table.
    fn slots(&self) -> Result<MutexGuard<'_, HashMap<String, Slot>>, LimitError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(LimitError::Backend(
                "the in-memory limits are switched to unavailable".into(),
            ));
        }
        // Every change is one insert after the decision, so a panic elsewhere while the lock
        // was held cannot have left a counter half-changed.
        Ok(self.slots.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A key's failures and locks, if any (for tests).
    pub fn strikes(&self, key: &str) -> Option<Strikes> {
        match self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            Some(Slot::Strikes(s)) => Some(*s),
            _ => None,
        }
    }
}

fn bucket(slots: &HashMap<String, Slot>, key: &str) -> Result<Option<i64>, LimitError> {
    match slots.get(key) {
        None => Ok(None),
        Some(Slot::Bucket(tat)) => Ok(Some(*tat)),
        Some(Slot::Strikes(_)) => Err(LimitError::Corrupt(
            "a lockout where a bucket was expected".into(),
        )),
    }
}

fn strikes(slots: &HashMap<String, Slot>, key: &str) -> Result<Option<Strikes>, LimitError> {
    match slots.get(key) {
        None => Ok(None),
        Some(Slot::Strikes(s)) => Ok(Some(*s)),
        Some(Slot::Bucket(_)) => Err(LimitError::Corrupt(
            "a bucket where a lockout was expected".into(),
        )),
    }
}

impl Limiter for MemoryLimiter {
    async fn take(&self, key: &str, rate: &Rate, now_ms: i64) -> Result<Verdict, LimitError> {
        let mut slots = self.slots()?;
        let tat = bucket(&slots, key)?;
        let next = match bucket_step(rate, tat, now_ms) {
            BucketStep::Refuse { retry_after_ms } => {
                return Ok(Verdict::limited_for(retry_after_ms));
            }
            BucketStep::Start { tat } => tat,
            BucketStep::Advance { by, .. } => tat.unwrap_or(now_ms) + by,
        };
        slots.insert(key.to_string(), Slot::Bucket(next));
        Ok(Verdict::Allowed)
    }

    async fn give_back(&self, key: &str, rate: &Rate) -> Result<(), LimitError> {
        let mut slots = self.slots()?;
        if let Some(tat) = bucket(&slots, key)? {
            slots.insert(key.to_string(), Slot::Bucket(tat - rate.interval_ms()));
        }
        Ok(())
    }

    async fn lock_status(&self, key: &str, now_ms: i64) -> Result<Verdict, LimitError> {
        let slots = self.slots()?;
        Ok(lock_verdict(strikes(&slots, key)?.as_ref(), now_ms))
    }

    async fn strike(
        &self,
        key: &str,
        policy: &Lockout,
        now_ms: i64,
    ) -> Result<Verdict, LimitError> {
        let mut slots = self.slots()?;
        let state = strikes(&slots, key)?;
        let step = strike_step(policy, state.as_ref(), now_ms);
        if let Some(next) = apply_strike(state.as_ref(), &step) {
            slots.insert(key.to_string(), Slot::Strikes(next));
        }
        Ok(strike_verdict(&step))
    }

    async fn forget(&self, key: &str) -> Result<(), LimitError> {
        self.slots()?.remove(key);
        Ok(())
    }
}
