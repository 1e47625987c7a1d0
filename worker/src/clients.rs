//! Clients for the services' internal routes, each behind its circuit breaker.
//!
//! Every call is a direct Lambda invocation (`sagaway_shared::invoke`). The answer is sorted
//! into what the saga needs to know: done, a business refusal (final: out of stock, declined),
//! or a transient failure (worth retrying). Transport errors and 5xx count against the
//! service's breaker; while it is open, calls fail fast without reaching the service.

use crate::breaker::{Breaker, Snapshot};
use crate::config::{Functions, WorkerConfig};
use crate::model::{OrderSagaInput, StatusInput};
use sagaway_shared::invoke::{InternalClient, Reply};
use serde_json::{Value, json};
use std::time::Duration;

/// The downstream services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Order,
    Inventory,
    Payment,
    Notification,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Inventory => "inventory",
            Self::Payment => "payment",
            Self::Notification => "notification",
        }
    }
}

/// Why a step did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepError {
    /// The service refused for a business reason; retrying cannot help.
    #[error("{message}")]
    Business { kind: &'static str, message: String },
    /// The service or the transport failed; a retry may succeed.
    #[error("{service} failed: {message}")]
    Transient {
        service: &'static str,
        message: String,
    },
    /// The service's breaker is open; retry after `retry_after`.
    #[error("the {service} service's circuit is open; not calling it for {retry_after:?}")]
    CircuitOpen {
        service: &'static str,
        retry_after: Duration,
    },
}

/// Business failure kinds (Temporal error type names; never retried).
pub mod kinds {
    pub const OUT_OF_STOCK: &str = "OutOfStock";
    pub const UNKNOWN_PRODUCT: &str = "UnknownProduct";
    pub const CARD_DECLINED: &str = "CardDeclined";
    pub const INSUFFICIENT_FUNDS: &str = "InsufficientFunds";
    pub const ILLEGAL_TRANSITION: &str = "IllegalTransition";
    pub const REJECTED: &str = "Rejected";
    pub const ALL: [&str; 6] = [
        OUT_OF_STOCK,
        UNKNOWN_PRODUCT,
        CARD_DECLINED,
        INSUFFICIENT_FUNDS,
        ILLEGAL_TRANSITION,
        REJECTED,
    ];
}

/// The service clients.
pub struct Clients {
    internal: InternalClient,
    functions: Functions,
    order: Breaker,
    inventory: Breaker,
    payment: Breaker,
    notification: Breaker,
}

