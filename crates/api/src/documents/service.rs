//! What other capabilities may ask of documents: read one (and check who may open it), take
//! an upload's bytes into storage within the tenant's quota, and file them as a new document
//! in the same transaction as the caller's own change. Nothing here answers HTTP, except
//! [`receive`], which streams a request body into storage.

use super::queries;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::db::AsExec;
use crate::error::ApiResult;
use crate::events;
use portico_shared::events::{DocumentEvent, EventData};
use portico_shared::{DocumentId, TenantId, UserId};
use serde_json::json;

pub use super::queries::{DocumentRow, NewDocument, VersionRow};
pub use super::rules::{Reach, STORED_TYPES, content_disposition, parse_name};
pub use super::transfer::{Received, receive};

/// Holds `document` for `holder` (a request waiting for a decision on it): while any hold
/// remains, contacts cannot add versions to it. Holding twice is holding once.
pub async fn hold(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
    holder: uuid::Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    queries::insert_hold(c, tenant, document, holder, at).await
}

/// Ends every hold of `holder`.
pub async fn release(
    c: &mut impl AsExec,
    tenant: TenantId,
    holder: uuid::Uuid,
) -> sqlx::Result<()> {
    queries::delete_holds(c, tenant, holder).await
}

/// Document `id` of the tenant, deleted or not.
pub async fn document(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: DocumentId,
) -> sqlx::Result<Option<DocumentRow>> {
    queries::get_document(c, tenant, id).await
}

/// Version `version` of document `id`.
pub async fn version(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: DocumentId,
    version: i32,
) -> sqlx::Result<Option<VersionRow>> {
    queries::get_version(c, tenant, id, version).await
}

/// Records a new document with its first version (bytes already stored) on `tx`, audited.
pub async fn insert_uploaded(
    tx: &mut crate::db::Tx,
    who: &Principal,
    origin: &Origin,
    new: &NewDocument<'_>,
    received: &Received,
    uploader: &str,
) -> ApiResult<()> {
    queries::insert_document(tx, who.tenant_id(), new).await?;
    let version = version_row(1, received, who.acting_user(), uploader, new.at);
    queries::insert_version(tx, who.tenant_id(), new.id, &version).await?;
    received.settle(tx).await?;
    let details = json!({
        "organization_id": new.organization, "name": new.name, "version": 1,
        "size": received.size, "content_type": received.content_type, "sha256": received.sha256,
    });
    audit::record(
        tx,
        event(who, "document.uploaded", new.id).details(details),
        origin,
        new.at,
    )
    .await?;
    report(tx, who, new.id, EventData::DocumentUploaded, new.at).await
}

/// Reports `kind` about document `id` as it now is on `tx`, by `who`.
pub(super) async fn report(
    tx: &mut crate::db::Tx,
    who: &Principal,
    id: DocumentId,
    kind: fn(DocumentEvent) -> EventData,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let row = queries::get_document(&mut *tx, who.tenant_id(), id)
        .await?
        .ok_or(crate::error::ApiError::NotFound)?;
    let by =
        crate::tenancy::service::get_user(&mut *tx, who.tenant_id(), who.acting_user()).await?;
    let data = DocumentEvent {
        document_id: id,
        organization_id: row.organization(),
        name: row.name.clone(),
        version: row.current_version,
        visibility: row.visibility()?,
        by: Some(who.acting_user()),
        by_name: by.as_ref().map(|u| u.name.clone()),
        by_staff: by.is_some_and(|u| u.kind == "staff"),
    };
    events::emit(tx, who.tenant_id(), kind(data), now).await?;
    Ok(())
}

pub(super) fn version_row(
    version: i32,
    received: &Received,
    by: UserId,
    by_name: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> VersionRow {
    VersionRow {
        version,
        storage_key: received.key.clone(),
        size: received.size,
        content_type: received.content_type.into(),
        sha256: received.sha256.clone(),
        uploaded_by: Some(by.0),
        uploaded_by_name: by_name.into(),
        uploaded_at: at,
    }
}

/// An audit event about a document, by `who`.
pub(super) fn event(who: &Principal, action: &'static str, doc: DocumentId) -> Event {
    Event::new(who.tenant_id(), action, Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("document", doc)
}
