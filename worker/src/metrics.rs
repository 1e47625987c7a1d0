//! The worker's metrics in the Prometheus text format, served at `GET /metrics` on the health
//! endpoint (`HEALTH_ADDR`, 127.0.0.1:9464 by default): one HTTP server for both.
//!
//! - The Temporal SDK's own metrics (`temporal_*`: workflow and activity task counts and
//!   latencies, poller counts, task slots, sticky cache, request counts and failures to the
//!   server, ...). The SDK records them through its `CoreMeter` interface; [`Metrics`] is
//!   that meter (the SDK's bundled Prometheus exporter wants a server of its own on another
//!   port), given to the worker's runtime and to its client connection ([`Metrics::client_meter`]).
//!   Durations are in milliseconds with the SDK's default buckets, as its own exporter
//!   writes them.
//! - The circuit breakers, from their snapshots at scrape time (`crate::breaker`):
//!   `sagaway_breaker_state{service,state}` (1 for the state the breaker is in, 0 for the
//!   other two), `sagaway_breaker_open{service}` (1 while open or half-open),
//!   `sagaway_breaker_consecutive_failures`, and the counters `sagaway_breaker_calls_passed_total`,
//!   `sagaway_breaker_calls_rejected_total`, `sagaway_breaker_failures_total`,
//!   `sagaway_breaker_opened_total`.

use crate::breaker::Snapshot;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use temporalio_common::telemetry::TaskQueueLabelStrategy;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, CounterBase, Gauge, GaugeBase, GaugeF64, GaugeF64Base, Histogram,
    HistogramBase, HistogramDuration, HistogramDurationBase, HistogramF64, HistogramF64Base,
    MetricAttributable, MetricAttributes, MetricKeyValue, MetricParameters, NewAttributes,
    OrderedPromLabelSet, TemporalMeter, UpDownCounter, UpDownCounterBase, default_buckets_for,
};

/// The prefix the SDK gives its metrics.
pub const TEMPORAL_PREFIX: &str = "temporal_";

type Labels = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

#[derive(Debug, Default)]
struct Hist {
    /// Observations at or below each bound (not cumulative; summed when written).
    counts: Vec<u64>,
    count: u64,
    sum: f64,
}

#[derive(Debug)]
enum Value {
    /// Counters and u64 gauges.
    Int(AtomicU64),
    /// Up-down counters.
    Signed(AtomicI64),
    /// f64 gauges (the bits of the f64).
    Float(AtomicU64),
    Hist(Mutex<Hist>),
}

#[derive(Debug)]
struct Family {
    help: String,
    kind: Kind,
    /// Upper bounds of a histogram's buckets.
    bounds: Vec<f64>,
    series: BTreeMap<Labels, Arc<Value>>,
}

#[derive(Debug, Default)]
struct Registry {
    families: Mutex<BTreeMap<String, Family>>,
}

impl Registry {
    fn families(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Family>> {
        // A poisoned lock only means a panic elsewhere; the values are still usable.
        self.families.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn declare(&self, name: &str, help: &str, kind: Kind, bounds: Vec<f64>) {
        self.families()
            .entry(name.to_string())
            .or_insert_with(|| Family {
                help: help.to_string(),
                kind,
                bounds,
                series: BTreeMap::new(),
            });
    }

    /// The value of one series, created on first use.
    fn series(&self, name: &str, labels: Labels, make: impl FnOnce(usize) -> Value) -> Arc<Value> {
        let mut families = self.families();
        let Some(family) = families.get_mut(name) else {
            // Declared before any series is asked for; a stray value goes nowhere.
            return Arc::new(make(0));
        };
        let buckets = family.bounds.len();
        family
            .series
            .entry(labels)
            .or_insert_with(|| Arc::new(make(buckets)))
            .clone()
    }
}

/// The Temporal SDK's meter, and the place its metrics are read from.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Put before every metric name (the client connection's meter gets the SDK's prefix).
    prefix: &'static str,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// The meter for the worker's runtime (`TelemetryOptions::metrics`); the runtime adds the
    /// `temporal_` prefix itself.
    pub fn core_meter(&self) -> Arc<dyn CoreMeter> {
        Arc::new(self.clone())
    }

    /// The meter for the worker's client connection (`ConnectionOptions::metrics_meter`):
    /// names with the `temporal_` prefix and the `service_name` label, as the runtime's.
    pub fn client_meter(&self) -> TemporalMeter {
        let prefixed = Self {
            registry: self.registry.clone(),
            prefix: TEMPORAL_PREFIX,
        };
        TemporalMeter::new(
            Arc::new(prefixed),
            NewAttributes::new(vec![MetricKeyValue::new(
                "service_name",
                "temporal-core-sdk",
            )]),
            TaskQueueLabelStrategy::UseNormal,
        )
    }

    fn name(&self, params: &MetricParameters) -> String {
        sanitize(&format!("{}{}", self.prefix, params.name))
    }

    fn instrument(&self, params: &MetricParameters, kind: Kind) -> Instrument {
        let name = self.name(params);
        let bounds = match kind {
            Kind::Histogram => {
                let bare = name.strip_prefix(TEMPORAL_PREFIX).unwrap_or(&name);
                default_buckets_for(bare, false).to_vec()
            }
            _ => Vec::new(),
        };
        let mut help = params.description.to_string();
        if !params.unit.is_empty() {
            help = format!("{help} ({})", params.unit).trim().to_string();
        }
        self.registry.declare(&name, &help, kind, bounds);
        Instrument {
            registry: self.registry.clone(),
            name,
        }
    }

    /// Every metric in the Prometheus text format (version 0.0.4), the SDK's then the
    /// breakers'.
    pub fn render(&self, breakers: &[Snapshot]) -> String {
        let mut out = String::new();
        for (name, family) in self.registry.families().iter() {
            if family.series.is_empty() {
                continue;
            }
            let kind = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram => "histogram",
            };
            if !family.help.is_empty() {
                let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
            }
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in &family.series {
                write_series(&mut out, name, labels, &family.bounds, value);
            }
        }
        render_breakers(&mut out, breakers);
        out
    }
}

