//! The command line.

use crate::functions::KNOWN;
use crate::report::Targets;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: lambda-init --bin-dir DIR [options] [FUNCTION ...]

Starts each function's binary N times as Lambda would, against a fake runtime API on
loopback, and prints init time (spawn to the first `next`), the first answer's time and peak
RSS (VmHWM) per function: p50, p95 and max, as a table and one JSON line. Exits non-zero
when a function fails to start or answer, or misses a target given below.

  --bin-dir DIR          the binaries: DIR/FUNCTION, or DIR/FUNCTION/bootstrap
  --zip-dir DIR          also report (and check) the zips DIR/FUNCTION.zip
  --runs N               cold starts per function, 1 to 1000 (default 20)
  --init-timeout-ms MS   fail a start that does not ask for an event in time (default 5000)
  --answer-timeout-ms MS fail an invocation not answered in time (default 5000)
  --json FILE            also write the JSON line to FILE
  --max-init-p50-ms MS   fail when a function's init p50 is over MS
  --max-rss-mb MB        fail when a function's peak RSS is over MB (10^6 bytes)
  --max-zip-mb MB        fail when a function's zip is over MB (10^6 bytes)

FUNCTION: inventory customer authorizer order payment notification gateway (default: all)";

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub bin_dir: PathBuf,
    pub zip_dir: Option<PathBuf>,
    pub runs: usize,
    pub init_timeout: Duration,
    pub answer_timeout: Duration,
    pub json: Option<PathBuf>,
    pub targets: Targets,
    pub functions: Vec<String>,
}

/// What the command line asks for: options, or the usage.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Options),
    Help,
}

/// Reads the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut args = args.into_iter();
    let mut bin_dir = None;
    let mut zip_dir = None;
    let mut runs = 20;
    let mut init_timeout = Duration::from_millis(5000);
    let mut answer_timeout = Duration::from_millis(5000);
    let mut json = None;
    let mut targets = Targets::default();
    let mut functions = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--bin-dir" => bin_dir = Some(PathBuf::from(value(&arg)?)),
            "--zip-dir" => zip_dir = Some(PathBuf::from(value(&arg)?)),
            "--json" => json = Some(PathBuf::from(value(&arg)?)),
            "--runs" => runs = number(&arg, &value(&arg)?, 1, 1000)?,
            "--init-timeout-ms" => {
                init_timeout = Duration::from_millis(number(&arg, &value(&arg)?, 1, 600_000)?)
            }
            "--answer-timeout-ms" => {
                answer_timeout = Duration::from_millis(number(&arg, &value(&arg)?, 1, 600_000)?)
            }
            "--max-init-p50-ms" => targets.init_p50_ms = Some(limit(&arg, &value(&arg)?)?),
            "--max-rss-mb" => targets.rss_mb = Some(limit(&arg, &value(&arg)?)?),
            "--max-zip-mb" => targets.zip_mb = Some(limit(&arg, &value(&arg)?)?),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            name if KNOWN.contains(&name) => {
                if !functions.iter().any(|f| f == name) {
                    functions.push(name.to_string());
                }
            }
            name => {
                return Err(format!(
                    "unknown function {name:?} (known: {})",
                    KNOWN.join(" ")
                ));
            }
        }
    }
    if functions.is_empty() {
        functions = KNOWN.iter().map(|f| f.to_string()).collect();
    }
    Ok(Parsed::Run(Options {
        bin_dir: bin_dir.ok_or("--bin-dir is required")?,
        zip_dir,
        runs,
        init_timeout,
        answer_timeout,
        json,
        targets,
        functions,
    }))
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    name: &str,
    value: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, not {value:?}"
        )),
    }
}

fn limit(name: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("{name} must be a positive number, not {value:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(o) => Ok(o),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_to_every_function_twenty_runs() {
        let o = run(&["--bin-dir", "target/release"]).unwrap();
        assert_eq!(o.bin_dir, PathBuf::from("target/release"));
        assert_eq!(o.runs, 20);
        assert_eq!(o.functions, KNOWN.map(String::from).to_vec());
        assert_eq!(o.init_timeout, Duration::from_secs(5));
        assert_eq!(o.targets, Targets::default());
        assert_eq!(o.zip_dir, None);
    }

    #[test]
    fn reads_every_option() {
        let o = run(&[
            "gateway",
            "--bin-dir",
            "b",
            "--zip-dir",
            "z",
            "--runs",
            "3",
            "--init-timeout-ms",
            "250",
            "--answer-timeout-ms",
            "900",
            "--json",
            "out.json",
            "--max-init-p50-ms",
            "10",
            "--max-rss-mb",
            "20",
            "--max-zip-mb",
            "5",
            "inventory",
            "gateway",
        ])
        .unwrap();
        assert_eq!(o.functions, ["gateway", "inventory"]);
        assert_eq!(o.zip_dir, Some(PathBuf::from("z")));
        assert_eq!(o.runs, 3);
        assert_eq!(o.init_timeout, Duration::from_millis(250));
        assert_eq!(o.answer_timeout, Duration::from_millis(900));
        assert_eq!(o.json, Some(PathBuf::from("out.json")));
        assert_eq!(
            o.targets,
            Targets {
                init_p50_ms: Some(10.0),
                rss_mb: Some(20.0),
                zip_mb: Some(5.0)
            }
        );
    }

    #[test]
    fn refuses_bad_arguments_by_name() {
        for (args, want) in [
            (&["inventory"][..], "--bin-dir is required"),
            (&["--bin-dir"], "--bin-dir needs a value"),
            (
                &["--bin-dir", "b", "--runs", "0"],
                "--runs must be a whole number from 1 to 1000",
            ),
            (&["--bin-dir", "b", "--runs", "1001"], "from 1 to 1000"),
            (&["--bin-dir", "b", "--runs", "many"], "not \"many\""),
            (
                &["--bin-dir", "b", "--max-rss-mb", "-1"],
                "--max-rss-mb must be a positive number",
            ),
            (
                &["--bin-dir", "b", "--max-zip-mb", "inf"],
                "--max-zip-mb must be a positive number",
            ),
            (&["--bin-dir", "b", "--fast"], "unknown option --fast"),
            (&["--bin-dir", "b", "worker"], "unknown function \"worker\""),
        ] {
            let err = run(args).unwrap_err();
            assert!(err.contains(want), "{args:?}: {err}");
        }
        assert_eq!(parse(["--help".to_string()]), Ok(Parsed::Help));
    }
}
