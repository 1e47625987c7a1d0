//! Determinism: histories recorded from real sagas must replay against the current workflow
//! code. A change that would break sagas already running fails here.
//!
//! `confirmed.json` and `declined.json` were recorded from the local stack with
//! `SAGAWAY_RECORD_HISTORIES=$PWD/worker/tests/histories tests/system.sh` (the system test
//! `live_histories_replay_against_the_current_workflow` writes them), before the `fewer-steps`
//! patch: they replay the old shape. The `fewer-steps-*.json` ones come from the saga tests'
//! dev server and fake services (`SAGAWAY_RECORD_HISTORIES=<dir> cargo test -p
//! sagaway-worker --test saga_branches` writes every run's, named by order id): a happy saga, a declined
//! charge, a cancellation, and an order-service call whose local try timed out;
//! `fewer-steps-correlated.json` a happy saga started with a correlation id in its start
//! header, which the worker's interceptor put on every activity (headers are not part of
//! replay's checks: runs with and without them replay alike). Record new ones
//! when the workflow changes on purpose (with `ctx.patched` for running sagas), and keep the
//! old ones.

use sagaway_worker::workflow::OrderSaga;
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

#[tokio::test]
async fn recorded_histories_replay_against_the_current_workflow() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/histories");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the histories folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "recorded histories are missing from {dir}"
    );
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<OrderSaga>()
            .expect("register")
            .build(),
    )
    .expect("replayer");
    for file in files {
        let bytes = std::fs::read(&file).expect("reading a history");
        let history = WorkflowHistory::from_json(&bytes).expect("decoding a history");
        replayer
            .replay_workflow(history)
            .await
            .unwrap_or_else(|e| panic!("{} no longer replays: {e}", file.display()));
    }
}
