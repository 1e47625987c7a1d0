use super::*;
use std::time::Duration;

const T0: i64 = 1_764_300_000_000;
const SEC: i64 = 1000;

/// 10 a minute, 5 at once: one every 6 s.
fn orders() -> Rate {
    Rate::new(10, 60, 5).unwrap()
}

/// Lock after 5 failures in 15 minutes, for 1 minute, doubling up to 15 minutes.
fn logins() -> Lockout {
    Lockout::new(5, 900, 60, 900).unwrap()
}

/// Applies [`bucket_step`] as both adapters do; the verdict and the new arrival time.
fn take(rate: &Rate, tat: &mut Option<i64>, now: i64) -> Verdict {
    match bucket_step(rate, *tat, now) {
        BucketStep::Refuse { retry_after_ms } => Verdict::limited_for(retry_after_ms),
        BucketStep::Start { tat: t } => {
            *tat = Some(t);
            Verdict::Allowed
        }
        BucketStep::Advance { by, max_tat } => {
            let t = tat.expect("advance needs a bucket");
            assert!(t > now && t <= max_tat, "the precondition holds");
            *tat = Some(t + by);
            Verdict::Allowed
        }
    }
}

fn strike(policy: &Lockout, state: &mut Option<Strikes>, now: i64) -> Verdict {
    let step = strike_step(policy, state.as_ref(), now);
    *state = apply_strike(state.as_ref(), &step);
    strike_verdict(&step)
}

fn limited(secs: u64) -> Verdict {
    Verdict::Limited {
        retry_after_secs: secs,
    }
}

#[test]
fn rates_and_lockouts_refuse_what_cannot_be() {
    assert!(Rate::new(0, 60, 1).is_err());
    assert!(Rate::new(1, 0, 1).is_err());
    assert!(Rate::new(1, 60, 0).is_err());
    let r = orders();
    assert_eq!((r.interval_ms(), r.tolerance_ms()), (6 * SEC, 24 * SEC));
    assert_eq!((r.limit(), r.period_secs(), r.burst()), (10, 60, 5));
    assert_eq!(r.to_string(), "10 per minute, 5 at once");
    assert_eq!(
        Rate::new(20, 3600, 10).unwrap().to_string(),
        "20 per hour, 10 at once"
    );
    assert_eq!(
        Rate::new(3, 900, 1).unwrap().to_string(),
        "3 per 15 minutes, 1 at once"
    );
    assert_eq!(
        Rate::new(1, 90, 1).unwrap().to_string(),
        "1 per 90 seconds, 1 at once"
    );
    // More per period than milliseconds in it: at least 1 ms apart.
    assert_eq!(Rate::new(5000, 1, 1).unwrap().interval_ms(), 1);
    assert!(
        Lockout::new(1, 900, 60, 900).is_err(),
        "at least 2 failures"
    );
    assert!(Lockout::new(5, 0, 60, 900).is_err());
    assert!(Lockout::new(5, 900, 0, 900).is_err());
    assert!(
        Lockout::new(5, 900, 60, 30).is_err(),
        "the cap below the first lock"
    );
}

#[test]
fn a_burst_passes_then_one_per_interval_with_the_exact_wait() {
    let rate = orders();
    let mut tat = None;
    for i in 0..5 {
        assert_eq!(
            take(&rate, &mut tat, T0),
            Verdict::Allowed,
            "request {i} of the burst"
        );
    }
    // The sixth at once: the next slot is one interval away.
    assert_eq!(take(&rate, &mut tat, T0), limited(6));
    assert_eq!(
        take(&rate, &mut tat, T0 + 1),
        limited(6),
        "5.999 s rounds up"
    );
    assert_eq!(take(&rate, &mut tat, T0 + 5 * SEC), limited(1));
    // A refusal takes nothing: at the announced time it passes, and only one does.
    assert_eq!(take(&rate, &mut tat, T0 + 6 * SEC), Verdict::Allowed);
    assert_eq!(take(&rate, &mut tat, T0 + 6 * SEC), limited(6));
    // Steady use at the rate is never refused.
    for k in 2..20 {
        assert_eq!(
            take(&rate, &mut tat, T0 + k * 6 * SEC),
            Verdict::Allowed,
            "at {k} intervals"
        );
    }
}

#[test]
fn an_idle_bucket_fills_up_to_the_burst_and_no_more() {
    let rate = orders();
    let mut tat = None;
    for _ in 0..5 {
        take(&rate, &mut tat, T0);
    }
    // An hour later the bucket is full again: five pass, the sixth waits one interval.
    let later = T0 + 3600 * SEC;
    for _ in 0..5 {
        assert_eq!(take(&rate, &mut tat, later), Verdict::Allowed);
    }
    assert_eq!(take(&rate, &mut tat, later), limited(6));
    // Half-refilled: after 12 s two more pass.
    let mut tat2 = tat;
    assert_eq!(take(&rate, &mut tat2, later + 12 * SEC), Verdict::Allowed);
    assert_eq!(take(&rate, &mut tat2, later + 12 * SEC), Verdict::Allowed);
    assert!(take(&rate, &mut tat2, later + 12 * SEC).is_limited());
}

