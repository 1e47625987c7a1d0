//! Rate limits on the deployed stack: a burst of orders from one shopper, wrong passwords for
//! one account, through API Gateway; and the DynamoDB limiter itself under concurrent
//! requests, against the emulator's tables.
//!
//! The limits are read from the deployed functions' configuration, so the bounds asserted
//! here are the stack's own (the system test stack: `localstack/system-tests.tfvars`, 10 orders
//! a minute, 10 at once; 5 failed logins lock an account for 10 s, doubling). Every test is
//! bounded: at most 20 requests in flight and a minute in all.

use futures::StreamExt;
use reqwest::Method;
use sagaway_shared::limits::{DynamoLimiter, LimitError, Limiter, Lockout, Rate, Verdict};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use system_tests::{Api, Reply, Stack, assert_problem, place_order, unique};

const OK: &str = "4242424242424242";
const IN_FLIGHT: usize = 20;
const WITHIN: Duration = Duration::from_secs(60);

/// A deployed function's environment (its settings, as Terraform gave them).
async fn settings(stack: &Stack, function: &str) -> HashMap<String, String> {
    let out = aws_sdk_lambda::Client::new(&stack.sdk)
        .get_function_configuration()
        .function_name(stack.function(function))
        .send()
        .await
        .unwrap_or_else(|e| panic!("reading the {function} function's configuration: {e:?}"));
    out.environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default()
}

fn number(settings: &HashMap<String, String>, name: &str) -> u64 {
    settings
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not set to a number: {settings:?}"))
}

