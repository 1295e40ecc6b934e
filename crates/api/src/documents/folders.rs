//! Folders of an organisation's documents: listed by anyone who reaches the organisation's
//! documents; created, renamed, moved and deleted (when empty) by staff.

use super::queries::{self, FolderRow};
use super::rules::{self, Reach};
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use portico_shared::documents::{CreateFolder, Folder, FolderCrumb, FolderFilter, UpdateFolder};
use portico_shared::{FolderId, OrganizationId, Page, Problem};
use serde_json::json;

/// How deep folders may nest.
const MAX_DEPTH: usize = 32;

/// The documents of organisation `org` as `who` reaches them: 404 when the organisation is
/// not one they can see in their tenant (checked first, S11), 403 for a contact without the
/// `documents` scope.
pub(crate) async fn reach_in(
    state: &AppState,
    who: &Principal,
    org: OrganizationId,
) -> ApiResult<Reach> {
    who.visible_organization(&state.db, org).await?;
    Reach::of(&who.access, org)
}

/// The folder `id` if `who` reaches its organisation's documents.
async fn reachable(state: &AppState, who: &Principal, id: FolderId) -> ApiResult<FolderRow> {
    let mut conn = state.db.conn().await?;
    let folder = queries::get_folder(&mut conn, who.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    reach_in(state, who, OrganizationId(folder.organization_id)).await?;
    Ok(folder)
}

/// A folder named in a body or a query, which must be in `org`: a 422 otherwise (another
/// organisation's or tenant's folder is simply unknown).
pub(crate) async fn folder_of(
    state: &AppState,
    who: &Principal,
    org: OrganizationId,
    id: FolderId,
    field: &str,
) -> ApiResult<FolderRow> {
    let mut conn = state.db.conn().await?;
    match queries::get_folder(&mut conn, who.tenant_id(), id).await? {
        Some(f) if f.organization_id == org.0 => Ok(f),
        _ => Err(ApiError::invalid(
            field,
            "no such folder in this organisation",
        )),
    }
}

/// The folders above `folder`, top first.
async fn ancestors(
    state: &AppState,
    who: &Principal,
    folder: &FolderRow,
) -> ApiResult<Vec<FolderCrumb>> {
    let mut conn = state.db.conn().await?;
    let mut path = Vec::new();
    let mut next = folder.parent_id;
    while let Some(id) = next {
        if path.len() >= MAX_DEPTH {
            break;
        }
        let Some(parent) = queries::get_folder(&mut conn, who.tenant_id(), FolderId(id)).await?
        else {
            break;
        };
        next = parent.parent_id;
        path.push(FolderCrumb {
            id: FolderId(parent.id),
            name: parent.name,
        });
    }
    path.reverse();
    Ok(path)
}

async fn with_path(state: &AppState, who: &Principal, folder: FolderRow) -> ApiResult<Folder> {
    let path = ancestors(state, who, &folder).await?;
    Ok(Folder {
        ancestors: path,
        ..Folder::from(folder)
    })
}

async fn record(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    action: &'static str,
    folder: &FolderRow,
    details: serde_json::Value,
    tx: &mut crate::db::Tx,
) -> ApiResult<()> {
    let event = Event::new(who.tenant_id(), action, Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("folder", folder.id)
        .details(details);
    audit::record(tx, event, origin, state.clock.now()).await?;
    Ok(())
}

/// The folders directly inside a folder (or at the top level) of an organisation.
#[utoipa::path(
    tag = "documents",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), FolderFilter, PageParams),
    responses(
        (status = 200, description = "One page of folders.", body = Page<Folder>),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/folders")]
pub async fn list_folders(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
    web::Query(filter): web::Query<FolderFilter>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Folder>>> {
    let org = path.into_inner();
    reach_in(&state, &who, org).await?;
    let (limit, after) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::FolderRow> = queries::folders_query(
        conn.backend(),
        who.tenant_id(),
        org,
        filter.parent_id,
        after,
        limit,
    )
    .fetch_all(&mut conn)
    .await?;
    Ok(web::Json(page(
        rows,
        limit,
        |r| r.id,
        |r| ApiResult::Ok(Folder::from(r)),
    )?))
}

/// Create a folder in an organisation (inside another folder, or at the top level). Staff
/// only.
#[utoipa::path(
    tag = "documents",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    request_body = CreateFolder,
    responses(
        (status = 201, description = "Created.", body = Folder),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, or no such parent folder here.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/folders")]
pub async fn create_folder(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
    JsonObject(body): JsonObject<CreateFolder>,
) -> ApiResult<HttpResponse> {
    let org = path.into_inner();
    reach_in(&state, &who, org).await?;
    who.require_staff()?;
    let name = rules::parse_name(&body.name).map_err(|m| ApiError::invalid("name", m))?;
    if let Some(parent) = body.parent_id {
        let parent = folder_of(&state, &who, org, parent, "parent_id").await?;
        if ancestors(&state, &who, &parent).await?.len() + 1 >= MAX_DEPTH {
            return Err(ApiError::invalid(
                "parent_id",
                "folders nest at most 32 deep",
            ));
        }
    }
    let row = FolderRow {
        id: FolderId::new().0,
        organization_id: org.0,
        parent_id: body.parent_id.map(|p| p.0),
        name,
        created_at: state.clock.now(),
    };
    let mut tx = state.db.begin().await?;
    queries::insert_folder(&mut tx, who.tenant_id(), &row, who.user_id).await?;
    record(
        &state,
        &who,
        &origin,
        "folder.created",
        &row,
        json!({ "name": row.name, "organization_id": org }),
        &mut tx,
    )
    .await?;
    tx.commit().await?;
    let folder = with_path(&state, &who, row).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/folders/{}", folder.id),
        ))
        .json(folder))
}

