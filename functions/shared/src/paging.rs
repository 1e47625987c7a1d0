//! Paging a list with opaque cursors, the same way in every service (pure: the DynamoDB
//! adapters and the in-memory stores both follow it).
//!
//! - `?limit=` is checked first ([`page_size`]), then `?cursor=` ([`page_request`]); a cursor
//!   that does not decode to a key the list accepts is a `cursor` field error.
//! - A cursor is the list key of the page's last entry, URL-safe base64 without padding
//!   ([`encode_cursor`]). Clients treat it as opaque; its format does not change, so cursors
//!   handed out earlier keep working.
//! - A full page carries a cursor even when nothing follows, because a DynamoDB Query with
//!   `Limit` stops there without looking ahead; so the page after a full last page is empty
//!   and has none. The in-memory [`page`] does the same, so both stores page alike.
//! - Lists ordered by time use [`list_key`] (`<created_at>#<id>`): RFC 3339 times sort as
//!   text, and the id breaks ties within a millisecond.

use crate::validation::{ValidationError, invalid, page_size};
use base64::Engine;

/// What a refused cursor is told (the `cursor` field's message).
pub const NOT_A_CURSOR: &str = "is not a cursor this API returned";

/// Which page to read: at most `limit` entries, after the entry whose key is `after` (the
/// first page when `None`). `K` is the key as the list reads it from a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K = String> {
    pub limit: i32,
    pub after: Option<K>,
}

/// Checks `?limit=` (first) and `?cursor=`, for a list that accepts any key a cursor holds.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, ValidationError> {
    page_request_with(limit, cursor, cursor_key)
}

/// Checks `?limit=` (first) and `?cursor=`, reading the cursor with `key` (which refuses the
/// cursors no page of the list could have ended at).
pub fn page_request_with<K>(
    limit: Option<&str>,
    cursor: Option<&str>,
    key: impl FnOnce(&str) -> Result<K, ValidationError>,
) -> Result<PageRequest<K>, ValidationError> {
    let limit = page_size(limit)?;
    let after = cursor.map(key).transpose()?;
    Ok(PageRequest { limit, after })
}

/// The key a cursor holds, or the `cursor` field error ([`NOT_A_CURSOR`]).
pub fn cursor_key(cursor: &str) -> Result<String, ValidationError> {
    decode_cursor(cursor).ok_or_else(|| invalid("cursor", NOT_A_CURSOR))
}

/// The cursor of the page after the one ending at `key`.
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

/// Where an entry sits in a list ordered by time: `<created_at>#<id>`.
pub fn list_key(created_at: &str, id: &str) -> String {
    format!("{created_at}#{id}")
}

/// The id in a [`list_key`] (after its last `#`), or `None` when `key` is not one.
pub fn list_key_id(key: &str) -> Option<&str> {
    key.rsplit_once('#').map(|(_, id)| id)
}

/// Which way a list runs over its keys (byte order, as DynamoDB sorts a string range key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    /// Over [`list_key`]s: newest first.
    Descending,
}

