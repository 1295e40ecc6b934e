//! SQL for the identity model. Every function that reads tenant-owned rows takes the tenant
//! first.

use crate::db::enums::from_stored;
use crate::db::{AsExec, Backend, Query, backend_of, push_search, push_source};
use crate::error::{ApiError, ApiResult};
use crate::mail::templates::{Brand, DEFAULT_PRIMARY};
use crate::on_db;
use chrono::{DateTime, Utc};
use portico_shared::events::{MembershipEvent, PersonEvent};
use portico_shared::organizations::Organization;
use portico_shared::tenancy::{Branding, OrganizationAccess, StaffRole, Tenant, User};
use portico_shared::{OrganizationId, TenantId, UserId};
use uuid::Uuid;

use super::{OrgVisibility, rules};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    /// Where customers' replies to the portal's mail go.
    pub support_email: Option<String>,
    /// A host name that names this tenant by itself, e.g. `portal.acme.example` — once the
    /// tenant proved it controls it (a domain waiting for that reads as none here).
    pub custom_domain: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TenantRow {
    /// What a message needs to know about this tenant; a relative logo URL is made absolute
    /// with `portal_url`, and the colour is validated again before it reaches a style.
    pub fn brand(&self, portal_url: &str) -> Brand {
        let logo_url = self.logo_url.as_ref().map(|url| {
            if url.starts_with('/') {
                format!("{portal_url}{url}")
            } else {
                url.clone()
            }
        });
        Brand {
            name: self.name.clone(),
            primary_color: self
                .primary_color
                .as_deref()
                .and_then(|c| super::rules::parse_color(c).ok())
                .unwrap_or_else(|| DEFAULT_PRIMARY.into()),
            logo_url: logo_url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            support_email: self.support_email.clone(),
        }
    }
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: TenantId(r.id),
            branding: Branding {
                slug: r.slug,
                name: r.name,
                logo_url: r.logo_url,
                primary_color: r.primary_color,
                accent_color: r.accent_color,
            },
        }
    }
}

const TENANT_COLUMNS: &str = "id, slug, name, logo_url, primary_color, accent_color, \
     support_email, \
     CASE WHEN custom_domain_verified_at IS NULL THEN NULL ELSE custom_domain END AS custom_domain, \
     created_at";

pub async fn insert_tenant(c: &mut impl AsExec, row: &TenantRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO tenants (id, slug, name, logo_url, primary_color, accent_color, \
         support_email, custom_domain, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(row.id).bind(&row.slug).bind(&row.name).bind(&row.logo_url)
        .bind(&row.primary_color).bind(&row.accent_color).bind(&row.support_email)
        .bind(&row.custom_domain).bind(row.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find_tenant_by_slug(
    c: &mut impl AsExec,
    slug: &str,
) -> sqlx::Result<Option<TenantRow>> {
    let sql = select(TENANT_COLUMNS, "FROM tenants WHERE slug = $1");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(e).await)
}

/// The tenant whose custom domain is `host` (a lowercase host name without port).
pub async fn find_tenant_by_domain(
    c: &mut impl AsExec,
    host: &str,
) -> sqlx::Result<Option<TenantRow>> {
    let sql = select(
        TENANT_COLUMNS,
        "FROM tenants WHERE custom_domain = $1 AND custom_domain_verified_at IS NOT NULL",
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(host).fetch_optional(e).await)
}

/// Saves a tenant's settings (everything but its id, slug, creation time and custom domain,
/// which changes through [`set_custom_domain`]).
pub async fn update_tenant(c: &mut impl AsExec, row: &TenantRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE tenants SET name = $2, logo_url = $3, primary_color = $4, accent_color = $5, \
         support_email = $6 WHERE id = $1")
        .bind(row.id).bind(&row.name).bind(&row.logo_url).bind(&row.primary_color)
        .bind(&row.accent_color).bind(&row.support_email)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A tenant's custom domain as configured, verified or not.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomDomainRow {
    pub custom_domain: Option<String>,
    pub custom_domain_token: Option<String>,
    pub custom_domain_verified_at: Option<DateTime<Utc>>,
}

pub async fn custom_domain_of(
    c: &mut impl AsExec,
    tenant: TenantId,
) -> sqlx::Result<Option<CustomDomainRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT custom_domain, custom_domain_token, custom_domain_verified_at FROM tenants \
         WHERE id = $1")
        .bind(tenant.0).fetch_optional(e).await)
}

