//! `lambda-init`: init time, first answer and peak RSS of each function on a fake Lambda
//! runtime API. `lambda-init --help` says how; `make lambda-init` runs it on the release zips.

use lambda_init::cli::{self, Options, Parsed};
use lambda_init::functions;
use lambda_init::probe::{self, Limits};
use lambda_init::report::{self, FunctionReport};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(o: &Options) -> Result<(), String> {
    let limits = Limits {
        init: o.init_timeout,
        answer: o.answer_timeout,
    };
    println!(
        "lambda-init: {} cold starts per function, binaries in {}",
        o.runs,
        o.bin_dir.display()
    );
    let mut reports = Vec::new();
    for name in &o.functions {
        let bin = binary(&o.bin_dir, name)?;
        let binary_bytes = size(&bin)?;
        let zip_bytes = match &o.zip_dir {
            Some(dir) => Some(size(&dir.join(format!("{name}.zip")))?),
            None => None,
        };
        let mut samples = Vec::with_capacity(o.runs);
        for run in 1..=o.runs {
            let sample = probe::probe(&bin, name, run, limits)
                .map_err(|e| format!("{name}, run {run} of {}: {e}", o.runs))?;
            samples.push(sample);
        }
        let asks = functions::function(name, "http://127.0.0.1:9").map_or("", |f| f.asks);
        reports.push(
            FunctionReport::new(name, asks, binary_bytes, zip_bytes, &samples)
                .ok_or_else(|| format!("{name}: no runs"))?,
        );
    }
    print!("{}", report::table(&reports));
    let line = report::json_line(o.runs, report::machine(), &reports);
    println!("{line}");
    if let Some(path) = &o.json {
        std::fs::write(path, format!("{line}\n"))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let misses = o.targets.misses(&reports);
    if !misses.is_empty() {
        return Err(format!("targets missed:\n  {}", misses.join("\n  ")));
    }
    Ok(())
}

/// `DIR/NAME` (cargo's output), or `DIR/NAME/bootstrap` (cargo-lambda's).
fn binary(dir: &Path, name: &str) -> Result<PathBuf, String> {
    [dir.join(name), dir.join(name).join("bootstrap")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no binary for {name} in {} (looked for {name} and {name}/bootstrap); build the release binaries first",
                dir.display()
            )
        })
}

fn size(path: &Path) -> Result<u64, String> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
