//! What other capabilities, the `portico` command and the demo may ask of people: adding
//! someone, disabling them, their staff role and reach, their memberships. Each change is
//! validated, audited in the same transaction, and — for status and role changes — ends the
//! person's sessions at once (SECURITY.md S9).

use crate::audit::{self, Actor, Event, Origin, Outcome};
use crate::auth::service::{Sessions, check_new_password, revoke_sessions};
use crate::db::enums::Stored;
use crate::error::{ApiError, ApiResult, conflict_on_unique};
use crate::events;
use crate::passwords::Password;
use crate::passwords::Passwords;
use crate::state::Ctx;
use crate::tenancy::service as tenancy;
use portico_shared::events::EventData;
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, UserKind, UserStatus};
use portico_shared::{OrganizationId, TenantId, UserId};
use serde_json::json;

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
    cx: Ctx<'_>,
    passwords: &Passwords,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    new: NewUser,
) -> ApiResult<tenancy::UserRow> {
    let email = tenancy::normalize_email(&new.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = tenancy::parse_name(&new.name).map_err(|m| ApiError::invalid("name", m))?;
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
            Some(passwords.hash(password.clone()).await?)
        }
        None => None,
    };
    let now = cx.clock.now();
    let status = if hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let row = tenancy::UserRow {
        id: UserId::new().0,
        tenant_id: tenant.0,
        kind: new.kind.stored().into(),
        email,
        name,
        password_hash: hash,
        status: status.stored().into(),
        staff_role: role.map(|r| r.stored().to_string()),
        phone: None,
        locale: None,
        time_zone: None,
        organization_access: "all".into(),
        created_at: now,
    };
    let mut tx = cx.db.begin().await?;
    tenancy::insert_user(&mut tx, &row)
        .await
        .map_err(conflict_on_unique("a user with this email"))?;
    let event = Event::new(tenant, "user.created", Outcome::Success)
        .by_actor(actor)
        .on("user", row.id)
        .details(json!({ "email": row.email, "kind": row.kind, "staff_role": row.staff_role }));
    audit::record(&mut tx, event, origin, now).await?;
    let person = row.person_event(Vec::new())?;
    let report = match status {
        UserStatus::Active => EventData::PersonJoined(person),
        _ => EventData::PersonInvited(person),
    };
    events::emit(&mut tx, tenant, report, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// Disables or re-enables a user. Disabling ends every session at once.
pub async fn set_status(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    status: UserStatus,
) -> ApiResult<()> {
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    let before = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    tenancy::set_status(&mut tx, tenant, user, status.stored(), now).await?;
    let ended = if status == UserStatus::Active {
        0
    } else {
        revoke_sessions(&mut tx, tenant, Sessions::AllOf(user), "user disabled", now).await?
    };
    let event = Event::new(tenant, "user.status_changed", Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "status": status.stored(), "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    let person = before.person_event(Vec::new())?;
    let report = match status {
        UserStatus::Disabled => Some(EventData::PersonDisabled(person)),
        _ if before.status == "disabled" => Some(EventData::PersonEnabled(person)),
        _ => None,
    };
    if let Some(report) = report.filter(|_| before.status != status.stored()) {
        events::emit(&mut tx, tenant, report, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Changes a staff member's role and ends their sessions, so the new role applies at once.
pub async fn set_staff_role(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    role: StaffRole,
) -> ApiResult<()> {
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    if !tenancy::set_staff_role(&mut tx, tenant, user, role.stored(), now).await? {
        return Err(ApiError::NotFound);
    }
    let ended =
        revoke_sessions(&mut tx, tenant, Sessions::AllOf(user), "role changed", now).await?;
    let event = Event::new(tenant, "user.role_changed", Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "staff_role": role.stored(), "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a customer contact a member of an organisation with `scopes` (replacing any
/// scopes they had there).
pub async fn set_membership(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    scopes: &[Scope],
) -> ApiResult<()> {
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    let target = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    if target.kind != "customer" {
        return Err(ApiError::invalid(
            "user",
            "only customer contacts belong to organisations",
        ));
    }
    let column = tenancy::scopes_to_column(scopes);
    let joined = !tenancy::is_member(&mut tx, tenant, organization, user).await?;
    tenancy::upsert_membership(&mut tx, tenant, user, organization, &column, now)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => ApiError::NotFound,
            _ => e.into(),
        })?;
    let event = Event::new(tenant, "membership.set", Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "organization_id": organization, "scopes": column }));
    audit::record(&mut tx, event, origin, now).await?;
    if joined {
        let added = tenancy::membership_event(user, organization, &column)?;
        events::emit(&mut tx, tenant, EventData::MembershipAdded(added), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Lets a staff member serve every organisation, or only those assigned to them. Audited.
pub async fn set_organization_access(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    access: OrganizationAccess,
) -> ApiResult<()> {
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    if !tenancy::set_organization_access(&mut tx, tenant, user, access, now).await? {
        return Err(ApiError::NotFound);
    }
    let event = Event::new(
        tenant,
        "staff.organization_access_changed",
        Outcome::Success,
    )
    .by_actor(actor)
    .on("user", user)
    .details(json!({ "organization_access": access.as_str() }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}
