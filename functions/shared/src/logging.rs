//! Structured logging with `tracing`: JSON lines in Lambda (CloudWatch), text locally.

use crate::config::{LogFormat, Runtime};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for a function. Safe to call more than once (later calls
/// are ignored).
pub fn init(config: &impl AsRef<Runtime>) {
    let runtime = config.as_ref();
    init_with(runtime.log_format, &runtime.log_filter);
}

/// Installs the global subscriber with this format and `RUST_LOG`-style filter (for
/// processes with their own configuration, such as the worker).
pub fn init_with(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        // Lambda adds its own timestamp and request id to every line.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .without_time()
            .with_ansi(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}
