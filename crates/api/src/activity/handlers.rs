//! `GET /api/v1/events`.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventRow, visible_page};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use actix_web::{get, web};
use portico_shared::events::{EVENT_TYPES, EventFilter, EventRecord};
use portico_shared::{OrganizationId, Page, Problem};

/// What happened in the portal, newest first: every event type of the `webhooks`, with its
/// data. Staff only; staff limited to assigned organisations see the events about those.
#[utoipa::path(
    tag = "events",
    params(EventFilter, PageParams),
    responses(
        (status = 200, description = "One page of events.", body = Page<EventRecord>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown event type.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(filter): web::Query<EventFilter>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<EventRecord>>> {
    who.require_staff()?;
    let kinds = parse_types(filter.types.as_deref())?;
    if let Some(org) = filter.organization_id {
        who.visible_organization(&state.db, org).await?;
    }
    let (limit, before) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<EventRow> = visible_page(
        conn.backend(),
        who.tenant_id(),
        who.organization_visibility().binds(),
        &kinds,
        filter.organization_id,
        before,
        limit,
    )
    .fetch_all(&mut conn)
    .await?;
    Ok(web::Json(page(
        rows,
        limit,
        |r| r.id,
        |row| {
            let event = events::decode(&row)?;
            let mut json =
                serde_json::to_value(&event).map_err(|e| ApiError::Internal(e.into()))?;
            Ok::<_, ApiError>(EventRecord {
                id: event.id,
                kind: row.kind,
                version: event.version,
                occurred_at: event.occurred_at,
                organization_id: row.organization_id.map(OrganizationId),
                data: json["data"].take(),
            })
        },
    )?))
}

/// The types asked for, each one Portico emits.
fn parse_types(types: Option<&str>) -> ApiResult<Vec<String>> {
    let Some(types) = types.filter(|t| !t.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    types
        .split(',')
        .map(str::trim)
        .map(|t| {
            EVENT_TYPES
                .iter()
                .find(|known| known.name == t)
                .map(|known| known.name.to_string())
                .ok_or_else(|| ApiError::invalid("types", format!("no event type {t:?}")))
        })
        .collect()
}
