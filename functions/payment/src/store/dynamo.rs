//! The payment store in DynamoDB. Each write encodes the condition of the domain transition it
//! stands for, so that concurrent calls (two Lambda instances) cannot both win.
//!
//! `payment#<order id>`: `order_id`, `amount_cents`, `currency`, `card_last4`, `status`,
//! `provider_reference`, `decline_code`, `attempts`, `captures`, `lease_until` (epoch
//! seconds), `created_at`, `updated_at`.
//!
//! The vault is its own table (`METHODS_TABLE`), items `method#<token>`: `token`, `card` (the
//! provider's behaviour for it), `brand`, `last4`, `expires_at` (epoch seconds, the table's TTL
//! attribute), `created_at`. Never the card number.

use super::{PaymentStore, StoreError};
use crate::domain::{
    CardBrand, Lease, LeasePlan, Payment, PaymentRecord, PaymentStatus, VaultedCard,
};
use crate::provider::{Card, Outcome};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::ReturnValue;
use sagaway_shared::dynamo::attr::{AttrError, Item, error_text, get_n, get_s, n, now, opt_s, s};
use sagaway_shared::dynamo::get_by_pk;

/// A failed call: `Conflict` when its condition did not hold, `Failed` otherwise.
fn err<E>(e: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let conditional = e
        .as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException");
    if conditional {
        StoreError::Conflict
    } else {
        StoreError::Failed(error_text(&e))
    }
}

fn attr_err(e: AttrError) -> StoreError {
    StoreError::Failed(e.to_string())
}

fn pk(order_id: &str) -> String {
    format!("payment#{order_id}")
}

fn record_from(item: &Item) -> Result<PaymentRecord, StoreError> {
    let status = get_s(item, "status").map_err(attr_err)?;
    Ok(PaymentRecord {
        payment: Payment {
            order_id: get_s(item, "order_id").map_err(attr_err)?,
            amount_cents: get_n(item, "amount_cents").map_err(attr_err)?,
            currency: get_s(item, "currency").map_err(attr_err)?,
            card_last4: get_s(item, "card_last4").unwrap_or_default(),
            status: PaymentStatus::parse(&status)
                .ok_or_else(|| StoreError::Failed(format!("unknown status {status}")))?,
            provider_reference: opt_s(item, "provider_reference"),
            decline_code: opt_s(item, "decline_code"),
            attempts: get_n(item, "attempts").unwrap_or(0),
            captures: get_n(item, "captures").unwrap_or(0),
            created_at: get_s(item, "created_at").map_err(attr_err)?,
            updated_at: get_s(item, "updated_at").map_err(attr_err)?,
        },
        lease_until: get_n(item, "lease_until").unwrap_or(0),
    })
}

/// The payments and vault tables.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    methods_table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, methods_table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            methods_table: methods_table.into(),
        }
    }

    /// An update of the order's payment, stamped now and returning the item after it.
    fn update(&self, order_id: &str) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(order_id)))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":at", s(now()))
            .return_values(ReturnValue::AllNew)
    }

    /// Sends an update and reads the payment it left.
    async fn updated(&self, update: UpdateItemFluentBuilder) -> Result<Payment, StoreError> {
        let out = update.send().await.map_err(err)?;
        let item = out
            .attributes()
            .ok_or_else(|| StoreError::Failed("the update returned no item".into()))?;
        Ok(record_from(item)?.payment)
    }
}

