//! Inventory domain: products, stock, reservations, and every rule about them, as pure
//! functions (no I/O, no clock: callers pass `now`). Both stores ([`crate::store`]) ask these
//! functions what to do and then carry the answer out; the DynamoDB store also states each
//! plan's preconditions as conditions, so they still hold when calls race.
//!
//! Rules in one place:
//! - Identifiers (product ids, order ids) are 1–64 characters of `A-Z a-z 0-9 . _ -`.
//! - Stock is an integer in `0..=MAX_STOCK`; it never goes below zero ([`check_stock`]).
//! - A product's details are replaced as a whole; its stock changes only when the change
//!   names one, and a new product without one starts at 0 ([`product_after_change`]). Setting
//!   the stock of a product that does not exist is refused ([`stock_set`]).
//! - The catalog is listed in id order, a page at a time ([`page_request`]); a cursor names a
//!   product id ([`decode_cursor`]), paged as every list is ([`sagaway_shared::paging`]).
//!   A list may be narrowed by `?q=` (a part of the name, any case) and `?category=`
//!   ([`catalog_filter`], [`CatalogFilter::matches`]); a filtered page is still full unless
//!   the catalog ends, and its cursor names the last product it holds.
//! - A product has one category of [`ProductCategory::ALL`]; a change without one keeps the
//!   product's (a new product: `other`). Its image is a path relative to the web app's root:
//!   a shipped illustration `images/products/<slug>.svg` or an upload
//!   `images/uploads/<id>-<16 hex of sha256>.<png|jpg|webp>` ([`validate_image_url`]); a
//!   change without one keeps it.
//! - An uploaded image is PNG, JPEG or WebP (never SVG), 1 byte to [`MAX_IMAGE_BYTES`], and
//!   its bytes start with its type's magic number ([`validate_image`]); its object key is
//!   named by its content ([`image_key`]), so the same bytes twice are the same object.
//! - A batch read names 1–[`MAX_BATCH_IDS`] product ids, each read once
//!   ([`validate_batch`]); it answers the products found in the order asked and the ids
//!   that name none ([`batch_answer`]).
//! - A reservation belongs to one order, has 1–[`MAX_LINES`] lines with quantities in
//!   `1..=MAX_QUANTITY`; lines naming the same product are merged. It is all-or-nothing.
//! - Reserve and release are idempotent by order id ([`plan_reserve`], [`plan_release`]): a
//!   repeated reserve with the same lines answers with the first result; a repeated release
//!   restores nothing more; releasing an unknown order leaves a tombstone so a late reserve
//!   for that order is refused.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use sagaway_contract::inventory::{
    CategoryList, ImageContentType, MAX_BATCH_IDS, MAX_IMAGE_BYTES, Product, ProductBatch,
    ProductBatchRequest, ProductCategory, ProductImageUpload, ReleaseOutcome, Reservation,
    ReservationStatus, ReserveLine as Line,
};
pub use sagaway_contract::inventory::{ReserveLine as LineInput, ReserveRequest as ReserveInput};
pub use sagaway_contract::limits::{MAX_LINES, MAX_PRICE_CENTS, MAX_QUANTITY, MAX_STOCK};
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2_000;
pub const DEFAULT_CURRENCY: &str = "USD";
/// Longest `?q=` (characters, once trimmed).
pub const MAX_QUERY_LEN: usize = 100;
/// Where uploaded images go in the site bucket (and so in the web app's URL space).
pub const UPLOADS_PREFIX: &str = "images/uploads/";
/// Where the illustrations shipped with the web app are.
pub const SHIPPED_IMAGES_PREFIX: &str = "images/products/";
/// The `Cache-Control` of an uploaded image: its key changes with its bytes, so it never does.
pub const IMAGE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

use sagaway_shared::paging;
pub use sagaway_shared::validation::{ValidationError, validate_id};

/// Which rule refused an inventory operation. Failures of the storage itself are the store's
/// ([`crate::store::StoreError`]).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("product {0} does not exist")]
    ProductNotFound(String),
    #[error("the reservation names products that do not exist: {}", .0.join(", "))]
    UnknownProducts(Vec<String>),
    #[error("not enough stock for {}", .0.iter().map(|s| s.product_id.as_str()).collect::<Vec<_>>().join(", "))]
    OutOfStock(Vec<Shortage>),
    #[error("order {0} was already released; it cannot reserve stock again")]
    ReservationReleased(String),
    #[error("order {0} already holds a reservation with different lines")]
    ReservationMismatch(String),
    /// An uploaded image larger than [`MAX_IMAGE_BYTES`] (its decoded size).
    #[error("the image is {0} bytes; at most {MAX_IMAGE_BYTES} bytes (300 KiB) are accepted")]
    ImageTooLarge(usize),
}

/// A line that could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub product_id: String,
    pub requested: i64,
    pub available: i64,
}

/// Checks a stock level.
pub fn validate_stock(field: &str, stock: i64) -> Result<(), ValidationError> {
    if !(0..=MAX_STOCK).contains(&stock) {
        return Err(ValidationError::new(
            field,
            format!("must be between 0 and {MAX_STOCK}, got {stock}"),
        ));
    }
    Ok(())
}

/// The body of `PUT /v1/products/{id}`: create or replace a product's details.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(min_length = 1, max_length = 200, example = "Ceramic mug")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[schema(minimum = 0, maximum = 100_000_000, example = 1800)]
    pub price_cents: i64,
    /// ISO 4217, default `USD`.
    #[serde(default)]
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: Option<String>,
    /// Sets the stock when given; a new product without it starts at 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock: Option<i64>,
    /// Sets the category when given (an id of `GET /v1/categories`); without it the product
    /// keeps its own, and a new product is `other`.
    #[serde(default)]
    #[schema(value_type = Option<ProductCategory>, example = "drinkware")]
    pub category: Option<String>,
    /// Sets the image when given: a shipped illustration `images/products/<slug>.svg`, or an
    /// upload of this product `images/uploads/<id>-<16 hex>.<png|jpg|webp>` (as
    /// `PUT /v1/products/{id}/image` sets it); without it the product keeps its image.
    #[serde(default)]
    #[schema(example = "images/products/ceramic-mug.svg", max_length = 200)]
    pub image_url: Option<String>,
}

/// A validated [`ProductInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChange {
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: Option<i64>,
    /// `None`: keep the product's (a new product: [`ProductCategory::Other`]).
    pub category: Option<ProductCategory>,
    /// `None`: keep the product's image.
    pub image_url: Option<String>,
}

