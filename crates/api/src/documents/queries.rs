//! SQL for folders, documents, their versions and access log. Every query is bounded by the
//! tenant first; callers have already checked the organisation and the caller's reach.

use crate::db::enums::from_stored;
use crate::db::{AsExec, Backend, ListPlan, Query, backend_of, both_pages, push_like};
use crate::error::{ApiError, ApiResult};
use crate::on_db;
use chrono::{DateTime, Utc};
use portico_shared::documents::{
    AccessEntry, AccessKind, Document, DocumentVersion, Folder, Visibility,
};
use portico_shared::tenancy::Scope;
use portico_shared::{DocumentId, FolderId, OrganizationId, TenantId, UserId};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FolderRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<FolderRow> for Folder {
    fn from(r: FolderRow) -> Self {
        Folder {
            id: FolderId(r.id),
            organization_id: OrganizationId(r.organization_id),
            parent_id: r.parent_id.map(FolderId),
            name: r.name,
            created_at: r.created_at,
            ancestors: Vec::new(),
        }
    }
}

const FOLDER_COLUMNS: &str = "SELECT id, organization_id, parent_id, name, created_at FROM folders";

pub async fn insert_folder(
    c: &mut impl AsExec,
    tenant: TenantId,
    row: &FolderRow,
    created_by: UserId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO folders (id, tenant_id, organization_id, parent_id, name, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(row.id).bind(tenant.0).bind(row.organization_id).bind(row.parent_id)
        .bind(&row.name).bind(created_by.0).bind(row.created_at)
        .execute(e).await.map(|_| ()))
}

pub async fn get_folder(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: FolderId,
) -> sqlx::Result<Option<FolderRow>> {
    let sql = format!("{FOLDER_COLUMNS} WHERE tenant_id = $1 AND id = $2");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(id.0).fetch_optional(e).await)
}

/// One page of the folders directly in `parent` (the top level when `None`).
pub fn folders_query(
    backend: Backend,
    tenant: TenantId,
    org: OrganizationId,
    parent: Option<FolderId>,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = Query::new(backend, &format!("{FOLDER_COLUMNS} WHERE tenant_id = "));
    q.arg(tenant.0).sql(" AND organization_id = ").arg(org.0);
    match parent {
        Some(parent) => q.sql(" AND parent_id = ").arg(parent.0),
        None => q.sql(" AND parent_id IS NULL"),
    };
    q.page_after("id", after, limit);
    q
}

pub async fn update_folder(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: FolderId,
    name: &str,
    parent: Option<FolderId>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE folders SET name = $3, parent_id = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).bind(name).bind(parent.map(|p| p.0))
        .execute(e).await.map(|_| ()))
}

/// Whether a folder holds subfolders or documents that are not in the bin.
pub async fn folder_has_content(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: FolderId,
) -> sqlx::Result<bool> {
    let n: i64 = on_db!(c, e => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM folders WHERE tenant_id = $1 AND parent_id = $2) \
              + (SELECT COUNT(*) FROM documents WHERE tenant_id = $1 AND folder_id = $2 \
                 AND deleted_at IS NULL)")
        .bind(tenant.0).bind(id.0).fetch_one(e).await)?;
    Ok(n > 0)
}

/// Deletes an empty folder; documents of it still in the bin move to the top level (where
/// a restore puts them).
pub async fn delete_folder(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: FolderId,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE documents SET folder_id = NULL WHERE tenant_id = $1 AND folder_id = $2")
        .bind(tenant.0).bind(id.0).execute(&mut *e).await.map(|_| ()))?;
    on_db!(c, e => sqlx::query("DELETE FROM folders WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).execute(e).await.map(|_| ()))
}

/// A document with its current version's metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub folder_id: Option<Uuid>,
    pub name: String,
    pub visibility: String,
    pub visible_scope: Option<String>,
    pub current_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub storage_key: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_by_name: String,
}

impl DocumentRow {
    /// Who may see the document. A stored value this server does not know is an error (a
    /// 500, its cause in the log), never "the whole organisation": a default would fail open.
    pub fn visibility(&self) -> ApiResult<Visibility> {
        from_stored(&self.visibility)
    }

