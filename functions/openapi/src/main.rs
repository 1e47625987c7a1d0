//! Writes the OpenAPI document: `gen-openapi [PATH]` (default `docs/openapi.json`).

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/openapi.json".to_string());
    let text = sagaway_openapi::document_json();
    std::fs::write(&path, &text).with_context(|| format!("writing {path}"))?;
    println!("wrote {path} ({} bytes)", text.len());
    Ok(())
}