impl ProductInput {
    /// Checks the input for the product `id` (an upload's image path names its product).
    pub fn validate(self, id: &str) -> Result<ProductChange, ValidationError> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(ValidationError::new(
                "name",
                format!("must be 1 to {MAX_NAME_LEN} characters"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(ValidationError::new(
                "description",
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            ));
        }
        if !(0..=MAX_PRICE_CENTS).contains(&self.price_cents) {
            return Err(ValidationError::new(
                "price_cents",
                format!(
                    "must be between 0 and {MAX_PRICE_CENTS} (an amount in cents), got {}",
                    self.price_cents
                ),
            ));
        }
        let currency = self
            .currency
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ValidationError::new(
                "currency",
                "must be a three-letter ISO 4217 code such as USD",
            ));
        }
        if let Some(stock) = self.stock {
            validate_stock("stock", stock)?;
        }
        let category = self
            .category
            .as_deref()
            .map(|c| parse_category("category", c))
            .transpose()?;
        if let Some(url) = &self.image_url {
            validate_image_url("image_url", id, url)?;
        }
        Ok(ProductChange {
            name,
            description: self.description,
            price_cents: self.price_cents,
            currency,
            stock: self.stock,
            category,
            image_url: self.image_url,
        })
    }
}

/// The body of `PUT /v1/products/{id}/stock`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockInput {
    #[schema(minimum = 0, maximum = 1_000_000, example = 12)]
    pub stock: i64,
}

/// How a product change treats the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockUpdate {
    /// Set it to this.
    Set(i64),
    /// Keep the product's stock; a new product starts at this.
    KeepOrStartAt(i64),
}

impl StockUpdate {
    /// The stock after the update, given the product's stock (`None` for a new product).
    pub fn apply(self, current: Option<i64>) -> i64 {
        match self {
            Self::Set(stock) => stock,
            Self::KeepOrStartAt(start) => current.unwrap_or(start),
        }
    }
}

impl ProductChange {
    /// An update names the stock only to change it: without one, the stock (which reserves
    /// and releases move meanwhile) is left alone, and a new product starts empty.
    pub fn stock_update(&self) -> StockUpdate {
        match self.stock {
            Some(stock) => StockUpdate::Set(stock),
            None => StockUpdate::KeepOrStartAt(0),
        }
    }
}

/// The product after `change`: its details replaced, its stock per [`ProductChange::stock_update`].
pub fn product_after_change(
    existing: Option<&Product>,
    id: &str,
    change: &ProductChange,
    now: &str,
) -> Product {
    Product {
        id: id.to_string(),
        name: change.name.clone(),
        description: change.description.clone(),
        price_cents: change.price_cents,
        currency: change.currency.clone(),
        stock: change.stock_update().apply(existing.map(|p| p.stock)),
        updated_at: now.to_string(),
        category: change
            .category
            .or(existing.map(|p| p.category))
            .unwrap_or_default(),
        image_url: change
            .image_url
            .clone()
            .or_else(|| existing.and_then(|p| p.image_url.clone())),
    }
}

/// The product with its image set to `image_url`; setting an image never creates a product.
pub fn image_set(
    existing: Option<&Product>,
    id: &str,
    image_url: &str,
    now: &str,
) -> Result<Product, InventoryError> {
    let product = existing.ok_or_else(|| InventoryError::ProductNotFound(id.to_string()))?;
    Ok(Product {
        image_url: Some(image_url.to_string()),
        updated_at: now.to_string(),
        ..product.clone()
    })
}

/// The category with this id, or the `field` error listing the ids.
pub fn parse_category(field: &str, id: &str) -> Result<ProductCategory, ValidationError> {
    ProductCategory::parse(id).ok_or_else(|| {
        let ids: Vec<&str> = ProductCategory::ALL.iter().map(|c| c.id()).collect();
        ValidationError::new(
            field,
            format!("must be one of {} (GET /v1/categories)", ids.join(", ")),
        )
    })
}

/// Checks a product's image path: a shipped illustration `images/products/<slug>.svg`
/// (slug: 1-64 of `a-z 0-9 -`) or an upload of product `id` as [`image_key`] names it.
pub fn validate_image_url(field: &str, id: &str, url: &str) -> Result<(), ValidationError> {
    let shipped = url
        .strip_prefix(SHIPPED_IMAGES_PREFIX)
        .and_then(|rest| rest.strip_suffix(".svg"))
        .is_some_and(|slug| {
            (1..=64).contains(&slug.len())
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    let uploaded = url
        .strip_prefix(UPLOADS_PREFIX)
        .and_then(|rest| rest.strip_prefix(id))
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(hash, ext)| {
            hash.len() == 16
                && hash
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                && ImageContentType::ALL.iter().any(|t| t.extension() == ext)
        });
    if shipped || uploaded {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "must be a shipped illustration {SHIPPED_IMAGES_PREFIX}<slug>.svg or this \
                 product's upload {UPLOADS_PREFIX}{id}-<16 hex>.<png|jpg|webp>; upload an \
                 image with PUT /v1/products/{{id}}/image"
            ),
        ))
    }
}

/// Which products a catalog list holds: every one, or those whose name contains `q` (any
/// case) and/or of one category. Built by [`catalog_filter`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogFilter {
    /// The search text, trimmed and lower-cased; `None` for no search.
    pub q: Option<String>,
    pub category: Option<ProductCategory>,
}

impl CatalogFilter {
    /// Whether the filter lets every product through.
    pub fn is_empty(&self) -> bool {
        self.q.is_none() && self.category.is_none()
    }

    /// The matching rule, the same for both stores: the name contains `q` as a substring,
    /// compared in lower case (Unicode), and the category is the one asked for.
    pub fn matches(&self, product: &Product) -> bool {
        let by_name = self
            .q
            .as_deref()
            .is_none_or(|q| product.name.to_lowercase().contains(q));
        let by_category = self.category.is_none_or(|c| product.category == c);
        by_name && by_category
    }
}

/// Checks `?q=` (trimmed, at most [`MAX_QUERY_LEN`] characters; empty means no search) and
/// `?category=` (an id of [`ProductCategory::ALL`]).
pub fn catalog_filter(
    q: Option<&str>,
    category: Option<&str>,
) -> Result<CatalogFilter, ValidationError> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = q
        && q.chars().count() > MAX_QUERY_LEN
    {
        return Err(ValidationError::new(
            "q",
            format!("must be at most {MAX_QUERY_LEN} characters"),
        ));
    }
    let category = category
        .map(|c| parse_category("category", c))
        .transpose()?;
    Ok(CatalogFilter {
        q: q.map(str::to_lowercase),
        category,
    })
}

