//! HTTP handlers for documents: list and search, upload (new documents and new versions),
//! read, rename, move, change visibility, delete to the bin and restore, publish to many
//! organisations, content and file links, and the access log.

use super::folders::{folder_of, reach_in};
use super::queries::{self, DocumentQuery, DocumentRow, NewAccess, NewDocument, VersionRow};
use super::rules::{self, Reach};
use super::service::{event, insert_uploaded, report, version_row};
use super::transfer;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::{Access, Principal};
use crate::body::JsonObject;
use crate::db::enums::Stored;
use crate::error::{ApiError, ApiResult, UploadResult};
use crate::jobs::{self, NewJob};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use portico_shared::documents::{
    AccessEntry, AccessKind, ContentParams, CreateFileLink, Document, DocumentFilter,
    DocumentVersion, FileLink, PublishDocument, StorageUsage, UpdateDocument, UploadParams,
    Visibility,
};
use portico_shared::events::EventData;
use portico_shared::{DocumentId, OrganizationId, Page, Problem, TenantId, UserId};
use serde::Deserialize;
use serde_json::json;

/// The job that removes a document for good once its time in the bin is over.
pub const PURGE_JOB: &str = "documents.purge";
/// At most this many organisations in one publication.
const MAX_PUBLISH: usize = 500;

/// The document `id` as `who` reaches it, with their reach: 404 when its organisation is not
/// theirs, when its visibility leaves them out, or when it is in the bin (staff see the bin
/// when `bin` is set); 403 for a contact without the `documents` scope.
pub(crate) async fn reachable(
    state: &AppState,
    who: &Principal,
    id: DocumentId,
    bin: bool,
) -> ApiResult<(DocumentRow, Reach)> {
    let mut conn = state.db.conn().await?;
    let doc = queries::get_document(&mut conn, who.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let reach = reach_in(state, who, doc.organization()).await?;
    if !reach.sees(doc.visibility()?, doc.scope()?) {
        return Err(ApiError::NotFound);
    }
    if doc.deleted_at.is_some() && !(bin && reach == Reach::Staff) {
        return Err(ApiError::NotFound);
    }
    Ok((doc, reach))
}

async fn reload(state: &AppState, tenant: TenantId, id: DocumentId) -> ApiResult<Document> {
    let mut conn = state.db.conn().await?;
    let row = queries::get_document(&mut conn, tenant, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    row.try_into()
}

/// Documents of an organisation that the caller may see: one folder (the top level by
/// default), or a search by name across every folder (`q`), or the bin (`deleted=true`,
/// staff only).
#[utoipa::path(
    tag = "documents",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), DocumentFilter, PageParams),
    responses(
        (status = 200, description = "One page of documents.", body = Page<Document>),
        (status = 403, description = "A contact without the `documents` scope, or a contact asking for the bin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such folder here, or a bad `limit` or `cursor`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
    web::Query(filter): web::Query<DocumentFilter>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Document>>> {
    let org = path.into_inner();
    let reach = reach_in(&state, &who, org).await?;
    let deleted = filter.deleted.unwrap_or(false);
    if deleted {
        who.require_staff()?;
    }
    if let Some(folder) = filter.folder_id {
        folder_of(&state, &who, org, folder, "folder_id").await?;
    }
    let (limit, after) = (params.limit(), params.after()?);
    let search = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let query = DocumentQuery {
        organization: org,
        folder: filter.folder_id,
        search,
        deleted,
        scopes: reach.scope_list(),
    };
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::DocumentRow> =
        queries::list_query(conn.backend(), who.tenant_id(), &query, after, limit)
            .fetch_all(&mut conn)
            .await?;
    let documents = rows
        .into_iter()
        .map(Document::try_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(page(
        documents,
        limit,
        |d| d.id.0,
        ApiResult::Ok,
    )?))
}

/// Upload a new document. The request body is the file itself, streamed (send its length as
/// `Content-Length` to be refused at once when it is too large). Its type is decided from its
/// first bytes against an allow-list — PDF, PNG, JPEG, GIF, WebP, TIFF, Office and
/// OpenDocument files, ZIP, plain text, CSV and Markdown — whatever `Content-Type` says.
/// Staff choose who sees it; a contact's upload is seen by their organisation.
#[utoipa::path(
    tag = "documents",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), UploadParams),
    request_body(description = "The file's bytes.", content((crate::body::FileBytes = "application/octet-stream"))),
    responses(
        (status = 201, description = "Stored.", body = Document),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit (`payload-too-large`) or than the storage left (`quota-exceeded`).", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a type on the allow-list.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, folder or visibility, or an empty file.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/documents")]
