//! What contacts do with a request's items: upload the document asked for (it lands in the
//! organisation's documents), approve or reject a document, sign one (the record keeps the
//! signer, time, address, browser and the SHA-256 of the exact version signed), or answer
//! questions. Only assigned contacts with the item's scope act; each answer moves the item
//! and the request through the state machine in `rules`.

use super::handlers::{item_event, lock, report_status, settle, visible};
use super::queries::{self, NewSignature};
use super::rules;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::{Access, Principal};
use crate::body::JsonObject;
use crate::documents::service::{self as documents, NewDocument};
use crate::error::{ApiError, ApiResult, UploadResult};
use crate::events;
use crate::state::AppState;
use actix_web::{HttpRequest, post, web};
use portico_shared::documents::{UploadParams, Visibility};
use portico_shared::events::EventData;
use portico_shared::requests::{
    AnswerItem, Answers, ApproveItem, ItemKind, ItemResponse, PersonRef, Request, RequestItem,
    SignItem, SignatureRecord,
};
use portico_shared::{DocumentId, FieldError, Problem, RequestId, RequestItemId};
use serde_json::json;

/// The request and item `who` answers as `kind`: 404 when they cannot see it, 403 unless
/// they are a contact assigned to it with the scope the item needs, 422 for an item of another
/// kind, 409 when the state machine refuses.
async fn answerable(
    state: &AppState,
    who: &Principal,
    request: RequestId,
    item: RequestItemId,
    kind: ItemKind,
) -> ApiResult<(Request, RequestItem)> {
    let request = visible(state, who, request).await?;
    let item = request
        .items
        .iter()
        .find(|i| i.id == item)
        .ok_or(ApiError::NotFound)?
        .clone();
    let Access::Customer { memberships } = &who.access else {
        return Err(ApiError::Forbidden);
    };
    let holds_scope = memberships
        .iter()
        .any(|(org, scopes)| *org == request.organization_id && scopes.contains(&kind.scope()));
    let assigned = request.assignees.iter().any(|a| a.id == who.user_id);
    if !assigned || !holds_scope {
        return Err(ApiError::Forbidden);
    }
    if item.kind != kind {
        return Err(ApiError::invalid(
            "item",
            format!("this is a {} item", item.kind.as_str()),
        ));
    }
    rules::answer(request.status, item.status).map_err(|r| ApiError::Conflict(r.into()))?;
    Ok((request, item))
}

/// The exact version an approve or sign item binds (the one chosen when the request was sent;
/// the current one for items sent before versions were bound), after checking again that the
/// contact may open it: 403 when they may not, 409 when the document or version is gone.
async fn bound_version(
    state: &AppState,
    who: &Principal,
    request: &Request,
    item: &RequestItem,
) -> ApiResult<(documents::DocumentRow, documents::VersionRow)> {
    let gone = || ApiError::Conflict("The document is no longer available.".into());
    let document_id = item
        .document_id
        .ok_or_else(|| ApiError::Conflict("This item names no document.".into()))?;
    let mut conn = state.db.conn().await?;
    let document = documents::document(&mut conn, who.tenant_id(), document_id)
        .await?
        .filter(|d| d.deleted_at.is_none() && d.organization() == request.organization_id)
        .ok_or_else(gone)?;
    let (visibility, scope) = (document.visibility()?, document.scope()?);
    let readable = documents::Reach::of(&who.access, request.organization_id)
        .is_ok_and(|reach| reach.sees(visibility, scope));
    if !readable {
        return Err(ApiError::Forbidden);
    }
    let version = item.document_version.unwrap_or(document.current_version);
    let bound = documents::version(&mut conn, who.tenant_id(), document_id, version)
        .await?
        .ok_or_else(gone)?;
    Ok((document, bound))
}

/// An answer to save: to which item of which request, and the audit action recording it.
struct Answer<'a> {
    request: &'a Request,
    item: &'a RequestItem,
    response: ItemResponse,
    action: &'static str,
}