fn write_series(out: &mut String, name: &str, labels: &Labels, bounds: &[f64], value: &Value) {
    match value {
        Value::Int(v) => {
            let _ = writeln!(
                out,
                "{name}{} {}",
                label_text(labels, None),
                v.load(Ordering::Relaxed)
            );
        }
        Value::Signed(v) => {
            let _ = writeln!(
                out,
                "{name}{} {}",
                label_text(labels, None),
                v.load(Ordering::Relaxed)
            );
        }
        Value::Float(v) => {
            let f = f64::from_bits(v.load(Ordering::Relaxed));
            let _ = writeln!(out, "{name}{} {}", label_text(labels, None), number(f));
        }
        Value::Hist(h) => {
            let h = h.lock().unwrap_or_else(|e| e.into_inner());
            let mut cumulative = 0;
            for (bound, count) in bounds.iter().zip(&h.counts) {
                cumulative += count;
                let le = number(*bound);
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {cumulative}",
                    label_text(labels, Some(&le))
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{} {}",
                label_text(labels, Some("+Inf")),
                h.count
            );
            let _ = writeln!(
                out,
                "{name}_sum{} {}",
                label_text(labels, None),
                number(h.sum)
            );
            let _ = writeln!(out, "{name}_count{} {}", label_text(labels, None), h.count);
        }
    }
}

fn render_breakers(out: &mut String, breakers: &[Snapshot]) {
    let gauge =
        |out: &mut String, name: &str, kind: &str, help: &str, rows: Vec<(Labels, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{} {value}", label_text(&labels, None));
            }
        };
    let service = |s: &Snapshot| vec![("service".to_string(), s.service.clone())];
    gauge(
        out,
        "sagaway_breaker_state",
        "gauge",
        "1 for the state each service's circuit breaker is in (closed, open, half_open), 0 for the others",
        breakers
            .iter()
            .flat_map(|s| {
                ["closed", "open", "half_open"].map(|state| {
                    let mut labels = service(s);
                    labels.push(("state".to_string(), state.to_string()));
                    (labels, u8::from(s.state == state).to_string())
                })
            })
            .collect(),
    );
    gauge(
        out,
        "sagaway_breaker_open",
        "gauge",
        "1 while the service's circuit breaker is open or half-open (calls fail fast), else 0",
        breakers
            .iter()
            .map(|s| (service(s), u8::from(s.state != "closed").to_string()))
            .collect(),
    );
    gauge(
        out,
        "sagaway_breaker_consecutive_failures",
        "gauge",
        "Consecutive failed calls counting towards opening the breaker",
        breakers
            .iter()
            .map(|s| (service(s), s.consecutive_failures.to_string()))
            .collect(),
    );
    for (name, help, value) in [
        (
            "sagaway_breaker_calls_passed_total",
            "Calls the breaker let through to the service",
            (|s: &Snapshot| s.passed) as fn(&Snapshot) -> u64,
        ),
        (
            "sagaway_breaker_calls_rejected_total",
            "Calls refused while the breaker was open (they never reached the service)",
            |s| s.rejected,
        ),
        (
            "sagaway_breaker_failures_total",
            "Calls that failed in transport or with a 5xx",
            |s| s.failures,
        ),
        (
            "sagaway_breaker_opened_total",
            "Times the breaker opened",
            |s| s.times_opened,
        ),
    ] {
        gauge(
            out,
            name,
            "counter",
            help,
            breakers
                .iter()
                .map(|s| (service(s), value(s).to_string()))
                .collect(),
        );
    }
}

