//! Helpers for the system tests: a client for the deployed API, reached only through its
//! public URL (API Gateway on the local emulator), and the worker's way in: direct Lambda
//! invocation of the internal routes. The tests are `#[ignore]`d so a plain `cargo test`
//! skips them; `tests/system.sh` deploys a fresh stack and runs them.

use sagaway_invoke::InternalClient;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// The `WWW-Authenticate` header (empty when absent).
    pub www_authenticate: String,
    /// The `Retry-After` header (empty when absent).
    pub retry_after: String,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The `code` of a JSON error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// The deployed API, optionally with a bearer token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
    /// The `Authorization` header value to send, if any.
    authorization: Option<String>,
    extra_headers: Vec<(String, String)>,
}

impl Api {
    /// The API named by `SAGAWAY_API_URL` (set by `tests/system.sh`).
    pub fn from_env() -> Self {
        let base = std::env::var("SAGAWAY_API_URL").unwrap_or_else(|_| {
            panic!("SAGAWAY_API_URL is not set: run the system tests with tests/system.sh (or make test)")
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .expect("building the HTTP client");
        Self {
            base: base.trim_end_matches('/').to_string(),
            http,
            authorization: None,
            extra_headers: Vec::new(),
        }
    }

    /// The same API, sending `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Self {
        self.with_authorization(&format!("Bearer {token}"))
    }

    /// The same API with one more header on every request.
    pub fn with_header(&self, name: &str, value: &str) -> Self {
        let mut extra = self.extra_headers.clone();
        extra.push((name.to_string(), value.to_string()));
        Self {
            extra_headers: extra,
            ..self.clone()
        }
    }

    /// The bearer token this API sends, if any.
    pub fn token(&self) -> Option<String> {
        self.authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(str::to_string)
    }

    /// The same API with a raw `Authorization` header value (for malformed ones).
    pub fn with_authorization(&self, value: &str) -> Self {
        Self {
            authorization: Some(value.to_string()),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional raw body and content type.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(value) = &self.authorization {
            req = req.header("authorization", value);
        }
        for (name, value) in &self.extra_headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let resp = req.send().await.expect("the API did not answer");
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let content_type = header("content-type");
        let www_authenticate = header("www-authenticate");
        let retry_after = header("retry-after");
        let text = resp.text().await.expect("reading the response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            www_authenticate,
            retry_after,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn json(&self, method: reqwest::Method, path: &str, body: &Value) -> Reply {
        self.send(
            method,
            path,
            Some(("application/json", serde_json::to_vec(body).expect("json"))),
        )
        .await
    }

    /// Creates a product with `stock` and returns its id.
    pub async fn product(&self, prefix: &str, stock: i64) -> String {
        let id = unique(prefix);
        let r = self
            .json(
                reqwest::Method::PUT,
                &format!("/v1/products/{id}"),
                &json!({ "name": format!("Test {id}"), "price_cents": 1000, "stock": stock }),
            )
            .await;
        assert_eq!(r.status, 200, "creating product {id}: {}", r.text);
        id
    }

    /// A product's current stock.
    pub async fn stock(&self, id: &str) -> i64 {
        let r = self.get(&format!("/v1/products/{id}")).await;
        assert_eq!(r.status, 200, "reading product {id}: {}", r.text);
        r.body["stock"].as_i64().expect("stock is a number")
    }

    /// Registers a new shopper and logs in; returns the API with their token and their id.
    pub async fn new_shopper(&self, prefix: &str) -> (Api, String) {
        let email = format!("{}@example.com", unique(prefix));
        let password = "correct horse battery";
        let r = self
            .json(
                reqwest::Method::POST,
                "/v1/customers",
                &json!({ "email": email, "password": password, "name": "Test Shopper" }),
            )
            .await;
        assert_eq!(r.status, 201, "registering {email}: {}", r.text);
        let id = r.body["id"].as_str().expect("id").to_string();
        let token = self.login(&email, password).await;
        (self.with_token(&token), id)
    }

    /// Logs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .json(
                reqwest::Method::POST,
                "/v1/auth/login",
                &json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(r.status, 200, "logging in {email}: {}", r.text);
        r.body["token"]["token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

/// The local stack: the public API and the worker's direct invocations.
pub struct Stack {
    pub api: Api,
    pub internal: InternalClient,
    pub sdk: aws_config::SdkConfig,
    functions: HashMap<String, String>,
    tables: HashMap<String, String>,
}

static ADMIN: OnceCell<String> = OnceCell::const_new();

impl Stack {
    /// The stack named by `SAGAWAY_API_URL`, `SAGAWAY_AWS_ENDPOINT` and `SAGAWAY_FUNCTIONS`.
    pub async fn from_env() -> Self {
        let endpoint = std::env::var("SAGAWAY_AWS_ENDPOINT")
            .expect("SAGAWAY_AWS_ENDPOINT is not set: run tests/system.sh");
        let functions: HashMap<String, String> = serde_json::from_str(
            &std::env::var("SAGAWAY_FUNCTIONS")
                .expect("SAGAWAY_FUNCTIONS is not set: run tests/system.sh"),
        )
        .expect("SAGAWAY_FUNCTIONS is a JSON object");
        let sdk = sagaway_shared::aws::loader()
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                "test",
                "test",
                None,
                None,
                "system-tests",
            ))
            .load()
            .await;
        Self {
            api: Api::from_env(),
            internal: InternalClient::from_sdk(&sdk),
            sdk,
            functions,
            tables: std::env::var("SAGAWAY_TABLES")
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default(),
        }
    }

    /// The deployed name of a service's function.
    pub fn function(&self, service: &str) -> &str {
        self.functions
            .get(service)
            .unwrap_or_else(|| panic!("no function {service} in SAGAWAY_FUNCTIONS"))
    }

    /// Calls an internal route as the worker does.
    pub async fn internal(
        &self,
        service: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let r = self
            .internal
            .call(self.function(service), method, path, body.as_ref())
            .await
            .unwrap_or_else(|e| panic!("internal call {method} {path}: {e}"));
        let header = |name: &str| r.headers.get(name).cloned().unwrap_or_default();
        Reply {
            status: r.status,
            content_type: header("content-type"),
            www_authenticate: header("www-authenticate"),
            retry_after: header("retry-after"),
            text: r.body.to_string(),
            body: r.body,
        }
    }

    /// The item a service stored under `pk` in its own table, as JSON (strongly consistent;
    /// `Null` when there is none). What the tests check of stored state (one capture per
    /// order, a reservation kept) is read here, not through routes kept only for tests.
    pub async fn stored(&self, service: &str, pk: &str) -> Value {
        let table = self.table(service);
        let out = aws_sdk_dynamodb::Client::new(&self.sdk)
            .get_item()
            .table_name(&table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(pk.to_string()),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("reading {pk} from {table}: {e:?}"));
        out.item().map_or(Value::Null, |item| {
            Value::Object(
                item.iter()
                    .map(|(k, v)| (k.clone(), attribute_json(v)))
                    .collect(),
            )
        })
    }

    /// A service's table: from `SAGAWAY_TABLES` (Terraform's `tables` output), else the
    /// default name.
    pub fn table(&self, service: &str) -> String {
        self.tables
            .get(service)
            .cloned()
            .unwrap_or_else(|| format!("sagaway-{service}"))
    }

    /// The API with an admin's token (one admin per test binary).
    pub async fn admin(&self) -> Api {
        let token = ADMIN
            .get_or_init(|| async {
                let email = format!("{}@example.com", unique("admin"));
                let password = "admin password for tests";
                let r = self
                    .internal(
                        "customer",
                        "POST",
                        "/internal/admins",
                        Some(json!({ "email": email, "password": password, "name": "Admin" })),
                    )
                    .await;
                assert_eq!(r.status, 200, "creating an admin: {}", r.text);
                self.api.login(&email, password).await
            })
            .await;
        self.api.with_token(token)
    }

    /// Creates a product with `stock` (as an admin) and returns its id.
    pub async fn product(&self, prefix: &str, stock: i64) -> String {
        self.admin().await.product(prefix, stock).await
    }

    /// A product's current stock (public read).
    pub async fn stock(&self, id: &str) -> i64 {
        self.api.stock(id).await
    }

    /// Reserves `lines` (product id, quantity) for `order_id`, as the worker does.
    pub async fn reserve(&self, order_id: &str, lines: &[(&str, i64)]) -> Reply {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(p, q)| json!({ "product_id": p, "quantity": q }))
            .collect();
        self.internal(
            "inventory",
            "POST",
            "/internal/reservations",
            Some(json!({ "order_id": order_id, "lines": lines })),
        )
        .await
    }

    pub async fn release(&self, order_id: &str) -> Reply {
        self.internal(
            "inventory",
            "POST",
            &format!("/internal/reservations/{order_id}/release"),
            None,
        )
        .await
    }
}

/// Every event of a CloudWatch log group from `since` (epoch ms) on, all pages. The emulator
/// may hand out a next token with an empty page: an empty page ends the read.
pub async fn log_events(
    cw: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    since: Option<i64>,
) -> Result<Vec<aws_sdk_cloudwatchlogs::types::FilteredLogEvent>, String> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let out = cw
            .filter_log_events()
            .log_group_name(group)
            .set_start_time(since)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "reading the log group {group}: {}",
                    aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e)
                )
            })?;
        let page = out.events().to_vec();
        token = out.next_token().map(str::to_string);
        let last = token.is_none() || page.is_empty();
        events.extend(page);
        if last {
            return Ok(events);
        }
    }
}

