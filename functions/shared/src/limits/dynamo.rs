//! The limits in a DynamoDB table (the function's own, keyed by `pk`, TTL on `expires_at`).
//!
//! - A bucket: `tat` (its arrival time, ms) and `expires_at`. Taking from an idle one is
//!   `SET tat = :start` on the condition that it is idle (`attribute_not_exists(tat) OR
//!   tat <= :now`); from one with room it is `ADD tat :interval` on the condition
//!   `tat > :now AND tat <= :max`, so concurrent requests add up and none passes the limit.
//! - A lockout: `failures`, `window_ends`, `lockouts`, `locked_until` (ms) and `expires_at`.
//!   A failure in an open window is `ADD failures :one` on the condition that the window is
//!   open, no lock holds and the count is still below the last one; opening a window and
//!   locking are `SET`s of the whole state on the conditions [`super::strike_step`] names.
//!
//! Every write starts from the decision for "no item" (the common case for buckets, and one
//! write instead of a read and a write); a write whose condition fails gets the item back
//! (`ALL_OLD`) and the decision is made again from it. Each retry follows a change another
//! request made, and those only move forward, so a few attempts always settle.

use super::{
    BucketStep, LimitError, Limiter, Lockout, Rate, StrikeStep, Strikes, Verdict, bucket_step,
    lock_verdict, strike_step, strike_verdict,
};
use crate::dynamo::attr::{self, Item, n};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

/// Writes one decision may take before the limiter gives up ([`LimitError::Contention`]).
const ATTEMPTS: usize = 6;

/// Limits kept in `table`.
#[derive(Debug, Clone)]
pub struct DynamoLimiter {
    client: Client,
    table: String,
}

/// The outcome of one conditional write.
enum Write {
    Done,
    /// The condition failed; the item as it is (`None`: there is none).
    Lost(Option<Item>),
}

fn backend<E: std::error::Error + 'static>(e: &E) -> LimitError {
    LimitError::Backend(attr::error_text(e))
}

fn corrupt(e: attr::AttrError) -> LimitError {
    LimitError::Corrupt(e.to_string())
}

fn get_u32(item: &Item, name: &str) -> Result<u32, attr::AttrError> {
    u32::try_from(attr::get_n(item, name)?).map_err(|_| attr::AttrError(name.to_string()))
}

fn strikes_from(item: &Item) -> Result<Strikes, LimitError> {
    let read = || -> Result<Strikes, attr::AttrError> {
        Ok(Strikes {
            failures: get_u32(item, "failures")?,
            window_ends: attr::get_n(item, "window_ends")?,
            lockouts: get_u32(item, "lockouts")?,
            locked_until: attr::get_n(item, "locked_until")?,
            expires_at: attr::get_n(item, "expires_at")?,
        })
    };
    read().map_err(corrupt)
}

fn tat_from(item: Option<&Item>) -> Result<Option<i64>, LimitError> {
    item.filter(|i| i.contains_key("tat"))
        .map(|i| attr::get_n(i, "tat").map_err(corrupt))
        .transpose()
}