#[test]
fn a_burst_of_one_is_a_plain_rate() {
    let rate = Rate::new(1, 10, 1).unwrap();
    let mut tat = None;
    assert_eq!(take(&rate, &mut tat, T0), Verdict::Allowed);
    assert_eq!(take(&rate, &mut tat, T0), limited(10));
    assert_eq!(take(&rate, &mut tat, T0 + 10 * SEC), Verdict::Allowed);
}

#[test]
fn a_bucket_expires_only_after_it_is_idle() {
    let rate = orders();
    let mut tat = None;
    for _ in 0..5 {
        take(&rate, &mut tat, T0);
    }
    let tat = tat.unwrap();
    // No write at T0 leaves the bucket busy past its expiry.
    assert!(
        rate.expires_at(T0) * 1000 >= tat,
        "{} < {tat}",
        rate.expires_at(T0)
    );
    // And at its expiry the bucket decides as if there were none.
    let at = rate.expires_at(T0) * 1000;
    assert_eq!(
        bucket_step(&rate, Some(tat), at),
        bucket_step(&rate, None, at)
    );
}

#[test]
fn five_failures_lock_for_a_minute_and_the_lock_doubles_up_to_the_cap() {
    let policy = logins();
    let mut s = None;
    for i in 0..4 {
        assert_eq!(
            strike(&policy, &mut s, T0 + i * SEC),
            Verdict::Allowed,
            "failure {i}"
        );
    }
    assert_eq!(s.unwrap().failures, 4);
    // The fifth locks the key for a minute.
    let fifth = T0 + 4 * SEC;
    assert_eq!(strike(&policy, &mut s, fifth), limited(60));
    assert_eq!(lock_verdict(s.as_ref(), fifth), limited(60));
    assert_eq!(lock_verdict(s.as_ref(), fifth + 59_500), limited(1));
    // While locked a failure changes nothing.
    let before = s;
    assert_eq!(strike(&policy, &mut s, fifth + 30 * SEC), limited(30));
    assert_eq!(s, before);
    // When the lock ends the key is open again, with a fresh count.
    let open = fifth + 60 * SEC;
    assert_eq!(lock_verdict(s.as_ref(), open), Verdict::Allowed);
    let mut lock = 60;
    let mut now = open;
    for round in 1..=6 {
        for i in 0..4 {
            assert_eq!(
                strike(&policy, &mut s, now + i),
                Verdict::Allowed,
                "round {round}"
            );
        }
        lock = (lock * 2).min(900);
        assert_eq!(
            strike(&policy, &mut s, now + 4),
            limited(lock),
            "round {round}"
        );
        assert_eq!(s.unwrap().lockouts, round + 1);
        now += 4 + i64::try_from(lock).unwrap() * SEC;
        assert_eq!(lock_verdict(s.as_ref(), now - 1), limited(1));
        assert_eq!(lock_verdict(s.as_ref(), now), Verdict::Allowed);
    }
    assert_eq!(lock, 900, "capped at 15 minutes");
}

#[test]
fn failures_outside_the_window_do_not_add_up() {
    let policy = logins();
    let mut s = None;
    for i in 0..4 {
        strike(&policy, &mut s, T0 + i);
    }
    // Fifteen minutes after the first, the window is over: four more are allowed.
    let later = T0 + 900 * SEC;
    for i in 0..4 {
        assert_eq!(strike(&policy, &mut s, later + i), Verdict::Allowed);
    }
    assert_eq!(strike(&policy, &mut s, later + 4), limited(60));
}

#[test]
fn the_lockout_level_is_forgotten_a_day_after_the_last_lock() {
    let policy = logins();
    let mut s = None;
    for i in 0..5 {
        strike(&policy, &mut s, T0 + i);
    }
    let locked_until = s.unwrap().locked_until;
    // Within the memory: the next lock is doubled.
    let mut soon = s;
    for i in 0..4 {
        strike(&policy, &mut soon, locked_until + i);
    }
    assert_eq!(strike(&policy, &mut soon, locked_until + 4), limited(120));
    // A day after the lock ended the key starts over (its item has expired).
    let forgotten = locked_until + LOCKOUT_MEMORY_SECS * SEC + SEC;
    let step = strike_step(&policy, s.as_ref(), forgotten);
    assert!(matches!(step, StrikeStep::Open { fresh: true, next } if next.lockouts == 0));
    for i in 0..4 {
        strike(&policy, &mut s, forgotten + i);
    }
    assert_eq!(strike(&policy, &mut s, forgotten + 4), limited(60));
    // The item's expiry covers the lock and the memory.
    let exp = s.unwrap().expires_at;
    assert!(exp * 1000 >= s.unwrap().locked_until + LOCKOUT_MEMORY_SECS * SEC);
}