/// Sets (or clears) a tenant's custom domain, unverified, with the token that proves it.
pub async fn set_custom_domain(
    c: &mut impl AsExec,
    tenant: TenantId,
    domain: Option<&str>,
    token: Option<&str>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE tenants SET custom_domain = $2, custom_domain_token = $3, \
         custom_domain_verified_at = NULL WHERE id = $1")
        .bind(tenant.0).bind(domain).bind(token).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks the tenant's custom domain proven, if it is still `domain`.
pub async fn mark_custom_domain_verified(
    c: &mut impl AsExec,
    tenant: TenantId,
    domain: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE tenants SET custom_domain_verified_at = $3 \
         WHERE id = $1 AND custom_domain = $2 AND custom_domain_verified_at IS NULL")
        .bind(tenant.0).bind(domain).bind(at).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogoRow {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub updated_at: DateTime<Utc>,
}

pub async fn get_logo(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<Option<LogoRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT content_type, bytes, updated_at FROM tenant_logos WHERE tenant_id = $1")
        .bind(tenant.0).fetch_optional(e).await)
}

pub async fn put_logo(c: &mut impl AsExec, tenant: TenantId, logo: &LogoRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO tenant_logos (tenant_id, content_type, bytes, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET \
         content_type = excluded.content_type, bytes = excluded.bytes, updated_at = excluded.updated_at")
        .bind(tenant.0).bind(&logo.content_type).bind(&logo.bytes).bind(logo.updated_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_logo(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("DELETE FROM tenant_logos WHERE tenant_id = $1")
        .bind(tenant.0).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get_tenant(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<Option<TenantRow>> {
    let sql = select(TENANT_COLUMNS, "FROM tenants WHERE id = $1");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_optional(e).await)
}

pub async fn list_tenants(c: &mut impl AsExec) -> sqlx::Result<Vec<TenantRow>> {
    let sql = select(TENANT_COLUMNS, "FROM tenants ORDER BY slug");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(e).await)
}

fn select(columns: &str, rest: &str) -> String {
    format!("SELECT {columns} {rest}")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub staff_role: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    /// Staff: `all` or `assigned` (see [`OrganizationAccess`]).
    pub organization_access: String,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    /// What `person.*` events say about this person.
    pub fn person_event(&self, organization_ids: Vec<OrganizationId>) -> ApiResult<PersonEvent> {
        Ok(PersonEvent {
            user_id: UserId(self.id),
            kind: from_stored(&self.kind)?,
            email: self.email.clone(),
            name: self.name.clone(),
            organization_ids,
        })
    }
}

/// What `membership.*` events say: `scopes` as stored (none once removed).
pub fn membership_event(
    user: UserId,
    organization: OrganizationId,
    scopes: &str,
) -> ApiResult<MembershipEvent> {
    Ok(MembershipEvent {
        user_id: user,
        organization_id: organization,
        scopes: rules::scopes_from_column(scopes)?,
    })
}

impl UserRow {
    /// The staff role, for staff.
    pub fn role(&self) -> ApiResult<Option<StaffRole>> {
        self.staff_role.as_deref().map(from_stored).transpose()
    }

    /// How far a staff member reaches (none for contacts): owners serve everything.
    pub fn organization_access(&self) -> ApiResult<Option<OrganizationAccess>> {
        Ok(match self.role()? {
            None => None,
            Some(StaffRole::Owner) => Some(OrganizationAccess::All),
            Some(_) => Some(from_stored(&self.organization_access)?),
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = ApiError;

    fn try_from(r: UserRow) -> ApiResult<Self> {
        let staff_role = r.role()?;
        let organization_access = r.organization_access()?;
        Ok(User {
            id: UserId(r.id),
            tenant_id: TenantId(r.tenant_id),
            email: r.email,
            name: r.name,
            kind: from_stored(&r.kind)?,
            status: from_stored(&r.status)?,
            staff_role,
            phone: r.phone,
            locale: r.locale,
            time_zone: r.time_zone,
            organization_access,
            created_at: r.created_at,
        })
    }
}

pub const USER_COLUMNS: &str = "id, tenant_id, kind, email, name, password_hash, status, \
     staff_role, phone, locale, time_zone, organization_access, created_at";

/// [`USER_COLUMNS`] of the table aliased `alias` in a join.
pub fn user_columns_of(alias: &str) -> String {
    USER_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn insert_user(c: &mut impl AsExec, row: &UserRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO users (id, tenant_id, kind, email, name, password_hash, status, staff_role, \
         organization_access, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
        .bind(row.id).bind(row.tenant_id).bind(&row.kind).bind(&row.email).bind(&row.name)
        .bind(&row.password_hash).bind(&row.status).bind(&row.staff_role)
        .bind(&row.organization_access).bind(row.created_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find_user_by_email(
    c: &mut impl AsExec,
    tenant: TenantId,
    email: &str,
) -> sqlx::Result<Option<UserRow>> {
    let sql = select(
        USER_COLUMNS,
        "FROM users WHERE tenant_id = $1 AND email = $2",
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(email).fetch_optional(e).await)
}

pub async fn get_user(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
) -> sqlx::Result<Option<UserRow>> {
    let sql = select(USER_COLUMNS, "FROM users WHERE tenant_id = $1 AND id = $2");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(user.0).fetch_optional(e).await)
}

pub async fn set_password_hash(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE users SET password_hash = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(user.0).bind(hash).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_status(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    status: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE users SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(user.0).bind(status).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn set_staff_role(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    role: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE users SET staff_role = $3, updated_at = $4 \
         WHERE tenant_id = $1 AND id = $2 AND kind = 'staff'")
        .bind(tenant.0).bind(user.0).bind(role).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub external_ref: Option<String>,
    pub status: String,
    /// A JSON object of strings.
    pub custom_fields: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = ApiError;

    fn try_from(r: OrganizationRow) -> ApiResult<Self> {
        let custom_fields = serde_json::from_str(&r.custom_fields).map_err(|e| {
            tracing::error!(organization = %r.id, error = %e, "unreadable custom fields");
            ApiError::Internal(anyhow::anyhow!("organization {}: custom fields: {e}", r.id))
        })?;
        Ok(Organization {
            id: OrganizationId(r.id),
            status: from_stored(&r.status)?,
            name: r.name,
            external_ref: r.external_ref,
            custom_fields,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_organization(c: &mut impl AsExec, row: &OrganizationRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO organizations (id, tenant_id, name, external_ref, status, created_at, \
         custom_fields) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(row.id).bind(row.tenant_id).bind(&row.name).bind(&row.external_ref)
        .bind(&row.status).bind(row.created_at).bind(&row.custom_fields)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get_organization(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: OrganizationId,
) -> sqlx::Result<Option<OrganizationRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT id, tenant_id, name, external_ref, status, custom_fields, created_at \
         FROM organizations \
         WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).fetch_optional(e).await)
}

/// Writes an organisation's name, external reference and status.
pub async fn update_organization(c: &mut impl AsExec, row: &OrganizationRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE organizations SET name = $3, external_ref = $4, status = $5, custom_fields = $6 \
         WHERE tenant_id = $1 AND id = $2")
        .bind(row.tenant_id).bind(row.id).bind(&row.name).bind(&row.external_ref)
        .bind(&row.status).bind(&row.custom_fields)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find_organization_by_name(
    c: &mut impl AsExec,
    tenant: TenantId,
    name: &str,
) -> sqlx::Result<Option<OrganizationRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT id, tenant_id, name, external_ref, status, custom_fields, created_at \
         FROM organizations \
         WHERE tenant_id = $1 AND name = $2 ORDER BY id LIMIT 1")
        .bind(tenant.0).bind(name).fetch_optional(e).await)
}

/// The organisation with this external reference (a CRM id), if any.
pub async fn find_organization_by_external_ref(
    c: &mut impl AsExec,
    tenant: TenantId,
    external_ref: &str,
) -> sqlx::Result<Option<OrganizationRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT id, tenant_id, name, external_ref, status, custom_fields, created_at \
         FROM organizations \
         WHERE tenant_id = $1 AND external_ref = $2 ORDER BY id LIMIT 1")
        .bind(tenant.0).bind(external_ref).fetch_optional(e).await)
}

/// Sets a contact's scopes in an organisation, adding the membership if needed.
pub async fn upsert_membership(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    scopes: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, organization_id, scopes, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (tenant_id, user_id, organization_id) DO UPDATE SET scopes = excluded.scopes")
        .bind(tenant.0).bind(user.0).bind(organization.0).bind(scopes).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub scopes: String,
}

/// The organisations a contact belongs to, with their scopes there, by organisation name.
pub async fn memberships_of(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
) -> sqlx::Result<Vec<MembershipRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT m.organization_id, o.name AS organization_name, m.scopes \
         FROM memberships m JOIN organizations o \
           ON o.tenant_id = m.tenant_id AND o.id = m.organization_id \
         WHERE m.tenant_id = $1 AND m.user_id = $2 AND o.status = 'active' \
         ORDER BY o.name, o.id")
        .bind(tenant.0).bind(user.0).fetch_all(e).await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub organization_id: Uuid,
    pub organization_name: String,
}

/// The organisations a staff member is assigned to (what they serve when their
/// `organization_access` is `assigned`).
pub async fn assignments_of(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
) -> sqlx::Result<Vec<AssignmentRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT a.organization_id, o.name AS organization_name \
         FROM staff_assignments a JOIN organizations o \
           ON o.tenant_id = a.tenant_id AND o.id = a.organization_id \
         WHERE a.tenant_id = $1 AND a.user_id = $2 ORDER BY o.name, o.id")
        .bind(tenant.0).bind(user.0).fetch_all(e).await)
}

pub async fn assign_staff(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO staff_assignments (tenant_id, user_id, organization_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(tenant.0).bind(user.0).bind(organization.0).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sets which organisations a staff member serves. Returns whether they were found.
pub async fn set_organization_access(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    access: OrganizationAccess,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE users SET organization_access = $3, updated_at = $4 \
         WHERE tenant_id = $1 AND id = $2 AND kind = 'staff'")
        .bind(tenant.0).bind(user.0).bind(access.as_str()).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Ends a staff member's assignment to an organisation. Returns whether there was one.
pub async fn unassign_staff(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "DELETE FROM staff_assignments WHERE tenant_id = $1 AND user_id = $2 AND organization_id = $3")
        .bind(tenant.0).bind(user.0).bind(organization.0).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// One page (plus one row) of the staff assigned to an organisation, by user id.
pub fn assigned_staff_query(
    backend: Backend,
    tenant: TenantId,
    organization: OrganizationId,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = Query::new(
        backend,
        &format!(
            "SELECT {} FROM staff_assignments a JOIN users u \
             ON u.tenant_id = a.tenant_id AND u.id = a.user_id WHERE a.tenant_id = ",
            user_columns_of("u")
        ),
    );
    q.arg(tenant.0)
        .sql(" AND a.organization_id = ")
        .arg(organization.0);
    q.page_after("a.user_id", after, limit);
    q
}

/// People a staff member sees, as a query to narrow (`AND …`), found by `words` (a name or an
/// address, through the people's trigram index) when given: everyone of the tenant, or — for
/// staff limited to some organisations — the staff and the contacts of those organisations,
/// found through the assignments and the memberships of those organisations (not by testing
/// every person). Contacts see nobody here (they see their colleagues through their
/// organisation's team).
pub fn visible_people(
    backend: Backend,
    tenant: TenantId,
    who: OrgVisibility,
    words: Option<&str>,
) -> Query {
    let mut q = Query::new(backend, &format!("SELECT {} FROM ", user_columns_of("u")));
    let from_matches = push_source(&mut q, "users", "u", words);
    q.sql("u.tenant_id = ").arg(tenant.0);
    match who {
        OrgVisibility::All => {}
        OrgVisibility::AssignedTo(staff) => {
            q.sql(" AND u.id IN (SELECT s.id FROM users s WHERE s.tenant_id = ")
                .arg(tenant.0)
                .sql(
                    " AND s.kind = 'staff' UNION SELECT m.user_id FROM staff_assignments a \
                      CROSS JOIN memberships m WHERE m.tenant_id = a.tenant_id \
                      AND m.organization_id = a.organization_id AND a.tenant_id = ",
                )
                .arg(tenant.0)
                .sql(" AND a.user_id = ")
                .arg(staff.0)
                .sql(")");
        }
        OrgVisibility::MemberOf(_) => {
            q.sql(" AND 1 = 0");
        }
    }
    if let Some(words) = words {
        push_search(
            &mut q,
            from_matches,
            "users",
            "u",
            &["lower(u.name)", "lower(u.email)"],
            words,
        );
    }
    q
}

/// Whether `user` is a member of `organization` (not merely offered it).
pub async fn is_member(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<bool> {
    let n: i64 = on_db!(c, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE tenant_id = $1 AND organization_id = $2 AND user_id = $3")
        .bind(tenant.0).bind(organization.0).bind(user.0).fetch_one(e).await)?;
    Ok(n > 0)
}

/// Saves a user's name and profile fields.
pub async fn update_profile(
    c: &mut impl AsExec,
    row: &UserRow,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE users SET name = $3, phone = $4, locale = $5, time_zone = $6, updated_at = $7 \
         WHERE tenant_id = $1 AND id = $2")
        .bind(row.tenant_id).bind(row.id).bind(&row.name).bind(&row.phone).bind(&row.locale)
        .bind(&row.time_zone).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Changes a user's email address (unique per tenant: a taken address fails).
pub async fn set_email(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE users SET email = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(user.0).bind(email).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One person, if `who` sees them.
pub async fn get_visible_person(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    id: UserId,
) -> sqlx::Result<Option<UserRow>> {
    let mut q = visible_people(backend_of(c), tenant, who, None);
    q.sql(" AND u.id = ").arg(id.0);
    q.fetch_optional(c).await
}

/// The organisations `who` sees, as a query to narrow (`AND …`), found by `words` (a name,
/// reference or custom field, through the organisations' trigram index) when given; and the
/// column that orders them by id. Staff limited to assignments and contacts start from their
/// own assignments or memberships (keyed by user, then organisation), so a page walks only
/// what they see; a search by everyone else, from its matches.
pub fn visible_organizations(
    backend: Backend,
    tenant: TenantId,
    who: OrgVisibility,
    words: Option<&str>,
) -> (Query, &'static str) {
    let mut q = Query::new(
        backend,
        "SELECT o.id, o.tenant_id, o.name, o.external_ref, o.status, o.custom_fields, \
         o.created_at FROM ",
    );
    let (through, user) = match who {
        OrgVisibility::All => ("", None),
        OrgVisibility::MemberOf(user) => ("memberships", Some(user)),
        OrgVisibility::AssignedTo(user) => ("staff_assignments", Some(user)),
    };
    let (key, from_matches) = match user {
        None => {
            let from_matches = push_source(&mut q, "organizations", "o", words);
            q.sql("o.tenant_id = ").arg(tenant.0);
            ("o.id", from_matches)
        }
        Some(user) => {
            // CROSS JOIN keeps SQLite from starting at the organisations (PostgreSQL plans it
            // as any join): a page walks the person's own assignments or memberships in order.
            q.sql(&format!(
                "{through} v CROSS JOIN organizations o WHERE o.tenant_id = v.tenant_id \
                 AND o.id = v.organization_id AND v.tenant_id = "
            ))
            .arg(tenant.0)
            .sql(" AND v.user_id = ")
            .arg(user.0);
            ("v.organization_id", false)
        }
    };
    if let Some(words) = words {
        push_search(
            &mut q,
            from_matches,
            "organizations",
            "o",
            &[
                "lower(o.name)",
                "lower(COALESCE(o.external_ref, ''))",
                "lower(o.custom_fields)",
            ],
            words,
        );
    }
    (q, key)
}

/// Organisation `id`, if `who` sees it.
pub async fn get_visible(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    id: OrganizationId,
) -> sqlx::Result<Option<OrganizationRow>> {
    let (mut q, key) = visible_organizations(backend_of(c), tenant, who, None);
    q.sql(&format!(" AND {key} = ")).arg(id.0);
    q.fetch_optional(c).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brand_colour_is_revalidated_and_relative_logos_made_absolute() {
        let row = TenantRow {
            id: uuid::Uuid::nil(),
            slug: "acme".into(),
            name: "Acme".into(),
            logo_url: Some("/api/v1/branding/logo".into()),
            primary_color: Some("red;background:url(x)".into()),
            accent_color: None,
            support_email: None,
            custom_domain: None,
            created_at: chrono::Utc::now(),
        };
        let brand = row.brand("https://portal.test");
        assert_eq!(brand.primary_color, DEFAULT_PRIMARY);
        assert_eq!(
            brand.logo_url.as_deref(),
            Some("https://portal.test/api/v1/branding/logo")
        );
    }
}
