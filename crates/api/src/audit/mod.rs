//! The audit log (SECURITY.md S22): one append-only event per security-relevant action,
//! written in the same transaction as the change it records, hash-chained per tenant so that
//! any edit, deletion or reordering is detectable (`portico audit verify`). The database refuses
//! UPDATE and DELETE on the table (triggers in the migrations).

pub mod origin;
pub mod queries;

use crate::db::{AuditKey, Db};
use chrono::{DateTime, SecondsFormat, Utc};
use portico_shared::{AuditEventId, TenantId, UserId};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The hash before a tenant's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Where a request came from, as recorded in audit events.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl Origin {
    /// An action taken from the `portico` command line.
    pub fn cli() -> Self {
        Origin {
            ip: None,
            user_agent: Some("portico-cli".into()),
            request_id: None,
        }
    }
}

/// Who is making a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Actor {
            user_id: None,
            label: label.into(),
        }
    }
}

/// One thing to record. `actor` is who did it as a label (an email, `system`); `actor_user_id`
/// is set when the actor is a known user. Never put a secret in `details`.
#[derive(Debug, Clone)]
pub struct Event {
    pub tenant_id: TenantId,
    pub actor_user_id: Option<UserId>,
    pub actor: String,
    pub action: &'static str,
    pub object_type: Option<&'static str>,
    pub object_id: Option<String>,
    pub outcome: Outcome,
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(tenant_id: TenantId, action: &'static str, outcome: Outcome) -> Self {
        Event {
            tenant_id,
            actor_user_id: None,
            actor: "system".into(),
            action,
            object_type: None,
            object_id: None,
            outcome,
            details: json!({}),
        }
    }

    pub fn by(mut self, user: Option<UserId>, label: impl Into<String>) -> Self {
        self.actor_user_id = user;
        self.actor = label.into();
        self
    }

    /// By `actor`: a person (their id and email) or the system (a label).
    pub fn by_actor(self, actor: &Actor) -> Self {
        self.by(actor.user_id, actor.label.clone())
    }

    pub fn on(mut self, object_type: &'static str, object_id: impl ToString) -> Self {
        self.object_type = Some(object_type);
        self.object_id = Some(object_id.to_string());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// The authenticated caller of a request, noted by the Principal extractor so that
/// [`denials`] can attribute a refusal.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: TenantId,
    pub user: UserId,
    pub email: String,
    /// In a view-as session, the staff member looking: named in every event too.
    pub viewer: Option<UserId>,
}

/// Middleware: every 403 answered to an authenticated caller is recorded as an
/// `access.denied` event in the caller's tenant (SECURITY.md S22), with the method and path
/// (never the query string or body). Recording never changes the answer; a failure to record
/// is logged.
pub async fn denials(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let res = next.call(req).await?;
    if res.status() != actix_web::http::StatusCode::FORBIDDEN {
        return Ok(res);
    }
    let request = res.request();
    let caller = request.extensions().get::<Caller>().cloned();
    let state = request
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .cloned();
    if let (Some(caller), Some(state)) = (caller, state) {
        let origin = origin::origin_of(request);
        let mut details = json!({ "method": request.method().as_str(), "path": request.path() });
        if let Some(viewer) = caller.viewer {
            details["viewer_user_id"] = json!(viewer);
        }
        let event = Event::new(caller.tenant, "access.denied", Outcome::Denied)
            .by(Some(caller.user), &caller.email)
            .details(details);
        let now = state.clock.now();
        let recorded = async {
            let mut tx = state.db.begin().await?;
            record(&mut tx, event, &origin, now).await?;
            tx.commit().await
        };
        if let Err(e) = recorded.await {
            tracing::error!(error = %e, "could not audit a denied request");
        }
    }
    Ok(res)
}

/// A stored event, as read back for verification.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: uuid::Uuid,
    pub tenant_id: uuid::Uuid,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<uuid::Uuid>,
    pub actor: String,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The prefix of a keyed link of the chain.
const KEYED: &str = "k1:";

/// The chain hash of an event: over the previous hash and a canonical JSON array of the
/// event's fields. With the server's audit key it is an HMAC-SHA256, `k1:<hex>`: someone who
/// can write the database but does not hold the key cannot forge a chain that verifies. Events
/// written before the chain was keyed carry a plain SHA-256, `<hex>`.
pub fn chain_hash(prev_hash: &str, e: &StoredEvent, key: Option<&AuditKey>) -> String {
    let canonical = json!([
        e.seq,
        e.id.to_string(),
        e.tenant_id.to_string(),
        e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor_user_id.map(|u| u.to_string()),
        e.actor,
        e.action,
        e.object_type,
        e.object_id,
        e.outcome,
        e.ip,
        e.user_agent,
        e.request_id,
        e.details,
    ]);
    let message = format!("{prev_hash}\n{canonical}");
    match key {
        Some(key) => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.0.as_slice());
            let tag = ring::hmac::sign(&key, message.as_bytes());
            format!("{KEYED}{}", hex::encode(tag.as_ref()))
        }
        None => hex::encode(Sha256::digest(message.as_bytes())),
    }
}

