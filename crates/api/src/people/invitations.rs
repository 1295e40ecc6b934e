//! Inviting people: a new person gets an invited account, their memberships and an emailed
//! link to set a password, all in one transaction (the mail is queued, so it goes out only if
//! the invitation exists). An existing contact invited to another organisation gets the
//! membership and a notice instead.

use crate::audit::Actor;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::service::{LinkPurpose as Purpose, issue_link, links_issued_since};
use crate::body::JsonObject;
use crate::db::enums::Stored;
use crate::db::{Tx, is_unique_violation};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::mail::{self, templates};
use crate::people::queries as people;
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, TenantRow, UserRow, membership_event};
use actix_web::{post, web};
use portico_shared::Problem;
use portico_shared::events::EventData;
use portico_shared::people::{JoinedOrganization, LinkToken};
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, UserKind, UserStatus};
use portico_shared::{OrganizationId, TenantId, UserId};
use serde_json::json;

/// Memberships to grant: organisations, each with scopes.
pub type Grants = Vec<(OrganizationId, Vec<Scope>)>;

/// Whom to invite, as what.
pub struct Invite {
    pub email: String,
    pub name: String,
    /// Staff join with a role and no organisations.
    pub staff_role: Option<StaffRole>,
    /// Which organisations new staff serve: staff limited to assigned organisations invite
    /// staff who are limited too (and serve nothing until assigned).
    pub staff_access: OrganizationAccess,
    /// Whether an existing person joins only with their consent (an offer they accept by
    /// email) — when the inviter may not see people outside their organisations: customer
    /// admins and staff limited to assigned organisations. The answer is then the same
    /// whether the address had an account or not.
    pub consent: bool,
    /// Contacts join organisations, each with scopes.
    pub grants: Grants,
}

/// Checks a set of scopes for a membership: at least one.
pub fn check_scopes(field: &str, scopes: &[Scope]) -> ApiResult<String> {
    if scopes.is_empty() {
        return Err(ApiError::invalid(field, "choose at least one scope"));
    }
    Ok(tenancy::scopes_to_column(scopes))
}

/// What an invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invited {
    /// A new person, sent an invitation.
    New,
    /// An existing contact, given the memberships.
    Added,
    /// An existing person, offered the memberships (they join when they accept).
    Offered,
}

/// Invites a person, or adds an existing contact to more organisations. Returns the person.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    invite: Invite,
) -> ApiResult<(UserRow, Invited)> {
    let mut tx = state.db.begin().await?;
    let invited = invite_in(state, &mut tx, actor, origin, tenant, invite).await?;
    tx.commit().await?;
    Ok(invited)
}

