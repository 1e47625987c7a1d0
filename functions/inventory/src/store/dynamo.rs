//! The inventory table in DynamoDB.
//!
//! One table, keyed by `pk`:
//! - `product#<id>`: a product (`id`, `name`, `description`, `price_cents`, `currency`,
//!   `stock`, `updated_at`, `category`, `image_url`; a product written before categories and
//!   images has neither and reads as `other` without an image) plus `catalog = "product"`,
//!   the hash key of the `catalog` index (range key `id`) that lists products in id order.
//!
//! A filtered catalog page ([`InventoryStore::products`] with `?q=`/`?category=`) queries
//! the index a batch at a time and keeps the products [`CatalogFilter::matches`] lets
//! through, until the page is full or the index ends (or [`MAX_FILTER_READS`] products were
//! looked at: then the page is short and its cursor names the last product looked at, so
//! the next page goes on from there and nothing is skipped). The rule runs here rather than
//! as a FilterExpression: it is the domain's (Unicode lower case, `other` for products
//! stored without a category), and a FilterExpression reads (and is billed for) the same
//! items anyway.
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
    self, CatalogFilter, InventoryError, Line, PageRequest, Product, ProductCategory,
    ProductChange, ProductPage, ReleaseOutcome, ReleasePlan, Reservation, ReservationStatus,
    ReserveOutcome, ReservePlan, ReserveRequest, StockUpdate,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, KeysAndAttributes, Put, ReturnValue, TransactWriteItem,
    Update,
};
use sagaway_shared::dynamo::attr::{self, Item, error_text, n, s};
use sagaway_shared::dynamo::get_by_pk;
use std::collections::HashMap;
use std::time::Duration;

/// Name of the global secondary index that lists the catalog.
pub const CATALOG_INDEX: &str = "catalog";
const CATALOG_KEY: &str = "product";
/// How often a transaction that lost a race with another one is tried again.
const CONFLICT_RETRIES: u32 = 6;
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
/// How many products one query of a filtered catalog page reads.
const FILTER_BATCH: i32 = 100;
/// Most products one filtered catalog page looks at before it answers (short, with a cursor).
pub const MAX_FILTER_READS: usize = 2_000;

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
        category: attr::get_s(item, "category")
            .ok()
            .and_then(|c| ProductCategory::parse(&c))
            .unwrap_or_default(),
        image_url: attr::get_s(item, "image_url").ok(),
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

    /// Up to `limit` products of the catalog index in id order after the product `after`, and
    /// the id of the last one the query evaluated when the index goes on (`None`: it ended).
    async fn catalog_batch(
        &self,
        after: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<Product>, Option<String>), StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CATALOG_INDEX)
            .key_condition_expression("#catalog = :c")
            .expression_attribute_names("#catalog", "catalog")
            .expression_attribute_values(":c", s(CATALOG_KEY))
            .limit(limit);
        if let Some(id) = after {
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
        let last = match out.last_evaluated_key() {
            Some(key) => Some(get_s(key, "id")?),
            None => None,
        };
        Ok((items, last))
    }

    /// Sets one attribute (and `updated_at`) of a product that must exist (domain::stock_set's
    /// and domain::image_set's rule, as a condition instead of a read); the product as stored.
    async fn set_existing(
        &self,
        id: &str,
        attribute: &str,
        value: AttributeValue,
    ) -> Result<Product, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(product_pk(id)))
            .update_expression("SET #field = :value, #updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#field", attribute)
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":value", value)
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

    async fn products(
        &self,
        page: &PageRequest,
        filter: &CatalogFilter,
    ) -> Result<ProductPage, StoreError> {
        let limit = usize::try_from(page.limit).unwrap_or(0);
        let mut items: Vec<Product> = Vec::with_capacity(limit);
        let mut after = page.after.clone();
        let mut read = 0usize;
        loop {
            // Unfiltered, a page is one query of `limit`; filtered, batches until it is full.
            let batch = if filter.is_empty() {
                page.limit
            } else {
                FILTER_BATCH
            };
            let (found, last) = self.catalog_batch(after.as_deref(), batch).await?;
            read += found.len();
            for product in found {
                if filter.matches(&product) {
                    items.push(product);
                    if items.len() == limit {
                        // Full: the next page goes on after the last product on this one.
                        let next_cursor = items.last().map(|p| domain::encode_cursor(&p.id));
                        return Ok(ProductPage { items, next_cursor });
                    }
                }
            }
            match last {
                // The index ended: this is the last page.
                None => {
                    return Ok(ProductPage {
                        items,
                        next_cursor: None,
                    });
                }
                // Looked at enough for one call: answer short, going on after the last one read.
                Some(last) if read >= MAX_FILTER_READS => {
                    return Ok(ProductPage {
                        items,
                        next_cursor: Some(domain::encode_cursor(&last)),
                    });
                }
                Some(last) => after = Some(last),
            }
        }
    }

    async fn set_image(&self, id: &str, image_url: &str) -> Result<Product, StoreError> {
        self.set_existing(id, "image_url", s(image_url)).await
    }

    async fn put_product(&self, id: &str, change: &ProductChange) -> Result<Product, StoreError> {
        // One update expression rather than read-modify-write: a reserve may move the stock
        // between a read and the write, and "keep the stock" must keep that move.
        let image_expr = if change.image_url.is_some() {
            ", #image_url = :image_url"
        } else {
            ""
        };
        let (stock_expr, stock) = match change.stock_update() {
            StockUpdate::Set(stock) => ("#stock = :stock", stock),
            StockUpdate::KeepOrStartAt(start) => ("#stock = if_not_exists(#stock, :stock)", start),
        };
        // domain::product_after_change: a change without a category keeps the stored one (a
        // new product: other); one without an image keeps the stored image.
        let (category_expr, category) = match change.category {
            Some(c) => ("#category = :category", c),
            None => (
                "#category = if_not_exists(#category, :category)",
                ProductCategory::default(),
            ),
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(product_pk(id)))
            .update_expression(format!(
                "SET #id = :id, #catalog = :catalog, #entity = :entity, #name = :name, \
                 #description = :description, #price = :price, #currency = :currency, \
                 #updated_at = :now, {stock_expr}, {category_expr}{image_expr}"
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
            .expression_attribute_names("#category", "category")
            .expression_attribute_values(":id", s(id))
            .expression_attribute_values(":catalog", s(CATALOG_KEY))
            .expression_attribute_values(":entity", s("product"))
            .expression_attribute_values(":name", s(&change.name))
            .expression_attribute_values(":description", s(&change.description))
            .expression_attribute_values(":price", n(change.price_cents))
            .expression_attribute_values(":currency", s(&change.currency))
            .expression_attribute_values(":now", s(now()))
            .expression_attribute_values(":stock", n(stock))
            .expression_attribute_values(":category", s(category.id()))
            .return_values(ReturnValue::AllNew);
        if let Some(url) = &change.image_url {
            update = update
                .expression_attribute_names("#image_url", "image_url")
                .expression_attribute_values(":image_url", s(url));
        }
        let out = update.send().await.map_err(backend)?;
        let item = out
            .attributes()
            .ok_or_else(|| StoreError::Backend("update returned no attributes".into()))?;
        product_from(item)
    }

    async fn set_stock(&self, id: &str, stock: i64) -> Result<Product, StoreError> {
        self.set_existing(id, "stock", n(stock)).await
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