/// Appends `event` to its tenant's chain inside the caller's transaction `tx`.
pub async fn record(
    tx: &mut crate::db::Tx,
    event: Event,
    origin: &Origin,
    at: DateTime<Utc>,
) -> sqlx::Result<AuditEventId> {
    let (seq, prev_hash) = queries::advance_head(tx, event.tenant_id).await?;
    let mut stored = StoredEvent {
        id: AuditEventId::new().0,
        tenant_id: event.tenant_id.0,
        seq,
        occurred_at: at,
        actor_user_id: event.actor_user_id.map(|u| u.0),
        actor: event.actor,
        action: event.action.to_string(),
        object_type: event.object_type.map(str::to_string),
        object_id: event.object_id,
        outcome: event.outcome.as_str().to_string(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        request_id: origin.request_id.clone(),
        details: event.details.to_string(),
        prev_hash: prev_hash.clone(),
        hash: String::new(),
    };
    stored.hash = chain_hash(&prev_hash, &stored, tx.audit_key());
    queries::insert_event(tx, &stored).await?;
    queries::set_head_hash(tx, event.tenant_id, &stored.hash).await?;
    Ok(AuditEventId(stored.id))
}

/// What `verify_chain` found for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    Intact { events: i64 },
    Broken { seq: i64, reason: String },
}

/// Recomputes a tenant's chain from the first event and compares it with the stored hashes
/// and the chain head.
pub async fn verify_chain(db: &Db, tenant: TenantId) -> anyhow::Result<ChainStatus> {
    let mut conn = db.conn().await?;
    let events = queries::events_of(&mut conn, tenant).await?;
    let head = queries::head_of(&mut conn, tenant).await?;
    let key = db.audit_key();
    let mut prev = GENESIS_HASH.to_string();
    let mut keyed = false;
    for (expected_seq, e) in (1..).zip(events.iter()) {
        if e.seq != expected_seq {
            return Ok(ChainStatus::Broken {
                seq: expected_seq,
                reason: "event missing".into(),
            });
        }
        if e.prev_hash != prev {
            return Ok(ChainStatus::Broken {
                seq: e.seq,
                reason: "previous hash does not match".into(),
            });
        }
        // Unkeyed links are older ones: they may only come before the first keyed link.
        let this_keyed = e.hash.starts_with(KEYED);
        if keyed && !this_keyed {
            return Ok(ChainStatus::Broken {
                seq: e.seq,
                reason: "an unkeyed link after keyed ones (the chain was rewritten)".into(),
            });
        }
        keyed = this_keyed;
        let expected = chain_hash(&prev, e, if this_keyed { key } else { None });
        if expected != e.hash {
            return Ok(ChainStatus::Broken {
                seq: e.seq,
                reason: "event was altered".into(),
            });
        }
        prev = e.hash.clone();
    }
    let count = events.len() as i64;
    match head {
        Some((seq, hash)) if seq == count && hash == prev => {
            Ok(ChainStatus::Intact { events: count })
        }
        None if count == 0 => Ok(ChainStatus::Intact { events: 0 }),
        _ => Ok(ChainStatus::Broken {
            seq: count,
            reason: "the chain head does not match the last event (events removed from the end?)"
                .into(),
        }),
    }
}

