//! SQL for requests, their items, assignees, signatures and templates. Every query is bounded
//! by the tenant first; lists also by what the caller may see.

use crate::auth::OrgVisibility;
use crate::db::{AsExec, Backend, ListPlan, Query, backend_of, both_pages};
use crate::on_db;
use chrono::{DateTime, NaiveDate, Utc};
use portico_shared::requests::{NewItem, Question, RequestFilter, RequestStatus};
use portico_shared::{
    DocumentId, OrganizationId, RequestId, RequestItemId, TemplateId, TenantId, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub title: String,
    pub instructions: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RequestRow {
    /// The stored status; an unknown one is an error, never read as open.
    pub fn status(&self) -> crate::error::ApiResult<RequestStatus> {
        crate::db::enums::from_stored(&self.status)
    }
}

/// What an item asks, stored as JSON in `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
    /// For approve and sign items: the version of the document staff chose when the request
    /// was sent, and its SHA-256 — what is approved or signed, whatever is uploaded later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
}

impl From<&NewItem> for ItemSpec {
    fn from(i: &NewItem) -> Self {
        ItemSpec {
            accepted_types: i.accepted_types.clone(),
            document_id: i.document_id,
            questions: i.questions.clone(),
            consent_text: i.consent_text.clone(),
            document_version: None,
            document_sha256: None,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub spec: String,
    pub status: String,
    pub response: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssigneeRow {
    pub request_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

/// The requests `who` reaches, as a query to narrow (`AND …`): staff see the requests of the
/// organisations they see; contacts, while they are members of the request's organisation,
/// the requests they are assigned to and every request of an organisation where they hold the
/// `admin` scope (an assignee removed from the organisation sees nothing of it). Staff limited
/// to assignments and contacts start from their assignments or memberships.
fn reach(backend: Backend, tenant: TenantId, who: OrgVisibility) -> Query {
    let (from, through) = match who {
        OrgVisibility::All => ("requests r", None),
        // CROSS JOIN keeps SQLite from starting at the requests (PostgreSQL plans it as any
        // join): the list walks the requests of the person's organisations only.
        OrgVisibility::AssignedTo(staff) => {
            ("staff_assignments v CROSS JOIN requests r", Some(staff))
        }
        OrgVisibility::MemberOf(contact) => (
            "memberships v CROSS JOIN requests r LEFT JOIN request_assignees ra \
             ON ra.tenant_id = r.tenant_id AND ra.request_id = r.id AND ra.user_id = v.user_id",
            Some(contact),
        ),
    };
    let mut q = Query::new(
        backend,
        &format!(
            "SELECT r.id, r.organization_id, o.name AS organization_name, r.title, \
             r.instructions, r.due_on, r.status, r.created_at, r.updated_at FROM {from} \
             JOIN organizations o ON o.tenant_id = r.tenant_id AND o.id = r.organization_id \
             WHERE r.tenant_id = "
        ),
    );
    q.arg(tenant.0);
    if let Some(user) = through {
        q.sql(" AND v.tenant_id = ")
            .arg(tenant.0)
            .sql(" AND v.user_id = ")
            .arg(user.0)
            .sql(" AND v.organization_id = r.organization_id");
    }
    if let OrgVisibility::MemberOf(_) = who {
        q.sql(" AND ((' ' || v.scopes || ' ') LIKE '% admin %' OR ra.user_id IS NOT NULL)");
    }
    q
}

pub async fn get_request(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    id: RequestId,
) -> sqlx::Result<Option<RequestRow>> {
    let mut q = reach(backend_of(c), tenant, who);
    q.sql(" AND r.id = ").arg(id.0);
    q.fetch_optional(c).await
}

/// One page of the requests `who` sees, newest first.
pub fn list_query(
    backend: Backend,
    tenant: TenantId,
    who: OrgVisibility,
    filter: &RequestFilter,
    today: NaiveDate,
    before: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = reach(backend, tenant, who);
    if let Some(organization) = filter.organization_id {
        q.sql(" AND r.organization_id = ").arg(organization.0);
    }
    if let Some(status) = filter.status {
        q.sql(" AND r.status = ").arg(status.as_str());
    }
    if filter.overdue == Some(true) {
        // Overdue as `rules::overdue` says: due before today and waiting for the client.
        q.sql(" AND r.due_on < ")
            .arg(today)
            .sql(" AND r.status IN ('open', 'changes_requested')");
    }
    q.page_before("r.id", before, limit);
    q
}

pub async fn insert_request(
    c: &mut impl AsExec,
    tenant: TenantId,
    row: &RequestRow,
    created_by: UserId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO requests (id, tenant_id, organization_id, title, instructions, due_on, \
         status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
        .bind(row.id).bind(tenant.0).bind(row.organization_id).bind(&row.title)
        .bind(&row.instructions).bind(row.due_on).bind(&row.status).bind(created_by.0)
        .bind(row.created_at)
        .execute(e).await.map(|_| ()))
}

pub async fn set_request_status(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: RequestId,
    status: RequestStatus,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE requests SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).bind(status.as_str()).bind(at)
        .execute(e).await.map(|_| ()))
}

/// Locks a request for the rest of the transaction and reads its status and its items'
/// statuses, so a state transition decides from what is stored now, never from a copy read
/// before the transaction (PostgreSQL: `FOR UPDATE`; a SQLite write transaction already holds
/// the database's write lock, `BEGIN IMMEDIATE`).
pub async fn lock_request(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: RequestId,
) -> sqlx::Result<Option<(String, Vec<(Uuid, String)>)>> {
    const ITEMS: &str = "SELECT id, status FROM request_items \
                         WHERE tenant_id = $1 AND request_id = $2 ORDER BY position";
    let status: Option<String> = match c.exec() {
        crate::db::Exec::Sqlite(e) => {
            sqlx::query_scalar("SELECT status FROM requests WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(e)
                .await?
        }
        crate::db::Exec::Postgres(e) => {
            sqlx::query_scalar(
                "SELECT status FROM requests WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
            )
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(e)
            .await?
        }
    };
    let Some(status) = status else {
        return Ok(None);
    };
    let items = on_db!(c, e => sqlx::query_as(ITEMS).bind(tenant.0).bind(id.0).fetch_all(e).await)?;
    Ok(Some((status, items)))
}

pub async fn insert_assignee(
    c: &mut impl AsExec,
    tenant: TenantId,
    request: RequestId,
    user: UserId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO request_assignees (tenant_id, request_id, user_id) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING")
        .bind(tenant.0).bind(request.0).bind(user.0)
        .execute(e).await.map(|_| ()))
}

/// The assignees of the given requests.
pub async fn assignees(
    c: &mut impl AsExec,
    tenant: TenantId,
    requests: &[Uuid],
) -> sqlx::Result<Vec<AssigneeRow>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(
        backend_of(c),
        "SELECT ra.request_id, u.id AS user_id, u.name, u.email FROM request_assignees ra \
         JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id WHERE ra.tenant_id = ",
    );
    q.arg(tenant.0)
        .sql(" AND ra.request_id IN ")
        .args(requests.iter().copied())
        .sql(" ORDER BY ra.request_id, u.name");
    q.fetch_all(c).await
}

/// The assignees of a request who may still hear about it: active, and still members of its
/// organisation (someone removed from the organisation is not mailed its business).
pub async fn assignees_to_mail(
    c: &mut impl AsExec,
    tenant: TenantId,
    request: RequestId,
) -> sqlx::Result<Vec<AssigneeRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT ra.request_id, u.id AS user_id, u.name, u.email FROM request_assignees ra \
         JOIN requests r ON r.tenant_id = ra.tenant_id AND r.id = ra.request_id \
         JOIN users u ON u.tenant_id = ra.tenant_id AND u.id = ra.user_id \
         JOIN memberships m ON m.tenant_id = ra.tenant_id AND m.user_id = ra.user_id \
           AND m.organization_id = r.organization_id \
         WHERE ra.tenant_id = $1 AND ra.request_id = $2 AND u.status = 'active' ORDER BY u.name")
        .bind(tenant.0).bind(request.0).fetch_all(e).await)
}

