//! A fake Lambda runtime API on a loopback port, for one cold start: the first
//! `GET /2018-06-01/runtime/invocation/next` gets the event, later ones are held open (as
//! Lambda holds them while no event is waiting), and every call is reported, with the moment
//! it arrived, on a channel.

use crate::http::{self, Request};
use std::io::{self, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

/// How long an idle connection is kept: a bound on the threads left behind by a client
/// that neither closes nor sends.
const IDLE: Duration = Duration::from_secs(60);

/// A call the function made.
#[derive(Debug)]
pub enum Call {
    /// `GET .../invocation/next`; `first` is the one that got the event.
    Next { at: Instant, first: bool },
    /// `POST .../invocation/{id}/response`.
    Response {
        at: Instant,
        id: String,
        body: Vec<u8>,
    },
    /// `POST .../invocation/{id}/error`.
    InvocationError { id: String, body: Vec<u8> },
    /// `POST .../init/error`.
    InitError { body: Vec<u8> },
    /// Anything else (answered 404).
    Unexpected { method: String, path: String },
    /// A request that could not be read or answered.
    Broken(String),
}

/// The invocation handed out.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub function_arn: String,
    pub event: Vec<u8>,
}

/// The server; it stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    calls: Receiver<Call>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    invocation: Invocation,
    handed_out: AtomicBool,
    calls: Mutex<Sender<Call>>,
}

impl Shared {
    fn report(&self, call: Call) {
        if let Ok(tx) = self.calls.lock() {
            // The receiver is gone only once the run is over.
            let _ = tx.send(call);
        }
    }
}

impl RuntimeApi {
    /// Listens on a fresh loopback port (so no connection from an earlier run can reach it).
    pub fn start(invocation: Invocation) -> io::Result<RuntimeApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            invocation,
            handed_out: AtomicBool::new(false),
            calls: Mutex::new(tx),
        });
        let accept = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("runtime-api".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let shared = shared.clone();
                        // Each connection on its own thread: a held `next` blocks only its own.
                        let _ = std::thread::Builder::new()
                            .name("runtime-api-conn".into())
                            .spawn(move || serve(stream, &shared));
                    }
                })?
        };
        Ok(RuntimeApi {
            addr,
            calls: rx,
            stop,
            accept: Some(accept),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next call, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Call, RecvTimeoutError> {
        self.calls.recv_timeout(timeout)
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(mut writer) = stream.try_clone() else {
        shared.report(Call::Broken("cannot clone a connection".into()));
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(http::HttpError::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ) =>
            {
                // The function was stopped at the end of the run.
                return;
            }
            Err(e) => {
                shared.report(Call::Broken(e.to_string()));
                return;
            }
        };
        let at = Instant::now();
        let written = match route(&request, at, shared) {
            Reply::Event => {
                let inv = &shared.invocation;
                let deadline = SystemTime::now()
                    .checked_add(Duration::from_secs(900))
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_millis())
                    .to_string();
                http::write_response(
                    &mut writer,
                    200,
                    "OK",
                    &[
                        ("content-type", "application/json"),
                        ("lambda-runtime-aws-request-id", &inv.request_id),
                        ("lambda-runtime-deadline-ms", &deadline),
                        ("lambda-runtime-invoked-function-arn", &inv.function_arn),
                        (
                            "lambda-runtime-trace-id",
                            "Root=1-00000000-000000000000000000000000;Sampled=0",
                        ),
                    ],
                    &inv.event,
                )
            }
            Reply::Hold => {
                // No event will come: wait for the function to be stopped (end of input).
                let _ = reader.read_to_end(&mut Vec::new());
                return;
            }
            Reply::Accepted => http::write_response(
                &mut writer,
                202,
                "Accepted",
                &[("content-type", "application/json")],
                br#"{"status":"OK"}"#,
            ),
            Reply::NotFound => http::write_response(
                &mut writer,
                404,
                "Not Found",
                &[("content-type", "application/json")],
                br#"{"errorMessage":"not a runtime API route","errorType":"NotFound"}"#,
            ),
        };
        if let Err(e) = written {
            shared.report(Call::Broken(format!("answering the function failed: {e}")));
            return;
        }
    }
}

enum Reply {
    Event,
    Hold,
    Accepted,
    NotFound,
}

