//! The orders table in DynamoDB.
//!
//! `order#<id>`: `id`, `customer_id`, `lines` (list of maps), `total_cents`, `currency`,
//! `status`, `history` (list of maps), `version`, `created_at`, `updated_at`, and
//! `created_key` = `<created_at>#<id>`, the range key of the `by_customer` index (hash key
//! `customer_id`) that lists a shopper's orders newest first.

use crate::domain::{
    Decision, NewOrder, Order, OrderError, OrderLine, OrderPage, OrderStatus, StatusChange,
    Transition, decide,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use sagaway_shared::dynamo::attr::{
    Item, decode_cursor, encode_cursor, error_text, get_list, get_n, get_s, n, now, opt_s, s,
};
use sagaway_shared::dynamo::get_by_pk;
use std::collections::HashMap;

pub const BY_CUSTOMER_INDEX: &str = "by_customer";
const RETRIES: usize = 5;

fn err<E: std::error::Error + 'static>(e: E) -> OrderError {
    OrderError::Store(error_text(&e))
}

fn attr_err(e: sagaway_shared::dynamo::attr::AttrError) -> OrderError {
    OrderError::Store(e.to_string())
}

fn pk(id: &str) -> String {
    format!("order#{id}")
}

fn line_attr(l: &OrderLine) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("product_id".to_string(), s(&l.product_id)),
        ("quantity".to_string(), n(l.quantity)),
        ("unit_price_cents".to_string(), n(l.unit_price_cents)),
    ]))
}

fn change_attr(c: &StatusChange) -> AttributeValue {
    let mut m = HashMap::from([
        ("status".to_string(), s(c.status.as_str())),
        ("at".to_string(), s(&c.at)),
    ]);
    if let Some(r) = &c.reason {
        m.insert("reason".into(), s(r));
    }
    AttributeValue::M(m)
}

fn order_from(item: &Item) -> Result<Order, OrderError> {
    let status = |v: String| {
        OrderStatus::parse(&v).ok_or_else(|| OrderError::Store(format!("unknown status {v}")))
    };
    let lines = get_list(item, "lines")
        .iter()
        .map(|v| {
            let m = v.as_m().map_err(|_| OrderError::Store("bad line".into()))?;
            Ok(OrderLine {
                product_id: get_s(m, "product_id").map_err(attr_err)?,
                quantity: get_n(m, "quantity").map_err(attr_err)?,
                unit_price_cents: get_n(m, "unit_price_cents").map_err(attr_err)?,
            })
        })
        .collect::<Result<Vec<_>, OrderError>>()?;
    let history = get_list(item, "history")
        .iter()
        .map(|v| {
            let m = v
                .as_m()
                .map_err(|_| OrderError::Store("bad history".into()))?;
            Ok(StatusChange {
                status: status(get_s(m, "status").map_err(attr_err)?)?,
                at: get_s(m, "at").map_err(attr_err)?,
                reason: opt_s(m, "reason"),
            })
        })
        .collect::<Result<Vec<_>, OrderError>>()?;
    Ok(Order {
        id: get_s(item, "id").map_err(attr_err)?,
        customer_id: get_s(item, "customer_id").map_err(attr_err)?,
        lines,
        total_cents: get_n(item, "total_cents").map_err(attr_err)?,
        currency: get_s(item, "currency").map_err(attr_err)?,
        status: status(get_s(item, "status").map_err(attr_err)?)?,
        history,
        version: get_n(item, "version").map_err(attr_err)?,
        created_at: get_s(item, "created_at").map_err(attr_err)?,
        updated_at: get_s(item, "updated_at").map_err(attr_err)?,
    })
}

/// The result of a create.
pub enum Created {
    New(Order),
    Existing(Order),
}