pub async fn upload_document(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    path: web::Path<OrganizationId>,
    web::Query(params): web::Query<UploadParams>,
    body: web::Payload,
) -> UploadResult<HttpResponse> {
    let org = path.into_inner();
    let reach = reach_in(&state, &who, org).await?;
    let name = rules::parse_name(&params.name).map_err(|m| ApiError::invalid("name", m))?;
    let (visibility, scope) = rules::parse_visibility(
        params.visibility.unwrap_or(Visibility::Organization),
        params.scope,
    )?;
    if reach != Reach::Staff && visibility != Visibility::Organization {
        return Err(ApiError::invalid(
            "visibility",
            "a contact's upload is seen by their organisation",
        )
        .into());
    }
    if let Some(folder) = params.folder_id {
        folder_of(&state, &who, org, folder, "folder_id").await?;
    }
    let uploader = who.acting_name(&state.db).await?;
    let received = transfer::receive(&state, who.tenant_id(), &name, &[], &req, body).await?;
    let id = DocumentId::new();
    let now = state.clock.now();
    let stored = async {
        let mut tx = state.db.begin().await?;
        let new = NewDocument {
            id,
            organization: org,
            folder: params.folder_id,
            name: &name,
            visibility,
            scope,
            at: now,
        };
        insert_uploaded(&mut tx, &who, &origin, &new, &received, &uploader).await?;
        tx.commit().await?;
        ApiResult::Ok(())
    }
    .await;
    if let Err(e) = stored {
        received.discard(&state).await;
        return Err(e.into());
    }
    let document = reload(&state, who.tenant_id(), id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/documents/{id}")))
        .json(document))
}

