//! Payment rules: every decision of the service, as pure functions (no I/O, no clock: the
//! caller passes `now`, in epoch seconds). [`crate::service`] runs them against a store and
//! the provider; both stores apply the same transitions under the same conditions.
//!
//! - One payment per order id (the idempotency key). A repeated charge returns the first
//!   result (approved or declined) and never charges again; different amounts for the same
//!   order are refused ([`decide_charge`]).
//! - While a charge is with the provider it holds a lease ([`Lease`], [`LEASE_SECS`]); a second
//!   call meanwhile gets a retryable `charge_in_progress`. A lease that ran out may be taken
//!   over by the next attempt; the answer of an attempt is recorded only while no other
//!   attempt took over and the payment is still PROCESSING ([`PaymentRecord::answered`]).
//! - Refund ([`decide_refund`]): a charged payment is refunded once; refunding twice refunds
//!   once; refunding an order that was never charged is a no-op that says so and leaves a
//!   VOIDED mark ([`PaymentRecord::tombstone`]), so a charge that arrives late for that order
//!   is refused instead of taking money nobody will give back. A charge whose outcome is
//!   unknown (left PROCESSING after its lease ran out) is voided the same way.
//! - Card numbers are vaulted before any saga starts: `vault` checks the number is a card the
//!   provider takes and gives back a token (`pm_…`, living [`PAYMENT_METHOD_TTL_SECS`]); the
//!   vault keeps the provider's view of the card (here: the test card's behaviour), the brand
//!   and the last four digits, never the number. A charge names the token; an unknown or
//!   expired token ([`VaultedCard::is_usable`]) is `payment_method_invalid`, except that a
//!   repeated charge of an order already charged (or declined) still answers its first result
//!   ([`charge_without_method`]).

use crate::provider::{Card, Outcome, TEST_CARDS};

pub use sagaway_contract::limits::MAX_ORDER_TOTAL_CENTS as MAX_AMOUNT_CENTS;
use sagaway_contract::limits::{MIN_ORDER_TOTAL_CENTS, PAYMENT_METHOD_TTL_SECS};
pub use sagaway_contract::payment::{
    CardBrand, ChargeRequest as ChargeInput, Payment, PaymentMethod, PaymentStatus, RefundOutcome,
    TokenizeRequest,
};

/// How long a charge attempt may hold the payment before another call may take over. Longer
/// than the function's timeout (20 s in `infra/main.tf`), so a lease runs out only when its
/// attempt died.
pub const LEASE_SECS: i64 = 30;
/// How many times a charge or refund reads the record again after losing a race for it.
pub const RACES: usize = 5;

pub use sagaway_shared::validation::{ValidationError, invalid};

/// Why a payment operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("the card was declined ({code})")]
    Declined { code: String, payment: Box<Payment> },
    #[error("the payment provider had a processing error; retry")]
    ProviderUnavailable,
    #[error("a charge for this order is already with the provider; retry shortly")]
    InProgress,
    #[error("order {0} already has a payment with another amount or currency")]
    Mismatch(String),
    #[error("order {0} was refunded or voided; it cannot be charged")]
    Closed(String),
    #[error("the payment method {0} is unknown or expired; place the order again with the card")]
    MethodInvalid(String),
    #[error("the payments table failed: {0}")]
    Store(String),
}

/// A card in the vault: what the provider needs to charge it, without its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultedCard {
    pub token: String,
    pub card: Card,
    pub brand: CardBrand,
    pub last4: String,
    /// Epoch seconds; also the table's TTL attribute.
    pub expires_at: i64,
}

impl VaultedCard {
    pub fn is_usable(&self, now: i64) -> bool {
        now < self.expires_at
    }

    /// What the caller may know of it.
    pub fn public(&self) -> PaymentMethod {
        PaymentMethod {
            token: self.token.clone(),
            brand: self.brand,
            last4: self.last4.clone(),
            expires_at: self.expires_at,
        }
    }
}

fn test_card_list() -> String {
    TEST_CARDS
        .iter()
        .map(|(n, _, what)| format!("{n} ({what})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a card number and vaults it: the number is not kept, only the card's behaviour at
/// the provider, its brand and last four digits.
pub fn vault(input: TokenizeRequest, now: i64) -> Result<VaultedCard, ValidationError> {
    let number: String = input.card_number.chars().filter(|c| *c != ' ').collect();
    if !(12..=19).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "card_number",
            "must be 12 to 19 digits; see GET /v1/payments/test-cards",
        ));
    }
    let card = Card::lookup(&number).ok_or_else(|| {
        invalid(
            "card_number",
            format!(
                "is not a test card of the simulated provider; use one of {}",
                test_card_list()
            ),
        )
    })?;
    Ok(VaultedCard {
        token: format!("pm_{}", uuid::Uuid::new_v4().simple()),
        card,
        brand: CardBrand::of(&number),
        last4: number[number.len() - 4..].to_string(),
        expires_at: now + PAYMENT_METHOD_TTL_SECS,
    })
}

