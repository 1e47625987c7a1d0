//! The per-shopper order limit, in process: the real router on the in-memory limiter with a
//! clock the tests move. Temporal is a closed port here, so an order the limit lets through
//! goes on to the next step and is answered `503 workflow_engine_unavailable`; one it refuses
//! is `429 too_many_orders` before anything else is called.

use axum::Router;
use gateway::config::Config;
use gateway::http::{App, order_limit_key, router};
use gateway::temporal::Temporal;
use sagaway_invoke::InternalClient;
use sagaway_shared::config::Env;
use sagaway_shared::limits::{Clock, Limiter, MemoryLimiter, Rate};
use sagaway_shared::serve::finish;
use sagaway_shared::testing::{As, Reply, call, call_raw};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const T0: i64 = 1_764_300_000_000;

struct Gateway {
    router: Router,
    limiter: MemoryLimiter,
    clock: Clock,
}

/// The gateway with `rate`, Temporal unreachable (a closed port on loopback).
fn gateway(rate: Rate) -> Gateway {
    let config = Config::from(&Env::from_pairs([
        ("TABLE_NAME", "limits"),
        ("TEMPORAL_ADDRESS", "127.0.0.1:1"),
    ]))
    .expect("a config");
    let sdk = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let limiter = MemoryLimiter::new();
    let clock = Clock::manual(T0);
    let app = App {
        temporal: Arc::new(Temporal::new(&config, sdk.clone())),
        internal: InternalClient::from_sdk(&sdk),
        inventory_function: "inventory".into(),
        payment_function: "payment".into(),
        customer_function: "customer".into(),
        limiter: limiter.clone(),
        order_rate: rate,
        clock: clock.clone(),
    };
    Gateway {
        router: finish(router(app)),
        limiter,
        clock,
    }
}

fn order() -> serde_json::Value {
    json!({"lines": [{"product_id": "mug", "quantity": 1}], "card_number": "4242424242424242"})
}

impl Gateway {
    async fn place(&self, shopper: &str) -> Reply {
        call(
            &self.router,
            "POST",
            "/v1/orders",
            As::Shopper(shopper),
            Some(order()),
        )
        .await
    }

    /// Asserts the order got past the limit (and on to Temporal, which is down).
    async fn passes(&self, shopper: &str, what: &str) {
        let r = self.place(shopper).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (503, "workflow_engine_unavailable"),
            "{what}: {:#}",
            r.body
        );
    }

    /// Asserts the order was refused by the limit, with `Retry-After: retry_after`.
    async fn refused(&self, shopper: &str, retry_after: &str) {
        let r = self.place(shopper).await;
        r.assert_problem(429, "too_many_orders");
        assert_eq!(r.headers["retry-after"], retry_after, "{:#}", r.body);
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("3 per minute, 3 at once")
                && detail.contains(&format!("{retry_after} seconds")),
            "{detail}"
        );
    }
}

/// 3 a minute, 3 at once: one every 20 s.
fn three_a_minute() -> Rate {
    Rate::new(3, 60, 3).unwrap()
}

#[tokio::test]
async fn a_burst_passes_then_429_until_the_next_order_fits() {
    let g = gateway(three_a_minute());
    for i in 0..3 {
        g.passes("c-1", &format!("order {i} of the burst")).await;
    }
    g.refused("c-1", "20").await;
    // Another shopper is not affected.
    g.passes("c-2", "another shopper").await;
    // A refused order takes nothing: 19 s later it is still one second early.
    g.clock.advance(Duration::from_secs(19));
    g.refused("c-1", "1").await;
    g.clock.advance(Duration::from_secs(1));
    g.passes("c-1", "one interval later").await;
    g.refused("c-1", "20").await;
    // A quiet minute fills the bucket again.
    g.clock.advance(Duration::from_secs(60));
    for i in 0..3 {
        g.passes("c-1", &format!("order {i} after a quiet minute"))
            .await;
    }
    g.refused("c-1", "20").await;
}

#[tokio::test]
async fn orders_refused_before_the_limit_take_nothing_from_it() {
    let g = gateway(three_a_minute());
    // Invalid bodies, a bad Idempotency-Key, no token: refused before the limit is looked at.
    for _ in 0..5 {
        let r = call(
            &g.router,
            "POST",
            "/v1/orders",
            As::Shopper("c-1"),
            Some(json!({"lines": [], "card_number": "42"})),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        let r = call_raw(
            &g.router,
            "POST",
            "/v1/orders",
            As::Shopper("c-1"),
            &[("idempotency-key", "not a key!")],
            Some(order().to_string().into_bytes()),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        let r = call(&g.router, "POST", "/v1/orders", As::Public, Some(order())).await;
        r.assert_problem(401, "unauthenticated");
    }
    for i in 0..3 {
        g.passes("c-1", &format!("order {i}")).await;
    }
    g.refused("c-1", "20").await;
}

#[tokio::test]
async fn the_bucket_is_the_shoppers_in_the_gateways_table() {
    let g = gateway(three_a_minute());
    g.passes("c-1", "first").await;
    // The same key the deployed gateway uses: taking from it here is what the handler sees.
    let key = order_limit_key("c-1");
    assert_eq!(key, "limit#orders#c-1");
    for _ in 0..2 {
        assert!(
            !g.limiter
                .take(&key, &three_a_minute(), T0)
                .await
                .unwrap()
                .is_limited()
        );
    }
    g.refused("c-1", "20").await;
    // A token given back (a concurrent repeat) is there for the next order.
    g.limiter.give_back(&key, &three_a_minute()).await.unwrap();
    g.passes("c-1", "the token given back").await;
}

#[tokio::test]
async fn a_limiter_that_cannot_answer_lets_orders_through() {
    let g = gateway(three_a_minute());
    g.limiter.set_unavailable(true);
    for i in 0..10 {
        g.passes("c-1", &format!("order {i} without a limiter (fails open)"))
            .await;
    }
    // When it is back, it counts again (nothing was taken meanwhile).
    g.limiter.set_unavailable(false);
    for i in 0..3 {
        g.passes("c-1", &format!("order {i}")).await;
    }
    g.refused("c-1", "20").await;
}
