//! The inventory table in DynamoDB.
//!
//! One table, keyed by `pk`:
//! - `product#<id>`: a product (`id`, `name`, `description`, `price_cents`, `currency`,
//!   `stock`, `updated_at`) plus `catalog = "product"`, the hash key of the `catalog` index
//!   (range key `id`) that lists products in id order.
//! - `reservation#<order id>`: an order's reservation (`order_id`, `status`, `lines`,
//!   `created_at`, `released_at`).
//!
//! Reserve and release are single `TransactWriteItems` calls, so stock and reservation
//! change together or not at all; conditions keep stock from going below zero and make both
//! operations idempotent by order id.

use crate::domain::{
    InventoryError, Line, Product, ProductChange, ReleaseOutcome, Reservation, ReservationStatus,
    ReserveOutcome, ReserveRequest, Shortage,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValue, TransactWriteItem, Update,
};
use sagaway_shared::dynamo::attr::{self, Item, error_text, n, now, s};
use sagaway_shared::dynamo::get_by_pk;
use std::collections::HashMap;
use std::time::Duration;

/// Name of the global secondary index that lists the catalog.
pub const CATALOG_INDEX: &str = "catalog";
const CATALOG_KEY: &str = "product";
/// How often a transaction that lost a race with another one is tried again.
const CONFLICT_RETRIES: u32 = 6;

/// A page of the catalog.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<Product>,
    /// Pass as `?cursor=` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The inventory table.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

fn product_pk(id: &str) -> String {
    format!("product#{id}")
}

fn reservation_pk(order_id: &str) -> String {
    format!("reservation#{order_id}")
}

fn store_err<E: std::error::Error + 'static>(e: E) -> InventoryError {
    InventoryError::Store(error_text(&e))
}

fn get_s(item: &Item, key: &str) -> Result<String, InventoryError> {
    attr::get_s(item, key).map_err(|e| InventoryError::Store(e.to_string()))
}

fn get_n(item: &Item, key: &str) -> Result<i64, InventoryError> {
    attr::get_n(item, key).map_err(|e| InventoryError::Store(e.to_string()))
}

fn product_from(item: &Item) -> Result<Product, InventoryError> {
    Ok(Product {
        id: get_s(item, "id")?,
        name: get_s(item, "name")?,
        description: get_s(item, "description").unwrap_or_default(),
        price_cents: get_n(item, "price_cents")?,
        currency: get_s(item, "currency")?,
        stock: get_n(item, "stock")?,
        updated_at: get_s(item, "updated_at")?,
    })
}

fn lines_to_attr(lines: &[Line]) -> AttributeValue {
    AttributeValue::L(
        lines
            .iter()
            .map(|l| {
                AttributeValue::M(HashMap::from([
                    ("product_id".to_string(), s(&l.product_id)),
                    ("quantity".to_string(), n(l.quantity)),
                ]))
            })
            .collect(),
    )
}

fn reservation_from(item: &Item) -> Result<Reservation, InventoryError> {
    let status = get_s(item, "status")?;
    let status = ReservationStatus::parse(&status)
        .ok_or_else(|| InventoryError::Store(format!("unknown reservation status {status}")))?;
    let lines = match item.get("lines") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|v| match v {
                AttributeValue::M(m) => Ok(Line {
                    product_id: get_s(m, "product_id")?,
                    quantity: get_n(m, "quantity")?,
                }),
                _ => Err(InventoryError::Store(
                    "reservation line is not a map".into(),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    Ok(Reservation {
        order_id: get_s(item, "order_id")?,
        status,
        lines,
        created_at: get_s(item, "created_at")?,
        released_at: get_s(item, "released_at").ok(),
    })
}

/// The cancellation reasons of a cancelled transaction, or `None` for any other failure.
fn cancellation_reasons(
    err: &SdkError<TransactWriteItemsError>,
) -> Option<Vec<CancellationReason>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            Some(e.cancellation_reasons().to_vec())
        }
        _ => None,
    }
}

