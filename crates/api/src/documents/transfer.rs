//! Moving bytes (SECURITY.md S15, S16). Uploads stream into object storage: the declared
//! length is checked before a byte is read, the running count while reading (413 as soon as
//! it passes the limit, or the room reserved in the tenant's quota cannot grow), the first bytes decide the type against an
//! allow-list (415 otherwise), and SHA-256 is computed on the way. Downloads stream out of
//! storage, answer one `Range` with 206, and carry an RFC 6266 `Content-Disposition` and
//! `nosniff`. Short-lived signed links let the browser fetch content without a bearer token;
//! each use checks the signer's session and the document's visibility again.

use super::queries::{self, DocumentRow, VersionRow};
use super::rules::{self, Ranged};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::Storage;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use portico_shared::{DocumentId, TenantId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Bytes that arrived and are stored, with the room in the quota they hold until the version
/// naming them is saved ([`Received::settle`]) or they are thrown away ([`Received::discard`]).
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: &'static str,
    reservation: Uuid,
}

impl Received {
    /// Ends the reservation on `tx`, the transaction that records these bytes as a version.
    pub async fn settle(&self, tx: &mut crate::db::Tx) -> ApiResult<()> {
        queries::release_reservation(tx, self.reservation).await?;
        Ok(())
    }

    /// Deletes the stored bytes and ends the reservation (the upload was refused after all).
    pub async fn discard(&self, state: &AppState) {
        let _ = state.storage.delete(&self.key).await;
        release(state, self.reservation).await;
    }
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// How much more of the quota an upload reserves each time it needs more.
const RESERVE_STEP: u64 = 8 * 1024 * 1024;
/// A reservation no upload has grown for this long was left by a crash and no longer counts.
const RESERVATION_LIFETIME_MINUTES: i64 = 60;

/// Room in a tenant's quota held by one upload while it streams (SECURITY.md S15): every
/// byte is reserved before it is stored, so parallel uploads cannot overrun the quota together.
struct Reservation<'a> {
    state: &'a AppState,
    tenant: TenantId,
    id: Uuid,
    held: u64,
}

impl Reservation<'_> {
    /// Holds room for at least `size` bytes (up to `max`): 413 `quota-exceeded` if there is none.
    async fn cover(&mut self, size: u64, max: u64) -> ApiResult<()> {
        if size <= self.held {
            return Ok(());
        }
        // A step ahead, to reserve seldom; near the end of the room, just what is needed.
        let ahead = (self.held + RESERVE_STEP).min(max).max(size);
        for want in std::iter::once(ahead).chain((ahead > size).then_some(size)) {
            if self.try_hold(want).await? {
                self.held = want;
                return Ok(());
            }
        }
        Err(ApiError::QuotaExceeded)
    }

    async fn try_hold(&self, bytes: u64) -> ApiResult<bool> {
        let now = self.state.clock.now();
        let live_since = now - Duration::minutes(RESERVATION_LIFETIME_MINUTES);
        let quota = self.state.config.storage_quota;
        let mut tx = self.state.db.begin().await?;
        let held =
            queries::reserve(&mut tx, self.tenant, self.id, bytes, quota, now, live_since).await?;
        tx.commit().await?;
        Ok(held)
    }
}

async fn release(state: &AppState, reservation: Uuid) {
    let released = async {
        let mut conn = state.db.conn().await?;
        queries::release_reservation(&mut conn, reservation).await
    };
    if let Err(e) = released.await {
        tracing::warn!(error = %e, "an upload reservation was not released; it lapses in an hour");
    }
}

/// The request body, streamed into a new object of `tenant`'s storage. With `accepted` types
/// named, the file must be one of them (415 otherwise).
pub async fn receive(
    state: &AppState,
    tenant: TenantId,
    name: &str,
    accepted: &[String],
    req: &HttpRequest,
    body: web::Payload,
) -> ApiResult<Received> {
    let mut reservation = Reservation {
        state,
        tenant,
        id: Uuid::now_v7(),
        held: 0,
    };
    let id = reservation.id;
    let received = stream_in(&mut reservation, name, accepted, req, body).await;
    if received.is_err() {
        release(state, id).await;
    }
    received
}

