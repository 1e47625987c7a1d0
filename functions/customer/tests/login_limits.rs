//! Failed-login lockouts and registration limits, in process: the real router on the
//! in-memory store and limiter, a clock the tests move, and requests from the source
//! addresses API Gateway would report.

use axum::Router;
use customer::domain::Hasher;
use customer::http::{App, router};
use customer::limits::CustomerLimits;
use customer::store::MemoryStore;
use customer::tokens::{InMemoryKey, Issuer};
use sagaway_shared::limits::{Clock, Lockout, MemoryLimiter, Rate};
use sagaway_shared::serve::finish;
use sagaway_shared::testing::{As, Reply, SOURCE_IP, call_raw_from};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "wrong horse battery";
const T0: i64 = 1_764_300_000_000;

struct Service {
    router: Router,
    limiter: MemoryLimiter,
    clock: Clock,
}

/// The production lockouts (per account 5 failures in 15 minutes lock it for 1 minute,
/// doubling up to 15; per address 50), and room for the tests' own registrations.
fn limits() -> CustomerLimits {
    CustomerLimits {
        registrations: Rate::new(100, 3600, 100).unwrap(),
        ..CustomerLimits::default()
    }
}

/// A small lockout per address (8 failures), to reach it quickly.
fn address_limits() -> CustomerLimits {
    CustomerLimits {
        login_address: Lockout::new(8, 900, 60, 900).unwrap(),
        ..limits()
    }
}

fn service_with(limits: CustomerLimits) -> Service {
    let limiter = MemoryLimiter::new();
    let clock = Clock::manual(T0);
    let app = App {
        store: MemoryStore::new(),
        issuer: Issuer::with_signer(InMemoryKey::generate().expect("a key pair")),
        hasher: Hasher::fastest().expect("a test hasher"),
        limiter: limiter.clone(),
        limits,
        clock: clock.clone(),
    };
    Service {
        router: finish(router(app)),
        limiter,
        clock,
    }
}

fn service() -> Service {
    service_with(limits())
}