fn is_conflict(err: &SdkError<TransactWriteItemsError>) -> bool {
    matches!(
        err.as_service_error(),
        Some(TransactWriteItemsError::TransactionInProgressException(_))
            | Some(TransactWriteItemsError::ThrottlingException(_))
            | Some(TransactWriteItemsError::ProvisionedThroughputExceededException(_))
    )
}

fn reason_is(reasons: &[CancellationReason], index: usize, code: &str) -> bool {
    reasons.get(index).and_then(|r| r.code()) == Some(code)
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(20 * 2u64.pow(attempt.min(6)))).await;
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// One product, or `None`.
    pub async fn product(&self, id: &str) -> Result<Option<Product>, InventoryError> {
        let item = get_by_pk(&self.client, &self.table, product_pk(id))
            .await
            .map_err(store_err)?;
        item.as_ref().map(product_from).transpose()
    }

    /// A page of products in id order. `cursor` is the `next_cursor` of the previous page.
    pub async fn products(
        &self,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<ProductPage, InventoryError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CATALOG_INDEX)
            .key_condition_expression("#catalog = :c")
            .expression_attribute_names("#catalog", "catalog")
            .expression_attribute_values(":c", s(CATALOG_KEY))
            .limit(limit);
        if let Some(cursor) = cursor {
            let id = decode_cursor(cursor)?;
            query = query
                .exclusive_start_key("catalog", s(CATALOG_KEY))
                .exclusive_start_key("id", s(&id))
                .exclusive_start_key("pk", s(product_pk(&id)));
        }
        let out = query.send().await.map_err(store_err)?;
        let items = out
            .items()
            .iter()
            .map(product_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = match out.last_evaluated_key() {
            Some(key) => Some(encode_cursor(&get_s(key, "id")?)),
            None => None,
        };
        Ok(ProductPage { items, next_cursor })
    }

    /// Creates or updates a product's details; sets its stock when `change.stock` is given,
    /// and starts a new product at 0 otherwise.
    pub async fn put_product(
        &self,
        id: &str,
        change: &ProductChange,
    ) -> Result<Product, InventoryError> {
        let stock_expr = if change.stock.is_some() {
            "#stock = :stock"
        } else {
            "#stock = if_not_exists(#stock, :stock)"
        };
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(product_pk(id)))
            .update_expression(format!(
                "SET #id = :id, #catalog = :catalog, #entity = :entity, #name = :name, \
                 #description = :description, #price = :price, #currency = :currency, \
                 #updated_at = :now, {stock_expr}"
            ))
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#catalog", "catalog")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#description", "description")
            .expression_attribute_names("#price", "price_cents")
            .expression_attribute_names("#currency", "currency")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_names("#stock", "stock")
            .expression_attribute_values(":id", s(id))
            .expression_attribute_values(":catalog", s(CATALOG_KEY))
            .expression_attribute_values(":entity", s("product"))
            .expression_attribute_values(":name", s(&change.name))
            .expression_attribute_values(":description", s(&change.description))
            .expression_attribute_values(":price", n(change.price_cents))
            .expression_attribute_values(":currency", s(&change.currency))
            .expression_attribute_values(":now", s(now()))
            .expression_attribute_values(":stock", n(change.stock.unwrap_or(0)))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(store_err)?;
        let item = out
            .attributes()
            .ok_or_else(|| InventoryError::Store("update returned no attributes".into()))?;
        product_from(item)
    }

    /// Sets an existing product's stock.
    pub async fn set_stock(&self, id: &str, stock: i64) -> Result<Product, InventoryError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(product_pk(id)))
            .update_expression("SET #stock = :stock, #updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#stock", "stock")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":stock", n(stock))
            .expression_attribute_values(":now", s(now()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out
                    .attributes()
                    .ok_or_else(|| InventoryError::Store("update returned no attributes".into()))?;
                product_from(item)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(InventoryError::ProductNotFound(id.to_string()))
            }
            Err(e) => Err(store_err(e)),
        }
    }

    /// An order's reservation, or `None`.
    pub async fn reservation(&self, order_id: &str) -> Result<Option<Reservation>, InventoryError> {
        let item = get_by_pk(&self.client, &self.table, reservation_pk(order_id))
            .await
            .map_err(store_err)?;
        item.as_ref().map(reservation_from).transpose()
    }

    /// Reserves every line of `request` or none of them. Idempotent by order id.
    pub async fn reserve(
        &self,
        request: &ReserveRequest,
    ) -> Result<ReserveOutcome, InventoryError> {
        // A repeat is answered from the stored reservation without touching stock.
        if let Some(existing) = self.reservation(&request.order_id).await? {
            crate::domain::check_repeat(&existing, request)?;
            return Ok(ReserveOutcome::Repeated(existing));
        }
        let reservation = Reservation {
            order_id: request.order_id.clone(),
            status: ReservationStatus::Reserved,
            lines: request.lines.clone(),
            created_at: now(),
            released_at: None,
        };
        let mut items = vec![self.put_reservation(&reservation)?];
        for line in &request.lines {
            let update = Update::builder()
                .table_name(&self.table)
                .key("pk", s(product_pk(&line.product_id)))
                .update_expression("SET #stock = #stock - :q, #updated_at = :now")
                .condition_expression("attribute_exists(pk) AND #stock >= :q")
                .expression_attribute_names("#stock", "stock")
                .expression_attribute_names("#updated_at", "updated_at")
                .expression_attribute_values(":q", n(line.quantity))
                .expression_attribute_values(":now", s(now()))
                .build()
                .map_err(store_err)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }

        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(ReserveOutcome::Created(reservation)),
                Err(err) => err,
            };
            let Some(reasons) = cancellation_reasons(&err) else {
                if is_conflict(&err) && attempt < CONFLICT_RETRIES {
                    attempt += 1;
                    backoff(attempt).await;
                    continue;
                }
                if is_conflict(&err) {
                    return Err(InventoryError::Contention);
                }
                return Err(store_err(err));
            };
            if reason_is(&reasons, 0, "ConditionalCheckFailed") {
                // Another call for this order got there first.
                let existing = self.reservation(&request.order_id).await?.ok_or_else(|| {
                    InventoryError::Store("reservation vanished during reserve".into())
                })?;
                crate::domain::check_repeat(&existing, request)?;
                return Ok(ReserveOutcome::Repeated(existing));
            }
            let failed: Vec<&Line> = request
                .lines
                .iter()
                .enumerate()
                .filter(|(i, _)| reason_is(&reasons, i + 1, "ConditionalCheckFailed"))
                .map(|(_, l)| l)
                .collect();
            if !failed.is_empty() {
                return Err(self.explain_shortage(&failed).await?);
            }
            let conflicted = reasons
                .iter()
                .any(|r| matches!(r.code(), Some("TransactionConflict")));
            if conflicted && attempt < CONFLICT_RETRIES {
                attempt += 1;
                backoff(attempt).await;
                continue;
            }
            if conflicted {
                return Err(InventoryError::Contention);
            }
            return Err(store_err(err));
        }
    }

    /// Turns failed stock conditions into "unknown product" or "out of stock".
    async fn explain_shortage(&self, failed: &[&Line]) -> Result<InventoryError, InventoryError> {
        let mut unknown = Vec::new();
        let mut short = Vec::new();
        for line in failed {
            match self.product(&line.product_id).await? {
                None => unknown.push(line.product_id.clone()),
                Some(p) => short.push(Shortage {
                    product_id: line.product_id.clone(),
                    requested: line.quantity,
                    available: p.stock,
                }),
            }
        }
        Ok(if unknown.is_empty() {
            InventoryError::OutOfStock(short)
        } else {
            InventoryError::UnknownProducts(unknown)
        })
    }

    fn put_reservation(&self, r: &Reservation) -> Result<TransactWriteItem, InventoryError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(reservation_pk(&r.order_id)))
            .item("entity", s("reservation"))
            .item("order_id", s(&r.order_id))
            .item("status", s(r.status.as_str()))
            .item("lines", lines_to_attr(&r.lines))
            .item("created_at", s(&r.created_at))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(at) = &r.released_at {
            put = put.item("released_at", s(at));
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(store_err)?)
            .build())
    }

    /// Puts back exactly what the order reserved, once. Idempotent by order id.
    pub async fn release(&self, order_id: &str) -> Result<ReleaseOutcome, InventoryError> {
        for attempt in 0..=CONFLICT_RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let Some(existing) = self.reservation(order_id).await? else {
                // Nothing reserved: leave a tombstone so a reserve that arrives late (after
                // the saga gave up on it) cannot take stock that nobody will release.
                let now = now();
                let tombstone = Reservation {
                    order_id: order_id.to_string(),
                    status: ReservationStatus::Released,
                    lines: Vec::new(),
                    created_at: now.clone(),
                    released_at: Some(now),
                };
                let item = self.put_reservation(&tombstone)?;
                let result = self
                    .client
                    .transact_write_items()
                    .transact_items(item)
                    .send()
                    .await;
                match result {
                    Ok(_) => {
                        return Ok(ReleaseOutcome::UnknownOrder {
                            order_id: order_id.to_string(),
                        });
                    }
                    // A reserve for this order landed meanwhile: look again.
                    Err(e) if cancellation_reasons(&e).is_some() || is_conflict(&e) => continue,
                    Err(e) => return Err(store_err(e)),
                }
            };
            if existing.status == ReservationStatus::Released {
                return Ok(ReleaseOutcome::AlreadyReleased {
                    reservation: existing,
                });
            }
            let released_at = now();
            let mark = Update::builder()
                .table_name(&self.table)
                .key("pk", s(reservation_pk(order_id)))
                .update_expression("SET #status = :released, #released_at = :now")
                .expression_attribute_names("#released_at", "released_at")
                .condition_expression("#status = :reserved")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":released", s(ReservationStatus::Released.as_str()))
                .expression_attribute_values(":reserved", s(ReservationStatus::Reserved.as_str()))
                .expression_attribute_values(":now", s(&released_at))
                .build()
                .map_err(store_err)?;
            let mut items = vec![TransactWriteItem::builder().update(mark).build()];
            for line in &existing.lines {
                let restore = Update::builder()
                    .table_name(&self.table)
                    .key("pk", s(product_pk(&line.product_id)))
                    .update_expression("SET #stock = #stock + :q, #updated_at = :now")
                    .expression_attribute_names("#stock", "stock")
                    .expression_attribute_names("#updated_at", "updated_at")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":q", n(line.quantity))
                    .expression_attribute_values(":now", s(&released_at))
                    .build()
                    .map_err(store_err)?;
                items.push(TransactWriteItem::builder().update(restore).build());
            }
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            match result {
                Ok(_) => {
                    return Ok(ReleaseOutcome::Released {
                        reservation: Reservation {
                            status: ReservationStatus::Released,
                            released_at: Some(released_at),
                            ..existing
                        },
                    });
                }
                Err(e) => match cancellation_reasons(&e) {
                    // Released by a concurrent call, or a conflict: look again.
                    Some(reasons)
                        if reason_is(&reasons, 0, "ConditionalCheckFailed")
                            || reasons
                                .iter()
                                .any(|r| r.code() == Some("TransactionConflict")) =>
                    {
                        continue;
                    }
                    Some(_) => return Err(store_err(e)),
                    None if is_conflict(&e) => continue,
                    None => return Err(store_err(e)),
                },
            }
        }
        Err(InventoryError::Contention)
    }
}

fn encode_cursor(id: &str) -> String {
    attr::encode_cursor(id)
}

fn decode_cursor(cursor: &str) -> Result<String, InventoryError> {
    let invalid = || {
        InventoryError::Invalid(crate::domain::ValidationError {
            field: "cursor".into(),
            message: "is not a cursor this API returned; pass next_cursor from the previous page"
                .into(),
        })
    };
    let id = attr::decode_cursor(cursor).ok_or_else(invalid)?;
    crate::domain::validate_id("cursor", &id).map_err(|_| invalid())?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor("mug-01")).unwrap(), "mug-01");
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&encode_cursor("a b")).is_err());
    }
}
