//! The orders table in DynamoDB.
//!
//! `order#<id>`: `id`, `customer_id`, `lines` (list of maps), `total_cents`, `currency`,
//! `status`, `history` (list of maps), `version`, `created_at`, `updated_at`,
//! `shipping_address` (a map; absent for an order without one), and
//! `created_key` = [`list_key`] (`<created_at>#<id>`), the range key of the `by_customer`
//! index (hash key `customer_id`) that lists a shopper's orders newest first, and of the
//! `by_status` index (hash key `status`) and the `all_orders` index (hash key `all_orders`,
//! always [`ALL_ORDERS`]) that list the admins' overview newest first. (Orders written before
//! the `all_orders` attribute existed are only in `by_status`.)
//!
//! The rules are [`crate::domain`]'s; this adapter only makes each write conditional on what
//! the decision was based on: a create on the id being unused, a status change on the
//! version it read. When the condition fails it reads again and decides again.

use super::{OrderStore, StoreError};
use crate::domain::{
    ALL_ORDERS, ALL_ORDERS_KEY, Address, Created, Decision, NewOrder, Order, OrderError, OrderLine,
    OrderPage, OrderStatus, PageRequest, StatusChange, Transition, create_or_replay, decide,
    list_key,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::AttributeValue;
use sagaway_shared::dynamo::attr::{
    AttrError, Item, error_text, get_list, get_n, get_s, n, now, opt_s, s,
};
use sagaway_shared::dynamo::{get_by_pk, next_cursor};
use std::collections::HashMap;

pub const BY_CUSTOMER_INDEX: &str = "by_customer";
pub const BY_STATUS_INDEX: &str = "by_status";
pub const ALL_ORDERS_INDEX: &str = "all_orders";
/// Attempts before a write that keeps losing to other writers gives up with `Contention`.
const RETRIES: usize = 5;

fn err<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Backend(error_text(&e))
}

fn attr_err(e: AttrError) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Whether a write was refused by its condition.
fn condition_failed<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
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

fn address_attr(a: &Address) -> AttributeValue {
    let mut m = HashMap::from([
        ("line1".to_string(), s(&a.line1)),
        ("city".to_string(), s(&a.city)),
        ("postal_code".to_string(), s(&a.postal_code)),
        ("country".to_string(), s(&a.country)),
    ]);
    if let Some(l) = &a.line2 {
        m.insert("line2".into(), s(l));
    }
    AttributeValue::M(m)
}

fn address_from(item: &Item) -> Result<Option<Address>, StoreError> {
    let Some(v) = item.get("shipping_address") else {
        return Ok(None);
    };
    let m = v
        .as_m()
        .map_err(|_| StoreError::Backend("bad shipping_address".into()))?;
    Ok(Some(Address {
        line1: get_s(m, "line1").map_err(attr_err)?,
        line2: opt_s(m, "line2"),
        city: get_s(m, "city").map_err(attr_err)?,
        postal_code: get_s(m, "postal_code").map_err(attr_err)?,
        country: get_s(m, "country").map_err(attr_err)?,
    }))
}

fn order_item(o: &Order) -> Item {
    let mut item = HashMap::from([
        ("pk".to_string(), s(pk(&o.id))),
        ("id".to_string(), s(&o.id)),
        ("customer_id".to_string(), s(&o.customer_id)),
        (ALL_ORDERS_KEY.to_string(), s(ALL_ORDERS)),
        ("created_key".to_string(), s(list_key(&o.created_at, &o.id))),
        (
            "lines".to_string(),
            AttributeValue::L(o.lines.iter().map(line_attr).collect()),
        ),
        ("total_cents".to_string(), n(o.total_cents)),
        ("currency".to_string(), s(&o.currency)),
        ("status".to_string(), s(o.status.as_str())),
        (
            "history".to_string(),
            AttributeValue::L(o.history.iter().map(change_attr).collect()),
        ),
        ("version".to_string(), n(o.version)),
        ("created_at".to_string(), s(&o.created_at)),
        ("updated_at".to_string(), s(&o.updated_at)),
    ]);
    if let Some(a) = &o.shipping_address {
        item.insert("shipping_address".to_string(), address_attr(a));
    }
    item
}

