//! The gateway function: the API entry for work that is a workflow. It prices and validates a
//! cart, starts the OrderSaga, reads its live state and cancels it.
//!
//! [`cart`] holds the cart rules, [`temporal`] the connection to Temporal, [`http`] the router,
//! [`config`] its settings.

pub mod cart;
pub mod config;
pub mod http;
pub mod retries;
pub mod temporal;
