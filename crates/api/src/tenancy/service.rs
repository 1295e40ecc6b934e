//! The face of the identity model: what `auth` and the capabilities may use of tenants,
//! users, organisations, memberships and assignments — the reads and writes below, each a
//! plain function over a transaction or connection, the tenant and parsed inputs; the rules
//! that parse the model's fields; and creating a tenant, the one change that belongs to no
//! capability. Changes with their audit and events are composed by `people::service`,
//! `organizations::service` and `auth::accounts` from these.

use super::{queries, rules};

pub use super::queries::{
    LogoRow, OrganizationRow, TenantRow, UserRow, assign_staff, assigned_staff_query,
    assignments_of, custom_domain_of, delete_logo, find_organization_by_external_ref,
    find_organization_by_name, find_tenant_by_domain, find_tenant_by_slug, find_user_by_email,
    get_logo, get_organization, get_tenant, get_user, get_visible, get_visible_person,
    insert_organization, insert_user, is_member, list_tenants, mark_custom_domain_verified,
    membership_event, memberships_of, put_logo, set_custom_domain, set_email,
    set_organization_access, set_password_hash, set_staff_role, set_status, unassign_staff,
    update_organization, update_profile, update_tenant, upsert_membership, user_columns_of,
    visible_organizations, visible_people,
};
pub use super::rules::{
    apply_custom_fields, challenge_name, challenge_value, claimable_domain, host_name,
    normalize_email, parse_color, parse_domain, parse_external_ref, parse_locale, parse_name,
    parse_phone, parse_time_zone, scopes_from_column, scopes_to_column, slug_in_host,
};
use crate::audit::{self, Actor, Event, Origin, Outcome};
use crate::error::{ApiError, ApiResult, conflict_on_unique};
use crate::state::Ctx;
use portico_shared::TenantId;
use serde_json::json;

pub struct NewTenant {
    pub slug: String,
    pub name: String,
    /// `#rrggbb` colours for the portal; the SPA's defaults when absent.
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
}

pub async fn create_tenant(
    cx: Ctx<'_>,
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
    let now = cx.clock.now();
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
    let mut tx = cx.db.begin().await?;
    queries::insert_tenant(&mut tx, &row)
        .await
        .map_err(conflict_on_unique("a tenant with this slug"))?;
    audit::queries::create_head(&mut tx, TenantId(row.id)).await?;
    let event = Event::new(TenantId(row.id), "tenant.created", Outcome::Success)
        .by_actor(actor)
        .on("tenant", row.id)
        .details(json!({ "slug": row.slug, "name": row.name }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(row)
}
