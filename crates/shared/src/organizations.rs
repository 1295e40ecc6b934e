//! Customer organisations.

use crate::OrganizationId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether an organisation is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationStatus {
    Active,
    Archived,
}

/// A customer organisation of the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    /// The organisation's id in the tenant's own systems (a CRM id, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    pub status: OrganizationStatus,
    pub created_at: DateTime<Utc>,
}