impl Service {
    async fn post_from(
        &self,
        ip: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: serde_json::Value,
    ) -> Reply {
        call_raw_from(
            &self.router,
            "POST",
            path,
            As::Public,
            ip,
            headers,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    async fn register_from(&self, ip: &str, email: &str) -> Reply {
        let body = json!({"email": email, "password": PASSWORD, "name": "Shopper"});
        self.post_from(ip, "/v1/customers", &[], body).await
    }

    /// Registers `email` from an address of its own (not counted against the tests' ones).
    async fn account(&self, email: &str) {
        let r = self.register_from("198.51.100.200", email).await;
        assert_eq!(r.status.as_u16(), 201, "{:#}", r.body);
    }

    async fn login_from(&self, ip: &str, email: &str, password: &str) -> Reply {
        let body = json!({"email": email, "password": password});
        self.post_from(ip, "/v1/auth/login", &[], body).await
    }

    async fn login(&self, email: &str, password: &str) -> Reply {
        self.login_from(SOURCE_IP, email, password).await
    }

    fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }
}

#[track_caller]
fn assert_ok(r: &Reply) {
    assert_eq!(r.status.as_u16(), 200, "{:#}", r.body);
    assert!(r.body["token"]["token"].is_string());
}

#[track_caller]
fn assert_refused(r: &Reply) {
    r.assert_problem(401, "invalid_credentials");
}

#[track_caller]
fn assert_locked(r: &Reply, retry_after: u64) {
    r.assert_problem(429, "too_many_login_attempts");
    assert_eq!(
        r.headers["retry-after"],
        retry_after.to_string(),
        "{:#}",
        r.body
    );
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!("retry in {retry_after} seconds")),
        "{detail}"
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password_until_the_lock_ends() {
    let s = service();
    s.account("ada@example.com").await;
    for _ in 0..5 {
        // The fifth is still answered for what it was: a wrong password.
        assert_refused(&s.login("ada@example.com", WRONG).await);
    }
    assert_locked(&s.login("ada@example.com", WRONG).await, 60);
    assert_locked(&s.login("ada@example.com", PASSWORD).await, 60);
    // The email is normalized before it is counted.
    assert_locked(&s.login(" ADA@example.com ", PASSWORD).await, 60);
    s.advance(59);
    assert_locked(&s.login("ada@example.com", PASSWORD).await, 1);
    s.advance(1);
    // The lock is over: the right password works, and the failures are forgotten.
    assert_ok(&s.login("ada@example.com", PASSWORD).await);
    assert!(
        s.limiter
            .strikes("limit#login#acct#ada@example.com")
            .is_none()
    );
    for _ in 0..4 {
        assert_refused(&s.login("ada@example.com", WRONG).await);
    }
    assert_ok(&s.login("ada@example.com", PASSWORD).await);
}

#[tokio::test]
async fn each_further_lockout_is_twice_as_long_up_to_the_cap() {
    let s = service_with(CustomerLimits {
        login_account: Lockout::new(5, 900, 60, 240).unwrap(),
        ..limits()
    });
    s.account("ada@example.com").await;
    for lock in [60, 120, 240, 240] {
        for _ in 0..5 {
            assert_refused(&s.login("ada@example.com", WRONG).await);
        }
        assert_locked(&s.login("ada@example.com", PASSWORD).await, lock);
        s.advance(lock);
    }
    assert_ok(&s.login("ada@example.com", PASSWORD).await);
}

#[tokio::test]
async fn failures_spread_over_more_than_the_window_do_not_lock() {
    let s = service();
    s.account("ada@example.com").await;
    for _ in 0..4 {
        assert_refused(&s.login("ada@example.com", WRONG).await);
    }
    s.advance(15 * 60);
    for _ in 0..4 {
        assert_refused(&s.login("ada@example.com", WRONG).await);
    }
    assert_ok(&s.login("ada@example.com", PASSWORD).await);
}

#[tokio::test]
async fn a_locked_account_does_not_lock_another_nor_say_whether_it_exists() {
    let s = service();
    s.account("ada@example.com").await;
    s.account("bob@example.com").await;
    for (email, ip) in [
        ("ada@example.com", "192.0.2.1"),
        ("ghost@example.com", "192.0.2.2"),
    ] {
        for _ in 0..5 {
            assert_refused(&s.login_from(ip, email, WRONG).await);
        }
    }
    // The accounts are locked wherever the login comes from.
    let known = s.login_from("192.0.2.3", "ada@example.com", PASSWORD).await;
    let unknown = s
        .login_from("192.0.2.3", "ghost@example.com", PASSWORD)
        .await;
    assert_locked(&known, 60);
    assert_locked(&unknown, 60);
    assert_eq!(
        known.body, unknown.body,
        "the same answer for an unknown email"
    );
    // Bob is not affected, from any of those addresses.
    for ip in ["192.0.2.1", "192.0.2.2"] {
        assert_ok(&s.login_from(ip, "bob@example.com", PASSWORD).await);
        assert_refused(&s.login_from(ip, "bob@example.com", WRONG).await);
    }
}

#[tokio::test]
async fn failures_from_one_address_lock_it_for_every_account_and_headers_do_not_help() {
    let s = service_with(address_limits());
    let attacker = "203.0.113.66";
    for i in 0..4 {
        s.account(&format!("user{i}@example.com")).await;
    }
    // Two guesses each on four accounts: no account reaches its 5, the address its 8.
    for i in 0..4 {
        for _ in 0..2 {
            assert_refused(
                &s.login_from(attacker, &format!("user{i}@example.com"), WRONG)
                    .await,
            );
        }
    }
    assert_locked(
        &s.login_from(attacker, "user0@example.com", PASSWORD).await,
        60,
    );
    // A header naming another address changes nothing: the address is API Gateway's.
    let spoofed = s
        .post_from(
            attacker,
            "/v1/auth/login",
            &[
                ("x-forwarded-for", "198.51.100.7"),
                ("forwarded", "for=198.51.100.7"),
            ],
            json!({"email": "user0@example.com", "password": PASSWORD}),
        )
        .await;
    assert_locked(&spoofed, 60);
    // The accounts themselves are not locked: from elsewhere they log in.
    assert_ok(
        &s.login_from("198.51.100.7", "user0@example.com", PASSWORD)
            .await,
    );
    // IPv6: one /64 is one address. (user1 starts over: a success forgets its failures.)
    assert_ok(
        &s.login_from("198.51.100.8", "user1@example.com", PASSWORD)
            .await,
    );
    for i in 0..8u8 {
        let ip = format!("2001:db8:aa:bb::{i}");
        assert_refused(&s.login_from(&ip, "user1@example.com", WRONG).await);
        // Spread over accounts so that none locks: forget user1's failures with a success.
        if i % 4 == 3 {
            assert_ok(
                &s.login_from("198.51.100.8", "user1@example.com", PASSWORD)
                    .await,
            );
        }
    }
    assert_locked(
        &s.login_from("2001:db8:aa:bb:1:2:3:4", "user2@example.com", PASSWORD)
            .await,
        60,
    );
    assert_ok(
        &s.login_from("2001:db8:aa:cc::1", "user2@example.com", PASSWORD)
            .await,
    );
}

#[tokio::test]
async fn a_success_does_not_reset_the_address() {
    let s = service_with(address_limits());
    let ip = "203.0.113.5";
    s.account("mine@example.com").await;
    for i in 0..4 {
        s.account(&format!("victim{i}@example.com")).await;
    }
    for i in 0..7 {
        let victim = format!("victim{}@example.com", i % 4);
        assert_refused(&s.login_from(ip, &victim, WRONG).await);
        // Logging in to an account of one's own in between does not help.
        assert_ok(&s.login_from(ip, "mine@example.com", PASSWORD).await);
    }
    assert_refused(&s.login_from(ip, "victim3@example.com", WRONG).await);
    assert_locked(&s.login_from(ip, "mine@example.com", PASSWORD).await, 60);
}

#[tokio::test]
async fn registrations_per_address_are_limited_and_only_valid_ones_count() {
    // 3 an hour, 2 at once.
    let s = service_with(CustomerLimits {
        registrations: Rate::new(3, 3600, 2).unwrap(),
        ..limits()
    });
    let ip = "203.0.113.9";
    // Invalid registrations are refused before the limit (and cost no password hash).
    for _ in 0..5 {
        let r = s
            .post_from(
                ip,
                "/v1/customers",
                &[],
                json!({"email": "nope", "password": "short", "name": ""}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
    }
    for i in 0..2 {
        let r = s.register_from(ip, &format!("new{i}@example.com")).await;
        assert_eq!(r.status.as_u16(), 201, "{:#}", r.body);
    }
    let r = s.register_from(ip, "new2@example.com").await;
    r.assert_problem(429, "too_many_registrations");
    // 3 an hour: the next one fits in 20 minutes.
    assert_eq!(r.headers["retry-after"], "1200");
    // The refused email was not registered: it can be, from another address.
    let r = s.register_from("198.51.100.1", "new2@example.com").await;
    assert_eq!(r.status.as_u16(), 201, "{:#}", r.body);
    s.advance(1200);
    let r = s.register_from(ip, "new3@example.com").await;
    assert_eq!(r.status.as_u16(), 201, "{:#}", r.body);
    s.register_from(ip, "new4@example.com")
        .await
        .assert_problem(429, "too_many_registrations");
}

#[tokio::test]
async fn limits_that_cannot_be_checked_refuse_logins_and_registrations() {
    let s = service();
    s.account("ada@example.com").await;
    s.limiter.set_unavailable(true);
    // Fail closed: neither the right password nor a registration gets through.
    for r in [
        s.login("ada@example.com", PASSWORD).await,
        s.login("ada@example.com", WRONG).await,
        s.register_from("198.51.100.3", "bob@example.com").await,
    ] {
        r.assert_problem(503, "rate_limit_unavailable");
        assert_eq!(r.headers["retry-after"], "2");
    }
    s.limiter.set_unavailable(false);
    assert_ok(&s.login("ada@example.com", PASSWORD).await);
    // Bob was not registered meanwhile.
    let r = s.register_from("198.51.100.3", "bob@example.com").await;
    assert_eq!(r.status.as_u16(), 201, "{:#}", r.body);
}
