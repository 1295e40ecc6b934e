//! The event outbox. A capability reports what happened with [`emit`], on the transaction of
//! the change: the event exists only if the change commits. A dispatcher job
//! ([`DISPATCH_JOB`], asked for by every emit) reads a tenant's undispatched events in order
//! and enqueues one delivery job ([`DELIVER_JOB`]) per subscriber of the event's type; the
//! delivery runs the subscriber on a transaction that also records a receipt, so an event
//! delivered twice (a worker died after the work, before the job was marked done) is acted on
//! once. Delivery is at least once, retried with the jobs' backoff; a subscriber's own side
//! effects outside the database (a webhook call) must be idempotent by event id.
//!
//! Capabilities register subscribers in their face's `events()`; `startup` composes them.
//! The event types and their data are `portico_shared::events`, listed in the OpenAPI
//! document's `webhooks`.

pub mod queries;

use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, Job, NewJob, Registry};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use portico_shared::events::{Event, EventData};
use portico_shared::{EventId, TenantId};
pub use queries::{EventRow, list_query as visible_page};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Reads a tenant's undispatched events and fans them out to their subscribers.
pub const DISPATCH_JOB: &str = "events.dispatch";
/// Runs one subscriber on one event.
pub const DELIVER_JOB: &str = "events.deliver";
/// Events one dispatch job hands out; the rest go to the next.
const DISPATCH_BATCH: i64 = 200;

/// Writes `data` to the outbox on `tx`, and asks for a dispatch on the same transaction.
pub async fn emit(
    tx: &mut Tx,
    tenant: TenantId,
    data: EventData,
    now: DateTime<Utc>,
) -> ApiResult<EventId> {
    let id = EventId::new();
    let mut json = serde_json::to_value(&data).map_err(|e| ApiError::Internal(e.into()))?;
    let row = EventRow {
        id: id.0,
        tenant_id: tenant.0,
        organization_id: data.organization().map(|o| o.0),
        kind: data.kind().into(),
        version: EventData::VERSION as i32,
        data: json["data"].take().to_string(),
        occurred_at: now,
    };
    queries::insert(tx, &row).await?;
    let mut job = NewJob::new(DISPATCH_JOB, json!({}), now);
    job.tenant = Some(tenant);
    jobs::enqueue(tx, job, now).await?;
    Ok(id)
}

/// A stored event read back: an unknown type or version is an error, never skipped.
pub fn decode(row: &EventRow) -> ApiResult<Event> {
    if row.version != EventData::VERSION as i32 {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "event {} of type {} has unknown version {}",
            row.id,
            row.kind,
            row.version
        )));
    }
    let data: serde_json::Value = serde_json::from_str(&row.data)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("event {}: {e}", row.id)))?;
    let data: EventData = serde_json::from_value(json!({ "type": row.kind, "data": data }))
        .map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "event {} of type {}: {e}",
                row.id,
                row.kind
            ))
        })?;
    Ok(Event {
        id: EventId(row.id),
        tenant_id: TenantId(row.tenant_id),
        version: EventData::VERSION,
        occurred_at: row.occurred_at,
        data,
    })
}

/// What a subscriber does with an event, on the transaction that records its receipt: it
/// gets the transaction and gives it back (to be committed) or fails (to be retried).
pub type Handler = Arc<dyn Fn(Tx, Event) -> BoxFuture<'static, ApiResult<Tx>> + Send + Sync>;

struct Subscriber {
    kinds: &'static [&'static str],
    handler: Handler,
}

/// The subscribers, by name.
#[derive(Clone, Default)]
pub struct Subscribers(HashMap<&'static str, Arc<Subscriber>>);

impl Subscribers {
    /// Subscribes `name` (stable: receipts are kept under it) to events of `kinds`.
    pub fn on(
        mut self,
        name: &'static str,
        kinds: &'static [&'static str],
        handler: Handler,
    ) -> Self {
        let fresh = self.0.insert(name, Arc::new(Subscriber { kinds, handler }));
        assert!(fresh.is_none(), "subscriber {name} registered twice");
        self
    }

    pub fn merge(mut self, other: Subscribers) -> Self {
        for (name, subscriber) in other.0 {
            assert!(
                self.0.insert(name, subscriber).is_none(),
                "subscriber {name} registered twice"
            );
        }
        self
    }

    /// The names of the subscribers of `kind`, in a stable order.
    fn of(&self, kind: &str) -> Vec<&'static str> {
        let mut names: Vec<_> = self
            .0
            .iter()
            .filter(|(_, s)| s.kinds.contains(&kind))
            .map(|(name, _)| *name)
            .collect();
        names.sort_unstable();
        names
    }
}

/// The dispatch and delivery jobs over `subscribers`.
pub fn jobs(db: Db, clock: crate::clock::Clock, subscribers: Subscribers) -> Registry {
    let subscribers = Arc::new(subscribers);
    let dispatch = {
        let (db, clock, subscribers) = (db.clone(), clock.clone(), subscribers.clone());
        Arc::new(move |job: Job| {
            let (db, clock, subscribers) = (db.clone(), clock.clone(), subscribers.clone());
            Box::pin(async move {
                dispatch(&db, &subscribers, job, clock.now())
                    .await
                    .map_err(|e| format!("{e:#}"))
            }) as BoxFuture<'static, jobs::Outcome>
        }) as jobs::Handler
    };
    let deliver = Arc::new(move |job: Job| {
        let (db, clock, subscribers) = (db.clone(), clock.clone(), subscribers.clone());
        Box::pin(async move {
            deliver(&db, &subscribers, job, clock.now())
                .await
                .map_err(|e| format!("{e:#}"))
        }) as BoxFuture<'static, jobs::Outcome>
    }) as jobs::Handler;
    Registry::default()
        .on(DISPATCH_JOB, dispatch)
        .on(DELIVER_JOB, deliver)
}

async fn dispatch(
    db: &Db,
    subscribers: &Subscribers,
    job: Job,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let tenant = job
        .tenant
        .ok_or_else(|| anyhow::anyhow!("a dispatch job names no tenant"))?;
    let mut tx = db.begin().await?;
    let events = queries::pending(&mut tx, db.backend(), tenant, DISPATCH_BATCH).await?;
    for event in &events {
        for name in subscribers.of(&event.kind) {
            let payload = json!({ "event_id": event.id, "subscriber": name });
            let mut delivery = NewJob::new(DELIVER_JOB, payload, now);
            delivery.tenant = Some(tenant);
            jobs::enqueue(&mut tx, delivery, now).await?;
        }
        queries::mark_dispatched(&mut tx, event.id, now).await?;
    }
    if events.len() as i64 == DISPATCH_BATCH {
        let mut more = NewJob::new(DISPATCH_JOB, json!({}), now);
        more.tenant = Some(tenant);
        jobs::enqueue(&mut tx, more, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn deliver(
    db: &Db,
    subscribers: &Subscribers,
    job: Job,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let event: EventId = serde_json::from_value(job.payload["event_id"].clone())?;
    let name = job.payload["subscriber"].as_str().unwrap_or_default();
    let subscriber = subscribers
        .0
        .get(name)
        .ok_or_else(|| anyhow::anyhow!("no subscriber {name:?}"))?;
    let mut tx = db.begin().await?;
    if !queries::insert_receipt(&mut tx, name, event, now).await? {
        return Ok(());
    }
    let row = queries::get(&mut tx, event)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no event {event}"))?;
    let event = decode(&row).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tx = (subscriber.handler)(tx, event)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    tx.commit().await?;
    Ok(())
}
