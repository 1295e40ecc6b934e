//! Changes to the identity model, each validated, audited in the same transaction, and — for
//! password, status and role changes — ending the user's sessions at once (SECURITY.md S9).
//! The `portico` command and the demo seed call these; the admin endpoints will too.

use super::{queries, rules};
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::queries::{Sessions, revoke_sessions};
use crate::auth::rules::check_new_password;
use crate::db::is_unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::passwords::Password;
use crate::state::AppState;
use portico_shared::organizations::{CreateOrganization, UpdateOrganization};
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, UserKind, UserStatus};
use portico_shared::{OrganizationId, SessionId, TenantId, UserId};
use serde_json::json;
use std::collections::BTreeMap;

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

impl From<&crate::auth::Principal> for Actor {
    fn from(who: &crate::auth::Principal) -> Self {
        Actor {
            user_id: Some(who.user_id),
            label: who.email.clone(),
        }
    }
}

fn conflict_on_unique(what: &'static str) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| {
        if is_unique_violation(&e) {
            ApiError::Conflict(format!("{what} already exists"))
        } else {
            e.into()
        }
    }
}

pub struct NewTenant {
    pub slug: String,
    pub name: String,
    /// `#rrggbb` colours for the portal; the SPA's defaults when absent.
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
}

pub async fn create_tenant(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    new: NewTenant,
) -> ApiResult<queries::TenantRow> {
    let slug = rules::parse_slug(&new.slug).map_err(|m| ApiError::invalid("slug", m))?;
    let name = rules::parse_name(&new.name).map_err(|m| ApiError::invalid("name", m))?;
    let color = |field: &str, value: Option<String>| {
        value
            .map(|c| rules::parse_color(&c).map_err(|m| ApiError::invalid(field, m)))
            .transpose()
    };
    let primary_color = color("primary_color", new.primary_color)?;
    let accent_color = color("accent_color", new.accent_color)?;
    let now = state.clock.now();
    let row = queries::TenantRow {
        id: TenantId::new().0,
        slug,
        name,
        logo_url: None,
        primary_color,
        accent_color,
        support_email: None,
        custom_domain: None,
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    queries::insert_tenant(&mut tx, &row)
        .await
        .map_err(conflict_on_unique("a tenant with this slug"))?;
    audit::queries::create_head(&mut tx, TenantId(row.id)).await?;
    let event = Event::new(TenantId(row.id), "tenant.created", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("tenant", row.id)
        .details(json!({ "slug": row.slug, "name": row.name }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// A person to add. Staff need a role; a password makes the user active, none leaves them
/// invited.
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub kind: UserKind,
    pub staff_role: Option<StaffRole>,
    pub password: Option<Password>,
}

pub async fn create_user(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    new: NewUser,
) -> ApiResult<queries::UserRow> {
    let email = rules::normalize_email(&new.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = rules::parse_name(&new.name).map_err(|m| ApiError::invalid("name", m))?;
    let role = match (new.kind, new.staff_role) {
        (UserKind::Staff, Some(role)) => Some(role),
        (UserKind::Staff, None) => {
            return Err(ApiError::invalid("staff_role", "staff need a role"));
        }
        (UserKind::Customer, Some(_)) => {
            return Err(ApiError::invalid("staff_role", "only staff have a role"));
        }
        (UserKind::Customer, None) => None,
    };
    let hash = match &new.password {
        Some(password) => {
            check_new_password(password.expose(), &[&email, &name])
                .map_err(|m| ApiError::invalid("password", m))?;
            Some(state.passwords.hash(password.clone()).await?)
        }
        None => None,
    };
    let now = state.clock.now();
    let status = if hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let row = queries::UserRow {
        id: UserId::new().0,
        tenant_id: tenant.0,
        kind: rules::kind_to_column(new.kind).into(),
        email,
        name,
        password_hash: hash,
        status: rules::status_to_column(status).into(),
        staff_role: role.map(|r| rules::role_to_column(r).to_string()),
        phone: None,
        locale: None,
        time_zone: None,
        organization_access: "all".into(),
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    queries::insert_user(&mut tx, &row)
        .await
        .map_err(conflict_on_unique("a user with this email"))?;
    let event = Event::new(tenant, "user.created", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", row.id)
        .details(json!({ "email": row.email, "kind": row.kind, "staff_role": row.staff_role }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// Sets a new password (checked against the policy) and ends every session of the user.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    password: Password,
) -> ApiResult<()> {
    set_password(state, actor, origin, tenant, user, password, None).await
}

/// A signed-in user's own change, after they proved the current password: every other
/// session ends (S9); the one making the change stays signed in. A policy failure names the
/// field `new_password`.
pub async fn change_own_password(
    state: &AppState,
    who: &crate::auth::Principal,
    origin: &Origin,
    password: Password,
) -> ApiResult<()> {
    let (actor, keep) = (Actor::from(who), Some(who.session_id));
    set_password(
        state,
        &actor,
        origin,
        who.tenant_id,
        who.user_id,
        password,
        keep,
    )
    .await
}

/// Stores a new password and ends the user's sessions, all but `own_session` when a user
/// changes their own (whose form calls the field `new_password`).
async fn set_password(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    password: Password,
    own_session: Option<SessionId>,
) -> ApiResult<()> {
    let field = match own_session {
        Some(_) => "new_password",
        None => "password",
    };
    let mut conn = state.db.conn().await?;
    let row = queries::get_user(&mut conn, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    drop(conn);
    check_new_password(password.expose(), &[&row.email, &row.name])
        .map_err(|m| ApiError::invalid(field, m))?;
    let hash = state.passwords.hash(password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    queries::set_password_hash(&mut tx, tenant, user, &hash, now).await?;
    crate::auth::links::retire_all(&mut tx, tenant, user, now).await?;
    if row.status == "invited" {
        queries::set_status(&mut tx, tenant, user, "active", now).await?;
    }
    let which = match own_session {
        Some(session) => Sessions::AllOfBut(user, session),
        None => Sessions::AllOf(user),
    };
    let ended = revoke_sessions(&mut tx, tenant, which, "password changed", now).await?;
    let event = Event::new(tenant, "user.password_changed", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", user)
        .details(json!({ "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables or re-enables a user. Disabling ends every session at once.
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    status: UserStatus,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !queries::set_status(&mut tx, tenant, user, rules::status_to_column(status), now).await? {
        return Err(ApiError::NotFound);
    }
    let ended = if status == UserStatus::Active {
        0
    } else {
        revoke_sessions(&mut tx, tenant, Sessions::AllOf(user), "user disabled", now).await?
    };
    let event = Event::new(tenant, "user.status_changed", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", user)
        .details(json!({ "status": rules::status_to_column(status), "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a staff member's role and ends their sessions, so the new role applies at once.
pub async fn set_staff_role(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    role: StaffRole,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !queries::set_staff_role(&mut tx, tenant, user, rules::role_to_column(role), now).await? {
        return Err(ApiError::NotFound);
    }
    let ended =
        revoke_sessions(&mut tx, tenant, Sessions::AllOf(user), "role changed", now).await?;
    let event = Event::new(tenant, "user.role_changed", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", user)
        .details(json!({ "staff_role": rules::role_to_column(role), "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_organization(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    new: CreateOrganization,
    assign_to: Option<UserId>,
) -> ApiResult<queries::OrganizationRow> {
    let CreateOrganization {
        name,
        external_ref,
        custom_fields,
    } = new;
    let name = rules::parse_name(&name).map_err(|m| ApiError::invalid("name", m))?;
    let changes = custom_fields
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    let custom_fields = rules::apply_custom_fields(&BTreeMap::new(), &changes)
        .map_err(|m| ApiError::invalid("custom_fields", m))?;
    let external_ref = external_ref
        .map(|r| rules::parse_external_ref(&r).map_err(|m| ApiError::invalid("external_ref", m)))
        .transpose()?
        .flatten();
    let now = state.clock.now();
    let row = queries::OrganizationRow {
        id: OrganizationId::new().0,
        tenant_id: tenant.0,
        name,
        external_ref,
        status: "active".into(),
        custom_fields: serde_json::to_string(&custom_fields).expect("serialises"),
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    queries::insert_organization(&mut tx, &row).await?;
    if let Some(creator) = assign_to {
        queries::assign_staff(&mut tx, tenant, creator, OrganizationId(row.id), now).await?;
    }
    let event = Event::new(tenant, "organization.created", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("organization", row.id)
        .details(json!({ "name": row.name }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// Renames an organisation, changes its external reference (`Some("")` clears it) or its
/// custom fields (`None` or empty values remove fields).
pub async fn update_organization(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    change: UpdateOrganization,
) -> ApiResult<queries::OrganizationRow> {
    let UpdateOrganization {
        name,
        external_ref,
        custom_fields,
    } = change;
    let name = name
        .map(|n| rules::parse_name(&n).map_err(|m| ApiError::invalid("name", m)))
        .transpose()?;
    let external_ref = external_ref
        .map(|r| rules::parse_external_ref(&r).map_err(|m| ApiError::invalid("external_ref", m)))
        .transpose()?;
    change_organization(
        state,
        actor,
        origin,
        tenant,
        organization,
        "organization.updated",
        |o| {
            let fields = match &custom_fields {
                Some(changes) => {
                    let current = serde_json::from_str(&o.custom_fields).unwrap_or_default();
                    let fields = rules::apply_custom_fields(&current, changes)
                        .map_err(|m| ApiError::invalid("custom_fields", m))?;
                    serde_json::to_string(&fields).expect("serialises")
                }
                None => o.custom_fields.clone(),
            };
            Ok(queries::OrganizationRow {
                name: name.unwrap_or_else(|| o.name.clone()),
                external_ref: external_ref.unwrap_or_else(|| o.external_ref.clone()),
                custom_fields: fields,
                ..o.clone()
            })
        },
    )
    .await
}

/// Archives (`archived`) or restores (`active`) an organisation. Idempotent.
pub async fn set_organization_status(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    status: &'static str,
) -> ApiResult<queries::OrganizationRow> {
    let action = if status == "archived" {
        "organization.archived"
    } else {
        "organization.restored"
    };
    change_organization(state, actor, origin, tenant, organization, action, |o| {
        Ok(queries::OrganizationRow {
            status: status.into(),
            ..o.clone()
        })
    })
    .await
}

/// Loads an organisation, applies `change` and, if anything changed, saves it with an audit
/// event (`action`, before and after) in the same transaction.
async fn change_organization(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    action: &'static str,
    change: impl FnOnce(&queries::OrganizationRow) -> ApiResult<queries::OrganizationRow>,
) -> ApiResult<queries::OrganizationRow> {
    let mut tx = state.db.begin().await?;
    let before = queries::get_organization(&mut tx, tenant, organization)
        .await?
        .ok_or(ApiError::NotFound)?;
    let after = change(&before)?;
    if after == before {
        return Ok(before);
    }
    queries::update_organization(&mut tx, &after).await?;
    let summary = |o: &queries::OrganizationRow| {
        json!({ "name": o.name, "external_ref": o.external_ref, "status": o.status,
                "custom_fields": serde_json::from_str::<serde_json::Value>(&o.custom_fields).ok() })
    };
    let event = Event::new(tenant, action, Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("organization", organization)
        .details(json!({ "before": summary(&before), "after": summary(&after) }));
    audit::record(&mut tx, event, origin, state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Makes a customer contact a member of an organisation with `scopes` (replacing any
/// scopes they had there).
pub async fn set_membership(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    scopes: &[Scope],
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let target = queries::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    if target.kind != "customer" {
        return Err(ApiError::invalid(
            "user",
            "only customer contacts belong to organisations",
        ));
    }
    let column = rules::scopes_to_column(scopes);
    queries::upsert_membership(&mut tx, tenant, user, organization, &column, now)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => ApiError::NotFound,
            _ => e.into(),
        })?;
    let event = Event::new(tenant, "membership.set", Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", user)
        .details(json!({ "organization_id": organization, "scopes": column }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Lets a staff member serve every organisation, or only those assigned to them. Audited.
pub async fn set_organization_access(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    access: OrganizationAccess,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !queries::set_organization_access(&mut tx, tenant, user, access, now).await? {
        return Err(ApiError::NotFound);
    }
    let event = Event::new(
        tenant,
        "staff.organization_access_changed",
        Outcome::Success,
    )
    .by(actor.user_id, &actor.label)
    .on("user", user)
    .details(json!({ "organization_access": access.as_str() }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Assigns a staff member to an organisation (one of possibly several), which limits them to
/// the organisations they are assigned to, or — with `assigned` false — ends that assignment
/// (someone limited to assignments who has none left serves no organisation). Idempotent; a
/// change is audited.
pub async fn assign_staff(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
) -> ApiResult<()> {
    set_assignment(state, actor, origin, tenant, user, organization, true).await
}

pub async fn set_assignment(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    assigned: bool,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let action = if assigned {
        queries::assign_staff(&mut tx, tenant, user, organization, now).await?;
        queries::set_organization_access(&mut tx, tenant, user, OrganizationAccess::Assigned, now)
            .await?;
        "staff.assigned"
    } else {
        if !queries::unassign_staff(&mut tx, tenant, user, organization).await? {
            return Ok(());
        }
        "staff.unassigned"
    };
    let event = Event::new(tenant, action, Outcome::Success)
        .by(actor.user_id, &actor.label)
        .on("user", user)
        .details(json!({ "organization_id": organization }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}