/// The active contacts of an organisation with their scopes there (a request's default
/// assignees are among them).
pub async fn active_contacts(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT u.id, m.scopes FROM memberships m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
         WHERE m.tenant_id = $1 AND m.organization_id = $2 AND u.status = 'active' ORDER BY u.id")
        .bind(tenant.0).bind(organization.0).fetch_all(e).await)
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.request_id, i.kind, i.title, \
     i.description, i.spec, i.status, i.response, i.submitted_by, u.name AS submitted_by_name, \
     i.submitted_at, i.review_comment, i.reviewed_at FROM request_items i \
     LEFT JOIN users u ON u.tenant_id = i.tenant_id AND u.id = i.submitted_by \
     WHERE i.tenant_id = ";

/// The items of the given requests, in order.
pub async fn items(
    c: &mut impl AsExec,
    tenant: TenantId,
    requests: &[Uuid],
) -> sqlx::Result<Vec<ItemRow>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(backend_of(c), ITEM_COLUMNS);
    q.arg(tenant.0)
        .sql(" AND i.request_id IN ")
        .args(requests.iter().copied())
        .sql(" ORDER BY i.request_id, i.position");
    q.fetch_all(c).await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_item(
    c: &mut impl AsExec,
    tenant: TenantId,
    request: RequestId,
    position: i32,
    spec: &ItemSpec,
    item: &NewItem,
) -> sqlx::Result<()> {
    let spec = serde_json::to_string(spec).expect("an item spec serialises");
    on_db!(c, e => sqlx::query(
        "INSERT INTO request_items (id, tenant_id, request_id, position, kind, title, description, \
         spec, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')")
        .bind(RequestItemId::new().0).bind(tenant.0).bind(request.0).bind(position)
        .bind(item.kind.as_str()).bind(item.title.trim()).bind(&item.description).bind(spec)
        .execute(e).await.map(|_| ()))
}

