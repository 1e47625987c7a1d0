//! Every branch of the OrderSaga, without the stack: the real workflow and the real
//! activities with their production retry policies, on a Temporal dev server this test
//! starts, with the services behind [`SagaServices`] replaced by a scripted fake that records
//! every call. Each case asserts the exact sequence of steps and compensations the services
//! saw, the notifications in the order they were sent (they go out beside the steps, so the
//! two sequences are checked apart) and the saga's final state. At the end, every run's
//! history is checked (no notification left in flight, each status recorded before it was
//! notified) and replayed against the current workflow, and happy sagas are timed (their
//! workflow tasks counted and bounded).
//!
//! The worker runs as in production with the correlation interceptors and the metrics meter:
//! every call the fake sees must carry its order's correlation (and, for a saga started with
//! a correlation id, that id), and `/metrics` must show the SDK's metrics and the breakers'.
//!
//! All cases run at once, one workflow each, on one server and one in-process worker, so the
//! whole file takes about as long as its slowest case (a few retry back-offs), not their sum.
//!
//! The server is the Temporal CLI's `server start-dev` (in memory, every port on 127.0.0.1):
//! `SAGAWAY_TEMPORAL_CLI`, else `.local/venv-tools/bin/temporal` in the workspace (or under
//! `SAGAWAY_LOCAL_DIR`), where `make unit` installs it.

use futures::FutureExt;
use futures::future::BoxFuture;
use sagaway_contract::order::OrderLine;
use sagaway_contract::payment::CardBrand;
use sagaway_contract::saga::{
    CancelRequest, Compensation, OrderSagaInput, PaymentMethodRef, SagaState, SagaStep,
    StatusUpdate, workflow_id,
};
use sagaway_contract::{FailureKind, OrderStatus};
use sagaway_shared::correlation::Correlation;
use sagaway_temporal::CorrelationHeader;
use sagaway_worker::activities::SagaActivities;
use sagaway_worker::breaker::Breaker;
use sagaway_worker::health::{self, Status, TemporalHealth, TemporalState};
use sagaway_worker::metrics::Metrics;
use sagaway_worker::services::{SagaServices, Step, StepError};
use sagaway_worker::workflow::OrderSaga;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, Url, WorkflowExecuteUpdateOptions,
    WorkflowFetchHistoryOptions, WorkflowGetResultOptions, WorkflowHistory, WorkflowQueryOptions,
    WorkflowStartOptions,
};
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use temporalio_common::protos::temporal::api::history::v1::{History, HistoryEvent};
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tokio::sync::Notify;

// ---------------------------------------------------------------------------------------
// The fake services

/// What the fake answers to one call of a step; a step with nothing scripted succeeds
/// (`create_order` answers PENDING).
enum Reply {
    Fail(StepError),
    /// `create_order` only: the order exists already, in this status.
    Status(OrderStatus),
    /// Succeeds once the test opens the gate, so the test can act while the step runs.
    Hold(Arc<Gate>),
    /// Succeeds after this long; longer than the step's timeout, the attempt times out.
    Slow(Duration),
}

#[derive(Default)]
struct Gate {
    reached: Notify,
    open: Notify,
}

impl Gate {
    /// Bounded, so a case that fails before opening its gate cannot wedge the worker's
    /// shutdown; shorter than every step's start-to-close timeout.
    const PATIENCE: Duration = Duration::from_secs(4);

    async fn pass(&self) {
        self.reached.notify_one();
        let _ = tokio::time::timeout(Self::PATIENCE, self.open.notified()).await;
    }

    async fn reached(&self) {
        tokio::time::timeout(Duration::from_secs(30), self.reached.notified())
            .await
            .expect("the saga never reached the held step");
    }

    fn open(&self) {
        self.open.notify_one();
    }
}

struct Call {
    step: String,
    at: Instant,
    /// The activity's correlation, as the services' clients would pass it on.
    correlation: Option<Correlation>,
}

/// Scripted per order and step ("reserve", "set_status PAID", "notify CANCELLED", ...), so
/// every case runs its own order on the one worker.
#[derive(Default)]
struct FakeServices {
    orders: Mutex<HashMap<String, Order>>,
}

#[derive(Default)]
struct Order {
    script: HashMap<String, VecDeque<Reply>>,
    calls: Vec<Call>,
    /// How long every unscripted call takes (none: at once).
    latency: Duration,
}

impl FakeServices {
    fn script(&self, order_id: &str, step: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut orders = self.orders.lock().unwrap();
        let order = orders.entry(order_id.to_string()).or_default();
        order
            .script
            .entry(step.to_string())
            .or_default()
            .extend(replies);
    }

    /// Every unscripted call for the order answers after `latency`, as a service would.
    fn answer_after(&self, order_id: &str, latency: Duration) {
        let mut orders = self.orders.lock().unwrap();
        orders.entry(order_id.to_string()).or_default().latency = latency;
    }

    /// Every call the services saw for the order, in order.
    fn calls(&self, order_id: &str) -> Vec<String> {
        let orders = self.orders.lock().unwrap();
        orders
            .get(order_id)
            .map(|o| o.calls.iter().map(|c| c.step.clone()).collect())
            .unwrap_or_default()
    }

    /// The saga's steps and compensations (every call but the notifications), in order.
    fn steps(&self, order_id: &str) -> Vec<String> {
        let mut calls = self.calls(order_id);
        calls.retain(|c| !c.starts_with("notify "));
        calls
    }

    /// The statuses notified, one per attempt, in order.
    fn notified(&self, order_id: &str) -> Vec<String> {
        self.calls(order_id)
            .iter()
            .filter_map(|c| c.strip_prefix("notify ").map(String::from))
            .collect()
    }