/// Reports the call and says how to answer it.
fn route(request: &Request, at: Instant, shared: &Shared) -> Reply {
    let path = request.path.split('?').next().unwrap_or_default();
    let method = request.method.as_str();
    if method == "GET" && path == NEXT {
        let first = !shared.handed_out.swap(true, Ordering::SeqCst);
        shared.report(Call::Next { at, first });
        return if first { Reply::Event } else { Reply::Hold };
    }
    if method == "POST" && path == INIT_ERROR {
        shared.report(Call::InitError {
            body: request.body.clone(),
        });
        return Reply::Accepted;
    }
    if method == "POST"
        && let Some(rest) = path.strip_prefix(INVOCATION)
        && let Some((id, what)) = rest.split_once('/')
    {
        let id = id.to_string();
        let body = request.body.clone();
        match what {
            "response" => {
                shared.report(Call::Response { at, id, body });
                return Reply::Accepted;
            }
            "error" => {
                shared.report(Call::InvocationError { id, body });
                return Reply::Accepted;
            }
            _ => {}
        }
    }
    shared.report(Call::Unexpected {
        method: method.to_string(),
        path: request.path.clone(),
    });
    Reply::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, Write};

    fn api() -> RuntimeApi {
        RuntimeApi::start(Invocation {
            request_id: "r-1".into(),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
            event: br#"{"hello":"world"}"#.to_vec(),
        })
        .unwrap()
    }

    /// Sends `raw` and reads one response head and body.
    fn exchange(conn: &mut BufReader<TcpStream>, raw: &str) -> (String, Vec<String>, String) {
        conn.get_mut().write_all(raw.as_bytes()).unwrap();
        let mut status = String::new();
        conn.read_line(&mut status).unwrap();
        let mut headers = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            conn.read_line(&mut line).unwrap();
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("content-length: ") {
                length = n.parse().unwrap();
            }
            headers.push(line);
        }
        let mut body = vec![0; length];
        conn.read_exact(&mut body).unwrap();
        (
            status.trim_end().into(),
            headers,
            String::from_utf8(body).unwrap(),
        )
    }

    fn connect(api: &RuntimeApi) -> BufReader<TcpStream> {
        let s = TcpStream::connect(api.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        BufReader::new(s)
    }

    fn call(api: &RuntimeApi) -> Call {
        api.recv_timeout(Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn hands_out_the_event_once_and_records_the_answer() {
        let api = api();
        let mut conn = connect(&api);
        let (status, headers, body) = exchange(
            &mut conn,
            &format!("GET {NEXT} HTTP/1.1\r\nhost: x\r\n\r\n"),
        );
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(body, r#"{"hello":"world"}"#);
        assert!(
            headers.contains(&"lambda-runtime-aws-request-id: r-1".to_string()),
            "{headers:?}"
        );
        assert!(
            headers
                .iter()
                .any(|h| h.starts_with("lambda-runtime-deadline-ms: "))
        );
        assert!(
            headers
                .iter()
                .any(|h| h.starts_with("lambda-runtime-invoked-function-arn: arn:aws:lambda:"))
        );
        assert!(matches!(call(&api), Call::Next { first: true, .. }));

        let answer = r#"{"statusCode":200}"#;
        let (status, _, _) = exchange(
            &mut conn,
            &format!(
                "POST {INVOCATION}r-1/response HTTP/1.1\r\ncontent-length: {}\r\n\r\n{answer}",
                answer.len()
            ),
        );
        assert_eq!(status, "HTTP/1.1 202 Accepted");
        match call(&api) {
            Call::Response { id, body, .. } => {
                assert_eq!(id, "r-1");
                assert_eq!(body, answer.as_bytes());
            }
            other => panic!("{other:?}"),
        }

        // The second `next` is reported and held: no answer comes.
        conn.get_mut()
            .write_all(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        assert!(matches!(call(&api), Call::Next { first: false, .. }));
        conn.get_mut()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut byte = [0; 1];
        assert!(conn.read(&mut byte).is_err(), "a held next got an answer");
    }

    #[test]
    fn reports_errors_and_strangers() {
        let api = api();
        let mut conn = connect(&api);
        let (status, _, _) = exchange(
            &mut conn,
            "POST /2018-06-01/runtime/init/error HTTP/1.1\r\ncontent-length: 4\r\n\r\nboom",
        );
        assert_eq!(status, "HTTP/1.1 202 Accepted");
        assert!(matches!(call(&api), Call::InitError { body } if body == b"boom"));

        exchange(
            &mut conn,
            &format!("POST {INVOCATION}r-1/error HTTP/1.1\r\ncontent-length: 2\r\n\r\n{{}}"),
        );
        assert!(matches!(call(&api), Call::InvocationError { id, .. } if id == "r-1"));

        let (status, _, _) = exchange(
            &mut conn,
            "GET /2020-01-01/extension/event/next HTTP/1.1\r\n\r\n",
        );
        assert_eq!(status, "HTTP/1.1 404 Not Found");
        assert!(
            matches!(call(&api), Call::Unexpected { path, .. } if path == "/2020-01-01/extension/event/next")
        );

        conn.get_mut().write_all(b"NONSENSE\r\n\r\n").unwrap();
        assert!(matches!(call(&api), Call::Broken(e) if e.contains("malformed request line")));
    }
}