    /// The scope a `scope` visibility names; an unknown stored one is an error too.
    pub fn scope(&self) -> ApiResult<Option<Scope>> {
        self.visible_scope.as_deref().map(from_stored).transpose()
    }

    pub fn organization(&self) -> OrganizationId {
        OrganizationId(self.organization_id)
    }
}

impl TryFrom<DocumentRow> for Document {
    type Error = ApiError;

    fn try_from(r: DocumentRow) -> ApiResult<Self> {
        Ok(Document {
            id: DocumentId(r.id),
            organization_id: OrganizationId(r.organization_id),
            folder_id: r.folder_id.map(FolderId),
            visibility: r.visibility()?,
            scope: r.scope()?,
            name: r.name,
            version: r.current_version,
            size: r.size,
            content_type: r.content_type,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by.map(UserId),
            uploaded_by_name: r.uploaded_by_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            purge_at: r.deleted_at.map(super::rules::purge_at),
        })
    }
}

/// A document with its current version: the columns, then (after `documents d`) the
/// version's join.
const DOCUMENT_SELECT: &str = "SELECT d.id, d.organization_id, d.folder_id, d.name, \
     d.visibility, d.visible_scope, d.current_version, d.created_at, d.updated_at, \
     d.deleted_at, v.storage_key, v.size, v.content_type, v.sha256, v.uploaded_by, \
     v.uploaded_by_name FROM ";
const DOCUMENT_VERSION: &str = " JOIN document_versions v ON v.tenant_id = d.tenant_id \
     AND v.document_id = d.id AND v.version = d.current_version";

pub async fn get_document(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: DocumentId,
) -> sqlx::Result<Option<DocumentRow>> {
    let mut q = Query::new(
        backend_of(c),
        &format!("{DOCUMENT_SELECT}documents d{DOCUMENT_VERSION} WHERE d.tenant_id = "),
    );
    q.arg(tenant.0).sql(" AND d.id = ").arg(id.0);
    q.fetch_optional(c).await
}

/// Which documents of an organisation a list shows.
pub struct DocumentQuery<'a> {
    pub organization: OrganizationId,
    /// The folder listed (the top level when `None`); ignored when searching or in the bin.
    pub folder: Option<FolderId>,
    pub search: Option<&'a str>,
    pub deleted: bool,
    /// A contact's scopes as `,documents,sign,` (see `Reach::scope_list`); `None` for staff.
    pub scopes: Option<String>,
}

/// One page (plus one row) of an organisation's documents, by id: a folder's (through the
/// index of its folder), the bin's (through the index of deleted documents), or, searching, the
/// matches anywhere in the organisation (walking its documents by id, testing each name).
pub fn list_query(
    backend: Backend,
    tenant: TenantId,
    query: &DocumentQuery<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = Query::new(
        backend,
        &format!("{DOCUMENT_SELECT}documents d{DOCUMENT_VERSION} WHERE d.tenant_id = "),
    );
    q.arg(tenant.0)
        .sql(" AND d.organization_id = ")
        .arg(query.organization.0);
    if query.deleted {
        q.sql(" AND d.deleted_at IS NOT NULL");
    } else {
        q.sql(" AND d.deleted_at IS NULL");
    }
    match (query.search, query.deleted, query.folder) {
        (Some(words), _, _) => push_like(&mut q, &["lower(d.name)"], words),
        (None, true, _) => {}
        (None, false, Some(folder)) => {
            q.sql(" AND d.folder_id = ").arg(folder.0);
        }
        (None, false, None) => {
            q.sql(" AND d.folder_id IS NULL");
        }
    }
    if let Some(scopes) = &query.scopes {
        q.sql(" AND (d.visibility = 'organization' OR (d.visibility = 'scope' AND ")
            .arg(scopes.clone())
            .sql(" LIKE '%,' || d.visible_scope || ',%'))");
    }
    q.page_after("d.id", after, limit);
    q
}

