//! Rate limits and lockouts that hold across every instance of a function: counters kept in
//! the function's own DynamoDB table (with TTL), decided by pure functions.
//!
//! Two kinds of limit, each a pure decision from the stored state and `now` (milliseconds
//! since the epoch, passed in; nothing here reads a clock):
//!
//! - [`Rate`]: at most `limit` per `period`, up to `burst` at once. A token bucket, kept as
//!   one number, its *theoretical arrival time* (GCRA, the generic cell rate algorithm):
//!   each request moves it on by `period / limit`; a request is refused while it is more than
//!   `(burst - 1)` intervals ahead of now, and `Retry-After` is exactly when the next one fits.
//!   [`bucket_step`] decides. Chosen over fixed windows, which let twice the limit through
//!   around a window's edge and make everyone retry at the same instant; and over a stored
//!   token count, which needs a read and a multiplication no update expression can do. Here
//!   every request is one conditional `UpdateItem`: `ADD tat :interval` while the bucket has
//!   room, `SET tat = :now + :interval` when it is idle.
//! - [`Lockout`]: failures counted in a window; the `max_failures`-th locks the key for
//!   `lock`, doubling with each further lockout up to `max_lock`. A locked key is refused
//!   until the lock ends; after that the count starts over. The lockout level is forgotten
//!   [`LOCKOUT_MEMORY_SECS`] after the last window or lock ended. [`strike_step`] decides,
//!   [`lock_verdict`] answers whether a key is locked now.
//!
//! [`Limiter`] is the port; [`DynamoLimiter`] keeps the state in DynamoDB, where each write's
//! condition repeats the preconditions of the decision it carries out (so two concurrent
//! requests cannot both take the last token), and on a lost race decides again from the item
//! DynamoDB hands back (`ReturnValuesOnConditionCheckFailure = ALL_OLD`), without another
//! read. [`MemoryLimiter`] applies the same decisions under one lock, for tests. Items carry
//! `expires_at` (epoch seconds) for the table's TTL; expiry only cleans up, since a state past
//! its time decides the same as no state.
//!
//! Keys are the caller's (`limit#<what>#<who>`); [`address_key`] turns a source address into
//! its part of a key (an IPv6 address by its /64, which one subscriber usually holds whole).

mod dynamo;
mod memory;

pub use dynamo::DynamoLimiter;
pub use memory::MemoryLimiter;

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// How long a key's lockout level is remembered after its last window or lock ended.
pub const LOCKOUT_MEMORY_SECS: i64 = 24 * 60 * 60;

/// A limit that cannot be: a zero count or period, a burst of zero, a lock longer than its cap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid limit: {0}")]
pub struct InvalidLimit(pub &'static str);

/// At most `limit` requests per `period_secs`, and up to `burst` of them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    limit: u32,
    period_secs: u32,
    burst: u32,
}

impl Rate {
    pub const fn new(limit: u32, period_secs: u32, burst: u32) -> Result<Self, InvalidLimit> {
        if limit == 0 || period_secs == 0 {
            return Err(InvalidLimit(
                "a rate needs a count and a period of at least 1",
            ));
        }
        if burst == 0 {
            return Err(InvalidLimit("a burst is at least 1"));
        }
        Ok(Self {
            limit,
            period_secs,
            burst,
        })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn period_secs(&self) -> u32 {
        self.period_secs
    }

    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Milliseconds one request adds to the bucket's arrival time: `period / limit`.
    pub fn interval_ms(&self) -> i64 {
        (i64::from(self.period_secs) * 1000 / i64::from(self.limit)).max(1)
    }

    /// How far ahead of now the arrival time may be for a request still to fit.
    pub fn tolerance_ms(&self) -> i64 {
        self.interval_ms() * (i64::from(self.burst) - 1)
    }

    /// The `expires_at` of a bucket written at `now`: no write at `now` leaves its arrival
    /// time later than `now + tolerance + interval`, and a bucket whose time has passed is
    /// idle, the same as none.
    pub fn expires_at(&self, now_ms: i64) -> i64 {
        secs_ceil(now_ms + self.tolerance_ms() + self.interval_ms()) + 1
    }
}

/// `10 per minute, 5 at once`.
impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} per {}, {} at once",
            self.limit,
            Period(self.period_secs),
            self.burst
        )
    }
}

/// A number of seconds as people say it: `minute`, `15 minutes`, `hour`, `90 seconds`.
struct Period(u32);

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, unit) = match self.0 {
            s if s % 3600 == 0 => (s / 3600, "hour"),
            s if s % 60 == 0 => (s / 60, "minute"),
            s => (s, "second"),
        };
        if n == 1 {
            write!(f, "{unit}")
        } else {
            write!(f, "{n} {unit}s")
        }
    }
}

/// Lock a key after `max_failures` failures within `window_secs`, for `lock_secs`, doubling
/// with each further lockout up to `max_lock_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    max_failures: u32,
    window_secs: u32,
    lock_secs: u32,
    max_lock_secs: u32,
}