fn message(reply: &Reply) -> String {
    reply.body["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| reply.body.to_string())
}

impl Clients {
    pub fn new(internal: InternalClient, config: &WorkerConfig) -> Self {
        let b =
            |s: Service| Breaker::new(s.name(), config.breaker_failures, config.breaker_cooldown);
        Self {
            internal,
            functions: config.functions.clone(),
            order: b(Service::Order),
            inventory: b(Service::Inventory),
            payment: b(Service::Payment),
            notification: b(Service::Notification),
        }
    }

    fn breaker(&self, s: Service) -> &Breaker {
        match s {
            Service::Order => &self.order,
            Service::Inventory => &self.inventory,
            Service::Payment => &self.payment,
            Service::Notification => &self.notification,
        }
    }

    fn function(&self, s: Service) -> &str {
        match s {
            Service::Order => &self.functions.order,
            Service::Inventory => &self.functions.inventory,
            Service::Payment => &self.functions.payment,
            Service::Notification => &self.functions.notification,
        }
    }

    pub fn breakers(&self) -> Vec<Snapshot> {
        [
            Service::Order,
            Service::Inventory,
            Service::Payment,
            Service::Notification,
        ]
        .into_iter()
        .map(|s| self.breaker(s).snapshot())
        .collect()
    }

    /// One call through the breaker. Answers below 500 are returned. A 503 with an error code
    /// (`provider_unavailable`, `charge_in_progress`, `contention`) is a live service asking
    /// for a retry: `Transient`, but the service is up. Other 5xx and transport errors are
    /// `Transient` and count against the breaker.
    async fn call(
        &self,
        s: Service,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, StepError> {
        let breaker = self.breaker(s);
        if let Err(retry_after) = breaker.admit() {
            return Err(StepError::CircuitOpen {
                service: s.name(),
                retry_after,
            });
        }
        match self
            .internal
            .call(self.function(s), method, path, body.as_ref())
            .await
        {
            Ok(reply) if reply.status < 500 => {
                breaker.success();
                Ok(reply)
            }
            Ok(reply) if reply.status == 503 && reply.body["code"].is_string() => {
                breaker.success();
                Err(StepError::Transient {
                    service: s.name(),
                    message: format!("{} {}", reply.status, message(&reply)),
                })
            }
            Ok(reply) => {
                breaker.failure();
                Err(StepError::Transient {
                    service: s.name(),
                    message: format!("{} {}", reply.status, message(&reply)),
                })
            }
            Err(e) => {
                breaker.failure();
                Err(StepError::Transient {
                    service: s.name(),
                    message: e.to_string(),
                })
            }
        }
    }

    /// Any 2xx is done; other 4xx are refusals of `kind` (a caller bug, never retried).
    fn expect_ok(reply: Reply, kind: &'static str) -> Result<Value, StepError> {
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(StepError::Business {
                kind,
                message: message(&reply),
            })
        }
    }

    pub async fn create_order(&self, input: &OrderSagaInput) -> Result<Value, StepError> {
        let body = json!({
            "order_id": input.order_id,
            "customer_id": input.customer_id,
            "lines": input.lines,
            "currency": input.currency,
        });
        let r = self
            .call(Service::Order, "POST", "/internal/orders", Some(body))
            .await?;
        Self::expect_ok(r, kinds::REJECTED)
    }

    pub async fn set_status(&self, s: &StatusInput) -> Result<Value, StepError> {
        let r = self
            .call(
                Service::Order,
                "POST",
                &format!("/internal/orders/{}/status", s.order_id),
                Some(json!({ "status": s.status, "reason": s.reason })),
            )
            .await?;
        if r.status == 409 && r.body["code"] == "illegal_transition" {
            return Err(StepError::Business {
                kind: kinds::ILLEGAL_TRANSITION,
                message: message(&r),
            });
        }
        Self::expect_ok(r, kinds::REJECTED)
    }

    pub async fn reserve(&self, input: &OrderSagaInput) -> Result<Value, StepError> {
        let lines: Vec<Value> = input
            .lines
            .iter()
            .map(|l| json!({ "product_id": l.product_id, "quantity": l.quantity }))
            .collect();
        let r = self
            .call(
                Service::Inventory,
                "POST",
                "/internal/reservations",
                Some(json!({ "order_id": input.order_id, "lines": lines })),
            )
            .await?;
        match (r.status, r.body["code"].as_str()) {
            (409, Some("out_of_stock")) => Err(StepError::Business {
                kind: kinds::OUT_OF_STOCK,
                message: message(&r),
            }),
            (422, Some("unknown_product")) => Err(StepError::Business {
                kind: kinds::UNKNOWN_PRODUCT,
                message: message(&r),
            }),
            _ => Self::expect_ok(r, kinds::REJECTED),
        }
    }

    pub async fn release(&self, order_id: &str) -> Result<Value, StepError> {
        let r = self
            .call(
                Service::Inventory,
                "POST",
                &format!("/internal/reservations/{order_id}/release"),
                None,
            )
            .await?;
        Self::expect_ok(r, kinds::REJECTED)
    }

    pub async fn charge(&self, input: &OrderSagaInput) -> Result<Value, StepError> {
        let r = self
            .call(
                Service::Payment,
                "POST",
                "/internal/payments",
                Some(json!({
                    "order_id": input.order_id,
                    "amount_cents": input.total_cents(),
                    "currency": input.currency,
                    "card_number": input.card_number,
                })),
            )
            .await?;
        match (r.status, r.body["code"].as_str()) {
            (402, Some("insufficient_funds")) => Err(StepError::Business {
                kind: kinds::INSUFFICIENT_FUNDS,
                message: message(&r),
            }),
            (402, _) => Err(StepError::Business {
                kind: kinds::CARD_DECLINED,
                message: message(&r),
            }),
            _ => Self::expect_ok(r, kinds::REJECTED),
        }
    }

    pub async fn refund(&self, order_id: &str) -> Result<Value, StepError> {
        let r = self
            .call(
                Service::Payment,
                "POST",
                &format!("/internal/payments/{order_id}/refund"),
                None,
            )
            .await?;
        Self::expect_ok(r, kinds::REJECTED)
    }

    pub async fn notify(&self, s: &StatusInput) -> Result<Value, StepError> {
        let message = match (s.status.as_str(), &s.reason) {
            ("PENDING", _) => "We received your order.".to_string(),
            ("RESERVED", _) => "Your items are reserved.".to_string(),
            ("PAID", _) => "Your payment went through.".to_string(),
            ("CONFIRMED", _) => "Your order is confirmed.".to_string(),
            ("COMPENSATING", Some(r)) => format!("We are undoing your order: {r}"),
            ("CANCELLED", Some(r)) => format!("Your order was cancelled: {r}"),
            (other, _) => format!("Your order is {other}."),
        };
        let r = self
            .call(
                Service::Notification,
                "POST",
                "/internal/notifications",
                Some(json!({
                    "id": format!("{}:{}", s.order_id, s.status),
                    "customer_id": s.customer_id,
                    "order_id": s.order_id,
                    "kind": "order_status",
                    "message": message,
                    "data": { "status": s.status, "reason": s.reason },
                })),
            )
            .await?;
        Self::expect_ok(r, kinds::REJECTED)
    }
}