/// [`invite`] within the caller's transaction (a bulk import runs many in one).
pub async fn invite_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    invite: Invite,
) -> ApiResult<(UserRow, Invited)> {
    let email =
        tenancy::normalize_email(&invite.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = tenancy::parse_name(&invite.name).map_err(|m| ApiError::invalid("name", m))?;
    match (&invite.staff_role, invite.grants.is_empty()) {
        (Some(_), false) => {
            return Err(ApiError::invalid(
                "memberships",
                "staff do not belong to customer organisations",
            ));
        }
        (None, true) => {
            return Err(ApiError::invalid(
                "memberships",
                "a contact needs at least one organisation",
            ));
        }
        _ => {}
    }
    let mut grants = Vec::new();
    for (org, scopes) in &invite.grants {
        grants.push((*org, check_scopes("scopes", scopes)?));
    }

    let now = state.clock.now();
    let tenant_row = tenancy::get_tenant(&mut *tx, tenant)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut organizations = Vec::new();
    for (org, _) in &grants {
        let row = tenancy::get_organization(&mut *tx, tenant, *org)
            .await?
            .ok_or(ApiError::NotFound)?;
        organizations.push(row.name);
    }
    let inviter = inviter_name(&mut *tx, tenant, actor).await?;

    let person = match tenancy::find_user_by_email(&mut *tx, tenant, &email).await? {
        None => {
            let row = UserRow {
                id: UserId::new().0,
                tenant_id: tenant.0,
                kind: (match invite.staff_role {
                    Some(_) => UserKind::Staff,
                    None => UserKind::Customer,
                })
                .stored()
                .into(),
                email: email.clone(),
                name,
                password_hash: None,
                status: (UserStatus::Invited).stored().into(),
                staff_role: invite.staff_role.map(|r| r.stored().to_string()),
                phone: None,
                locale: None,
                time_zone: None,
                organization_access: invite.staff_access.as_str().into(),
                created_at: now,
            };
            tenancy::insert_user(&mut *tx, &row).await.map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::Conflict(format!("{email} already has an account here."))
                } else {
                    e.into()
                }
            })?;
            for (org, scopes) in &grants {
                tenancy::upsert_membership(&mut *tx, tenant, UserId(row.id), *org, scopes, now)
                    .await?;
            }
            let event = Event::new(tenant, "user.invited", Outcome::Success)
                .by_actor(actor)
                .on("user", row.id)
                .details(json!({
                    "email": row.email,
                    "kind": row.kind,
                    "staff_role": row.staff_role,
                    "memberships": grants.iter().map(|(o, s)| json!({ "organization_id": o, "scopes": s })).collect::<Vec<_>>(),
                }));
            audit::record(&mut *tx, event, origin, now).await?;
            let orgs = grants.iter().map(|(o, _)| *o).collect();
            let invited = EventData::PersonInvited(row.person_event(orgs)?);
            events::emit(tx, tenant, invited, now).await?;
            send_invitation(state, tx, &tenant_row, &row, &inviter).await?;
            (row, Invited::New)
        }
        Some(existing) if invite.consent && invite.staff_role.is_none() => {
            let user = UserId(existing.id);
            refuse_members(tx, tenant, user, &email, &grants, &organizations).await?;
            for ((org, scopes), org_name) in grants.iter().zip(&organizations) {
                offer(
                    state,
                    tx,
                    actor,
                    origin,
                    &tenant_row,
                    &existing,
                    &name,
                    *org,
                    scopes,
                    org_name,
                    &inviter,
                )
                .await?;
            }
            // What the inviter learns is what a new invitee would show: the address and
            // name they typed, invited — nothing of the existing account.
            let shown = UserRow {
                kind: "customer".into(),
                email: email.clone(),
                name,
                password_hash: None,
                status: (UserStatus::Invited).stored().into(),
                staff_role: None,
                phone: None,
                locale: None,
                time_zone: None,
                organization_access: "all".into(),
                created_at: now,
                ..existing
            };
            (shown, Invited::Offered)
        }
        Some(existing) if existing.kind == "customer" && invite.staff_role.is_none() => {
            if existing.status == "disabled" {
                return Err(ApiError::Conflict(
                    "This person's account is disabled; enable it first.".into(),
                ));
            }
            let user = UserId(existing.id);
            refuse_members(tx, tenant, user, &email, &grants, &organizations).await?;
            for (org, scopes) in &grants {
                tenancy::upsert_membership(&mut *tx, tenant, user, *org, scopes, now).await?;
                let event = Event::new(tenant, "membership.added", Outcome::Success)
                    .by_actor(actor)
                    .on("user", user)
                    .details(json!({ "organization_id": org, "scopes": scopes }));
                audit::record(&mut *tx, event, origin, now).await?;
                let added = EventData::MembershipAdded(membership_event(user, *org, scopes)?);
                events::emit(tx, tenant, added, now).await?;
            }
            if existing.status == "invited" {
                send_invitation(state, tx, &tenant_row, &existing, &inviter).await?;
            } else {
                let portal_url = state
                    .config
                    .portal_url(&tenant_row.slug, tenant_row.custom_domain.as_deref());
                let brand = tenant_row.brand(&portal_url);
                let portal = crate::config::page_url(&portal_url, &tenant_row.slug, "/");
                for org_name in &organizations {
                    let mail = templates::added_to_organization(
                        &brand,
                        &existing.email,
                        &existing.name,
                        &inviter,
                        org_name,
                        &portal,
                    );
                    mail::queue(&mut *tx, tenant, &mail, now).await?;
                }
            }
            (existing, Invited::Added)
        }
        Some(_) => {
            return Err(ApiError::Conflict(format!(
                "{email} already has an account here."
            )));
        }
    };
    Ok(person)
}