fn order_from(item: &Item) -> Result<Order, StoreError> {
    let status = |v: String| {
        OrderStatus::parse(&v).ok_or_else(|| StoreError::Backend(format!("unknown status {v}")))
    };
    let lines = get_list(item, "lines")
        .iter()
        .map(|v| {
            let m = v
                .as_m()
                .map_err(|_| StoreError::Backend("bad line".into()))?;
            Ok(OrderLine {
                product_id: get_s(m, "product_id").map_err(attr_err)?,
                quantity: get_n(m, "quantity").map_err(attr_err)?,
                unit_price_cents: get_n(m, "unit_price_cents").map_err(attr_err)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let history = get_list(item, "history")
        .iter()
        .map(|v| {
            let m = v
                .as_m()
                .map_err(|_| StoreError::Backend("bad history".into()))?;
            Ok(StatusChange {
                status: status(get_s(m, "status").map_err(attr_err)?)?,
                at: get_s(m, "at").map_err(attr_err)?,
                reason: opt_s(m, "reason"),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Order {
        id: get_s(item, "id").map_err(attr_err)?,
        customer_id: get_s(item, "customer_id").map_err(attr_err)?,
        lines,
        total_cents: get_n(item, "total_cents").map_err(attr_err)?,
        currency: get_s(item, "currency").map_err(attr_err)?,
        status: status(get_s(item, "status").map_err(attr_err)?)?,
        shipping_address: address_from(item)?,
        history,
        version: get_n(item, "version").map_err(attr_err)?,
        created_at: get_s(item, "created_at").map_err(attr_err)?,
        updated_at: get_s(item, "updated_at").map_err(attr_err)?,
    })
}

/// The orders table.
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

    /// Writes a new order unless its id is taken; `false` when it is.
    async fn insert(&self, order: &Order) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(order_item(order)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(err(e)),
        }
    }
}

impl OrderStore for DynamoStore {
    async fn get(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let item = get_by_pk(&self.client, &self.table, pk(id))
            .await
            .map_err(err)?;
        item.as_ref().map(order_from).transpose()
    }

    async fn create(&self, new: &NewOrder) -> Result<Created, StoreError> {
        let at = now();
        // Optimistic: most creates are new, so write first and read only when the id is taken.
        let mut existing = None;
        for _ in 0..RETRIES {
            match create_or_replay(new, existing.as_ref(), &at)? {
                Created::New(order) => {
                    if self.insert(&order).await? {
                        return Ok(Created::New(order));
                    }
                    existing = self.get(&new.id).await?;
                }
                replay @ Created::Existing(_) => return Ok(replay),
            }
        }
        Err(StoreError::Contention)
    }

    async fn transition(&self, id: &str, t: &Transition) -> Result<Order, StoreError> {
        for _ in 0..RETRIES {
            let order = self
                .get(id)
                .await?
                .ok_or_else(|| OrderError::NotFound(id.to_string()))?;
            let update = match decide(&order, t, &now())? {
                Decision::Unchanged => return Ok(order),
                Decision::Apply(update) => update,
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
                .expression_attribute_values(":to", s(update.order.status.as_str()))
                .expression_attribute_values(":next", n(update.order.version))
                .expression_attribute_values(":current", n(update.if_version))
                .expression_attribute_values(":at", s(&update.order.updated_at))
                .expression_attribute_values(
                    ":change",
                    AttributeValue::L(vec![change_attr(&update.change)]),
                )
                .send()
                .await;
            match result {
                // The condition held, so the stored order is now exactly the decided one.
                Ok(_) => return Ok(update.order),
                // Another writer got there first: read again and decide again (a stale
                // `expected_version` is then refused by the decision).
                Err(e) if condition_failed(&e) => continue,
                Err(e) => return Err(err(e)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn for_customer(
        &self,
        customer_id: &str,
        page: &PageRequest,
    ) -> Result<OrderPage, StoreError> {
        self.newest_first(BY_CUSTOMER_INDEX, "customer_id", customer_id, page)
            .await
    }

    async fn all(
        &self,
        status: Option<OrderStatus>,
        page: &PageRequest,
    ) -> Result<OrderPage, StoreError> {
        match status {
            Some(st) => {
                self.newest_first(BY_STATUS_INDEX, "status", st.as_str(), page)
                    .await
            }
            None => {
                self.newest_first(ALL_ORDERS_INDEX, ALL_ORDERS_KEY, ALL_ORDERS, page)
                    .await
            }
        }
    }
}

impl DynamoStore {
    /// One page of the orders whose `hash_attr` is `value`, from the index that has it as its
    /// hash key and `created_key` as its range key: newest first.
    async fn newest_first(
        &self,
        index: &str,
        hash_attr: &str,
        value: &str,
        page: &PageRequest,
    ) -> Result<OrderPage, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", hash_attr)
            .expression_attribute_values(":h", s(value))
            .scan_index_forward(false)
            .limit(page.limit);
        if let Some(after) = &page.after {
            q = q
                .exclusive_start_key(hash_attr, s(value))
                .exclusive_start_key("created_key", s(&after.key))
                .exclusive_start_key("pk", s(pk(&after.id)));
        }
        let out = q.send().await.map_err(err)?;
        let items = out
            .items()
            .iter()
            .map(order_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = next_cursor(out.last_evaluated_key(), "created_key").map_err(attr_err)?;
        Ok(OrderPage { items, next_cursor })
    }
}