impl Lockout {
    pub const fn new(
        max_failures: u32,
        window_secs: u32,
        lock_secs: u32,
        max_lock_secs: u32,
    ) -> Result<Self, InvalidLimit> {
        if max_failures < 2 {
            return Err(InvalidLimit("a lockout needs at least 2 failures"));
        }
        if window_secs == 0 || lock_secs == 0 {
            return Err(InvalidLimit("a window and a lock are at least 1 second"));
        }
        if max_lock_secs < lock_secs {
            return Err(InvalidLimit("the longest lock is at least the first one"));
        }
        Ok(Self {
            max_failures,
            window_secs,
            lock_secs,
            max_lock_secs,
        })
    }

    pub fn max_failures(&self) -> u32 {
        self.max_failures
    }

    pub fn window_secs(&self) -> u32 {
        self.window_secs
    }

    pub fn lock_secs(&self) -> u32 {
        self.lock_secs
    }

    pub fn max_lock_secs(&self) -> u32 {
        self.max_lock_secs
    }

    /// How long the lock after `earlier` lockouts lasts: `lock`, doubled per earlier
    /// lockout, at most `max_lock`.
    pub fn lock_ms(&self, earlier: u32) -> i64 {
        let doubled = i64::from(self.lock_secs).saturating_mul(1i64 << earlier.min(40));
        doubled.min(i64::from(self.max_lock_secs)) * 1000
    }
}

/// A limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; retry after this many seconds (at least 1).
    Limited {
        retry_after_secs: u64,
    },
}

impl Verdict {
    fn limited_for(ms: i64) -> Self {
        Verdict::Limited {
            retry_after_secs: u64::try_from(secs_ceil(ms)).unwrap_or(0).max(1),
        }
    }

    pub fn is_limited(&self) -> bool {
        matches!(self, Verdict::Limited { .. })
    }

    /// The longer wait of two verdicts (a request refused by either is refused).
    pub fn and(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Allowed, v) | (v, Verdict::Allowed) => v,
            (
                Verdict::Limited {
                    retry_after_secs: a,
                },
                Verdict::Limited {
                    retry_after_secs: b,
                },
            ) => Verdict::Limited {
                retry_after_secs: a.max(b),
            },
        }
    }
}

/// `ms` in whole seconds, rounded up.
fn secs_ceil(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// What a request does to a bucket whose arrival time is `tat` (`None`: no bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketStep {
    /// The bucket is idle (its time has passed, or there is none): it starts at `tat`.
    Start { tat: i64 },
    /// The bucket has room: its time moves on by `by`. Precondition: `now < tat <= max_tat`.
    Advance { by: i64, max_tat: i64 },
    /// Full: refused for `retry_after_ms`.
    Refuse { retry_after_ms: i64 },
}

/// The GCRA decision for one request at `now`.
pub fn bucket_step(rate: &Rate, tat: Option<i64>, now_ms: i64) -> BucketStep {
    let interval = rate.interval_ms();
    let max_tat = now_ms + rate.tolerance_ms();
    match tat {
        Some(t) if t > max_tat => BucketStep::Refuse {
            retry_after_ms: t - max_tat,
        },
        Some(t) if t > now_ms => BucketStep::Advance {
            by: interval,
            max_tat,
        },
        _ => BucketStep::Start {
            tat: now_ms + interval,
        },
    }
}

/// A key's failures and locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Strikes {
    /// Failures in the current window.
    pub failures: u32,
    /// When the current window ends (ms); at or before now: no window.
    pub window_ends: i64,
    /// Lockouts so far.
    pub lockouts: u32,
    /// When the current lock ends (ms); at or before now: not locked.
    pub locked_until: i64,
    /// When all of this is forgotten (epoch seconds; the item's TTL).
    pub expires_at: i64,
}

impl Strikes {
    fn forgotten(&self, now_ms: i64) -> bool {
        self.expires_at * 1000 <= now_ms
    }

    fn with_expiry(mut self) -> Self {
        self.expires_at = secs_ceil(self.window_ends.max(self.locked_until)) + LOCKOUT_MEMORY_SECS;
        self
    }
}

/// What one more failure does to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrikeStep {
    /// The key is locked: nothing changes, refused for `retry_after_ms`.
    Locked { retry_after_ms: i64 },
    /// No window is open: this failure opens one. `fresh`: there was no state (or it was
    /// forgotten); otherwise the precondition is a closed window, no lock and `lockouts`
    /// as in `next`.
    Open { fresh: bool, next: Strikes },
    /// One more failure in the open window, still below the limit.
    /// Precondition: `failures + 1 < max_failures`, the window open, no lock.
    Count,
    /// The failure that reaches the limit: the key is locked for `lock_ms`.
    /// Precondition: the window open, no lock, `failures + 1 >= max_failures` and
    /// `lockouts == earlier`.
    Lock {
        earlier: u32,
        lock_ms: i64,
        next: Strikes,
    },
}

