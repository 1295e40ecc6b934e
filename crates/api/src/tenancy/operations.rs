//! Creating a tenant: the one change to the identity model that belongs to no capability.
//! People's changes are in `people::service`, organisations' in `organizations::service`,
//! passwords in `auth::accounts`.

use super::{queries, rules};
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
        .by(actor.user_id, &actor.label)
        .on("tenant", row.id)
        .details(json!({ "slug": row.slug, "name": row.name }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(row)
}
