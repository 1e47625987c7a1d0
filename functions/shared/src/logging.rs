//! Structured logging with `tracing`: JSON lines in Lambda (CloudWatch) and in the worker's
//! container, text locally.
//!
//! A JSON line is one flat object: `level`, then the fields of every span the line was logged
//! in (outermost first: the request's `correlation_id`, `order_id`, `workflow_id`, see
//! [`crate::correlation`]), then the event's own fields (`message`, ...). Flat, so CloudWatch
//! Logs Insights finds them by name: `filter correlation_id = "..."`. A text line shows the same
//! spans as `request{correlation_id=... order_id=...}:` before the message.

use crate::config::{LogFormat, Runtime};
use serde_json::{Map, Value};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
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
    let _ = match format {
        // Lambda (and ECS's awslogs driver) stamp every line with its time.
        LogFormat::Json => json_subscriber(std::io::stdout)
            .finish()
            .with(filter)
            .try_init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_target(false)
            .with_ansi(false)
            .finish()
            .with(filter)
            .try_init(),
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

/// The JSON subscriber's builder, writing [`FlatJson`] lines to `writer`.
pub fn json_subscriber<W>(
    writer: W,
) -> tracing_subscriber::fmt::SubscriberBuilder<JsonFields, FlatJson, LevelFilter, W>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .fmt_fields(JsonFields::new())
        .event_format(FlatJson)
        .with_writer(writer)
}

/// One flat JSON object per line: `level`, the fields of the spans the event is in (outermost
/// first; a field of an inner span wins), then the event's fields (which win over the spans').
#[derive(Debug, Clone, Copy, Default)]
pub struct FlatJson;

impl<S, N> FormatEvent<S, N> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert(
            "level".into(),
            Value::from(event.metadata().level().as_str()),
        );
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                // With `JsonFields`, a span's fields are kept as a JSON object.
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(fields)
                {
                    line.extend(fields);
                }
            }
        }
        event.record(&mut Fields(&mut line));
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Collects an event's fields as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.0.insert(field.name().into(), value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlation::Correlation;
    use crate::testing::LogLines as Lines;

    #[test]
    fn span_fields_are_on_every_line_at_the_top_level() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = json_subscriber(move || writer.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = Correlation::id("JKJaXmPLvHcESHA=").span();
            let _entered = span.enter();
            tracing::info!(status = 200, duration_ms = 1.5, "request");
            crate::correlation::record_order("o-1", "order-o-1");
            tracing::warn!(error = %"boom", "order placed");
        });
        let text = lines.take_text();
        let logged: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(logged.len(), 2, "{text}");
        assert_eq!(logged[0]["level"], "INFO");
        assert_eq!(logged[0]["message"], "request");
        assert_eq!(logged[0]["status"], 200);
        assert_eq!(logged[0]["duration_ms"], 1.5);
        assert_eq!(logged[0]["correlation_id"], "JKJaXmPLvHcESHA=");
        assert!(logged[0].get("order_id").is_none(), "{}", logged[0]);
        assert_eq!(logged[1]["level"], "WARN");
        assert_eq!(logged[1]["correlation_id"], "JKJaXmPLvHcESHA=");
        assert_eq!(logged[1]["order_id"], "o-1");
        assert_eq!(logged[1]["workflow_id"], "order-o-1");
        assert_eq!(logged[1]["error"], "boom");
    }

    #[test]
    fn a_filter_sets_the_default_and_per_target_levels() {
        use tracing::Level;
        let t = targets("warn,gateway=debug");
        assert!(t.would_enable("gateway", &Level::DEBUG));
        assert!(!t.would_enable("order", &Level::INFO));
        assert!(t.would_enable("order", &Level::WARN));
    }

    #[test]
    fn an_unreadable_filter_falls_back_to_info() {
        use tracing::Level;
        let t = targets("=[}");
        assert!(t.would_enable("anything", &Level::INFO));
        assert!(!t.would_enable("anything", &Level::DEBUG));
    }
}