/// A validated charge, before its token is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCharge {
    pub order_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub token: String,
}

impl ValidCharge {
    /// The charge of this card.
    pub fn with_card(self, v: &VaultedCard) -> ChargeRequest {
        ChargeRequest {
            order_id: self.order_id,
            amount_cents: self.amount_cents,
            currency: self.currency,
            card: v.card,
            card_last4: v.last4.clone(),
        }
    }

    /// Whether an existing payment is for the same charge.
    pub fn matches(&self, p: &Payment) -> bool {
        p.amount_cents == self.amount_cents && p.currency == self.currency
    }
}

/// What a charge whose token cannot be used means: the first result again when the order was
/// already charged or declined (a retried step), `MethodInvalid` otherwise.
pub fn charge_without_method(
    charge: &ValidCharge,
    existing: Option<Payment>,
) -> Result<Payment, PaymentError> {
    match existing {
        Some(p) if !charge.matches(&p) => Err(PaymentError::Mismatch(charge.order_id.clone())),
        Some(p) if p.status == PaymentStatus::Charged => Ok(p),
        Some(p) if p.status == PaymentStatus::Declined => Err(declined(p)),
        // Another call is at the provider with it: retry, as with a token.
        Some(p) if p.status == PaymentStatus::Processing => Err(PaymentError::InProgress),
        Some(_) => Err(PaymentError::Closed(charge.order_id.clone())),
        None => Err(PaymentError::MethodInvalid(charge.token.clone())),
    }
}

/// A validated charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub card: Card,
    pub card_last4: String,
}

/// Checks a charge request.
pub fn validate_charge(input: ChargeInput) -> Result<ValidCharge, ValidationError> {
    if !sagaway_contract::limits::is_key(&input.order_id, sagaway_contract::limits::MAX_ID_LEN) {
        return Err(invalid(
            "order_id",
            "must be 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    if !(MIN_ORDER_TOTAL_CENTS..=MAX_AMOUNT_CENTS).contains(&input.amount_cents) {
        return Err(invalid(
            "amount_cents",
            format!("must be between {MIN_ORDER_TOTAL_CENTS} and {MAX_AMOUNT_CENTS}"),
        ));
    }
    let currency = input.currency.unwrap_or_else(|| "USD".into());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(invalid(
            "currency",
            "must be a three-letter code such as USD",
        ));
    }
    let token = input.payment_token;
    if !token.starts_with("pm_") || !sagaway_contract::limits::is_key(&token, 64) {
        return Err(invalid(
            "payment_token",
            "must be a payment-method token (pm_…) from POST /internal/payment-methods",
        ));
    }
    Ok(ValidCharge {
        order_id: input.order_id,
        amount_cents: input.amount_cents,
        currency,
        token,
    })
}

impl ChargeRequest {
    /// Whether an existing payment is for the same charge.
    pub fn matches(&self, p: &Payment) -> bool {
        p.amount_cents == self.amount_cents && p.currency == self.currency
    }
}

/// The result of a charge that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charged {
    /// Captured now.
    New(Payment),
    /// The first result, returned again.
    Repeated(Payment),
}

/// A payment as the store keeps it: what the API shows, and the lease that guards the calls
/// to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub payment: Payment,
    /// Epoch seconds until which attempt number `payment.attempts` holds the payment; 0 once
    /// the attempt has answered.
    pub lease_until: i64,
}

/// One attempt's right to call the provider for an order and to record its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub order_id: String,
    /// The attempt's number, from 1. It is also the fencing token: the answer is recorded
    /// only while the record's `attempts` is still this number.
    pub attempt: i64,
    /// Epoch seconds; after this another call may take over.
    pub until: i64,
}

/// How a charge takes the lease; each plan carries the condition under which it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeasePlan {
    /// No payment yet: create it PROCESSING, leased for attempt 1 (only while still absent).
    Start {
        lease: Lease,
        amount_cents: i64,
        currency: String,
        card_last4: String,
    },
    /// PROCESSING and nobody holds it (a processing error answered, or an attempt died): take
    /// it for the next attempt, only while it is still PROCESSING after `lease.attempt - 1`
    /// attempts and no lease is live at `now`.
    TakeOver { lease: Lease, now: i64 },
}

