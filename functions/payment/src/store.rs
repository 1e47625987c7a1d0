//! The payments table in DynamoDB, and the charge/refund flows over it.
//!
//! `payment#<order id>`: `order_id`, `amount_cents`, `currency`, `card_last4`, `status`,
//! `provider_reference`, `decline_code`, `attempts`, `captures`, `lease_until` (epoch
//! seconds), `created_at`, `updated_at`.
//!
//! The vault is its own table (`METHODS_TABLE`), items `method#<token>`: `token`, `card` (the provider's behaviour for it), `brand`,
//! `last4`, `expires_at` (epoch seconds, the table's TTL attribute), `created_at`. Never the
//! card number.

use crate::domain::{
    CardBrand, ChargeRequest, LEASE_SECS, Payment, PaymentError, PaymentStatus, RefundOutcome,
    VaultedCard,
};
use crate::provider::{self, Card, Outcome};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValue;
use sagaway_shared::dynamo::attr::{Item, error_text, get_n, get_s, n, now, opt_s, s};
use sagaway_shared::dynamo::get_by_pk;

fn err<E: std::error::Error + 'static>(e: E) -> PaymentError {
    PaymentError::Store(error_text(&e))
}

fn attr_err(e: sagaway_shared::dynamo::attr::AttrError) -> PaymentError {
    PaymentError::Store(e.to_string())
}

fn pk(order_id: &str) -> String {
    format!("payment#{order_id}")
}

/// Now, in epoch seconds (leases, token expiry).
pub fn epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

fn payment_from(item: &Item) -> Result<Payment, PaymentError> {
    let status = get_s(item, "status").map_err(attr_err)?;
    Ok(Payment {
        order_id: get_s(item, "order_id").map_err(attr_err)?,
        amount_cents: get_n(item, "amount_cents").map_err(attr_err)?,
        currency: get_s(item, "currency").map_err(attr_err)?,
        card_last4: get_s(item, "card_last4").unwrap_or_default(),
        status: PaymentStatus::parse(&status)
            .ok_or_else(|| PaymentError::Store(format!("unknown status {status}")))?,
        provider_reference: opt_s(item, "provider_reference"),
        decline_code: opt_s(item, "decline_code"),
        attempts: get_n(item, "attempts").unwrap_or(0),
        captures: get_n(item, "captures").unwrap_or(0),
        created_at: get_s(item, "created_at").map_err(attr_err)?,
        updated_at: get_s(item, "updated_at").map_err(attr_err)?,
    })
}

