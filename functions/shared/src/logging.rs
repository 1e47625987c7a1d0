//! Structured logging with `tracing`: JSON lines in Lambda (CloudWatch), text locally.

use crate::config::{LogFormat, Runtime};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber for a function. Safe to call more than once (later calls
/// are ignored).
pub fn init(config: &impl AsRef<Runtime>) {
    let runtime = config.as_ref();
    init_with(runtime.log_format, &runtime.log_filter);
}

/// Installs the global subscriber with this format and `RUST_LOG`-style filter (for
/// processes with their own configuration, such as the worker).
pub fn init_with(format: LogFormat, filter: &str) {
    let filter = targets(filter);
    let builder = tracing_subscriber::fmt().with_target(false);
    let _ = match format {
        // Lambda adds its own timestamp and request id to every line.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .without_time()
            .with_ansi(false)
            .finish()
            .with(filter)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).finish().with(filter).try_init(),
    };
}

/// A `RUST_LOG`-style filter: a default level and per-target levels (`info`,
/// `warn,gateway=debug`); `info` when it does not parse. `Targets` rather than `EnvFilter`:
/// no span or field filters, and no regex engine in every binary (about 0.2 MB of each zip).
pub fn targets(filter: &str) -> Targets {
    filter
        .parse::<Targets>()
        .unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use super::targets;
    use tracing::Level;

    #[test]
    fn a_filter_sets_the_default_and_per_target_levels() {
        let t = targets("warn,gateway=debug");
        assert!(t.would_enable("gateway", &Level::DEBUG));
        assert!(!t.would_enable("order", &Level::INFO));
        assert!(t.would_enable("order", &Level::WARN));
    }

    #[test]
    fn an_unreadable_filter_falls_back_to_info() {
        let t = targets("=[}");
        assert!(t.would_enable("anything", &Level::INFO));
        assert!(!t.would_enable("anything", &Level::DEBUG));
    }
}
