//! DynamoDB plumbing every store uses: strongly consistent reads by key and attribute helpers.

/// Reads one item by its partition key `pk`, strongly consistent (every store's lookup).
pub async fn get_by_pk(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: String,
) -> Result<
    Option<attr::Item>,
    aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::get_item::GetItemError>,
> {
    let out = client
        .get_item()
        .table_name(table)
        .key("pk", attr::s(pk))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item().cloned())
}

/// Small helpers for reading and writing DynamoDB items, shared by every store.
pub mod attr {
    use aws_sdk_dynamodb::types::AttributeValue;
    use base64::Engine;
    use std::collections::HashMap;

    /// A DynamoDB item.
    pub type Item = HashMap<String, AttributeValue>;

    /// An item attribute that is missing or of the wrong type.
    #[derive(Debug, Clone, thiserror::Error)]
    #[error("item attribute {0} is missing or has the wrong type")]
    pub struct AttrError(pub String);

    pub fn s(v: impl Into<String>) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    pub fn n(v: i64) -> AttributeValue {
        AttributeValue::N(v.to_string())
    }

    pub fn get_s(item: &Item, key: &str) -> Result<String, AttrError> {
        match item.get(key) {
            Some(AttributeValue::S(v)) => Ok(v.clone()),
            _ => Err(AttrError(key.to_string())),
        }
    }

    pub fn opt_s(item: &Item, key: &str) -> Option<String> {
        get_s(item, key).ok()
    }

    pub fn get_n(item: &Item, key: &str) -> Result<i64, AttrError> {
        match item.get(key) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| AttrError(key.to_string())),
            _ => Err(AttrError(key.to_string())),
        }
    }

    pub fn get_list<'a>(item: &'a Item, key: &str) -> &'a [AttributeValue] {
        match item.get(key) {
            Some(AttributeValue::L(l)) => l,
            _ => &[],
        }
    }

    /// Now, as an RFC 3339 UTC timestamp with milliseconds (sorts as text).
    pub fn now() -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The full text of an SDK error, with its sources.
    pub fn error_text<E: std::error::Error + 'static>(e: &E) -> String {
        aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()
    }

    /// An opaque pagination cursor for a key string.
    pub fn encode_cursor(key: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
    }

    /// The key string of a cursor, or `None` when it is not one of ours.
    pub fn decode_cursor(cursor: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()?;
        String::from_utf8(bytes).ok()
    }
}
