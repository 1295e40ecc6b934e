//! HTTP handlers for requests: staff create them (and cancel and review them); contacts and
//! staff read them, a list at a time or one at a time; progress per organisation; the
//! signature certificate. What contacts do with items is in `fulfil`.

use super::queries::{self, ItemRow, ItemSpec, RequestRow};
use super::rules::{self, ReminderKind};
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::{OrgVisibility, Principal};
use crate::body::JsonObject;
use crate::db::enums::from_stored;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::jobs::{self, NewJob};
use crate::mail::{self, templates};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use crate::tenancy::service as tenancy;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use portico_shared::documents::Visibility;
use portico_shared::events::{EventData, RequestEvent, RequestItemEvent};
use portico_shared::requests::{
    CreateRequest, ItemKind, ItemResponse, ItemStatus, NewItem, OrganizationProgress, PersonRef,
    Request, RequestFilter, RequestItem, RequestStatus, ReviewDecision, ReviewItem,
};
use portico_shared::{
    FieldError, OrganizationId, Page, Problem, RequestId, RequestItemId, TenantId, UserId,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The job that reminds assignees of a request due soon or overdue.
pub const REMIND_JOB: &str = "requests.remind";

impl ItemRow {
    /// The item's parts as stored; anything unreadable is an error, never a default.
    fn parts(&self) -> ApiResult<(ItemKind, ItemStatus, ItemSpec, Option<ItemResponse>)> {
        let corrupt = |what: &str, e: serde_json::Error| {
            tracing::error!(item = %self.id, what, error = %e, "a stored request item is unreadable");
            ApiError::Internal(anyhow::anyhow!("request item {}: {what}: {e}", self.id))
        };
        let spec = serde_json::from_str(&self.spec).map_err(|e| corrupt("spec", e))?;
        let response = self
            .response
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("response", e))?;
        Ok((
            from_stored(&self.kind)?,
            from_stored(&self.status)?,
            spec,
            response,
        ))
    }
}

fn to_item(row: ItemRow) -> ApiResult<RequestItem> {
    let (kind, status, spec, response) = row.parts()?;
    Ok(RequestItem {
        id: RequestItemId(row.id),
        kind,
        status,
        title: row.title,
        description: row.description,
        accepted_types: spec.accepted_types,
        document_id: spec.document_id,
        document_version: spec.document_version,
        document_sha256: spec.document_sha256,
        questions: spec.questions,
        consent_text: spec.consent_text,
        response,
        submitted_by: row.submitted_by.map(|id| PersonRef {
            id: UserId(id),
            name: row.submitted_by_name.unwrap_or_default(),
        }),
        submitted_at: row.submitted_at,
        review_comment: row.review_comment,
        reviewed_at: row.reviewed_at,
    })
}

