//! The notification service: stored notifications per customer, WebSocket connections, and
//! pushing each new notification to every open connection of its customer.
//!
//! Where each rule lives:
//! - [`domain`]: every decision, as pure functions: what a send must hold, idempotency by
//!   notification id, which connections to forget after a push (the gone ones), what the
//!   send answers, list order and paging.
//! - [`store`]: the port ([`store::NotificationStore`]: notifications and connections) and
//!   its adapters, DynamoDB ([`store::DynamoStore`]: a notification and its id's mark in one
//!   conditional transaction) and in memory ([`store::MemoryStore`], for tests).
//! - [`push`]: the [`push::Push`] port, the API Gateway management API behind it and an
//!   in-memory fake.
//! - [`email`]: the [`email::Mailer`] port, Amazon SES v2 behind it and an in-memory fake:
//!   an order's CONFIRMED and CANCELLED notifications are also emailed to the shopper, once
//!   per notification id ([`domain::receipt_email`], [`store::NotificationStore::claim_email`]).
//! - [`http`]: the router (HTTP routes and the WebSocket API's `$connect`/`$disconnect`/
//!   `$default`), generic over the store and the pusher; it stores, then pushes and applies
//!   the domain's verdict on each connection.

pub mod config;
pub mod domain;
pub mod email;
pub mod http;
pub mod push;
pub mod store;