#[test]
fn each_step_names_the_precondition_its_write_checks() {
    let policy = logins();
    assert!(matches!(
        strike_step(&policy, None, T0),
        StrikeStep::Open { fresh: true, next } if next.failures == 1 && next.window_ends == T0 + 900 * SEC
    ));
    let mut s = None;
    strike(&policy, &mut s, T0);
    assert_eq!(strike_step(&policy, s.as_ref(), T0 + 1), StrikeStep::Count);
    for i in 1..4 {
        strike(&policy, &mut s, T0 + i);
    }
    assert!(matches!(
        strike_step(&policy, s.as_ref(), T0 + 10),
        StrikeStep::Lock { earlier: 0, lock_ms: 60_000, next } if next.lockouts == 1 && next.failures == 0
    ));
    strike(&policy, &mut s, T0 + 10);
    let after = s.unwrap().locked_until + 1;
    assert!(matches!(
        strike_step(&policy, s.as_ref(), after),
        StrikeStep::Open { fresh: false, next } if next.lockouts == 1 && next.failures == 1
    ));
}

#[test]
fn verdicts_combine_to_the_longer_wait() {
    let a = limited(3);
    let b = limited(7);
    assert_eq!(Verdict::Allowed.and(Verdict::Allowed), Verdict::Allowed);
    assert_eq!(Verdict::Allowed.and(a), a);
    assert_eq!(b.and(Verdict::Allowed), b);
    assert_eq!(a.and(b), b);
    assert_eq!(Verdict::limited_for(1), limited(1));
    assert_eq!(Verdict::limited_for(0), limited(1), "never Retry-After: 0");
    assert_eq!(Verdict::limited_for(2001), limited(3));
}

#[test]
fn addresses_are_keyed_per_host_and_per_ipv6_64() {
    let key = |s: &str| address_key(s.parse().unwrap());
    assert_eq!(key("203.0.113.7"), "203.0.113.7");
    assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    assert_eq!(
        key("2001:db8:1:2:ffff::1"),
        key("2001:db8:1:2::9"),
        "one /64"
    );
    assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
}

#[test]
fn a_manual_clock_stands_until_moved() {
    let clock = Clock::manual(T0);
    let copy = clock.clone();
    assert_eq!(clock.now_ms(), T0);
    copy.advance(Duration::from_secs(6));
    assert_eq!(clock.now_ms(), T0 + 6 * SEC, "clones share the time");
    let system = Clock::System;
    let now = chrono::Utc::now().timestamp_millis();
    assert!((system.now_ms() - now).abs() < 5_000);
}

#[tokio::test]
async fn the_memory_limiter_applies_the_same_decisions() {
    let limits = MemoryLimiter::new();
    let rate = orders();
    for _ in 0..5 {
        assert_eq!(limits.take("a", &rate, T0).await, Ok(Verdict::Allowed));
    }
    assert_eq!(limits.take("a", &rate, T0).await, Ok(limited(6)));
    assert_eq!(
        limits.take("b", &rate, T0).await,
        Ok(Verdict::Allowed),
        "another key"
    );
    // A request given back can be taken again at once.
    limits.give_back("a", &rate).await.unwrap();
    assert_eq!(limits.take("a", &rate, T0).await, Ok(Verdict::Allowed));
    assert!(limits.take("a", &rate, T0).await.unwrap().is_limited());
    limits.give_back("none", &rate).await.unwrap();

    let policy = logins();
    for _ in 0..4 {
        assert_eq!(limits.strike("k", &policy, T0).await, Ok(Verdict::Allowed));
    }
    assert_eq!(limits.lock_status("k", T0).await, Ok(Verdict::Allowed));
    assert_eq!(limits.strike("k", &policy, T0).await, Ok(limited(60)));
    assert_eq!(limits.lock_status("k", T0).await, Ok(limited(60)));
    assert_eq!(limits.strikes("k").unwrap().lockouts, 1);
    limits.forget("k").await.unwrap();
    assert_eq!(limits.lock_status("k", T0).await, Ok(Verdict::Allowed));
    assert!(limits.strikes("k").is_none());

    // One key is a bucket or a lockout, never both.
    assert!(matches!(
        limits.strike("a", &policy, T0).await,
        Err(LimitError::Corrupt(_))
    ));

    limits.set_unavailable(true);
    assert!(matches!(
        limits.take("c", &rate, T0).await,
        Err(LimitError::Backend(_))
    ));
    assert!(limits.lock_status("k", T0).await.is_err());
    limits.set_unavailable(false);
    assert!(limits.take("c", &rate, T0).await.is_ok());
}
