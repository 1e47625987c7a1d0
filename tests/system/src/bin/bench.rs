//! `make bench`: the saga's speed on the running local stack, written as a report.
//!
//! For each load level (orders in flight at once: 1, 10, 20 by default) it places a bounded
//! number of orders as one shopper and measures, per order, `POST /v1/orders` and the saga's
//! latency from just before the POST to the time the order service recorded CONFIRMED (from
//! the order's own history; the bench waits on the workflow's result, so it does not poll
//! the API while a saga runs). Per level it also reads the CPU time every process of the
//! stack used (worker, Temporal dev server, emulator, each Lambda function) and divides it by
//! the sagas completed. It adds the release init/RSS figures of `make lambda-init` and the zip
//! sizes when those exist.
//!
//! Writes `docs/bench/latest.json`, `docs/bench/latest.md` (tables) and `docs/bench/latest.svg`
//! (latency and throughput against orders in flight), and prints the tables.
//!
//! usage: `make bench` (after `make up`), or `bench [LEVEL:ORDERS ...]` with the stack's env
//! (`SAGAWAY_API_URL`, `SAGAWAY_TEMPORAL_ADDRESS`, `SAGAWAY_ADMIN_FILE`, `SAGAWAY_STACK_DIR`).
//! Bounded: at most 20 in flight, 200 orders in all, 120 s per order.

use anyhow::{Context, bail};
use reqwest::Method;
use sagaway_contract::OrderStatus;
use sagaway_worker::workflow::OrderSaga;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};
use system_tests::{Api, unique};
use temporalio_client::{Client, WorkflowGetResultOptions};

const MAX_IN_FLIGHT: usize = 20;
const MAX_ORDERS: usize = 200;
const PER_ORDER: Duration = Duration::from_secs(120);

/// One order's figures, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Sample {
    post_ms: f64,
    saga_ms: f64,
}

/// One load level's results.
struct Level {
    in_flight: usize,
    orders: usize,
    wall: Duration,
    samples: Vec<Sample>,
    /// CPU milliseconds per completed saga, by process.
    cpu_per_saga: BTreeMap<String, f64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let levels = parse_levels(std::env::args().skip(1))?;
    let api = Api::from_env();
    let admin_file = std::env::var("SAGAWAY_ADMIN_FILE")
        .context("SAGAWAY_ADMIN_FILE names make up's admin.json")?;
    let admin: Value = serde_json::from_str(
        &std::fs::read_to_string(&admin_file).with_context(|| format!("reading {admin_file}"))?,
    )?;
    let admin_token = api
        .login(
            admin["email"].as_str().unwrap_or_default(),
            admin["password"].as_str().unwrap_or_default(),
        )
        .await;
    let total: usize = levels.iter().map(|(_, n)| n).sum();
    let product = api
        .with_token(&admin_token)
        .product("bench", (total as i64 + 10) * 2)
        .await;
    let (shopper, _) = api.new_shopper("bench").await;
    let temporal = std::env::var("SAGAWAY_TEMPORAL_ADDRESS")
        .context("SAGAWAY_TEMPORAL_ADDRESS is not set: run make up first")?;
    let client = sagaway_temporal::TemporalSettings::from_vars(
        [("TEMPORAL_ADDRESS".to_string(), temporal)],
        "sagaway-bench",
    )?
    .connect()
    .await?;
    let stack_dir = PathBuf::from(
        std::env::var("SAGAWAY_STACK_DIR").unwrap_or_else(|_| ".local/stack".to_string()),
    );
    let ticks = clock_ticks();

    println!("warming up (3 orders)...");
    for _ in 0..3 {
        one(&shopper, &client, &product).await?;
    }