/// One folder, with the folders above it (for breadcrumbs).
#[utoipa::path(
    tag = "documents",
    params(("folder_id" = FolderId, Path, description = "The folder's id.")),
    responses(
        (status = 200, description = "The folder.", body = Folder),
        (status = 403, description = "A contact without the `documents` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such folder for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/folders/{folder_id}")]
pub async fn get_folder(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<FolderId>,
) -> ApiResult<web::Json<Folder>> {
    let folder = reachable(&state, &who, path.into_inner()).await?;
    Ok(web::Json(with_path(&state, &who, folder).await?))
}

/// Rename a folder or move it (within its organisation; `"parent_id": null` for the top
/// level). Staff only.
#[utoipa::path(
    tag = "documents",
    params(("folder_id" = FolderId, Path, description = "The folder's id.")),
    request_body = UpdateFolder,
    responses(
        (status = 200, description = "The folder as it is now.", body = Folder),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such folder for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, or a parent that is not in the organisation or is inside the folder.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/folders/{folder_id}")]
pub async fn update_folder(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<FolderId>,
    JsonObject(body): JsonObject<UpdateFolder>,
) -> ApiResult<web::Json<Folder>> {
    let folder = reachable(&state, &who, path.into_inner()).await?;
    who.require_staff()?;
    let org = OrganizationId(folder.organization_id);
    let name = match &body.name {
        Some(n) => rules::parse_name(n).map_err(|m| ApiError::invalid("name", m))?,
        None => folder.name.clone(),
    };
    let parent = match body.parent_id {
        None => folder.parent_id.map(FolderId),
        Some(None) => None,
        Some(Some(p)) => {
            let parent = folder_of(&state, &who, org, p, "parent_id").await?;
            let above = ancestors(&state, &who, &parent).await?;
            if parent.id == folder.id || above.iter().any(|c| c.id.0 == folder.id) {
                return Err(ApiError::invalid(
                    "parent_id",
                    "a folder cannot go inside itself",
                ));
            }
            Some(p)
        }
    };
    let after = FolderRow {
        name,
        parent_id: parent.map(|p| p.0),
        ..folder.clone()
    };
    let mut tx = state.db.begin().await?;
    queries::update_folder(
        &mut tx,
        who.tenant_id(),
        FolderId(folder.id),
        &after.name,
        parent,
    )
    .await?;
    let details = json!({
        "before": { "name": folder.name, "parent_id": folder.parent_id },
        "after": { "name": after.name, "parent_id": after.parent_id },
    });
    record(
        &state,
        &who,
        &origin,
        "folder.updated",
        &after,
        details,
        &mut tx,
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(with_path(&state, &who, after).await?))
}

/// Delete an empty folder (no subfolders, no documents outside the bin). Staff only.
#[utoipa::path(
    tag = "documents",
    params(("folder_id" = FolderId, Path, description = "The folder's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such folder for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The folder is not empty.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/folders/{folder_id}")]
pub async fn delete_folder(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<FolderId>,
) -> ApiResult<HttpResponse> {
    let folder = reachable(&state, &who, path.into_inner()).await?;
    who.require_staff()?;
    let id = FolderId(folder.id);
    let mut tx = state.db.begin().await?;
    if queries::folder_has_content(&mut tx, who.tenant_id(), id).await? {
        return Err(ApiError::Conflict(
            "The folder is not empty: move or delete what is in it first.".into(),
        ));
    }
    queries::delete_folder(&mut tx, who.tenant_id(), id).await?;
    record(
        &state,
        &who,
        &origin,
        "folder.deleted",
        &folder,
        json!({ "name": folder.name }),
        &mut tx,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
