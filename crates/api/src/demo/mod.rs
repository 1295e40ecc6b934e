//! `portico seed-demo`: a demo tenant with the people every demo and test relies on
//! ([`seed`]), then — unless `--bare` — a month of the firm's work in it
//! ([`lived_in::fill`]). Idempotent: running it again changes nothing, except that a given
//! password is applied to demo users whose password differs.

pub mod lived_in;
pub mod volume;

use crate::audit::Actor;
use crate::audit::Origin;
use crate::error::ApiResult;
use crate::passwords::{Password, Verdict, verify_now};
use crate::people::service::NewUser;
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, NewTenant};
use crate::{auth, organizations, people};
use base64::Engine;
use portico_shared::tenancy::{Scope, StaffRole, UserKind};
use portico_shared::{OrganizationId, TenantId, UserId};

pub const NORTHWIND: &str = "Northwind Traders";
pub const CONTOSO: &str = "Contoso Ltd";
/// The demo tenant's brand colours (a deep teal and an amber).
pub const DEMO_PRIMARY: &str = "#0f766e";
pub const DEMO_ACCENT: &str = "#b45309";

/// Who the demo tenant holds: local part, display name, staff role, and memberships.
pub struct DemoPerson {
    pub local: &'static str,
    pub name: &'static str,
    pub role: Option<StaffRole>,
    pub memberships: &'static [(&'static str, &'static [Scope])],
}

const ALL_SCOPES: &[Scope] = &Scope::ALL;

pub const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        local: "owner",
        name: "Olivia Owner",
        role: Some(StaffRole::Owner),
        memberships: &[],
    },
    DemoPerson {
        local: "agent",
        name: "Aaron Agent",
        role: Some(StaffRole::Agent),
        memberships: &[],
    },
    DemoPerson {
        local: "alice",
        name: "Alice Admin",
        role: None,
        memberships: &[(NORTHWIND, ALL_SCOPES)],
    },
    DemoPerson {
        local: "bob",
        name: "Bob Billing",
        role: None,
        memberships: &[(NORTHWIND, &[Scope::Billing])],
    },
    DemoPerson {
        local: "carol",
        name: "Carol Contoso",
        role: None,
        memberships: &[(CONTOSO, ALL_SCOPES)],
    },
    DemoPerson {
        local: "dave",
        name: "Dave Both",
        role: None,
        memberships: &[
            (NORTHWIND, &[Scope::Documents, Scope::Tickets]),
            (CONTOSO, &[Scope::Documents]),
        ],
    },
];

/// What seeding did.
pub struct Seeded {
    pub tenant_id: TenantId,
    pub slug: String,
    pub name: String,
    /// The password, when this run generated it (print it: it is not stored anywhere).
    pub generated_password: Option<String>,
    pub users: Vec<(String, UserId)>,
    pub organizations: Vec<(String, OrganizationId)>,
}

/// A password that passes the policy: 16 characters of base64url from 96 random bits.
pub fn generate_password() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn email_of(local: &str, slug: &str) -> String {
    format!("{local}@{slug}.test")
}

/// Seeds the demo tenant `slug` ("Acme Accounting" for `demo`).
pub async fn seed(state: &AppState, slug: &str, password: Option<String>) -> ApiResult<Seeded> {
    let actor = Actor::system("seed-demo");
    let origin = Origin::cli();
    let (generated_password, password) = match password {
        Some(p) => (None, p),
        None => {
            let p = generate_password();
            (Some(p.clone()), p)
        }
    };
    let mut conn = state.db.conn().await?;
    let existing = tenancy::find_tenant_by_slug(&mut conn, slug).await?;
    drop(conn);
    let tenant = match existing {
        Some(t) => t,
        None => {
            let name = if slug == "demo" {
                "Acme Accounting".to_string()
            } else {
                format!("{slug} (demo)")
            };
            tenancy::create_tenant(
                state.ctx(),
                &actor,
                &origin,
                NewTenant {
                    slug: slug.into(),
                    name,
                    primary_color: Some(DEMO_PRIMARY.into()),
                    accent_color: Some(DEMO_ACCENT.into()),
                },
            )
            .await?
        }
    };
    let tenant_id = TenantId(tenant.id);

    let mut organizations = Vec::new();
    for org_name in [NORTHWIND, CONTOSO] {
        let mut conn = state.db.conn().await?;
        let found = tenancy::find_organization_by_name(&mut conn, tenant_id, org_name).await?;
        drop(conn);
        let org = match found {
            Some(o) => o,
            None => {
                organizations::service::create_organization(
                    state.ctx(),
                    &actor,
                    &origin,
                    tenant_id,
                    portico_shared::organizations::CreateOrganization {
                        name: org_name.to_string(),
                        external_ref: None,
                        custom_fields: Default::default(),
                    },
                    None,
                )
                .await?
            }
        };
        organizations.push((org_name.to_string(), OrganizationId(org.id)));
    }
    let org_id = |name: &str| {
        organizations
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .expect("seeded org")
    };

    let mut users = Vec::new();
    for person in PEOPLE {
        let email = email_of(person.local, &tenant.slug);
        let mut conn = state.db.conn().await?;
        let found = tenancy::find_user_by_email(&mut conn, tenant_id, &email).await?;
        drop(conn);
        let user_id = match found {
            Some(user) => {
                let current = user
                    .password_hash
                    .as_deref()
                    .map(|h| verify_now(&Password::new(password.clone()), h));
                if current.is_none_or(|v| v == Verdict::Wrong) {
                    let id = UserId(user.id);
                    auth::service::change_password(
                        state.ctx(),
                        &state.passwords,
                        &actor,
                        &origin,
                        tenant_id,
                        id,
                        Password::new(password.clone()),
                    )
                    .await?;
                }
                UserId(user.id)
            }
            None => {
                let new = NewUser {
                    email: email.clone(),
                    name: person.name.into(),
                    kind: if person.role.is_some() {
                        UserKind::Staff
                    } else {
                        UserKind::Customer
                    },
                    staff_role: person.role,
                    password: Some(Password::new(password.clone())),
                };
                let id = UserId(
                    people::service::create_user(
                        state.ctx(),
                        &state.passwords,
                        &actor,
                        &origin,
                        tenant_id,
                        new,
                    )
                    .await?
                    .id,
                );
                for (org_name, scopes) in person.memberships {
                    people::service::set_membership(
                        state.ctx(),
                        &actor,
                        &origin,
                        tenant_id,
                        id,
                        org_id(org_name),
                        scopes,
                    )
                    .await?;
                }
                id
            }
        };
        users.push((email, user_id));
    }
    Ok(Seeded {
        tenant_id,
        slug: tenant.slug,
        name: tenant.name,
        generated_password,
        users,
        organizations,
    })
}