/// A validated image upload: its type and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub content_type: ImageContentType,
    pub bytes: Vec<u8>,
}

/// Whether `bytes` start with the magic number of `content_type`: PNG `89 50 4E 47 0D 0A 1A
/// 0A`, JPEG `FF D8 FF`, WebP `RIFF....WEBP`.
pub fn has_magic_number(content_type: ImageContentType, bytes: &[u8]) -> bool {
    match content_type {
        ImageContentType::Png => {
            bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A])
        }
        ImageContentType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        ImageContentType::Webp => {
            bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP"
        }
    }
}

/// Checks an upload: the type first (`content_type`: PNG, JPEG or WebP; SVG never), then the
/// data (`data_base64`: standard base64, 1 byte to [`MAX_IMAGE_BYTES`] decoded, starting with
/// the type's magic number). Too large is its own error (a 413).
pub fn validate_image(upload: ProductImageUpload) -> Result<Image, InventoryError> {
    use base64::Engine;
    let content_type = ImageContentType::parse(upload.content_type.trim()).ok_or_else(|| {
        ValidationError::new(
            "content_type",
            "must be image/png, image/jpeg or image/webp (SVG is not accepted: served from \
             the shop's origin it could run script)",
        )
    })?;
    // Standard base64 encodes 3 bytes in 4 characters: refuse an oversized upload before
    // decoding it.
    let estimate = upload.data_base64.len() / 4 * 3;
    if estimate > MAX_IMAGE_BYTES + 3 {
        return Err(InventoryError::ImageTooLarge(estimate));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.data_base64.as_bytes())
        .map_err(|e| {
            ValidationError::new(
                "data_base64",
                format!("is not standard base64 (with padding): {e}"),
            )
        })?;
    if bytes.is_empty() {
        return Err(ValidationError::new("data_base64", "holds no bytes; send the image").into());
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(InventoryError::ImageTooLarge(bytes.len()));
    }
    if !has_magic_number(content_type, &bytes) {
        return Err(ValidationError::new(
            "data_base64",
            format!(
                "is not a {} image: its bytes do not start with that format's signature",
                content_type.mime()
            ),
        )
        .into());
    }
    Ok(Image {
        content_type,
        bytes,
    })
}

/// The first 16 hex digits of the SHA-256 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The site bucket key (and the web app's relative URL) of product `id`'s image:
/// `images/uploads/<id>-<first 16 hex of sha256(bytes)>.<png|jpg|webp>`. The same bytes
/// always get the same key, so a repeated upload writes the same object.
pub fn image_key(id: &str, image: &Image) -> String {
    format!(
        "{UPLOADS_PREFIX}{id}-{}.{}",
        content_hash(&image.bytes),
        image.content_type.extension()
    )
}

/// The product with its stock set; setting the stock never creates a product.
pub fn stock_set(
    existing: Option<&Product>,
    id: &str,
    stock: i64,
    now: &str,
) -> Result<Product, InventoryError> {
    let product = existing.ok_or_else(|| InventoryError::ProductNotFound(id.to_string()))?;
    Ok(Product {
        stock,
        updated_at: now.to_string(),
        ..product.clone()
    })
}

/// A page of the catalog.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<Product>,
    /// Pass as `?cursor=` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which page of the catalog to read: at most `limit` products, in id order, after the
/// product `after`.
pub use sagaway_shared::paging::PageRequest;
/// The cursor of the page after the product `id`.
pub use sagaway_shared::paging::encode_cursor;

/// One page of the products `catalog` holds (in any order) that `filter` lets through: in id
/// order after the request's cursor, at most `limit`, with a cursor when the page is full
/// (as [`sagaway_shared::paging::page`] pages every list). The memory store's catalog list.
pub fn filtered_page(
    catalog: Vec<Product>,
    page: &PageRequest,
    filter: &CatalogFilter,
) -> ProductPage {
    let entries = catalog
        .into_iter()
        .filter(|p| filter.matches(p))
        .map(|p| (p.id.clone(), p))
        .collect();
    let (items, next_cursor) = paging::page(entries, page, paging::Direction::Ascending);
    ProductPage { items, next_cursor }
}

/// Checks `?limit=` (first) and `?cursor=`.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, ValidationError> {
    paging::page_request_with(limit, cursor, decode_cursor)
}

/// The product id a cursor names; anything this API did not hand out is refused.
pub fn decode_cursor(cursor: &str) -> Result<String, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "is not a cursor this API returned; pass next_cursor from the previous page",
        )
    };
    let id = paging::decode_cursor(cursor).ok_or_else(invalid)?;
    validate_id("cursor", &id).map_err(|_| invalid())?;
    Ok(id)
}

