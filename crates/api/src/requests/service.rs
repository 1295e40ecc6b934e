//! What other capabilities may ask of requests.

use super::queries::{self, ItemSpec};
use crate::db::AsExec;
use portico_shared::{DocumentId, OrganizationId, TenantId};

/// Whether a document is named by an approve or sign item of a request still open: its
/// contacts may not add versions to it then (staff chose the version to approve or sign).
pub async fn document_awaits_decision(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    document: DocumentId,
) -> sqlx::Result<bool> {
    let specs = queries::open_document_item_specs(c, tenant, organization).await?;
    Ok(specs.iter().any(|spec| {
        serde_json::from_str::<ItemSpec>(spec).is_ok_and(|s| s.document_id == Some(document))
    }))
}