/// The orders table.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<Order>, OrderError> {
        let item = get_by_pk(&self.client, &self.table, pk(id))
            .await
            .map_err(err)?;
        item.as_ref().map(order_from).transpose()
    }

    /// Creates the order in PENDING; a repeat with the same contents returns it unchanged.
    pub async fn create(&self, new: &NewOrder) -> Result<Created, OrderError> {
        let at = now();
        let first = StatusChange {
            status: OrderStatus::Pending,
            at: at.clone(),
            reason: None,
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk(&new.id)))
            .item("id", s(&new.id))
            .item("customer_id", s(&new.customer_id))
            .item("created_key", s(format!("{at}#{}", new.id)))
            .item(
                "lines",
                AttributeValue::L(new.lines.iter().map(line_attr).collect()),
            )
            .item("total_cents", n(new.total_cents))
            .item("currency", s(&new.currency))
            .item("status", s(OrderStatus::Pending.as_str()))
            .item("history", AttributeValue::L(vec![change_attr(&first)]))
            .item("version", n(1))
            .item("created_at", s(&at))
            .item("updated_at", s(&at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Created::New(Order {
                id: new.id.clone(),
                customer_id: new.customer_id.clone(),
                lines: new.lines.clone(),
                total_cents: new.total_cents,
                currency: new.currency.clone(),
                status: OrderStatus::Pending,
                history: vec![first],
                version: 1,
                created_at: at.clone(),
                updated_at: at,
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                let existing = self
                    .get(&new.id)
                    .await?
                    .ok_or_else(|| OrderError::Store("order vanished".into()))?;
                if new.matches(&existing) {
                    Ok(Created::Existing(existing))
                } else {
                    Err(OrderError::Mismatch(new.id.clone()))
                }
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Applies a status change under the order's version; idempotent (see `domain::decide`).
    pub async fn transition(&self, id: &str, t: &Transition) -> Result<Order, OrderError> {
        for _ in 0..RETRIES {
            let order = self
                .get(id)
                .await?
                .ok_or_else(|| OrderError::NotFound(id.to_string()))?;
            if decide(&order, t)? == Decision::Unchanged {
                return Ok(order);
            }
            let change = StatusChange {
                status: t.to,
                at: now(),
                reason: t.reason.clone(),
            };
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(pk(id)))
                .update_expression(
                    "SET #status = :to, #version = :next, #updated_at = :at, \
                     #history = list_append(#history, :change)",
                )
                .condition_expression("#version = :current")
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#version", "version")
                .expression_attribute_names("#updated_at", "updated_at")
                .expression_attribute_names("#history", "history")
                .expression_attribute_values(":to", s(t.to.as_str()))
                .expression_attribute_values(":next", n(order.version + 1))
                .expression_attribute_values(":current", n(order.version))
                .expression_attribute_values(":at", s(&change.at))
                .expression_attribute_values(
                    ":change",
                    AttributeValue::L(vec![change_attr(&change)]),
                )
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let item = out
                        .attributes()
                        .ok_or_else(|| OrderError::Store("update returned nothing".into()))?;
                    return order_from(item);
                }
                // Another writer got there first: read again and decide again.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                {
                    if t.expected_version.is_some() {
                        let actual = self.get(id).await?.map(|o| o.version).unwrap_or_default();
                        return Err(OrderError::VersionConflict {
                            id: id.to_string(),
                            expected: t.expected_version.unwrap_or_default(),
                            actual,
                        });
                    }
                    continue;
                }
                Err(e) => return Err(err(e)),
            }
        }
        Err(OrderError::Contention)
    }

    /// A shopper's orders, newest first.
    pub async fn for_customer(
        &self,
        customer_id: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<OrderPage, OrderError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_CUSTOMER_INDEX)
            .key_condition_expression("#c = :c")
            .expression_attribute_names("#c", "customer_id")
            .expression_attribute_values(":c", s(customer_id))
            .scan_index_forward(false)
            .limit(limit);
        if let Some(cursor) = cursor {
            let bad = || {
                OrderError::Invalid(crate::domain::ValidationError {
                    field: "cursor".into(),
                    message: "is not a cursor this API returned".into(),
                })
            };
            let key = decode_cursor(cursor).ok_or_else(bad)?;
            let (_, id) = key.rsplit_once('#').ok_or_else(bad)?;
            q = q
                .exclusive_start_key("customer_id", s(customer_id))
                .exclusive_start_key("created_key", s(&key))
                .exclusive_start_key("pk", s(pk(id)));
        }
        let out = q.send().await.map_err(err)?;
        let items = out
            .items()
            .iter()
            .map(order_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = match out.last_evaluated_key() {
            Some(k) => Some(encode_cursor(&get_s(k, "created_key").map_err(attr_err)?)),
            None => None,
        };
        Ok(OrderPage { items, next_cursor })
    }
}