/// The client's answer: the item's new status and response.
pub async fn save_answer(
    c: &mut impl AsExec,
    tenant: TenantId,
    item: RequestItemId,
    status: &str,
    response: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE request_items SET status = $3, response = $4, submitted_by = $5, submitted_at = $6 \
         WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(item.0).bind(status).bind(response).bind(by.0).bind(at)
        .execute(e).await.map(|_| ()))
}

/// Staff's review: the item's new status and comment.
pub async fn save_review(
    c: &mut impl AsExec,
    tenant: TenantId,
    item: RequestItemId,
    status: &str,
    comment: Option<&str>,
    by: UserId,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE request_items SET status = $3, review_comment = $4, reviewed_by = $5, reviewed_at = $6 \
         WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(item.0).bind(status).bind(comment).bind(by.0).bind(at)
        .execute(e).await.map(|_| ()))
}

/// The evidence of one signature.
pub struct NewSignature<'a> {
    pub item: RequestItemId,
    pub document: DocumentId,
    pub version: i32,
    pub sha256: &'a str,
    pub signer: UserId,
    pub signer_email: &'a str,
    pub typed_name: &'a str,
    pub consent_text: &'a str,
    pub at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_signature(
    c: &mut impl AsExec,
    tenant: TenantId,
    s: &NewSignature<'_>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO signatures (id, tenant_id, item_id, document_id, version, sha256, \
         signer_user_id, signer_email, typed_name, consent_text, signed_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(Uuid::now_v7()).bind(tenant.0).bind(s.item.0).bind(s.document.0).bind(s.version)
        .bind(s.sha256).bind(s.signer.0).bind(s.signer_email).bind(s.typed_name)
        .bind(s.consent_text).bind(s.at).bind(s.ip).bind(s.user_agent)
        .execute(e).await.map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub title: String,
    pub instructions: Option<String>,
    pub due_in_days: Option<i32>,
    pub items: String,
    pub created_at: DateTime<Utc>,
}

/// A tenant's request templates, as a query to narrow.
fn templates(backend: Backend, tenant: TenantId) -> Query {
    let mut q = Query::new(
        backend,
        "SELECT id, name, title, instructions, due_in_days, items, created_at \
         FROM request_templates WHERE tenant_id = ",
    );
    q.arg(tenant.0);
    q
}

pub fn templates_query(
    backend: Backend,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = templates(backend, tenant);
    q.page_after("id", after, limit);
    q
}

pub async fn get_template(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: TemplateId,
) -> sqlx::Result<Option<TemplateRow>> {
    let mut q = templates(backend_of(c), tenant);
    q.sql(" AND id = ").arg(id.0);
    q.fetch_optional(c).await
}

pub async fn insert_template(
    c: &mut impl AsExec,
    tenant: TenantId,
    row: &TemplateRow,
    by: UserId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO request_templates (id, tenant_id, name, title, instructions, due_in_days, \
         items, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(row.id).bind(tenant.0).bind(&row.name).bind(&row.title).bind(&row.instructions)
        .bind(row.due_in_days).bind(&row.items).bind(by.0).bind(row.created_at)
        .execute(e).await.map(|_| ()))
}

pub async fn delete_template(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: TemplateId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("DELETE FROM request_templates WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).execute(e).await.map(|_| ()))
}

/// The request and template lists with representative arguments (see `db::ListPlan`).
pub fn lists(backend: Backend) -> Vec<ListPlan> {
    let tenant = TenantId(Uuid::now_v7());
    let user = UserId(Uuid::now_v7());
    let today = NaiveDate::from_ymd_opt(2026, 12, 8).expect("a date");
    let filter = |status, organization_id, overdue| RequestFilter {
        status,
        organization_id,
        overdue,
    };
    let filters = [
        ("", filter(None, None, None)),
        (" open", filter(Some(RequestStatus::Open), None, None)),
        (
            " of an organisation",
            filter(None, Some(OrganizationId(Uuid::now_v7())), None),
        ),
        (" overdue", filter(None, None, Some(true))),
    ];
    let mut plans = Vec::new();
    for (seen, who) in [
        ("all", OrgVisibility::All),
        ("assigned", OrgVisibility::AssignedTo(user)),
        ("member", OrgVisibility::MemberOf(user)),
    ] {
        for (what, filter) in &filters {
            for plan in both_pages(&format!("requests{what}, {seen}"), |before| {
                list_query(backend, tenant, who, filter, today, before, 25)
            }) {
                plans.push(match who {
                    OrgVisibility::All => plan,
                    _ => plan.sorting("the requests of one person's organisations"),
                });
            }
        }
    }
    plans.extend(both_pages("request templates", |after| {
        templates_query(backend, tenant, after, 25)
    }));
    plans
}
