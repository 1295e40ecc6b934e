//! Who is calling. [`Principal`] is extracted once per request from a verified access token
//! and the database (the session must be open and the user active, so revoking a session ends
//! its access tokens at once, S9). The tenant comes only from the verified token — never from a
//! body, a path or a query string. Handlers check permissions explicitly with the helpers here.

use crate::auth::queries;
use crate::db::enums::from_stored;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
pub use crate::tenancy::OrgVisibility;
use crate::tenancy::service as tenancy;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, UserKind, UserStatus};
use portico_shared::{OrganizationId, SessionId, TenantId, UserId};

/// What kind of principal, with what it may reach.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    Staff {
        role: StaffRole,
        /// `None`: every organisation of the tenant; `Some`: only these (perhaps none).
        assigned: Option<Vec<OrganizationId>>,
    },
    Customer {
        memberships: Vec<(OrganizationId, Vec<Scope>)>,
    },
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub email: String,
    pub access: Access,
    /// In a view-as session, the staff member looking (the session is read-only).
    pub viewer: Option<UserId>,
}

impl Principal {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// Staff only; customers get 403.
    pub fn require_staff(&self) -> Result<StaffRole, ApiError> {
        match &self.access {
            Access::Staff { role, .. } => Ok(*role),
            Access::Customer { .. } => Err(ApiError::Forbidden),
        }
    }