    /// Every call's step and the correlation it ran in.
    fn correlations(&self, order_id: &str) -> Vec<(String, Option<Correlation>)> {
        let orders = self.orders.lock().unwrap();
        orders
            .get(order_id)
            .map(|o| {
                o.calls
                    .iter()
                    .map(|c| (c.step.clone(), c.correlation.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// When each call of `step` arrived.
    fn times(&self, order_id: &str, step: &str) -> Vec<Instant> {
        let orders = self.orders.lock().unwrap();
        orders
            .get(order_id)
            .map(|o| {
                o.calls
                    .iter()
                    .filter(|c| c.step == step)
                    .map(|c| c.at)
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn answer(&self, order_id: &str, step: String) -> Result<Option<OrderStatus>, StepError> {
        let (reply, latency) = {
            let mut orders = self.orders.lock().unwrap();
            let order = orders.entry(order_id.to_string()).or_default();
            let reply = order.script.get_mut(&step).and_then(VecDeque::pop_front);
            order.calls.push(Call {
                step,
                at: Instant::now(),
                correlation: sagaway_shared::correlation::current(),
            });
            (reply, order.latency)
        };
        match reply {
            None if latency.is_zero() => Ok(None),
            None => {
                tokio::time::sleep(latency).await;
                Ok(None)
            }
            Some(Reply::Fail(e)) => Err(e),
            Some(Reply::Status(s)) => Ok(Some(s)),
            Some(Reply::Hold(gate)) => {
                gate.pass().await;
                Ok(None)
            }
            Some(Reply::Slow(d)) => {
                tokio::time::sleep(d).await;
                Ok(None)
            }
        }
    }

    fn done<'a>(&'a self, order_id: &'a str, step: String) -> Step<'a, ()> {
        Box::pin(self.answer(order_id, step).map(|r| r.map(drop)))
    }
}

impl SagaServices for FakeServices {
    fn create_order<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, OrderStatus> {
        Box::pin(async move {
            let status = self.answer(&input.order_id, "create_order".into()).await?;
            Ok(status.unwrap_or(OrderStatus::Pending))
        })
    }
    fn set_status<'a>(&'a self, update: &'a StatusUpdate) -> Step<'a, ()> {
        self.done(&update.order_id, format!("set_status {}", update.status))
    }
    fn reserve<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()> {
        self.done(&input.order_id, "reserve".into())
    }
    fn release<'a>(&'a self, order_id: &'a str) -> Step<'a, ()> {
        self.done(order_id, "release".into())
    }
    fn charge<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()> {
        self.done(&input.order_id, "charge".into())
    }
    fn refund<'a>(&'a self, order_id: &'a str) -> Step<'a, ()> {
        self.done(order_id, "refund".into())
    }
    fn notify<'a>(&'a self, update: &'a StatusUpdate) -> Step<'a, ()> {
        self.done(&update.order_id, format!("notify {}", update.status))
    }
}

fn business(kind: FailureKind, message: &str) -> Reply {
    Reply::Fail(StepError::Business {
        kind,
        message: message.into(),
    })
}

fn transient(service: &'static str) -> Reply {
    Reply::Fail(StepError::Transient {
        service,
        message: "503 try again".into(),
    })
}

// ---------------------------------------------------------------------------------------
// The Temporal dev server and the saga driver

/// The dev server, killed when dropped (also on a panic).
struct DevServer {
    child: tokio::process::Child,
    address: String,
    log: PathBuf,
}

impl DevServer {
    async fn start() -> Self {
        let cli = temporal_cli();
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let log_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("temporal-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("creating the dev server's log");
        // --ip binds the frontend; the HTTP and metrics ports are then random free ports on
        // the same address, so nothing fixed can clash with a running stack.
        let mut child = tokio::process::Command::new(&cli)
            .args(["server", "start-dev", "--headless", "--log-level", "warn"])
            .args(["--ip", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", cli.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("polling the dev server") {
                panic!(
                    "the Temporal dev server exited ({status}); its log:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            let health = tokio::process::Command::new(&cli)
                .args(["operator", "cluster", "health", "--address", &address])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .await
                .expect("running `temporal operator cluster health`");
            if health.status.success()
                && String::from_utf8_lossy(&health.stdout).contains("SERVING")
            {
                return Self {
                    child,
                    address,
                    log: log_path,
                };
            }
            assert!(
                Instant::now() < deadline,
                "the Temporal dev server at {address} was not healthy within 30 s; its log: {}",
                log_path.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn client(&self) -> Client {
        self.client_with(Vec::new()).await
    }

    /// A client whose calls go through `interceptors` (the gateway's correlation header).
    async fn client_with(
        &self,
        interceptors: Vec<Arc<dyn temporalio_client::ClientInterceptor>>,
    ) -> Client {
        let url = Url::parse(&format!("http://{}", self.address)).expect("the server's URL");
        let connection = Connection::connect(ConnectionOptions::new(url).build())
            .await
            .expect("connecting to the dev server");
        Client::new(
            connection,
            ClientOptions::new("default")
                .client_interceptors(interceptors)
                .build(),
        )
        .expect("a client")
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        // The log only matters when something went wrong.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The Temporal CLI: never skipped, since a skipped test would pass without testing anything.
fn temporal_cli() -> PathBuf {
    if let Some(path) = std::env::var_os("SAGAWAY_TEMPORAL_CLI") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "SAGAWAY_TEMPORAL_CLI={} is not a file",
            path.display()
        );
        return path;
    }
    // Where localstack/lib.sh installs it (SAGAWAY_LOCAL_DIR moves `.local` there too).
    let local = std::env::var_os("SAGAWAY_LOCAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("the workspace root");
            root.join(".local")
        });
    let path = local.join("venv-tools/bin/temporal");
    assert!(
        path.is_file(),
        "the Temporal CLI is missing at {}: run `make unit` (it installs it there) or set \
         SAGAWAY_TEMPORAL_CLI to a `temporal` binary",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("its address").port()
}

/// What every case gets: a client, the fake and the worker's task queue.
#[derive(Clone)]
struct Saga {
    client: Client,
    /// A client that starts sagas with [`CORRELATION_ID`], as the gateway does.
    correlated: Client,
    fake: Arc<FakeServices>,
    task_queue: String,
    /// Every order whose saga was started, so their histories can be checked at the end.
    started: Arc<Mutex<Vec<String>>>,
}

type Handle = temporalio_client::WorkflowHandle<Client, OrderSaga>;

impl Saga {
    async fn start(&self, order_id: &str) -> Handle {
        let options =
            WorkflowStartOptions::new(self.task_queue.clone(), workflow_id(order_id)).build();
        self.client
            .start_workflow(OrderSaga::run, input(order_id), options)
            .await
            .expect("starting the saga");
        self.started.lock().unwrap().push(order_id.to_string());
        self.handle(order_id)
    }

    fn handle(&self, order_id: &str) -> Handle {
        self.client
            .get_workflow_handle::<OrderSaga>(workflow_id(order_id))
    }

    /// The saga's whole history as the server keeps it.
    async fn history(&self, order_id: &str) -> Vec<HistoryEvent> {
        self.handle(order_id)
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .expect("fetching the saga's history")
    }

    /// Runs the saga to its end; its final state.
    async fn run(&self, order_id: &str) -> SagaState {
        let handle = self.start(order_id).await;
        result(&handle).await
    }
}

async fn result(handle: &Handle) -> SagaState {
    handle
        .get_result(WorkflowGetResultOptions::default())
        .await
        .expect("the saga's result")
}

async fn cancel(handle: &Handle) -> Result<SagaState, String> {
    cancel_because(handle, "changed my mind").await
}

async fn cancel_because(handle: &Handle, reason: &str) -> Result<SagaState, String> {
    handle
        .execute_update(
            OrderSaga::request_cancel,
            CancelRequest {
                reason: reason.into(),
            },
            WorkflowExecuteUpdateOptions::default(),
        )
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn query(handle: &Handle) -> SagaState {
    handle
        .query(OrderSaga::state, (), WorkflowQueryOptions::default())
        .await
        .expect("querying the saga")
}

fn input(order_id: &str) -> OrderSagaInput {
    OrderSagaInput {
        order_id: order_id.into(),
        customer_id: "c-ada".into(),
        lines: vec![OrderLine {
            product_id: "ceramic-mug".into(),
            quantity: 2,
            unit_price_cents: 1800,
        }],
        currency: "USD".into(),
        total_cents: 3600,
        payment: PaymentMethodRef {
            token: "pm-test".into(),
            brand: CardBrand::Visa,
            last4: "4242".into(),
        },
        request_fingerprint: "fp".into(),
        shipping_address: None,
        email: None,
    }
}

// ---------------------------------------------------------------------------------------
// Expected sequences

/// The happy path's steps (the notifications go out beside them).
const HAPPY: [&str; 6] = [
    "create_order",
    "reserve",
    "set_status RESERVED",
    "charge",
    "set_status PAID",
    "set_status CONFIRMED",
];

/// The happy path's notifications, in order.
const NOTIFIED: [&str; 4] = ["PENDING", "RESERVED", "PAID", "CONFIRMED"];

/// The compensation tail: COMPENSATING, `undo` in order, CANCELLED.
fn cancelled_after(undo: &[&'static str]) -> Vec<&'static str> {
    let mut tail = vec!["set_status COMPENSATING"];
    tail.extend(undo);
    tail.push("set_status CANCELLED");
    tail
}

/// Each status once, where it first appears.
fn first_seen(notified: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for n in notified {
        if !seen.contains(n) {
            seen.push(n.clone());
        }
    }
    seen
}

fn steps(parts: &[&[&str]]) -> Vec<String> {
    parts.concat().into_iter().map(String::from).collect()
}

fn assert_confirmed(state: &SagaState) {
    assert_eq!(state.status, OrderStatus::Confirmed);
    assert_eq!(state.step, SagaStep::Done);
    assert!(state.finished && state.stock_reserved && state.charge_attempted && state.charged);
    assert!(state.compensations.is_empty(), "{:?}", state.compensations);
    assert_eq!(state.failure_reason, None);
}

fn assert_cancelled(state: &SagaState, reason: &str, compensations: &[Compensation]) {
    assert_eq!(state.status, OrderStatus::Cancelled);
    assert_eq!(state.step, SagaStep::Done);
    assert!(state.finished);
    assert_eq!(state.compensations, compensations);
    assert_eq!(state.failure_reason.as_deref(), Some(reason));
}

const RELEASED: [Compensation; 2] = [Compensation::ReleaseStock, Compensation::CancelOrder];
const REFUNDED: [Compensation; 3] = [
    Compensation::RefundPayment,
    Compensation::ReleaseStock,
    Compensation::CancelOrder,
];
const CANCELLED: [&str; 2] = ["COMPENSATING", "CANCELLED"];

fn at_least(gap: Duration, expected: Duration, what: &str) {
    assert!(
        gap >= expected,
        "{what}: waited {gap:?}, expected at least {expected:?}"
    );
}

/// Longer than an order-service call's local try (`policies::order_step_local`): a call
/// this slow times out there and goes on as a normal activity.
const PAST_THE_LOCAL_WINDOW: Duration = Duration::from_secs(6);

// ---------------------------------------------------------------------------------------
// The cases

/// The API request id the gateway would start [`correlation_reaches_every_call`]'s saga with.
const CORRELATION_ID: &str = "JKJaXmPLvHcESHA=";

fn current_request() -> Option<String> {
    Some(CORRELATION_ID.to_string())
}

async fn correlation_reaches_every_call(s: Saga) {
    let id = "o-correlated";
    let options = WorkflowStartOptions::new(s.task_queue.clone(), workflow_id(id)).build();
    s.correlated
        .start_workflow(OrderSaga::run, input(id), options)
        .await
        .expect("starting the saga");
    s.started.lock().unwrap().push(id.to_string());
    assert_confirmed(&result(&s.handle(id)).await);
    let calls = s.fake.correlations(id);
    assert_eq!(calls.len(), HAPPY.len() + NOTIFIED.len(), "{calls:?}");
    let expected = Correlation {
        correlation_id: Some(CORRELATION_ID.into()),
        order_id: Some(id.into()),
        workflow_id: Some(workflow_id(id)),
    };
    for (step, correlation) in calls {
        assert_eq!(correlation.as_ref(), Some(&expected), "{step}");
    }
}

async fn success(s: Saga) {
    let handle = s.start("o-success").await;
    let state = result(&handle).await;
    assert_eq!(s.fake.steps("o-success"), steps(&[&HAPPY]));
    assert_eq!(s.fake.notified("o-success"), NOTIFIED);
    assert_confirmed(&state);
    assert_eq!(state.cancel_requested, None);
    assert_eq!(
        (state.order_id.as_str(), state.total_cents),
        ("o-success", 3600)
    );
    assert_eq!(
        query(&handle).await,
        state,
        "the query answers the final state"
    );
    assert!(
        cancel(&handle).await.is_err(),
        "a finished saga takes no cancellation"
    );
}

async fn out_of_stock(s: Saga) {
    let id = "o-out-of-stock";
    let msg = "not enough stock for ceramic-mug";
    s.fake
        .script(id, "reserve", [business(FailureKind::OutOfStock, msg)]);
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&["create_order", "reserve"], &cancelled_after(&["release"])]),
        "never retried, never charged, nothing to refund; released for the tombstone"
    );
    assert_eq!(
        s.fake.notified(id),
        ["PENDING", "COMPENSATING", "CANCELLED"]
    );
    assert_cancelled(&state, msg, &RELEASED);
    assert!(!state.stock_reserved && !state.charge_attempted);
}

async fn declined(s: Saga) {
    let id = "o-declined";
    let msg = "the card was declined";
    s.fake
        .script(id, "charge", [business(FailureKind::CardDeclined, msg)]);
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..4], &cancelled_after(&["refund", "release"])]),
        "an attempted charge is refunded (its outcome may be unknown), then stock released"
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..2], &CANCELLED]));
    assert_cancelled(&state, msg, &REFUNDED);
    assert!(state.stock_reserved && state.charge_attempted && !state.charged);
}

async fn transient_reserve_then_success(s: Saga) {
    let id = "o-transient";
    s.fake.script(
        id,
        "reserve",
        [transient("inventory"), transient("inventory")],
    );
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..2], &["reserve", "reserve"], &HAPPY[2..]])
    );
    assert_eq!(s.fake.notified(id), NOTIFIED);
    assert_confirmed(&state);
    let t = s.fake.times(id, "reserve");
    // The reserve policy: 0.5 s, doubling (Temporal may fire a little early; allow 10%).
    at_least(t[1] - t[0], Duration::from_millis(450), "first retry");
    at_least(t[2] - t[1], Duration::from_millis(900), "second retry");
}

async fn slow_charge_times_out_and_is_retried(s: Saga) {
    let id = "o-slow-charge";
    s.fake
        .script(id, "charge", [Reply::Slow(Duration::from_secs(7))]);
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..4], &["charge"], &HAPPY[4..]])
    );
    assert_confirmed(&state);
    let t = s.fake.times(id, "charge");
    at_least(t[1] - t[0], Duration::from_secs(5), "the charge's timeout");
}

