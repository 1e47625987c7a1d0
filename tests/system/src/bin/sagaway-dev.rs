//! Developer commands against the running local stack (`make up`), through the real AWS SDK:
//!
//! - `sagaway-dev update-code FUNCTION ZIP`: replaces a deployed function's code (the data in
//!   the emulator stays), used by `make redeploy FN=<name>`.
//! - `sagaway-dev logs LOG_GROUP [--follow]`: prints a log group's events (CloudWatch Logs in the
//!   emulator), and with `--follow` keeps printing new ones until interrupted; used by
//!   `make logs FN=<name>`.
//!
//! Reads `AWS_ENDPOINT_URL` (the emulator); refuses any endpoint that is not on loopback.

use anyhow::{Context, bail};
use std::time::Duration;

async fn sdk() -> anyhow::Result<aws_config::SdkConfig> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL is not set: run this through make redeploy / make logs")?;
    let local = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
    if !local.iter().any(|p| endpoint.starts_with(p)) {
        bail!("{endpoint} is not a local emulator; these commands only touch the local stack");
    }
    Ok(sagaway_shared::aws::loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "sagaway-dev",
        ))
        .load()
        .await)
}

async fn update_code(function: &str, zip: &str) -> anyhow::Result<()> {
    let bytes = std::fs::read(zip).with_context(|| format!("reading {zip}"))?;
    let lambda = aws_sdk_lambda::Client::new(&sdk().await?);
    lambda
        .update_function_code()
        .function_name(function)
        .zip_file(aws_sdk_lambda::primitives::Blob::new(bytes))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_lambda::error::DisplayErrorContext(&e)))
        .with_context(|| format!("updating the code of {function}"))?;
    // Wait until the new code is live (the emulator is immediate; AWS takes a moment).
    for _ in 0..60 {
        let cfg = lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", aws_sdk_lambda::error::DisplayErrorContext(&e)))?;
        match cfg.last_update_status().map(|s| s.as_str()) {
            None | Some("Successful") => {
                println!("    {function}: new code is live");
                return Ok(());
            }
            Some("Failed") => bail!(
                "{function}: the update failed: {}",
                cfg.last_update_status_reason().unwrap_or("no reason given")
            ),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    bail!("{function}: the update did not finish within 30 s")
}

async fn logs(group: &str, follow: bool) -> anyhow::Result<()> {
    let cw = aws_sdk_cloudwatchlogs::Client::new(&sdk().await?);
    let mut since: Option<i64> = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        let events = system_tests::log_events(&cw, group, since)
            .await
            .map_err(anyhow::Error::msg)?;
        for e in &events {
            // Not every emulator gives event ids: the time and text identify an event then.
            let id = match e.event_id() {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => format!(
                    "{}:{:?}:{}",
                    e.log_stream_name().unwrap_or_default(),
                    e.timestamp(),
                    e.message().unwrap_or_default()
                ),
            };
            if !seen.insert(id) {
                continue;
            }
            since = since.max(e.timestamp());
            println!("{}", e.message().unwrap_or_default().trim_end());
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["update-code", function, zip] => update_code(function, zip).await,
        ["logs", group] => logs(group, false).await,
        ["logs", group, "--follow"] => logs(group, true).await,
        _ => bail!(
            "usage: sagaway-dev update-code FUNCTION ZIP | sagaway-dev logs LOG_GROUP [--follow]"
        ),
    }
}