/// One page of `entries` (key, item; in any order) for `req`, as a DynamoDB Query would
/// return it: in `direction`, after the cursor's key (a key between two entries starts right
/// after it), at most `limit`, and a cursor naming the last key when the page is full.
pub fn page<K: AsRef<str>, T>(
    mut entries: Vec<(String, T)>,
    req: &PageRequest<K>,
    direction: Direction,
) -> (Vec<T>, Option<String>) {
    match direction {
        Direction::Ascending => entries.sort_by(|a, b| a.0.cmp(&b.0)),
        Direction::Descending => entries.sort_by(|a, b| b.0.cmp(&a.0)),
    }
    let after = req.after.as_ref().map(AsRef::as_ref);
    let follows = |k: &str| match (after, direction) {
        (None, _) => true,
        (Some(a), Direction::Ascending) => k > a,
        (Some(a), Direction::Descending) => k < a,
    };
    let limit = usize::try_from(req.limit).unwrap_or(0);
    let taken: Vec<(String, T)> = entries
        .into_iter()
        .filter(|(k, _)| follows(k))
        .take(limit)
        .collect();
    let next = match taken.last() {
        Some((k, _)) if taken.len() == limit => Some(encode_cursor(k)),
        _ => None,
    };
    (taken.into_iter().map(|(_, t)| t).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

    fn req(limit: i32, after: Option<&str>) -> PageRequest {
        PageRequest {
            limit,
            after: after.map(str::to_string),
        }
    }

    fn entries(keys: &[&'static str]) -> Vec<(String, &'static str)> {
        keys.iter().map(|k| (k.to_string(), *k)).collect()
    }

    /// Follows the cursors from the first page to the last, as a client does.
    fn all_pages(keys: &[&'static str], limit: i32, d: Direction) -> Vec<Vec<&'static str>> {
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let (items, next) = page(entries(keys), &PageRequest { limit, after }, d);
            pages.push(items);
            match next {
                Some(c) => after = Some(cursor_key(&c).unwrap()),
                None => return pages,
            }
        }
    }

    #[test]
    fn cursors_round_trip_in_a_stable_format() {
        for key in ["mug-01", "2026-01-02T03:04:05.678Z#o-1", "", "é#ü"] {
            assert_eq!(decode_cursor(&encode_cursor(key)).as_deref(), Some(key));
        }
        // The format cursors already handed out use: URL-safe base64 without padding.
        assert_eq!(encode_cursor("mug"), "bXVn");
        assert_eq!(encode_cursor("a?>"), "YT8-");
        assert_eq!(decode_cursor("YT8-").as_deref(), Some("a?>"));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        // Not base64, padded, the standard alphabet, or bytes that are not UTF-8.
        for bad in ["%%%", "!!!", "bXVn=", "YT8+", "\u{e9}", "_w"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
            let e = cursor_key(bad).unwrap_err();
            // The message clients have been given; it does not change.
            assert_eq!(
                (e.field.as_str(), e.message.as_str()),
                ("cursor", "is not a cursor this API returned")
            );
        }
    }

    #[test]
    fn the_limit_is_checked_before_the_cursor() {
        assert_eq!(
            page_request(None, None).unwrap(),
            req(DEFAULT_PAGE_SIZE, None)
        );
        let max = MAX_PAGE_SIZE.to_string();
        assert_eq!(
            page_request(Some(&max), Some(&encode_cursor("k"))).unwrap(),
            req(MAX_PAGE_SIZE, Some("k"))
        );
        assert_eq!(page_request(Some("1"), None).unwrap(), req(1, None));
        for bad in ["0", "101", "-1", "x", ""] {
            assert_eq!(
                page_request(Some(bad), Some("%%%")).unwrap_err().field,
                "limit",
                "{bad}"
            );
        }
        assert_eq!(
            page_request(Some("5"), Some("%%%")).unwrap_err().field,
            "cursor"
        );
    }

    #[test]
    fn a_list_reads_its_own_keys_from_cursors() {
        let id = |c: &str| {
            let key = cursor_key(c)?;
            list_key_id(&key)
                .map(str::to_string)
                .ok_or_else(|| invalid("cursor", "not a list key"))
        };
        let c = encode_cursor(&list_key("2026-01-01", "o-1"));
        let r = page_request_with(Some("3"), Some(&c), id).unwrap();
        assert_eq!(
            r,
            PageRequest {
                limit: 3,
                after: Some("o-1".to_string())
            }
        );
        let e = page_request_with(None, Some(&encode_cursor("no separator")), id).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("cursor", "not a list key")
        );
        assert_eq!(
            page_request_with(Some("0"), Some("%%%"), id)
                .unwrap_err()
                .field,
            "limit"
        );
        assert_eq!(page_request_with(None, None, id).unwrap().after, None);
    }

    #[test]
    fn list_keys_carry_their_id() {
        let key = list_key("2026-01-02T03:04:05.678Z", "o-1");
        assert_eq!(key, "2026-01-02T03:04:05.678Z#o-1");
        assert_eq!(list_key_id(&key), Some("o-1"));
        assert_eq!(
            list_key_id("t#a#b"),
            Some("b"),
            "the id is after the last #"
        );
        assert_eq!(list_key_id("no separator"), None);
    }

    #[test]
    fn ascending_pages_follow_key_order() {
        let keys = ["c", "a", "B", "e", "d"];
        let (items, next) = page(entries(&keys), &req(2, None), Direction::Ascending);
        assert_eq!(items, ["B", "a"], "byte order");
        assert_eq!(next, Some(encode_cursor("a")));
        let (items, next) = page(entries(&keys), &req(2, Some("a")), Direction::Ascending);
        assert_eq!((items, next), (vec!["c", "d"], Some(encode_cursor("d"))));
        let (items, next) = page(entries(&keys), &req(2, Some("d")), Direction::Ascending);
        assert_eq!((items, next), (vec!["e"], None));
        let (items, _) = page(entries(&keys), &req(10, Some("bb")), Direction::Ascending);
        assert_eq!(
            items,
            ["c", "d", "e"],
            "a key between entries starts after it"
        );
        assert_eq!(
            all_pages(&keys, 2, Direction::Ascending),
            [vec!["B", "a"], vec!["c", "d"], vec!["e"]]
        );
    }

    #[test]
    fn descending_pages_are_newest_first() {
        let keys = [
            "2026-01-01#o-b",
            "2026-01-03#o-a",
            "2026-01-02#o-c",
            "2026-01-01#o-a",
        ];
        let d = Direction::Descending;
        let (items, next) = page(entries(&keys), &req(2, None), d);
        assert_eq!(items, ["2026-01-03#o-a", "2026-01-02#o-c"]);
        assert_eq!(next, Some(encode_cursor("2026-01-02#o-c")));
        let (items, next) = page(entries(&keys), &req(2, Some("2026-01-02#o-c")), d);
        assert_eq!(items, ["2026-01-01#o-b", "2026-01-01#o-a"]);
        assert_eq!(next, Some(encode_cursor("2026-01-01#o-a")));
        let (items, next) = page(entries(&keys), &req(10, None), d);
        assert_eq!((items.len(), next), (4, None));
        let (items, _) = page(entries(&keys), &req(10, Some("2026-01-02#zzz")), d);
        assert_eq!(
            items,
            ["2026-01-02#o-c", "2026-01-01#o-b", "2026-01-01#o-a"],
            "a key between entries (or from another list) starts right after it"
        );
    }

    #[test]
    fn a_full_last_page_has_a_cursor_and_the_next_page_is_empty() {
        for d in [Direction::Ascending, Direction::Descending] {
            let mut last = vec!["a", "b", "c"];
            if d == Direction::Descending {
                last.reverse();
            }
            assert_eq!(all_pages(&["b", "a", "c"], 3, d), [last, vec![]], "{d:?}");
            assert_eq!(
                all_pages(&["b", "a", "c"], 4, d).len(),
                1,
                "{d:?}: short page"
            );
            assert_eq!(
                all_pages(&[], 5, d),
                [Vec::<&str>::new()],
                "{d:?}: empty list"
            );
        }
    }

    #[test]
    fn a_page_request_with_any_key_type_pages() {
        // A list whose cursor key is richer than a string compares by its key.
        struct Key(String);
        impl AsRef<str> for Key {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        let r = PageRequest {
            limit: 1,
            after: Some(Key("a".into())),
        };
        let (items, next) = page(entries(&["a", "b", "c"]), &r, Direction::Ascending);
        assert_eq!((items, next), (vec!["b"], Some(encode_cursor("b"))));
    }
}
