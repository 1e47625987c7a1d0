//! Percentiles over a function's runs, and the one figure read from `/proc`.

/// The nearest-rank percentile `p` (0 < p <= 100) of `values`: the smallest value with at
/// least p % of the values at or below it. `None` for no values or a `p` out of range.
/// Nearest rank rather than interpolation: every figure reported is one that was measured.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// What is reported of one measure over the runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Summary> {
        Some(Summary {
            p50: percentile(values, 50.0)?,
            p95: percentile(values, 95.0)?,
            max: percentile(values, 100.0)?,
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "p50": round3(self.p50), "p95": round3(self.p95), "max": round3(self.max) })
    }
}

/// Three decimals are plenty for milliseconds and megabytes, and keep the JSON readable.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The value in KiB of a `/proc/<pid>/status` field such as `VmHWM` (peak resident set).
pub fn status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let (name, rest) = line.split_once(':')?;
        if name != field {
            return None;
        }
        let mut words = rest.split_whitespace();
        let value = words.next()?.parse().ok()?;
        (words.next() == Some("kB")).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let twenty: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(percentile(&twenty, 50.0), Some(10.0));
        assert_eq!(percentile(&twenty, 95.0), Some(19.0));
        assert_eq!(percentile(&twenty, 100.0), Some(20.0));
        assert_eq!(percentile(&twenty, 1.0), Some(1.0));
        assert_eq!(percentile(&[7.5], 50.0), Some(7.5));
        assert_eq!(percentile(&[7.5], 95.0), Some(7.5));
        // Three runs: the median is the middle one, p95 the slowest.
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 95.0), Some(3.0));
    }

    #[test]
    fn no_percentile_of_nothing_or_out_of_range() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0], 0.0), None);
        assert_eq!(percentile(&[1.0], 100.5), None);
        assert_eq!(percentile(&[1.0], f64::NAN), None);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn summary_and_its_json() {
        let s = Summary::of(&[4.0, 1.23456, 2.0, 3.0]).unwrap();
        assert_eq!(
            s,
            Summary {
                p50: 2.0,
                p95: 4.0,
                max: 4.0
            }
        );
        let s = Summary::of(&[1.23456]).unwrap();
        assert_eq!(
            s.json(),
            serde_json::json!({ "p50": 1.235, "p95": 1.235, "max": 1.235 })
        );
    }

    #[test]
    fn reads_kib_fields_of_proc_status() {
        let status = "Name:\tinventory\nVmPeak:\t  712300 kB\nVmHWM:\t   11872 kB\nVmRSS:\t   11800 kB\nThreads:\t3\n";
        assert_eq!(status_kib(status, "VmHWM"), Some(11_872));
        assert_eq!(status_kib(status, "VmRSS"), Some(11_800));
        assert_eq!(status_kib(status, "VmSwap"), None);
        // A field without a kB unit is no size.
        assert_eq!(status_kib(status, "Threads"), None);
        // Only whole field names match.
        assert_eq!(status_kib("XVmHWM:\t1 kB\n", "VmHWM"), None);
        assert_eq!(status_kib("VmHWM:\tlots kB\n", "VmHWM"), None);
    }
}