    /// Staff with at least `min` (owner > admin > agent); others get 403.
    pub fn require_role(&self, min: StaffRole) -> Result<StaffRole, ApiError> {
        let role = self.require_staff()?;
        if role <= min {
            Ok(role)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether this is staff limited to assigned organisations.
    pub fn is_restricted_staff(&self) -> bool {
        matches!(
            self.access,
            Access::Staff {
                assigned: Some(_),
                ..
            }
        )
    }

    /// What staff this caller invites serve: as much as the caller, at most.
    pub fn staff_access(&self) -> OrganizationAccess {
        if self.is_restricted_staff() {
            OrganizationAccess::Assigned
        } else {
            OrganizationAccess::All
        }
    }

    /// May this staff member change another staff member's access (assignments, which
    /// organisations they serve)? Only someone of a lower role than the caller's, and never
    /// themself: 403 for a role at or above the caller's, 409 for oneself.
    pub fn require_above(&self, target: UserId, target_role: StaffRole) -> Result<(), ApiError> {
        let mine = self.require_role(StaffRole::Admin)?;
        if target == self.user_id {
            return Err(ApiError::Conflict(
                "You cannot change your own access; ask another admin.".into(),
            ));
        }
        if target_role <= mine {
            return Err(ApiError::Forbidden);
        }
        Ok(())
    }

    /// Whether the organisation exists for this principal at all. An organisation outside a
    /// principal's reach answers 404 (DESIGN.md: never 403 for another organisation's object).
    pub fn can_see_organization(&self, org: OrganizationId) -> bool {
        match &self.access {
            Access::Staff { assigned: None, .. } => true,
            Access::Staff {
                assigned: Some(orgs),
                ..
            } => orgs.contains(&org),
            Access::Customer { memberships } => memberships.iter().any(|(o, _)| *o == org),
        }
    }

    /// Access to one organisation with one scope. Staff who can see the organisation pass;
    /// a contact needs a membership with the scope (403 without the scope, 404 without the
    /// membership).
    pub fn require_scope(
        &self,
        org: OrganizationId,
        scope: Scope,
    ) -> Result<OrganizationId, ApiError> {
        match &self.access {
            Access::Staff { .. } if self.can_see_organization(org) => Ok(org),
            Access::Staff { .. } => Err(ApiError::NotFound),
            Access::Customer { memberships } => match memberships.iter().find(|(o, _)| *o == org) {
                Some((_, scopes)) if scopes.contains(&scope) => Ok(org),
                Some(_) => Err(ApiError::Forbidden),
                None => Err(ApiError::NotFound),
            },
        }
    }

    pub fn organization_visibility(&self) -> OrgVisibility {
        match &self.access {
            Access::Staff { assigned: None, .. } => OrgVisibility::All,
            Access::Staff {
                assigned: Some(_), ..
            } => OrgVisibility::AssignedTo(self.user_id),
            Access::Customer { .. } => OrgVisibility::MemberOf(self.user_id),
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        let (method, path) = (req.method().clone(), req.path().to_owned());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or(ApiError::Unauthorized)?;
            let now = state.clock.now();
            let claims = state.keys.verify_access(&token, now).map_err(|e| {
                tracing::debug!(reason = %e, "access token refused");
                ApiError::Unauthorized
            })?;
            let (tenant, user, session) = (
                TenantId(claims.tid),
                UserId(claims.sub),
                SessionId(claims.sid),
            );
            let principal = load(&state, tenant, user, session, now).await?;
            // Known from here on: a refusal of this request is audited as this caller's.
            req.extensions_mut().insert(crate::audit::Caller {
                tenant: principal.tenant_id,
                user: principal.user_id,
                email: principal.email.clone(),
                viewer: principal.viewer,
            });
            if principal.viewer.is_some() && !read_only_allows(&method, &path) {
                return Err(ApiError::Forbidden);
            }
            Ok(principal)
        })
    }
}

/// What a read-only (view-as) session may do: read, and end itself.
fn read_only_allows(method: &actix_web::http::Method, path: &str) -> bool {
    use actix_web::http::Method;
    *method == Method::GET || *method == Method::HEAD || path == super::view_as::END_PATH
}

/// Builds the principal for a verified token, or refuses it if its session or user is no
/// longer good.
pub(crate) async fn load(
    state: &AppState,
    tenant: TenantId,
    user: UserId,
    session: SessionId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Principal, ApiError> {
    let mut conn = state.db.conn().await?;
    let holder = queries::session_holder(&mut conn, tenant, user, session)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let open = holder.revoked_at.is_none() && holder.expires_at > now;
    let active = |status: &str| -> ApiResult<bool> {
        Ok(from_stored::<UserStatus>(status)? == UserStatus::Active)
    };
    // A view-as session lives only while the staff member looking is active too (S9).
    let viewer_active = match (holder.viewer_user_id, holder.viewer_status.as_deref()) {
        (None, _) => true,
        (Some(_), Some(status)) => active(status)?,
        (Some(_), None) => false,
    };
    if !open || !active(&holder.status)? || !viewer_active {
        return Err(ApiError::Unauthorized);
    }
    let access = match from_stored(&holder.kind)? {
        UserKind::Staff => {
            let role = holder
                .staff_role
                .as_deref()
                .map(from_stored)
                .transpose()?
                .ok_or(ApiError::Unauthorized)?;
            // Owners serve every organisation whatever is stored; an unknown stored value
            // is an error, never "everything".
            let reach = from_stored(&holder.organization_access)?;
            let assigned = match reach {
                _ if role == StaffRole::Owner => None,
                OrganizationAccess::All => None,
                OrganizationAccess::Assigned => Some(
                    tenancy::assignments_of(&mut conn, tenant, user)
                        .await?
                        .iter()
                        .map(|a| OrganizationId(a.organization_id))
                        .collect(),
                ),
            };
            Access::Staff { role, assigned }
        }
        UserKind::Customer => Access::Customer {
            memberships: tenancy::memberships_of(&mut conn, tenant, user)
                .await?
                .into_iter()
                .map(|m| {
                    Ok((
                        OrganizationId(m.organization_id),
                        tenancy::scopes_from_column(&m.scopes)?,
                    ))
                })
                .collect::<ApiResult<_>>()?,
        },
    };
    Ok(Principal {
        tenant_id: tenant,
        user_id: user,
        session_id: session,
        email: holder.email,
        access,
        viewer: holder.viewer_user_id.map(UserId),
    })
}

impl From<&Principal> for crate::audit::Actor {
    fn from(who: &Principal) -> Self {
        crate::audit::Actor {
            user_id: Some(who.user_id),
            label: who.email.clone(),
        }
    }
}

impl Principal {
    /// The person acting: in a view-as session, the staff member looking.
    pub fn acting_user(&self) -> UserId {
        self.viewer.unwrap_or(self.user_id)
    }

    /// The name of the person acting, as access logs and uploads show it.
    pub async fn acting_name(&self, db: &crate::db::Db) -> ApiResult<String> {
        let mut conn = db.conn().await?;
        Ok(
            tenancy::get_user(&mut conn, self.tenant_id(), self.acting_user())
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
        )
    }

    /// The organisation `id` if this principal can see it (it is in their tenant, and they
    /// belong or are assigned to it): 404 otherwise — checked before any role or scope, so
    /// another tenant's ids are 404 for everyone (S11).
    pub async fn visible_organization(
        &self,
        db: &crate::db::Db,
        id: OrganizationId,
    ) -> ApiResult<tenancy::OrganizationRow> {
        let mut conn = db.conn().await?;
        tenancy::get_visible(
            &mut conn,
            self.tenant_id(),
            self.organization_visibility(),
            id,
        )
        .await?
        .ok_or(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(memberships: Vec<(OrganizationId, Vec<Scope>)>) -> Principal {
        Principal {
            tenant_id: TenantId::new(),
            user_id: UserId::new(),
            session_id: SessionId::new(),
            email: "dave@demo.test".into(),
            access: Access::Customer { memberships },
            viewer: None,
        }
    }

    #[test]
    fn a_contact_reaches_only_their_organisations_and_scopes() {
        let (northwind, contoso, other) = (
            OrganizationId::new(),
            OrganizationId::new(),
            OrganizationId::new(),
        );
        let dave = customer(vec![
            (northwind, vec![Scope::Documents, Scope::Tickets]),
            (contoso, vec![Scope::Documents]),
        ]);
        assert_eq!(
            dave.require_scope(northwind, Scope::Tickets).unwrap(),
            northwind
        );
        assert!(matches!(
            dave.require_scope(contoso, Scope::Tickets),
            Err(ApiError::Forbidden)
        ));
        assert!(matches!(
            dave.require_scope(other, Scope::Documents),
            Err(ApiError::NotFound)
        ));
        assert!(matches!(dave.require_staff(), Err(ApiError::Forbidden)));
    }

    #[test]
    fn staff_roles_are_ordered_and_assignments_limit_organisations() {
        let org = OrganizationId::new();
        let mut agent = customer(vec![]);
        agent.access = Access::Staff {
            role: StaffRole::Agent,
            assigned: Some(vec![org]),
        };
        assert!(agent.require_role(StaffRole::Agent).is_ok());
        assert!(matches!(
            agent.require_role(StaffRole::Admin),
            Err(ApiError::Forbidden)
        ));
        assert!(agent.can_see_organization(org));
        assert!(!agent.can_see_organization(OrganizationId::new()));
        let owner = Principal {
            access: Access::Staff {
                role: StaffRole::Owner,
                assigned: None,
            },
            ..agent
        };
        assert!(owner.require_role(StaffRole::Admin).is_ok());
        assert!(owner.can_see_organization(OrganizationId::new()));
    }
}