async fn open_breaker_waits_out_its_cooldown(s: Saga) {
    let id = "o-breaker";
    let cooldown = Duration::from_secs(3);
    s.fake.script(
        id,
        "reserve",
        [Reply::Fail(StepError::CircuitOpen {
            service: "inventory",
            retry_after: cooldown,
        })],
    );
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..2], &["reserve"], &HAPPY[2..]])
    );
    assert_confirmed(&state);
    let t = s.fake.times(id, "reserve");
    // Far longer than the policy's 0.5 s: the breaker's cool-down set the delay.
    at_least(t[1] - t[0], cooldown - Duration::from_millis(100), "retry");
}

/// Cancels while `held` (an activity) runs; the saga stops at its next check.
async fn cancel_during(s: &Saga, id: &str, held: &str) -> SagaState {
    let gate = Arc::new(Gate::default());
    s.fake.script(id, held, [Reply::Hold(gate.clone())]);
    let handle = s.start(id).await;
    gate.reached().await;
    let blank = cancel_because(&handle, "  ")
        .await
        .expect_err("a reason is needed");
    assert!(blank.contains("a cancellation needs a reason"), "{blank}");
    let accepted = cancel(&handle).await.expect("the cancellation is accepted");
    assert_eq!(
        accepted.cancel_requested.as_deref(),
        Some("changed my mind")
    );
    gate.open();
    let state = result(&handle).await;
    assert_eq!(state.cancel_requested.as_deref(), Some("changed my mind"));
    state
}

