//! The payment service and its simulated provider, by direct invocation (as the saga calls it).

use serde_json::json;
use system_tests::{Stack, assert_problem, unique};

const OK: &str = "4242424242424242";
const DECLINE: &str = "4000000000000002";
const NO_FUNDS: &str = "4000000000009995";
const TRANSIENT: &str = "4000000000000119";
const SLOW: &str = "4000000000006975";

/// Vaults a card as the gateway does: the token that stands for it.
async fn token(stack: &Stack, card: &str) -> String {
    let r = stack
        .internal(
            "payment",
            "POST",
            "/internal/payment-methods",
            Some(json!({ "card_number": card })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        !r.text.contains(card),
        "the number is not echoed: {}",
        r.text
    );
    assert_eq!(r.body["last4"], card[card.len() - 4..]);
    r.body["token"].as_str().expect("a token").to_string()
}

async fn charge_with(stack: &Stack, order: &str, amount: i64, token: &str) -> system_tests::Reply {
    stack
        .internal(
            "payment",
            "POST",
            "/internal/payments",
            Some(json!({ "order_id": order, "amount_cents": amount, "payment_token": token })),
        )
        .await
}

async fn charge(stack: &Stack, order: &str, card: &str) -> system_tests::Reply {
    let t = token(stack, card).await;
    charge_with(stack, order, 4200, &t).await
}

async fn refund(stack: &Stack, order: &str) -> system_tests::Reply {
    stack
        .internal(
            "payment",
            "POST",
            &format!("/internal/payments/{order}/refund"),
            None,
        )
        .await
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn same_key_charged_three_times_is_one_charge_and_refunds_once() {
    let stack = Stack::from_env().await;
    let order = unique("pay");
    let first = charge(&stack, &order, OK).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["status"], "CHARGED");
    for _ in 0..2 {
        let r = charge(&stack, &order, OK).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["provider_reference"],
            first.body["provider_reference"]
        );
    }
    let r = stack.stored("payment", &format!("payment#{order}")).await;
    assert_eq!(r["captures"], 1, "one capture at the provider: {r}");
    assert_eq!(r["attempts"], 1);
    assert_eq!(r["amount_cents"], 4200);
    assert_eq!(r["currency"], "USD");
    // Another amount under the same key is refused.
    let t = token(&stack, OK).await;
    let r = charge_with(&stack, &order, 1, &t).await;
    assert_problem(&r, 409, "payment_mismatch");

    let r = refund(&stack, &order).await;
    assert_eq!(r.body["outcome"], "refunded", "{}", r.text);
    let r = refund(&stack, &order).await;
    assert_eq!(r.body["outcome"], "already_refunded", "{}", r.text);
    let r = charge(&stack, &order, OK).await;
    assert_problem(&r, 409, "payment_closed");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn declines_are_final_and_repeat_the_same_answer() {
    let stack = Stack::from_env().await;
    for (card, code) in [(DECLINE, "card_declined"), (NO_FUNDS, "insufficient_funds")] {
        let order = unique("declined");
        for _ in 0..2 {
            let r = charge(&stack, &order, card).await;
            assert_problem(&r, 402, code);
        }
        let r = stack.stored("payment", &format!("payment#{order}")).await;
        assert_eq!(r["status"], "DECLINED");
        assert_eq!(r["attempts"], 1, "a decline is not retried at the provider");
        assert_eq!(r["captures"], 0);
        let r = refund(&stack, &order).await;
        assert_eq!(r.body["outcome"], "not_charged", "{}", r.text);
    }
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn transient_errors_clear_after_three_attempts() {
    let stack = Stack::from_env().await;
    let order = unique("flaky");
    for _ in 0..3 {
        let r = charge(&stack, &order, TRANSIENT).await;
        assert_problem(&r, 503, "provider_unavailable");
    }
    let r = charge(&stack, &order, TRANSIENT).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["attempts"], 4);
    assert_eq!(r.body["captures"], 1);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_slow_provider_call_is_not_doubled_by_a_retry() {
    let stack = Stack::from_env().await;
    let order = unique("slow");
    let started = std::time::Instant::now();
    let (first, second) = tokio::join!(charge(&stack, &order, SLOW), async {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        charge(&stack, &order, SLOW).await
    });
    assert!(
        started.elapsed().as_secs() >= 7,
        "the slow card takes about 8 s"
    );
    assert_eq!(first.status, 201, "{}", first.text);
    assert_problem(&second, 503, "charge_in_progress");
    let r = charge(&stack, &order, SLOW).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["captures"], 1);
    assert_eq!(
        r.body["provider_reference"],
        first.body["provider_reference"]
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn refund_before_charge_blocks_a_late_charge_and_bad_input_is_4xx() {
    let stack = Stack::from_env().await;
    let order = unique("never");
    let r = refund(&stack, &order).await;
    assert_eq!(r.body["outcome"], "not_charged", "{}", r.text);
    let r = charge(&stack, &order, OK).await;
    assert_problem(&r, 409, "payment_closed");

    let r = stack
        .internal(
            "payment",
            "POST",
            "/internal/payment-methods",
            Some(json!({ "card_number": "4111111111111111" })),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "card_number");
    assert!(
        r.text.contains("4242424242424242"),
        "lists the test cards: {}",
        r.text
    );
    let r = stack
        .internal(
            "payment",
            "POST",
            "/internal/payments",
            Some(json!({ "order_id": unique("neg"), "amount_cents": -5, "payment_token": "pm_x" })),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    // An unknown token is refused, and so is a card number where a token belongs.
    let r = charge_with(
        &stack,
        &unique("tok"),
        100,
        "pm_00000000000000000000000000000000",
    )
    .await;
    assert_problem(&r, 422, "payment_method_invalid");
    let r = charge_with(&stack, &unique("tok"), 100, OK).await;
    assert_problem(&r, 422, "validation_failed");
    let r = stack
        .internal(
            "payment",
            "POST",
            "/internal/payments",
            Some(json!({ "order_id": "x" })),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    let r = stack.api.get("/v1/payments/test-cards").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["cards"].as_array().map(Vec::len), Some(5));
}
