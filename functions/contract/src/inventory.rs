//! The inventory service's messages: the catalog's product, the batch of products the gateway
//! prices a cart with (one call for every line), and the reservation request of the saga.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A product in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    #[schema(example = "ceramic-mug")]
    pub id: String,
    #[schema(example = "Ceramic mug")]
    pub name: String,
    pub description: String,
    #[schema(example = 1800)]
    pub price_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    pub stock: i64,
    pub updated_at: String,
    /// The product's category; a product stored before categories existed reads as `other`.
    #[serde(default)]
    #[schema(required = true)]
    pub category: ProductCategory,
    /// The product's image as a path relative to the web app's root
    /// (`images/products/ceramic-mug.svg`, or `images/uploads/<id>-<hash>.png` once an admin
    /// uploaded one); the web app resolves it against its own origin. `null` when none.
    #[serde(default)]
    #[schema(required = true, example = "images/products/ceramic-mug.svg")]
    pub image_url: Option<String>,
}

/// A category of the shop, by its id (`GET /v1/categories` lists them with their names, in
/// the shop's order: `ProductCategory::ALL`, the one list).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProductCategory {
    Coffee,
    Brewing,
    Drinkware,
    Equipment,
    /// Where a product without a category goes.
    #[default]
    Other,
}

impl ProductCategory {
    /// Every category, in the order the shop lists them.
    pub const ALL: [Self; 5] = [
        Self::Coffee,
        Self::Brewing,
        Self::Drinkware,
        Self::Equipment,
        Self::Other,
    ];

    /// The id: the category's JSON form, its `?category=` value and its stored value.
    pub fn id(self) -> &'static str {
        match self {
            Self::Coffee => "coffee",
            Self::Brewing => "brewing",
            Self::Drinkware => "drinkware",
            Self::Equipment => "equipment",
            Self::Other => "other",
        }
    }

    /// The name shoppers see.
    pub fn name(self) -> &'static str {
        match self {
            Self::Coffee => "Coffee",
            Self::Brewing => "Brewing",
            Self::Drinkware => "Drinkware",
            Self::Equipment => "Equipment",
            Self::Other => "Other",
        }
    }

    /// The category with this id, or `None` (ids are exact: lower case).
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// A category: its id and the name shoppers see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    #[schema(example = "coffee")]
    pub id: ProductCategory,
    #[schema(example = "Coffee")]
    pub name: String,
}

impl From<ProductCategory> for Category {
    fn from(c: ProductCategory) -> Self {
        Self {
            id: c,
            name: c.name().to_string(),
        }
    }
}

/// `GET /v1/categories`: every category, in the shop's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategoryList {
    pub categories: Vec<Category>,
}

impl CategoryList {
    /// The whole list ([`ProductCategory::ALL`]).
    pub fn all() -> Self {
        Self {
            categories: ProductCategory::ALL
                .into_iter()
                .map(Category::from)
                .collect(),
        }
    }
}

/// Image types an admin may upload for a product (`PUT /v1/products/{id}/image`). SVG is not
/// one: served from the shop's origin it could run script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ImageContentType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/webp")]
    Webp,
}

impl ImageContentType {
    pub const ALL: [Self; 3] = [Self::Png, Self::Jpeg, Self::Webp];

    /// The MIME type (the JSON form, and the object's `Content-Type`).
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    /// The file extension of the stored object.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    /// The type with this MIME type, or `None`.
    pub fn parse(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.mime() == mime)
    }
}

/// Largest image an admin may upload: 300 KiB of decoded bytes.
pub const MAX_IMAGE_BYTES: usize = 300 * 1024;

/// The body of `PUT /v1/products/{id}/image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductImageUpload {
    /// `image/png`, `image/jpeg` or `image/webp` (SVG and other types are refused); the
    /// bytes must start with that format's magic number.
    #[schema(value_type = ImageContentType, example = "image/png")]
    pub content_type: String,
    /// The image, standard base64 (with padding); 1 byte to 300 KiB once decoded.
    pub data_base64: String,
}

/// `GET /v1/products?q=&category=&limit=&cursor=`: a page of the catalog, narrowed by name
/// and category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// a part of the product name, any case (trimmed; at most 100 characters; empty: every
    /// product)
    #[param(max_length = 100, example = "mug")]
    pub q: Option<String>,
    /// only this category (an id of `GET /v1/categories`)
    #[param(value_type = Option<ProductCategory>)]
    pub category: Option<String>,
    /// page size, 1–100 (default 20)
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (of the same `q` and `category`)
    pub cursor: Option<String>,
}

/// Most ids one [`ProductBatchRequest`] may name: a cart's distinct products
/// ([`crate::limits::MAX_LINES`]), well within the 100 keys DynamoDB reads in one batch.
pub const MAX_BATCH_IDS: usize = crate::limits::MAX_LINES;