/// Upload a new version of a document: it becomes the current one; earlier versions stay
/// and can still be downloaded. The body is the file, as for a new document. Contacts cannot
/// add versions to a document an open request asks them to approve or sign.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    request_body(description = "The file's bytes.", content((crate::body::FileBytes = "application/octet-stream"))),
    responses(
        (status = 201, description = "Stored; the document with its new current version.", body = Document),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A contact's version of a document waiting for their approval or signature.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit or the storage left.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a type on the allow-list.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty file.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/documents/{document_id}/versions")]
pub async fn upload_version(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    path: web::Path<DocumentId>,
    body: web::Payload,
) -> UploadResult<HttpResponse> {
    let id = path.into_inner();
    let (doc, reach) = reachable(&state, &who, id, false).await?;
    if reach != Reach::Staff {
        let mut conn = state.db.conn().await?;
        if queries::is_held(&mut conn, who.tenant_id(), id).await? {
            return Err(ApiError::Conflict(
                "This document is waiting for your approval or signature; it cannot get a new \
                 version until the request is closed."
                    .into(),
            )
            .into());
        }
    }
    let uploader = who.acting_name(&state.db).await?;
    let received = transfer::receive(&state, who.tenant_id(), &doc.name, &[], &req, body).await?;
    let now = state.clock.now();
    let stored = async {
        let mut tx = state.db.begin().await?;
        let number = queries::next_version(&mut tx, who.tenant_id(), id, now).await?;
        let version = version_row(number, &received, who.acting_user(), &uploader, now);
        queries::insert_version(&mut tx, who.tenant_id(), id, &version).await?;
        received.settle(&mut tx).await?;
        let details = json!({
            "version": number, "size": received.size,
            "content_type": received.content_type, "sha256": received.sha256,
        });
        audit::record(
            &mut tx,
            event(&who, "document.version_uploaded", id).details(details),
            &origin,
            now,
        )
        .await?;
        report(&mut tx, &who, id, EventData::DocumentVersionAdded, now).await?;
        tx.commit().await?;
        ApiResult::Ok(())
    }
    .await;
    if let Err(e) = stored {
        received.discard(&state).await;
        return Err(e.into());
    }
    Ok(HttpResponse::Created().json(reload(&state, who.tenant_id(), id).await?))
}

/// One document with its current version's metadata. Staff also read documents in the bin.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    responses(
        (status = 200, description = "The document.", body = Document),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/documents/{document_id}")]
pub async fn get_document(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
) -> ApiResult<web::Json<Document>> {
    let (doc, _) = reachable(&state, &who, path.into_inner(), true).await?;
    Ok(web::Json(doc.try_into()?))
}

/// Every version of a document, newest first.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    responses(
        (status = 200, description = "The versions, newest first.", body = Vec<DocumentVersion>),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/documents/{document_id}/versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
) -> ApiResult<web::Json<Vec<DocumentVersion>>> {
    let id = path.into_inner();
    reachable(&state, &who, id, true).await?;
    let mut conn = state.db.conn().await?;
    let rows = queries::list_versions(&mut conn, who.tenant_id(), id).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Rename a document, move it to another folder of its organisation (`"folder_id": null`
/// for the top level) or change who sees it. Staff only.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    request_body = UpdateDocument,
    responses(
        (status = 200, description = "The document as it is now.", body = Document),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, folder or visibility, or an unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/documents/{document_id}")]
pub async fn update_document(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<DocumentId>,
    JsonObject(body): JsonObject<UpdateDocument>,
) -> ApiResult<web::Json<Document>> {
    let id = path.into_inner();
    let (doc, _) = reachable(&state, &who, id, false).await?;
    who.require_staff()?;
    let name = match &body.name {
        Some(n) => rules::parse_name(n).map_err(|m| ApiError::invalid("name", m))?,
        None => doc.name.clone(),
    };
    let folder = match body.folder_id {
        None => doc.folder_id,
        Some(None) => None,
        Some(Some(f)) => Some(
            folder_of(&state, &who, doc.organization(), f, "folder_id")
                .await?
                .id,
        ),
    };
    let (visibility, scope) = match (body.visibility, body.scope) {
        (None, None) => (doc.visibility()?, doc.scope()?),
        (Some(v), s) => rules::parse_visibility(v, s)?,
        (None, Some(s)) => rules::parse_visibility(doc.visibility()?, Some(s))?,
    };
    let after = DocumentRow {
        name,
        folder_id: folder,
        visibility: visibility.stored().into(),
        visible_scope: scope.map(|s| s.stored().to_string()),
        ..doc.clone()
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // A version compare: a change made meanwhile (another rename, a move, a new version,
    // the bin) is never overwritten with the copy read above.
    if !queries::update_document(&mut tx, who.tenant_id(), &after, now).await? {
        return Err(ApiError::Conflict(
            "The document changed meanwhile; reload it and try again.".into(),
        ));
    }
    let summary = |d: &DocumentRow| json!({ "name": d.name, "folder_id": d.folder_id, "visibility": d.visibility, "scope": d.visible_scope });
    let details = json!({ "before": summary(&doc), "after": summary(&after) });
    audit::record(
        &mut tx,
        event(&who, "document.updated", id).details(details),
        &origin,
        now,
    )
    .await?;
    report(&mut tx, &who, id, EventData::DocumentUpdated, now).await?;
    tx.commit().await?;
    Ok(web::Json(reload(&state, who.tenant_id(), id).await?))
}

/// Put a document in the bin: it disappears for contacts and can be restored for 30 days,
/// after which it is removed for good. Staff only.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    responses(
        (status = 204, description = "In the bin."),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/documents/{document_id}")]
pub async fn delete_document(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<DocumentId>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    reachable(&state, &who, id, false).await?;
    who.require_staff()?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    queries::set_deleted(&mut tx, who.tenant_id(), id, Some((now, who.user_id))).await?;
    let mut purge = NewJob::new(
        PURGE_JOB,
        json!({ "document_id": id }),
        rules::purge_at(now),
    );
    purge.tenant = Some(who.tenant_id());
    jobs::enqueue(&mut tx, purge, now).await?;
    let details = json!({ "purge_at": rules::purge_at(now) });
    audit::record(
        &mut tx,
        event(&who, "document.deleted", id).details(details),
        &origin,
        now,
    )
    .await?;
    report(&mut tx, &who, id, EventData::DocumentDeleted, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Take a document out of the bin, where it was. Staff only.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    responses(
        (status = 200, description = "Restored.", body = Document),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/documents/{document_id}/restore")]
pub async fn restore_document(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<DocumentId>,
) -> ApiResult<web::Json<Document>> {
    let id = path.into_inner();
    let (doc, _) = reachable(&state, &who, id, true).await?;
    who.require_staff()?;
    if doc.deleted_at.is_some() {
        let now = state.clock.now();
        let mut tx = state.db.begin().await?;
        queries::set_deleted(&mut tx, who.tenant_id(), id, None).await?;
        audit::record(&mut tx, event(&who, "document.restored", id), &origin, now).await?;
        report(&mut tx, &who, id, EventData::DocumentRestored, now).await?;
        tx.commit().await?;
    }
    Ok(web::Json(reload(&state, who.tenant_id(), id).await?))
}

/// Publish a document to other organisations: each gets its own copy at its top level, with
/// the same name, visibility and current content (the bytes are stored once). Staff only;
/// every organisation must be one the caller can see, or nothing is published.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    request_body = PublishDocument,
    responses(
        (status = 201, description = "The copies, one per organisation.", body = Vec<Document>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document, or one of the organisations, for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No organisations, or too many.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/documents/{document_id}/publish")]
pub async fn publish_document(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<DocumentId>,
    JsonObject(body): JsonObject<PublishDocument>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let (doc, _) = reachable(&state, &who, id, false).await?;
    who.require_staff()?;
    let mut targets = body.organization_ids;
    targets.sort();
    targets.dedup();
    if targets.is_empty() || targets.len() > MAX_PUBLISH {
        return Err(ApiError::invalid(
            "organization_ids",
            format!("name 1 to {MAX_PUBLISH} organisations"),
        ));
    }
    let mut conn = state.db.conn().await?;
    for org in &targets {
        let visible = crate::tenancy::service::get_visible(
            &mut conn,
            who.tenant_id(),
            who.organization_visibility(),
            *org,
        )
        .await?;
        if visible.is_none() {
            return Err(ApiError::NotFound);
        }
    }
    drop(conn);
    let publisher = who.acting_name(&state.db).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut copies = Vec::with_capacity(targets.len());
    for org in &targets {
        let copy = DocumentId::new();
        let new = NewDocument {
            id: copy,
            organization: *org,
            folder: None,
            name: &doc.name,
            visibility: doc.visibility()?,
            scope: doc.scope()?,
            at: now,
        };
        queries::insert_document(&mut tx, who.tenant_id(), &new).await?;
        let version = VersionRow {
            version: 1,
            storage_key: doc.storage_key.clone(),
            size: doc.size,
            content_type: doc.content_type.clone(),
            sha256: doc.sha256.clone(),
            uploaded_by: Some(who.acting_user().0),
            uploaded_by_name: publisher.clone(),
            uploaded_at: now,
        };
        queries::insert_version(&mut tx, who.tenant_id(), copy, &version).await?;
        report(&mut tx, &who, copy, EventData::DocumentUploaded, now).await?;
        copies.push(copy);
    }
    let details = json!({ "organization_ids": targets, "copies": copies });
    audit::record(
        &mut tx,
        event(&who, "document.published", id).details(details),
        &origin,
        now,
    )
    .await?;
    tx.commit().await?;
    let mut documents = Vec::with_capacity(copies.len());
    for copy in copies {
        documents.push(reload(&state, who.tenant_id(), copy).await?);
    }
    Ok(HttpResponse::Created().json(documents))
}

/// Records a view or download in the access log and the audit log.
async fn record_access(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    doc: &DocumentRow,
    version: i32,
    download: bool,
) -> ApiResult<()> {
    let person = who.acting_user();
    let name = who.acting_name(&state.db).await?;
    let staff = who.viewer.is_some() || matches!(who.access, Access::Staff { .. });
    let kind = if download {
        AccessKind::Download
    } else {
        AccessKind::View
    };
    let now = state.clock.now();
    let id = DocumentId(doc.id);
    let mut tx = state.db.begin().await?;
    let access = NewAccess {
        document: id,
        version,
        kind,
        user: person,
        name: &name,
        staff,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        at: now,
    };
    queries::insert_access(&mut tx, who.tenant_id(), &access).await?;
    let action = if download {
        "document.downloaded"
    } else {
        "document.viewed"
    };
    let mut event = event(who, action, id).details(json!({ "version": version }));
    if let Some(viewer) = who.viewer {
        event = event.details(json!({ "version": version, "viewer_user_id": viewer }));
    }
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks `who` may read `version` (default: current) of `id`, records the access unless
/// it continues one (a later range), and streams it.
async fn send_content(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    req: &HttpRequest,
    id: DocumentId,
    version: Option<i32>,
    download: bool,
) -> ApiResult<HttpResponse> {
    let (doc, _) = reachable(state, who, id, true).await?;
    let mut conn = state.db.conn().await?;
    let version = queries::get_version(
        &mut conn,
        who.tenant_id(),
        id,
        version.unwrap_or(doc.current_version),
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    drop(conn);
    if transfer::counts_as_access(req, version.size) {
        record_access(state, who, origin, &doc, version.version, download).await?;
    }
    transfer::serve(state, req, &doc, &version, download).await
}

/// A document's content: the current version or `version`, shown in the browser where it can
/// be (PDF, images, plain text) or as an attachment (`download=true`). One `Range` is
/// answered with 206. Each request that starts at the first byte is recorded in the access
/// log. Browsers without a bearer token use a file link instead.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id."), ContentParams),
    responses(
        (status = 200, description = "The bytes.", content_type = "application/vnd.portico.stored-file", body = crate::body::FileBytes),
        (status = 206, description = "The range asked for.", content_type = "application/vnd.portico.stored-file", body = crate::body::FileBytes),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document or version for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "A range past the end.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/documents/{document_id}/content")]
pub async fn get_content(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    path: web::Path<DocumentId>,
    web::Query(params): web::Query<ContentParams>,
) -> ApiResult<HttpResponse> {
    send_content(
        &state,
        &who,
        &origin,
        &req,
        path.into_inner(),
        params.version,
        params.download.unwrap_or(false),
    )
    .await
}

/// A link to a document's content that works for five minutes, for the person who asked,
/// while their session lasts: for an `<img>`, a preview frame or a plain download link.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id.")),
    request_body = CreateFileLink,
    responses(
        (status = 200, description = "The link.", body = FileLink),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document or version for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/documents/{document_id}/links")]
pub async fn create_file_link(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
    JsonObject(body): JsonObject<CreateFileLink>,
) -> ApiResult<web::Json<FileLink>> {
    let id = path.into_inner();
    let (doc, _) = reachable(&state, &who, id, true).await?;
    let number = body.version.unwrap_or(doc.current_version);
    let mut conn = state.db.conn().await?;
    queries::get_version(&mut conn, who.tenant_id(), id, number)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (url, expires_at) =
        transfer::sign_link(&state, &who, id, number, body.download, state.clock.now())?;
    Ok(web::Json(FileLink { url, expires_at }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkParams {
    /// The token of a file link.
    pub token: String,
}

/// The content a file link names. The link's signature, its five minutes, the session of the
/// person it was made for and the document's visibility are all checked again; any fault is a
/// 404.
#[utoipa::path(
    tag = "documents",
    params(LinkParams),
    responses(
        (status = 200, description = "The bytes.", content_type = "application/vnd.portico.stored-file", body = crate::body::FileBytes),
        (status = 206, description = "The range asked for.", content_type = "application/vnd.portico.stored-file", body = crate::body::FileBytes),
        (status = 404, description = "No such link, or it expired, or its person may no longer read the document.", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "A range past the end.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/files")]
pub async fn file_by_link(
    state: web::Data<AppState>,
    origin: Origin,
    req: HttpRequest,
    web::Query(params): web::Query<LinkParams>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let claims = transfer::verify_link(&state, &params.token, now)?;
    let who = crate::auth::service::load_principal(
        &state,
        TenantId(claims.tid),
        UserId(claims.sub),
        portico_shared::SessionId(claims.sid),
        now,
    )
    .await
    .map_err(|_| ApiError::NotFound)?;
    let id = DocumentId(claims.doc);
    send_content(&state, &who, &origin, &req, id, Some(claims.ver), claims.dl)
        .await
        .map_err(|e| match e {
            ApiError::Forbidden | ApiError::Unauthorized => ApiError::NotFound,
            other => other,
        })
}

/// Who viewed or downloaded a document, newest first: shown to the organisation's contacts
/// who see the document and to staff. Contacts see where from only for their own people.
#[utoipa::path(
    tag = "documents",
    params(("document_id" = DocumentId, Path, description = "The document's id."), PageParams),
    responses(
        (status = 200, description = "One page of the access log.", body = Page<AccessEntry>),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/documents/{document_id}/access")]
pub async fn access_log(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AccessEntry>>> {
    let id = path.into_inner();
    let (_, reach) = reachable(&state, &who, id, true).await?;
    let (limit, before) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::AccessRow> =
        queries::access_query(conn.backend(), who.tenant_id(), id, before, limit)
            .fetch_all(&mut conn)
            .await?;
    Ok(web::Json(page(
        rows,
        limit,
        |r| r.id,
        |r| {
            let mut entry = AccessEntry::from(r);
            if reach != Reach::Staff && entry.staff {
                entry.ip = None;
            }
            ApiResult::Ok(entry)
        },
    )?))
}

/// How much storage the tenant uses, its quota and the largest upload. Staff only.
#[utoipa::path(
    tag = "documents",
    responses(
        (status = 200, description = "The figures.", body = StorageUsage),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/tenant/storage")]
pub async fn storage_usage(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<StorageUsage>> {
    who.require_staff()?;
    let mut conn = state.db.conn().await?;
    let used = queries::storage_used(&mut conn, who.tenant_id()).await?;
    Ok(web::Json(StorageUsage {
        used_bytes: used,
        quota_bytes: i64::try_from(state.config.storage_quota).unwrap_or(i64::MAX),
        max_upload_bytes: i64::try_from(state.config.max_upload).unwrap_or(i64::MAX),
    }))
}

/// The purge job: removes a document whose 30 days in the bin are over (a restored one, or
/// one deleted again later, is left alone), then the bytes no other version names.
pub fn purge_handler(state: web::Data<AppState>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = job.tenant.ok_or("a purge job without a tenant")?;
            let id: DocumentId = serde_json::from_value(job.payload["document_id"].clone())
                .map_err(|e| format!("bad payload: {e}"))?;
            purge(&state, tenant, id)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    })
}

async fn purge(state: &AppState, tenant: TenantId, id: DocumentId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(doc) = queries::get_document(&mut tx, tenant, id).await? else {
        return Ok(());
    };
    let due = doc.deleted_at.is_some_and(|at| rules::purge_at(at) <= now);
    if !due {
        return Ok(());
    }
    let keys = queries::purge_document(&mut tx, tenant, id).await?;
    let event = Event::new(tenant, "document.purged", Outcome::Success)
        .on("document", id)
        .details(json!({ "name": doc.name, "deleted_at": doc.deleted_at }));
    audit::record(&mut tx, event, &Origin::default(), now).await?;
    tx.commit().await?;
    for key in keys {
        let mut conn = state.db.conn().await?;
        if !queries::key_in_use(&mut conn, &key).await? {
            state.storage.delete(&key).await?;
        }
    }
    Ok(())
}