const SHOPPER: &str = "cancelled by the shopper: changed my mind";

/// The order is created by a local activity in the saga's first workflow task, which also
/// starts the reserve: a cancellation sent meanwhile is read once that task is over, so it
/// takes effect after the reserve (released again), never before it.
async fn cancel_while_the_order_is_created(s: Saga) {
    let id = "o-cancel-while-created";
    let (creating, reserving) = (Arc::new(Gate::default()), Arc::new(Gate::default()));
    s.fake
        .script(id, "create_order", [Reply::Hold(creating.clone())]);
    s.fake
        .script(id, "reserve", [Reply::Hold(reserving.clone())]);
    let handle = s.start(id).await;
    creating.reached().await;
    let sent = tokio::spawn({
        let handle = s.handle(id);
        async move { cancel(&handle).await }
    });
    // Long enough for the update to reach the server while the order is being created; were
    // it later, it would still be read while the reserve is held, with the same outcome.
    tokio::time::sleep(Duration::from_millis(300)).await;
    creating.open();
    reserving.reached().await;
    let accepted = sent
        .await
        .expect("the cancellation's task")
        .expect("the cancellation is accepted");
    assert_eq!(accepted.status, OrderStatus::Pending);
    reserving.open();
    let state = result(&handle).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..3], &cancelled_after(&["release"])]),
        "never charged"
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..2], &CANCELLED]));
    assert_cancelled(&state, SHOPPER, &RELEASED);
    assert!(state.stock_reserved && !state.charge_attempted);
}