/// Saves an answer with its audit event on `tx` and settles the request's status.
async fn save(
    tx: &mut crate::db::Tx,
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    answer: Answer<'_>,
) -> ApiResult<()> {
    let Answer {
        request,
        item,
        response,
        action,
    } = answer;
    let now = state.clock.now();
    let locked = lock(tx, who.tenant_id(), request.id).await?;
    let status = rules::answer(locked.status(), locked.item(item.id)?)
        .map_err(|r| ApiError::Conflict(r.into()))?;
    let body = serde_json::to_string(&response).map_err(|e| ApiError::Internal(e.into()))?;
    queries::save_answer(
        tx,
        who.tenant_id(),
        item.id,
        status.as_str(),
        &body,
        who.user_id,
        now,
    )
    .await?;
    let request_status = settle(tx, who.tenant_id(), &locked, item.id, status, now).await?;
    let event = Event::new(who.tenant_id(), action, Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("request_item", item.id)
        .details(json!({
            "request_id": request.id, "response": response, "request_status": request_status.as_str(),
        }));
    audit::record(tx, event, origin, now).await?;
    let answered = item_event(request, item, status, request_status, None);
    let tenant = who.tenant_id();
    events::emit(tx, tenant, EventData::RequestItemAnswered(answered), now).await?;
    report_status(tx, tenant, request.id, locked.status(), request_status, now).await?;
    Ok(())
}

/// Saves an answer on `tx` (which may hold more of the same change), commits, and answers
/// with the request as it is now.
async fn finish(
    mut tx: crate::db::Tx,
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    answer: Answer<'_>,
) -> ApiResult<web::Json<Request>> {
    let id = answer.request.id;
    save(&mut tx, state, who, origin, answer).await?;
    tx.commit().await?;
    Ok(web::Json(visible(state, who, id).await?))
}

/// Upload the document an `upload` item asks for. The body is the file (as for a document
/// upload); it must be one of the item's accepted types. It is stored among the
/// organisation's documents, and more than one file may be given while the item is open.
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
        UploadParams,
    ),
    request_body(description = "The file's bytes.", content((crate::body::FileBytes = "application/octet-stream"))),
    responses(
        (status = 200, description = "The request as it is now.", body = Request),
        (status = 403, description = "Not an assigned contact with the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or item for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item was accepted or the request is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit or the storage left.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a type the item accepts.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, an empty file, or not an upload item.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/items/{item_id}/upload")]
pub async fn upload_item(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    path: web::Path<(RequestId, RequestItemId)>,
    web::Query(params): web::Query<UploadParams>,
    body: web::Payload,
) -> UploadResult<web::Json<Request>> {
    let (request_id, item_id) = path.into_inner();
    let (request, item) = answerable(&state, &who, request_id, item_id, ItemKind::Upload).await?;
    let name = documents::parse_name(&params.name).map_err(|m| ApiError::invalid("name", m))?;
    let uploader = who.acting_name(&state.db).await?;
    let received = documents::receive(
        &state,
        who.tenant_id(),
        &name,
        &item.accepted_types,
        &req,
        body,
    )
    .await?;
    let document = DocumentId::new();
    let mut document_ids = match &item.response {
        Some(ItemResponse::Upload { document_ids }) => document_ids.clone(),
        _ => Vec::new(),
    };
    document_ids.push(document);
    let stored = async {
        let mut tx = state.db.begin().await?;
        let new = NewDocument {
            id: document,
            organization: request.organization_id,
            folder: None,
            name: &name,
            visibility: Visibility::Organization,
            scope: None,
            at: state.clock.now(),
        };
        documents::insert_uploaded(&mut tx, &who, &origin, &new, &received, &uploader).await?;
        let response = ItemResponse::Upload { document_ids };
        save(
            &mut tx,
            &state,
            &who,
            &origin,
            Answer {
                request: &request,
                item: &item,
                response,
                action: "request.item_answered",
            },
        )
        .await?;
        tx.commit().await?;
        ApiResult::Ok(())
    }
    .await;
    if let Err(e) = stored {
        received.discard(&state).await;
        return Err(e.into());
    }
    Ok(web::Json(visible(&state, &who, request_id).await?))
}

/// Approve or reject the document of an `approve` item (a rejection needs a comment).
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
    ),
    request_body = ApproveItem,
    responses(
        (status = 200, description = "The request as it is now.", body = Request),
        (status = 403, description = "Not an assigned contact with the `sign` scope, or one who may not open the document.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or item for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item was accepted, the request is closed, or the document is gone.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rejection without a comment, or not an approve item.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/items/{item_id}/approve")]