/// A metric name as Prometheus accepts it (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(f: f64) -> String {
    if f.is_infinite() {
        if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if f.is_nan() {
        "NaN".into()
    } else {
        format!("{f}")
    }
}

fn label_text(labels: &Labels, le: Option<&str>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", sanitize(k), escape_value(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn labels_of(attributes: &MetricAttributes) -> Labels {
    match attributes {
        MetricAttributes::Prometheus { labels } => {
            let map = labels.as_prom_labels();
            labels
                .keys_ordered()
                .map(|k| (k.to_string(), map.get(k).cloned().unwrap_or_default()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// One named metric; bound to a label set it becomes one series.
struct Instrument {
    registry: Arc<Registry>,
    name: String,
}

impl Instrument {
    fn bind(&self, attributes: &MetricAttributes, make: impl FnOnce(usize) -> Value) -> Arc<Value> {
        self.registry
            .series(&self.name, labels_of(attributes), make)
    }
}

/// A bound series.
struct Series(Arc<Value>);

impl Series {
    fn add(&self, delta: u64) {
        if let Value::Int(v) = &*self.0 {
            v.fetch_add(delta, Ordering::Relaxed);
        }
    }
    fn add_signed(&self, delta: i64) {
        if let Value::Signed(v) = &*self.0 {
            v.fetch_add(delta, Ordering::Relaxed);
        }
    }
    fn set(&self, value: u64) {
        if let Value::Int(v) = &*self.0 {
            v.store(value, Ordering::Relaxed);
        }
    }
    fn set_f64(&self, value: f64) {
        if let Value::Float(v) = &*self.0 {
            v.store(value.to_bits(), Ordering::Relaxed);
        }
    }
    fn observe(&self, bounds_of: &[f64], value: f64) {
        if let Value::Hist(h) = &*self.0 {
            let mut h = h.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = bounds_of.iter().position(|b| value <= *b)
                && let Some(c) = h.counts.get_mut(i)
            {
                *c += 1;
            }
            h.count += 1;
            h.sum += value;
        }
    }
}

fn int(_: usize) -> Value {
    Value::Int(AtomicU64::new(0))
}

fn hist(buckets: usize) -> Value {
    Value::Hist(Mutex::new(Hist {
        counts: vec![0; buckets],
        ..Hist::default()
    }))
}

/// A histogram's series with its bucket bounds.
struct HistSeries(Series, Vec<f64>);

impl Instrument {
    fn bounds(&self) -> Vec<f64> {
        self.registry
            .families()
            .get(&self.name)
            .map(|f| f.bounds.clone())
            .unwrap_or_default()
    }
}

type BoxErr = Box<dyn std::error::Error>;

impl MetricAttributable<Box<dyn CounterBase>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn CounterBase>, BoxErr> {
        Ok(Box::new(Series(self.bind(a, int))))
    }
}
impl CounterBase for Series {
    fn adds(&self, value: u64) {
        self.add(value)
    }
}

impl MetricAttributable<Box<dyn GaugeBase>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn GaugeBase>, BoxErr> {
        Ok(Box::new(Series(self.bind(a, int))))
    }
}
impl GaugeBase for Series {
    fn records(&self, value: u64) {
        self.set(value)
    }
}

impl MetricAttributable<Box<dyn GaugeF64Base>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn GaugeF64Base>, BoxErr> {
        Ok(Box::new(Series(
            self.bind(a, |_| Value::Float(AtomicU64::new(0))),
        )))
    }
}
impl GaugeF64Base for Series {
    fn records(&self, value: f64) {
        self.set_f64(value)
    }
}

impl MetricAttributable<Box<dyn UpDownCounterBase>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn UpDownCounterBase>, BoxErr> {
        Ok(Box::new(Series(
            self.bind(a, |_| Value::Signed(AtomicI64::new(0))),
        )))
    }
}
impl UpDownCounterBase for Series {
    fn adds(&self, value: i64) {
        self.add_signed(value)
    }
}

impl MetricAttributable<Box<dyn HistogramBase>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn HistogramBase>, BoxErr> {
        Ok(Box::new(HistSeries(
            Series(self.bind(a, hist)),
            self.bounds(),
        )))
    }
}
impl HistogramBase for HistSeries {
    fn records(&self, value: u64) {
        self.0.observe(&self.1, value as f64)
    }
}