/// A new document's row.
pub struct NewDocument<'a> {
    pub id: DocumentId,
    pub organization: OrganizationId,
    pub folder: Option<FolderId>,
    pub name: &'a str,
    pub visibility: Visibility,
    pub scope: Option<Scope>,
    pub at: DateTime<Utc>,
}

pub async fn insert_document(
    c: &mut impl AsExec,
    tenant: TenantId,
    d: &NewDocument<'_>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO documents (id, tenant_id, organization_id, folder_id, name, visibility, \
         visible_scope, current_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)")
        .bind(d.id.0).bind(tenant.0).bind(d.organization.0).bind(d.folder.map(|f| f.0))
        .bind(d.name).bind(d.visibility.as_str()).bind(d.scope.map(Scope::as_str)).bind(d.at)
        .execute(e).await.map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i32,
    pub storage_key: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<VersionRow> for DocumentVersion {
    fn from(r: VersionRow) -> Self {
        DocumentVersion {
            version: r.version,
            size: r.size,
            content_type: r.content_type,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by.map(UserId),
            uploaded_by_name: r.uploaded_by_name,
            uploaded_at: r.uploaded_at,
        }
    }
}

pub async fn insert_version(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
    v: &VersionRow,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO document_versions (tenant_id, document_id, version, storage_key, size, \
         content_type, sha256, uploaded_by, uploaded_by_name, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(tenant.0).bind(document.0).bind(v.version).bind(&v.storage_key).bind(v.size)
        .bind(&v.content_type).bind(&v.sha256).bind(v.uploaded_by).bind(&v.uploaded_by_name)
        .bind(v.uploaded_at)
        .execute(e).await.map(|_| ()))
}

/// Makes room for a new version: the document's next version number, now current.
pub async fn next_version(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
    at: DateTime<Utc>,
) -> sqlx::Result<i32> {
    on_db!(c, e => sqlx::query_scalar(
        "UPDATE documents SET current_version = current_version + 1, updated_at = $3 \
         WHERE tenant_id = $1 AND id = $2 RETURNING current_version")
        .bind(tenant.0).bind(document.0).bind(at).fetch_one(e).await)
}

pub async fn list_versions(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
) -> sqlx::Result<Vec<VersionRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT version, storage_key, size, content_type, sha256, uploaded_by, \
         uploaded_by_name, uploaded_at FROM document_versions \
         WHERE tenant_id = $1 AND document_id = $2 ORDER BY version DESC")
        .bind(tenant.0).bind(document.0).fetch_all(e).await)
}

pub async fn get_version(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
    version: i32,
) -> sqlx::Result<Option<VersionRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT version, storage_key, size, content_type, sha256, uploaded_by, \
         uploaded_by_name, uploaded_at FROM document_versions \
         WHERE tenant_id = $1 AND document_id = $2 AND version = $3")
        .bind(tenant.0).bind(document.0).bind(version).fetch_optional(e).await)
}

/// Saves a document's name, folder and visibility — only if it is still as `row` was read
/// (the same `updated_at`, not in the bin): false when it changed meanwhile.
pub async fn update_document(
    c: &mut impl AsExec,
    tenant: TenantId,
    row: &DocumentRow,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(c, e => sqlx::query(
        "UPDATE documents SET name = $3, folder_id = $4, visibility = $5, visible_scope = $6, \
         updated_at = $7 WHERE tenant_id = $1 AND id = $2 AND updated_at = $8 \
         AND deleted_at IS NULL")
        .bind(tenant.0).bind(row.id).bind(&row.name).bind(row.folder_id).bind(&row.visibility)
        .bind(&row.visible_scope).bind(at).bind(row.updated_at)
        .execute(e).await.map(|r| r.rows_affected() == 1))
}

/// Puts a document in the bin (`Some(at)`) or takes it out (`None`).
pub async fn set_deleted(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: DocumentId,
    deleted: Option<(DateTime<Utc>, UserId)>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE documents SET deleted_at = $3, deleted_by = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).bind(deleted.map(|(at, _)| at))
        .bind(deleted.map(|(_, by)| by.0))
        .execute(e).await.map(|_| ()))
}

