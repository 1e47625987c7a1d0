//! The inventory table in DynamoDB.
//!
//! One table, keyed by `pk`:
//! - `product#<id>`: a product (`id`, `name`, `description`, `price_cents`, `currency`,
//!   `stock`, `updated_at`) plus `catalog = "product"`, the hash key of the `catalog` index
//!   (range key `id`) that lists products in id order.
//! - `reservation#<order id>`: an order's reservation or tombstone (`order_id`, `status`,
//!   `lines`, `created_at`, `released_at`).
//!
//! A batch read ([`InventoryStore::products_by_id`]) is one strongly consistent
//! `BatchGetItem`, asked again (with a backoff) for any keys DynamoDB left unprocessed.
//!
//! The decisions are [`crate::domain`]'s; this adapter reads what a plan needs, then writes
//! it with the plan's preconditions as conditions, so a race with another call fails the
//! write instead of breaking a rule: reserve and release are single `TransactWriteItems`
//! calls (stock and reservation change together or not at all), the reservation record is
//! written only if absent (or, on release, only while still reserved), and each stock
//! decrement holds `stock >= quantity` ([`domain::check_stock`]). A write that loses a race
//! reads again and re-plans.

use super::{InventoryStore, StoreError, now};
use crate::domain::{
    self, InventoryError, Line, PageRequest, Product, ProductChange, ProductPage, ReleaseOutcome,
    ReleasePlan, Reservation, ReservationStatus, ReserveOutcome, ReservePlan, ReserveRequest,
    StockUpdate,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, KeysAndAttributes, Put, ReturnValue, TransactWriteItem,
    Update,
};
use sagaway_shared::dynamo::attr::{self, Item, error_text, n, s};
use sagaway_shared::dynamo::{get_by_pk, next_cursor};
use std::collections::HashMap;
use std::time::Duration;

/// Name of the global secondary index that lists the catalog.
pub const CATALOG_INDEX: &str = "catalog";
const CATALOG_KEY: &str = "product";
/// How often a transaction that lost a race with another one is tried again.
const CONFLICT_RETRIES: u32 = 6;
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// The inventory table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn product_pk(id: &str) -> String {
    format!("product#{id}")
}

fn reservation_pk(order_id: &str) -> String {
    format!("reservation#{order_id}")
}

fn backend<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Backend(error_text(&e))
}

fn get_s(item: &Item, key: &str) -> Result<String, StoreError> {
    attr::get_s(item, key).map_err(|e| StoreError::Backend(e.to_string()))
}

fn get_n(item: &Item, key: &str) -> Result<i64, StoreError> {
    attr::get_n(item, key).map_err(|e| StoreError::Backend(e.to_string()))
}