/// Checks a batch read: 1 to [`MAX_BATCH_IDS`] product ids. Answers each id once, in the
/// order first asked.
pub fn validate_batch(input: ProductBatchRequest) -> Result<Vec<String>, ValidationError> {
    if input.ids.is_empty() || input.ids.len() > MAX_BATCH_IDS {
        return Err(ValidationError::new(
            "ids",
            format!(
                "must hold 1 to {MAX_BATCH_IDS} product ids, got {}",
                input.ids.len()
            ),
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(input.ids.len());
    for (i, id) in input.ids.into_iter().enumerate() {
        validate_id(&format!("ids[{i}]"), &id)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The answer to a batch read of `ids` ([`validate_batch`]) from the products a store found
/// (in any order; products not asked for are left out).
pub fn batch_answer(ids: &[String], found: Vec<Product>) -> ProductBatch {
    let mut found: BTreeMap<String, Product> =
        found.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut products = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match found.remove(id) {
            Some(p) => products.push(p),
            None => missing.push(id.clone()),
        }
    }
    ProductBatch { products, missing }
}

/// A validated reservation request: lines merged by product and sorted by product id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    pub order_id: String,
    pub lines: Vec<Line>,
}

/// Checks a reservation request: lines merged by product and sorted by product id.
pub fn validate_reserve(input: ReserveInput) -> Result<ReserveRequest, ValidationError> {
    validate_id("order_id", &input.order_id)?;
    if input.lines.is_empty() {
        return Err(ValidationError::new("lines", "must hold at least one line"));
    }
    if input.lines.len() > MAX_LINES {
        return Err(ValidationError::new(
            "lines",
            format!("must hold at most {MAX_LINES} lines"),
        ));
    }
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for (i, line) in input.lines.into_iter().enumerate() {
        validate_id(&format!("lines[{i}].product_id"), &line.product_id)?;
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(ValidationError::new(
                format!("lines[{i}].quantity"),
                format!(
                    "must be between 1 and {MAX_QUANTITY}, got {}",
                    line.quantity
                ),
            ));
        }
        let total = merged.entry(line.product_id).or_insert(0);
        *total += line.quantity;
        if *total > MAX_QUANTITY {
            return Err(ValidationError::new(
                format!("lines[{i}].quantity"),
                format!("the lines for this product add up to more than {MAX_QUANTITY}"),
            ));
        }
    }
    Ok(ReserveRequest {
        order_id: input.order_id,
        lines: merged
            .into_iter()
            .map(|(product_id, quantity)| Line {
                product_id,
                quantity,
            })
            .collect(),
    })
}

/// What a repeated reserve for the same order means, given its existing reservation.
pub fn check_repeat(
    existing: &Reservation,
    request: &ReserveRequest,
) -> Result<(), InventoryError> {
    match existing.status {
        ReservationStatus::Released => Err(InventoryError::ReservationReleased(
            existing.order_id.clone(),
        )),
        ReservationStatus::Reserved if existing.lines == request.lines => Ok(()),
        ReservationStatus::Reserved => Err(InventoryError::ReservationMismatch(
            existing.order_id.clone(),
        )),
    }
}

/// What a reserve must do, decided from the order's existing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservePlan {
    /// The same reservation exists: answer with it and change nothing.
    Repeat(Reservation),
    /// Write this reservation and take each of its lines from stock, all or nothing,
    /// provided the order still has no record and [`check_stock`] passes for its lines.
    Take(Reservation),
}

/// Decides a reserve from the order's existing record (a reservation or a tombstone).
/// A released order (including one released before it ever reserved) is refused, and so
/// is a repeat with other lines; stock is [`check_stock`]'s to judge.
pub fn plan_reserve(
    existing: Option<&Reservation>,
    request: &ReserveRequest,
    now: &str,
) -> Result<ReservePlan, InventoryError> {
    if let Some(existing) = existing {
        check_repeat(existing, request)?;
        return Ok(ReservePlan::Repeat(existing.clone()));
    }
    Ok(ReservePlan::Take(Reservation {
        order_id: request.order_id.clone(),
        status: ReservationStatus::Reserved,
        lines: request.lines.clone(),
        created_at: now.to_string(),
        released_at: None,
    }))
}

/// Stock never goes negative: every line's product must exist and hold at least the line's
/// quantity. `stock_of` gives a product's current stock, `None` for an unknown product.
/// Unknown products are reported before shortages (an unknown id is the caller's mistake;
/// a shortage is the shop's state).
pub fn check_stock(
    lines: &[Line],
    stock_of: impl Fn(&str) -> Option<i64>,
) -> Result<(), InventoryError> {
    let mut unknown = Vec::new();
    let mut short = Vec::new();
    for line in lines {
        match stock_of(&line.product_id) {
            None => unknown.push(line.product_id.clone()),
            Some(available) if available < line.quantity => short.push(Shortage {
                product_id: line.product_id.clone(),
                requested: line.quantity,
                available,
            }),
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        return Err(InventoryError::UnknownProducts(unknown));
    }
    if !short.is_empty() {
        return Err(InventoryError::OutOfStock(short));
    }
    Ok(())
}

/// The result of a reserve call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Stock was taken now.
    Created(Reservation),
    /// The same reservation already existed; nothing changed.
    Repeated(Reservation),
}

/// What a release must do, decided from the order's existing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleasePlan {
    /// Released before (or a tombstone): answer with the record and change nothing.
    AlreadyReleased(Reservation),
    /// Nothing was reserved: write this tombstone, provided the order still has no record,
    /// so that a reserve arriving late (after the saga gave up on it) cannot take stock that
    /// nobody will release.
    Tombstone(Reservation),
    /// Mark the reservation released (this is it, released), provided it is still reserved,
    /// and put each of its lines back into stock.
    Restock(Reservation),
}

impl ReleasePlan {
    /// What the release answers once the plan is carried out.
    pub fn outcome(self) -> ReleaseOutcome {
        match self {
            Self::AlreadyReleased(reservation) => ReleaseOutcome::AlreadyReleased { reservation },
            Self::Tombstone(tombstone) => ReleaseOutcome::UnknownOrder {
                order_id: tombstone.order_id,
            },
            Self::Restock(reservation) => ReleaseOutcome::Released { reservation },
        }
    }
}