async fn cancel_before_charge(s: Saga) {
    let id = "o-cancel-before-charge";
    let state = cancel_during(&s, id, "reserve").await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..3], &cancelled_after(&["release"])]),
        "reserved, never charged, so nothing to refund"
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..2], &CANCELLED]));
    assert_cancelled(&state, SHOPPER, &RELEASED);
    assert!(state.stock_reserved && !state.charge_attempted);
}

async fn cancel_before_paid(s: Saga) {
    let id = "o-cancel-before-paid";
    let state = cancel_during(&s, id, "charge").await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..4], &cancelled_after(&["refund", "release"])]),
        "charged, then refunded"
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..2], &CANCELLED]));
    assert_cancelled(&state, SHOPPER, &REFUNDED);
    assert!(state.charged);
}

/// PAID is recorded and CONFIRMED is being recorded: too late to cancel.
async fn cancel_refused_once_paid(s: Saga) {
    refused_once_paid(&s, "o-cancel-after-paid", "set_status CONFIRMED").await;
}

/// The charge went through and PAID is being recorded (the order still reads RESERVED): a
/// cancellation now could no longer be honoured, so it is refused.
async fn cancel_refused_while_paid_is_recorded(s: Saga) {
    refused_once_paid(&s, "o-cancel-while-paid", "set_status PAID").await;
}

/// Holds `held` (an order-service call) where a cancellation can reach the saga: an update
/// is read between workflow tasks, and the local try of `held` runs inside one, so that try
/// times out and the call is held as the normal activity it then becomes.
async fn refused_once_paid(s: &Saga, id: &str, held: &str) {
    let gate = Arc::new(Gate::default());
    s.fake.script(
        id,
        held,
        [
            Reply::Slow(PAST_THE_LOCAL_WINDOW),
            Reply::Hold(gate.clone()),
        ],
    );
    let handle = s.start(id).await;
    gate.reached().await;
    let refused = cancel(&handle)
        .await
        .expect_err("a paid order cannot be cancelled");
    assert!(
        refused.contains("the order is PAID and can no longer be cancelled"),
        "{refused}"
    );
    gate.open();
    let state = result(&handle).await;
    let at = HAPPY.iter().position(|step| *step == held).expect("a step") + 1;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..at], &[held], &HAPPY[at..]])
    );
    assert_eq!(s.fake.notified(id), NOTIFIED);
    assert_confirmed(&state);
    assert_eq!(state.cancel_requested, None);
}

async fn compensations_retry_until_they_succeed(s: Saga) {
    let id = "o-compensation-retries";
    let msg = "insufficient funds";
    s.fake.script(
        id,
        "charge",
        [business(FailureKind::InsufficientFunds, msg)],
    );
    s.fake
        .script(id, "refund", [transient("payment"), transient("payment")]);
    s.fake.script(
        id,
        "release",
        [transient("inventory"), transient("inventory")],
    );
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[
            &HAPPY[..4],
            &["set_status COMPENSATING"],
            &["refund"; 3],
            &["release"; 3],
            &["set_status CANCELLED"],
        ])
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..2], &CANCELLED]));
    assert_cancelled(&state, msg, &REFUNDED);
}

/// The order service keeps failing: after the local try, the call goes on as a normal
/// activity and is retried until it succeeds; here, cancelling the order.
async fn order_service_failures_outlast_the_local_try(s: Saga) {
    let id = "o-order-service-down";
    let msg = "not enough stock for ceramic-mug";
    s.fake
        .script(id, "reserve", [business(FailureKind::OutOfStock, msg)]);
    // One local try, then the activity's attempts (0.5 s, then 1 s apart).
    let failures = 3;
    s.fake.script(
        id,
        "set_status CANCELLED",
        (0..failures).map(|_| transient("order")),
    );
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[
            &[
                "create_order",
                "reserve",
                "set_status COMPENSATING",
                "release"
            ],
            &["set_status CANCELLED"; 4],
        ])
    );
    assert_eq!(
        s.fake.notified(id),
        ["PENDING", "COMPENSATING", "CANCELLED"]
    );
    assert_cancelled(&state, msg, &RELEASED);
    let scheduled = activities_scheduled(&s.history(id).await);
    assert_eq!(
        scheduled
            .iter()
            .filter(|a| *a == "SagaActivities::set_status")
            .count(),
        1,
        "the local try failed and one activity took over: {scheduled:?}"
    );
}