    let mut results = Vec::new();
    for (in_flight, orders) in levels {
        println!("{orders} orders, {in_flight} in flight...");
        let before = cpu_by_process(&stack_dir, ticks);
        let started = Instant::now();
        let samples = run_level(&shopper, &client, &product, in_flight, orders).await?;
        let wall = started.elapsed();
        let after = cpu_by_process(&stack_dir, ticks);
        let cpu_per_saga = after
            .iter()
            .map(|(name, ms)| {
                let used = ms - before.get(name).copied().unwrap_or(0.0);
                (name.clone(), used.max(0.0) / samples.len() as f64)
            })
            .collect();
        results.push(Level {
            in_flight,
            orders,
            wall,
            samples,
            cpu_per_saga,
        });
    }

    let report = report_json(&results);
    let markdown = report_markdown(&report);
    let svg = chart_svg(&results);
    let out = Path::new("docs/bench");
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    std::fs::write(out.join("latest.md"), &markdown)?;
    std::fs::write(out.join("latest.svg"), svg)?;
    println!("{markdown}");
    println!("wrote docs/bench/latest.json, latest.md, latest.svg");
    Ok(())
}

/// `LEVEL:ORDERS` arguments; 1:20 10:60 20:80 when none.
fn parse_levels(args: impl Iterator<Item = String>) -> anyhow::Result<Vec<(usize, usize)>> {
    let mut levels = Vec::new();
    for a in args {
        let (l, n) = a
            .split_once(':')
            .with_context(|| format!("{a}: expected IN_FLIGHT:ORDERS such as 10:60"))?;
        let l: usize = l.parse().with_context(|| format!("{a}: in flight"))?;
        let n: usize = n.parse().with_context(|| format!("{a}: orders"))?;
        if l == 0 || l > MAX_IN_FLIGHT || n < l {
            bail!("{a}: in flight must be 1..={MAX_IN_FLIGHT} and orders at least that");
        }
        levels.push((l, n));
    }
    if levels.is_empty() {
        levels = vec![(1, 20), (10, 60), (20, 80)];
    }
    let total: usize = levels.iter().map(|(_, n)| n).sum();
    if total > MAX_ORDERS {
        bail!("{total} orders in all; the bench places at most {MAX_ORDERS}");
    }
    Ok(levels)
}

async fn run_level(
    shopper: &Api,
    client: &Client,
    product: &str,
    in_flight: usize,
    orders: usize,
) -> anyhow::Result<Vec<Sample>> {
    let next = Arc::new(AtomicUsize::new(0));
    let lanes = (0..in_flight).map(|_| {
        let next = next.clone();
        async move {
            let mut mine = Vec::new();
            while next.fetch_add(1, Ordering::SeqCst) < orders {
                mine.push(one(shopper, client, product).await?);
            }
            Ok::<_, anyhow::Error>(mine)
        }
    });
    let mut samples = Vec::with_capacity(orders);
    for lane in futures::future::join_all(lanes).await {
        samples.extend(lane?);
    }
    Ok(samples)
}