impl LeasePlan {
    pub fn lease(&self) -> &Lease {
        match self {
            Self::Start { lease, .. } | Self::TakeOver { lease, .. } => lease,
        }
    }

    /// The record once the lease is taken (stamped `at`), or `None` when `existing` no longer
    /// allows this plan (another call got there first).
    pub fn take(&self, existing: Option<&PaymentRecord>, at: &str) -> Option<PaymentRecord> {
        match (self, existing) {
            (
                Self::Start {
                    lease,
                    amount_cents,
                    currency,
                    card_last4,
                },
                None,
            ) => Some(PaymentRecord {
                payment: Payment {
                    order_id: lease.order_id.clone(),
                    amount_cents: *amount_cents,
                    currency: currency.clone(),
                    card_last4: card_last4.clone(),
                    status: PaymentStatus::Processing,
                    provider_reference: None,
                    decline_code: None,
                    attempts: lease.attempt,
                    captures: 0,
                    created_at: at.to_string(),
                    updated_at: at.to_string(),
                },
                lease_until: lease.until,
            }),
            (Self::TakeOver { lease, now }, Some(r))
                if r.payment.status == PaymentStatus::Processing
                    && r.payment.attempts == lease.attempt - 1
                    && !r.is_leased(*now) =>
            {
                let mut next = r.clone();
                next.payment.attempts = lease.attempt;
                next.payment.updated_at = at.to_string();
                next.lease_until = lease.until;
                Some(next)
            }
            _ => None,
        }
    }
}

/// What a charge does next, given the order's payment so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeDecision {
    /// Charged before: the first result again, no new capture.
    Replay(Payment),
    /// Go to the provider under this lease.
    Lease(LeasePlan),
}

fn declined(p: Payment) -> PaymentError {
    PaymentError::Declined {
        code: p.decline_code.clone().unwrap_or_default(),
        payment: Box::new(p),
    }
}

/// Decides a charge from the order's payment record at `now`: start, take over a lease that
/// ran out, replay the first result, or refuse (`Closed` when refunded or voided, checked
/// before the amount because a VOIDED mark has none; `Mismatch`; the first `Declined` again;
/// `InProgress` while another attempt holds the lease).
pub fn decide_charge(
    existing: Option<&PaymentRecord>,
    req: &ChargeRequest,
    now: i64,
) -> Result<ChargeDecision, PaymentError> {
    let Some(r) = existing else {
        return Ok(ChargeDecision::Lease(LeasePlan::Start {
            lease: Lease {
                order_id: req.order_id.clone(),
                attempt: 1,
                until: now + LEASE_SECS,
            },
            amount_cents: req.amount_cents,
            currency: req.currency.clone(),
            card_last4: req.card_last4.clone(),
        }));
    };
    let p = &r.payment;
    if p.status == PaymentStatus::Voided {
        return Err(PaymentError::Closed(req.order_id.clone()));
    }
    if !req.matches(p) {
        return Err(PaymentError::Mismatch(req.order_id.clone()));
    }
    match p.status {
        PaymentStatus::Charged => Ok(ChargeDecision::Replay(p.clone())),
        PaymentStatus::Declined => Err(declined(p.clone())),
        PaymentStatus::Refunded | PaymentStatus::Voided => {
            Err(PaymentError::Closed(req.order_id.clone()))
        }
        PaymentStatus::Processing if r.is_leased(now) => Err(PaymentError::InProgress),
        PaymentStatus::Processing => Ok(ChargeDecision::Lease(LeasePlan::TakeOver {
            lease: Lease {
                order_id: req.order_id.clone(),
                attempt: p.attempts + 1,
                until: now + LEASE_SECS,
            },
            now,
        })),
    }
}

/// What the provider's answer means for the caller, given the record it was written to.
pub fn charge_result(outcome: Outcome, payment: Payment) -> Result<Charged, PaymentError> {
    match outcome {
        Outcome::Approved { .. } => Ok(Charged::New(payment)),
        Outcome::Declined { code } => Err(PaymentError::Declined {
            code: code.to_string(),
            payment: Box::new(payment),
        }),
        Outcome::ProcessingError => Err(PaymentError::ProviderUnavailable),
    }
}

/// The answer of an attempt whose lease was gone when it came back from the provider: what
/// the record says now (another attempt's result, that one still at it, or a refund that
/// voided the payment meanwhile).
pub fn after_lost_lease(
    order_id: &str,
    current: Option<&PaymentRecord>,
) -> Result<Charged, PaymentError> {
    match current.map(|r| &r.payment) {
        Some(p) if p.status == PaymentStatus::Charged => Ok(Charged::Repeated(p.clone())),
        Some(p) if p.status == PaymentStatus::Declined => Err(declined(p.clone())),
        Some(p) if p.status == PaymentStatus::Processing => Err(PaymentError::InProgress),
        _ => Err(PaymentError::Closed(order_id.to_string())),
    }
}