async fn refused_compensation_fails_the_saga(s: Saga) {
    // Today a business refusal of a compensation is not retried (the policies make every
    // FailureKind non-retryable) and ends the run as failed, before the stock is released.
    let id = "o-refund-refused";
    s.fake.script(
        id,
        "charge",
        [business(FailureKind::CardDeclined, "the card was declined")],
    );
    s.fake.script(
        id,
        "refund",
        [business(FailureKind::Rejected, "refund refused")],
    );
    let handle = s.start(id).await;
    let failed = handle
        .get_result(WorkflowGetResultOptions::default())
        .await
        .expect_err("the saga fails");
    assert!(
        matches!(
            failed,
            temporalio_client::errors::WorkflowGetResultError::Failed(_)
        ),
        "{failed:?}"
    );
    assert!(
        format!("{failed:?}").contains("refund refused"),
        "{failed:?}"
    );
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..4], &["set_status COMPENSATING", "refund"]])
    );
    assert_eq!(
        s.fake.notified(id),
        steps(&[&NOTIFIED[..2], &["COMPENSATING"]]),
        "what was recorded is still notified before the run fails"
    );
    let state = query(&handle).await;
    assert_eq!(state.status, OrderStatus::Compensating);
    assert_eq!((state.step, state.finished), (SagaStep::Done, true));
    assert!(state.compensations.is_empty());
    assert_eq!(
        state.failure_reason.as_deref(),
        Some("the card was declined")
    );
}

async fn refused_status_change_compensates(s: Saga) {
    let id = "o-status-refused";
    let msg = "RESERVED does not follow CANCELLED";
    s.fake.script(
        id,
        "set_status RESERVED",
        [business(FailureKind::IllegalTransition, msg)],
    );
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&HAPPY[..3], &cancelled_after(&["release"])]),
        "a refusal is final: not retried, not tried again as an activity"
    );
    assert_eq!(s.fake.notified(id), steps(&[&NOTIFIED[..1], &CANCELLED]));
    assert_cancelled(&state, msg, &RELEASED);
    assert!(state.stock_reserved && !state.charge_attempted);
}

async fn failed_notifications_never_fail_the_order(s: Saga) {
    let id = "o-notify-fails";
    s.fake.script(
        id,
        "notify PENDING",
        [business(FailureKind::Rejected, "no such customer")],
    );
    s.fake.script(
        id,
        "notify CONFIRMED",
        [
            transient("notification"),
            transient("notification"),
            transient("notification"),
        ],
    );
    let state = s.run(id).await;
    assert_eq!(s.fake.steps(id), steps(&[&HAPPY]));
    let notified = s.fake.notified(id);
    assert_eq!(first_seen(&notified), NOTIFIED, "in order: {notified:?}");
    let tries = |status: &str| notified.iter().filter(|n| *n == status).count();
    assert_eq!(
        (tries("PENDING"), tries("CONFIRMED")),
        (1, 3),
        "a refusal is not retried; transient failures are, 3 attempts in all (each sending \
         its batch again: statuses recorded in one workflow task go together): {notified:?}"
    );
    assert_eq!(notified.last().map(String::as_str), Some("CONFIRMED"));
    assert_confirmed(&state);
}

/// A notification failing until it is given up holds up neither the order nor the
/// notifications after it for longer than its attempts.
async fn failing_notification_does_not_delay_the_order(s: Saga) {
    let id = "o-notify-keeps-failing";
    s.fake.script(
        id,
        "notify PENDING",
        (0..3).map(|_| transient("notification")),
    );
    let state = s.run(id).await;
    assert_eq!(s.fake.steps(id), steps(&[&HAPPY]));
    assert_eq!(
        s.fake.notified(id),
        steps(&[&["PENDING"; 3], &NOTIFIED[1..]]),
        "still in order: RESERVED waits until PENDING is given up"
    );
    assert_confirmed(&state);
    let pending = s.fake.times(id, "notify PENDING");
    let confirmed = s.fake.times(id, "set_status CONFIRMED")[0];
    assert!(
        confirmed < pending[2],
        "CONFIRMED was recorded before the PENDING notification's last attempt"
    );
    // The notify policy: 0.5 s then 1 s between attempts.
    at_least(
        pending[2] - pending[0],
        Duration::from_millis(1350),
        "attempts",
    );
}

/// A notification that hangs (every attempt times out) is given up after its attempts; the
/// order is CONFIRMED long before, and the run ends only after the rest are sent.
async fn hanging_notification_is_given_up_without_delaying_the_order(s: Saga) {
    let id = "o-notify-hangs";
    // Longer than the notification's 5 s timeout.
    let hang = Duration::from_secs(6);
    s.fake
        .script(id, "notify PENDING", (0..3).map(|_| Reply::Slow(hang)));
    let started = Instant::now();
    let state = s.run(id).await;
    let ended = Instant::now();
    assert_eq!(s.fake.steps(id), steps(&[&HAPPY]));
    assert_eq!(
        s.fake.notified(id),
        steps(&[&["PENDING"; 3], &NOTIFIED[1..]]),
        "still in order: the rest wait until PENDING is given up"
    );
    assert_confirmed(&state);
    let pending = s.fake.times(id, "notify PENDING");
    let confirmed = s.fake.times(id, "set_status CONFIRMED")[0];
    assert!(
        confirmed < pending[0] + Duration::from_secs(2),
        "CONFIRMED was recorded {:?} after the start, while the PENDING notification's first \
         attempt (sent {:?} after the start) still hung",
        confirmed - started,
        pending[0] - started,
    );
    let reserved = s.fake.times(id, "notify RESERVED")[0];
    // The server times the attempt out; allow it to fire a little early.
    at_least(
        reserved - pending[2],
        Duration::from_millis(4500),
        "the last attempt",
    );
    let last = s.fake.times(id, "notify CONFIRMED")[0];
    assert!(last < ended, "the run ended after the last notification");
}

