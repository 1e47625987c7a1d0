//! The notifications table in DynamoDB (hash key `pk`, range key `sk`).
//!
//! - `pk = notif#<customer>`, `sk = <created_at>#<id>` ([`list_key`]): a notification
//!   (newest last, read in reverse).
//! - `pk = notifid#<id>`, `sk = -`: marks a notification id as used (idempotency); its
//!   `email` (`claimed`, `sent`, `failed`), `email_at`, `email_message_id`, `email_error`
//!   say where the notification's email is (claimed with a conditional write: once).
//! - `pk = conn#<customer>`, `sk = <connection id>`: an open WebSocket connection.
//! - `pk = connection#<connection id>`, `sk = -`: its customer (for `$disconnect`).
//!
//! A notification and its id's mark are written in one transaction, the mark only if it is
//! new, so a repeated id stores nothing.

use super::{NotificationPage, NotificationStore, StoreError};
use crate::domain::{EmailState, Notification, PageRequest, Saved, list_key};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use sagaway_shared::dynamo::attr::{AttrError, Item, error_text, get_s, now, opt_s, s};
use sagaway_shared::dynamo::next_cursor;

fn err<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Backend(error_text(&e))
}

fn attr_err(e: AttrError) -> StoreError {
    StoreError::Backend(e.to_string())
}

const NONE_SK: &str = "-";

fn notification_from(item: &Item) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: get_s(item, "id").map_err(attr_err)?,
        customer_id: get_s(item, "customer_id").map_err(attr_err)?,
        order_id: opt_s(item, "order_id"),
        kind: serde_json::from_value(serde_json::Value::String(
            get_s(item, "kind").map_err(attr_err)?,
        ))
        .map_err(|e| StoreError::Backend(format!("unknown kind: {e}")))?,
        message: get_s(item, "message").map_err(attr_err)?,
        data: serde_json::from_str(&get_s(item, "data").map_err(attr_err)?)
            .map_err(|e| StoreError::Backend(format!("unreadable data: {e}")))?,
        created_at: get_s(item, "created_at").map_err(attr_err)?,
    })
}

/// The notifications table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn mark_key(id: &str) -> [(&'static str, aws_sdk_dynamodb::types::AttributeValue); 2] {
    [("pk", s(format!("notifid#{id}"))), ("sk", s(NONE_SK))]
}

