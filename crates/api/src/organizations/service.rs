//! What other capabilities, the `portico` command and the demo may ask of organisations:
//! creating, editing, archiving and restoring them, and assigning staff. Each change is
//! validated and audited in the same transaction.

use crate::audit::{self, Actor, Event, Origin, Outcome};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::state::Ctx;
use crate::tenancy::service as tenancy;
use portico_shared::events::{EventData, OrganizationEvent};
use portico_shared::organizations::{CreateOrganization, UpdateOrganization};
use portico_shared::tenancy::OrganizationAccess;
use portico_shared::{OrganizationId, TenantId, UserId};
use serde_json::json;
use std::collections::BTreeMap;

pub async fn create_organization(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    new: CreateOrganization,
    assign_to: Option<UserId>,
) -> ApiResult<tenancy::OrganizationRow> {
    let CreateOrganization {
        name,
        external_ref,
        custom_fields,
    } = new;
    let name = tenancy::parse_name(&name).map_err(|m| ApiError::invalid("name", m))?;
    let changes = custom_fields
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    let custom_fields = tenancy::apply_custom_fields(&BTreeMap::new(), &changes)
        .map_err(|m| ApiError::invalid("custom_fields", m))?;
    let external_ref = external_ref
        .map(|r| tenancy::parse_external_ref(&r).map_err(|m| ApiError::invalid("external_ref", m)))
        .transpose()?
        .flatten();
    let now = cx.clock.now();
    let row = tenancy::OrganizationRow {
        id: OrganizationId::new().0,
        tenant_id: tenant.0,
        name,
        external_ref,
        status: "active".into(),
        custom_fields: serde_json::to_string(&custom_fields).expect("serialises"),
        created_at: now,
    };
    let mut tx = cx.db.begin().await?;
    insert(&mut tx, actor, origin, &row, assign_to, None).await?;
    tx.commit().await?;
    Ok(row)
}

/// Records the new organisation `row` on `tx` — assigned to `assign_to` when given (a
/// creator limited to assigned organisations), audited and reported — `via` naming the path
/// it came by when not the API's create (`import`).
pub async fn insert(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    origin: &Origin,
    row: &tenancy::OrganizationRow,
    assign_to: Option<UserId>,
    via: Option<&str>,
) -> ApiResult<()> {
    let (tenant, now) = (TenantId(row.tenant_id), row.created_at);
    tenancy::insert_organization(&mut *tx, row).await?;
    if let Some(creator) = assign_to {
        tenancy::assign_staff(&mut *tx, tenant, creator, OrganizationId(row.id), now).await?;
    }
    let mut details = json!({ "name": row.name });
    if let Some(via) = via {
        details["via"] = json!(via);
    }
    let event = Event::new(tenant, "organization.created", Outcome::Success)
        .by_actor(actor)
        .on("organization", row.id)
        .details(details);
    audit::record(&mut *tx, event, origin, now).await?;
    let created = EventData::OrganizationCreated(event_data(row));
    events::emit(tx, tenant, created, now).await?;
    Ok(())
}

/// Renames an organisation, changes its external reference (`Some("")` clears it) or its
/// custom fields (`None` or empty values remove fields).
pub async fn update_organization(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    change: UpdateOrganization,
) -> ApiResult<tenancy::OrganizationRow> {
    let UpdateOrganization {
        name,
        external_ref,
        custom_fields,
    } = change;
    let name = name
        .map(|n| tenancy::parse_name(&n).map_err(|m| ApiError::invalid("name", m)))
        .transpose()?;
    let external_ref = external_ref
        .map(|r| tenancy::parse_external_ref(&r).map_err(|m| ApiError::invalid("external_ref", m)))
        .transpose()?;
    change_organization(
        cx,
        actor,
        origin,
        tenant,
        organization,
        EventData::OrganizationUpdated,
        |o| {
            let fields = match &custom_fields {
                Some(changes) => {
                    let current = serde_json::from_str(&o.custom_fields).unwrap_or_default();
                    let fields = tenancy::apply_custom_fields(&current, changes)
                        .map_err(|m| ApiError::invalid("custom_fields", m))?;
                    serde_json::to_string(&fields).expect("serialises")
                }
                None => o.custom_fields.clone(),
            };
            Ok(tenancy::OrganizationRow {
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
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    status: &'static str,
) -> ApiResult<tenancy::OrganizationRow> {
    let report = if status == "archived" {
        EventData::OrganizationArchived
    } else {
        EventData::OrganizationRestored
    };
    change_organization(cx, actor, origin, tenant, organization, report, |o| {
        Ok(tenancy::OrganizationRow {
            status: status.into(),
            ..o.clone()
        })
    })
    .await
}

/// What events say about an organisation.
fn event_data(row: &tenancy::OrganizationRow) -> OrganizationEvent {
    OrganizationEvent {
        organization_id: OrganizationId(row.id),
        name: row.name.clone(),
        external_ref: row.external_ref.clone(),
    }
}

/// Loads an organisation, applies `change` and, if anything changed, saves it with an audit
/// event (before and after) and the domain event `report` makes, in the same transaction.
async fn change_organization(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    organization: OrganizationId,
    report: fn(OrganizationEvent) -> EventData,
    change: impl FnOnce(&tenancy::OrganizationRow) -> ApiResult<tenancy::OrganizationRow>,
) -> ApiResult<tenancy::OrganizationRow> {
    let mut tx = cx.db.begin().await?;
    let before = tenancy::get_organization(&mut tx, tenant, organization)
        .await?
        .ok_or(ApiError::NotFound)?;
    let after = change(&before)?;
    if after == before {
        return Ok(before);
    }
    tenancy::update_organization(&mut tx, &after).await?;
    let summary = |o: &tenancy::OrganizationRow| {
        json!({ "name": o.name, "external_ref": o.external_ref, "status": o.status,
                "custom_fields": serde_json::from_str::<serde_json::Value>(&o.custom_fields).ok() })
    };
    let now = cx.clock.now();
    let data = report(event_data(&after));
    let event = Event::new(tenant, data.kind(), Outcome::Success)
        .by_actor(actor)
        .on("organization", organization)
        .details(json!({ "before": summary(&before), "after": summary(&after) }));
    audit::record(&mut tx, event, origin, now).await?;
    events::emit(&mut tx, tenant, data, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Assigns a staff member to an organisation (one of possibly several), which limits them to
/// the organisations they are assigned to, or — with `assigned` false — ends that assignment
/// (someone limited to assignments who has none left serves no organisation). Idempotent; a
/// change is audited.
pub async fn assign_staff(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
) -> ApiResult<()> {
    set_assignment(cx, actor, origin, tenant, user, organization, true).await
}

pub async fn set_assignment(
    cx: Ctx<'_>,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    organization: OrganizationId,
    assigned: bool,
) -> ApiResult<()> {
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    let action = if assigned {
        tenancy::assign_staff(&mut tx, tenant, user, organization, now).await?;
        tenancy::set_organization_access(&mut tx, tenant, user, OrganizationAccess::Assigned, now)
            .await?;
        "staff.assigned"
    } else {
        if !tenancy::unassign_staff(&mut tx, tenant, user, organization).await? {
            return Ok(());
        }
        "staff.unassigned"
    };
    let event = Event::new(tenant, action, Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "organization_id": organization }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}
