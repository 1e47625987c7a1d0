//! Faults: a payment service that stays down (retries exhausted, breaker opened,
//! compensated) and a worker killed mid-saga. These tests stop parts of the stack, so they
//! run one at a time, in their own test binary.

use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};
use system_tests::{Api, Stack};
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

async fn health() -> Value {
    let url = std::env::var("SAGAWAY_WORKER_HEALTH").expect("SAGAWAY_WORKER_HEALTH");
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(url)
        .send()
        .await
        .expect("worker health answers")
        .json()
        .await
        .expect("json")
}

async fn breaker(service: &str) -> Value {
    health().await["breakers"]
        .as_array()
        .and_then(|b| b.iter().find(|x| x["service"] == service).cloned())
        .expect("a breaker per service")
}

async fn place(api: &Api, product: &str, qty: i64, card: &str) -> String {
    let r = system_tests::place_order(api, &[(product, qty)], card, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    r.body["order_id"].as_str().expect("id").to_string()
}

async fn wait_for(
    api: &Api,
    order_id: &str,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let r = api.get(&format!("/v1/orders/{order_id}/saga")).await;
        if r.status == 200 && done(&r.body) {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "saga {order_id} stuck: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Sets the payment function's table and returns the previous one; a missing table makes
/// every call a 500.
async fn set_payment_table(stack: &Stack, table: &str) -> String {
    let lambda = aws_sdk_lambda::Client::new(&stack.sdk);
    let f = stack.function("payment");
    let cfg = lambda
        .get_function_configuration()
        .function_name(f)
        .send()
        .await
        .expect("reading the payment function");
    let mut vars = cfg
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let previous = vars
        .insert("TABLE_NAME".into(), table.into())
        .unwrap_or_default();
    lambda
        .update_function_configuration()
        .function_name(f)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(vars))
                .build(),
        )
        .send()
        .await
        .expect("updating the payment function");
    previous
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_payment_service_that_stays_down_trips_the_breaker_and_is_compensated() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::from_env().await;
    let product = stack.product("down", 5).await;
    let (shopper, _) = stack.api.new_shopper("down").await;
    let before = breaker("payment").await;

    let table = set_payment_table(&stack, "sagaway-payment-is-down").await;
    let order_id = place(&shopper, &product, 2, "4242424242424242").await;
    // Charge retries run out (6 attempts); the saga moves on to the refund.
    let state = wait_for(&shopper, &order_id, Duration::from_secs(120), |s| {
        s["step"] == "refund_payment"
    })
    .await;
    assert!(
        state["failure_reason"]
            .as_str()
            .unwrap_or("")
            .contains("payment"),
        "{state}"
    );
    let during = breaker("payment").await;
    let passed = during["passed"].as_u64().unwrap_or(0) - before["passed"].as_u64().unwrap_or(0);
    let rejected =
        during["rejected"].as_u64().unwrap_or(0) - before["rejected"].as_u64().unwrap_or(0);
    println!(
        "payment down: {passed} calls reached it, {rejected} were refused by the open breaker"
    );
    assert!(
        during["times_opened"].as_u64() > before["times_opened"].as_u64(),
        "{during}"
    );
    assert!(rejected > 0, "the breaker refused calls: {during}");
    assert!(
        passed < passed + rejected,
        "fewer calls reached the dead service ({passed}) than were attempted ({})",
        passed + rejected
    );

    // The service comes back: the refund goes through (nothing was charged), stock returns.
    set_payment_table(&stack, &table).await;
    let end = wait_for(&shopper, &order_id, Duration::from_secs(120), |s| {
        s["finished"] == true
    })
    .await;
    assert_eq!(end["status"], "CANCELLED", "{end}");
    assert_eq!(stack.stock(&product).await, 5, "stock released");
    let r = shopper.get(&format!("/v1/orders/{order_id}")).await;
    assert_eq!(r.body["status"], "CANCELLED");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_worker_killed_mid_saga_finishes_it_after_restart_without_doubles() {
    let _serial = SERIAL.lock().await;
    let stack = Stack::from_env().await;
    let product = stack.product("kill", 5).await;
    let (shopper, _) = stack.api.new_shopper("kill").await;
    let dir = std::env::var("SAGAWAY_WORKER_DIR").expect("SAGAWAY_WORKER_DIR");
    let bin = std::env::var("SAGAWAY_WORKER_BIN").expect("SAGAWAY_WORKER_BIN");

    // The slow card keeps the charge at the provider for 8 s: kill the worker meanwhile.
    let order_id = place(&shopper, &product, 2, "4000000000006975").await;
    wait_for(&shopper, &order_id, Duration::from_secs(60), |s| {
        s["step"] == "charge_payment"
    })
    .await;
    let pid = std::fs::read_to_string(format!("{dir}/worker.pid")).expect("worker pid");
    let status = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .expect("kill");
    assert!(status.success(), "SIGKILL the worker");
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Start it again with the same environment.
    let env = std::fs::read_to_string(format!("{dir}/worker.env")).expect("worker env");
    let log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(format!("{dir}/worker.log"))
        .expect("log");
    let mut cmd = std::process::Command::new(bin);
    for line in env.lines() {
        if let Some((k, v)) = line.split_once('=') {
            cmd.env(k, v);
        }
    }
    // Left running on purpose: tests/system.sh stops it through the pid file.
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("restarting the worker");
    std::fs::write(format!("{dir}/worker.pid"), child.id().to_string()).expect("pid file");
    let deadline = Instant::now() + Duration::from_secs(30);
    // Healthy: connected to Temporal again (503 until then).
    while !reqwest::get(std::env::var("SAGAWAY_WORKER_HEALTH").expect("health"))
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            Instant::now() < deadline,
            "the restarted worker never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let end = wait_for(&shopper, &order_id, Duration::from_secs(120), |s| {
        s["finished"] == true
    })
    .await;
    assert_eq!(end["status"], "CONFIRMED", "{end}");
    assert_eq!(stack.stock(&product).await, 3, "reserved once");
    let p = stack
        .stored("payment", &format!("payment#{order_id}"))
        .await;
    assert_eq!(p["captures"], 1, "charged once: {p}");
    let r = stack
        .stored("inventory", &format!("reservation#{order_id}"))
        .await;
    assert_eq!(r["status"], "RESERVED", "{r}");
}
