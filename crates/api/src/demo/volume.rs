//! `portico seed-volume`: a tenant as large as a busy firm's, written straight into the tables
//! (no audit, no events, no mail): `rows` customer organisations, `rows` contacts (one per
//! organisation), `rows` documents in the first of them and `rows` requests spread over them.
//! What `cargo xtask bench api` and the plan test measure lists against; never for real data.

use crate::db::{Arg, Db, Query};
use crate::tenancy::service::scopes_to_column;
use chrono::Utc;
use portico_shared::TenantId;
use portico_shared::tenancy::Scope;
use uuid::Uuid;

/// Rows per INSERT: well under both databases' limit on bound arguments.
const BATCH: usize = 500;

/// What [`seed`] added, for the caller to find again.
#[derive(Debug, Clone)]
pub struct Volume {
    /// The organisation holding every document (`VOL-000000`).
    pub first_organization: Uuid,
    pub organizations: usize,
}

/// Adds `rows` of each kind to `tenant`; the names (`Volume organisation 000042`, reference
/// `VOL-000042`, `person000042@volume.test`) are unique within one call: `prefix` keeps calls
/// apart.
pub async fn seed(db: &Db, tenant: TenantId, rows: usize, prefix: &str) -> anyhow::Result<Volume> {
    let now = Utc::now();
    let organizations: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
    let users: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
    let documents: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
    let scopes = scopes_to_column(&[Scope::Documents, Scope::Sign]);

    let mut tx = db.begin().await?;
    insert(
        &mut tx,
        db,
        "organizations (id, tenant_id, name, external_ref, status, custom_fields, created_at)",
        organizations.iter().enumerate().map(|(i, id)| {
            vec![
                Arg::Uuid(*id),
                Arg::Uuid(tenant.0),
                Arg::Text(format!("{prefix} organisation {i:06}")),
                Arg::Text(format!("{}-{i:06}", prefix.to_uppercase())),
                Arg::Text(if i % 10 == 9 { "archived" } else { "active" }.into()),
                Arg::Text(format!("{{\"region\":\"region {}\"}}", i % 7)),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    insert(
        &mut tx,
        db,
        "users (id, tenant_id, kind, email, name, status, created_at, updated_at)",
        users.iter().enumerate().map(|(i, id)| {
            vec![
                Arg::Uuid(*id),
                Arg::Uuid(tenant.0),
                Arg::Text("customer".into()),
                Arg::Text(format!("person{i:06}@{prefix}.test").to_lowercase()),
                Arg::Text(format!("{prefix} person {i:06}")),
                Arg::Text("active".into()),
                Arg::Time(now),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    insert(
        &mut tx,
        db,
        "memberships (tenant_id, user_id, organization_id, scopes, created_at)",
        users.iter().zip(&organizations).map(|(user, org)| {
            vec![
                Arg::Uuid(tenant.0),
                Arg::Uuid(*user),
                Arg::Uuid(*org),
                Arg::Text(scopes.clone()),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    insert(
        &mut tx,
        db,
        "documents (id, tenant_id, organization_id, name, visibility, current_version, \
         created_at, updated_at)",
        documents.iter().enumerate().map(|(i, id)| {
            vec![
                Arg::Uuid(*id),
                Arg::Uuid(tenant.0),
                Arg::Uuid(organizations[0]),
                Arg::Text(format!("{prefix} document {i:06}.pdf")),
                Arg::Text("organization".into()),
                Arg::Int(1),
                Arg::Time(now),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    insert(
        &mut tx,
        db,
        "document_versions (tenant_id, document_id, version, storage_key, size, content_type, \
         sha256, uploaded_by_name, uploaded_at)",
        documents.iter().map(|id| {
            vec![
                Arg::Uuid(tenant.0),
                Arg::Uuid(*id),
                Arg::Int(1),
                Arg::Text(format!("volume/{id}")),
                Arg::Int(1024),
                Arg::Text("application/pdf".into()),
                Arg::Text("0".repeat(64)),
                Arg::Text("Volume".into()),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    insert(
        &mut tx,
        db,
        "requests (id, tenant_id, organization_id, title, status, created_at, updated_at)",
        (0..rows).map(|i| {
            vec![
                Arg::Uuid(Uuid::now_v7()),
                Arg::Uuid(tenant.0),
                Arg::Uuid(organizations[i]),
                Arg::Text(format!("{prefix} request {i:06}")),
                Arg::Text(if i % 3 == 0 { "completed" } else { "open" }.into()),
                Arg::Time(now),
                Arg::Time(now),
            ]
        }),
    )
    .await?;
    tx.commit().await?;
    if db.backend() == crate::db::Backend::Postgres {
        // What autovacuum does within a minute of such a load: the planner's statistics.
        Query::new(db.backend(), "ANALYZE")
            .execute(&mut db.conn().await?)
            .await?;
    }
    Ok(Volume {
        first_organization: organizations[0],
        organizations: rows,
    })
}

/// Inserts `rows` into `into` (`table (columns)`), [`BATCH`] rows per statement.
async fn insert(
    tx: &mut crate::db::Tx,
    db: &Db,
    into: &str,
    rows: impl Iterator<Item = Vec<Arg>>,
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Arg>> = rows.collect();
    for batch in rows.chunks(BATCH) {
        let mut q = Query::new(db.backend(), &format!("INSERT INTO {into} VALUES "));
        for (i, row) in batch.iter().enumerate() {
            if i > 0 {
                q.sql(", ");
            }
            q.args(row.iter().cloned());
        }
        q.execute(tx).await?;
    }
    Ok(())
}
