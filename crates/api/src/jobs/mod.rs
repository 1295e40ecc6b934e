//! Durable background jobs. A capability enqueues work in the same transaction as the change
//! that causes it (the transactional outbox), so work is never lost nor done for a change that
//! rolled back. Workers claim due jobs with a lease; a worker that dies mid-job leaves a lease
//! that expires, and another worker takes the job again, so handlers must be idempotent (the
//! job id is their idempotency key). Failures retry with exponential backoff, up to
//! `max_attempts`. On PostgreSQL several replicas run workers: claiming uses
//! `FOR UPDATE SKIP LOCKED`, so no job is claimed twice at once.

pub mod queries;
pub mod rules;

use crate::clock::Clock;
use crate::db::{AsExec, Db};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;
use portico_shared::TenantId;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Work to do later.
pub struct NewJob {
    pub kind: &'static str,
    pub tenant: Option<TenantId>,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

impl NewJob {
    /// A job of `kind` due now, tried up to eight times.
    pub fn new(kind: &'static str, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        NewJob {
            kind,
            tenant: None,
            payload,
            run_at: now,
            max_attempts: 8,
        }
    }
}

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub tenant: Option<TenantId>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 on the first try.
    pub attempt: i32,
}

/// Enqueues `job` on `tx`: it exists only if the transaction commits.
pub async fn enqueue(c: &mut impl AsExec, job: NewJob, now: DateTime<Utc>) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    queries::insert(c, id, &job, now).await?;
    Ok(id)
}

/// What a handler answers: done, or an error to retry after (logged, stored on the job).
pub type Outcome = Result<(), String>;
pub type Handler = Arc<dyn Fn(Job) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// The handlers, by job kind.
#[derive(Clone, Default)]
pub struct Registry(HashMap<&'static str, Handler>);

impl Registry {
    pub fn on(mut self, kind: &'static str, handler: Handler) -> Self {
        self.0.insert(kind, handler);
        self
    }

    /// Adds every handler of `other` (a capability's `jobs()`); a kind registered twice is a
    /// programming error.
    pub fn merge(mut self, other: Registry) -> Self {
        for (kind, handler) in other.0 {
            assert!(
                self.0.insert(kind, handler).is_none(),
                "job kind {kind} registered twice"
            );
        }
        self
    }
}

/// Claims and runs jobs.
pub struct Worker {
    db: Db,
    clock: Clock,
    registry: Registry,
    name: String,
    lease: Duration,
}

impl Worker {
    pub fn new(db: Db, clock: Clock, registry: Registry) -> Self {
        Worker {
            db,
            clock,
            registry,
            name: format!("worker-{}", Uuid::now_v7().simple()),
            lease: Duration::minutes(5),
        }
    }

    /// Runs one due job, if there is one. Returns whether it ran one.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let claimed = queries::claim(
            &mut tx,
            self.db.backend(),
            &self.name,
            now,
            now + self.lease,
        )
        .await?;
        tx.commit().await?;
        let Some(job) = claimed else {
            return Ok(false);
        };
        let (id, attempt, max_attempts) = (job.id, job.attempt, job.max_attempts);
        let outcome = match self.registry.0.get(job.kind.as_str()) {
            Some(handler) => handler(job.job).await,
            None => Err(format!("no handler for jobs of kind {}", job.kind)),
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        match outcome {
            Ok(()) => queries::complete(&mut tx, id, &self.name, now).await?,
            Err(error) => {
                tracing::warn!(job = %id, attempt, %error, "job failed");
                let retry_at = (attempt < max_attempts).then(|| now + rules::backoff(attempt));
                queries::fail(&mut tx, id, &self.name, &error, retry_at, now).await?
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Runs jobs until the process ends, polling when there is nothing to do.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %format!("{e:#}"), "job worker"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}
