//! What the saga's live state shows of a step Temporal is retrying: the attempt number of its
//! pending activity and, shortened and scrubbed, why the last attempt failed. Read from the
//! workflow's description (its pending activities), not from the workflow, which does not see
//! its activities' retries.
//!
//! - The attempt is shown from the second attempt on (`None` on the first, or when nothing is
//!   pending). With several pending activities (a notification beside a step), the one with
//!   the highest attempt is shown.
//! - The failure message is its first line, at most [`MAX_FAILURE_CHARS`] characters, with every
//!   run of 12 or more digits (spaces and dashes between them included) replaced by `…`, so no
//!   card number can reach the shopper or a log through it.

use temporalio_common::protos::temporal::api::workflow::v1::PendingActivityInfo;

/// Longest failure message shown.
pub const MAX_FAILURE_CHARS: usize = 160;

/// The retry the state shows: `(attempt, last_failure)`.
pub fn retry_of(pending: &[PendingActivityInfo]) -> (Option<u32>, Option<String>) {
    let Some(p) = pending.iter().max_by_key(|p| p.attempt) else {
        return (None, None);
    };
    let attempt = u32::try_from(p.attempt).ok().filter(|a| *a >= 2);
    let Some(attempt) = attempt else {
        return (None, None);
    };
    let failure = p
        .last_failure
        .as_ref()
        .map(|f| scrub(&f.message))
        .filter(|m| !m.is_empty());
    (Some(attempt), failure)
}

/// The first line of `message`, digit runs that could be card numbers masked, shortened.
pub fn scrub(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            // The run of digits, spaces and dashes from here, ending on a digit.
            let mut j = i;
            let mut end = i;
            let mut digits = 0;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || chars[j] == ' ' || chars[j] == '-')
            {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    end = j;
                }
                j += 1;
            }
            if digits >= 12 {
                out.push('…');
            } else {
                out.extend(&chars[i..=end]);
            }
            i = end + 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    if out.chars().count() > MAX_FAILURE_CHARS {
        let mut short: String = out.chars().take(MAX_FAILURE_CHARS - 1).collect();
        short.push('…');
        short
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::protos::temporal::api::failure::v1::Failure;

    fn pending(attempt: i32, message: Option<&str>) -> PendingActivityInfo {
        PendingActivityInfo {
            attempt,
            last_failure: message.map(|m| Failure {
                message: m.to_string(),
                ..Failure::default()
            }),
            ..PendingActivityInfo::default()
        }
    }

    #[test]
    fn nothing_pending_or_a_first_attempt_shows_no_retry() {
        assert_eq!(retry_of(&[]), (None, None));
        assert_eq!(retry_of(&[pending(1, None)]), (None, None));
        assert_eq!(retry_of(&[pending(0, None)]), (None, None));
    }

    #[test]
    fn a_retried_step_shows_its_attempt_and_why_the_last_one_failed() {
        assert_eq!(
            retry_of(&[pending(
                3,
                Some("payment: the provider is unavailable (503)\nat line 2")
            )]),
            (
                Some(3),
                Some("payment: the provider is unavailable (503)".to_string())
            )
        );
        assert_eq!(retry_of(&[pending(2, None)]), (Some(2), None));
        // The highest attempt of several pending activities.
        assert_eq!(
            retry_of(&[
                pending(1, Some("a")),
                pending(4, Some("b")),
                pending(2, Some("c"))
            ]),
            (Some(4), Some("b".to_string()))
        );
    }

    #[test]
    fn failure_messages_are_short_and_carry_no_card_numbers() {
        assert_eq!(scrub("card 4000000000000119 failed"), "card … failed");
        assert_eq!(scrub("card 4242 4242 4242 4242 failed"), "card … failed");
        assert_eq!(scrub("card 4242-4242-4242-4242."), "card ….");
        assert_eq!(
            scrub("HTTP 503 after 1200 ms, order o-12"),
            "HTTP 503 after 1200 ms, order o-12"
        );
        let long = "x".repeat(500);
        let s = scrub(&long);
        assert_eq!(s.chars().count(), MAX_FAILURE_CHARS);
        assert!(s.ends_with('…'));
    }
}
