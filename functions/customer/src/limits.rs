//! The customer service's limits, kept in its own table next to the accounts (items
//! `limit#…`, which expire with the table's TTL on `expires_at`; [`sagaway_shared::limits`]
//! decides and stores them):
//!
//! - **Failed logins per account** (the normalized email, known or not, so that a lockout
//!   says nothing about whether an account exists): [`CustomerLimits::login_account`], by
//!   default 5 failures in 15 minutes lock the account for 1 minute, doubling with each further
//!   lockout up to 15 minutes. While locked even the right password is refused; afterwards it
//!   works again, and a successful login forgets the account's failures.
//! - **Failed logins per source address** (API Gateway's `sourceIp`, never a header; an IPv6
//!   address by its /64): [`CustomerLimits::login_address`], the same lockout after 50
//!   failures, so one address cannot try a few passwords on each of many accounts. A success
//!   does not reset it (an attacker would log in to an account of their own in between).
//! - **Registrations per source address**: [`CustomerLimits::registrations`], by default 20 an
//!   hour, 10 at once.
//!
//! When the limits cannot be read or written the request is refused (`503`, fail closed):
//! they guard passwords, so a request the service cannot count is one it does not check. The
//! accounts live in the same table, so an outage that stops the limits stops logins anyway.

use sagaway_shared::limits::{Lockout, Rate, address_key};
use std::net::IpAddr;

/// The limits the customer service enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerLimits {
    pub login_account: Lockout,
    pub login_address: Lockout,
    pub registrations: Rate,
}

const fn lockout(max_failures: u32) -> Lockout {
    match Lockout::new(max_failures, 15 * 60, 60, 15 * 60) {
        Ok(l) => l,
        Err(_) => panic!("a default lockout is not a lockout"),
    }
}

/// Per account: 5 failures in 15 minutes lock it for 1 minute, doubling up to 15 minutes.
pub const DEFAULT_LOGIN_ACCOUNT: Lockout = lockout(5);
/// Per source address: the same after 50 failures.
pub const DEFAULT_LOGIN_ADDRESS: Lockout = lockout(50);
/// Per source address: 20 registrations an hour, 10 at once.
pub const DEFAULT_REGISTRATIONS: Rate = match Rate::new(20, 3600, 10) {
    Ok(r) => r,
    Err(_) => panic!("the default registration rate is not a rate"),
};

impl Default for CustomerLimits {
    fn default() -> Self {
        Self {
            login_account: DEFAULT_LOGIN_ACCOUNT,
            login_address: DEFAULT_LOGIN_ADDRESS,
            registrations: DEFAULT_REGISTRATIONS,
        }
    }
}

/// The keys of one login attempt: its account (when the email is one) and its source address
/// (when it came through API Gateway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginKeys {
    pub account: Option<String>,
    pub address: Option<String>,
}

impl LoginKeys {
    /// `email` normalized ([`crate::domain::LoginInput::lookup_email`]).
    pub fn new(email: Option<&str>, source: Option<IpAddr>) -> Self {
        Self {
            account: email.map(|e| format!("limit#login#acct#{e}")),
            address: source.map(|ip| format!("limit#login#addr#{}", address_key(ip))),
        }
    }
}

/// The key of the registrations from `source`.
pub fn registration_key(source: IpAddr) -> String {
    format!("limit#register#addr#{}", address_key(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_apart_from_the_accounts_and_from_each_other() {
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let keys = LoginKeys::new(Some("ada@example.com"), Some(ip));
        assert_eq!(
            keys.account.as_deref(),
            Some("limit#login#acct#ada@example.com")
        );
        assert_eq!(
            keys.address.as_deref(),
            Some("limit#login#addr#203.0.113.7")
        );
        assert_eq!(registration_key(ip), "limit#register#addr#203.0.113.7");
        let v6: IpAddr = "2001:db8:1:2::77".parse().unwrap();
        assert_eq!(
            LoginKeys::new(None, Some(v6)),
            LoginKeys {
                account: None,
                address: Some("limit#login#addr#2001:db8:1:2::/64".into())
            }
        );
        // Neither prefix can be an account's (`customer#`) or an email link's (`email#`).
        for k in [keys.account.unwrap(), keys.address.unwrap()] {
            assert!(k.starts_with("limit#"));
        }
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let l = CustomerLimits::default();
        assert_eq!(
            (
                l.login_account.max_failures(),
                l.login_account.window_secs(),
                l.login_account.lock_secs(),
                l.login_account.max_lock_secs()
            ),
            (5, 900, 60, 900)
        );
        assert_eq!(l.login_address.max_failures(), 50);
        assert_eq!(l.registrations.to_string(), "20 per hour, 10 at once");
    }
}