/// The wire form of request rows, with their items and assignees.
pub(crate) async fn assemble(
    state: &AppState,
    tenant: TenantId,
    rows: Vec<RequestRow>,
) -> ApiResult<Vec<Request>> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let mut conn = state.db.conn().await?;
    let mut items: HashMap<uuid::Uuid, Vec<ItemRow>> = HashMap::new();
    for item in queries::items(&mut conn, tenant, &ids).await? {
        items.entry(item.request_id).or_default().push(item);
    }
    let mut assignees: HashMap<uuid::Uuid, Vec<PersonRef>> = HashMap::new();
    for a in queries::assignees(&mut conn, tenant, &ids).await? {
        assignees.entry(a.request_id).or_default().push(PersonRef {
            id: UserId(a.user_id),
            name: a.name,
        });
    }
    let today = state.clock.now().date_naive();
    rows.into_iter()
        .map(|r| {
            let items: Vec<RequestItem> = items
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(to_item)
                .collect::<ApiResult<_>>()?;
            let statuses: Vec<ItemStatus> = items.iter().map(|i| i.status).collect();
            let status = r.status()?;
            Ok(Request {
                id: RequestId(r.id),
                organization_id: OrganizationId(r.organization_id),
                organization_name: r.organization_name,
                title: r.title,
                instructions: r.instructions,
                due_on: r.due_on,
                overdue: rules::overdue(status, r.due_on, today),
                status,
                assignees: assignees.remove(&r.id).unwrap_or_default(),
                progress: rules::progress(&statuses),
                items,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The request `id` as `who` may see it (404 otherwise), with its items.
pub(crate) async fn visible(
    state: &AppState,
    who: &Principal,
    id: RequestId,
) -> ApiResult<Request> {
    let mut conn = state.db.conn().await?;
    let row = queries::get_request(
        &mut conn,
        who.tenant_id(),
        who.organization_visibility(),
        id,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    drop(conn);
    Ok(assemble(state, who.tenant_id(), vec![row]).await?.remove(0))
}

/// Checks a new request's fields and items; approve and sign items must name a document of
/// the organisation that is not in the bin and that contacts may open.
pub(crate) async fn check_request(
    state: &AppState,
    tenant: TenantId,
    org: OrganizationId,
    title: &str,
    instructions: Option<&str>,
    items: &[NewItem],
    for_template: bool,
) -> ApiResult<()> {
    let mut errors: Vec<(String, String)> = Vec::new();
    if title.trim().is_empty() || title.trim().chars().count() > 200 {
        errors.push(("title".into(), "1 to 200 characters".into()));
    }
    if instructions.is_some_and(|i| i.chars().count() > 5000) {
        errors.push(("instructions".into(), "at most 5000 characters".into()));
    }
    if items.is_empty() || items.len() > rules::MAX_ITEMS {
        errors.push(("items".into(), "1 to 50 items".into()));
    }
    let mut conn = state.db.conn().await?;
    for (i, item) in items.iter().enumerate() {
        let field = format!("items.{i}");
        errors.extend(rules::check_item(item, &field, for_template));
        if let Some(doc) = item.document_id.filter(|_| !for_template) {
            let found = crate::documents::service::document(&mut conn, tenant, doc)
                .await?
                .filter(|d| d.organization_id == org.0 && d.deleted_at.is_none());
            match found {
                None => errors.push((
                    format!("{field}.document_id"),
                    "no such document in this organisation".into(),
                )),
                // Nobody can approve or sign what they cannot read.
                Some(d) if d.visibility()? == Visibility::Staff => errors.push((
                    format!("{field}.document_id"),
                    "this document is for staff only: contacts cannot open it".into(),
                )),
                Some(_) => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(
            errors
                .into_iter()
                .map(|(field, message)| FieldError { field, message })
                .collect(),
        ))
    }
}

/// A request to create, checked.
pub(crate) struct NewRequest<'a> {
    pub organization: OrganizationId,
    pub title: &'a str,
    pub instructions: Option<&'a str>,
    pub due_on: Option<chrono::NaiveDate>,
    pub assignees: Vec<UserId>,
    pub items: &'a [NewItem],
}

/// Creates a request on `tx`: its items and assignees, reminder jobs before and after the due
/// date, an audit event and `request.created` (whose subscriber mails each assignee).
pub(crate) async fn create(
    tx: &mut crate::db::Tx,
    who: &Principal,
    origin: &Origin,
    new: &NewRequest<'_>,
    now: DateTime<Utc>,
) -> ApiResult<RequestId> {
    let tenant = who.tenant_id();
    let id = RequestId::new();
    let org = tenancy::get_organization(tx, tenant, new.organization)
        .await?
        .ok_or(ApiError::NotFound)?;
    let row = RequestRow {
        id: id.0,
        organization_id: new.organization.0,
        organization_name: org.name.clone(),
        title: new.title.trim().to_string(),
        instructions: new
            .instructions
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_string),
        due_on: new.due_on,
        status: RequestStatus::Open.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    queries::insert_request(tx, tenant, &row, who.user_id).await?;
    for (position, item) in new.items.iter().enumerate() {
        let mut spec = ItemSpec::from(item);
        if let Some(doc) = item.document_id {
            // Bind the version chosen now: a later upload never changes what is signed.
            let found = crate::documents::service::document(tx, tenant, doc)
                .await?
                .ok_or(ApiError::NotFound)?;
            spec.document_version = Some(found.current_version);
            spec.document_sha256 = Some(found.sha256);
            if matches!(item.kind, ItemKind::Approve | ItemKind::Sign) {
                crate::documents::service::hold(tx, tenant, doc, id.0, now).await?;
            }
        }
        queries::insert_item(tx, tenant, id, position as i32, &spec, item).await?;
    }
    for user in &new.assignees {
        queries::insert_assignee(tx, tenant, id, *user).await?;
    }
    if let Some(due_on) = new.due_on {
        for (kind, at) in rules::reminder_times(due_on, now) {
            let mut job = NewJob::new(
                REMIND_JOB,
                json!({ "request_id": id, "kind": kind, "due_on": due_on }),
                at,
            );
            job.tenant = Some(tenant);
            jobs::enqueue(tx, job, now).await?;
        }
    }
    let event = Event::new(tenant, "request.created", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("request", id)
        .details(json!({
            "organization_id": new.organization, "title": row.title, "due_on": new.due_on,
            "items": new.items.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(),
            "assignees": new.assignees,
        }));
    audit::record(tx, event, origin, now).await?;
    let created = EventData::RequestCreated(request_event(tx, tenant, id).await?);
    events::emit(tx, tenant, created, now).await?;
    Ok(id)
}

/// How a tenant's request mail is branded, and where its links go.
pub(crate) struct Mailing {
    brand: templates::Brand,
    portal: String,
    slug: String,
}

impl Mailing {
    pub(crate) async fn of(
        state: &AppState,
        c: &mut impl crate::db::AsExec,
        tenant: TenantId,
    ) -> ApiResult<Mailing> {
        let row = tenancy::get_tenant(c, tenant)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let portal = state
            .config
            .portal_url(&row.slug, row.custom_domain.as_deref());
        Ok(Mailing {
            brand: row.brand(&portal),
            portal,
            slug: row.slug,
        })
    }

    /// Where request `id` opens in the portal.
    fn link(&self, id: RequestId) -> String {
        crate::config::page_url(&self.portal, &self.slug, &format!("/requests/{id}"))
    }
}

/// The assignees of a new request: those named (each must be a contact of the organisation),
/// or else every active contact of it who holds a scope some item needs (documents for
/// uploads and questions, sign for signatures and approvals).
pub(crate) async fn assignees_for(
    state: &AppState,
    tenant: TenantId,
    org: OrganizationId,
    named: &[UserId],
    items: &[NewItem],
) -> ApiResult<Vec<UserId>> {
    let mut conn = state.db.conn().await?;
    let mut chosen = Vec::new();
    for user in named {
        if !tenancy::is_member(&mut conn, tenant, org, *user).await? {
            return Err(ApiError::invalid(
                "assignee_ids",
                "each must be a contact of the organisation",
            ));
        }
        if !chosen.contains(user) {
            chosen.push(*user);
        }
    }
    if chosen.is_empty() {
        let needed: Vec<_> = items.iter().map(|i| i.kind.scope()).collect();
        chosen = queries::active_contacts(&mut conn, tenant, org)
            .await?
            .into_iter()
            .filter_map(
                |(id, scopes)| match crate::tenancy::service::scopes_from_column(&scopes) {
                    Ok(held) if held.iter().any(|s| needed.contains(s)) => Some(Ok(UserId(id))),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                },
            )
            .collect::<ApiResult<_>>()?;
    }
    if chosen.is_empty() {
        return Err(ApiError::invalid(
            "assignee_ids",
            "no active contact of the organisation can act on these items",
        ));
    }
    Ok(chosen)
}

/// Send a request to an organisation: documents to upload, documents to approve or sign, and
/// questions. Each assignee (by default every active contact of the organisation) gets an
/// email; reminders go two days before the due date and the day after it. Staff only.
#[utoipa::path(
    tag = "requests",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    request_body = CreateRequest,
    responses(
        (status = 201, description = "Sent.", body = Request),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field, item or assignee.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
    JsonObject(body): JsonObject<CreateRequest>,
) -> ApiResult<HttpResponse> {
    let org = path.into_inner();
    who.visible_organization(&state.db, org).await?;
    who.require_staff()?;
    check_request(
        &state,
        who.tenant_id(),
        org,
        &body.title,
        body.instructions.as_deref(),
        &body.items,
        false,
    )
    .await?;
    let now = state.clock.now();
    if let Some(due) = body.due_on {
        rules::check_due(due, now.date_naive()).map_err(|m| ApiError::invalid("due_on", m))?;
    }
    let assignees = assignees_for(
        &state,
        who.tenant_id(),
        org,
        &body.assignee_ids,
        &body.items,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    let new = NewRequest {
        organization: org,
        title: &body.title,
        instructions: body.instructions.as_deref(),
        due_on: body.due_on,
        assignees,
        items: &body.items,
    };
    let id = create(&mut tx, &who, &origin, &new, now).await?;
    tx.commit().await?;
    let request = visible(&state, &who, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/requests/{id}")))
        .json(request))
}

async fn list_of(
    state: &AppState,
    who: &Principal,
    filter: RequestFilter,
    params: PageParams,
) -> ApiResult<Page<Request>> {
    let tenant = who.tenant_id();
    let (limit, before) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::RequestRow> = queries::list_query(
        conn.backend(),
        tenant,
        who.organization_visibility(),
        &filter,
        state.clock.now().date_naive(),
        before,
        limit,
    )
    .fetch_all(&mut conn)
    .await?;
    drop(conn);
    let requests = assemble(state, tenant, rows).await?;
    page(requests, limit, |r| r.id.0, ApiResult::Ok)
}

/// Requests the caller sees, newest first: for a contact, those asked of them (and every
/// request of an organisation they administer); for staff, those of the organisations they
/// serve — `status=submitted` is the review queue.
#[utoipa::path(
    tag = "requests",
    params(RequestFilter, PageParams),
    responses(
        (status = 200, description = "One page of requests.", body = Page<Request>),
        (status = 422, description = "A bad filter, `limit` or `cursor`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(filter): web::Query<RequestFilter>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Request>>> {
    Ok(web::Json(list_of(&state, &who, filter, params).await?))
}

/// An organisation's requests the caller sees, newest first.
#[utoipa::path(
    tag = "requests",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), PageParams),
    responses(
        (status = 200, description = "One page of requests.", body = Page<Request>),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/requests")]
pub async fn organization_requests(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Request>>> {
    let org = path.into_inner();
    who.visible_organization(&state.db, org).await?;
    let filter = RequestFilter {
        organization_id: Some(org),
        ..Default::default()
    };
    Ok(web::Json(list_of(&state, &who, filter, params).await?))
}

/// How an organisation's requests stand: open, completed and overdue requests, and items done
/// of all (cancelled requests left out) — among the requests the caller sees.
#[utoipa::path(
    tag = "requests",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    responses(
        (status = 200, description = "The figures.", body = OrganizationProgress),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/request-progress")]
pub async fn organization_progress(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
) -> ApiResult<web::Json<OrganizationProgress>> {
    let org = path.into_inner();
    who.visible_organization(&state.db, org).await?;
    let today = state.clock.now().date_naive();
    let mut progress = OrganizationProgress {
        open_requests: 0,
        completed_requests: 0,
        overdue_requests: 0,
        items: rules::progress(&[]),
    };
    let mut statuses = Vec::new();
    let mut cursor = None;
    loop {
        let params = PageParams {
            limit: Some(100),
            cursor,
        };
        let filter = RequestFilter {
            organization_id: Some(org),
            ..Default::default()
        };
        let page = list_of(&state, &who, filter, params).await?;
        for r in &page.items {
            match r.status {
                RequestStatus::Cancelled => continue,
                RequestStatus::Completed => progress.completed_requests += 1,
                _ => progress.open_requests += 1,
            }
            if rules::overdue(r.status, r.due_on, today) {
                progress.overdue_requests += 1;
            }
            statuses.extend(r.items.iter().map(|i| i.status));
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    progress.items = rules::progress(&statuses);
    Ok(web::Json(progress))
}

/// One request with its items, their answers and reviews.
#[utoipa::path(
    tag = "requests",
    params(("request_id" = RequestId, Path, description = "The request's id.")),
    responses(
        (status = 200, description = "The request.", body = Request),
        (status = 404, description = "No such request for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/requests/{request_id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<RequestId>,
) -> ApiResult<web::Json<Request>> {
    Ok(web::Json(visible(&state, &who, path.into_inner()).await?))
}

/// A request as stored inside a transaction that has locked it: its status and its items'.
pub(crate) struct Locked {
    id: RequestId,
    status: RequestStatus,
    items: Vec<(RequestItemId, ItemStatus)>,
}

impl Locked {
    pub(crate) fn status(&self) -> RequestStatus {
        self.status
    }

    /// An item's status as stored now (404 for an item not of this request).
    pub(crate) fn item(&self, id: RequestItemId) -> ApiResult<ItemStatus> {
        self.items
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| *s)
            .ok_or(ApiError::NotFound)
    }
}

/// Locks request `id` on `tx` and reads it afresh: every transition of a request or its
/// items decides from this, so concurrent answers and reviews cannot act on stale copies.
pub(crate) async fn lock(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    id: RequestId,
) -> ApiResult<Locked> {
    let (status, items) = queries::lock_request(tx, tenant, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let status = from_stored(&status)?;
    let items = items
        .into_iter()
        .map(|(item, stored)| Ok((RequestItemId(item), from_stored(&stored)?)))
        .collect::<ApiResult<_>>()?;
    Ok(Locked { id, status, items })
}

/// Records a request's status as its items now say, on `tx` (which locked it as `locked`).
pub(crate) async fn settle(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    locked: &Locked,
    changed: RequestItemId,
    new_status: ItemStatus,
    now: DateTime<Utc>,
) -> ApiResult<RequestStatus> {
    let statuses: Vec<ItemStatus> = locked
        .items
        .iter()
        .map(|(id, status)| if *id == changed { new_status } else { *status })
        .collect();
    let status = rules::status_of(locked.status, &statuses);
    set_status(tx, tenant, locked.id, status, now).await?;
    Ok(status)
}

/// What `request.*` events say about request `id`, read on `c` as it now is.
pub(crate) async fn request_event(
    c: &mut impl crate::db::AsExec,
    tenant: TenantId,
    id: RequestId,
) -> ApiResult<RequestEvent> {
    let row = queries::get_request(&mut *c, tenant, OrgVisibility::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let assignee_ids = queries::assignees(&mut *c, tenant, &[id.0])
        .await?
        .into_iter()
        .map(|a| UserId(a.user_id))
        .collect();
    Ok(RequestEvent {
        request_id: id,
        organization_id: OrganizationId(row.organization_id),
        status: row.status()?,
        title: row.title,
        due_on: row.due_on,
        assignee_ids,
    })
}

/// Reports a request's move from `from` to `to`, when it is one subscribers hear about
/// (submitted for review, completed, cancelled), on `tx`.
pub(crate) async fn report_status(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    id: RequestId,
    from: RequestStatus,
    to: RequestStatus,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let report = match to {
        _ if to == from => return Ok(()),
        RequestStatus::Submitted => EventData::RequestSubmitted,
        RequestStatus::Completed => EventData::RequestCompleted,
        RequestStatus::Cancelled => EventData::RequestCancelled,
        RequestStatus::Open | RequestStatus::ChangesRequested => return Ok(()),
    };
    let data = request_event(&mut *tx, tenant, id).await?;
    events::emit(tx, tenant, report(data), now).await?;
    Ok(())
}

/// What `request.item_*` events say about an item just changed to `status`.
pub(crate) fn item_event(
    request: &Request,
    item: &RequestItem,
    status: ItemStatus,
    request_status: RequestStatus,
    comment: Option<&str>,
) -> RequestItemEvent {
    RequestItemEvent {
        request_id: request.id,
        organization_id: request.organization_id,
        item_id: item.id,
        kind: item.kind,
        title: item.title.clone(),
        status,
        request_status,
        comment: comment.map(str::to_string),
    }
}

/// Stores a request's new status; a closed request releases its holds on documents.
async fn set_status(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    id: RequestId,
    status: RequestStatus,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    queries::set_request_status(tx, tenant, id, status, now).await?;
    if rules::is_final(status) {
        crate::documents::service::release(tx, tenant, id.0).await?;
    }
    Ok(())
}

/// Cancel a request that is not closed. Staff only.
#[utoipa::path(
    tag = "requests",
    params(("request_id" = RequestId, Path, description = "The request's id.")),
    responses(
        (status = 200, description = "Cancelled.", body = Request),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already completed or cancelled.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/cancel")]
pub async fn cancel_request(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<RequestId>,
) -> ApiResult<web::Json<Request>> {
    let request = visible(&state, &who, path.into_inner()).await?;
    who.require_staff()?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let locked = lock(&mut tx, who.tenant_id(), request.id).await?;
    let status = rules::cancel(locked.status()).map_err(|r| ApiError::Conflict(r.into()))?;
    set_status(&mut tx, who.tenant_id(), request.id, status, now).await?;
    let event = Event::new(who.tenant_id(), "request.cancelled", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("request", request.id)
        .details(json!({ "was": locked.status().as_str() }));
    audit::record(&mut tx, event, &origin, now).await?;
    report_status(
        &mut tx,
        who.tenant_id(),
        request.id,
        locked.status(),
        status,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(visible(&state, &who, request.id).await?))
}

/// Review an answered item: accept it, or ask for changes with a comment (the assignees are
/// told by email). When every item is accepted the request is completed. Staff only.
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
    ),
    request_body = ReviewItem,
    responses(
        (status = 200, description = "The request as it is now.", body = Request),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request or item for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The item is not waiting for review, or the request is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Changes asked for without a comment.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/requests/{request_id}/items/{item_id}/review")]
pub async fn review_item(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(RequestId, RequestItemId)>,
    JsonObject(body): JsonObject<ReviewItem>,
) -> ApiResult<web::Json<Request>> {
    let (request_id, item_id) = path.into_inner();
    let request = visible(&state, &who, request_id).await?;
    let item = request
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(ApiError::NotFound)?
        .clone();
    who.require_staff()?;
    let accept = body.decision == ReviewDecision::Accept;
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if !accept && comment.is_none() {
        return Err(ApiError::invalid("comment", "say what should change"));
    }
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid("comment", "at most 2000 characters"));
    }
    let now = state.clock.now();
    let tenant = who.tenant_id();
    let mut tx = state.db.begin().await?;
    let locked = lock(&mut tx, tenant, request.id).await?;
    let status = rules::review(locked.status(), locked.item(item_id)?, accept)
        .map_err(|r| ApiError::Conflict(r.into()))?;
    queries::save_review(
        &mut tx,
        tenant,
        item_id,
        status.as_str(),
        comment,
        who.user_id,
        now,
    )
    .await?;
    let request_status = settle(&mut tx, tenant, &locked, item_id, status, now).await?;
    let event = Event::new(tenant, "request.item_reviewed", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("request_item", item_id)
        .details(json!({
            "request_id": request.id, "decision": if accept { "accept" } else { "request_changes" },
            "comment": comment, "request_status": request_status.as_str(),
        }));
    audit::record(&mut tx, event, &origin, now).await?;
    let reviewed = item_event(&request, &item, status, request_status, comment);
    events::emit(
        &mut tx,
        tenant,
        EventData::RequestItemReviewed(reviewed),
        now,
    )
    .await?;
    report_status(
        &mut tx,
        tenant,
        request.id,
        locked.status(),
        request_status,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(visible(&state, &who, request.id).await?))
}

/// The signature certificate of a signed item: a printable page with the signer, the time,
/// where from, the consent given and the SHA-256 of the exact version signed.
#[utoipa::path(
    tag = "requests",
    params(
        ("request_id" = RequestId, Path, description = "The request's id."),
        ("item_id" = RequestItemId, Path, description = "The item's id."),
    ),
    responses(
        (status = 200, description = "The certificate, an HTML page.", content_type = "text/html", body = String),
        (status = 404, description = "No such request, item or signature for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/requests/{request_id}/items/{item_id}/certificate")]
pub async fn signature_certificate(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(RequestId, RequestItemId)>,
) -> ApiResult<HttpResponse> {
    let (request_id, item_id) = path.into_inner();
    let request = visible(&state, &who, request_id).await?;
    let item = request
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(ApiError::NotFound)?;
    let Some(ItemResponse::Sign { signature }) = &item.response else {
        return Err(ApiError::NotFound);
    };
    let mut conn = state.db.conn().await?;
    let tenant = tenancy::get_tenant(&mut conn, who.tenant_id())
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let page = super::certificate::render(&tenant.name, &request, item, signature);
    let name = format!("Signature certificate - {}.html", signature.document_name);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::documents::service::content_disposition(true, &name),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(page))
}

/// The reminder job: mails a request's assignees when it is due soon or overdue and still
/// waits for them (a request answered, closed or given a new due date is left alone).
pub fn remind_handler(state: web::Data<AppState>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = job.tenant.ok_or("a reminder without a tenant")?;
            let id: RequestId = serde_json::from_value(job.payload["request_id"].clone())
                .map_err(|e| format!("bad payload: {e}"))?;
            let kind: ReminderKind = serde_json::from_value(job.payload["kind"].clone())
                .map_err(|e| format!("bad payload: {e}"))?;
            let due: Option<chrono::NaiveDate> =
                serde_json::from_value(job.payload["due_on"].clone()).ok();
            remind(&state, tenant, id, kind, due, job.id)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    })
}

async fn remind(
    state: &AppState,
    tenant: TenantId,
    id: RequestId,
    kind: ReminderKind,
    due: Option<chrono::NaiveDate>,
    job: uuid::Uuid,
) -> anyhow::Result<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(row) = queries::get_request(&mut tx, tenant, OrgVisibility::All, id).await? else {
        return Ok(());
    };
    let waiting = matches!(
        row.status()?,
        RequestStatus::Open | RequestStatus::ChangesRequested
    );
    let Some(due_on) = row.due_on.filter(|d| waiting && Some(*d) == due) else {
        return Ok(());
    };
    let mailing = Mailing::of(state, &mut tx, tenant).await?;
    let link = mailing.link(id);
    let due_text = due_on.format("%e %B %Y").to_string();
    for a in queries::assignees_to_mail(&mut tx, tenant, id).await? {
        let mail = templates::request_reminder(
            &mailing.brand,
            &a.email,
            &a.name,
            &row.title,
            due_text.trim(),
            kind == ReminderKind::Overdue,
            &link,
        );
        mail::queue(&mut tx, tenant, &mail, now).await?;
    }
    let event = Event::new(tenant, "request.reminded", Outcome::Success)
        .on("request", id)
        .details(json!({ "kind": kind, "job": job }));
    audit::record(&mut tx, event, &Origin::default(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Mails that follow a request's events: each assignee hears of a new request; the
/// assignees still concerned hear when staff ask for changes to an item.
pub(crate) fn mail_subscriber(state: web::Data<AppState>) -> events::Handler {
    Arc::new(move |mut tx, event| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = event.tenant_id;
            let now = state.clock.now();
            match &event.data {
                EventData::RequestCreated(created) => {
                    let mailing = Mailing::of(&state, &mut tx, tenant).await?;
                    let org = tenancy::get_organization(&mut tx, tenant, created.organization_id)
                        .await?
                        .ok_or(ApiError::NotFound)?;
                    let due = created.due_on.map(|d| d.format("%e %B %Y").to_string());
                    for user in &created.assignee_ids {
                        let Some(person) = tenancy::get_user(&mut tx, tenant, *user).await? else {
                            continue;
                        };
                        let mail = templates::request_created(
                            &mailing.brand,
                            &person.email,
                            &person.name,
                            &org.name,
                            &created.title,
                            due.as_deref(),
                            &mailing.link(created.request_id),
                        );
                        mail::queue(&mut tx, tenant, &mail, now).await?;
                    }
                }
                EventData::RequestItemReviewed(reviewed)
                    if reviewed.status == ItemStatus::ChangesRequested =>
                {
                    let mailing = Mailing::of(&state, &mut tx, tenant).await?;
                    let request = request_event(&mut tx, tenant, reviewed.request_id).await?;
                    let link = mailing.link(reviewed.request_id);
                    for user in
                        queries::assignees_to_mail(&mut tx, tenant, reviewed.request_id).await?
                    {
                        let mail = templates::changes_requested(
                            &mailing.brand,
                            &user.email,
                            &user.name,
                            &request.title,
                            &reviewed.title,
                            reviewed.comment.as_deref().unwrap_or_default(),
                            &link,
                        );
                        mail::queue(&mut tx, tenant, &mail, now).await?;
                    }
                }
                _ => {}
            }
            Ok(tx)
        })
    })
}
