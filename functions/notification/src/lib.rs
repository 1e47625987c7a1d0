//! The notification service: stored notifications per customer, WebSocket connections, and
//! pushing each new notification to every open connection of its customer.
//!
//! [`domain`] holds the rules, [`store`] the table, [`push`] the API Gateway management API,
//! [`http`] the router (HTTP routes and the WebSocket API's `$connect`/`$disconnect`).

pub mod domain;
pub mod http;
pub mod push;
pub mod store;