/// A tenant's chain head at one moment, signed with the server's audit key: exported outside
/// the database (`portico audit checkpoint`), it later proves that the chain up to `seq` is
/// the one that existed then, even if the whole chain was rewritten in the database, in any
/// hash form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub tenant_id: uuid::Uuid,
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// HMAC-SHA256 over the fields above, hex.
    pub signature: String,
}

fn checkpoint_message(tenant: uuid::Uuid, seq: i64, hash: &str, at: DateTime<Utc>) -> String {
    format!(
        "portico audit checkpoint\n{tenant}\n{seq}\n{hash}\n{}",
        at.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

fn checkpoint_key(key: &AuditKey) -> ring::hmac::Key {
    // A key of its own (derived from the chain's), so a checkpoint never passes for a link.
    let derived = Sha256::new()
        .chain_update(b"checkpoint\0")
        .chain_update(key.0.as_slice())
        .finalize();
    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &derived)
}

/// Signs a tenant's current chain head.
pub async fn checkpoint(
    db: &Db,
    tenant: TenantId,
    at: DateTime<Utc>,
) -> anyhow::Result<Checkpoint> {
    let key = db
        .audit_key()
        .ok_or_else(|| anyhow::anyhow!("no audit key"))?;
    let mut conn = db.conn().await?;
    let (seq, hash) = queries::head_of(&mut conn, tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no audit chain for this tenant"))?;
    let signature = ring::hmac::sign(
        &checkpoint_key(key),
        checkpoint_message(tenant.0, seq, &hash, at).as_bytes(),
    );
    Ok(Checkpoint {
        tenant_id: tenant.0,
        seq,
        hash,
        at,
        signature: hex::encode(signature.as_ref()),
    })
}

/// Checks a checkpoint against the chain as it is now: its signature, and that the event at
/// its `seq` still has its hash (or, for a checkpoint of an empty chain, nothing to compare).
pub async fn verify_checkpoint(db: &Db, cp: &Checkpoint) -> anyhow::Result<ChainStatus> {
    let key = db
        .audit_key()
        .ok_or_else(|| anyhow::anyhow!("no audit key"))?;
    let message = checkpoint_message(cp.tenant_id, cp.seq, &cp.hash, cp.at);
    let signature = hex::decode(&cp.signature).unwrap_or_default();
    if ring::hmac::verify(&checkpoint_key(key), message.as_bytes(), &signature).is_err() {
        return Ok(ChainStatus::Broken {
            seq: cp.seq,
            reason: "the checkpoint's signature is not this server's".into(),
        });
    }
    let mut conn = db.conn().await?;
    let events = queries::events_of(&mut conn, TenantId(cp.tenant_id)).await?;
    if cp.seq == 0 {
        return Ok(ChainStatus::Intact {
            events: events.len() as i64,
        });
    }
    match events.iter().find(|e| e.seq == cp.seq) {
        Some(e) if e.hash == cp.hash => Ok(ChainStatus::Intact {
            events: events.len() as i64,
        }),
        Some(_) => Ok(ChainStatus::Broken {
            seq: cp.seq,
            reason: format!(
                "the chain differs from the checkpoint of {} (history was rewritten)",
                cp.at
            ),
        }),
        None => Ok(ChainStatus::Broken {
            seq: cp.seq,
            reason: "events the checkpoint covers are missing".into(),
        }),
    }
}
