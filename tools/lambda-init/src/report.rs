//! The results per function: a table for people, one JSON line for tools, and the check
//! against the targets given on the command line.

use crate::probe::Sample;
use crate::stats::Summary;
use serde_json::{Value, json};

const MB: f64 = 1_000_000.0;

/// One function's runs.
#[derive(Debug, Clone)]
pub struct FunctionReport {
    pub name: String,
    pub asks: String,
    pub binary_bytes: u64,
    pub zip_bytes: Option<u64>,
    pub init_ms: Summary,
    pub answer_ms: Summary,
    /// Peak RSS in MB (10^6 bytes).
    pub peak_rss_mb: Summary,
}

impl FunctionReport {
    /// `None` for no samples.
    pub fn new(
        name: &str,
        asks: &str,
        binary_bytes: u64,
        zip_bytes: Option<u64>,
        samples: &[Sample],
    ) -> Option<FunctionReport> {
        let of = |f: fn(&Sample) -> f64| Summary::of(&samples.iter().map(f).collect::<Vec<_>>());
        Some(FunctionReport {
            name: name.to_string(),
            asks: asks.to_string(),
            binary_bytes,
            zip_bytes,
            init_ms: of(|s| s.init_ms)?,
            answer_ms: of(|s| s.answer_ms)?,
            peak_rss_mb: of(|s| s.peak_rss_kib as f64 * 1024.0 / MB)?,
        })
    }

    pub fn json(&self) -> Value {
        json!({
            "function": self.name,
            "event": self.asks,
            "binary_bytes": self.binary_bytes,
            "zip_bytes": self.zip_bytes,
            "init_ms": self.init_ms.json(),
            "first_answer_ms": self.answer_ms.json(),
            "peak_rss_mb": self.peak_rss_mb.json(),
        })
    }
}

/// Limits to hold the results to; a missing one is not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Targets {
    pub init_p50_ms: Option<f64>,
    pub rss_mb: Option<f64>,
    pub zip_mb: Option<f64>,
}

impl Targets {
    /// Every target a function misses, in words.
    pub fn misses(&self, reports: &[FunctionReport]) -> Vec<String> {
        let mut misses = Vec::new();
        for r in reports {
            if let Some(max) = self.init_p50_ms
                && r.init_ms.p50 > max
            {
                misses.push(format!(
                    "{}: init p50 {:.1} ms is over {max} ms",
                    r.name, r.init_ms.p50
                ));
            }
            if let Some(max) = self.rss_mb
                && r.peak_rss_mb.max > max
            {
                misses.push(format!(
                    "{}: peak RSS {:.1} MB is over {max} MB",
                    r.name, r.peak_rss_mb.max
                ));
            }
            if let Some(max) = self.zip_mb {
                match r.zip_bytes {
                    Some(bytes) if bytes as f64 / MB > max => misses.push(format!(
                        "{}: zip {:.2} MB is over {max} MB",
                        r.name,
                        bytes as f64 / MB
                    )),
                    Some(_) => {}
                    None => misses.push(format!("{}: no zip to check against {max} MB", r.name)),
                }
            }
        }
        misses
    }
}

/// The table printed for people.
pub fn table(reports: &[FunctionReport]) -> String {
    let mut out = format!(
        "{:<13} {:>8} {:>8} {:>9} {:>9} {:>10} {:>10} {:>9} {:>9}\n",
        "function",
        "binary",
        "zip",
        "init p50",
        "init p95",
        "answer p50",
        "answer p95",
        "RSS p50",
        "RSS max"
    );
    for r in reports {
        let zip = r
            .zip_bytes
            .map_or("-".to_string(), |b| format!("{:.2} MB", b as f64 / MB));
        out.push_str(&format!(
            "{:<13} {:>8} {:>8} {:>9} {:>9} {:>10} {:>10} {:>9} {:>9}\n",
            r.name,
            format!("{:.2} MB", r.binary_bytes as f64 / MB),
            zip,
            format!("{:.1} ms", r.init_ms.p50),
            format!("{:.1} ms", r.init_ms.p95),
            format!("{:.1} ms", r.answer_ms.p50),
            format!("{:.1} ms", r.answer_ms.p95),
            format!("{:.1} MB", r.peak_rss_mb.p50),
            format!("{:.1} MB", r.peak_rss_mb.max),
        ));
    }
    out
}