/// The decision for one more failure of a key whose state is `state` (`None`: none).
pub fn strike_step(policy: &Lockout, state: Option<&Strikes>, now_ms: i64) -> StrikeStep {
    let state = state.filter(|s| !s.forgotten(now_ms));
    match state {
        Some(s) if s.locked_until > now_ms => StrikeStep::Locked {
            retry_after_ms: s.locked_until - now_ms,
        },
        Some(s) if s.window_ends > now_ms => {
            if s.failures.saturating_add(1) < policy.max_failures {
                StrikeStep::Count
            } else {
                let lock_ms = policy.lock_ms(s.lockouts);
                StrikeStep::Lock {
                    earlier: s.lockouts,
                    lock_ms,
                    next: Strikes {
                        failures: 0,
                        window_ends: now_ms,
                        lockouts: s.lockouts.saturating_add(1),
                        locked_until: now_ms + lock_ms,
                        expires_at: 0,
                    }
                    .with_expiry(),
                }
            }
        }
        _ => StrikeStep::Open {
            fresh: state.is_none(),
            next: Strikes {
                failures: 1,
                window_ends: now_ms + i64::from(policy.window_secs) * 1000,
                lockouts: state.map_or(0, |s| s.lockouts),
                locked_until: 0,
                expires_at: 0,
            }
            .with_expiry(),
        },
    }
}

/// The state after `step` (what the memory adapter stores; DynamoDB computes the same).
pub fn apply_strike(state: Option<&Strikes>, step: &StrikeStep) -> Option<Strikes> {
    match step {
        StrikeStep::Locked { .. } => state.copied(),
        StrikeStep::Open { next, .. } | StrikeStep::Lock { next, .. } => Some(*next),
        StrikeStep::Count => state.map(|s| Strikes {
            failures: s.failures + 1,
            ..*s
        }),
    }
}

/// What a strike answers: refused while locked, and when this failure locked the key.
pub fn strike_verdict(step: &StrikeStep) -> Verdict {
    match step {
        StrikeStep::Locked { retry_after_ms } => Verdict::limited_for(*retry_after_ms),
        StrikeStep::Lock { lock_ms, .. } => Verdict::limited_for(*lock_ms),
        StrikeStep::Open { .. } | StrikeStep::Count => Verdict::Allowed,
    }
}

/// Whether a key with `state` is locked at `now`.
pub fn lock_verdict(state: Option<&Strikes>, now_ms: i64) -> Verdict {
    match state.filter(|s| !s.forgotten(now_ms)) {
        Some(s) if s.locked_until > now_ms => Verdict::limited_for(s.locked_until - now_ms),
        _ => Verdict::Allowed,
    }
}

/// The part of a key that names a source address: an IPv4 address as it is, an IPv6 address
/// by its /64 (an IPv4-mapped one as IPv4).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

/// Why a limiter could not decide. (The key is not part of the message: it may hold an
/// email, which does not belong in logs.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("the limits table failed: {0}")]
    Backend(String),
    #[error("a limit item is not one this code writes: {0}")]
    Corrupt(String),
    #[error("a limit kept changing under concurrent requests")]
    Contention,
}

/// Counters that hold across every instance of a function. A caller decides what a failure
/// ([`LimitError`]) means for it: let the request through (fail open) or refuse it.
pub trait Limiter: Clone + Send + Sync + 'static {
    /// Takes one request from `key`'s bucket at `now`.
    fn take(
        &self,
        key: &str,
        rate: &Rate,
        now_ms: i64,
    ) -> impl Future<Output = Result<Verdict, LimitError>> + Send;

    /// Gives one request back to `key`'s bucket (one taken for a request that turned out to
    /// be a repeat of another).
    fn give_back(
        &self,
        key: &str,
        rate: &Rate,
    ) -> impl Future<Output = Result<(), LimitError>> + Send;

    /// Whether `key` is locked out at `now`.
    fn lock_status(
        &self,
        key: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<Verdict, LimitError>> + Send;

    /// Counts one failure of `key` at `now`; `Limited` when the key is locked (already, or by
    /// this failure).
    fn strike(
        &self,
        key: &str,
        policy: &Lockout,
        now_ms: i64,
    ) -> impl Future<Output = Result<Verdict, LimitError>> + Send;

    /// Forgets `key`'s failures and lockouts (after a success).
    fn forget(&self, key: &str) -> impl Future<Output = Result<(), LimitError>> + Send;
}

/// Where handlers get `now` from: the system clock, or one a test sets and moves.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A clock that stands at `start_ms` until [`Clock::advance`] moves it.
    pub fn manual(start_ms: i64) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp_millis(),
            Clock::Manual(at) => at.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock on (the system clock moves by itself).
    pub fn advance(&self, by: std::time::Duration) {
        if let Clock::Manual(at) = self {
            let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            at.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests;