async fn stream_in(
    reservation: &mut Reservation<'_>,
    name: &str,
    accepted: &[String],
    req: &HttpRequest,
    mut body: web::Payload,
) -> ApiResult<Received> {
    let (state, tenant) = (reservation.state, reservation.tenant);
    let max = state.config.max_upload;
    let too_large = |size: u64| (size > max).then_some(ApiError::PayloadTooLarge);
    if let Some(declared) = declared_length(req) {
        if let Some(e) = too_large(declared) {
            return Err(e);
        }
        reservation.cover(declared, max).await?;
    }

    // The first bytes decide what the file is, before anything is stored.
    let mut head = Vec::with_capacity(rules::SNIFF_BYTES);
    let mut ended = false;
    while head.len() < rules::SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(ApiError::from)?;
                let size = (head.len() + chunk.len()) as u64;
                if let Some(e) = too_large(size) {
                    return Err(e);
                }
                reservation.cover(size, max).await?;
                head.extend_from_slice(&chunk);
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.is_empty() {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    let sniff_window = &head[..head.len().min(rules::SNIFF_BYTES)];
    let content_type = rules::sniff(sniff_window, name)
        .filter(|t| accepted.is_empty() || accepted.iter().any(|a| a == t))
        .ok_or(ApiError::UnsupportedMediaType)?;

    let key = Storage::new_key(tenant);
    let mut writer = state.storage.writer(&key).await?;
    // SHA-256 runs on a thread of its own, beside the network and the disk.
    let hasher = Hasher::start();
    let head = Bytes::from(head);
    let mut size = head.len() as u64;
    hasher.add(head.clone()).await;
    if let Err(e) = writer.write(head).await {
        writer.abort().await;
        return Err(e.into());
    }
    while let Some(chunk) = if ended { None } else { body.next().await } {
        let step = match chunk {
            Err(e) => Err(ApiError::from(e)),
            Ok(chunk) => {
                let next = size + chunk.len() as u64;
                match too_large(next) {
                    Some(e) => Err(e),
                    None => match reservation.cover(next, max).await {
                        Err(e) => Err(e),
                        Ok(()) => {
                            size = next;
                            hasher.add(chunk.clone()).await;
                            writer.write(chunk).await.map_err(ApiError::from)
                        }
                    },
                }
            }
        };
        if let Err(e) = step {
            writer.abort().await;
            return Err(e);
        }
    }
    writer.finish().await?;
    let sha256 = hasher.finish().await?;
    Ok(Received {
        key,
        size: size as i64,
        sha256,
        content_type,
        reservation: reservation.id,
    })
}

/// SHA-256 of a stream of chunks, computed on the blocking pool as they arrive.
struct Hasher {
    chunks: tokio::sync::mpsc::Sender<Bytes>,
    digest: tokio::task::JoinHandle<String>,
}

impl Hasher {
    fn start() -> Hasher {
        // Chunks are reference-counted: queueing one costs no copy. The bound keeps the
        // hasher from falling far behind (and memory from growing) on a slow machine.
        let (chunks, mut queue) = tokio::sync::mpsc::channel::<Bytes>(256);
        let digest = tokio::task::spawn_blocking(move || {
            let mut hasher = Sha256::new();
            while let Some(chunk) = queue.blocking_recv() {
                hasher.update(&chunk);
            }
            hex::encode(hasher.finalize())
        });
        Hasher { chunks, digest }
    }

    /// Waits only when 256 chunks are queued: the hasher is then the bottleneck anyway.
    async fn add(&self, chunk: Bytes) {
        let _ = self.chunks.send(chunk).await;
    }

    async fn finish(self) -> ApiResult<String> {
        drop(self.chunks);
        self.digest
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing failed: {e}")))
    }
}

/// Whether a request for content counts as a view or download in the access log: a whole
/// file, or the start of one (a viewer fetching later parts of the same file is one view).
pub fn counts_as_access(req: &HttpRequest, size: i64) -> bool {
    match rules::parse_range(range_header(req), size as u64) {
        Ranged::Whole => true,
        Ranged::Part(r) => r.start == 0,
        Ranged::Unsatisfiable => false,
    }
}

fn range_header(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::RANGE)?.to_str().ok()
}