/// The JSON line: the machine, the runs, and each function.
pub fn json_line(runs: usize, machine: Value, reports: &[FunctionReport]) -> String {
    json!({
        "tool": "lambda-init",
        "runs": runs,
        "machine": machine,
        "functions": reports.iter().map(FunctionReport::json).collect::<Vec<_>>(),
    })
    .to_string()
}

/// This machine: what the figures depend on.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    json!({
        "arch": std::env::consts::ARCH,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu_model": cpu_model(&cpuinfo),
    })
}

/// The CPU's name from `/proc/cpuinfo` (`model name` on x86, `Model`/`CPU part` elsewhere).
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "CPU part"]
        .iter()
        .find_map(|field| {
            cpuinfo.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                (name.trim() == *field && !value.trim().is_empty())
                    .then(|| value.trim().to_string())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(init: &[f64]) -> Vec<Sample> {
        init.iter()
            .map(|&i| Sample {
                init_ms: i,
                answer_ms: i / 10.0,
                peak_rss_kib: 12_000,
            })
            .collect()
    }

    fn report(name: &str, init: &[f64], zip: Option<u64>) -> FunctionReport {
        FunctionReport::new(name, "GET /health", 9_000_000, zip, &samples(init)).unwrap()
    }

    #[test]
    fn summarizes_the_runs() {
        let r = report("inventory", &[5.0, 7.0, 6.0, 30.0], Some(3_900_000));
        assert_eq!(r.init_ms.p50, 6.0);
        assert_eq!(r.init_ms.p95, 30.0);
        assert_eq!(r.answer_ms.p50, 0.6);
        assert_eq!(r.peak_rss_mb.max, 12.288);
        assert!(FunctionReport::new("x", "y", 1, None, &[]).is_none());
        let j = r.json();
        assert_eq!(j["init_ms"]["p50"], 6.0);
        assert_eq!(j["zip_bytes"], 3_900_000);
        assert_eq!(j["peak_rss_mb"]["p50"], 12.288);
    }

    #[test]
    fn misses_name_the_function_and_the_figure() {
        let ok = report("inventory", &[5.0], Some(4_900_000));
        let slow = report("gateway", &[12.0], Some(5_100_000));
        let no_zip = report("order", &[5.0], None);
        let targets = Targets {
            init_p50_ms: Some(10.0),
            rss_mb: Some(20.0),
            zip_mb: Some(5.0),
        };
        assert!(targets.misses(std::slice::from_ref(&ok)).is_empty());
        let misses = targets.misses(&[ok.clone(), slow, no_zip]);
        assert_eq!(
            misses,
            [
                "gateway: init p50 12.0 ms is over 10 ms",
                "gateway: zip 5.10 MB is over 5 MB",
                "order: no zip to check against 5 MB",
            ]
        );
        let tight = Targets {
            rss_mb: Some(12.0),
            ..Targets::default()
        };
        assert_eq!(
            tight.misses(&[ok]),
            ["inventory: peak RSS 12.3 MB is over 12 MB"]
        );
        assert!(
            Targets::default()
                .misses(&[report("x", &[99.0], None)])
                .is_empty()
        );
    }

    #[test]
    fn table_and_json_line() {
        let r = report("inventory", &[5.0, 7.0], Some(3_900_000));
        let t = table(std::slice::from_ref(&r));
        let rows: Vec<&str> = t.lines().collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("function"));
        assert!(rows[1].starts_with("inventory"), "{t}");
        assert!(
            rows[1].contains("3.90 MB") && rows[1].contains("5.0 ms"),
            "{t}"
        );
        let line = json_line(2, json!({"arch": "x86_64"}), &[r]);
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["runs"], 2);
        assert_eq!(v["functions"][0]["function"], "inventory");
    }

    #[test]
    fn reads_the_cpu_model() {
        assert_eq!(
            cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n").as_deref(),
            Some("AMD EPYC 7B13")
        );
        assert_eq!(
            cpu_model("processor : 0\nCPU part : 0xd0c\n").as_deref(),
            Some("0xd0c")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
    }
}