/// What a refund does next, given the order's payment so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundDecision {
    /// Nothing to write: answer this.
    Answer(RefundOutcome),
    /// No payment: leave a VOIDED mark (only while still absent).
    Tombstone,
    /// CHARGED: refund it (only while still CHARGED).
    Refund,
    /// PROCESSING and its lease ran out, so its outcome is unknown: void it (only while no
    /// lease is live at `now`).
    Void { now: i64 },
}

/// Decides a refund from the order's payment record at `now`; `InProgress` while an attempt
/// holds the lease (its outcome is about to be known).
pub fn decide_refund(
    order_id: &str,
    existing: Option<&PaymentRecord>,
    now: i64,
) -> Result<RefundDecision, PaymentError> {
    let Some(r) = existing else {
        return Ok(RefundDecision::Tombstone);
    };
    let not_charged = || {
        RefundDecision::Answer(RefundOutcome::NotCharged {
            order_id: order_id.to_string(),
        })
    };
    Ok(match r.payment.status {
        PaymentStatus::Refunded => RefundDecision::Answer(RefundOutcome::AlreadyRefunded {
            payment: r.payment.clone(),
        }),
        PaymentStatus::Voided | PaymentStatus::Declined => not_charged(),
        PaymentStatus::Charged => RefundDecision::Refund,
        PaymentStatus::Processing if r.is_leased(now) => return Err(PaymentError::InProgress),
        PaymentStatus::Processing => RefundDecision::Void { now },
    })
}

/// The transitions of a stored payment. Each returns the record after it, or `None` when its
/// condition does not hold; the memory store applies them under its lock and the DynamoDB
/// store encodes the same conditions in its writes.
impl PaymentRecord {
    /// Whether an attempt holds the lease at `now`.
    pub fn is_leased(&self, now: i64) -> bool {
        now <= self.lease_until
    }

    /// The VOIDED mark of an order refunded before any charge (only if it has no payment).
    pub fn tombstone(order_id: &str, existing: Option<&Self>, at: &str) -> Option<Self> {
        existing.is_none().then(|| Self {
            payment: Payment {
                order_id: order_id.to_string(),
                amount_cents: 0,
                currency: "USD".into(),
                card_last4: String::new(),
                status: PaymentStatus::Voided,
                provider_reference: None,
                decline_code: None,
                attempts: 0,
                captures: 0,
                created_at: at.to_string(),
                updated_at: at.to_string(),
            },
            lease_until: 0,
        })
    }

    /// The provider's answer to `lease`'s attempt, recorded only while the payment is still
    /// PROCESSING and no later attempt took it over; the lease is released either way.
    pub fn answered(&self, lease: &Lease, outcome: &Outcome, at: &str) -> Option<Self> {
        if self.payment.status != PaymentStatus::Processing
            || self.payment.attempts != lease.attempt
        {
            return None;
        }
        let mut next = self.clone();
        match outcome {
            Outcome::Approved { reference } => {
                next.payment.status = PaymentStatus::Charged;
                next.payment.provider_reference = Some(reference.clone());
                next.payment.captures += 1;
            }
            Outcome::Declined { code } => {
                next.payment.status = PaymentStatus::Declined;
                next.payment.decline_code = Some(code.to_string());
            }
            Outcome::ProcessingError => {}
        }
        next.lease_until = 0;
        next.payment.updated_at = at.to_string();
        Some(next)
    }

    /// CHARGED -> REFUNDED.
    pub fn refunded(&self, at: &str) -> Option<Self> {
        (self.payment.status == PaymentStatus::Charged)
            .then(|| self.with_status(PaymentStatus::Refunded, at))
    }

    /// PROCESSING with no live lease at `now` -> VOIDED.
    pub fn voided(&self, now: i64, at: &str) -> Option<Self> {
        (self.payment.status == PaymentStatus::Processing && !self.is_leased(now))
            .then(|| self.with_status(PaymentStatus::Voided, at))
    }