/// 409 when `user` already belongs to (or was offered) one of the organisations granted.
async fn refuse_members(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    email: &str,
    grants: &[(OrganizationId, String)],
    organizations: &[String],
) -> ApiResult<()> {
    for ((org, _), org_name) in grants.iter().zip(organizations) {
        if people::member(&mut *tx, tenant, *org, user)
            .await?
            .is_some()
        {
            return Err(ApiError::Conflict(format!(
                "{email} is already a member of {org_name}."
            )));
        }
    }
    Ok(())
}

/// Offers `person` a membership of `org` and mails them the link to accept it (staff, who
/// cannot belong to organisations, get no mail: the offer stays unanswered).
#[allow(clippy::too_many_arguments)]
async fn offer(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    origin: &Origin,
    tenant: &TenantRow,
    person: &UserRow,
    name_given: &str,
    org: OrganizationId,
    scopes: &str,
    org_name: &str,
    inviter: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let tenant_id = TenantId(tenant.id);
    let user = UserId(person.id);
    let secret = crate::tokens::new_secret()?;
    let expires_at = now + OFFER_LIFETIME;
    people::upsert_offer(
        tx,
        tenant_id,
        org,
        user,
        scopes,
        name_given,
        actor.user_id,
        &crate::tokens::secret_digest(&secret),
        now,
        expires_at,
    )
    .await?;
    if person.kind == "customer" && person.status != "disabled" {
        let portal_url = state
            .config
            .portal_url(&tenant.slug, tenant.custom_domain.as_deref());
        let link = format!(
            "{}#token={secret}",
            crate::config::page_url(&portal_url, &tenant.slug, "/join")
        );
        let mail = templates::membership_offer(
            &tenant.brand(&portal_url),
            &person.email,
            &person.name,
            inviter,
            org_name,
            &link,
            OFFER_LIFETIME.num_days(),
        );
        mail::queue(tx, tenant_id, &mail, now).await?;
    }
    let event = Event::new(tenant_id, "membership.offered", Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "organization_id": org, "scopes": scopes }));
    audit::record(tx, event, origin, now).await?;
    Ok(())
}

