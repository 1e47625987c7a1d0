//! DynamoDB plumbing every store uses: strongly consistent reads by key, the cursor after a
//! Query's page, and attribute helpers.

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

/// The cursor of the page after a Query's ([`crate::paging`]): the list key `key_attr` of its
/// `LastEvaluatedKey`, or `None` when the Query reached the end of the list.
pub fn next_cursor(
    last_evaluated_key: Option<&attr::Item>,
    key_attr: &str,
) -> Result<Option<String>, attr::AttrError> {
    last_evaluated_key
        .map(|k| attr::get_s(k, key_attr).map(|key| crate::paging::encode_cursor(&key)))
        .transpose()
}

/// Small helpers for reading and writing DynamoDB items, shared by every store.
pub mod attr {
    use aws_sdk_dynamodb::types::AttributeValue;
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
}

#[cfg(test)]
mod tests {
    use super::attr::{Item, n, s};
    use super::next_cursor;
    use crate::paging::decode_cursor;

    #[test]
    fn the_next_cursor_names_the_last_evaluated_list_key() {
        assert_eq!(
            next_cursor(None, "sk").unwrap(),
            None,
            "the end of the list"
        );
        let lek: Item = [("pk".to_string(), s("p")), ("sk".to_string(), s("t#n-1"))].into();
        let cursor = next_cursor(Some(&lek), "sk").unwrap().expect("a cursor");
        assert_eq!(decode_cursor(&cursor).as_deref(), Some("t#n-1"));
        assert_eq!(next_cursor(Some(&lek), "id").unwrap_err().0, "id");
        let wrong: Item = [("sk".to_string(), n(1))].into();
        assert!(next_cursor(Some(&wrong), "sk").is_err());
    }
}