impl NotificationStore for DynamoStore {
    async fn claim_email(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let [(pk, pkv), (sk, skv)] = mark_key(id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(pk, pkv)
            .key(sk, skv)
            .update_expression("SET #email = :claimed, #email_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#email)")
            .expression_attribute_names("#email", "email")
            .expression_attribute_names("#email_at", "email_at")
            .expression_attribute_values(":claimed", s("claimed"))
            .expression_attribute_values(":at", s(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err(e)),
        }
    }

    async fn record_email(&self, id: &str, state: &EmailState) -> Result<(), StoreError> {
        let [(pk, pkv), (sk, skv)] = mark_key(id);
        let (status, field, value) = match state {
            EmailState::Claimed(at) => ("claimed", "email_at", at),
            EmailState::Sent(message_id) => ("sent", "email_message_id", message_id),
            EmailState::Failed(why) => ("failed", "email_error", why),
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .key(pk, pkv)
            .key(sk, skv)
            .update_expression("SET #email = :status, #field = :value")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#email", "email")
            .expression_attribute_names("#field", field)
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":value", s(value.as_str()))
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn email_state(&self, id: &str) -> Result<Option<EmailState>, StoreError> {
        let [(pk, pkv), (sk, skv)] = mark_key(id);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(pk, pkv)
            .key(sk, skv)
            .consistent_read(true)
            .send()
            .await
            .map_err(err)?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let text = |k: &str| opt_s(item, k).unwrap_or_default();
        Ok(match opt_s(item, "email").as_deref() {
            Some("claimed") => Some(EmailState::Claimed(text("email_at"))),
            Some("sent") => Some(EmailState::Sent(text("email_message_id"))),
            Some("failed") => Some(EmailState::Failed(text("email_error"))),
            _ => None,
        })
    }

    async fn save(&self, n: &Notification) -> Result<Saved, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(format!("notif#{}", n.customer_id)))
            .item("sk", s(list_key(&n.created_at, &n.id)))
            .item("id", s(&n.id))
            .item("customer_id", s(&n.customer_id))
            .item("kind", s(n.kind.as_str()))
            .item("message", s(&n.message))
            .item(
                "data",
                s(serde_json::to_string(&n.data)
                    .map_err(|e| StoreError::Backend(e.to_string()))?),
            )
            .item("created_at", s(&n.created_at));
        if let Some(o) = &n.order_id {
            put = put.item("order_id", s(o));
        }
        let mark = Put::builder()
            .table_name(&self.table)
            .item("pk", s(format!("notifid#{}", n.id)))
            .item("sk", s(NONE_SK))
            .item("customer_id", s(&n.customer_id))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(err)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(mark).build())
            .transact_items(
                TransactWriteItem::builder()
                    .put(put.build().map_err(err)?)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Saved::New),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c))
                    if c.cancellation_reasons().first().and_then(|r| r.code())
                        == Some("ConditionalCheckFailed") =>
                {
                    Ok(Saved::Repeat)
                }
                _ => Err(err(e)),
            },
        }
    }

    async fn list(
        &self,
        customer_id: &str,
        page: &PageRequest,
    ) -> Result<NotificationPage, StoreError> {
        let pk = format!("notif#{customer_id}");
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false)
            .limit(page.limit);
        if let Some(sk) = &page.after {
            q = q
                .exclusive_start_key("pk", s(&pk))
                .exclusive_start_key("sk", s(sk));
        }
        let out = q.send().await.map_err(err)?;
        let items = out
            .items()
            .iter()
            .map(notification_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = next_cursor(out.last_evaluated_key(), "sk").map_err(attr_err)?;
        Ok(NotificationPage { items, next_cursor })
    }

    async fn connect(&self, customer_id: &str, connection_id: &str) -> Result<(), StoreError> {
        let at = now();
        let by_customer = Put::builder()
            .table_name(&self.table)
            .item("pk", s(format!("conn#{customer_id}")))
            .item("sk", s(connection_id))
            .item("connected_at", s(&at))
            .build()
            .map_err(err)?;
        let by_id = Put::builder()
            .table_name(&self.table)
            .item("pk", s(format!("connection#{connection_id}")))
            .item("sk", s(NONE_SK))
            .item("customer_id", s(customer_id))
            .item("connected_at", s(&at))
            .build()
            .map_err(err)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(by_customer).build())
            .transact_items(TransactWriteItem::builder().put(by_id).build())
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn disconnect(&self, connection_id: &str) -> Result<(), StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("connection#{connection_id}")))
            .key("sk", s(NONE_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(err)?;
        let Some(customer_id) = out.item().and_then(|i| opt_s(i, "customer_id")) else {
            return Ok(());
        };
        self.forget(&customer_id, connection_id).await
    }

    /// Deletes both records of a connection.
    async fn forget(&self, customer_id: &str, connection_id: &str) -> Result<(), StoreError> {
        let a = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(format!("conn#{customer_id}")))
            .key("sk", s(connection_id))
            .build()
            .map_err(err)?;
        let b = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(format!("connection#{connection_id}")))
            .key("sk", s(NONE_SK))
            .build()
            .map_err(err)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(a).build())
            .transact_items(TransactWriteItem::builder().delete(b).build())
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn connections(&self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("conn#{customer_id}")))
            .send()
            .await
            .map_err(err)?;
        out.items()
            .iter()
            .map(|i| get_s(i, "sk").map_err(attr_err))
            .collect()
    }
}
