//! HTTP handlers for people (the staff console), organisation teams (staff and customer
//! admins) and the signed-in user's profile and email address.

use super::invitations::{self, Invite, check_scopes};
use super::queries;
use super::service;
use crate::audit::Actor;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::service::{LinkPurpose as Purpose, issue_link};
use crate::auth::{Access, Principal};
use crate::body::JsonObject;
use crate::db::enums::from_stored;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::mail::{self, templates};
use crate::pagination::{PageParams, page};
use crate::passwords::Password;
use crate::state::AppState;
use crate::tenancy::service::membership_event;
use crate::tenancy::service::{self as tenancy, UserRow};
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use portico_shared::events::EventData;
use portico_shared::people::{
    ChangeEmail, ChangeOrganizationAccess, ChangeRole, ChangeScopes, InviteMember, InvitePerson,
    Member, PeopleFilter, Person, UpdateProfile,
};
use portico_shared::tenancy::{
    Membership, OrganizationAccess, OrganizationRef, Scope, StaffRole, User, UserStatus,
};
use portico_shared::{OrganizationId, Page, Problem, TenantId, UserId};
use serde_json::json;

/// A person with their memberships.
async fn person(state: &AppState, tenant: TenantId, row: UserRow) -> ApiResult<Person> {
    let mut conn = state.db.conn().await?;
    let memberships = tenancy::memberships_of(&mut conn, tenant, UserId(row.id))
        .await?
        .into_iter()
        .map(|m| {
            Ok(Membership {
                scopes: tenancy::scopes_from_column(&m.scopes)?,
                organization: OrganizationRef {
                    id: OrganizationId(m.organization_id),
                    name: m.organization_name,
                },
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Person {
        user: row.try_into()?,
        memberships,
    })
}

fn member(row: queries::MemberRow) -> ApiResult<Member> {
    Ok(Member {
        scopes: tenancy::scopes_from_column(&row.scopes)?,
        user: row.user.try_into()?,
    })
}

/// The person `id` if `who` can see them at all (contacts see nobody here): 404 otherwise,
/// before any role check, so another tenant's ids are 404 for everyone (S11).
async fn visible_person(state: &AppState, who: &Principal, id: UserId) -> ApiResult<UserRow> {
    let mut conn = state.db.conn().await?;
    queries::get_visible_person(
        &mut conn,
        who.tenant_id(),
        who.organization_visibility(),
        id,
    )
    .await?
    .ok_or(ApiError::NotFound)
}

/// The person `id` as staff member `who` may manage them: 404 when `who` cannot see them,
/// 403 for agents, 409 for oneself, 403 for someone of a higher role.
async fn manageable_person(state: &AppState, who: &Principal, id: UserId) -> ApiResult<UserRow> {
    let target = visible_person(state, who, id).await?;
    let role = who.require_role(StaffRole::Admin)?;
    if id == who.user_id {
        return Err(ApiError::Conflict(
            "You cannot change your own access; ask another admin.".into(),
        ));
    }
    if let Some(theirs) = target.role()?
        && theirs < role
    {
        return Err(ApiError::Forbidden);
    }
    Ok(target)
}

/// Whether `who` runs organisation `org`'s team: staff admins and owners who can see it, and
/// the organisation's own contacts with the `admin` scope. 404 when `who` cannot see the
/// organisation, 403 when they can but may not manage it.
async fn require_team_admin(
    state: &AppState,
    who: &Principal,
    org: OrganizationId,
) -> ApiResult<()> {
    who.visible_organization(&state.db, org).await?;
    match who.access {
        Access::Staff { .. } => {
            who.require_role(StaffRole::Admin)?;
        }
        Access::Customer { .. } => {
            who.require_scope(org, Scope::Admin)?;
        }
    }
    Ok(())
}

/// List people: staff and customer contacts, by id. Staff only; staff limited to some
/// organisations see the staff and those organisations' contacts. `q` searches names and
/// email addresses.
#[utoipa::path(
    tag = "people",
    params(PageParams, PeopleFilter),
    responses(
        (status = 200, description = "One page of people.", body = Page<User>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad `limit`, `cursor` or filter.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/users")]
pub async fn list_people(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(params): web::Query<PageParams>,
    web::Query(filter): web::Query<PeopleFilter>,
) -> ApiResult<web::Json<Page<User>>> {
    who.require_staff()?;
    let (limit, after) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<tenancy::UserRow> = queries::list_query(
        conn.backend(),
        who.tenant_id(),
        who.organization_visibility(),
        &filter,
        after,
        limit,
    )
    .fetch_all(&mut conn)
    .await?;
    Ok(web::Json(page(rows, limit, |r| r.id, User::try_from)?))
}

/// Get one person with their organisations and scopes. Staff only (to contacts, nobody
/// exists here: 404).
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The person's id.")),
    responses(
        (status = 200, description = "The person.", body = Person),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/users/{user_id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<UserId>,
) -> ApiResult<web::Json<Person>> {
    let row = visible_person(&state, &who, path.into_inner()).await?;
    Ok(web::Json(person(&state, who.tenant_id(), row).await?))
}

/// Invite a person. With `staff_role`, a new staff member (at most the inviter's own role);
/// otherwise a customer contact of `memberships`. They get an email with a link to set a
/// password (valid 7 days). Inviting an existing contact to more organisations adds the
/// memberships and tells them by email. Staff admins and owners only.
#[utoipa::path(
    tag = "people",
    request_body = InvitePerson,
    responses(
        (status = 201, description = "Invited (or, for an existing contact, added).", body = Person),
        (status = 403, description = "Not a staff admin or owner, or a role above the inviter's.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "An organisation this caller cannot see.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address belongs to staff, or the contact is already a member.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing, invalid or unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/users")]
pub async fn invite_person(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<InvitePerson>,
) -> ApiResult<HttpResponse> {
    let role = who.require_role(StaffRole::Admin)?;
    if body.staff_role.is_some_and(|r| r < role) {
        return Err(ApiError::Forbidden);
    }
    if body
        .memberships
        .iter()
        .any(|g| !who.can_see_organization(g.organization_id))
    {
        return Err(ApiError::NotFound);
    }
    let grants: Vec<(OrganizationId, Vec<Scope>)> = body
        .memberships
        .into_iter()
        .map(|g| (g.organization_id, g.scopes))
        .collect();
    let invite = Invite {
        email: body.email,
        name: body.name,
        staff_role: body.staff_role,
        staff_access: who.staff_access(),
        consent: who.organization_visibility() != crate::auth::OrgVisibility::All,
        grants: grants.clone(),
    };
    let (row, invited) =
        invitations::invite(&state, &Actor::from(&who), &origin, who.tenant_id(), invite).await?;
    let location = format!("/api/v1/users/{}", row.id);
    let person = match invited {
        // As a new invitee would read: the memberships offered, nothing of the account.
        invitations::Invited::Offered => {
            let mut conn = state.db.conn().await?;
            let mut memberships = Vec::new();
            for (org, scopes) in grants {
                let found = tenancy::get_organization(&mut conn, who.tenant_id(), org)
                    .await?
                    .ok_or(ApiError::NotFound)?;
                memberships.push(Membership {
                    organization: OrganizationRef {
                        id: org,
                        name: found.name,
                    },
                    scopes,
                });
            }
            Person {
                user: row.try_into()?,
                memberships,
            }
        }
        _ => person(&state, who.tenant_id(), row).await?,
    };
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(person))
}

/// An organisation `who` administers (as its customer admin, or as a staff admin limited to
/// it) where `user` was offered a membership and is not a member.
async fn offered_in(
    state: &AppState,
    who: &Principal,
    user: UserId,
) -> ApiResult<Option<OrganizationId>> {
    let administered: Vec<OrganizationId> = match &who.access {
        Access::Customer { memberships } => memberships
            .iter()
            .filter(|(_, scopes)| scopes.contains(&Scope::Admin))
            .map(|(org, _)| *org)
            .collect(),
        Access::Staff {
            assigned: Some(orgs),
            role,
        } if *role <= StaffRole::Admin => orgs.clone(),
        Access::Staff { .. } => Vec::new(),
    };
    let mut conn = state.db.conn().await?;
    for org in administered {
        let offered = queries::offer(&mut conn, who.tenant_id(), org, user)
            .await?
            .is_some();
        if offered && !queries::is_member(&mut conn, who.tenant_id(), org, user).await? {
            return Ok(Some(org));
        }
    }
    Ok(None)
}

/// Send an invited person a new invitation email; their earlier links stop working. Staff
/// admins and owners, or a customer admin of an organisation the person belongs to; at most
/// once a minute and five times a day per person.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The person's id.")),
    responses(
        (status = 202, description = "A new invitation is on its way."),
        (status = 403, description = "Not allowed to manage this person.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person has already accepted.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "An invitation went out less than a minute ago, or five in the last day.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
#[post("/users/{user_id}/invitation")]
pub async fn resend_invitation(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    // Someone offered a membership reads as an invitee: their offer is sent again.
    if let Some(org) = offered_in(&state, &who, id).await? {
        invitations::resend_offer(
            &state,
            &Actor::from(&who),
            &origin,
            who.tenant_id(),
            org,
            id,
        )
        .await?;
        return Ok(HttpResponse::Accepted().finish());
    }
    match &who.access {
        Access::Staff { .. } => {
            manageable_person(&state, &who, id).await?;
        }
        Access::Customer { memberships } => {
            // Reachable only through an organisation both share: 404 with none shared, 403
            // unless `who` is an admin in one of them.
            let mut conn = state.db.conn().await?;
            let (mut shared, mut as_admin) = (false, false);
            for (org, scopes) in memberships {
                if queries::member(&mut conn, who.tenant_id(), *org, id)
                    .await?
                    .is_some()
                {
                    shared = true;
                    as_admin |= scopes.contains(&Scope::Admin);
                }
            }
            match (shared, as_admin) {
                (false, _) => return Err(ApiError::NotFound),
                (true, false) => return Err(ApiError::Forbidden),
                (true, true) => {}
            }
        }
    }
    invitations::resend(&state, &Actor::from(&who), &origin, who.tenant_id(), id).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Disable a person: they cannot sign in, and their sessions end at once. Staff admins and
/// owners only; never oneself or someone of a higher role.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The person's id.")),
    responses(
        (status = 200, description = "The person, disabled.", body = Person),
        (status = 403, description = "Not allowed to manage this person.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own account.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/users/{user_id}/disable")]
pub async fn disable_person(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
) -> ApiResult<web::Json<Person>> {
    set_status(
        &state,
        &who,
        &origin,
        path.into_inner(),
        UserStatus::Disabled,
    )
    .await
}

/// Enable a disabled person again (an invited person who never accepted stays invited).
/// Staff admins and owners only.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The person's id.")),
    responses(
        (status = 200, description = "The person, enabled.", body = Person),
        (status = 403, description = "Not allowed to manage this person.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own account.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/users/{user_id}/enable")]
pub async fn enable_person(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
) -> ApiResult<web::Json<Person>> {
    set_status(&state, &who, &origin, path.into_inner(), UserStatus::Active).await
}

async fn set_status(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    id: UserId,
    status: UserStatus,
) -> ApiResult<web::Json<Person>> {
    let target = manageable_person(state, who, id).await?;
    let status = match (status, target.password_hash.is_some()) {
        // Enabling someone who never set a password leaves them invited.
        (UserStatus::Active, false) => UserStatus::Invited,
        (status, _) => status,
    };
    if from_stored::<UserStatus>(&target.status)? != status {
        service::set_status(
            state.ctx(),
            &Actor::from(who),
            origin,
            who.tenant_id(),
            id,
            status,
        )
        .await?;
    }
    reload(state, who.tenant_id(), id).await
}

async fn reload(state: &AppState, tenant: TenantId, id: UserId) -> ApiResult<web::Json<Person>> {
    let mut conn = state.db.conn().await?;
    let row = tenancy::get_user(&mut conn, tenant, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    drop(conn);
    Ok(web::Json(person(state, tenant, row).await?))
}

/// Change a staff member's role (at most one's own); their sessions end so the new role
/// applies at once. Staff admins and owners only.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The staff member's id.")),
    request_body = ChangeRole,
    responses(
        (status = 200, description = "The person with the new role.", body = Person),
        (status = 403, description = "Not allowed to manage this person, or a role above one's own.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own role.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not staff, or an invalid role.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/users/{user_id}/role")]
pub async fn change_role(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
    JsonObject(body): JsonObject<ChangeRole>,
) -> ApiResult<web::Json<Person>> {
    let id = path.into_inner();
    let target = manageable_person(&state, &who, id).await?;
    let mine = who.require_staff()?;
    if body.staff_role < mine {
        return Err(ApiError::Forbidden);
    }
    if target.kind != "staff" {
        return Err(ApiError::invalid(
            "staff_role",
            "only staff have a role; contacts have scopes",
        ));
    }
    if target.role()? != Some(body.staff_role) {
        service::set_staff_role(
            state.ctx(),
            &Actor::from(&who),
            &origin,
            who.tenant_id(),
            id,
            body.staff_role,
        )
        .await?;
    }
    reload(&state, who.tenant_id(), id).await
}

/// Let a staff member serve every organisation of the tenant, or only those assigned to them
/// (none until assigned). Staff admins and owners, for staff of a lower role than their own
/// (never themselves); only someone who serves every organisation may grant that.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The staff member's id.")),
    request_body = ChangeOrganizationAccess,
    responses(
        (status = 200, description = "The person as they are now.", body = Person),
        (status = 403, description = "Not allowed to manage this person, or granting more than one's own reach.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own access.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not staff, or an invalid value.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/users/{user_id}/organization-access")]
pub async fn change_organization_access(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
    JsonObject(body): JsonObject<ChangeOrganizationAccess>,
) -> ApiResult<web::Json<Person>> {
    let id = path.into_inner();
    let target = visible_person(&state, &who, id).await?;
    who.require_role(StaffRole::Admin)?;
    let Some(role) = target.role()? else {
        return Err(ApiError::invalid(
            "organization_access",
            "only staff serve organisations; contacts are members",
        ));
    };
    who.require_above(id, role)?;
    let access = body.organization_access;
    if access == OrganizationAccess::All && who.is_restricted_staff() {
        return Err(ApiError::Forbidden);
    }
    service::set_organization_access(
        state.ctx(),
        &Actor::from(&who),
        &origin,
        who.tenant_id(),
        id,
        access,
    )
    .await?;
    reload(&state, who.tenant_id(), id).await
}

/// An organisation's team: its contacts with their scopes, by id. Staff who can see the
/// organisation, and its customer admins.
#[utoipa::path(
    tag = "people",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), PageParams),
    responses(
        (status = 200, description = "One page of members.", body = Page<Member>),
        (status = 403, description = "A contact without the `admin` scope there.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Member>>> {
    let org = path.into_inner();
    who.visible_organization(&state.db, org).await?;
    if let Access::Customer { .. } = who.access {
        who.require_scope(org, Scope::Admin)?;
    }
    let (limit, after) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::MemberRow> =
        queries::members_query(conn.backend(), who.tenant_id(), org, after, limit)
            .fetch_all(&mut conn)
            .await?;
    Ok(web::Json(page(rows, limit, |r| r.user.id, member)?))
}

/// Invite someone to an organisation's team with scopes; a contact of the tenant who is not
/// yet a member is added and told by email. Staff admins and owners, and the organisation's
/// customer admins.
#[utoipa::path(
    tag = "people",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    request_body = InviteMember,
    responses(
        (status = 201, description = "Invited or added.", body = Member),
        (status = 403, description = "Not allowed to manage this team.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member, or the address belongs to staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing, invalid or unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/members")]
pub async fn invite_member(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
    JsonObject(body): JsonObject<InviteMember>,
) -> ApiResult<HttpResponse> {
    let org = path.into_inner();
    require_team_admin(&state, &who, org).await?;
    let invite = Invite {
        email: body.email,
        name: body.name,
        staff_role: None,
        staff_access: who.staff_access(),
        consent: who.organization_visibility() != crate::auth::OrgVisibility::All,
        grants: vec![(org, body.scopes)],
    };
    let (row, _) =
        invitations::invite(&state, &Actor::from(&who), &origin, who.tenant_id(), invite).await?;
    let mut conn = state.db.conn().await?;
    let added = queries::member(&mut conn, who.tenant_id(), org, UserId(row.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/organizations/{org}/members/{}", row.id),
        ))
        .json(member(added)?))
}

/// The member `user` of `org` as `who` may change them (never themselves).
async fn changeable_member(
    state: &AppState,
    who: &Principal,
    org: OrganizationId,
    user: UserId,
) -> ApiResult<queries::MemberRow> {
    require_team_admin(state, who, org).await?;
    let mut conn = state.db.conn().await?;
    let found = queries::member(&mut conn, who.tenant_id(), org, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user == who.user_id {
        return Err(ApiError::Conflict(
            "You cannot change your own access; ask another admin.".into(),
        ));
    }
    Ok(found)
}

/// Change a member's scopes in the organisation. Staff admins and owners, and the
/// organisation's customer admins (not for themselves).
#[utoipa::path(
    tag = "people",
    params(
        ("organization_id" = OrganizationId, Path, description = "The organisation's id."),
        ("user_id" = UserId, Path, description = "The member's id."),
    ),
    request_body = ChangeScopes,
    responses(
        (status = 200, description = "The member with the new scopes.", body = Member),
        (status = 403, description = "Not allowed to manage this team.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own scopes.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No scopes, or an unknown one.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/organizations/{organization_id}/members/{user_id}")]
pub async fn change_member_scopes(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(OrganizationId, UserId)>,
    JsonObject(body): JsonObject<ChangeScopes>,
) -> ApiResult<web::Json<Member>> {
    let (org, user) = path.into_inner();
    let found = changeable_member(&state, &who, org, user).await?;
    let scopes = check_scopes("scopes", &body.scopes)?;
    if scopes != found.scopes {
        let mut conn = state.db.conn().await?;
        if queries::is_member(&mut conn, who.tenant_id(), org, user).await? {
            drop(conn);
            service::set_membership(
                state.ctx(),
                &Actor::from(&who),
                &origin,
                who.tenant_id(),
                user,
                org,
                &body.scopes,
            )
            .await?;
        } else {
            // A pending offer: it will grant these scopes when accepted.
            queries::set_offer_scopes(&mut conn, who.tenant_id(), org, user, &scopes).await?;
        }
    }
    let mut conn = state.db.conn().await?;
    let changed = queries::member(&mut conn, who.tenant_id(), org, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(member(changed)?))
}

/// Remove a member from the organisation: they lose access to it at once. Staff admins and
/// owners, and the organisation's customer admins (not themselves).
#[utoipa::path(
    tag = "people",
    params(
        ("organization_id" = OrganizationId, Path, description = "The organisation's id."),
        ("user_id" = UserId, Path, description = "The member's id."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "Not allowed to manage this team.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or member for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Oneself.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/organizations/{organization_id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(OrganizationId, UserId)>,
) -> ApiResult<HttpResponse> {
    let (org, user) = path.into_inner();
    changeable_member(&state, &who, org, user).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // A pending offer is withdrawn the same way.
    let member = queries::remove_membership(&mut tx, who.tenant_id(), org, user).await?;
    let offered = queries::delete_offer(&mut tx, who.tenant_id(), org, user).await?;
    if !member && !offered {
        return Err(ApiError::NotFound);
    }
    let event = Event::new(who.tenant_id(), "membership.removed", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("user", user)
        .details(json!({ "organization_id": org }));
    audit::record(&mut tx, event, &origin, now).await?;
    if member {
        let removed = EventData::MembershipRemoved(membership_event(user, org, "")?);
        events::emit(&mut tx, who.tenant_id(), removed, now).await?;
    }
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the signed-in user's name, phone, language or time zone. Only the fields present
/// change; an empty string clears an optional one.
#[utoipa::path(
    tag = "auth",
    request_body = UpdateProfile,
    responses(
        (status = 200, description = "The profile as it is now.", body = User),
        (status = 422, description = "An invalid or unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/me")]
pub async fn update_my_profile(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<UpdateProfile>,
) -> ApiResult<web::Json<User>> {
    let mut errors = Vec::new();
    let mut field =
        |name: &str, value: Option<String>, parse: fn(&str) -> Result<Option<String>, String>| {
            value.and_then(|v| match parse(&v) {
                Ok(parsed) => Some(parsed),
                Err(message) => {
                    errors.push(portico_shared::FieldError {
                        field: name.into(),
                        message,
                    });
                    None
                }
            })
        };
    let name = field("name", body.name, |v| tenancy::parse_name(v).map(Some));
    let phone = field("phone", body.phone, tenancy::parse_phone);
    let locale = field("locale", body.locale, tenancy::parse_locale);
    let time_zone = field("time_zone", body.time_zone, tenancy::parse_time_zone);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = tenancy::get_user(&mut tx, who.tenant_id(), who.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let after = UserRow {
        name: name.flatten().unwrap_or_else(|| before.name.clone()),
        phone: phone.unwrap_or_else(|| before.phone.clone()),
        locale: locale.unwrap_or_else(|| before.locale.clone()),
        time_zone: time_zone.unwrap_or_else(|| before.time_zone.clone()),
        ..before.clone()
    };
    let summary = |u: &UserRow| json!({ "name": u.name, "phone": u.phone, "locale": u.locale, "time_zone": u.time_zone });
    if summary(&before) != summary(&after) {
        queries::update_profile(&mut tx, &after, now).await?;
        let event = Event::new(who.tenant_id(), "user.profile_updated", Outcome::Success)
            .by(Some(who.user_id), &who.email)
            .on("user", who.user_id)
            .details(json!({ "before": summary(&before), "after": summary(&after) }));
        audit::record(&mut tx, event, &origin, now).await?;
        tx.commit().await?;
    }
    Ok(web::Json(after.try_into()?))
}

/// Start changing the signed-in user's email address: the current password again, then a
/// confirmation link (valid 24 hours) goes to the new address. Nothing changes until it is
/// used. The answer is the same whether or not the new address is taken.
#[utoipa::path(
    tag = "auth",
    request_body = ChangeEmail,
    responses(
        (status = 202, description = "A confirmation link is on its way to the new address."),
        (status = 422, description = "The password is wrong (`password`) or the address invalid (`new_email`).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords for this account.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
#[post("/me/email")]
pub async fn change_my_email(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<ChangeEmail>,
) -> ApiResult<HttpResponse> {
    let new_email =
        tenancy::normalize_email(&body.new_email).map_err(|m| ApiError::invalid("new_email", m))?;
    crate::auth::service::verify_own_password(
        &state,
        &who,
        &origin,
        Password::new(body.password),
        "password",
    )
    .await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let me = tenancy::get_user(&mut tx, who.tenant_id(), who.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if new_email == me.email {
        return Err(ApiError::invalid(
            "new_email",
            "this is already your address",
        ));
    }
    let taken = tenancy::find_user_by_email(&mut tx, who.tenant_id(), &new_email)
        .await?
        .is_some();
    if !taken {
        let tenant = tenancy::get_tenant(&mut tx, who.tenant_id())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let portal_url = state
            .config
            .portal_url(&tenant.slug, tenant.custom_domain.as_deref());
        let link = issue_link(
            &mut tx,
            &portal_url,
            &tenant,
            who.user_id,
            Purpose::EmailChange,
            Some(&new_email),
            now,
        )
        .await?;
        let mail = templates::confirm_email_change(
            &tenant.brand(&portal_url),
            &new_email,
            &me.name,
            &link,
            Purpose::EmailChange.lifetime().num_hours(),
        );
        mail::queue(&mut tx, who.tenant_id(), &mail, now).await?;
    }
    let event = Event::new(
        who.tenant_id(),
        "user.email_change_requested",
        Outcome::Success,
    )
    .by(Some(who.user_id), &who.email)
    .on("user", who.user_id)
    .details(json!({ "new_email": new_email, "address_taken": taken }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::Accepted().finish())
}
