//! `lambda-init`: the cold start of each Lambda function, measured on this machine.
//!
//! Each run starts a function's release binary as Lambda does (`AWS_LAMBDA_RUNTIME_API`
//! pointing at a fake runtime API this tool serves on loopback, with the settings the
//! function needs, every AWS endpoint a loopback port where nothing listens), hands it one
//! cheap event and records how long it took to ask for it (init), how long to answer it, and
//! its peak RSS. A function that does not ask in time, exits, or answers anything but a 2xx
//! fails the whole measurement. See `lambda-init --help`.

pub mod api;
pub mod cli;
pub mod functions;
pub mod http;
pub mod probe;
pub mod report;
pub mod stats;
