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
            let current = store.payment(&req.order_id).await?;
            domain::after_lost_lease(&req.order_id, current.as_ref())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PaymentStatus, TokenizeRequest, vault};
    use crate::provider::{Card, Outcome, Simulated};
    use crate::store::memory::MemoryStore;
    use std::sync::atomic::{AtomicI64, Ordering};
    use tokio::sync::Notify;

    const T0: i64 = 1_700_000_000;

    /// Approves every charge (reference `ch_<attempt>`); the first call stays at the provider
    /// until `release` is notified, having notified `arrived`.
    #[derive(Default)]
    struct Held {
        arrived: Notify,
        release: Notify,
        calls: AtomicI64,
    }

    impl Provider for Held {
        async fn charge(&self, _card: Card, attempt: i64) -> Outcome {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                self.arrived.notify_one();
                self.release.notified().await;
            }
            Outcome::Approved {
                reference: format!("ch_{attempt}"),
            }
        }
    }

    async fn vaulted(store: &MemoryStore, card: &str, at: i64) -> String {
        let v = vault(
            TokenizeRequest {
                card_number: card.into(),
            },
            at,
        )
        .unwrap();
        store.save_method(&v).await.unwrap();
        v.token
    }

    fn charge_of(order: &str, token: &str) -> ValidCharge {
        ValidCharge {
            order_id: order.into(),
            amount_cents: 4200,
            currency: "USD".into(),
            token: token.into(),
        }
    }

    #[tokio::test]
    async fn one_capture_however_often_it_is_charged() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        let Charged::New(first) = charge(&store, &Simulated, charge_of("o-1", &t), T0)
            .await
            .unwrap()
        else {
            panic!("the first charge captures")
        };
        assert_eq!(
            (first.status, first.attempts, first.captures),
            (PaymentStatus::Charged, 1, 1)
        );
        for later in [T0 + 1, T0 + 3600] {
            assert_eq!(
                charge(&store, &Simulated, charge_of("o-1", &t), later)
                    .await
                    .unwrap(),
                Charged::Repeated(first.clone())
            );
        }
    }

    #[tokio::test]
    async fn processing_errors_release_the_lease_for_the_next_attempt() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4000000000000119", T0).await;
        for attempt in 1..=3 {
            let r = charge(&store, &Simulated, charge_of("o-1", &t), T0 + attempt).await;
            assert!(matches!(r, Err(PaymentError::ProviderUnavailable)), "{r:?}");
            let rec = store.payment("o-1").await.unwrap().unwrap();
            assert_eq!((rec.payment.attempts, rec.lease_until), (attempt, 0));
        }
        let r = charge(&store, &Simulated, charge_of("o-1", &t), T0 + 4).await;
        assert!(matches!(r, Ok(Charged::New(p)) if p.attempts == 4 && p.captures == 1));
    }

    #[tokio::test]
    async fn declines_are_final() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4000000000000002", T0).await;
        for _ in 0..2 {
            match charge(&store, &Simulated, charge_of("o-1", &t), T0).await {
                Err(PaymentError::Declined { code, payment }) => {
                    assert_eq!(code, "card_declined");
                    assert_eq!(payment.attempts, 1, "a decline is not retried");
                }
                other => panic!("expected a decline, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_retry_while_the_first_call_is_at_the_provider_is_in_progress() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        let provider = Held::default();
        let (first, second) =
            tokio::join!(charge(&store, &provider, charge_of("o-1", &t), T0), async {
                provider.arrived.notified().await;
                let second = charge(&store, &provider, charge_of("o-1", &t), T0 + 2).await;
                let refund = refund(&store, "o-1", T0 + 2).await;
                provider.release.notify_one();
                (second, refund)
            });
        assert!(
            matches!(second.0, Err(PaymentError::InProgress)),
            "{:?}",
            second.0
        );
        assert!(
            matches!(second.1, Err(PaymentError::InProgress)),
            "{:?}",
            second.1
        );
        let Ok(Charged::New(first)) = first else {
            panic!("the first call captures: {first:?}")
        };
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
        let again = charge(&store, &provider, charge_of("o-1", &t), T0 + 3).await;
        assert_eq!(again.unwrap(), Charged::Repeated(first));
    }

    #[tokio::test]
    async fn a_lease_that_ran_out_is_taken_over_and_the_late_answer_dropped() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        let provider = Held::default();
        let late = T0 + domain::LEASE_SECS + 1;
        let (first, second) =
            tokio::join!(charge(&store, &provider, charge_of("o-1", &t), T0), async {
                provider.arrived.notified().await;
                let second = charge(&store, &provider, charge_of("o-1", &t), late).await;
                provider.release.notify_one();
                second
            });
        let Ok(Charged::New(second)) = second else {
            panic!("the take-over charges: {second:?}")
        };
        assert_eq!(
            (second.attempts, second.provider_reference.as_deref()),
            (2, Some("ch_2"))
        );
        // Attempt 1 came back after attempt 2 answered: it gets the record's result, and
        // its own answer is not written over it.
        assert_eq!(first.unwrap(), Charged::Repeated(second.clone()));
        let rec = store.payment("o-1").await.unwrap().unwrap();
        assert_eq!(rec.payment, second);
    }

    #[tokio::test]
    async fn a_refund_voids_an_attempt_that_outlived_its_lease() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        let provider = Held::default();
        let late = T0 + domain::LEASE_SECS + 1;
        let (first, voided) =
            tokio::join!(charge(&store, &provider, charge_of("o-1", &t), T0), async {
                provider.arrived.notified().await;
                let voided = refund(&store, "o-1", late).await;
                provider.release.notify_one();
                voided
            });
        assert_eq!(
            voided.unwrap(),
            RefundOutcome::NotCharged {
                order_id: "o-1".into()
            }
        );
        assert!(matches!(first, Err(PaymentError::Closed(_))), "{first:?}");
        let rec = store.payment("o-1").await.unwrap().unwrap();
        assert_eq!(
            (rec.payment.status, rec.payment.captures),
            (PaymentStatus::Voided, 0)
        );
        let r = charge(&store, &Simulated, charge_of("o-1", &t), late + 1).await;
        assert!(matches!(r, Err(PaymentError::Closed(_))), "{r:?}");
    }

    #[tokio::test]
    async fn refunds_once_and_tombstones_an_order_never_charged() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        charge(&store, &Simulated, charge_of("o-1", &t), T0)
            .await
            .unwrap();
        let RefundOutcome::Refunded { payment } = refund(&store, "o-1", T0).await.unwrap() else {
            panic!("the charge is refunded")
        };
        assert_eq!(payment.status, PaymentStatus::Refunded);
        assert_eq!(
            refund(&store, "o-1", T0).await.unwrap(),
            RefundOutcome::AlreadyRefunded { payment }
        );
        let r = charge(&store, &Simulated, charge_of("o-1", &t), T0).await;
        assert!(matches!(r, Err(PaymentError::Closed(_))), "{r:?}");

        for _ in 0..2 {
            assert_eq!(
                refund(&store, "o-2", T0).await.unwrap(),
                RefundOutcome::NotCharged {
                    order_id: "o-2".into()
                }
            );
        }
        let r = charge(&store, &Simulated, charge_of("o-2", &t), T0).await;
        assert!(matches!(r, Err(PaymentError::Closed(_))), "{r:?}");
    }

    #[tokio::test]
    async fn an_expired_token_still_answers_a_repeat_but_charges_nothing_new() {
        let store = MemoryStore::new();
        let t = vaulted(&store, "4242424242424242", T0).await;
        let Ok(Charged::New(first)) = charge(&store, &Simulated, charge_of("o-1", &t), T0).await
        else {
            panic!("charged")
        };
        let expired = T0 + sagaway_contract::limits::PAYMENT_METHOD_TTL_SECS;
        assert_eq!(
            charge(&store, &Simulated, charge_of("o-1", &t), expired)
                .await
                .unwrap(),
            Charged::Repeated(first)
        );
        let r = charge(&store, &Simulated, charge_of("o-2", &t), expired).await;
        assert!(matches!(r, Err(PaymentError::MethodInvalid(_))), "{r:?}");
        assert_eq!(store.payment("o-2").await.unwrap(), None);
    }
}