fn is_conditional<E>(e: &aws_sdk_dynamodb::error::SdkError<E>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// The result of a charge that did not fail.
pub enum Charged {
    /// Captured now.
    New(Payment),
    /// The first result, returned again.
    Repeated(Payment),
}

/// The payments table.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
    methods_table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>, methods_table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            methods_table: methods_table.into(),
        }
    }

    /// Puts a card in the vault.
    pub async fn save_method(&self, v: &VaultedCard) -> Result<(), PaymentError> {
        self.client
            .put_item()
            .table_name(&self.methods_table)
            .item("pk", s(format!("method#{}", v.token)))
            .item("token", s(&v.token))
            .item("card", s(v.card.name()))
            .item("brand", s(v.brand.as_str()))
            .item("last4", s(&v.last4))
            .item("expires_at", n(v.expires_at))
            .item("created_at", s(now()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// A vaulted card by its token (expired ones too, until TTL removes them).
    pub async fn method(&self, token: &str) -> Result<Option<VaultedCard>, PaymentError> {
        let Some(item) = get_by_pk(&self.client, &self.methods_table, format!("method#{token}"))
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let card = get_s(&item, "card").map_err(attr_err)?;
        Ok(Some(VaultedCard {
            token: get_s(&item, "token").map_err(attr_err)?,
            card: Card::from_name(&card)
                .ok_or_else(|| PaymentError::Store(format!("unknown card behaviour {card}")))?,
            brand: CardBrand::parse(&get_s(&item, "brand").unwrap_or_default()),
            last4: get_s(&item, "last4").map_err(attr_err)?,
            expires_at: get_n(&item, "expires_at").map_err(attr_err)?,
        }))
    }

    pub async fn get(&self, order_id: &str) -> Result<Option<Payment>, PaymentError> {
        let item = get_by_pk(&self.client, &self.table, pk(order_id))
            .await
            .map_err(err)?;
        item.as_ref().map(payment_from).transpose()
    }

    /// Charges once per order id. See `domain` for the rules.
    pub async fn charge(&self, req: &ChargeRequest) -> Result<Charged, PaymentError> {
        // 1. Make sure a record exists (PROCESSING) for this order.
        let at = now();
        let created = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk(&req.order_id)))
            .item("order_id", s(&req.order_id))
            .item("amount_cents", n(req.amount_cents))
            .item("currency", s(&req.currency))
            .item("card_last4", s(&req.card_last4))
            .item("status", s(PaymentStatus::Processing.as_str()))
            .item("attempts", n(0))
            .item("captures", n(0))
            .item("lease_until", n(0))
            .item("created_at", s(&at))
            .item("updated_at", s(&at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if is_conditional(&e) => {}
            Err(e) => return Err(err(e)),
        }
        let existing = self
            .get(&req.order_id)
            .await?
            .ok_or_else(|| PaymentError::Store("payment vanished".into()))?;
        if existing.status == PaymentStatus::Voided {
            return Err(PaymentError::Closed(req.order_id.clone()));
        }
        if !req.matches(&existing) {
            return Err(PaymentError::Mismatch(req.order_id.clone()));
        }
        match existing.status {
            PaymentStatus::Charged => return Ok(Charged::Repeated(existing)),
            PaymentStatus::Declined => {
                return Err(PaymentError::Declined {
                    code: existing.decline_code.clone().unwrap_or_default(),
                    payment: Box::new(existing),
                });
            }
            PaymentStatus::Refunded | PaymentStatus::Voided => {
                return Err(PaymentError::Closed(req.order_id.clone()));
            }
            PaymentStatus::Processing => {}
        }

        // 2. Take the lease and count the attempt (refused while another call holds it).
        let now_s = epoch();
        let leased = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(&req.order_id)))
            .update_expression(
                "SET lease_until = :until, attempts = attempts + :one, updated_at = :at",
            )
            .condition_expression("#status = :processing AND lease_until < :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":until", n(now_s + LEASE_SECS))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", s(now()))
            .expression_attribute_values(":processing", s(PaymentStatus::Processing.as_str()))
            .expression_attribute_values(":now", n(now_s))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let attempt = match leased {
            Ok(out) => out
                .attributes()
                .map(|a| get_n(a, "attempts").unwrap_or(1))
                .unwrap_or(1),
            Err(e) if is_conditional(&e) => {
                // Someone else holds it, or finished meanwhile: answer from the record.
                let now = self
                    .get(&req.order_id)
                    .await?
                    .ok_or_else(|| PaymentError::Store("payment vanished".into()))?;
                return match now.status {
                    PaymentStatus::Charged => Ok(Charged::Repeated(now)),
                    PaymentStatus::Declined => Err(PaymentError::Declined {
                        code: now.decline_code.clone().unwrap_or_default(),
                        payment: Box::new(now),
                    }),
                    PaymentStatus::Processing => Err(PaymentError::InProgress),
                    _ => Err(PaymentError::Closed(req.order_id.clone())),
                };
            }
            Err(e) => return Err(err(e)),
        };

        // 3. Ask the provider and record its answer (only while still PROCESSING).
        let outcome = provider::charge(req.card, attempt).await;
        tracing::info!(order_id = %req.order_id, attempt, ?outcome, "provider answered");
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(&req.order_id)))
            .condition_expression("#status = :processing")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":processing", s(PaymentStatus::Processing.as_str()))
            .expression_attribute_values(":at", s(now()))
            .return_values(ReturnValue::AllNew);
        let update = match &outcome {
            Outcome::Approved { reference } => update
                .update_expression(
                    "SET #status = :charged, provider_reference = :ref, captures = captures + :one, \
                     lease_until = :zero, updated_at = :at",
                )
                .expression_attribute_values(":charged", s(PaymentStatus::Charged.as_str()))
                .expression_attribute_values(":ref", s(reference))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":zero", n(0)),
            Outcome::Declined { code } => update
                .update_expression(
                    "SET #status = :declined, decline_code = :code, lease_until = :zero, updated_at = :at",
                )
                .expression_attribute_values(":declined", s(PaymentStatus::Declined.as_str()))
                .expression_attribute_values(":code", s(*code))
                .expression_attribute_values(":zero", n(0)),
            Outcome::ProcessingError => update
                .update_expression("SET lease_until = :zero, updated_at = :at")
                .expression_attribute_values(":zero", n(0)),
        };
        let out = match update.send().await {
            Ok(out) => out,
            // Voided by a refund while the provider was answering.
            Err(e) if is_conditional(&e) => return Err(PaymentError::Closed(req.order_id.clone())),
            Err(e) => return Err(err(e)),
        };
        let payment = out
            .attributes()
            .map(payment_from)
            .transpose()?
            .ok_or_else(|| PaymentError::Store("update returned nothing".into()))?;
        match outcome {
            Outcome::Approved { .. } => Ok(Charged::New(payment)),
            Outcome::Declined { code } => Err(PaymentError::Declined {
                code: code.to_string(),
                payment: Box::new(payment),
            }),
            Outcome::ProcessingError => Err(PaymentError::ProviderUnavailable),
        }
    }

    /// Refunds once per order id. See `domain` for the rules.
    pub async fn refund(&self, order_id: &str) -> Result<RefundOutcome, PaymentError> {
        for _ in 0..5 {
            let Some(p) = self.get(order_id).await? else {
                let at = now();
                let voided = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .item("pk", s(pk(order_id)))
                    .item("order_id", s(order_id))
                    .item("amount_cents", n(0))
                    .item("currency", s("USD"))
                    .item("status", s(PaymentStatus::Voided.as_str()))
                    .item("attempts", n(0))
                    .item("captures", n(0))
                    .item("lease_until", n(0))
                    .item("created_at", s(&at))
                    .item("updated_at", s(&at))
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await;
                match voided {
                    Ok(_) => {
                        return Ok(RefundOutcome::NotCharged {
                            order_id: order_id.to_string(),
                        });
                    }
                    Err(e) if is_conditional(&e) => continue,
                    Err(e) => return Err(err(e)),
                }
            };
            let (to, condition) = match p.status {
                PaymentStatus::Refunded => {
                    return Ok(RefundOutcome::AlreadyRefunded { payment: p });
                }
                PaymentStatus::Voided | PaymentStatus::Declined => {
                    return Ok(RefundOutcome::NotCharged {
                        order_id: order_id.to_string(),
                    });
                }
                PaymentStatus::Charged => (PaymentStatus::Refunded, "#status = :from"),
                // Outcome unknown: void it once no attempt holds it any more.
                PaymentStatus::Processing => (
                    PaymentStatus::Voided,
                    "#status = :from AND lease_until < :now",
                ),
            };
            let mut update = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(pk(order_id)))
                .update_expression("SET #status = :to, updated_at = :at")
                .condition_expression(condition)
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":to", s(to.as_str()))
                .expression_attribute_values(":from", s(p.status.as_str()))
                .expression_attribute_values(":at", s(now()))
                .return_values(ReturnValue::AllNew);
            if p.status == PaymentStatus::Processing {
                update = update.expression_attribute_values(":now", n(epoch()));
            }
            let result = update.send().await;
            match result {
                Ok(out) => {
                    let payment = out
                        .attributes()
                        .map(payment_from)
                        .transpose()?
                        .ok_or_else(|| PaymentError::Store("update returned nothing".into()))?;
                    return Ok(if to == PaymentStatus::Refunded {
                        tracing::info!(%order_id, "refunded");
                        RefundOutcome::Refunded { payment }
                    } else {
                        tracing::info!(%order_id, "charge with unknown outcome voided");
                        RefundOutcome::NotCharged {
                            order_id: order_id.to_string(),
                        }
                    });
                }
                Err(e) if is_conditional(&e) => {
                    if p.status == PaymentStatus::Processing {
                        return Err(PaymentError::InProgress);
                    }
                    continue;
                }
                Err(e) => return Err(err(e)),
            }
        }
        Err(PaymentError::InProgress)
    }
}