/// `POST /internal/products/batch`: the products with these ids, read in one call (the
/// gateway prices a cart with it). Repeated ids are read once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductBatchRequest {
    pub ids: Vec<String>,
}

/// The answer to a [`ProductBatchRequest`]: the products found, in the order their ids were
/// first asked for, and the ids that name no product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBatch {
    pub products: Vec<Product>,
    pub missing: Vec<String>,
}

/// One line of a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveLine {
    pub product_id: String,
    pub quantity: i64,
}

/// `POST /internal/reservations`: all or nothing, idempotent by order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    pub order_id: String,
    pub lines: Vec<ReserveLine>,
}

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    Reserved,
    Released,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "RESERVED",
            Self::Released => "RELEASED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RESERVED" => Some(Self::Reserved),
            "RELEASED" => Some(Self::Released),
            _ => None,
        }
    }
}

/// An order's hold on stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order_id: String,
    pub status: ReservationStatus,
    /// Empty for a tombstone: a release that arrived before any reserve.
    pub lines: Vec<ReserveLine>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
}

/// The result of a release call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// Stock was put back now.
    Released { reservation: Reservation },
    /// It had been released before; nothing changed.
    AlreadyReleased { reservation: Reservation },
    /// No reservation existed for the order; nothing changed (a tombstone now blocks a late
    /// reserve for it).
    UnknownOrder { order_id: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_batch_request_names_ids_and_nothing_else() {
        let r: ProductBatchRequest = serde_json::from_value(json!({"ids": ["a", "b"]})).unwrap();
        assert_eq!(r.ids, ["a", "b"]);
        assert!(serde_json::from_value::<ProductBatchRequest>(json!({"ids": [], "x": 1})).is_err());
        assert!(serde_json::from_value::<ProductBatchRequest>(json!({})).is_err());
    }

    #[test]
    fn a_batch_answer_round_trips() {
        let batch = ProductBatch {
            products: vec![Product {
                id: "mug".into(),
                name: "Mug".into(),
                description: String::new(),
                price_cents: 1200,
                currency: "USD".into(),
                stock: 3,
                updated_at: "2026-01-01T00:00:00.000Z".into(),
                category: ProductCategory::Drinkware,
                image_url: Some("images/products/mug.svg".into()),
            }],
            missing: vec!["gone".into()],
        };
        let v = serde_json::to_value(&batch).unwrap();
        assert_eq!(v["products"][0]["price_cents"], 1200);
        assert_eq!(v["missing"], json!(["gone"]));
        assert_eq!(v["products"][0]["category"], "drinkware");
        assert_eq!(v["products"][0]["image_url"], "images/products/mug.svg");
        assert_eq!(serde_json::from_value::<ProductBatch>(v).unwrap(), batch);
    }

    #[test]
    fn a_product_without_category_or_image_reads_as_other_without_image() {
        let p: Product = serde_json::from_value(json!({
            "id": "a", "name": "A", "description": "", "price_cents": 1, "currency": "USD",
            "stock": 0, "updated_at": "t"
        }))
        .unwrap();
        assert_eq!(p.category, ProductCategory::Other);
        assert_eq!(p.image_url, None);
        assert_eq!(serde_json::to_value(&p).unwrap()["image_url"], Value::Null);
    }

    #[test]
    fn the_category_list_is_fixed_and_ordered() {
        let v = serde_json::to_value(CategoryList::all()).unwrap();
        assert_eq!(
            v,
            json!({"categories": [
                {"id": "coffee", "name": "Coffee"},
                {"id": "brewing", "name": "Brewing"},
                {"id": "drinkware", "name": "Drinkware"},
                {"id": "equipment", "name": "Equipment"},
                {"id": "other", "name": "Other"},
            ]})
        );
        for c in ProductCategory::ALL {
            assert_eq!(ProductCategory::parse(c.id()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                c.id(),
                "the id is the JSON form"
            );
        }
        assert_eq!(ProductCategory::parse("Coffee"), None, "ids are exact");
        assert_eq!(ProductCategory::parse(""), None);
    }

    #[test]
    fn image_types_name_their_mime_and_extension() {
        let got: Vec<(&str, &str)> = ImageContentType::ALL
            .iter()
            .map(|t| (t.mime(), t.extension()))
            .collect();
        assert_eq!(
            got,
            [
                ("image/png", "png"),
                ("image/jpeg", "jpg"),
                ("image/webp", "webp")
            ]
        );
        assert_eq!(ImageContentType::parse("image/svg+xml"), None);
        assert_eq!(
            serde_json::to_value(ImageContentType::Jpeg).unwrap(),
            "image/jpeg"
        );
    }
}