impl MetricAttributable<Box<dyn HistogramF64Base>> for Instrument {
    fn with_attributes(&self, a: &MetricAttributes) -> Result<Box<dyn HistogramF64Base>, BoxErr> {
        Ok(Box::new(HistSeries(
            Series(self.bind(a, hist)),
            self.bounds(),
        )))
    }
}
impl HistogramF64Base for HistSeries {
    fn records(&self, value: f64) {
        self.0.observe(&self.1, value)
    }
}

impl MetricAttributable<Box<dyn HistogramDurationBase>> for Instrument {
    fn with_attributes(
        &self,
        a: &MetricAttributes,
    ) -> Result<Box<dyn HistogramDurationBase>, BoxErr> {
        Ok(Box::new(HistSeries(
            Series(self.bind(a, hist)),
            self.bounds(),
        )))
    }
}
impl HistogramDurationBase for HistSeries {
    fn records(&self, value: Duration) {
        self.0.observe(&self.1, value.as_secs_f64() * 1000.0)
    }
}

impl CoreMeter for Metrics {
    fn new_attributes(&self, attribs: NewAttributes) -> MetricAttributes {
        MetricAttributes::Prometheus {
            labels: Arc::new(OrderedPromLabelSet::from(attribs)),
        }
    }

    fn extend_attributes(
        &self,
        existing: MetricAttributes,
        attribs: NewAttributes,
    ) -> MetricAttributes {
        let mut labels = match existing {
            MetricAttributes::Prometheus { labels } => (*labels).clone(),
            _ => OrderedPromLabelSet::new(),
        };
        for kv in attribs.attributes {
            labels.add_kv(kv);
        }
        MetricAttributes::Prometheus {
            labels: Arc::new(labels),
        }
    }

    fn counter(&self, params: MetricParameters) -> Counter {
        Counter::new(Arc::new(self.instrument(&params, Kind::Counter)))
    }

    fn histogram(&self, params: MetricParameters) -> Histogram {
        Histogram::new(Arc::new(self.instrument(&params, Kind::Histogram)))
    }

    fn histogram_f64(&self, params: MetricParameters) -> HistogramF64 {
        HistogramF64::new(Arc::new(self.instrument(&params, Kind::Histogram)))
    }

    fn histogram_duration(&self, mut params: MetricParameters) -> HistogramDuration {
        params.unit = "ms".into();
        HistogramDuration::new(Arc::new(self.instrument(&params, Kind::Histogram)))
    }

    fn gauge(&self, params: MetricParameters) -> Gauge {
        Gauge::new(Arc::new(self.instrument(&params, Kind::Gauge)))
    }

    fn gauge_f64(&self, params: MetricParameters) -> GaugeF64 {
        GaugeF64::new(Arc::new(self.instrument(&params, Kind::Gauge)))
    }

    fn up_down_counter(&self, params: MetricParameters) -> UpDownCounter {
        UpDownCounter::new(Arc::new(self.instrument(&params, Kind::Gauge)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::Breaker;

    #[test]
    fn instruments_render_in_the_prometheus_text_format() {
        let m = Metrics::new();
        let meter = m.client_meter();
        let attrs = meter.new_attributes(NewAttributes::new(vec![MetricKeyValue::new(
            "task-queue",
            "q\"1",
        )]));
        let c = meter.counter("request".into());
        c.add(2, &attrs);
        c.add(3, &attrs);
        let g = meter.gauge("num_pollers".into());
        g.record(4, &attrs);
        let h = meter.histogram_duration("request_latency".into());
        h.record(Duration::from_millis(30), &attrs);
        h.record(Duration::from_secs(100), &attrs);
        let text = m.render(&[]);
        assert!(text.contains("# TYPE temporal_request counter"), "{text}");
        assert!(
            text.contains("temporal_request{task_queue=\"q\\\"1\"} 5"),
            "{text}"
        );
        assert!(
            text.contains("temporal_num_pollers{task_queue=\"q\\\"1\"} 4"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE temporal_request_latency histogram"),
            "{text}"
        );
        assert!(
            text.contains("temporal_request_latency_bucket{task_queue=\"q\\\"1\",le=\"+Inf\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("temporal_request_latency_count{task_queue=\"q\\\"1\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("temporal_request_latency_sum{task_queue=\"q\\\"1\"} 100030"),
            "{text}"
        );
    }

    #[test]
    fn breakers_are_gauges_by_service_and_state() {
        let b = Breaker::new("payment", 1, Duration::from_secs(10));
        b.failure();
        let text = Metrics::new().render(&[b.snapshot()]);
        assert!(
            text.contains("sagaway_breaker_state{service=\"payment\",state=\"open\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("sagaway_breaker_state{service=\"payment\",state=\"closed\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("sagaway_breaker_open{service=\"payment\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("sagaway_breaker_opened_total{service=\"payment\"} 1"),
            "{text}"
        );
    }
}
