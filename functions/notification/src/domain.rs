//! Notification rules, as pure functions (no I/O, no clock, no randomness: the caller passes
//! `now` and a fresh id) that the stores and the handlers call.
//!
//! - [`validate_send`]: what a send must hold; a send without an id gets a fresh one.
//! - A notification belongs to one customer and is stored before it is pushed; a push that
//!   fails never loses it (the shopper reads it from the list).
//! - Sending is idempotent by notification id ([`Saved`]): the saga uses
//!   `<order id>:<status>`, so a retried step stores and pushes once; the repeat is answered
//!   with `repeated: true` and nothing pushed.
//! - [`fate`]: a connection that the management API reports gone is deleted, not retried; one
//!   whose push failed otherwise is kept. [`outcome`] counts what became of each push.
//! - [`receipt_email`]: an order's CONFIRMED and CANCELLED notifications that carry a
//!   [`Receipt`] are emailed too: subject `Order #<short number>: <title>`, a plain-text body
//!   with the status's title and detail ([`OrderStatus::text`], the web app's words), the
//!   order's short number ([`order_number`]), its lines and total, and a cancellation's
//!   reason. [`EmailState`]: one email per notification id, at most once (claimed by a
//!   conditional write before it is sent, so a retried send never mails twice; a crash between
//!   the claim and the send loses that email, and a failed send is recorded, not retried). An
//!   email never fails the notification.
//! - [`page_request`]: a customer's notifications are listed newest first, ordered by
//!   [`list_key`] (`<created_at>#<id>`), paged as every list is ([`sagaway_shared::paging`]):
//!   an opaque cursor holding the last key of the page; a full page carries a cursor.

pub const MAX_MESSAGE: usize = 1_000;
pub const MAX_DATA_BYTES: usize = 8 * 1024;
/// Longest notification, customer or order id.
pub const MAX_KEY_LEN: usize = 128;

use sagaway_contract::OrderStatus;
pub use sagaway_contract::notification::{
    Notification, NotificationKind, OrderStatusData, Receipt, SendNotification as SendInput,
    SendOutcome,
};
use sagaway_contract::order::order_number;
pub use sagaway_shared::paging::{PageRequest, list_key, page_request};
pub use sagaway_shared::validation::{ValidationError, invalid};

/// A page of notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
}

fn check_key(field: &str, v: &str) -> Result<(), ValidationError> {
    if v.is_empty()
        || v.len() > MAX_KEY_LEN
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
    {
        return Err(invalid(
            field,
            "must be 1 to 128 letters, digits, '.', '_', '-' or ':'",
        ));
    }
    Ok(())
}

/// Checks a send request into the notification to store, created at `now`; `new_id` names a
/// notification sent without an id.
pub fn validate_send(
    input: SendInput,
    now: &str,
    new_id: impl FnOnce() -> String,
) -> Result<Notification, ValidationError> {
    let id = input.id.unwrap_or_else(new_id);
    check_key("id", &id)?;
    check_key("customer_id", &input.customer_id)?;
    if let Some(o) = &input.order_id {
        check_key("order_id", o)?;
    }
    let message = input.message.trim().to_string();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE {
        return Err(invalid(
            "message",
            format!("must be 1 to {MAX_MESSAGE} characters"),
        ));
    }
    if input
        .data
        .reason
        .as_ref()
        .is_some_and(|r| r.len() > MAX_DATA_BYTES)
    {
        return Err(invalid(
            "data",
            format!("the reason must be at most {MAX_DATA_BYTES} bytes"),
        ));
    }
    Ok(Notification {
        id,
        customer_id: input.customer_id,
        order_id: input.order_id,
        kind: input.kind,
        message,
        data: input.data,
        created_at: now.to_string(),
    })
}

/// Longest email address (RFC 5321).
pub const MAX_EMAIL: usize = 254;

