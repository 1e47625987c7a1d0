//! One order's path is one query: the API request id that placed an order (its correlation
//! id) is on the gateway's lines for that request, on the worker's lines for every activity
//! of the order's saga, and on the lines each service logged for the calls the saga made,
//! beside the order id and the workflow id (README, "Observability"). And for every order
//! placed on the stack before it (the earlier suites' orders): whatever a service logged about
//! one carries the correlation id of a gateway request about that order.
//!
//! The functions' lines are read where Lambda writes them, CloudWatch Logs (the emulator
//! keeps them too); the worker's from its log file in the stack's folder.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use system_tests::{Api, Stack, fetch, log_events, place_order};

const OK: &str = "4242424242424242";

/// The JSON lines of a function's log group (lines that are not JSON are skipped).
async fn json_lines(cw: &aws_sdk_cloudwatchlogs::Client, function: &str, since: i64) -> Vec<Value> {
    let group = format!("/aws/lambda/{function}");
    match log_events(cw, &group, Some(since)).await {
        Ok(events) => events
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e.message()?.trim()).ok())
            .collect(),
        // The group appears with the function's first line.
        Err(_) => Vec::new(),
    }
}

/// Waits until the order's saga has finished, confirmed.
async fn confirmed(shopper: &Api, order_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
        if r.status == 200 && r.body["finished"] == true {
            assert_eq!(r.body["status"], "CONFIRMED", "{}", r.text);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the saga did not finish: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn one_orders_path_carries_one_correlation_id_through_every_log() {
    let stack = Stack::from_env().await;
    let product = stack.product("trace", 5).await;
    let (shopper, _) = stack.api.new_shopper("trace").await;
    let since = chrono::Utc::now().timestamp_millis() - 1_000;

    // Placed through API Gateway, which names the request (`requestContext.requestId`). On AWS
    // the same id is the response's `apigw-requestid` and the access log's `requestId`;
    // MiniStack makes those up independently of the event's, so only the functions' and the
    // worker's lines are compared here.
    let r = place_order(&shopper, &[(&product, 1)], OK, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order_id = r.body["order_id"].as_str().expect("order id").to_string();
    let workflow_id = format!("order-{order_id}");

    // The saga ends (the last notification may still be on its way: the logs are polled).
    confirmed(&shopper, &order_id).await;

    let cw = aws_sdk_cloudwatchlogs::Client::new(&stack.sdk);
    let worker_log = format!(
        "{}/worker.log",
        std::env::var("SAGAWAY_WORKER_DIR").expect("SAGAWAY_WORKER_DIR (tests/system.sh)")
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut missing = Vec::new();
        // The gateway: the line that placed the order names its correlation id.
        let gateway = json_lines(&cw, stack.function("gateway"), since).await;
        let placed = gateway
            .iter()
            .find(|l| l["message"] == "order placed" && l["order_id"] == order_id.as_str());
        let Some(correlation_id) = placed.and_then(|l| l["correlation_id"].as_str()) else {
            missing.push(format!(
                "the gateway's `order placed` line with correlation_id for {order_id}"
            ));
            if Instant::now() > deadline {
                panic!("missing: {missing:?}\ngateway lines: {gateway:#?}");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let correlation_id = correlation_id.to_string();
        assert!(
            !correlation_id.starts_with("internal-"),
            "the gateway's correlation id is the API request's, not an invocation's: {correlation_id}"
        );
        // The gateway's access log line of that request carries it too, and the order id.
        if !gateway.iter().any(|l| {
            l["message"] == "request"
                && l["path"] == "/v1/orders"
                && l["correlation_id"] == correlation_id.as_str()
                && l["order_id"] == order_id.as_str()
                && l["workflow_id"] == workflow_id.as_str()
        }) {
            missing.push("the gateway's access log line of the request".to_string());
        }
        // Each service: lines of the saga's calls with all three ids.
        for service in ["order", "inventory", "payment", "notification"] {
            let lines = json_lines(&cw, stack.function(service), since).await;
            let ours = lines
                .iter()
                .filter(|l| {
                    l["correlation_id"] == correlation_id.as_str()
                        && l["order_id"] == order_id.as_str()
                        && l["workflow_id"] == workflow_id.as_str()
                })
                .count();
            if ours == 0 {
                missing.push(format!("{service}'s lines with the three ids"));
            }
        }
        // The worker: one `activity completed` line per step, with the ids.
        let text = std::fs::read_to_string(&worker_log).expect("the worker's log");
        for activity in [
            "create_order",
            "reserve_stock",
            "charge_payment",
            "set_status",
            "notify_in_order",
        ] {
            let found = text.lines().any(|l| {
                l.contains("activity completed")
                    && l.contains(&correlation_id)
                    && l.contains(&order_id)
                    && l.contains(activity)
            });
            if !found {
                missing.push(format!(
                    "the worker's `activity completed` line of {activity}"
                ));
            }
        }
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "correlation id {correlation_id} of order {order_id} is missing from: {missing:#?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // Every order placed on this stack so far, not only this one (the earlier suites': those the
    // 300-order burst got accepted, the worker killed mid-saga, the failing services, the saga
    // branches): a line a service logged about a placed order carries the correlation id of a
    // gateway request about that order (the one that placed it, whose saga made the call, or a
    // later one such as a cancel); a call that lost it on the way logs the invocation's own
    // `internal-…` id. First the warnings the worker and the gateway give for such a call.
    let text = std::fs::read_to_string(&worker_log).expect("the worker's log");
    for warning in [
        "activity without the correlation header",
        "direct invocation without a correlation",
    ] {
        let seen: Vec<&str> = text.lines().filter(|l| l.contains(warning)).collect();
        assert!(
            seen.is_empty(),
            "the worker logged `{warning}`:\n{}",
            seen.join("\n")
        );
    }
    let gateway = json_lines(&cw, stack.function("gateway"), 0).await;
    // The gateway invokes the customer function the same way, inside its request's correlation.
    let uncorrelated: Vec<String> = gateway
        .iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("direct invocation without a correlation"))
        })
        .map(|l| l.to_string())
        .collect();
    assert!(
        uncorrelated.is_empty(),
        "the gateway invoked functions without a correlation:\n{}",
        uncorrelated.join("\n")
    );
    let placed: HashSet<&str> = gateway
        .iter()
        .filter(|l| l["message"] == "order placed")
        .filter_map(|l| l["order_id"].as_str())
        .collect();
    let mut requests: HashMap<&str, HashSet<&str>> = HashMap::new();
    for l in &gateway {
        if let (Some(order), Some(correlation)) =
            (l["order_id"].as_str(), l["correlation_id"].as_str())
        {
            requests.entry(order).or_default().insert(correlation);
        }
    }
    assert!(
        placed.contains(order_id.as_str()),
        "the gateway's lines name the orders placed"
    );
    for service in ["order", "inventory", "payment", "notification"] {
        let lines = json_lines(&cw, stack.function(service), 0).await;
        let ours: Vec<&Value> = lines
            .iter()
            .filter(|l| l["order_id"].as_str().is_some_and(|o| placed.contains(o)))
            .collect();
        let lost: Vec<String> = ours
            .iter()
            .filter(|l| {
                let known = l["order_id"].as_str().and_then(|o| requests.get(o));
                !l["correlation_id"]
                    .as_str()
                    .is_some_and(|c| known.is_some_and(|k| k.contains(c)))
            })
            .map(|l| l.to_string())
            .collect();
        eprintln!(
            "{service}: {} lines about {} placed orders, {} without a correlation id of theirs",
            ours.len(),
            placed.len(),
            lost.len()
        );
        assert!(
            !ours.is_empty(),
            "{service} logged nothing about the placed orders"
        );
        assert!(
            lost.is_empty(),
            "{service} logged {} of {} lines about placed orders without the correlation id of a \
             gateway request about that order (the worker's log says which call lost it: \
             `activity without the correlation header` or `direct invocation without a \
             correlation`); the first ones:\n{}",
            lost.len(),
            ours.len(),
            lost.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

/// The deployed worker's `/metrics` (next to `/health`, README "Observability"), after a saga
/// of its own (and whatever the other suites ran): the Temporal SDK's counters have counted it,
/// and every service's breaker is reported.
#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn the_worker_exposes_temporal_and_breaker_metrics_for_prometheus() {
    let stack = Stack::from_env().await;
    let product = stack.product("metrics", 5).await;
    let (shopper, _) = stack.api.new_shopper("metrics").await;
    let r = place_order(&shopper, &[(&product, 1)], OK, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    confirmed(&shopper, r.body["order_id"].as_str().expect("order id")).await;
    let health = std::env::var("SAGAWAY_WORKER_HEALTH").expect("SAGAWAY_WORKER_HEALTH");
    let url = health.replace("/health", "/metrics");
    // The worker counts a workflow once its last task is completed, which can come a moment
    // after the shopper sees the saga finished: read until it is counted, for at most 10 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let (status, content_type, body) = fetch(&url).await;
        assert_eq!(status, 200, "{url}");
        assert!(
            content_type.starts_with("text/plain"),
            "Prometheus text format, not {content_type}"
        );
        let text = String::from_utf8(body).expect("the metrics text is UTF-8");
        let completed: f64 = text
            .lines()
            .filter(|l| {
                l.starts_with("temporal_workflow_completed{")
                    || l.starts_with("temporal_workflow_completed ")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        if completed >= 1.0 {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "the worker counted no completed workflow after a confirmed saga:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    for wanted in [
        "# TYPE temporal_workflow_completed counter",
        "# TYPE temporal_activity_execution_latency histogram",
        "# TYPE temporal_num_pollers gauge",
        "# TYPE sagaway_breaker_state gauge",
    ] {
        assert!(text.contains(wanted), "/metrics lacks {wanted:?}:\n{text}");
    }
    for service in ["order", "inventory", "payment", "notification"] {
        let open = format!("sagaway_breaker_open{{service=\"{service}\"}} ");
        assert!(
            text.lines().any(|l| l.starts_with(&open)),
            "no breaker gauge for {service}:\n{text}"
        );
    }
}