/// How long a membership offer's link works.
pub const OFFER_LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// Sends a pending membership offer's link again (a fresh one). Nothing for staff accounts.
pub async fn resend_offer(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    org: OrganizationId,
    user: UserId,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let pending = people::offer(&mut tx, tenant, org, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    let wait = pending.sent_at + chrono::Duration::minutes(1) - now;
    if wait > chrono::Duration::zero() {
        return Err(ApiError::TooManyRequests {
            retry_after: wait.num_seconds().max(1) as u64,
        });
    }
    let tenant_row = tenancy::get_tenant(&mut tx, tenant)
        .await?
        .ok_or(ApiError::NotFound)?;
    let person = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    let org_row = tenancy::get_organization(&mut tx, tenant, org)
        .await?
        .ok_or(ApiError::NotFound)?;
    let inviter = inviter_name(&mut tx, tenant, actor).await?;
    offer(
        state,
        &mut tx,
        actor,
        origin,
        &tenant_row,
        &person,
        &pending.name_given,
        org,
        &pending.scopes,
        &org_row.name,
        &inviter,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends an invited person a fresh invitation (their older links stop working).
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let tenant_row = tenancy::get_tenant(&mut tx, tenant)
        .await?
        .ok_or(ApiError::NotFound)?;
    let person = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    if person.status != "invited" {
        return Err(ApiError::Conflict(
            "This person has already accepted their invitation.".into(),
        ));
    }
    check_resend_allowance(&mut tx, tenant, user, now).await?;
    let inviter = inviter_name(&mut tx, tenant, actor).await?;
    send_invitation(state, &mut tx, &tenant_row, &person, &inviter).await?;
    let event = Event::new(tenant, "user.invitation_resent", Outcome::Success)
        .by_actor(actor)
        .on("user", user);
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// At most one invitation a minute to a person, and [`MAX_INVITATIONS_A_DAY`] a day: a
/// resend button is no way to flood someone's mailbox. 429 with the wait otherwise.
async fn check_resend_allowance(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let minute = chrono::Duration::minutes(1);
    let day = chrono::Duration::days(1);
    let (last_minute, oldest) =
        links_issued_since(tx, tenant, user, Purpose::Invitation, now - minute).await?;
    if last_minute > 0 {
        let wait = oldest.map(|t| t + minute - now).unwrap_or(minute);
        return Err(ApiError::TooManyRequests {
            retry_after: wait.num_seconds().max(1) as u64,
        });
    }
    let (last_day, oldest) =
        links_issued_since(tx, tenant, user, Purpose::Invitation, now - day).await?;
    if last_day >= MAX_INVITATIONS_A_DAY {
        let wait = oldest.map(|t| t + day - now).unwrap_or(day);
        return Err(ApiError::TooManyRequests {
            retry_after: wait.num_seconds().max(1) as u64,
        });
    }
    Ok(())
}

/// The most invitation emails one person is sent in a day.
pub const MAX_INVITATIONS_A_DAY: i64 = 5;

async fn inviter_name(tx: &mut Tx, tenant: TenantId, actor: &Actor) -> ApiResult<String> {
    Ok(match actor.user_id {
        Some(id) => tenancy::get_user(tx, tenant, id)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| actor.label.clone()),
        None => actor.label.clone(),
    })
}

/// Issues an invitation link for `person` and queues the email, naming their organisations.
async fn send_invitation(
    state: &AppState,
    tx: &mut Tx,
    tenant: &TenantRow,
    person: &UserRow,
    inviter: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let portal_url = state
        .config
        .portal_url(&tenant.slug, tenant.custom_domain.as_deref());
    let link = issue_link(
        tx,
        &portal_url,
        tenant,
        UserId(person.id),
        Purpose::Invitation,
        None,
        now,
    )
    .await?;
    let organizations: Vec<String> =
        tenancy::memberships_of(tx, TenantId(tenant.id), UserId(person.id))
            .await?
            .into_iter()
            .map(|m| m.organization_name)
            .collect();
    let mail = templates::invitation(
        &tenant.brand(&portal_url),
        &person.email,
        &person.name,
        inviter,
        &organizations,
        &link,
        Purpose::Invitation.lifetime().num_days(),
    );
    mail::queue(tx, TenantId(tenant.id), &mail, now).await?;
    Ok(())
}

/// Join an organisation you were invited to as an existing person, with the secret from the
/// emailed link: the membership is added with the scopes offered. Only the person the link was
/// sent to has it; it works once and for seven days.
#[utoipa::path(
    tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 200, description = "Joined.", body = JoinedOrganization),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/membership-offer/accept")]
pub async fn accept_membership_offer(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<LinkToken>,
) -> ApiResult<web::Json<JoinedOrganization>> {
    crate::auth::service::check_ip_limit(&state, &origin)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let offer = people::offer_by_token(&mut tx, &crate::tokens::secret_digest(&body.token))
        .await?
        .filter(|o| o.expires_at > now)
        .ok_or(ApiError::LinkExpired)?;
    let (tenant, user, org) = (
        TenantId(offer.tenant_id),
        UserId(offer.user_id),
        portico_shared::OrganizationId(offer.organization_id),
    );
    let person = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .filter(|u| u.kind == "customer" && u.status != "disabled")
        .ok_or(ApiError::LinkExpired)?;
    let organization = tenancy::get_organization(&mut tx, tenant, org)
        .await?
        .ok_or(ApiError::LinkExpired)?;
    tenancy::upsert_membership(&mut tx, tenant, user, org, &offer.scopes, now).await?;
    people::delete_offer(&mut tx, tenant, org, user).await?;
    let event = Event::new(tenant, "membership.added", Outcome::Success)
        .by(Some(user), &person.email)
        .on("user", user)
        .details(json!({
            "organization_id": org, "scopes": offer.scopes, "via": "offer accepted",
            "offered_by": offer.offered_by,
        }));
    audit::record(&mut tx, event, &origin, now).await?;
    let added = EventData::MembershipAdded(membership_event(user, org, &offer.scopes)?);
    events::emit(&mut tx, tenant, added, now).await?;
    tx.commit().await?;
    Ok(web::Json(JoinedOrganization {
        organization: portico_shared::tenancy::OrganizationRef {
            id: org,
            name: organization.name,
        },
        scopes: crate::tenancy::service::scopes_from_column(&offer.scopes)?,
    }))
}
