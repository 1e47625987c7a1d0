//! Clients for the services' internal routes, each behind its circuit breaker: the
//! production [`SagaServices`].
//!
//! Every call is a direct Lambda invocation (`sagaway_invoke`). The answer is sorted
//! into what the saga needs to know: done, a business refusal (final: out of stock, declined),
//! or a transient failure (worth retrying). Transport errors and 5xx count against the
//! service's breaker; while it is open, calls fail fast without reaching the service.

use crate::breaker::{Breaker, Snapshot};
use crate::config::{Functions, WorkerConfig};
use crate::services::{SagaServices, Step, StepError};
use sagaway_contract::FailureKind;
use sagaway_contract::OrderStatus;
use sagaway_contract::inventory::{ReleaseOutcome, Reservation, ReserveLine, ReserveRequest};
use sagaway_contract::notification::{
    NotificationKind, OrderStatusData, SendNotification, SendOutcome,
};
use sagaway_contract::order::{CreateOrderRequest, Order, SetStatusRequest};
use sagaway_contract::payment::{ChargeRequest, Payment, RefundOutcome};
use sagaway_contract::saga::{OrderSagaInput, StatusUpdate};
use sagaway_invoke::{InternalClient, Reply};
use serde::Serialize;

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

/// The service clients.
pub struct Clients {
    internal: InternalClient,
    functions: Functions,
    order: Breaker,
    inventory: Breaker,
    payment: Breaker,
    notification: Breaker,
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
    async fn call<B: Serialize>(
        &self,
        s: Service,
        method: &str,
        path: &str,
        body: Option<&B>,
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
            .call(self.function(s), method, path, body)
            .await
        {
            Ok(reply) if reply.status < 500 => {
                breaker.success();
                Ok(reply)
            }
            Ok(reply) if reply.status == 503 && !reply.code().is_empty() => {
                breaker.success();
                Err(StepError::Transient {
                    service: s.name(),
                    message: format!("{} {}", reply.status, reply.detail()),
                })
            }
            Ok(reply) => {
                breaker.failure();
                Err(StepError::Transient {
                    service: s.name(),
                    message: format!("{} {}", reply.status, reply.detail()),
                })
            }
            Err(e) => {
                breaker.failure();
                // The SDK's error names functions and roles: it goes to the log, and the
                // failure (which the saga's state shows the shopper) says it in plain words.
                tracing::warn!(service = s.name(), error = %e, "the service could not be invoked");
                Err(StepError::Transient {
                    service: s.name(),
                    message: "the service could not be reached".to_string(),
                })
            }
        }
    }

    /// Any 2xx is done; a 4xx is a business refusal of the kind its problem code names
    /// (the contract's [`FailureKind::of`]), never retried.
    fn expect_ok(reply: Reply) -> Result<Reply, StepError> {
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(StepError::Business {
                kind: FailureKind::of(reply.status, reply.code()),
                message: reply.detail(),
            })
        }
    }

    /// A 2xx answer as the contract type of its route; anything else from a live service is a
    /// transient failure (a deploy in between, say), retried.
    fn answer<T: serde::de::DeserializeOwned>(s: Service, reply: Reply) -> Result<T, StepError> {
        let reply = Self::expect_ok(reply)?;
        reply.parse().map_err(|e| StepError::Transient {
            service: s.name(),
            message: format!("the answer does not match the contract: {e}"),
        })
    }
}

impl SagaServices for Clients {
    /// Creates the order; answers the order as it is now (a repeat answers the existing one).
    fn create_order<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, OrderStatus> {
        Box::pin(async move {
            let body = CreateOrderRequest {
                order_id: input.order_id.clone(),
                customer_id: input.customer_id.clone(),
                lines: input.lines.clone(),
                currency: Some(input.currency.clone()),
                shipping_address: input.shipping_address.clone(),
            };
            let r = self
                .call(Service::Order, "POST", "/internal/orders", Some(&body))
                .await?;
            let order: Order = Self::answer(Service::Order, r)?;
            Ok(order.status)
        })
    }

