//! The durable job queue: enqueued with the change, run once when due, retried with backoff,
//! taken over after a crash, and never run twice at once by competing workers.

use crate::helpers::TestApp;
use chrono::Duration;
use portico_api::jobs::{self, Handler, NewJob, Registry, Worker};
use portico_api::state::AppState;
use serde_json::json;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The (job, attempt) pairs a handler ran.
type Seen = Arc<Mutex<Vec<(Uuid, i32)>>>;

/// A handler that records the jobs it ran and fails the first `failures` tries.
fn recording(failures: usize) -> (Handler, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let handler: Handler = Arc::new(move |job| {
        let log = log.clone();
        Box::pin(async move {
            let mut log = log.lock().unwrap();
            log.push((job.id, job.attempt));
            if log.len() <= failures {
                Err(format!("try {} failed", job.attempt))
            } else {
                Ok(())
            }
        })
    });
    (handler, seen)
}

fn worker(app: &TestApp, handler: Handler) -> Worker {
    Worker::new(
        app.state.db.clone(),
        app.clock.clone(),
        Registry::default().on("test.echo", handler),
    )
}

async fn enqueue(app: &TestApp, job: NewJob) -> Uuid {
    let mut tx = app.state.db.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, job, app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn echo(app: &TestApp) -> NewJob {
    NewJob::new("test.echo", json!({ "hello": "world" }), app.clock.now())
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let app = TestApp::spawn().await;
    let (handler, seen) = recording(0);
    {
        let mut tx = app.state.db.begin().await.unwrap();
        jobs::enqueue(&mut tx, echo(&app), app.clock.now())
            .await
            .unwrap();
        // Dropped without commit.
    }

    assert!(!worker(&app, handler).run_once().await.unwrap());
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_due_job_runs_once_and_a_later_one_waits_for_its_time() {
    let app = TestApp::spawn().await;
    let (handler, seen) = recording(0);
    let w = worker(&app, handler);
    let now_id = enqueue(&app, echo(&app)).await;
    let later_id = enqueue(
        &app,
        NewJob {
            run_at: app.clock.now() + Duration::minutes(10),
            ..echo(&app)
        },
    )
    .await;

    assert!(w.run_once().await.unwrap());
    assert!(!w.run_once().await.unwrap());
    app.clock.advance(Duration::minutes(10));
    assert!(w.run_once().await.unwrap());
    assert!(!w.run_once().await.unwrap());

    assert_eq!(*seen.lock().unwrap(), vec![(now_id, 1), (later_id, 1)]);
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_and_given_up_after_its_attempts() {
    let app = TestApp::spawn().await;
    let (handler, seen) = recording(usize::MAX);
    let w = worker(&app, handler);
    let id = enqueue(
        &app,
        NewJob {
            max_attempts: 3,
            ..echo(&app)
        },
    )
    .await;

    assert!(w.run_once().await.unwrap()); // try 1 fails: next in 10 s
    assert!(!w.run_once().await.unwrap());
    app.clock.advance(Duration::seconds(10));
    assert!(w.run_once().await.unwrap()); // try 2 fails: next in 20 s
    app.clock.advance(Duration::seconds(19));
    assert!(!w.run_once().await.unwrap());
    app.clock.advance(Duration::seconds(1));
    assert!(w.run_once().await.unwrap()); // try 3 fails: given up
    app.clock.advance(Duration::hours(2));
    assert!(!w.run_once().await.unwrap());

    assert_eq!(*seen.lock().unwrap(), vec![(id, 1), (id, 2), (id, 3)]);
    let error = app
        .read_text("SELECT last_error FROM jobs WHERE id = $1", id)
        .await;
    assert_eq!(error, "try 3 failed");
}

#[tokio::test]
async fn a_job_survives_a_restart_and_a_worker_that_died_mid_job() {
    // Arrange: a job enqueued, then a worker claims it and dies before finishing.
    let app = TestApp::spawn().await;
    let id = enqueue(&app, echo(&app)).await;
    let mut tx = app.state.db.begin().await.unwrap();
    let now = app.clock.now();
    let claimed = jobs::queries::claim(
        &mut tx,
        app.state.db.backend(),
        "dead-worker",
        now,
        now + Duration::minutes(5),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claimed.map(|c| c.id), Some(id));
    app.state.db.close().await;

    // Act: the server starts again (a new connection pool on the same database).
    let restarted = AppState::new(app.state.config.clone(), app.clock.clone())
        .await
        .unwrap();
    let (handler, seen) = recording(0);
    let w = Worker::new(
        restarted.db.clone(),
        app.clock.clone(),
        Registry::default().on("test.echo", handler),
    );

    // Assert: nobody takes it while the dead worker's lease holds; then it runs, once.
    assert!(!w.run_once().await.unwrap());
    app.clock.advance(Duration::minutes(5));
    assert!(w.run_once().await.unwrap());
    assert!(!w.run_once().await.unwrap());
    assert_eq!(*seen.lock().unwrap(), vec![(id, 2)]);
}

#[tokio::test]
async fn competing_workers_run_every_job_exactly_once() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(enqueue(&app, echo(&app)).await);
    }
    let (handler, seen) = recording(0);

    let mut tasks = Vec::new();
    for _ in 0..4 {
        let w = worker(&app, handler.clone());
        tasks.push(tokio::spawn(
            async move { while w.run_once().await.unwrap() {} },
        ));
    }
    for t in tasks {
        t.await.unwrap();
    }

    let mut ran: Vec<Uuid> = seen.lock().unwrap().iter().map(|(id, _)| *id).collect();
    ran.sort();
    ids.sort();
    assert_eq!(ran, ids);
}

#[tokio::test]
async fn a_job_of_an_unknown_kind_fails_rather_than_vanishing() {
    let app = TestApp::spawn().await;
    let id = enqueue(
        &app,
        NewJob::new("nobody.handles.this", json!({}), app.clock.now()),
    )
    .await;
    let (handler, _) = recording(0);

    assert!(worker(&app, handler).run_once().await.unwrap());

    let error = app
        .read_text("SELECT last_error FROM jobs WHERE id = $1", id)
        .await;
    assert!(error.contains("no handler"), "{error}");
}
