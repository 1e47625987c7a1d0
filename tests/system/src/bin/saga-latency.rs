//! Benchmark: the saga's end-to-end latency on the local stack, from `POST /v1/orders` to
//! CONFIRMED as the shopper sees it on `GET /v1/orders/{id}`.
//!
//! usage: `make bench` (after `make up`), or
//! `SAGAWAY_API_URL=... saga-latency [ORDERS] [CONCURRENCY]`. Bounded: at most 200 orders,
//! each given 120 s. Prints p50, p95 and max.

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};
use system_tests::{Api, unique};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let orders: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50)
        .min(200);
    let concurrency: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1)
        .clamp(1, 20);
    let api = Api::from_env();
    let admin_file = std::env::var("SAGAWAY_ADMIN_FILE")
        .context("SAGAWAY_ADMIN_FILE names make up's admin.json")?;
    let admin: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&admin_file)?)?;
    let admin_token = api
        .login(
            admin["email"].as_str().unwrap_or_default(),
            admin["password"].as_str().unwrap_or_default(),
        )
        .await;
    let product = api
        .with_token(&admin_token)
        .product("bench", (orders as i64) * 2)
        .await;
    let (shopper, _) = api.new_shopper("bench").await;
    println!("placing {orders} orders ({concurrency} at a time) for product {product}...");

    let mut latencies = Vec::with_capacity(orders);
    let mut done = 0;
    while done < orders {
        let batch = concurrency.min(orders - done);
        let results = futures::future::join_all((0..batch).map(|_| one(&shopper, &product))).await;
        for r in results {
            latencies.push(r?);
        }
        done += batch;
        if done % 10 == 0 || done == orders {
            println!("  {done}/{orders}");
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "saga latency, POST /v1/orders -> CONFIRMED, {orders} orders: p50 {:?}  p95 {:?}  max {:?}",
        pct(0.50),
        pct(0.95),
        latencies[latencies.len() - 1]
    );
    Ok(())
}

async fn one(shopper: &Api, product: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let r = shopper
        .with_header("idempotency-key", &unique("bench"))
        .json(
            Method::POST,
            "/v1/orders",
            &json!({ "lines": [{ "product_id": product, "quantity": 1 }], "card_number": "4242424242424242" }),
        )
        .await;
    if r.status != 202 {
        bail!("placing an order failed: {}", r.text);
    }
    let id = r.body["order_id"].as_str().unwrap_or_default().to_string();
    loop {
        let o = shopper.get(&format!("/v1/orders/{id}")).await;
        match o.body["status"].as_str() {
            Some("CONFIRMED") => return Ok(started.elapsed()),
            Some("CANCELLED") => bail!("order {id} was cancelled: {}", o.text),
            _ => {}
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("order {id} did not settle within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
