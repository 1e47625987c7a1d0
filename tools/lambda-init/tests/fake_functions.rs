//! The harness on stand-in functions: small bash scripts that speak the runtime API over
//! `/dev/tcp` (or do not), so that every way a cold start can go is checked without building
//! a real function: a good start is measured; one that never asks, exits, or answers non-2xx
//! fails, and the command exits non-zero naming the function.

use lambda_init::probe::{Limits, ProbeError, probe};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh directory of its own for each test.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lambda-init-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A runtime that takes one event and answers it with `answer`, then asks for the next.
fn answering(answer: &str) -> String {
    format!(
        r#"
exec 3<>/dev/tcp/${{AWS_LAMBDA_RUNTIME_API%:*}}/${{AWS_LAMBDA_RUNTIME_API#*:}}
printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n' >&3
id=
while IFS= read -r line <&3; do
  line=${{line%$'\r'}}
  [ -z "$line" ] && break
  case "${{line,,}}" in lambda-runtime-aws-request-id:*) id=${{line#*: }};; esac
done
body='{answer}'
printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n%s' "$id" "${{#body}}" "$body" >&3
printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n' >&3
cat <&3 >/dev/null
"#
    )
}

const LIMITS: Limits = Limits {
    init: Duration::from_millis(2000),
    answer: Duration::from_millis(2000),
};

#[test]
fn a_good_start_is_measured() {
    let dir = scratch();
    let bin = script(
        &dir,
        "inventory",
        &answering(r#"{"statusCode":200,"body":"{}"}"#),
    );
    let sample = probe(&bin, "inventory", 1, LIMITS).unwrap();
    assert!(
        sample.init_ms > 0.0 && sample.init_ms < 2000.0,
        "{sample:?}"
    );
    assert!(
        sample.answer_ms >= 0.0 && sample.answer_ms < 2000.0,
        "{sample:?}"
    );
    // bash itself takes a few MB; a zero would mean VmHWM was not read.
    assert!(sample.peak_rss_kib > 500, "{sample:?}");
}

#[test]
fn the_function_gets_lambdas_environment_and_nothing_of_ours() {
    let dir = scratch();
    let out = dir.join("env");
    let bin = script(
        &dir,
        "payment",
        &format!(
            "env > {}\n{}",
            out.display(),
            answering(r#"{"statusCode":200}"#)
        ),
    );
    // SAFETY: no other thread of this test binary reads this variable.
    unsafe { std::env::set_var("LAMBDA_INIT_TEST_LEAK", "1") };
    probe(&bin, "payment", 1, LIMITS).unwrap();
    let env = std::fs::read_to_string(out).unwrap();
    for want in [
        "AWS_LAMBDA_RUNTIME_API=127.0.0.1:",
        "AWS_LAMBDA_FUNCTION_NAME=sagaway-payment",
        "AWS_ENDPOINT_URL=http://127.0.0.1:",
        "AWS_ACCESS_KEY_ID=test",
        "TABLE_NAME=sagaway-payments",
        "METHODS_TABLE=sagaway-payment-methods",
    ] {
        assert!(
            env.lines().any(|l| l.starts_with(want)),
            "{want} not in\n{env}"
        );
    }
    assert!(!env.contains("LAMBDA_INIT_TEST_LEAK"), "{env}");
}

#[test]
fn a_function_that_never_asks_fails_within_the_bound() {
    let dir = scratch();
    let bin = script(&dir, "order", "echo starting >&2\nexec sleep 30\n");
    let limits = Limits {
        init: Duration::from_millis(300),
        ..LIMITS
    };
    let started = std::time::Instant::now();
    let err = probe(&bin, "order", 1, limits).unwrap_err();
    assert!(matches!(err, ProbeError::NoNext { ms: 300, .. }), "{err}");
    assert!(
        err.to_string().contains("starting"),
        "the output is shown: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_function_that_exits_fails_with_its_output() {
    let dir = scratch();
    let bin = script(
        &dir,
        "customer",
        "echo 'environment variable TABLE_NAME is required' >&2\nexit 3\n",
    );
    let err = probe(&bin, "customer", 1, LIMITS).unwrap_err();
    assert!(matches!(err, ProbeError::Exited { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("exit status: 3") && text.contains("TABLE_NAME is required"),
        "{text}"
    );
}

#[test]
fn a_non_2xx_answer_fails() {
    let dir = scratch();
    let bin = script(
        &dir,
        "gateway",
        &answering(r#"{"statusCode":500,"body":"{}"}"#),
    );
    let err = probe(&bin, "gateway", 1, LIMITS).unwrap_err();
    assert!(err.to_string().contains("status 500, not 2xx"), "{err}");
}

#[test]
fn an_unanswered_event_fails_within_the_bound() {
    let dir = scratch();
    let bin = script(
        &dir,
        "notification",
        "exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:}\n\
         printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\n\\r\\n' >&3\nexec sleep 30\n",
    );
    let limits = Limits {
        answer: Duration::from_millis(300),
        ..LIMITS
    };
    let err = probe(&bin, "notification", 1, limits).unwrap_err();
    assert!(matches!(err, ProbeError::NoAnswer { ms: 300, .. }), "{err}");
}

#[test]
fn the_command_exits_non_zero_naming_the_function() {
    let dir = scratch();
    script(&dir, "inventory", &answering(r#"{"statusCode":200}"#));
    script(&dir, "order", &answering(r#"{"statusCode":404}"#));
    let out = Command::new(env!("CARGO_BIN_EXE_lambda-init"))
        .args(["--bin-dir"])
        .arg(&dir)
        .args(["--runs", "2", "inventory", "order"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("order, run 1 of 2") && stderr.contains("status 404"),
        "{stderr}"
    );

    let ok = Command::new(env!("CARGO_BIN_EXE_lambda-init"))
        .args(["--bin-dir"])
        .arg(&dir)
        .args(["--runs", "3", "inventory"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let json = stdout.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["runs"], 3);
    assert_eq!(v["functions"][0]["function"], "inventory");
    assert!(v["functions"][0]["init_ms"]["p50"].as_f64().unwrap() > 0.0);

    // A target missed is a failure too.
    let strict = Command::new(env!("CARGO_BIN_EXE_lambda-init"))
        .args(["--bin-dir"])
        .arg(&dir)
        .args(["--runs", "1", "--max-rss-mb", "0.001", "inventory"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("inventory: peak RSS"), "{stderr}");
}
