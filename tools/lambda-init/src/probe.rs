//! One cold start: the function's binary started as Lambda starts it, against a fresh
//! [`RuntimeApi`], timed from just before the process is spawned.
//!
//! - init: spawn to the first `next` request (what Lambda reports as Init Duration);
//! - answer: the event handed out to the answer posted (the first invocation's duration);
//! - peak RSS: `VmHWM` of `/proc/<pid>/status` once the function asks for its next event.

use crate::api::{Call, Invocation, RuntimeApi};
use crate::functions::{self, AnswerError, Function};
use crate::stats;
use std::io::{self, Read};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bounds on one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Spawn to the first `next`.
    pub init: Duration,
    /// Event handed out to the answer.
    pub answer: Duration,
}

/// What one run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub init_ms: f64,
    pub answer_ms: f64,
    pub peak_rss_kib: u64,
}

/// Why a run failed; each carries the tail of the function's output.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot serve the fake runtime API: {0}")]
    Serve(io::Error),
    #[error("cannot start {bin}: {source}")]
    Spawn { bin: PathBuf, source: io::Error },
    #[error("the function exited ({status}) before asking for an event{}", show(.log))]
    Exited { status: ExitStatus, log: String },
    #[error("the function did not ask for an event within {ms} ms{}", show(.log))]
    NoNext { ms: u128, log: String },
    #[error("the function did not answer within {ms} ms{}", show(.log))]
    NoAnswer { ms: u128, log: String },
    #[error("the function reported an init error: {body}{}", show(.log))]
    InitError { body: String, log: String },
    #[error("the function reported an invocation error: {body}{}", show(.log))]
    InvocationError { body: String, log: String },
    #[error("the function answered invocation {got:?}, not {want:?}{}", show(.log))]
    WrongInvocation {
        got: String,
        want: String,
        log: String,
    },
    #[error("{error}{}", show(.log))]
    Answer { error: AnswerError, log: String },
    #[error("the function called {method} {path}, which the runtime API does not have{}", show(.log))]
    Unexpected {
        method: String,
        path: String,
        log: String,
    },
    #[error("the fake runtime API failed: {0}")]
    Broken(String),
    #[error("cannot read the function's peak RSS: {0}")]
    Rss(String),
}

fn show(log: &str) -> String {
    if log.trim().is_empty() {
        "; it printed nothing".into()
    } else {
        format!("; the end of its output:\n{}", log.trim_end())
    }
}

/// The function's output; only the end is kept.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<u8>>>);

impl Output {
    const KEEP: usize = 4096;

    fn drain(&self, mut from: impl Read + Send + 'static) {
        let out = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut all) = out.0.lock() {
                    all.extend_from_slice(&buf[..n]);
                    let excess = all.len().saturating_sub(Self::KEEP);
                    all.drain(..excess);
                }
            }
        });
    }

    fn tail(&self) -> String {
        // Give the drain threads a moment to take in the last lines.
        std::thread::sleep(Duration::from_millis(50));
        self.0
            .lock()
            .map(|all| String::from_utf8_lossy(&all).into_owned())
            .unwrap_or_default()
    }
}

/// Kills the function whatever way the run ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An `http://` URL on a loopback port where nothing listens: whatever the function sends
/// there is refused at once.
fn nowhere() -> io::Result<String> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    Ok(format!("http://127.0.0.1:{port}"))
}

/// The environment Lambda gives every function (provided.al2023), less what no function
/// here reads, plus fake AWS credentials.
fn lambda_env(name: &str, runtime_api: &str, nowhere: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.into()),
        ("AWS_LAMBDA_FUNCTION_NAME", format!("sagaway-{name}")),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/sagaway-{name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]lambda-init".into(),
        ),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_ENDPOINT_URL", nowhere.into()),
        ("LAMBDA_TASK_ROOT", "/var/task".into()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("_HANDLER", "bootstrap".into()),
        ("TZ", ":UTC".into()),
        ("LANG", "en_US.UTF-8".into()),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin".into()),
    ]
}