/// Removes a document for good (its versions and access log go with it) and answers the
/// storage keys its versions named.
pub async fn purge_document(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: DocumentId,
) -> sqlx::Result<Vec<String>> {
    let keys: Vec<String> = on_db!(c, e => sqlx::query_scalar(
        "SELECT DISTINCT storage_key FROM document_versions WHERE tenant_id = $1 AND document_id = $2")
        .bind(tenant.0).bind(id.0).fetch_all(&mut *e).await)?;
    on_db!(c, e => sqlx::query("DELETE FROM documents WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(id.0).execute(e).await.map(|_| ()))?;
    Ok(keys)
}

/// Whether any version still names these bytes.
pub async fn key_in_use(c: &mut impl AsExec, key: &str) -> sqlx::Result<bool> {
    let n: i64 = on_db!(c, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM document_versions WHERE storage_key = $1")
        .bind(key).fetch_one(e).await)?;
    Ok(n > 0)
}

/// Bytes a tenant stores: each stored object once, however many versions share it.
/// Grows (or makes) upload reservation `id` to `bytes`, if the tenant's stored bytes and every
/// live reservation (touched after `live_since`) stay within `quota` with it. Run it in a
/// transaction of its own: it locks the tenant's row (PostgreSQL; a SQLite write transaction
/// holds the database's write lock), so concurrent uploads reserve one after the other.
#[allow(clippy::too_many_arguments)]
pub async fn reserve(
    c: &mut impl AsExec,
    tenant: TenantId,
    id: Uuid,
    bytes: u64,
    quota: u64,
    now: DateTime<Utc>,
    live_since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    if let crate::db::Exec::Postgres(e) = c.exec() {
        sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant.0)
            .execute(e)
            .await?;
    }
    let stored = u64::try_from(storage_used(c, tenant).await?).unwrap_or(0);
    let reserved: i64 = on_db!(c, e => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM storage_reservations \
         WHERE tenant_id = $1 AND touched_at > $2 AND id <> $3")
        .bind(tenant.0).bind(live_since).bind(id).fetch_one(e).await)?;
    let reserved = u64::try_from(reserved).unwrap_or(0);
    if stored.saturating_add(reserved).saturating_add(bytes) > quota {
        return Ok(false);
    }
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    on_db!(c, e => sqlx::query(
        "INSERT INTO storage_reservations (id, tenant_id, bytes, touched_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET bytes = $3, touched_at = $4")
        .bind(id).bind(tenant.0).bind(bytes).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// Ends an upload reservation (its bytes are stored, or the upload failed).
pub async fn release_reservation(c: &mut impl AsExec, id: Uuid) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("DELETE FROM storage_reservations WHERE id = $1")
        .bind(id).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn storage_used(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<i64> {
    on_db!(c, e => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM \
         (SELECT DISTINCT storage_key, size FROM document_versions WHERE tenant_id = $1) s")
        .bind(tenant.0).fetch_one(e).await)
}

/// One view or download.
pub struct NewAccess<'a> {
    pub document: DocumentId,
    pub version: i32,
    pub kind: AccessKind,
    pub user: UserId,
    pub name: &'a str,
    pub staff: bool,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn insert_access(
    c: &mut impl AsExec,
    tenant: TenantId,
    a: &NewAccess<'_>,
) -> sqlx::Result<()> {
    let kind = match a.kind {
        AccessKind::View => "view",
        AccessKind::Download => "download",
    };
    on_db!(c, e => sqlx::query(
        "INSERT INTO document_access (id, tenant_id, document_id, version, kind, user_id, name, \
         staff, ip, user_agent, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(Uuid::now_v7()).bind(tenant.0).bind(a.document.0).bind(a.version).bind(kind)
        .bind(a.user.0).bind(a.name).bind(a.staff).bind(a.ip).bind(a.user_agent).bind(a.at)
        .execute(e).await.map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessRow {
    pub id: Uuid,
    pub version: i32,
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub staff: bool,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<AccessRow> for AccessEntry {
    fn from(r: AccessRow) -> Self {
        AccessEntry {
            kind: if r.kind == "download" {
                AccessKind::Download
            } else {
                AccessKind::View
            },
            version: r.version,
            user_id: r.user_id.map(UserId),
            name: r.name,
            staff: r.staff,
            at: r.at,
            ip: r.ip,
        }
    }
}

/// One page of a document's access log, newest first.
pub fn access_query(
    backend: Backend,
    tenant: TenantId,
    document: DocumentId,
    before: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = Query::new(
        backend,
        "SELECT id, version, kind, user_id, name, staff, ip, at FROM document_access \
         WHERE tenant_id = ",
    );
    q.arg(tenant.0).sql(" AND document_id = ").arg(document.0);
    q.page_before("id", before, limit);
    q
}

pub async fn insert_hold(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
    holder: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO document_holds (tenant_id, document_id, holder_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(tenant.0).bind(document.0).bind(holder).bind(at)
        .execute(e).await.map(|_| ()))
}

pub async fn delete_holds(c: &mut impl AsExec, tenant: TenantId, holder: Uuid) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("DELETE FROM document_holds WHERE tenant_id = $1 AND holder_id = $2")
        .bind(tenant.0).bind(holder)
        .execute(e).await.map(|_| ()))
}

pub async fn is_held(
    c: &mut impl AsExec,
    tenant: TenantId,
    document: DocumentId,
) -> sqlx::Result<bool> {
    on_db!(c, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM document_holds WHERE tenant_id = $1 AND document_id = $2)")
        .bind(tenant.0).bind(document.0).fetch_one(e).await)
}

/// The document lists with representative arguments (see `db::ListPlan`).
pub fn lists(backend: Backend) -> Vec<ListPlan> {
    let tenant = TenantId(Uuid::now_v7());
    let organization = OrganizationId(Uuid::now_v7());
    let folder = Some(FolderId(Uuid::now_v7()));
    let list = |folder, search, deleted, scopes: Option<&str>| DocumentQuery {
        organization,
        folder,
        search,
        deleted,
        scopes: scopes.map(String::from),
    };
    let mut plans = Vec::new();
    for (what, query, sorts) in [
        ("documents at the top", list(None, None, false, None), None),
        (
            "documents in a folder",
            list(folder, None, false, None),
            None,
        ),
        ("documents in the bin", list(None, None, true, None), None),
        (
            "documents searched",
            list(folder, Some("invoice"), false, None),
            None,
        ),
        (
            "documents at the top, for a contact",
            list(None, None, false, Some(",documents,")),
            None,
        ),
    ] {
        for plan in both_pages(what, |after| list_query(backend, tenant, &query, after, 25)) {
            plans.push(match sorts {
                Some(why) => plan.sorting(why),
                None => plan,
            });
        }
    }
    for parent in [None, folder] {
        let name = if parent.is_some() {
            "folders in a folder"
        } else {
            "folders at the top"
        };
        plans.extend(both_pages(name, |after| {
            folders_query(backend, tenant, organization, parent, after, 25)
        }));
    }
    let document = DocumentId(Uuid::now_v7());
    plans.extend(both_pages("a document's access log", |before| {
        access_query(backend, tenant, document, before, 25)
    }));
    plans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(visibility: &str) -> DocumentRow {
        DocumentRow {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            folder_id: None,
            name: "a.pdf".into(),
            visibility: visibility.into(),
            visible_scope: None,
            current_version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
            storage_key: "k".into(),
            size: 1,
            content_type: "application/pdf".into(),
            sha256: "0".into(),
            uploaded_by: None,
            uploaded_by_name: "x".into(),
        }
    }

    #[test]
    fn an_unknown_stored_visibility_is_an_error_not_the_whole_organisation() {
        assert_eq!(row("staff").visibility().unwrap(), Visibility::Staff);
        assert_eq!(
            row("organization").visibility().unwrap(),
            Visibility::Organization
        );
        let unknown = row("partners").visibility().unwrap_err();
        assert!(matches!(unknown, ApiError::Internal(_)));
        assert!(unknown.to_string().contains("partners"));
        assert!(Document::try_from(row("partners")).is_err());
    }
}
