//! The charge and refund flows: read the record, let [`crate::domain`] decide, write that
//! decision with the store's conditional operations, and call the provider only between
//! taking a lease and recording its answer, never from inside a store. A lost race (a
//! `Conflict`) means another call changed the record: read it again and decide again.

use crate::domain::{
    self, ChargeDecision, ChargeRequest, Charged, PaymentError, RACES, RefundDecision,
    RefundOutcome, ValidCharge,
};
use crate::provider::Provider;
use crate::store::{PaymentStore, StoreError};

/// Charges once per order id: the vaulted card behind the token, under a lease, at `now`.
pub async fn charge<S: PaymentStore, P: Provider>(
    store: &S,
    provider: &P,
    charge: ValidCharge,
    now: i64,
) -> Result<Charged, PaymentError> {
    let Some(card) = store.method(&charge.token, now).await? else {
        let existing = store.payment(&charge.order_id).await?;
        return domain::charge_without_method(&charge, existing.map(|r| r.payment))
            .map(Charged::Repeated);
    };
    let req = charge.with_card(&card);
    let plan = match take_lease(store, &req, now).await? {
        ChargeDecision::Replay(first) => return Ok(Charged::Repeated(first)),
        ChargeDecision::Lease(plan) => plan,
    };
    let lease = plan.lease();
    let outcome = provider.charge(req.card, lease.attempt).await;
    tracing::info!(order_id = %req.order_id, attempt = lease.attempt, ?outcome, "provider answered");
    match store.record_outcome(lease, &outcome).await {
        Ok(payment) => domain::charge_result(outcome, payment),
        Err(StoreError::Conflict) => {
            let now = store.payment(&req.order_id).await?;
            domain::after_lost_lease(&req.order_id, now.as_ref())
        }
        Err(e) => Err(e.into()),
    }
}

/// Decides the charge and takes the lease it plans: a `Lease` decision returned has been
/// written. `InProgress` when other calls keep winning the record.
async fn take_lease<S: PaymentStore>(
    store: &S,
    req: &ChargeRequest,
    now: i64,
) -> Result<ChargeDecision, PaymentError> {
    for _ in 0..RACES {
        let existing = store.payment(&req.order_id).await?;
        match domain::decide_charge(existing.as_ref(), req, now)? {
            replay @ ChargeDecision::Replay(_) => return Ok(replay),
            ChargeDecision::Lease(plan) => match store.take_lease(&plan).await {
                Ok(()) => return Ok(ChargeDecision::Lease(plan)),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            },
        }
    }
    Err(PaymentError::InProgress)
}

/// Refunds once per order id, at `now`.
pub async fn refund<S: PaymentStore>(
    store: &S,
    order_id: &str,
    now: i64,
) -> Result<RefundOutcome, PaymentError> {
    let not_charged = || RefundOutcome::NotCharged {
        order_id: order_id.to_string(),
    };
    for _ in 0..RACES {
        let existing = store.payment(order_id).await?;
        let written = match domain::decide_refund(order_id, existing.as_ref(), now)? {
            RefundDecision::Answer(outcome) => return Ok(outcome),
            RefundDecision::Tombstone => store.tombstone(order_id).await.map(|()| not_charged()),
            RefundDecision::Refund => store.refund(order_id).await.map(|payment| {
                tracing::info!(%order_id, "refunded");
                RefundOutcome::Refunded { payment }
            }),
            RefundDecision::Void { now } => match store.void(order_id, now).await {
                // An attempt took the lease meanwhile: its outcome will be known shortly.
                Err(StoreError::Conflict) => return Err(PaymentError::InProgress),
                written => written.map(|_| {
                    tracing::info!(%order_id, "charge with unknown outcome voided");
                    not_charged()
                }),
            },
        };
        match written {
            Ok(outcome) => return Ok(outcome),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(PaymentError::InProgress)
}