    fn set_status<'a>(&'a self, s: &'a StatusUpdate) -> Step<'a, ()> {
        Box::pin(async move {
            let body = SetStatusRequest {
                status: s.status,
                reason: s.reason.clone(),
                expected_version: None,
            };
            let r = self
                .call(
                    Service::Order,
                    "POST",
                    &format!("/internal/orders/{}/status", s.order_id),
                    Some(&body),
                )
                .await?;
            Self::answer::<Order>(Service::Order, r).map(drop)
        })
    }

    fn reserve<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()> {
        Box::pin(async move {
            let body = ReserveRequest {
                order_id: input.order_id.clone(),
                lines: input
                    .lines
                    .iter()
                    .map(|l| ReserveLine {
                        product_id: l.product_id.clone(),
                        quantity: l.quantity,
                    })
                    .collect(),
            };
            let r = self
                .call(
                    Service::Inventory,
                    "POST",
                    "/internal/reservations",
                    Some(&body),
                )
                .await?;
            Self::answer::<Reservation>(Service::Inventory, r).map(drop)
        })
    }

    fn release<'a>(&'a self, order_id: &'a str) -> Step<'a, ()> {
        Box::pin(async move {
            let r = self
                .call(
                    Service::Inventory,
                    "POST",
                    &format!("/internal/reservations/{order_id}/release"),
                    None::<&()>,
                )
                .await?;
            Self::answer::<ReleaseOutcome>(Service::Inventory, r).map(drop)
        })
    }

    /// Charges the order's total to its payment-method token (never a card number).
    fn charge<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()> {
        Box::pin(async move {
            let body = ChargeRequest {
                order_id: input.order_id.clone(),
                amount_cents: input.total_cents,
                currency: Some(input.currency.clone()),
                payment_token: input.payment.token.clone(),
            };
            let r = self
                .call(Service::Payment, "POST", "/internal/payments", Some(&body))
                .await?;
            Self::answer::<Payment>(Service::Payment, r).map(drop)
        })
    }

    fn refund<'a>(&'a self, order_id: &'a str) -> Step<'a, ()> {
        Box::pin(async move {
            let r = self
                .call(
                    Service::Payment,
                    "POST",
                    &format!("/internal/payments/{order_id}/refund"),
                    None::<&()>,
                )
                .await?;
            Self::answer::<RefundOutcome>(Service::Payment, r).map(drop)
        })
    }

    fn notify<'a>(&'a self, s: &'a StatusUpdate) -> Step<'a, ()> {
        Box::pin(async move {
            let body = SendNotification {
                id: Some(format!("{}:{}", s.order_id, s.status)),
                customer_id: s.customer_id.clone(),
                order_id: Some(s.order_id.clone()),
                kind: NotificationKind::OrderStatus,
                message: status_message(s.status, s.reason.as_deref()),
                data: OrderStatusData {
                    status: s.status,
                    reason: s.reason.clone(),
                },
                receipt: s.receipt.clone(),
            };
            let r = self
                .call(
                    Service::Notification,
                    "POST",
                    "/internal/notifications",
                    Some(&body),
                )
                .await?;
            Self::answer::<SendOutcome>(Service::Notification, r).map(drop)
        })
    }
}

/// What the shopper is told at each status.
pub fn status_message(status: OrderStatus, reason: Option<&str>) -> String {
    let reason = reason.unwrap_or("no reason was given");
    match status {
        OrderStatus::Pending => "We received your order.".to_string(),
        OrderStatus::Reserved => "Your items are reserved.".to_string(),
        OrderStatus::Paid => "Your payment went through.".to_string(),
        OrderStatus::Confirmed => "Your order is confirmed.".to_string(),
        OrderStatus::Compensating => format!("We are undoing your order: {reason}"),
        OrderStatus::Cancelled => format!("Your order was cancelled: {reason}"),
    }
}