impl PaymentStore for DynamoStore {
    async fn save_method(&self, v: &VaultedCard) -> Result<(), StoreError> {
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

    async fn method(&self, token: &str, now: i64) -> Result<Option<VaultedCard>, StoreError> {
        let Some(item) = get_by_pk(&self.client, &self.methods_table, format!("method#{token}"))
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let card = get_s(&item, "card").map_err(attr_err)?;
        let v = VaultedCard {
            token: get_s(&item, "token").map_err(attr_err)?,
            card: Card::from_name(&card)
                .ok_or_else(|| StoreError::Failed(format!("unknown card behaviour {card}")))?,
            brand: CardBrand::parse(&get_s(&item, "brand").unwrap_or_default()),
            last4: get_s(&item, "last4").map_err(attr_err)?,
            expires_at: get_n(&item, "expires_at").map_err(attr_err)?,
        };
        // TTL deletes expired items only eventually.
        Ok(v.is_usable(now).then_some(v))
    }

    async fn payment(&self, order_id: &str) -> Result<Option<PaymentRecord>, StoreError> {
        let item = get_by_pk(&self.client, &self.table, pk(order_id))
            .await
            .map_err(err)?;
        item.as_ref().map(record_from).transpose()
    }

    async fn take_lease(&self, plan: &LeasePlan) -> Result<(), StoreError> {
        match plan {
            LeasePlan::Start {
                lease,
                amount_cents,
                currency,
                card_last4,
            } => {
                let at = now();
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .item("pk", s(pk(&lease.order_id)))
                    .item("order_id", s(&lease.order_id))
                    .item("amount_cents", n(*amount_cents))
                    .item("currency", s(currency))
                    .item("card_last4", s(card_last4))
                    .item("status", s(PaymentStatus::Processing.as_str()))
                    .item("attempts", n(lease.attempt))
                    .item("captures", n(0))
                    .item("lease_until", n(lease.until))
                    .item("created_at", s(&at))
                    .item("updated_at", s(&at))
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await
                    .map_err(err)?;
            }
            LeasePlan::TakeOver { lease, now } => {
                self.update(&lease.order_id)
                    .update_expression(
                        "SET lease_until = :until, attempts = :attempt, updated_at = :at",
                    )
                    .condition_expression(
                        "#status = :processing AND attempts = :previous AND lease_until < :now",
                    )
                    .expression_attribute_values(":until", n(lease.until))
                    .expression_attribute_values(":attempt", n(lease.attempt))
                    .expression_attribute_values(":previous", n(lease.attempt - 1))
                    .expression_attribute_values(
                        ":processing",
                        s(PaymentStatus::Processing.as_str()),
                    )
                    .expression_attribute_values(":now", n(*now))
                    .return_values(ReturnValue::None)
                    .send()
                    .await
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    async fn record_outcome(
        &self,
        lease: &Lease,
        outcome: &Outcome,
    ) -> Result<Payment, StoreError> {
        let update = self
            .update(&lease.order_id)
            .condition_expression("#status = :processing AND attempts = :attempt")
            .expression_attribute_values(":processing", s(PaymentStatus::Processing.as_str()))
            .expression_attribute_values(":attempt", n(lease.attempt))
            .expression_attribute_values(":zero", n(0));
        let update = match outcome {
            Outcome::Approved { reference } => update
                .update_expression(
                    "SET #status = :charged, provider_reference = :ref, captures = captures + :one, \
                     lease_until = :zero, updated_at = :at",
                )
                .expression_attribute_values(":charged", s(PaymentStatus::Charged.as_str()))
                .expression_attribute_values(":ref", s(reference))
                .expression_attribute_values(":one", n(1)),
            Outcome::Declined { code } => update
                .update_expression(
                    "SET #status = :declined, decline_code = :code, lease_until = :zero, updated_at = :at",
                )
                .expression_attribute_values(":declined", s(PaymentStatus::Declined.as_str()))
                .expression_attribute_values(":code", s(*code)),
            Outcome::ProcessingError => {
                update.update_expression("SET lease_until = :zero, updated_at = :at")
            }
        };
        self.updated(update).await
    }

    async fn tombstone(&self, order_id: &str) -> Result<(), StoreError> {
        let at = now();
        self.client
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
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn refund(&self, order_id: &str) -> Result<Payment, StoreError> {
        let update = self
            .update(order_id)
            .update_expression("SET #status = :to, updated_at = :at")
            .condition_expression("#status = :from")
            .expression_attribute_values(":to", s(PaymentStatus::Refunded.as_str()))
            .expression_attribute_values(":from", s(PaymentStatus::Charged.as_str()));
        self.updated(update).await
    }

    async fn void(&self, order_id: &str, now: i64) -> Result<Payment, StoreError> {
        let update = self
            .update(order_id)
            .update_expression("SET #status = :to, updated_at = :at")
            .condition_expression("#status = :from AND lease_until < :now")
            .expression_attribute_values(":to", s(PaymentStatus::Voided.as_str()))
            .expression_attribute_values(":from", s(PaymentStatus::Processing.as_str()))
            .expression_attribute_values(":now", n(now));
        self.updated(update).await
    }
}