fn product_from(item: &Item) -> Result<Product, StoreError> {
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

fn reservation_from(item: &Item) -> Result<Reservation, StoreError> {
    let status = get_s(item, "status")?;
    let status = ReservationStatus::parse(&status)
        .ok_or_else(|| StoreError::Backend(format!("unknown reservation status {status}")))?;
    let lines = match item.get("lines") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|v| match v {
                AttributeValue::M(m) => Ok(Line {
                    product_id: get_s(m, "product_id")?,
                    quantity: get_n(m, "quantity")?,
                }),
                _ => Err(StoreError::Backend("reservation line is not a map".into())),
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

/// How a transaction ended.
enum Written {
    Done,
    /// A condition failed: one reason per item, in the transaction's order ([`Self::failed`]).
    Refused(Vec<CancellationReason>),
    /// It collided with another transaction or was throttled; worth trying again.
    Conflict,
}

impl Written {
    /// Whether the condition of item `index` is one that failed.
    fn failed(&self, index: usize) -> bool {
        match self {
            Self::Refused(reasons) => {
                reasons.get(index).and_then(|r| r.code()) == Some(CONDITION_FAILED)
            }
            _ => false,
        }
    }
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(20 * 2u64.pow(attempt.min(6)))).await;
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Runs one transaction and sorts its failure: a refused condition, a conflict worth
    /// retrying, or an error.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Written, StoreError> {
        let err = match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => return Ok(Written::Done),
            Err(err) => err,
        };
        let service = err.as_service_error();
        if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = service {
            let reasons = e.cancellation_reasons();
            if reasons.iter().any(|r| r.code() == Some(CONDITION_FAILED)) {
                return Ok(Written::Refused(reasons.to_vec()));
            }
            if reasons
                .iter()
                .any(|r| r.code() == Some("TransactionConflict"))
            {
                return Ok(Written::Conflict);
            }
        }
        if is_conflict(&err) {
            return Ok(Written::Conflict);
        }
        Err(backend(err))
    }

    /// The order's reservation or tombstone, or `None`: what reserve and release plan from.
    async fn reservation(&self, order_id: &str) -> Result<Option<Reservation>, StoreError> {
        let item = get_by_pk(&self.client, &self.table, reservation_pk(order_id))
            .await
            .map_err(backend)?;
        item.as_ref().map(reservation_from).transpose()
    }

    /// The reservation record, written only if the order has none.
    fn put_reservation(&self, r: &Reservation) -> Result<TransactWriteItem, StoreError> {
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
            .put(put.build().map_err(backend)?)
            .build())
    }

    /// Takes a line from its product's stock, only while the stock covers it: that is
    /// [`domain::check_stock`] as a condition.
    fn take_stock(&self, line: &Line, now: &str) -> Result<TransactWriteItem, StoreError> {
        self.stock_update(
            line,
            "#stock - :q",
            "attribute_exists(pk) AND #stock >= :q",
            now,
        )
    }

    /// Puts a line back into its product's stock.
    fn put_back_stock(&self, line: &Line, now: &str) -> Result<TransactWriteItem, StoreError> {
        self.stock_update(line, "#stock + :q", "attribute_exists(pk)", now)
    }

    fn stock_update(
        &self,
        line: &Line,
        stock: &str,
        condition: &str,
        now: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(product_pk(&line.product_id)))
            .update_expression(format!("SET #stock = {stock}, #updated_at = :now"))
            .condition_expression(condition)
            .expression_attribute_names("#stock", "stock")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":q", n(line.quantity))
            .expression_attribute_values(":now", s(now))
            .build()
            .map_err(backend)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The stock of each line's product now, for explaining failed stock conditions.
    async fn stock_levels(&self, lines: &[Line]) -> Result<HashMap<String, i64>, StoreError> {
        let mut levels = HashMap::new();
        for line in lines {
            if let Some(p) = self.product(&line.product_id).await? {
                levels.insert(p.id, p.stock);
            }
        }
        Ok(levels)
    }

    /// [`ReservePlan::Take`]: the reservation (if the order still has no record) and every
    /// line's decrement, together.
    async fn take(&self, reservation: &Reservation) -> Result<Written, StoreError> {
        let mut items = vec![self.put_reservation(reservation)?];
        for line in &reservation.lines {
            items.push(self.take_stock(line, &reservation.created_at)?);
        }
        self.transact(items).await
    }

    /// [`ReleasePlan::Restock`]: mark it released (if still reserved) and put every line back,
    /// together.
    async fn restock(&self, released: &Reservation) -> Result<Written, StoreError> {
        let at = released.released_at.clone().unwrap_or_else(now);
        let mark = Update::builder()
            .table_name(&self.table)
            .key("pk", s(reservation_pk(&released.order_id)))
            .update_expression("SET #status = :released, #released_at = :now")
            .condition_expression("#status = :reserved")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#released_at", "released_at")
            .expression_attribute_values(":released", s(ReservationStatus::Released.as_str()))
            .expression_attribute_values(":reserved", s(ReservationStatus::Reserved.as_str()))
            .expression_attribute_values(":now", s(&at))
            .build()
            .map_err(backend)?;
        let mut items = vec![TransactWriteItem::builder().update(mark).build()];
        for line in &released.lines {
            items.push(self.put_back_stock(line, &at)?);
        }
        self.transact(items).await
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

impl InventoryStore for DynamoStore {
    async fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        let item = get_by_pk(&self.client, &self.table, product_pk(id))
            .await
            .map_err(backend)?;
        item.as_ref().map(product_from).transpose()
    }

    async fn products_by_id(&self, ids: &[String]) -> Result<Vec<Product>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Item> = ids
            .iter()
            .map(|id| HashMap::from([("pk".to_string(), s(product_pk(id)))]))
            .collect();
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(backend)?;
        let mut products = Vec::with_capacity(ids.len());
        for attempt in 0..=CONFLICT_RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(backend)?;
            if let Some(items) = out.responses().and_then(|r| r.get(&self.table)) {
                for item in items {
                    products.push(product_from(item)?);
                }
            }
            // Under load DynamoDB may read only part of a batch: ask again for the rest.
            match out.unprocessed_keys().and_then(|u| u.get(&self.table)) {
                Some(rest) if !rest.keys().is_empty() => request = rest.clone(),
                _ => return Ok(products),
            }
        }
        Err(StoreError::Contention)
    }

    async fn products(&self, page: &PageRequest) -> Result<ProductPage, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CATALOG_INDEX)
            .key_condition_expression("#catalog = :c")
            .expression_attribute_names("#catalog", "catalog")
            .expression_attribute_values(":c", s(CATALOG_KEY))
            .limit(page.limit);
        if let Some(id) = &page.after {
            query = query
                .exclusive_start_key("catalog", s(CATALOG_KEY))
                .exclusive_start_key("id", s(id))
                .exclusive_start_key("pk", s(product_pk(id)));
        }
        let out = query.send().await.map_err(backend)?;
        let items = out
            .items()
            .iter()
            .map(product_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = next_cursor(out.last_evaluated_key(), "id")
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(ProductPage { items, next_cursor })
    }

    async fn put_product(&self, id: &str, change: &ProductChange) -> Result<Product, StoreError> {
        // One update expression rather than read-modify-write: a reserve may move the stock
        // between a read and the write, and "keep the stock" must keep that move.
        let (stock_expr, stock) = match change.stock_update() {
            StockUpdate::Set(stock) => ("#stock = :stock", stock),
            StockUpdate::KeepOrStartAt(start) => ("#stock = if_not_exists(#stock, :stock)", start),
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
            .expression_attribute_values(":stock", n(stock))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(backend)?;
        let item = out
            .attributes()
            .ok_or_else(|| StoreError::Backend("update returned no attributes".into()))?;
        product_from(item)
    }

    async fn set_stock(&self, id: &str, stock: i64) -> Result<Product, StoreError> {
        // domain::stock_set's "the product must exist", as a condition instead of a read.
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
                    .ok_or_else(|| StoreError::Backend("update returned no attributes".into()))?;
                product_from(item)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(InventoryError::ProductNotFound(id.to_string()).into())
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        let mut pause = false;
        for attempt in 0..=CONFLICT_RETRIES {
            if pause {
                backoff(attempt).await;
            }
            let existing = self.reservation(&request.order_id).await?;
            let reservation = match domain::plan_reserve(existing.as_ref(), request, &now())? {
                ReservePlan::Repeat(r) => return Ok(ReserveOutcome::Repeated(r)),
                ReservePlan::Take(r) => r,
            };
            let written = self.take(&reservation).await?;
            pause = match &written {
                Written::Done => return Ok(ReserveOutcome::Created(reservation)),
                // Another call for this order got there first: re-plan from its record.
                _ if written.failed(0) => false,
                Written::Refused(_) => {
                    // The conditions say which lines failed; the stock they hold now says why.
                    let failed: Vec<Line> = reservation
                        .lines
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| written.failed(i + 1))
                        .map(|(_, l)| l.clone())
                        .collect();
                    if failed.is_empty() {
                        return Err(StoreError::Backend(
                            "reserve transaction refused without a failed condition".into(),
                        ));
                    }
                    let levels = self.stock_levels(&failed).await?;
                    domain::check_stock(&failed, |id| levels.get(id).copied())?;
                    // Stock came back between the write and the read: try again.
                    false
                }
                Written::Conflict => true,
            };
        }
        Err(StoreError::Contention)
    }

    async fn release(&self, order_id: &str) -> Result<ReleaseOutcome, StoreError> {
        for attempt in 0..=CONFLICT_RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let existing = self.reservation(order_id).await?;
            let plan = domain::plan_release(existing.as_ref(), order_id, &now());
            let written = match &plan {
                ReleasePlan::AlreadyReleased(_) => Written::Done,
                ReleasePlan::Tombstone(tombstone) => {
                    self.transact(vec![self.put_reservation(tombstone)?])
                        .await?
                }
                ReleasePlan::Restock(released) => self.restock(released).await?,
            };
            match &written {
                Written::Done => return Ok(plan.outcome()),
                // The record changed meanwhile (a reserve landed, a concurrent release won):
                // re-plan from it.
                Written::Refused(_) if written.failed(0) => {}
                Written::Refused(_) => {
                    return Err(StoreError::Backend(format!(
                        "release of {order_id} refused: a reserved product no longer exists"
                    )));
                }
                Written::Conflict => {}
            }
        }
        Err(StoreError::Contention)
    }
}