impl DynamoLimiter {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Limits in `table`, reached with `sdk`'s settings.
    pub fn from_sdk(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    fn update(&self, key: &str) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", attr::s(key))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }

    async fn write(&self, request: UpdateItemFluentBuilder) -> Result<Write, LimitError> {
        match request.send().await {
            Ok(_) => Ok(Write::Done),
            Err(SdkError::ServiceError(e)) => match e.err() {
                UpdateItemError::ConditionalCheckFailedException(c) => {
                    Ok(Write::Lost(c.item().cloned()))
                }
                other => Err(backend(other)),
            },
            Err(e) => Err(backend(&e)),
        }
    }

    /// The whole lockout state `next`, on `condition`.
    fn set_strikes(&self, key: &str, next: &Strikes, condition: &str) -> UpdateItemFluentBuilder {
        self.update(key)
            .update_expression(
                "SET failures = :f, window_ends = :we, lockouts = :l, locked_until = :lu, expires_at = :exp",
            )
            .condition_expression(condition)
            .expression_attribute_values(":f", n(i64::from(next.failures)))
            .expression_attribute_values(":we", n(next.window_ends))
            .expression_attribute_values(":l", n(i64::from(next.lockouts)))
            .expression_attribute_values(":lu", n(next.locked_until))
            .expression_attribute_values(":exp", n(next.expires_at))
    }

    /// The write that carries out `step` at `now`; `None` when it changes nothing.
    fn strike_write(
        &self,
        key: &str,
        policy: &Lockout,
        step: &StrikeStep,
        now_ms: i64,
    ) -> Option<UpdateItemFluentBuilder> {
        // The state is live (not forgotten), not locked: every step but a fresh window needs it.
        const LIVE: &str = "expires_at > :now_s AND locked_until <= :now";
        let now_s = n(now_ms.div_euclid(1000));
        let request = match step {
            StrikeStep::Locked { .. } => return None,
            StrikeStep::Count => self
                .update(key)
                .update_expression("ADD failures :one")
                .condition_expression(format!(
                    "{LIVE} AND window_ends > :now AND failures < :last"
                ))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":last", n(i64::from(policy.max_failures()) - 1)),
            StrikeStep::Open { fresh: true, next } => self.set_strikes(
                key,
                next,
                "attribute_not_exists(pk) OR expires_at <= :now_s",
            ),
            StrikeStep::Open { fresh: false, next } => self
                .set_strikes(
                    key,
                    next,
                    &format!("{LIVE} AND window_ends <= :now AND lockouts = :was"),
                )
                .expression_attribute_values(":was", n(i64::from(next.lockouts))),
            StrikeStep::Lock { earlier, next, .. } => self
                .set_strikes(
                    key,
                    next,
                    &format!(
                        "{LIVE} AND window_ends > :now AND failures >= :last AND lockouts = :was"
                    ),
                )
                .expression_attribute_values(":last", n(i64::from(policy.max_failures()) - 1))
                .expression_attribute_values(":was", n(i64::from(*earlier))),
        };
        let request = request.expression_attribute_values(":now_s", now_s);
        // `:now` is used by every condition but the fresh window's.
        Some(match step {
            StrikeStep::Open { fresh: true, .. } => request,
            _ => request.expression_attribute_values(":now", n(now_ms)),
        })
    }
}

impl Limiter for DynamoLimiter {
    async fn take(&self, key: &str, rate: &Rate, now_ms: i64) -> Result<Verdict, LimitError> {
        let mut tat = None;
        for _ in 0..ATTEMPTS {
            let request = match bucket_step(rate, tat, now_ms) {
                BucketStep::Refuse { retry_after_ms } => {
                    return Ok(Verdict::limited_for(retry_after_ms));
                }
                BucketStep::Start { tat } => self
                    .update(key)
                    .update_expression("SET tat = :tat, expires_at = :exp")
                    .condition_expression("attribute_not_exists(tat) OR tat <= :now")
                    .expression_attribute_values(":tat", n(tat)),
                BucketStep::Advance { by, max_tat } => self
                    .update(key)
                    .update_expression("ADD tat :by SET expires_at = :exp")
                    .condition_expression("tat > :now AND tat <= :max")
                    .expression_attribute_values(":by", n(by))
                    .expression_attribute_values(":max", n(max_tat)),
            }
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":exp", n(rate.expires_at(now_ms)));
            match self.write(request).await? {
                Write::Done => return Ok(Verdict::Allowed),
                Write::Lost(item) => tat = tat_from(item.as_ref())?,
            }
        }
        Err(LimitError::Contention)
    }

    async fn give_back(&self, key: &str, rate: &Rate) -> Result<(), LimitError> {
        let request = self
            .update(key)
            .update_expression("ADD tat :back")
            .condition_expression("attribute_exists(tat)")
            .expression_attribute_values(":back", n(-rate.interval_ms()));
        // No bucket (expired meanwhile): nothing to give back.
        self.write(request).await.map(|_| ())
    }

    async fn lock_status(&self, key: &str, now_ms: i64) -> Result<Verdict, LimitError> {
        let item = crate::dynamo::get_by_pk(&self.client, &self.table, key.to_string())
            .await
            .map_err(|e| backend(&e))?;
        let state = item.map(|i| strikes_from(&i)).transpose()?;
        Ok(lock_verdict(state.as_ref(), now_ms))
    }

    async fn strike(
        &self,
        key: &str,
        policy: &Lockout,
        now_ms: i64,
    ) -> Result<Verdict, LimitError> {
        let mut state: Option<Strikes> = None;
        for _ in 0..ATTEMPTS {
            let step = strike_step(policy, state.as_ref(), now_ms);
            let Some(request) = self.strike_write(key, policy, &step, now_ms) else {
                return Ok(strike_verdict(&step));
            };
            match self.write(request).await? {
                Write::Done => return Ok(strike_verdict(&step)),
                Write::Lost(item) => {
                    state = item.map(|i| strikes_from(&i)).transpose()?;
                }
            }
        }
        Err(LimitError::Contention)
    }

    async fn forget(&self, key: &str) -> Result<(), LimitError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", attr::s(key))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend(&e))
    }
}