/// An email to send. The recipient is personal data: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("to", &"<redacted>")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Where a notification's email is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailState {
    /// Claimed by a sender (at this time): nobody else sends it.
    Claimed(String),
    /// Sent; the provider's message id.
    Sent(String),
    /// The send failed (why; no recipient in it). Not retried.
    Failed(String),
}

/// Why a receipt gets no email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoEmail {
    #[error("only CONFIRMED and CANCELLED are emailed")]
    NotEmailed,
    #[error("the recipient is not an email address")]
    BadRecipient,
}

/// Amounts as `12.50 USD` (every currency of the catalog has cents).
fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", c / 100, c % 100)
}

/// Whether `to` can be an email's only recipient: one address, no spaces or line breaks.
fn plausible_address(to: &str) -> bool {
    let Some((local, domain)) = to.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && to.len() <= MAX_EMAIL
        && !to
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';')
}

/// The email of an order notification: for CONFIRMED and CANCELLED only.
pub fn receipt_email(n: &Notification, receipt: &Receipt) -> Result<Email, NoEmail> {
    let status = n.data.status;
    if !matches!(status, OrderStatus::Confirmed | OrderStatus::Cancelled) {
        return Err(NoEmail::NotEmailed);
    }
    let to = receipt.email.trim();
    if !plausible_address(to) {
        return Err(NoEmail::BadRecipient);
    }
    let text = status.text();
    let number = n.order_id.as_deref().map(order_number).unwrap_or_default();
    let subject = format!("Order #{number}: {}", text.title);
    let mut body = format!("{}\n\n{}\n\nOrder #{number}\n", text.title, text.detail);
    if status == OrderStatus::Cancelled {
        let reason = n.data.reason.as_deref().unwrap_or("no reason was given");
        body.push_str(&format!("Reason: {reason}\n"));
    }
    if !receipt.lines.is_empty() {
        let currency = receipt.currency.as_deref().unwrap_or("USD");
        body.push('\n');
        for l in &receipt.lines {
            body.push_str(&format!(
                "  {} x {} at {} = {}\n",
                l.quantity,
                l.product_id,
                money(l.unit_price_cents, currency),
                money(l.quantity.saturating_mul(l.unit_price_cents), currency)
            ));
        }
    }
    if let Some(total) = receipt.total_cents {
        let currency = receipt.currency.as_deref().unwrap_or("USD");
        let label = if status == OrderStatus::Cancelled {
            "Total (not charged, or refunded)"
        } else {
            "Total"
        };
        body.push_str(&format!("{label}: {}\n", money(total, currency)));
    }
    Ok(Email {
        to: to.to_string(),
        subject,
        body,
    })
}

/// What saving a notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Stored: push it.
    New,
    /// Its id was used before: nothing stored, nothing to push.
    Repeat,
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The connection is closed.
    Gone,
    /// Some other failure (logged); the notification stays stored.
    Failed(String),
}

/// What to do with a connection after pushing to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Keep,
    /// It will never take a push again: delete it.
    Forget,
}

/// The rule for a connection after a push.
pub fn fate(d: &Delivery) -> Fate {
    match d {
        Delivery::Gone => Fate::Forget,
        Delivery::Sent | Delivery::Failed(_) => Fate::Keep,
    }
}

/// The answer to a send: what was saved and what became of each push.
pub fn outcome(notification: Notification, saved: Saved, deliveries: &[Delivery]) -> SendOutcome {
    let count = |f: fn(&Delivery) -> bool| deliveries.iter().filter(|d| f(d)).count();
    SendOutcome {
        notification,
        repeated: saved == Saved::Repeat,
        pushed: count(|d| *d == Delivery::Sent),
        gone: count(|d| *d == Delivery::Gone),
        failed: count(|d| matches!(d, Delivery::Failed(_))),
    }
}