/// Polls the order's saga until it has finished; its final state.
async fn finished(api: &Api, order_id: &str, deadline: Instant) -> Value {
    loop {
        let r = api.get(&format!("/v1/orders/{order_id}/saga")).await;
        if r.status == 200 && r.body["finished"] == true {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "the saga of {order_id} did not finish in time: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn retry_after(r: &Reply) -> u64 {
    r.retry_after
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is not a number of seconds: {r:?}"))
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_burst_of_orders_from_one_shopper_gets_429s_and_every_accepted_order_confirms() {
    let stack = Stack::from_env().await;
    let deadline = Instant::now() + WITHIN;
    let gateway = settings(&stack, "gateway").await;
    let (limit, period, burst) = (
        number(&gateway, "ORDER_RATE_LIMIT"),
        number(&gateway, "ORDER_RATE_PERIOD_SECS"),
        number(&gateway, "ORDER_RATE_BURST"),
    );
    let interval_ms = period * 1000 / limit;
    let product = stack.product("limits", 1000).await;
    let (shopper, _) = stack.api.new_shopper("burst").await;
    let (other, _) = stack.api.new_shopper("calm").await;
    let lines = [(product.as_str(), 1)];

    // One order with a key first: its repeats never count against the limit.
    let key = unique("burst-key");
    let first = place_order(&shopper, &lines, OK, Some(&key)).await;
    assert_eq!(first.status, 202, "{}", first.text);

    let started = Instant::now();
    let replies: Vec<Reply> = futures::stream::iter(0..300)
        .map(|_| place_order(&shopper, &lines, OK, None))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for r in &replies {
        match r.status {
            202 => accepted.push(r.body["order_id"].as_str().expect("order_id").to_string()),
            429 => {
                assert_problem(r, 429, "too_many_orders");
                let secs = retry_after(r);
                assert!(
                    (1..=interval_ms.div_ceil(1000)).contains(&secs),
                    "Retry-After {secs} s: the next order fits within one interval ({interval_ms} ms)"
                );
                refused += 1;
            }
            _ => panic!(
                "an order is accepted or refused by the limit, nothing else: {}",
                r.text
            ),
        }
    }
    // The bucket held one token less (the keyed order), and refills one per interval.
    let most = burst - 1 + elapsed.as_millis() as u64 / interval_ms + 1;
    assert!(
        !accepted.is_empty() && accepted.len() as u64 <= most,
        "{} of 300 accepted in {elapsed:?}; the limit ({limit} per {period} s, {burst} at once) allows at most {most}",
        accepted.len()
    );
    assert_eq!(accepted.len() + refused, 300);
    println!(
        "{} accepted, {refused} refused (429) in {elapsed:?}",
        accepted.len()
    );

    // Still limited: a new order is refused, a repeat of the keyed one is answered as before,
    // and another shopper is not affected.
    let r = place_order(&shopper, &lines, OK, None).await;
    assert_problem(&r, 429, "too_many_orders");
    let again = place_order(&shopper, &lines, OK, Some(&key)).await;
    assert_eq!(again.status, 202, "a repeat is not limited: {}", again.text);
    assert_eq!(again.body["repeated"], true);
    assert_eq!(again.body["order_id"], first.body["order_id"]);
    let theirs = place_order(&other, &lines, OK, None).await;
    assert_eq!(theirs.status, 202, "another shopper: {}", theirs.text);

    // Every order that was accepted completes.
    accepted.push(first.body["order_id"].as_str().expect("id").to_string());
    let states: Vec<Value> = futures::stream::iter(&accepted)
        .map(|id| finished(&shopper, id, deadline))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    for s in &states {
        assert_eq!(s["status"], "CONFIRMED", "{s}");
    }
    let theirs = theirs.body["order_id"].as_str().expect("id");
    assert_eq!(
        finished(&other, theirs, deadline).await["status"],
        "CONFIRMED"
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn wrong_passwords_lock_the_account_and_the_right_one_works_after_the_lock() {
    let stack = Stack::from_env().await;
    let customer = settings(&stack, "customer").await;
    let max_failures = number(&customer, "LOGIN_MAX_FAILURES_PER_ACCOUNT");
    let lock_secs = number(&customer, "LOGIN_LOCKOUT_SECS");
    assert!(
        lock_secs <= 20,
        "the test stack locks for a few seconds (LOGIN_LOCKOUT_SECS={lock_secs}); this test waits it out"
    );
    let api = &stack.api;
    const WRONG: &str = "wrong horse battery";
    const RIGHT: &str = "correct horse battery";
    let register = |name: &'static str| async move {
        let email = format!("{}@example.com", unique(name));
        let r = api
            .json(
                Method::POST,
                "/v1/customers",
                &json!({"email": email, "password": RIGHT, "name": name}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        email
    };
    let email = register("locked").await;
    let other_email = register("free").await;
    let login = |email: String, password: &'static str| async move {
        api.json(
            Method::POST,
            "/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    };

    // Up to the limit each wrong password is answered for what it is.
    for _ in 0..max_failures {
        let r = login(email.clone(), WRONG).await;
        assert_problem(&r, 401, "invalid_credentials");
    }
    // Then the account is locked, even for the right password.
    let locked_at = Instant::now();
    let r = login(email.clone(), WRONG).await;
    assert_problem(&r, 429, "too_many_login_attempts");
    assert!((1..=lock_secs).contains(&retry_after(&r)), "{r:?}");
    let r = login(email.clone(), RIGHT).await;
    assert_problem(&r, 429, "too_many_login_attempts");

    // The rest of 200 wrong passwords, 20 at a time: refused by the lock without a check.
    let rest = 200 - max_failures as usize - 1;
    let replies: Vec<(Duration, Reply)> = futures::stream::iter(0..rest)
        .map(|_| {
            let login = &login;
            let email = email.clone();
            async move {
                let sent = locked_at.elapsed();
                (sent, login(email, WRONG).await)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut latest = None;
    for (sent, r) in &replies {
        assert_ne!(r.status, 200, "a wrong password never logs in");
        // A request sent well within the lock is refused by it; one sent later (a slow
        // machine) may start a new window and be answered 401.
        if sent.as_secs() + 2 < lock_secs {
            assert_problem(r, 429, "too_many_login_attempts");
        } else {
            assert!(matches!(r.status, 401 | 429), "{}", r.text);
        }
        if r.status == 429 {
            latest = Some(retry_after(r));
        }
    }
    println!(
        "{} of {rest} further wrong passwords refused by the lock in {:?}",
        replies.iter().filter(|(_, r)| r.status == 429).count(),
        locked_at.elapsed()
    );

    // Another account is not affected.
    let r = login(other_email.clone(), RIGHT).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = login(other_email, WRONG).await;
    assert_problem(&r, 401, "invalid_credentials");

    // After the lock the right password works again.
    let mut wait = latest.unwrap_or(lock_secs);
    loop {
        tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(300)).await;
        let r = login(email.clone(), RIGHT).await;
        if r.status == 200 {
            assert!(r.body["token"]["token"].is_string());
            break;
        }
        // Only when late requests locked it again (each lock at most 4 times the first).
        assert_problem(&r, 429, "too_many_login_attempts");
        assert!(
            locked_at.elapsed() < WITHIN,
            "still locked after {:?}",
            locked_at.elapsed()
        );
        wait = retry_after(&r);
    }
}

/// The verdicts of requests sent at once; each must have one.
async fn all_at_once(
    requests: impl std::future::Future<Output = Vec<Result<Verdict, LimitError>>>,
) -> Vec<Verdict> {
    requests
        .await
        .into_iter()
        .map(|v| v.expect("a verdict"))
        .collect()
}

fn allowed(verdicts: &[Verdict]) -> usize {
    verdicts.iter().filter(|v| **v == Verdict::Allowed).count()
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn the_counters_hold_under_concurrent_requests_in_dynamodb() {
    let stack = Stack::from_env().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&stack.sdk);
    for service in ["gateway", "customer"] {
        let ttl = dynamodb
            .describe_time_to_live()
            .table_name(stack.table(service))
            .send()
            .await
            .expect("DescribeTimeToLive");
        let ttl = ttl.time_to_live_description().expect("a TTL description");
        assert_eq!(
            (
                ttl.time_to_live_status().map(|s| s.as_str()),
                ttl.attribute_name()
            ),
            (Some("ENABLED"), Some("expires_at")),
            "the {service} table expires its counters"
        );
    }
    let now = chrono::Utc::now().timestamp_millis();

    // 40 requests at once for a bucket of 5: exactly 5 pass, each refusal says when.
    let buckets = DynamoLimiter::new(dynamodb.clone(), stack.table("gateway"));
    let rate = Rate::new(10, 60, 5).unwrap();
    let key = format!("limit#test#{}", unique("bucket"));
    let verdicts = all_at_once(futures::future::join_all(
        (0..40).map(|_| buckets.take(&key, &rate, now)),
    ))
    .await;
    assert_eq!(allowed(&verdicts), 5, "{verdicts:?}");
    assert!(verdicts.iter().all(|v| matches!(
        v,
        Verdict::Allowed
            | Verdict::Limited {
                retry_after_secs: 6
            }
    )));
    let item = stack.stored("gateway", &key).await;
    assert_eq!(item["tat"], now + 5 * 6000, "{item}");
    assert!(item["expires_at"].as_i64().unwrap_or(0) * 1000 > now + 5 * 6000);
    // One given back is one more that passes.
    buckets.give_back(&key, &rate).await.expect("give back");
    assert_eq!(buckets.take(&key, &rate, now).await, Ok(Verdict::Allowed));
    assert!(buckets.take(&key, &rate, now).await.unwrap().is_limited());

    // 30 failures at once for a lockout after 5: 4 counted, the 5th locks, the rest are refused.
    let strikes = DynamoLimiter::new(dynamodb, stack.table("customer"));
    let policy = Lockout::new(5, 900, 60, 900).unwrap();
    let key = format!("limit#test#{}", unique("strikes"));
    let verdicts = all_at_once(futures::future::join_all(
        (0..30).map(|_| strikes.strike(&key, &policy, now)),
    ))
    .await;
    assert_eq!(allowed(&verdicts), 4, "{verdicts:?}");
    assert_eq!(
        strikes.lock_status(&key, now).await,
        Ok(Verdict::Limited {
            retry_after_secs: 60
        })
    );
    let item = stack.stored("customer", &key).await;
    assert_eq!(
        (&item["lockouts"], &item["locked_until"]),
        (&json!(1), &json!(now + 60_000)),
        "{item}"
    );
    strikes.forget(&key).await.expect("forget");
    assert_eq!(stack.stored("customer", &key).await, Value::Null);
}