pub async fn approve_item(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(RequestId, RequestItemId)>,
    JsonObject(body): JsonObject<ApproveItem>,
) -> ApiResult<web::Json<Request>> {
    let (request_id, item_id) = path.into_inner();
    let (request, item) = answerable(&state, &who, request_id, item_id, ItemKind::Approve).await?;
    bound_version(&state, &who, &request, &item).await?;
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if !body.approved && comment.is_none() {
        return Err(ApiError::invalid("comment", "say why you reject it"));
    }
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid("comment", "at most 2000 characters"));
    }
    let response = ItemResponse::Approve {
        approved: body.approved,
        comment: comment.map(str::to_string),
    };
    let tx = state.db.begin().await?;
    let answer = Answer {
        request: &request,
        item: &item,
        response,
        action: "request.item_answered",
    };
    finish(tx, &state, &who, &origin, answer).await
}

/// Sign the document of a `sign` item: type your name and accept the consent text. What is
/// signed is the version chosen when the request was sent (`document_version`), never a later
/// one. The record keeps who signed, when, from which address and browser, and the SHA-256 of
/// that exact version; the certificate shows it.
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
    ),
    request_body = SignItem,
    responses(
        (status = 200, description = "Signed; the request as it is now.", body = Request),
        (status = 403, description = "Not an assigned contact with the `sign` scope, or one who may not open the document.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or item for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item was accepted, the request is closed, or the document is gone.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No name typed, consent not given, or not a sign item.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/items/{item_id}/sign")]
pub async fn sign_item(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(RequestId, RequestItemId)>,
    JsonObject(body): JsonObject<SignItem>,
) -> ApiResult<web::Json<Request>> {
    let (request_id, item_id) = path.into_inner();
    let (request, item) = answerable(&state, &who, request_id, item_id, ItemKind::Sign).await?;
    let typed = body.typed_name.trim();
    let mut errors = Vec::new();
    if typed.is_empty() || typed.chars().count() > 200 {
        errors.push(FieldError {
            field: "typed_name".into(),
            message: "type your full name".into(),
        });
    }
    if !body.consent {
        errors.push(FieldError {
            field: "consent".into(),
            message: "accept the consent text to sign".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (document, bound) = bound_version(&state, &who, &request, &item).await?;
    let document_id = DocumentId(document.id);
    let mut conn = state.db.conn().await?;
    let signer = crate::tenancy::service::get_user(&mut conn, who.tenant_id(), who.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    drop(conn);
    let now = state.clock.now();
    let consent = item
        .consent_text
        .clone()
        .unwrap_or_else(|| rules::DEFAULT_CONSENT.to_string());
    let signature = SignatureRecord {
        signer: PersonRef {
            id: who.user_id,
            name: signer.name.clone(),
        },
        signer_email: signer.email.clone(),
        typed_name: typed.to_string(),
        consent_text: consent.clone(),
        signed_at: now,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        document_id,
        document_name: document.name.clone(),
        version: bound.version,
        sha256: bound.sha256.clone(),
    };
    let mut tx = state.db.begin().await?;
    let evidence = NewSignature {
        item: item.id,
        document: document_id,
        version: bound.version,
        sha256: &bound.sha256,
        signer: who.user_id,
        signer_email: &signer.email,
        typed_name: typed,
        consent_text: &consent,
        at: now,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
    };
    queries::insert_signature(&mut tx, who.tenant_id(), &evidence).await?;
    let response = ItemResponse::Sign {
        signature: Box::new(signature),
    };
    let answer = Answer {
        request: &request,
        item: &item,
        response,
        action: "request.item_signed",
    };
    finish(tx, &state, &who, &origin, answer).await
}

/// Answer the questions of a `question` item.
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
    ),
    request_body = AnswerItem,
    responses(
        (status = 200, description = "The request as it is now.", body = Request),
        (status = 403, description = "Not an assigned contact with the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or item for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item was accepted or the request is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, unknown or invalid answers (`answers.<key>`), or not a question item.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/items/{item_id}/answer")]
pub async fn answer_item(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(RequestId, RequestItemId)>,
    JsonObject(body): JsonObject<AnswerItem>,
) -> ApiResult<web::Json<Request>> {
    let (request_id, item_id) = path.into_inner();
    let (request, item) = answerable(&state, &who, request_id, item_id, ItemKind::Question).await?;
    let errors = rules::check_answers(&item.questions, &body.answers.0);
    if !errors.is_empty() {
        return Err(ApiError::Validation(
            errors
                .into_iter()
                .map(|(field, message)| FieldError { field, message })
                .collect(),
        ));
    }
    let answers = body
        .answers
        .0
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let response = ItemResponse::Question {
        answers: Answers(answers),
    };
    let tx = state.db.begin().await?;
    let answer = Answer {
        request: &request,
        item: &item,
        response,
        action: "request.item_answered",
    };
    finish(tx, &state, &who, &origin, answer).await
}