/// A provider's error text fit for logs and the notification record: every word holding an
/// email address (SES's sandbox refusal names the recipient) becomes `<address>`.
pub fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_contract::OrderStatus;

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    #[test]
    fn error_texts_lose_the_addresses_they_name() {
        assert_eq!(
            without_addresses(
                "Email address is not verified. The following identities failed the check in region US-EAST-1: shopper@example.com, orders@sagaway.example"
            ),
            "Email address is not verified. The following identities failed the check in region US-EAST-1: <address> <address>"
        );
        assert_eq!(without_addresses("throttled"), "throttled");
    }

    fn input() -> SendInput {
        SendInput {
            id: Some("o-1:CONFIRMED".into()),
            customer_id: "c-1".into(),
            order_id: Some("o-1".into()),
            kind: NotificationKind::OrderStatus,
            message: "Your order is confirmed".into(),
            data: OrderStatusData {
                status: OrderStatus::Confirmed,
                reason: None,
            },
            receipt: None,
        }
    }

    fn no_id() -> String {
        panic!("an id was given; none should be made")
    }

    fn notification() -> Notification {
        validate_send(input(), NOW, no_id).unwrap()
    }

    fn receipt() -> Receipt {
        Receipt {
            email: "ada@example.com".into(),
            lines: vec![sagaway_contract::order::OrderLine {
                product_id: "ceramic-mug".into(),
                quantity: 2,
                unit_price_cents: 1800,
            }],
            total_cents: Some(3600),
            currency: Some("USD".into()),
        }
    }

    fn order_notification(status: OrderStatus, reason: Option<&str>) -> Notification {
        Notification {
            order_id: Some("o-5f0c3f1e9b8a4d2c".into()),
            data: OrderStatusData {
                status,
                reason: reason.map(str::to_string),
            },
            ..notification()
        }
    }

    #[test]
    fn a_confirmed_order_is_emailed_in_the_web_apps_words() {
        let e = receipt_email(
            &order_notification(OrderStatus::Confirmed, None),
            &receipt(),
        )
        .unwrap();
        assert_eq!(e.to, "ada@example.com");
        assert_eq!(e.subject, "Order #5F0C3F1E: Order confirmed");
        let text = OrderStatus::Confirmed.text();
        assert!(
            e.body
                .starts_with(&format!("{}\n\n{}\n", text.title, text.detail)),
            "{}",
            e.body
        );
        assert!(e.body.contains("Order #5F0C3F1E\n"), "{}", e.body);
        assert!(
            e.body
                .contains("  2 x ceramic-mug at 18.00 USD = 36.00 USD\n"),
            "{}",
            e.body
        );
        assert!(e.body.contains("Total: 36.00 USD\n"), "{}", e.body);
        assert!(!e.body.contains("Reason"), "{}", e.body);
        assert!(!format!("{e:?}").contains("ada@"));
    }

    #[test]
    fn a_cancelled_order_is_emailed_with_its_reason() {
        let n = order_notification(OrderStatus::Cancelled, Some("card declined"));
        let e = receipt_email(&n, &receipt()).unwrap();
        assert_eq!(e.subject, "Order #5F0C3F1E: Order cancelled");
        assert!(
            e.body.contains(&OrderStatus::Cancelled.text().detail),
            "{}",
            e.body
        );
        assert!(e.body.contains("Reason: card declined\n"), "{}", e.body);
        // Without lines or total, the email says what it knows.
        let bare = Receipt {
            lines: vec![],
            total_cents: None,
            currency: None,
            ..receipt()
        };
        let e = receipt_email(&n, &bare).unwrap();
        assert!(!e.body.contains("Total"), "{}", e.body);
        assert!(e.body.contains("Reason: card declined"), "{}", e.body);
    }

    #[test]
    fn other_statuses_and_bad_recipients_get_no_email() {
        for s in OrderStatus::ALL {
            let r = receipt_email(&order_notification(s, Some("r")), &receipt());
            if matches!(s, OrderStatus::Confirmed | OrderStatus::Cancelled) {
                assert!(r.is_ok(), "{s}");
            } else {
                assert_eq!(r, Err(NoEmail::NotEmailed), "{s}");
            }
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "a@example.com\nBcc: x@y.z",
            "a@b.c,d@e.f",
            "a@localhost",
        ] {
            let r = Receipt {
                email: bad.into(),
                ..receipt()
            };
            assert_eq!(
                receipt_email(&order_notification(OrderStatus::Confirmed, None), &r),
                Err(NoEmail::BadRecipient),
                "{bad:?}"
            );
        }
        assert_eq!(money(-5, "EUR"), "-0.05 EUR");
        assert_eq!(money(123456, "USD"), "1234.56 USD");
    }

    #[test]
    fn a_valid_send_becomes_the_notification_to_store() {
        let n = notification();
        assert_eq!(n.id, "o-1:CONFIRMED");
        assert_eq!(n.created_at, NOW);
        assert_eq!(n.message, "Your order is confirmed");
        let trimmed = validate_send(
            SendInput {
                id: None,
                message: "  hi  ".into(),
                order_id: None,
                ..input()
            },
            NOW,
            || "fresh-1".into(),
        )
        .unwrap();
        assert_eq!(
            (trimmed.id.as_str(), trimmed.message.as_str()),
            ("fresh-1", "hi")
        );
        assert_eq!(trimmed.order_id, None);
    }

    #[test]
    fn sends_are_validated() {
        let field = |f: fn(&mut SendInput)| {
            let mut i = input();
            f(&mut i);
            validate_send(i, NOW, no_id).unwrap_err().field
        };
        assert_eq!(field(|i| i.message = " ".into()), "message");
        assert_eq!(
            field(|i| i.message = "x".repeat(MAX_MESSAGE + 1)),
            "message"
        );
        assert_eq!(field(|i| i.customer_id = "a b".into()), "customer_id");
        assert_eq!(field(|i| i.customer_id = String::new()), "customer_id");
        assert_eq!(field(|i| i.id = Some("x".repeat(MAX_KEY_LEN + 1))), "id");
        assert_eq!(field(|i| i.id = Some("a/b".into())), "id");
        assert_eq!(field(|i| i.order_id = Some(String::new())), "order_id");
        assert_eq!(
            field(|i| i.data.reason = Some("x".repeat(MAX_DATA_BYTES + 1))),
            "data"
        );
        // The limits themselves are allowed; a message counts characters, not bytes.
        let mut edge = input();
        edge.id = Some("k".repeat(MAX_KEY_LEN));
        edge.message = "é".repeat(MAX_MESSAGE);
        edge.data.reason = Some("x".repeat(MAX_DATA_BYTES));
        assert!(validate_send(edge, NOW, no_id).is_ok());
        // A made-up id is checked like a given one.
        let bad = validate_send(
            SendInput {
                id: None,
                ..input()
            },
            NOW,
            || "a b".into(),
        );
        assert_eq!(bad.unwrap_err().field, "id");
    }

    #[test]
    fn only_a_gone_connection_is_forgotten() {
        assert_eq!(fate(&Delivery::Gone), Fate::Forget);
        assert_eq!(fate(&Delivery::Sent), Fate::Keep);
        assert_eq!(fate(&Delivery::Failed("timeout".into())), Fate::Keep);
    }

    #[test]
    fn the_outcome_counts_every_push() {
        let o = outcome(
            notification(),
            Saved::New,
            &[
                Delivery::Sent,
                Delivery::Gone,
                Delivery::Sent,
                Delivery::Failed("x".into()),
            ],
        );
        assert_eq!((o.repeated, o.pushed, o.gone, o.failed), (false, 2, 1, 1));
        assert_eq!(o.notification, notification());
        let o = outcome(notification(), Saved::Repeat, &[]);
        assert_eq!((o.repeated, o.pushed, o.gone, o.failed), (true, 0, 0, 0));
    }
}