    fn with_status(&self, status: PaymentStatus, at: &str) -> Self {
        let mut next = self.clone();
        next.payment.status = status;
        next.payment.updated_at = at.to_string();
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vaulted(card: &str) -> Result<VaultedCard, ValidationError> {
        vault(
            TokenizeRequest {
                card_number: card.into(),
            },
            1_000,
        )
    }

    fn charge(amount: i64) -> ChargeInput {
        ChargeInput {
            order_id: "o-1".into(),
            amount_cents: amount,
            currency: None,
            payment_token: "pm_abc".into(),
        }
    }

    #[test]
    fn cards_are_vaulted_without_their_number() {
        let v = vaulted("4242 4242 4242 4242").unwrap();
        assert_eq!(v.last4, "4242");
        assert_eq!(v.card, Card::Approve);
        assert_eq!(v.brand, CardBrand::Visa);
        assert!(v.token.starts_with("pm_"));
        assert!(!format!("{:?}", v.public()).contains("424242"));
        assert_eq!(v.expires_at, 1_000 + PAYMENT_METHOD_TTL_SECS);
        assert!(v.is_usable(1_001) && !v.is_usable(v.expires_at));
        let e = vaulted("4111111111111111").unwrap_err();
        assert_eq!(e.field, "card_number");
        assert!(e.message.contains("4242424242424242"));
        assert_eq!(vaulted("42x").unwrap_err().field, "card_number");
    }

    #[test]
    fn charges_are_checked() {
        assert!(validate_charge(charge(100)).is_ok());
        assert_eq!(
            validate_charge(charge(0)).unwrap_err().field,
            "amount_cents"
        );
        assert_eq!(
            validate_charge(charge(MAX_AMOUNT_CENTS + 1))
                .unwrap_err()
                .field,
            "amount_cents"
        );
        let mut bad = charge(100);
        bad.payment_token = "4242424242424242".into();
        assert_eq!(validate_charge(bad).unwrap_err().field, "payment_token");
    }

    #[test]
    fn an_expired_token_still_answers_a_repeat() {
        let c = validate_charge(charge(100)).unwrap();
        let paid = Payment {
            order_id: "o-1".into(),
            amount_cents: 100,
            currency: "USD".into(),
            card_last4: "4242".into(),
            status: PaymentStatus::Charged,
            provider_reference: Some("ch_1".into()),
            decline_code: None,
            attempts: 1,
            captures: 1,
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert_eq!(
            charge_without_method(&c, Some(paid.clone()))
                .unwrap()
                .captures,
            1
        );
        assert!(matches!(
            charge_without_method(&c, None),
            Err(PaymentError::MethodInvalid(_))
        ));
        let processing = Payment {
            status: PaymentStatus::Processing,
            ..paid.clone()
        };
        assert!(matches!(
            charge_without_method(&c, Some(processing)),
            Err(PaymentError::InProgress)
        ));
        let refunded = Payment {
            status: PaymentStatus::Refunded,
            ..paid.clone()
        };
        assert!(matches!(
            charge_without_method(&c, Some(refunded)),
            Err(PaymentError::Closed(_))
        ));
        let other = Payment {
            amount_cents: 5,
            ..paid
        };
        assert!(matches!(
            charge_without_method(&c, Some(other)),
            Err(PaymentError::Mismatch(_))
        ));
    }

    const NOW: i64 = 1_000_000;

    fn request() -> ChargeRequest {
        ChargeRequest {
            order_id: "o-1".into(),
            amount_cents: 4200,
            currency: "USD".into(),
            card: Card::Approve,
            card_last4: "4242".into(),
        }
    }

    /// The record `request()` leaves after `attempts` attempts, in `status`.
    fn record(status: PaymentStatus, attempts: i64, lease_until: i64) -> PaymentRecord {
        PaymentRecord {
            payment: Payment {
                order_id: "o-1".into(),
                amount_cents: 4200,
                currency: "USD".into(),
                card_last4: "4242".into(),
                status,
                provider_reference: (status == PaymentStatus::Charged).then(|| "ch_1".into()),
                decline_code: (status == PaymentStatus::Declined)
                    .then(|| "insufficient_funds".into()),
                attempts,
                captures: i64::from(status == PaymentStatus::Charged),
                created_at: "t0".into(),
                updated_at: "t0".into(),
            },
            lease_until,
        }
    }

    fn lease(attempt: i64) -> Lease {
        Lease {
            order_id: "o-1".into(),
            attempt,
            until: NOW + LEASE_SECS,
        }
    }

    fn approved() -> Outcome {
        Outcome::Approved {
            reference: "ch_9".into(),
        }
    }

    #[test]
    fn a_first_charge_starts_with_a_lease_for_attempt_one() {
        let d = decide_charge(None, &request(), NOW).unwrap();
        let ChargeDecision::Lease(plan) = d else {
            panic!("expected a lease, got {d:?}")
        };
        assert_eq!(plan.lease(), &lease(1));
        let r = plan.take(None, "t1").expect("absent: the lease is taken");
        assert_eq!(r.payment.status, PaymentStatus::Processing);
        assert_eq!((r.payment.attempts, r.payment.captures), (1, 0));
        assert_eq!(
            (r.payment.amount_cents, r.payment.currency.as_str()),
            (4200, "USD")
        );
        assert_eq!(r.payment.card_last4, "4242");
        assert_eq!(r.payment.created_at, "t1");
        assert_eq!(r.lease_until, NOW + LEASE_SECS);
        assert!(r.is_leased(NOW + LEASE_SECS) && !r.is_leased(NOW + LEASE_SECS + 1));
        // Another call created it first.
        assert_eq!(plan.take(Some(&r), "t2"), None);
    }

    #[test]
    fn a_repeated_charge_replays_or_refuses_without_the_provider() {
        let charged = record(PaymentStatus::Charged, 1, 0);
        assert_eq!(
            decide_charge(Some(&charged), &request(), NOW).unwrap(),
            ChargeDecision::Replay(charged.payment.clone())
        );
        let declined = record(PaymentStatus::Declined, 1, 0);
        match decide_charge(Some(&declined), &request(), NOW) {
            Err(PaymentError::Declined { code, payment }) => {
                assert_eq!(code, "insufficient_funds");
                assert_eq!(payment.attempts, 1);
            }
            other => panic!("expected the first decline, got {other:?}"),
        }
        for closed in [PaymentStatus::Refunded, PaymentStatus::Voided] {
            assert!(matches!(
                decide_charge(Some(&record(closed, 1, 0)), &request(), NOW),
                Err(PaymentError::Closed(id)) if id == "o-1"
            ));
        }
    }

    #[test]
    fn another_amount_or_currency_is_a_mismatch_but_a_tombstone_says_closed() {
        let charged = record(PaymentStatus::Charged, 1, 0);
        let mut other = request();
        other.amount_cents = 1;
        assert!(matches!(
            decide_charge(Some(&charged), &other, NOW),
            Err(PaymentError::Mismatch(_))
        ));
        let mut euros = request();
        euros.currency = "EUR".into();
        assert!(matches!(
            decide_charge(Some(&charged), &euros, NOW),
            Err(PaymentError::Mismatch(_))
        ));
        // The VOIDED mark has no amount: the order is closed, whatever the amount.
        let mark = PaymentRecord::tombstone("o-1", None, "t").unwrap();
        assert!(matches!(
            decide_charge(Some(&mark), &request(), NOW),
            Err(PaymentError::Closed(_))
        ));
    }

    #[test]
    fn a_live_lease_is_in_progress_and_one_that_ran_out_is_taken_over() {
        let held = record(PaymentStatus::Processing, 2, NOW);
        // The lease is live through its last second.
        assert!(matches!(
            decide_charge(Some(&held), &request(), NOW),
            Err(PaymentError::InProgress)
        ));
        let d = decide_charge(Some(&held), &request(), NOW + 1).unwrap();
        let ChargeDecision::Lease(plan) = d else {
            panic!("expected a take-over, got {d:?}")
        };
        assert_eq!(
            plan,
            LeasePlan::TakeOver {
                lease: Lease {
                    order_id: "o-1".into(),
                    attempt: 3,
                    until: NOW + 1 + LEASE_SECS,
                },
                now: NOW + 1,
            }
        );
        let taken = plan.take(Some(&held), "t1").expect("the lease ran out");
        assert_eq!(taken.payment.attempts, 3);
        assert_eq!(taken.lease_until, NOW + 1 + LEASE_SECS);
        assert_eq!(taken.payment.updated_at, "t1");
        // A released lease (a processing error answered) is free at once.
        let released = record(PaymentStatus::Processing, 1, 0);
        assert!(matches!(
            decide_charge(Some(&released), &request(), NOW),
            Ok(ChargeDecision::Lease(LeasePlan::TakeOver { .. }))
        ));
    }

    #[test]
    fn a_take_over_needs_the_record_it_was_decided_on() {
        let plan = LeasePlan::TakeOver {
            lease: lease(2),
            now: NOW,
        };
        assert!(
            plan.take(Some(&record(PaymentStatus::Processing, 1, NOW - 1)), "t")
                .is_some()
        );
        // Someone else took it first (the attempts moved on), it is live again, it was
        // answered or voided meanwhile, or it vanished.
        assert_eq!(
            plan.take(Some(&record(PaymentStatus::Processing, 2, 0)), "t"),
            None
        );
        assert_eq!(
            plan.take(Some(&record(PaymentStatus::Processing, 1, NOW)), "t"),
            None
        );
        assert_eq!(
            plan.take(Some(&record(PaymentStatus::Charged, 1, 0)), "t"),
            None
        );
        assert_eq!(
            plan.take(Some(&record(PaymentStatus::Voided, 1, 0)), "t"),
            None
        );
        assert_eq!(plan.take(None, "t"), None);
    }

    #[test]
    fn answers_are_recorded_only_by_the_attempt_holding_the_payment() {
        let held = record(PaymentStatus::Processing, 2, NOW + LEASE_SECS);
        let charged = held.answered(&lease(2), &approved(), "t1").unwrap();
        assert_eq!(charged.payment.status, PaymentStatus::Charged);
        assert_eq!(charged.payment.provider_reference.as_deref(), Some("ch_9"));
        assert_eq!(charged.payment.captures, 1);
        assert_eq!(
            (charged.lease_until, charged.payment.updated_at.as_str()),
            (0, "t1")
        );

        let declined = held
            .answered(
                &lease(2),
                &Outcome::Declined {
                    code: "card_declined",
                },
                "t1",
            )
            .unwrap();
        assert_eq!(declined.payment.status, PaymentStatus::Declined);
        assert_eq!(
            declined.payment.decline_code.as_deref(),
            Some("card_declined")
        );
        assert_eq!((declined.payment.captures, declined.lease_until), (0, 0));

        let failed = held
            .answered(&lease(2), &Outcome::ProcessingError, "t1")
            .unwrap();
        assert_eq!(failed.payment.status, PaymentStatus::Processing);
        assert_eq!((failed.payment.attempts, failed.lease_until), (2, 0));

        // Taken over by attempt 3, or closed meanwhile: the late answer is dropped.
        assert_eq!(held.answered(&lease(1), &approved(), "t1"), None);
        assert_eq!(held.answered(&lease(3), &approved(), "t1"), None);
        for status in [
            PaymentStatus::Voided,
            PaymentStatus::Charged,
            PaymentStatus::Refunded,
        ] {
            assert_eq!(
                record(status, 2, 0).answered(&lease(2), &approved(), "t1"),
                None
            );
        }
    }

    #[test]
    fn the_providers_answer_becomes_the_callers() {
        let p = record(PaymentStatus::Charged, 1, 0).payment;
        assert_eq!(
            charge_result(approved(), p.clone()).unwrap(),
            Charged::New(p.clone())
        );
        assert!(matches!(
            charge_result(Outcome::Declined { code: "insufficient_funds" }, p.clone()),
            Err(PaymentError::Declined { code, .. }) if code == "insufficient_funds"
        ));
        assert!(matches!(
            charge_result(Outcome::ProcessingError, p),
            Err(PaymentError::ProviderUnavailable)
        ));
    }

    #[test]
    fn a_lost_lease_answers_what_the_record_says() {
        let charged = record(PaymentStatus::Charged, 2, 0);
        assert_eq!(
            after_lost_lease("o-1", Some(&charged)).unwrap(),
            Charged::Repeated(charged.payment)
        );
        assert!(matches!(
            after_lost_lease("o-1", Some(&record(PaymentStatus::Declined, 2, 0))),
            Err(PaymentError::Declined { .. })
        ));
        assert!(matches!(
            after_lost_lease("o-1", Some(&record(PaymentStatus::Processing, 2, NOW))),
            Err(PaymentError::InProgress)
        ));
        for closed in [
            Some(record(PaymentStatus::Voided, 1, 0)),
            Some(record(PaymentStatus::Refunded, 1, 0)),
            None,
        ] {
            assert!(matches!(
                after_lost_lease("o-1", closed.as_ref()),
                Err(PaymentError::Closed(_))
            ));
        }
    }

    #[test]
    fn refunds_are_decided_from_the_record() {
        assert_eq!(
            decide_refund("o-1", None, NOW).unwrap(),
            RefundDecision::Tombstone
        );
        assert_eq!(
            decide_refund("o-1", Some(&record(PaymentStatus::Charged, 1, 0)), NOW).unwrap(),
            RefundDecision::Refund
        );
        let refunded = record(PaymentStatus::Refunded, 1, 0);
        assert_eq!(
            decide_refund("o-1", Some(&refunded), NOW).unwrap(),
            RefundDecision::Answer(RefundOutcome::AlreadyRefunded {
                payment: refunded.payment.clone()
            })
        );
        for never in [PaymentStatus::Declined, PaymentStatus::Voided] {
            assert_eq!(
                decide_refund("o-1", Some(&record(never, 1, 0)), NOW).unwrap(),
                RefundDecision::Answer(RefundOutcome::NotCharged {
                    order_id: "o-1".into()
                })
            );
        }
        let held = record(PaymentStatus::Processing, 1, NOW);
        assert!(matches!(
            decide_refund("o-1", Some(&held), NOW),
            Err(PaymentError::InProgress)
        ));
        assert_eq!(
            decide_refund("o-1", Some(&held), NOW + 1).unwrap(),
            RefundDecision::Void { now: NOW + 1 }
        );
    }

    #[test]
    fn refund_transitions_hold_only_from_their_state() {
        let mark = PaymentRecord::tombstone("o-9", None, "t1").unwrap();
        assert_eq!(mark.payment.status, PaymentStatus::Voided);
        assert_eq!(mark.payment.order_id, "o-9");
        assert_eq!((mark.payment.amount_cents, mark.payment.attempts), (0, 0));
        assert_eq!(PaymentRecord::tombstone("o-9", Some(&mark), "t2"), None);

        let refunded = record(PaymentStatus::Charged, 1, 0).refunded("t1").unwrap();
        assert_eq!(refunded.payment.status, PaymentStatus::Refunded);
        assert_eq!(
            (
                refunded.payment.captures,
                refunded.payment.updated_at.as_str()
            ),
            (1, "t1")
        );
        for not_charged in [
            PaymentStatus::Processing,
            PaymentStatus::Declined,
            PaymentStatus::Refunded,
            PaymentStatus::Voided,
        ] {
            assert_eq!(record(not_charged, 1, 0).refunded("t1"), None);
        }

        let held = record(PaymentStatus::Processing, 1, NOW);
        assert_eq!(held.voided(NOW, "t1"), None);
        let voided = held.voided(NOW + 1, "t1").unwrap();
        assert_eq!(voided.payment.status, PaymentStatus::Voided);
        assert_eq!(record(PaymentStatus::Charged, 1, 0).voided(NOW, "t1"), None);
    }

    #[test]
    fn a_charge_without_a_usable_token_for_a_new_order_is_refused() {
        let c = validate_charge(charge(100)).unwrap();
        let declined = Payment {
            amount_cents: 100,
            ..record(PaymentStatus::Declined, 1, 0).payment
        };
        assert!(matches!(
            charge_without_method(&c, Some(declined)),
            Err(PaymentError::Declined { .. })
        ));
        assert!(matches!(
            charge_without_method(&c, None),
            Err(PaymentError::MethodInvalid(t)) if t == "pm_abc"
        ));
    }

    #[test]
    fn charge_input_edges() {
        let mut c = charge(MAX_AMOUNT_CENTS);
        c.currency = Some("EUR".into());
        let v = validate_charge(c).unwrap();
        assert_eq!(
            (v.currency.as_str(), v.amount_cents),
            ("EUR", MAX_AMOUNT_CENTS)
        );
        assert_eq!(validate_charge(charge(100)).unwrap().currency, "USD");
        for bad in ["usd", "US", "USDX"] {
            let mut c = charge(100);
            c.currency = Some(bad.into());
            assert_eq!(validate_charge(c).unwrap_err().field, "currency");
        }
        for bad in ["", "a b", &"o".repeat(65)] {
            let mut c = charge(100);
            c.order_id = bad.to_string();
            assert_eq!(validate_charge(c).unwrap_err().field, "order_id");
        }
        assert_eq!(
            validate_charge(charge(MIN_ORDER_TOTAL_CENTS - 1))
                .unwrap_err()
                .field,
            "amount_cents"
        );
        assert!(validate_charge(charge(MIN_ORDER_TOTAL_CENTS)).is_ok());
        let mut long = charge(100);
        long.payment_token = format!("pm_{}", "a".repeat(62));
        assert_eq!(validate_charge(long).unwrap_err().field, "payment_token");
    }

    #[test]
    fn card_numbers_edges() {
        // 12 and 19 digits are the bounds; neither is a test card.
        assert!(
            vaulted("424242424242")
                .unwrap_err()
                .message
                .contains("test card")
        );
        assert!(
            vaulted("4242424242424242424")
                .unwrap_err()
                .message
                .contains("test card")
        );
        assert!(
            vaulted("42424242424")
                .unwrap_err()
                .message
                .contains("12 to 19")
        );
        assert!(
            vaulted("42424242424242424242")
                .unwrap_err()
                .message
                .contains("12 to 19")
        );
        let v = vaulted("4000000000000119").unwrap();
        assert_eq!(v.card, Card::Transient);
        assert_ne!(v.token, vaulted("4000000000000119").unwrap().token);
        assert_eq!(v.public().last4, "0119");
    }
}