async fn order_already_final(s: Saga) {
    let id = "o-already-confirmed";
    s.fake
        .script(id, "create_order", [Reply::Status(OrderStatus::Confirmed)]);
    let state = s.run(id).await;
    assert_eq!(s.fake.calls(id), ["create_order"], "nothing is done again");
    assert_eq!(state.status, OrderStatus::Confirmed);
    assert_eq!((state.step, state.finished), (SagaStep::Done, true));
    assert!(state.compensations.is_empty() && !state.charge_attempted);
    assert_eq!(state.failure_reason, None);
}

async fn order_stopped_half_way(s: Saga) {
    let id = "o-half-way";
    s.fake
        .script(id, "create_order", [Reply::Status(OrderStatus::Reserved)]);
    let state = s.run(id).await;
    assert_eq!(
        s.fake.steps(id),
        steps(&[&["create_order"], &cancelled_after(&["refund", "release"])]),
        "whatever the earlier run did is undone"
    );
    assert_eq!(s.fake.notified(id), CANCELLED);
    assert_cancelled(
        &state,
        "an earlier run of this order stopped before it finished",
        &REFUNDED,
    );
}

// ---------------------------------------------------------------------------------------
// Every run's history, and the happy saga's figures

/// The activity types scheduled (local activities are not scheduled: they leave markers).
fn activities_scheduled(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                a.activity_type.as_ref().map(|t| t.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// No status is notified before the order has it: every call recording a status comes
/// before the first notification of that status.
fn assert_recorded_before_notified(fake: &FakeServices, order_id: &str) {
    let calls = fake.calls(order_id);
    for (i, call) in calls.iter().enumerate() {
        let Some(status) = call.strip_prefix("notify ") else {
            continue;
        };
        let recording = if status == "PENDING" {
            "create_order".to_string()
        } else {
            format!("set_status {status}")
        };
        assert!(
            !calls[i..].contains(&recording),
            "{order_id}: {status} was notified before it was recorded: {calls:?}"
        );
    }
}

fn count(events: &[HistoryEvent], kind: EventType) -> usize {
    events
        .iter()
        .filter(|e| e.event_type == kind as i32)
        .count()
}

/// No run ends with an activity still open (a notification in flight included), no status
/// is notified before it is recorded, and every run replays against the current workflow. With `SAGAWAY_RECORD_HISTORIES=<dir>` set, the
/// histories are also written there (`<order id>.json`), to be kept in `tests/histories`.
async fn check_histories(s: &Saga) {
    let ids = s.started.lock().unwrap().clone();
    let record = std::env::var_os("SAGAWAY_RECORD_HISTORIES").map(PathBuf::from);
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<OrderSaga>()
            .expect("registering the OrderSaga for replay")
            .build(),
    )
    .expect("a replayer");
    for id in ids {
        assert_recorded_before_notified(&s.fake, &id);
        // Local activities and activities alike: every call knows its order and workflow.
        for (step, c) in s.fake.correlations(&id) {
            let c = c.unwrap_or_else(|| panic!("{id}: {step} ran without a correlation"));
            assert_eq!(c.order_id.as_deref(), Some(id.as_str()), "{step}");
            assert_eq!(c.workflow_id, Some(workflow_id(&id)), "{step}");
        }
        let events = s.history(&id).await;
        let closed = [
            EventType::ActivityTaskCompleted,
            EventType::ActivityTaskFailed,
            EventType::ActivityTaskTimedOut,
            EventType::ActivityTaskCanceled,
        ]
        .into_iter()
        .map(|kind| count(&events, kind))
        .sum::<usize>();
        assert_eq!(
            count(&events, EventType::ActivityTaskScheduled),
            closed,
            "{id}: the run ended with an activity still open"
        );
        let history = History { events };
        if let Some(dir) = &record {
            let json = WorkflowHistory::from(history.clone())
                .to_json()
                .await
                .expect("encoding a history");
            std::fs::write(dir.join(format!("{id}.json")), json).expect("recording a history");
        }
        replayer
            .replay_workflow(WorkflowHistory::from(history))
            .await
            .unwrap_or_else(|e| panic!("{id} does not replay against the current workflow: {e}"));
    }
}

/// Happy sagas one after another on the quiet server: workflow tasks per saga, and the time
/// from the start request to CONFIRMED recorded on the order and to the run's end; with the
/// fake answering at once, then with every call taking `SERVICE_LATENCY` (about a warm
/// Lambda invocation through the local emulator).
async fn figures(s: &Saga) {
    const RUNS: usize = 15;
    const SERVICE_LATENCY: Duration = Duration::from_millis(40);
    for latency in [Duration::ZERO, SERVICE_LATENCY] {
        let mut confirmed = Vec::new();
        let mut ended = Vec::new();
        let mut tasks = Vec::new();
        for run in 0..RUNS {
            let id = format!("o-figures-{}-{run}", latency.as_millis());
            s.fake.answer_after(&id, latency);
            let started = Instant::now();
            let handle = s.start(&id).await;
            let state = result(&handle).await;
            ended.push(started.elapsed());
            assert_confirmed(&state);
            let recorded = s.fake.times(&id, "set_status CONFIRMED");
            confirmed.push(recorded[0] + latency - started);
            let run_tasks = count(&s.history(&id).await, EventType::WorkflowTaskCompleted);
            // Three up to CONFIRMED (start, the reserve's answer, the charge's answer), then
            // one per notification activity answered on its own: PENDING, RESERVED, and
            // PAID with CONFIRMED, the last of which ends the run.
            assert!(run_tasks <= 6, "{id}: {run_tasks} workflow tasks");
            tasks.push(run_tasks);
        }
        let p50 = |d: &mut Vec<Duration>| {
            d.sort();
            d[d.len() / 2]
        };
        tasks.sort();
        eprintln!(
            "happy saga, {RUNS} runs, services answering in {latency:?}: workflow tasks {}..={} \
             (median {}); start -> CONFIRMED recorded p50 {:?}; start -> run ended p50 {:?}",
            tasks[0],
            tasks[RUNS - 1],
            tasks[RUNS / 2],
            p50(&mut confirmed),
            p50(&mut ended),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// After every saga ran: the worker's `/metrics` (the health endpoint's router, as the worker
/// serves it) has the SDK's metrics for the task queue and the breakers' gauges.
async fn check_metrics(metrics: &Metrics, task_queue: &str) {
    let breaker = Arc::new(Breaker::new("payment", 5, Duration::from_secs(20)));
    let temporal = TemporalHealth::default();
    temporal.set(TemporalState::Connected);
    let status = Status {
        task_queue: task_queue.to_string(),
        temporal,
        metrics: metrics.clone(),
        breakers: Arc::new(move || vec![breaker.snapshot()]),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for /metrics");
    let addr = listener.local_addr().expect("its address");
    let server = tokio::spawn(async move { axum::serve(listener, health::router(status)).await });
    let text = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).expect("connecting to /metrics");
        write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("asking for /metrics");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("reading /metrics");
        out
    })
    .await
    .expect("the /metrics request");
    server.abort();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let queue = format!("task_queue=\"{task_queue}\"");
    for wanted in [
        "# TYPE temporal_workflow_completed counter",
        "# TYPE temporal_activity_execution_latency histogram",
        "# TYPE temporal_num_pollers gauge",
        "sagaway_breaker_state{service=\"payment\",state=\"closed\"} 1",
        "sagaway_breaker_open{service=\"payment\"} 0",
    ] {
        assert!(text.contains(wanted), "/metrics lacks {wanted:?}:\n{text}");
    }
    let completed = text
        .lines()
        .find(|l| l.starts_with("temporal_workflow_completed{") && l.contains(&queue))
        .unwrap_or_else(|| panic!("no temporal_workflow_completed for {queue}:\n{text}"));
    let count: u64 = completed
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(count >= 20, "{completed}");
}

/// Every case, by name, each with its own order on the shared worker.
macro_rules! cases {
    ($saga:expr; $($case:ident),* $(,)?) => {
        vec![$((stringify!($case), $case($saga.clone()).boxed())),*]
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_saga_branch_on_a_dev_server() {
    let server = DevServer::start().await;
    let client = server.client().await;
    let fake = Arc::new(FakeServices::default());
    let task_queue = format!("saga-tests-{}", std::process::id());
    let metrics = Metrics::new();
    let runtime = Runtime::from_current_tokio(
        RuntimeOptions::builder()
            .telemetry_options(
                TelemetryOptions::builder()
                    .metrics(metrics.core_meter())
                    .build(),
            )
            .build()
            .expect("runtime options"),
    )
    .expect("a Temporal runtime");
    let mut options = WorkerOptions::new(task_queue.clone())
        .register_workflow::<OrderSaga>()
        .expect("registering the OrderSaga")
        .register_activities(SagaActivities::new(fake.clone()))
        .build();
    sagaway_worker::correlation::install(&mut options);
    let mut worker = Worker::new(&runtime, client.clone(), options).expect("a worker");
    let shutdown = worker.shutdown_handle();
    let correlation: Arc<dyn temporalio_client::ClientInterceptor> =
        Arc::new(CorrelationHeader::new(current_request));
    let saga = Saga {
        client,
        correlated: server.client_with(vec![correlation]).await,
        fake,
        task_queue,
        started: Arc::default(),
    };

    let cases: Vec<(&str, BoxFuture<'static, ()>)> = cases![saga;
        success,
        correlation_reaches_every_call,
        out_of_stock,
        declined,
        transient_reserve_then_success,
        slow_charge_times_out_and_is_retried,
        open_breaker_waits_out_its_cooldown,
        cancel_while_the_order_is_created,
        cancel_before_charge,
        cancel_before_paid,
        cancel_refused_once_paid,
        cancel_refused_while_paid_is_recorded,
        compensations_retry_until_they_succeed,
        order_service_failures_outlast_the_local_try,
        refused_compensation_fails_the_saga,
        refused_status_change_compensates,
        failed_notifications_never_fail_the_order,
        failing_notification_does_not_delay_the_order,
        hanging_notification_is_given_up_without_delaying_the_order,
        order_already_final,
        order_stopped_half_way,
    ];
    let count = cases.len();

    let all = async {
        let started = Instant::now();
        let running: Vec<_> = cases
            .into_iter()
            .map(|(name, case)| {
                let run = tokio::spawn(async move {
                    tokio::time::timeout(Duration::from_secs(45), case)
                        .await
                        .unwrap_or_else(|_| panic!("timed out"));
                });
                (name, run)
            })
            .collect();
        let mut failed = Vec::new();
        for (name, run) in running {
            if let Err(e) = run.await {
                failed.push(name);
                eprintln!("case {name} failed: {e}");
            }
        }
        eprintln!("{count} cases in {:?}", started.elapsed());
        if failed.is_empty() {
            check_histories(&saga).await;
            figures(&saga).await;
            check_metrics(&metrics, &saga.task_queue).await;
        }
        failed
    };
    // The worker's run future is not Send (workflows run on a LocalSet): it runs here, beside
    // the cases, and ends when they are done.
    let run = worker.run();
    tokio::pin!(run);
    let failed = tokio::select! {
        stopped = &mut run => panic!("the worker stopped before the cases ended: {stopped:?}"),
        failed = all => failed,
    };
    shutdown();
    run.await.expect("the worker shut down cleanly");
    drop(server);
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}