/// Decides a release from the order's existing record.
pub fn plan_release(existing: Option<&Reservation>, order_id: &str, now: &str) -> ReleasePlan {
    match existing {
        None => ReleasePlan::Tombstone(Reservation {
            order_id: order_id.to_string(),
            status: ReservationStatus::Released,
            lines: Vec::new(),
            created_at: now.to_string(),
            released_at: Some(now.to_string()),
        }),
        Some(r) if r.status == ReservationStatus::Released => {
            ReleasePlan::AlreadyReleased(r.clone())
        }
        Some(r) => ReleasePlan::Restock(Reservation {
            status: ReservationStatus::Released,
            released_at: Some(now.to_string()),
            ..r.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ids: &[&str]) -> Result<Vec<String>, ValidationError> {
        validate_batch(ProductBatchRequest {
            ids: ids.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn a_batch_names_one_to_max_ids_each_read_once() {
        assert_eq!(batch(&["b", "a", "b"]).unwrap(), ["b", "a"]);
        assert_eq!(batch(&[]).unwrap_err().field, "ids");
        let many: Vec<String> = (0..=MAX_BATCH_IDS).map(|i| format!("p{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(batch(&refs).unwrap_err().field, "ids");
        assert_eq!(batch(&refs[..MAX_BATCH_IDS]).unwrap().len(), MAX_BATCH_IDS);
        assert_eq!(batch(&["a", "b c"]).unwrap_err().field, "ids[1]");
        assert_eq!(batch(&["a", ""]).unwrap_err().field, "ids[1]");
    }

    #[test]
    fn a_batch_answers_in_the_order_asked_and_names_what_is_missing() {
        let product = |id: &str| Product {
            id: id.into(),
            name: id.to_uppercase(),
            description: String::new(),
            price_cents: 100,
            currency: "USD".into(),
            stock: 1,
            updated_at: "t".into(),
            category: ProductCategory::Other,
            image_url: None,
        };
        let ids: Vec<String> = ["c", "gone", "a"].iter().map(|s| s.to_string()).collect();
        let answer = batch_answer(&ids, vec![product("a"), product("x"), product("c")]);
        let got: Vec<&str> = answer.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(got, ["c", "a"]);
        assert_eq!(answer.missing, ["gone"]);
        let none = batch_answer(&ids, Vec::new());
        assert!(none.products.is_empty());
        assert_eq!(none.missing, ["c", "gone", "a"]);
    }

    /// `validate_reserve` as a method, for readable assertions.
    trait Validate {
        fn validate(self) -> Result<ReserveRequest, ValidationError>;
    }

    impl Validate for ReserveInput {
        fn validate(self) -> Result<ReserveRequest, ValidationError> {
            validate_reserve(self)
        }
    }

    fn input(order: &str, lines: &[(&str, i64)]) -> ReserveInput {
        ReserveInput {
            order_id: order.into(),
            lines: lines
                .iter()
                .map(|(p, q)| LineInput {
                    product_id: p.to_string(),
                    quantity: *q,
                })
                .collect(),
        }
    }

    #[test]
    fn lines_for_one_product_are_merged_and_sorted() {
        let r = input("o-1", &[("b", 2), ("a", 1), ("b", 3)])
            .validate()
            .unwrap();
        assert_eq!(
            r.lines,
            vec![
                Line {
                    product_id: "a".into(),
                    quantity: 1
                },
                Line {
                    product_id: "b".into(),
                    quantity: 5
                }
            ]
        );
    }

    #[test]
    fn zero_and_negative_quantities_name_the_line() {
        for q in [0, -3] {
            let e = input("o-1", &[("a", 1), ("b", q)]).validate().unwrap_err();
            assert_eq!(e.field, "lines[1].quantity");
        }
        let e = input("o-1", &[("a", MAX_QUANTITY + 1)])
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "lines[0].quantity");
    }

    #[test]
    fn ids_and_line_counts_are_checked() {
        assert_eq!(
            input("", &[("a", 1)]).validate().unwrap_err().field,
            "order_id"
        );
        assert_eq!(
            input("o/1", &[("a", 1)]).validate().unwrap_err().field,
            "order_id"
        );
        assert_eq!(input("o", &[]).validate().unwrap_err().field, "lines");
        let many: Vec<(String, i64)> = (0..=MAX_LINES).map(|i| (format!("p{i}"), 1)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(p, q)| (p.as_str(), *q)).collect();
        assert_eq!(input("o", &many).validate().unwrap_err().field, "lines");
        assert_eq!(
            input("o", &[("bad id", 1)]).validate().unwrap_err().field,
            "lines[0].product_id"
        );
    }

    #[test]
    fn repeat_of_a_reservation() {
        let req = input("o", &[("a", 1)]).validate().unwrap();
        let mut res = Reservation {
            order_id: "o".into(),
            status: ReservationStatus::Reserved,
            lines: req.lines.clone(),
            created_at: "t".into(),
            released_at: None,
        };
        assert!(check_repeat(&res, &req).is_ok());
        let other = input("o", &[("a", 2)]).validate().unwrap();
        assert!(matches!(
            check_repeat(&res, &other),
            Err(InventoryError::ReservationMismatch(_))
        ));
        res.status = ReservationStatus::Released;
        assert!(matches!(
            check_repeat(&res, &req),
            Err(InventoryError::ReservationReleased(_))
        ));
    }

    #[test]
    fn product_input_rules() {
        let ok = ProductInput {
            name: " Mug ".into(),
            description: String::new(),
            price_cents: 1299,
            currency: None,
            stock: Some(5),
            category: None,
            image_url: None,
        };
        let c = ok.clone().validate("mug").unwrap();
        assert_eq!(c.name, "Mug");
        assert_eq!(c.currency, "USD");
        assert_eq!(
            (c.category, c.image_url),
            (None, None),
            "kept when not given"
        );
        let e = ProductInput {
            price_cents: -1,
            ..ok.clone()
        }
        .validate("mug")
        .unwrap_err();
        assert_eq!(e.field, "price_cents");
        let e = ProductInput {
            stock: Some(-1),
            ..ok.clone()
        }
        .validate("mug")
        .unwrap_err();
        assert_eq!(e.field, "stock");
        let e = ProductInput {
            currency: Some("usd".into()),
            ..ok.clone()
        }
        .validate("mug")
        .unwrap_err();
        assert_eq!(e.field, "currency");
        let e = ProductInput {
            name: "  ".into(),
            ..ok
        }
        .validate("mug")
        .unwrap_err();
        assert_eq!(e.field, "name");
    }

    #[test]
    fn a_product_input_names_a_known_category_and_an_image_path_of_its_own() {
        let ok = ProductInput {
            name: "Mug".into(),
            description: String::new(),
            price_cents: 1299,
            currency: None,
            stock: None,
            category: Some("drinkware".into()),
            image_url: Some("images/products/ceramic-mug.svg".into()),
        };
        let c = ok.clone().validate("mug").unwrap();
        assert_eq!(c.category, Some(ProductCategory::Drinkware));
        assert_eq!(
            c.image_url.as_deref(),
            Some("images/products/ceramic-mug.svg")
        );
        for bad in ["Drinkware", "tea", ""] {
            let e = ProductInput {
                category: Some(bad.into()),
                ..ok.clone()
            }
            .validate("mug")
            .unwrap_err();
            assert_eq!(e.field, "category", "{bad}");
            assert!(e.message.contains("coffee, brewing"), "{}", e.message);
        }
        let e = ProductInput {
            image_url: Some("https://evil.example/x.svg".into()),
            ..ok
        }
        .validate("mug")
        .unwrap_err();
        assert_eq!(e.field, "image_url");
    }

    #[test]
    fn image_paths_are_shipped_illustrations_or_uploads_of_the_product() {
        let ok = |url: &str| validate_image_url("image_url", "mug-1", url).is_ok();
        assert!(ok("images/products/ceramic-mug.svg"));
        assert!(ok("images/products/a1.svg"));
        assert!(ok("images/uploads/mug-1-0123456789abcdef.png"));
        assert!(ok("images/uploads/mug-1-0123456789abcdef.jpg"));
        assert!(ok("images/uploads/mug-1-0123456789abcdef.webp"));
        for bad in [
            "",
            "images/products/.svg",
            "images/products/Mug.svg",
            "images/products/../index.html.svg",
            "images/products/mug.png",
            "/images/products/mug.svg",
            "https://example.com/images/products/mug.svg",
            "images/uploads/other-0123456789abcdef.png",
            "images/uploads/mug-1-0123456789ABCDEF.png",
            "images/uploads/mug-1-0123456789abcde.png",
            "images/uploads/mug-1-0123456789abcdef.svg",
            "images/uploads/mug-1-0123456789abcdef.png.html",
        ] {
            assert_eq!(
                validate_image_url("image_url", "mug-1", bad)
                    .unwrap_err()
                    .field,
                "image_url",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_change_keeps_the_category_and_image_it_does_not_name() {
        let mut c = change(None);
        let new = product_after_change(None, "cup", &c, "t1");
        assert_eq!(
            (new.category, new.image_url),
            (ProductCategory::Other, None)
        );
        let old = Product {
            category: ProductCategory::Coffee,
            image_url: Some("images/products/cup.svg".into()),
            ..product("cup", 1)
        };
        let kept = product_after_change(Some(&old), "cup", &c, "t2");
        assert_eq!(kept.category, ProductCategory::Coffee);
        assert_eq!(kept.image_url.as_deref(), Some("images/products/cup.svg"));
        c.category = Some(ProductCategory::Equipment);
        c.image_url = Some("images/products/other.svg".into());
        let set = product_after_change(Some(&old), "cup", &c, "t3");
        assert_eq!(set.category, ProductCategory::Equipment);
        assert_eq!(set.image_url.as_deref(), Some("images/products/other.svg"));
    }

    #[test]
    fn setting_an_image_needs_an_existing_product() {
        assert!(matches!(
            image_set(None, "ghost", "images/uploads/x.png", "t1"),
            Err(InventoryError::ProductNotFound(id)) if id == "ghost"
        ));
        let p = image_set(
            Some(&product("mug", 4)),
            "mug",
            "images/uploads/k.png",
            "t1",
        )
        .unwrap();
        assert_eq!(
            p,
            Product {
                image_url: Some("images/uploads/k.png".into()),
                updated_at: "t1".into(),
                ..product("mug", 4)
            }
        );
    }

    fn named(id: &str, name: &str, category: ProductCategory) -> Product {
        Product {
            name: name.into(),
            category,
            ..product(id, 1)
        }
    }

    #[test]
    fn search_matches_a_part_of_the_name_in_any_case() {
        let f = catalog_filter(Some("  MuG "), None).unwrap();
        assert_eq!(f.q.as_deref(), Some("mug"), "trimmed, lower case");
        assert!(f.matches(&named("a", "Ceramic Mug", ProductCategory::Drinkware)));
        assert!(f.matches(&named("b", "mugs", ProductCategory::Other)));
        assert!(f.matches(&named("c", "SMUGGLER", ProductCategory::Other)));
        assert!(!f.matches(&named("d", "Cup", ProductCategory::Drinkware)));
        assert!(
            !f.matches(&named("mug", "Cup", ProductCategory::Drinkware)),
            "the name, not the id"
        );
        let accents = catalog_filter(Some("CAFÉ"), None).unwrap();
        assert!(accents.matches(&named("e", "Café crème", ProductCategory::Coffee)));
    }

    #[test]
    fn an_empty_search_and_no_category_match_everything() {
        for q in [None, Some(""), Some("   ")] {
            let f = catalog_filter(q, None).unwrap();
            assert!(f.is_empty(), "{q:?}");
            assert!(f.matches(&named("a", "Anything", ProductCategory::Other)));
        }
    }

    #[test]
    fn category_and_search_combine() {
        let f = catalog_filter(Some("mug"), Some("drinkware")).unwrap();
        assert_eq!(f.category, Some(ProductCategory::Drinkware));
        assert!(f.matches(&named("a", "Travel Mug", ProductCategory::Drinkware)));
        assert!(!f.matches(&named("b", "Mug Cleaner", ProductCategory::Other)));
        assert!(!f.matches(&named("c", "Kettle", ProductCategory::Drinkware)));
        let only = catalog_filter(None, Some("other")).unwrap();
        assert!(only.matches(&named("d", "x", ProductCategory::Other)));
        assert!(!only.matches(&named("e", "x", ProductCategory::Coffee)));
    }

    #[test]
    fn a_long_search_or_an_unknown_category_names_the_parameter() {
        let hundred = "é".repeat(MAX_QUERY_LEN);
        assert!(
            catalog_filter(Some(&hundred), None).is_ok(),
            "characters, not bytes"
        );
        let padded = format!("  {hundred}  ");
        assert!(catalog_filter(Some(&padded), None).is_ok(), "trimmed first");
        let long = "a".repeat(MAX_QUERY_LEN + 1);
        assert_eq!(catalog_filter(Some(&long), None).unwrap_err().field, "q");
        for bad in ["tea", "Coffee", "", "coffee "] {
            assert_eq!(
                catalog_filter(None, Some(bad)).unwrap_err().field,
                "category",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_filtered_page_is_full_and_resumes_after_its_last_product() {
        let catalog: Vec<Product> = (0..10)
            .map(|i| {
                let c = if i % 3 == 0 {
                    ProductCategory::Coffee
                } else {
                    ProductCategory::Other
                };
                named(&format!("p{i}"), "x", c)
            })
            .collect();
        let filter = catalog_filter(None, Some("coffee")).unwrap();
        let first = filtered_page(
            catalog.clone(),
            &PageRequest {
                limit: 2,
                after: None,
            },
            &filter,
        );
        let ids: Vec<&str> = first.items.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p0", "p3"]);
        let after = decode_cursor(first.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(after, "p3", "the last product returned");
        let second = filtered_page(
            catalog,
            &PageRequest {
                limit: 2,
                after: Some(after),
            },
            &filter,
        );
        let ids: Vec<&str> = second.items.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p6", "p9"]);
    }

    fn upload(content_type: &str, bytes: &[u8]) -> ProductImageUpload {
        use base64::Engine;
        ProductImageUpload {
            content_type: content_type.into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 ";

    fn field_of(r: Result<Image, InventoryError>) -> String {
        match r {
            Err(InventoryError::Invalid(e)) => e.field,
            other => panic!("a field error expected, got {other:?}"),
        }
    }

    #[test]
    fn each_image_type_needs_its_magic_number() {
        for (mime, bytes) in [
            ("image/png", PNG),
            ("image/jpeg", JPEG),
            ("image/webp", WEBP),
        ] {
            let image = validate_image(upload(mime, bytes)).unwrap();
            assert_eq!(image.content_type.mime(), mime);
            assert_eq!(image.bytes, bytes);
        }
        for (mime, bytes) in [
            ("image/png", JPEG),
            ("image/jpeg", PNG),
            ("image/webp", b"RIFF\x10\0\0\0WAVEfmt ".as_slice()),
            ("image/webp", b"RIFF".as_slice()),
            ("image/png", &PNG[..7]),
            (
                "image/png",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".as_slice(),
            ),
        ] {
            assert_eq!(
                field_of(validate_image(upload(mime, bytes))),
                "data_base64",
                "{mime}"
            );
        }
    }

    #[test]
    fn svg_and_other_types_are_refused_by_their_content_type() {
        for mime in ["image/svg+xml", "image/gif", "text/html", "", "IMAGE/PNG"] {
            assert_eq!(
                field_of(validate_image(upload(mime, PNG))),
                "content_type",
                "{mime}"
            );
        }
    }

    #[test]
    fn image_size_is_one_byte_to_300_kib() {
        let mut big = PNG.to_vec();
        big.resize(MAX_IMAGE_BYTES, 0);
        assert!(
            validate_image(upload("image/png", &big)).is_ok(),
            "300 KiB exactly"
        );
        big.push(0);
        assert!(matches!(
            validate_image(upload("image/png", &big)),
            Err(InventoryError::ImageTooLarge(n)) if n == MAX_IMAGE_BYTES + 1
        ));
        big.resize(MAX_IMAGE_BYTES * 2, 0);
        assert!(matches!(
            validate_image(upload("image/png", &big)),
            Err(InventoryError::ImageTooLarge(_))
        ));
        assert_eq!(
            field_of(validate_image(upload("image/png", &[]))),
            "data_base64"
        );
    }

    #[test]
    fn bad_base64_names_the_data() {
        for data in [
            "not base64!",
            "iVBORw0KGgo",
            "iVBO Rw0K",
            "iVBORw0KGgo-_w==",
        ] {
            let r = validate_image(ProductImageUpload {
                content_type: "image/png".into(),
                data_base64: data.into(),
            });
            assert_eq!(field_of(r), "data_base64", "{data}");
        }
    }

    #[test]
    fn an_image_key_is_named_by_its_product_and_content() {
        let image = validate_image(upload("image/png", PNG)).unwrap();
        let key = image_key("mug-1", &image);
        let hash = content_hash(PNG);
        assert_eq!(key, format!("images/uploads/mug-1-{hash}.png"));
        assert_eq!(hash.len(), 16);
        assert!(
            validate_image_url("image_url", "mug-1", &key).is_ok(),
            "an upload's path is accepted back"
        );
        assert_eq!(
            key,
            image_key("mug-1", &image.clone()),
            "same bytes, same key"
        );
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(content_hash(b"abc"), "ba7816bf8f01cfea");
        let jpeg = validate_image(upload("image/jpeg", JPEG)).unwrap();
        assert!(image_key("mug-1", &jpeg).ends_with(".jpg"));
        let webp = validate_image(upload("image/webp", WEBP)).unwrap();
        assert!(image_key("mug-1", &webp).ends_with(".webp"));
        let other = Image {
            content_type: ImageContentType::Png,
            bytes: [PNG, b"x"].concat(),
        };
        assert_ne!(image_key("mug-1", &other), key, "other bytes, other key");
    }

    fn line(p: &str, q: i64) -> Line {
        Line {
            product_id: p.into(),
            quantity: q,
        }
    }

    fn reserved(order: &str, lines: Vec<Line>) -> Reservation {
        Reservation {
            order_id: order.into(),
            status: ReservationStatus::Reserved,
            lines,
            created_at: "t0".into(),
            released_at: None,
        }
    }

    fn product(id: &str, stock: i64) -> Product {
        Product {
            id: id.into(),
            name: "Mug".into(),
            description: "a mug".into(),
            price_cents: 1800,
            currency: "USD".into(),
            stock,
            updated_at: "t0".into(),
            category: ProductCategory::Drinkware,
            image_url: None,
        }
    }

    fn change(stock: Option<i64>) -> ProductChange {
        ProductChange {
            name: "Cup".into(),
            description: String::new(),
            price_cents: 900,
            currency: "EUR".into(),
            stock,
            category: None,
            image_url: None,
        }
    }

    #[test]
    fn line_limits_are_inclusive() {
        let exact = input("o", &[("a", MAX_QUANTITY - 1), ("a", 1)]).validate();
        assert_eq!(exact.unwrap().lines, vec![line("a", MAX_QUANTITY)]);
        let e = input("o", &[("a", MAX_QUANTITY), ("b", 1), ("a", 1)])
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "lines[2].quantity", "the line that tips it over");
        let many: Vec<(String, i64)> = (0..MAX_LINES).map(|i| (format!("p{i}"), 1)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(p, q)| (p.as_str(), *q)).collect();
        assert_eq!(input("o", &many).validate().unwrap().lines.len(), MAX_LINES);
    }

    #[test]
    fn stock_levels_are_bounded() {
        assert!(validate_stock("stock", 0).is_ok());
        assert!(validate_stock("stock", MAX_STOCK).is_ok());
        assert_eq!(validate_stock("s", -1).unwrap_err().field, "s");
        assert!(validate_stock("stock", MAX_STOCK + 1).is_err());
    }

    #[test]
    fn a_first_reserve_takes_the_request_lines_now() {
        let req = input("o-1", &[("b", 2), ("a", 1)]).validate().unwrap();
        let plan = plan_reserve(None, &req, "t1").unwrap();
        assert_eq!(
            plan,
            ReservePlan::Take(Reservation {
                order_id: "o-1".into(),
                status: ReservationStatus::Reserved,
                lines: vec![line("a", 1), line("b", 2)],
                created_at: "t1".into(),
                released_at: None,
            })
        );
    }

    #[test]
    fn a_repeated_reserve_answers_from_the_record() {
        let req = input("o-1", &[("a", 1)]).validate().unwrap();
        let existing = reserved("o-1", vec![line("a", 1)]);
        assert_eq!(
            plan_reserve(Some(&existing), &req, "t9").unwrap(),
            ReservePlan::Repeat(existing.clone()),
            "the first reservation, its time unchanged"
        );
        let other = input("o-1", &[("a", 1), ("b", 1)]).validate().unwrap();
        assert!(matches!(
            plan_reserve(Some(&existing), &other, "t9"),
            Err(InventoryError::ReservationMismatch(o)) if o == "o-1"
        ));
    }

    #[test]
    fn a_released_order_or_a_tombstone_refuses_a_reserve() {
        let req = input("o-1", &[("a", 1)]).validate().unwrap();
        let ReleasePlan::Tombstone(tombstone) = plan_release(None, "o-1", "t1") else {
            panic!("an unknown order gets a tombstone");
        };
        assert!(matches!(
            plan_reserve(Some(&tombstone), &req, "t2"),
            Err(InventoryError::ReservationReleased(o)) if o == "o-1"
        ));
        let ReleasePlan::Restock(released) =
            plan_release(Some(&reserved("o-1", req.lines.clone())), "o-1", "t1")
        else {
            panic!("a reserved order is restocked");
        };
        assert!(matches!(
            plan_reserve(Some(&released), &req, "t2"),
            Err(InventoryError::ReservationReleased(_))
        ));
    }

    #[test]
    fn stock_never_goes_negative() {
        let stock = |id: &str| match id {
            "a" => Some(3),
            "b" => Some(0),
            "c" => Some(10),
            _ => None,
        };
        assert!(
            check_stock(&[line("a", 3), line("c", 10)], stock).is_ok(),
            "all of it"
        );
        match check_stock(&[line("a", 4), line("b", 1), line("c", 1)], stock) {
            Err(InventoryError::OutOfStock(short)) => assert_eq!(
                short,
                vec![
                    Shortage {
                        product_id: "a".into(),
                        requested: 4,
                        available: 3
                    },
                    Shortage {
                        product_id: "b".into(),
                        requested: 1,
                        available: 0
                    },
                ],
                "only the short lines, with what is there"
            ),
            other => panic!("expected a shortage, got {other:?}"),
        }
    }

    #[test]
    fn unknown_products_are_named_before_shortages() {
        let stock = |id: &str| (id == "a").then_some(0);
        assert!(matches!(
            check_stock(&[line("a", 5), line("x", 1), line("y", 1)], stock),
            Err(InventoryError::UnknownProducts(ids)) if ids == ["x", "y"]
        ));
    }

    #[test]
    fn releasing_an_unknown_order_leaves_a_tombstone() {
        let plan = plan_release(None, "o-1", "t1");
        let tombstone = Reservation {
            order_id: "o-1".into(),
            status: ReservationStatus::Released,
            lines: Vec::new(),
            created_at: "t1".into(),
            released_at: Some("t1".into()),
        };
        assert_eq!(plan, ReleasePlan::Tombstone(tombstone));
        assert_eq!(
            plan.outcome(),
            ReleaseOutcome::UnknownOrder {
                order_id: "o-1".into()
            }
        );
    }

    #[test]
    fn releasing_a_reservation_restocks_its_lines_once() {
        let existing = reserved("o-1", vec![line("a", 2), line("b", 1)]);
        let plan = plan_release(Some(&existing), "o-1", "t5");
        let released = Reservation {
            status: ReservationStatus::Released,
            released_at: Some("t5".into()),
            ..existing.clone()
        };
        assert_eq!(plan, ReleasePlan::Restock(released.clone()));
        assert_eq!(
            plan.outcome(),
            ReleaseOutcome::Released {
                reservation: released.clone()
            }
        );
        // A second release finds it released: nothing more goes back.
        let again = plan_release(Some(&released), "o-1", "t6");
        assert_eq!(again, ReleasePlan::AlreadyReleased(released.clone()));
        assert_eq!(
            again.outcome(),
            ReleaseOutcome::AlreadyReleased {
                reservation: released
            }
        );
    }

    #[test]
    fn a_second_release_of_an_unknown_order_answers_with_the_tombstone() {
        let ReleasePlan::Tombstone(tombstone) = plan_release(None, "o-1", "t1") else {
            panic!("tombstone expected");
        };
        assert_eq!(
            plan_release(Some(&tombstone), "o-1", "t2"),
            ReleasePlan::AlreadyReleased(tombstone)
        );
    }

    #[test]
    fn a_product_change_sets_the_stock_only_when_it_names_one() {
        assert_eq!(change(Some(7)).stock_update(), StockUpdate::Set(7));
        assert_eq!(change(None).stock_update(), StockUpdate::KeepOrStartAt(0));
        assert_eq!(StockUpdate::Set(7).apply(Some(3)), 7);
        assert_eq!(StockUpdate::Set(7).apply(None), 7);
        assert_eq!(StockUpdate::KeepOrStartAt(0).apply(Some(3)), 3);
        assert_eq!(StockUpdate::KeepOrStartAt(0).apply(None), 0);

        let new = product_after_change(None, "cup", &change(None), "t1");
        assert_eq!(
            new,
            Product {
                id: "cup".into(),
                name: "Cup".into(),
                description: String::new(),
                price_cents: 900,
                currency: "EUR".into(),
                stock: 0,
                updated_at: "t1".into(),
                category: ProductCategory::Other,
                image_url: None,
            }
        );
        let old = product("cup", 4);
        let kept = product_after_change(Some(&old), "cup", &change(None), "t2");
        assert_eq!((kept.stock, kept.name.as_str()), (4, "Cup"));
        assert_eq!(kept.description, "", "details are replaced as a whole");
        assert_eq!(kept.updated_at, "t2");
        let set = product_after_change(Some(&old), "cup", &change(Some(0)), "t2");
        assert_eq!(set.stock, 0);
    }

    #[test]
    fn setting_stock_needs_an_existing_product() {
        assert!(matches!(
            stock_set(None, "ghost", 3, "t1"),
            Err(InventoryError::ProductNotFound(id)) if id == "ghost"
        ));
        let p = stock_set(Some(&product("mug", 1)), "mug", 42, "t1").unwrap();
        assert_eq!(
            p,
            Product {
                stock: 42,
                updated_at: "t1".into(),
                ..product("mug", 1)
            }
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor("mug-01")).unwrap(), "mug-01");
        assert_eq!(decode_cursor("!!!").unwrap_err().field, "cursor");
        assert_eq!(
            decode_cursor("!!!").unwrap_err().message,
            "is not a cursor this API returned; pass next_cursor from the previous page"
        );
        assert_eq!(
            decode_cursor(&encode_cursor("a b")).unwrap_err().field,
            "cursor",
            "a cursor naming no possible product"
        );
    }

    #[test]
    fn a_page_request_checks_the_limit_then_the_cursor() {
        assert_eq!(
            page_request(None, None).unwrap(),
            PageRequest {
                limit: sagaway_shared::validation::DEFAULT_PAGE_SIZE,
                after: None
            }
        );
        let c = encode_cursor("mug");
        assert_eq!(
            page_request(Some("5"), Some(&c)).unwrap(),
            PageRequest {
                limit: 5,
                after: Some("mug".into())
            }
        );
        assert_eq!(
            page_request(Some("0"), Some("***")).unwrap_err().field,
            "limit"
        );
        assert_eq!(
            page_request(Some("5"), Some("***")).unwrap_err().field,
            "cursor"
        );
    }
}