/// Starts `bin` as function `name` and measures one cold start.
pub fn probe(bin: &Path, name: &str, run: usize, limits: Limits) -> Result<Sample, ProbeError> {
    let nowhere = nowhere().map_err(ProbeError::Serve)?;
    let function: Function = functions::function(name, &nowhere)
        .ok_or_else(|| ProbeError::Broken(format!("no settings for function {name}")))?;
    let request_id = format!("lambda-init-{name}-{run}");
    let api = RuntimeApi::start(Invocation {
        request_id: request_id.clone(),
        function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:sagaway-{name}"),
        event: function.event.to_string().into_bytes(),
    })
    .map_err(ProbeError::Serve)?;

    let mut command = Command::new(bin);
    // Only what Lambda would set: nothing from this shell (AWS_PROFILE, RUST_LOG, HOME...)
    // may change what the function does.
    command
        .env_clear()
        .envs(lambda_env(name, &api.addr().to_string(), &nowhere))
        .envs(function.env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = Output::default();
    let started = Instant::now();
    let mut child = Running(command.spawn().map_err(|source| ProbeError::Spawn {
        bin: bin.to_path_buf(),
        source,
    })?);
    if let Some(out) = child.0.stdout.take() {
        output.drain(out);
    }
    if let Some(err) = child.0.stderr.take() {
        output.drain(err);
    }

    // Init: up to the first `next`.
    let init_deadline = started + limits.init;
    let handed_out = {
        match next_call(&api, &mut child, init_deadline) {
            Wait::Call(Call::Next { at, first: true }) => at,
            Wait::Call(call) => return Err(failure(call, &output)),
            Wait::Exited(status) => {
                return Err(ProbeError::Exited {
                    status,
                    log: output.tail(),
                });
            }
            Wait::TimedOut => {
                return Err(ProbeError::NoNext {
                    ms: limits.init.as_millis(),
                    log: output.tail(),
                });
            }
        }
    };

    // The first invocation, up to its answer.
    let answer_deadline = handed_out + limits.answer;
    let answered = {
        match next_call(&api, &mut child, answer_deadline) {
            Wait::Call(Call::Response { at, id, body }) => {
                if id != request_id {
                    return Err(ProbeError::WrongInvocation {
                        got: id,
                        want: request_id,
                        log: output.tail(),
                    });
                }
                functions::check_answer(&body).map_err(|error| ProbeError::Answer {
                    error,
                    log: output.tail(),
                })?;
                at
            }
            Wait::Call(call) => return Err(failure(call, &output)),
            Wait::Exited(status) => {
                return Err(ProbeError::Exited {
                    status,
                    log: output.tail(),
                });
            }
            Wait::TimedOut => {
                return Err(ProbeError::NoAnswer {
                    ms: limits.answer.as_millis(),
                    log: output.tail(),
                });
            }
        }
    };

    // Peak RSS once the invocation is over: the function asks for the next event. A runtime
    // that does not ask again within the bound is read as it is.
    let settle = Instant::now() + Duration::from_secs(1);
    if let Wait::Call(
        call @ (Call::InvocationError { .. } | Call::Unexpected { .. } | Call::Broken(_)),
    ) = next_call(&api, &mut child, settle)
    {
        return Err(failure(call, &output));
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.0.id()))
        .map_err(|e| ProbeError::Rss(e.to_string()))?;
    let peak_rss_kib = stats::status_kib(&status, "VmHWM")
        .ok_or_else(|| ProbeError::Rss("no VmHWM line in /proc/<pid>/status".into()))?;

    Ok(Sample {
        init_ms: ms(handed_out - started),
        answer_ms: ms(answered - handed_out),
        peak_rss_kib,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

enum Wait {
    Call(Call),
    Exited(ExitStatus),
    TimedOut,
}

/// The next call before `deadline`, watching that the function is still running.
fn next_call(api: &RuntimeApi, child: &mut Running, deadline: Instant) -> Wait {
    // Short slices: an exit is noticed soon; the moment of a call is taken when it arrives,
    // so the slice does not change what is measured.
    const SLICE: Duration = Duration::from_millis(20);
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Wait::TimedOut;
        }
        match api.recv_timeout(SLICE.min(deadline - now)) {
            Ok(call) => return Wait::Call(call),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Wait::Call(Call::Broken("the runtime API stopped".into()));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = child.0.try_wait() {
            // A call sent just before exiting still counts.
            return match api.recv_timeout(Duration::from_millis(10)) {
                Ok(call) => Wait::Call(call),
                Err(_) => Wait::Exited(status),
            };
        }
    }
}

/// The failure a call that was not expected at this point stands for.
fn failure(call: Call, output: &Output) -> ProbeError {
    let text = |body: Vec<u8>| String::from_utf8_lossy(&body).into_owned();
    match call {
        Call::InitError { body } => ProbeError::InitError {
            body: text(body),
            log: output.tail(),
        },
        Call::InvocationError { body, .. } => ProbeError::InvocationError {
            body: text(body),
            log: output.tail(),
        },
        Call::Unexpected { method, path } => ProbeError::Unexpected {
            method,
            path,
            log: output.tail(),
        },
        Call::Broken(why) => ProbeError::Broken(why),
        Call::Next { .. } => ProbeError::Broken(
            "the function asked for a second event before answering the first".into(),
        ),
        Call::Response { id, .. } => ProbeError::Broken(format!(
            "an answer to {id} came before any event was handed out"
        )),
    }
}