/// Streams `version` of `doc` out of storage: whole (200) or one range (206), 416 for a range
/// past the end.
pub async fn serve(
    state: &AppState,
    req: &HttpRequest,
    doc: &DocumentRow,
    version: &VersionRow,
    download: bool,
) -> ApiResult<HttpResponse> {
    let size = version.size as u64;
    let (status, range) = match rules::parse_range(range_header(req), size) {
        Ranged::Whole => (StatusCode::OK, 0..size),
        Ranged::Part(r) => (StatusCode::PARTIAL_CONTENT, r),
        Ranged::Unsatisfiable => {
            let mut res = actix_web::ResponseError::error_response(&ApiError::RangeNotSatisfiable);
            if let Ok(v) = header::HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(res);
        }
    };
    let stream = state
        .storage
        .read(
            &version.storage_key,
            (status == StatusCode::PARTIAL_CONTENT).then(|| range.clone()),
        )
        .await?;
    let attachment = download || !rules::shown_inline(&version.content_type);
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, version.content_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            rules::content_disposition(attachment, &doc.name),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, format!("\"{}\"", version.sha256)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        // The portal's own preview frame may show it; no other site may frame it.
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        // Bytes go out exactly as stored: no compression, so ranges mean what they say.
        .insert_header((header::CONTENT_ENCODING, "identity"));
    if version.content_type != "application/pdf" {
        // Nothing in a served file may run or load anything (the PDF viewer needs its own).
        res.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        ));
    }
    if status == StatusCode::PARTIAL_CONTENT {
        res.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{size}", range.start, range.end - 1),
        ));
    }
    Ok(res.no_chunking(range.end - range.start).streaming(stream))
}

/// The JOSE `typ` of file links, so no other token can stand in for one.
pub const FILE_TOKEN_TYPE: &str = "file+jwt";
const FILE_AUDIENCE: &str = "portico-files";
/// How long a file link works: long enough for a viewer to fetch the later parts of a PDF.
pub const LINK_SECONDS: i64 = 300;

/// What a file link carries: who made it (their session must still be open when it is
/// used), which version of which document, and how to send it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub tid: Uuid,
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub doc: Uuid,
    pub ver: i32,
    pub dl: bool,
}

/// Signs a link for `who` to `version` of `doc`.
pub fn sign_link(
    state: &AppState,
    who: &crate::auth::Principal,
    doc: DocumentId,
    version: i32,
    download: bool,
    now: DateTime<Utc>,
) -> ApiResult<(String, DateTime<Utc>)> {
    let expires = now + Duration::seconds(LINK_SECONDS);
    let claims = FileClaims {
        iss: state.keys.issuer().to_string(),
        aud: FILE_AUDIENCE.into(),
        sub: who.user_id.0,
        tid: who.tenant_id.0,
        sid: who.session_id.0,
        iat: now.timestamp(),
        exp: expires.timestamp(),
        doc: doc.0,
        ver: version,
        dl: download,
    };
    let token = state.keys.sign(&claims, FILE_TOKEN_TYPE)?;
    Ok((format!("/api/v1/files?token={token}"), expires))
}

/// The claims of a good link; any fault (forged, expired, another kind of token) is a 404,
/// like a link that never existed.
pub fn verify_link(state: &AppState, token: &str, now: DateTime<Utc>) -> ApiResult<FileClaims> {
    state
        .keys
        .verify::<FileClaims>(token, FILE_TOKEN_TYPE, FILE_AUDIENCE, now, |c| {
            (c.iat, c.exp)
        })
        .map_err(|e| {
            tracing::debug!(reason = %e, "file link refused");
            ApiError::NotFound
        })
}