/// `POST /v1/orders` with these lines and card, and an `Idempotency-Key` when given.
pub async fn place_order(api: &Api, lines: &[(&str, i64)], card: &str, key: Option<&str>) -> Reply {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({ "product_id": p, "quantity": q }))
        .collect();
    let api = match key {
        Some(k) => api.with_header("idempotency-key", k),
        None => api.clone(),
    };
    api.json(
        reqwest::Method::POST,
        "/v1/orders",
        &json!({ "lines": lines, "card_number": card }),
    )
    .await
}

/// GETs a URL outside the API (the site's files, the worker's endpoint) on loopback: status,
/// content type and bytes.
pub async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url} answers: {e}"));
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = resp.bytes().await.expect("the body").to_vec();
    (status, content_type, bytes)
}

/// An id no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{:x}-{}",
        nanos % 0xffff_ffff_ffff,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Asserts a reply is a JSON problem response with this status and code.
#[track_caller]
pub fn assert_problem(r: &Reply, status: u16, code: &str) {
    assert_eq!(
        r.status, status,
        "expected {status} {code}, got: {}",
        r.text
    );
    assert!(
        r.content_type.starts_with("application/problem+json"),
        "error must be an RFC 9457 problem, got content-type {:?}: {}",
        r.content_type,
        r.text
    );
    assert_eq!(r.code(), code, "wrong code in {}", r.text);
    assert_eq!(r.body["status"], status, "status member in {}", r.text);
    assert_eq!(
        r.body["type"],
        format!("urn:sagaway:problem:{code}"),
        "type member in {}",
        r.text
    );
    assert!(
        r.body["title"].as_str().is_some_and(|m| !m.is_empty()),
        "a problem has a title: {}",
        r.text
    );
    assert!(
        r.body["detail"].as_str().is_some_and(|m| !m.is_empty()),
        "error must say what is wrong: {}",
        r.text
    );
    if status == 401 {
        assert!(
            r.www_authenticate.starts_with("Bearer"),
            "a 401 carries WWW-Authenticate: {:?}",
            r.www_authenticate
        );
    }
    if status == 503 || status == 429 {
        assert!(!r.retry_after.is_empty(), "a {status} carries Retry-After");
    }
}

/// A DynamoDB attribute as JSON: numbers as numbers, lists and maps as arrays and objects.
fn attribute_json(v: &aws_sdk_dynamodb::types::AttributeValue) -> Value {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match v {
        A::S(s) => Value::String(s.clone()),
        A::N(n) => serde_json::from_str(n).unwrap_or_else(|_| Value::String(n.clone())),
        A::Bool(b) => Value::Bool(*b),
        A::Null(_) => Value::Null,
        A::L(l) => Value::Array(l.iter().map(attribute_json).collect()),
        A::M(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), attribute_json(v)))
                .collect(),
        ),
        A::Ss(ss) => Value::Array(ss.iter().cloned().map(Value::String).collect()),
        other => Value::String(format!("{other:?}")),
    }
}