/// Places one order and waits for its saga; the saga's latency is the order's own CONFIRMED
/// time minus the moment before the POST.
async fn one(shopper: &Api, client: &Client, product: &str) -> anyhow::Result<Sample> {
    let sent = SystemTime::now();
    let started = Instant::now();
    let r = shopper
        .with_header("idempotency-key", &unique("bench"))
        .json(
            Method::POST,
            "/v1/orders",
            &json!({ "lines": [{ "product_id": product, "quantity": 1 }], "card_number": "4242424242424242" }),
        )
        .await;
    let post_ms = ms(started.elapsed());
    if r.status != 202 {
        bail!("placing an order failed: {} {}", r.status, r.text);
    }
    let id = r.body["order_id"]
        .as_str()
        .context("202 without order_id")?
        .to_string();
    let handle = client.get_workflow_handle::<OrderSaga>(sagaway_worker::workflow_id(&id));
    let state = tokio::time::timeout(
        PER_ORDER,
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .with_context(|| format!("order {id} did not settle within {PER_ORDER:?}"))?
    .with_context(|| format!("the saga of order {id} failed"))?;
    if state.status != OrderStatus::Confirmed {
        bail!(
            "order {id} ended {}: {:?}",
            state.status,
            state.failure_reason
        );
    }
    let order = shopper.get(&format!("/v1/orders/{id}")).await;
    let confirmed_at = order.body["history"]
        .as_array()
        .and_then(|h| h.iter().find(|e| e["status"] == "CONFIRMED"))
        .and_then(|e| e["at"].as_str())
        .with_context(|| format!("order {id} has no CONFIRMED in its history: {}", order.text))?;
    let confirmed: SystemTime = chrono::DateTime::parse_from_rfc3339(confirmed_at)
        .with_context(|| format!("order {id}: time {confirmed_at}"))?
        .into();
    let saga_ms = ms(confirmed.duration_since(sent).unwrap_or_default());
    Ok(Sample { post_ms, saga_ms })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`-quantile (nearest rank) of `values`.
fn quantile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Kernel clock ticks per second (for /proc/<pid>/stat times).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU milliseconds used so far (user + system, with reaped children) by each process of the
/// stack: the worker, Temporal and the emulator from their pid files, each Lambda function
/// by `AWS_LAMBDA_FUNCTION_NAME` in its environment (the emulator runs one process per warm
/// function; a process that exits between two readings loses its share).
fn cpu_by_process(stack_dir: &Path, ticks: f64) -> BTreeMap<String, f64> {
    let mut cpu = BTreeMap::new();
    for (name, file) in [
        ("worker", "worker.pid"),
        ("temporal", "temporal.pid"),
        ("emulator", "ministack.pid"),
    ] {
        if let Some(pid) = std::fs::read_to_string(stack_dir.join(file))
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            && let Some(ms) = process_cpu_ms(pid, ticks)
        {
            cpu.insert(name.to_string(), ms);
        }
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return cpu;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let function = environ
            .split(|b| *b == 0)
            .filter_map(|kv| std::str::from_utf8(kv).ok())
            .find_map(|kv| kv.strip_prefix("AWS_LAMBDA_FUNCTION_NAME="));
        if let Some(function) = function
            && let Some(ms) = process_cpu_ms(pid, ticks)
        {
            let name = function.strip_prefix("sagaway-").unwrap_or(function);
            *cpu.entry(format!("λ {name}")).or_insert(0.0) += ms;
        }
    }
    cpu
}

fn process_cpu_ms(pid: u32, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 after the command.
    let sum: f64 = f
        .get(11..15)?
        .iter()
        .filter_map(|v| v.parse::<f64>().ok())
        .sum();
    Some(sum * 1000.0 / ticks)
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    json!({ "cpu": cpu, "cores": cores })
}

fn zip_sizes(dir: &str) -> Value {
    let mut sizes = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "zip")
                && let (Some(stem), Ok(meta)) = (path.file_stem(), e.metadata())
            {
                sizes.insert(stem.to_string_lossy().to_string(), meta.len());
            }
        }
    }
    json!(sizes)
}

fn report_json(levels: &[Level]) -> Value {
    let levels: Vec<Value> = levels
        .iter()
        .map(|l| {
            let saga: Vec<f64> = l.samples.iter().map(|s| s.saga_ms).collect();
            let post: Vec<f64> = l.samples.iter().map(|s| s.post_ms).collect();
            json!({
                "in_flight": l.in_flight,
                "orders": l.orders,
                "wall_s": l.wall.as_secs_f64(),
                "sagas_per_s": l.samples.len() as f64 / l.wall.as_secs_f64(),
                "saga_ms": { "p50": quantile(&saga, 0.5), "p95": quantile(&saga, 0.95), "max": quantile(&saga, 1.0) },
                "post_orders_ms": { "p50": quantile(&post, 0.5), "p95": quantile(&post, 0.95) },
                "cpu_ms_per_saga": l.cpu_per_saga,
            })
        })
        .collect();
    let init = std::fs::read_to_string("dist/lambda-init.json")
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .unwrap_or(Value::Null);
    json!({
        "when": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "machine": machine(),
        "build": "debug functions and worker, as make up deploys them",
        "levels": levels,
        "lambda_init": init,
        "zip_bytes": { "local (dist/lambda)": zip_sizes("dist/lambda"), "aws (dist/lambda-aws)": zip_sizes("dist/lambda-aws") },
    })
}

fn report_markdown(r: &Value) -> String {
    let mut md = String::new();
    md.push_str(&format!(
        "# Benchmark, {}\n\nMachine: {} ({} cores). {}.\n\n",
        r["when"].as_str().unwrap_or_default(),
        r["machine"]["cpu"].as_str().unwrap_or_default(),
        r["machine"]["cores"],
        r["build"].as_str().unwrap_or_default()
    ));
    md.push_str("| in flight | orders | saga p50 ms | saga p95 ms | saga max ms | sagas/s | POST /v1/orders p50 ms | p95 ms |\n|---|---|---|---|---|---|---|---|\n");
    let levels = r["levels"].as_array().cloned().unwrap_or_default();
    for l in &levels {
        md.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} |\n",
            l["in_flight"],
            l["orders"],
            l["saga_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
            l["saga_ms"]["p95"].as_f64().unwrap_or(f64::NAN),
            l["saga_ms"]["max"].as_f64().unwrap_or(f64::NAN),
            l["sagas_per_s"].as_f64().unwrap_or(f64::NAN),
            l["post_orders_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
            l["post_orders_ms"]["p95"].as_f64().unwrap_or(f64::NAN),
        ));
    }
    let mut processes: Vec<String> = levels
        .iter()
        .filter_map(|l| l["cpu_ms_per_saga"].as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    processes.sort();
    processes.dedup();
    md.push_str("\nCPU per saga (ms), by process:\n\n| process |");
    for l in &levels {
        md.push_str(&format!(" {} in flight |", l["in_flight"]));
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(levels.len()));
    md.push('\n');
    for p in &processes {
        md.push_str(&format!("| {p} |"));
        for l in &levels {
            md.push_str(&format!(
                " {:.1} |",
                l["cpu_ms_per_saga"][p].as_f64().unwrap_or(0.0)
            ));
        }
        md.push('\n');
    }
    md.push_str("| **all** |");
    for l in &levels {
        let all: f64 = l["cpu_ms_per_saga"]
            .as_object()
            .map(|o| o.values().filter_map(Value::as_f64).sum())
            .unwrap_or(0.0);
        md.push_str(&format!(" **{all:.1}** |"));
    }
    md.push('\n');
    if let Some(functions) = r["lambda_init"]["functions"].as_array() {
        md.push_str(
            "\nRelease builds on a fake Lambda runtime API (`make lambda-init`, this machine's \
             architecture):\n\n| function | init p50 ms | init p95 ms | first answer p50 ms | \
             peak RSS p50 MB | binary MB | zip MB |\n|---|---|---|---|---|---|---|\n",
        );
        for f in functions {
            let num = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
            let mb = |v: &Value| {
                v.as_f64()
                    .map_or("-".to_string(), |x| format!("{:.2}", x / 1e6))
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                f["function"].as_str().unwrap_or("?"),
                num(&f["init_ms"]["p50"]),
                num(&f["init_ms"]["p95"]),
                num(&f["first_answer_ms"]["p50"]),
                num(&f["peak_rss_mb"]["p50"]),
                mb(&f["binary_bytes"]),
                mb(&f["zip_bytes"]),
            ));
        }
    }
    md.push_str(
        "\nZip sizes (bytes):\n\n| function | local (debug) | AWS (release) |\n|---|---|---|\n",
    );
    let local = &r["zip_bytes"]["local (dist/lambda)"];
    let aws = &r["zip_bytes"]["aws (dist/lambda-aws)"];
    let mut names: Vec<String> = local
        .as_object()
        .into_iter()
        .chain(aws.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    for n in names {
        let fmt = |v: &Value| v.as_u64().map_or("-".to_string(), |b| b.to_string());
        md.push_str(&format!(
            "| {n} | {} | {} |\n",
            fmt(&local[&n]),
            fmt(&aws[&n])
        ));
    }
    md
}

/// Two panels side by side: saga latency (p50 and p95) and throughput, against orders in
/// flight.
fn chart_svg(levels: &[Level]) -> String {
    let xs: Vec<f64> = levels.iter().map(|l| l.in_flight as f64).collect();
    let p50: Vec<f64> = levels
        .iter()
        .map(|l| {
            quantile(
                &l.samples.iter().map(|s| s.saga_ms).collect::<Vec<_>>(),
                0.5,
            )
        })
        .collect();
    let p95: Vec<f64> = levels
        .iter()
        .map(|l| {
            quantile(
                &l.samples.iter().map(|s| s.saga_ms).collect::<Vec<_>>(),
                0.95,
            )
        })
        .collect();
    let tput: Vec<f64> = levels
        .iter()
        .map(|l| l.samples.len() as f64 / l.wall.as_secs_f64())
        .collect();
    let mut svg = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="820" height="320" font-family="sans-serif" font-size="12">
<rect width="820" height="320" fill="white"/>
"#,
    );
    svg.push_str(&panel(
        20.0,
        "saga latency (ms) vs orders in flight",
        &xs,
        &[("p50", "#1f77b4", &p50), ("p95", "#d62728", &p95)],
    ));
    svg.push_str(&panel(
        420.0,
        "throughput (sagas/s) vs orders in flight",
        &xs,
        &[("sagas/s", "#2ca02c", &tput)],
    ));
    svg.push_str("</svg>\n");
    svg
}

fn panel(left: f64, title: &str, xs: &[f64], series: &[(&str, &str, &Vec<f64>)]) -> String {
    let (w, h, top) = (360.0, 220.0, 50.0);
    let x_max = xs.iter().copied().fold(1.0, f64::max);
    let y_max = series
        .iter()
        .flat_map(|(_, _, ys)| ys.iter().copied())
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        * 1.15;
    let px = |x: f64| left + 40.0 + (x / x_max) * (w - 50.0);
    // Whole numbers for latencies, one decimal for small figures such as sagas/s.
    let fmt = |v: f64| {
        if y_max < 20.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        }
    };
    let py = |y: f64| top + h - (y / y_max) * h;
    let mut s = format!(
        "<text x=\"{}\" y=\"24\" font-weight=\"bold\">{title}</text>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{}\" y1=\"{top}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n",
        left + 10.0,
        left + 40.0,
        top + h,
        left + w,
        top + h,
        left + 40.0,
        left + 40.0,
        top + h
    );
    for x in xs {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x}</text>\n",
            px(*x),
            top + h + 16.0
        ));
    }
    for i in 0..=4 {
        let y = y_max * f64::from(i) / 4.0;
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left + 36.0,
            py(y) + 4.0,
            fmt(y)
        ));
    }
    for (k, (name, color, ys)) in series.iter().enumerate() {
        let points: Vec<String> = xs
            .iter()
            .zip(ys.iter())
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
            points.join(" ")
        ));
        for (x, y) in xs.iter().zip(ys.iter()) {
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{color}\">{}</text>\n",
                px(*x),
                py(*y),
                px(*x) + 5.0,
                py(*y) - 6.0,
                fmt(*y)
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{color}\">{name}</text>\n",
            left + 50.0 + 70.0 * k as f64,
            top - 8.0
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 10.0);
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert_eq!(quantile(&v, 1.0), 20.0);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn levels_are_bounded() {
        let parse = |a: &[&str]| parse_levels(a.iter().map(|s| s.to_string()));
        assert_eq!(parse(&[]).unwrap(), vec![(1, 20), (10, 60), (20, 80)]);
        assert_eq!(parse(&["5:10"]).unwrap(), vec![(5, 10)]);
        assert!(parse(&["21:40"]).is_err());
        assert!(parse(&["10:5"]).is_err());
        assert!(parse(&["20:150", "20:60"]).is_err());
        assert!(parse(&["ten"]).is_err());
    }

    #[test]
    fn process_cpu_reads_this_process() {
        let ms = process_cpu_ms(std::process::id(), clock_ticks());
        assert!(ms.is_some_and(|ms| ms >= 0.0));
    }
}
