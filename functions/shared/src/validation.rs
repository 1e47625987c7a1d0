//! Input rules every service applies the same way.

/// A rule broken by a request: which field, and what is wrong with it (the contract's
/// [`FieldError`], listed in a problem's `errors`).
pub use sagaway_contract::FieldError as ValidationError;

/// Shorthand for [`ValidationError::new`].
pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError::new(field, message)
}

/// Longest identifier (product ids, order ids).
pub const MAX_ID_LEN: usize = sagaway_contract::limits::MAX_ID_LEN;
/// Page sizes for `?limit=`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// Checks an identifier: 1–64 characters of `A-Z a-z 0-9 . _ -`.
pub fn validate_id(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() || value.len() > MAX_ID_LEN {
        return Err(invalid(
            field,
            format!("must be 1 to {MAX_ID_LEN} characters long"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(invalid(
            field,
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

/// Checks a page size given as `?limit=` (absent: the default).
pub fn page_size(limit: Option<&str>) -> Result<i32, ValidationError> {
    let Some(raw) = limit else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.parse::<i32>() {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(invalid(
            "limit",
            format!("must be a whole number from 1 to {MAX_PAGE_SIZE}, got {raw:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_page_sizes() {
        assert!(validate_id("id", "mug-01.a_b").is_ok());
        for bad in ["", "a b", "a/b", &"x".repeat(65)] {
            assert_eq!(validate_id("id", bad).unwrap_err().field, "id");
        }
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some("5")).unwrap(), 5);
        for bad in ["0", "-1", "101", "x"] {
            assert_eq!(page_size(Some(bad)).unwrap_err().field, "limit");
        }
    }
}
