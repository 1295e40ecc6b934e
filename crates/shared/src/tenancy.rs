//! Tenants, users, organisations, memberships and scopes as seen on the wire.

use crate::{OrganizationId, TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a user works for the tenant or is a contact of a customer organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    Staff,
    Customer,
}

/// Where a user is in their life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; has not set a password yet.
    Invited,
    Active,
    /// May not sign in; existing sessions have ended.
    Disabled,
}

/// A staff member's role in the tenant, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Owner,
    Admin,
    Agent,
}

/// Which organisations a staff member serves: every organisation of the tenant, or only those
/// they are assigned to (none at all until assigned). Owners always serve every organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationAccess {
    All,
    Assigned,
}

impl OrganizationAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationAccess::All => "all",
            OrganizationAccess::Assigned => "assigned",
        }
    }

    pub fn parse(s: &str) -> Option<OrganizationAccess> {
        match s {
            "all" => Some(OrganizationAccess::All),
            "assigned" => Some(OrganizationAccess::Assigned),
            _ => None,
        }
    }
}

/// What a customer contact may do within one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Billing,
    Documents,
    Tickets,
    Messages,
    Sign,
    /// Manage the organisation's own contacts and their scopes.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Billing,
        Scope::Documents,
        Scope::Tickets,
        Scope::Messages,
        Scope::Sign,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Billing => "billing",
            Scope::Documents => "documents",
            Scope::Tickets => "tickets",
            Scope::Messages => "messages",
            Scope::Sign => "sign",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What the sign-in page shows before anyone signs in: the tenant's name, logo and colours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branding {
    /// The short name used in sign-in links and host names, e.g. `acme`.
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
}

/// A tenant's identity and branding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: TenantId,
    #[serde(flatten)]
    pub branding: Branding,
}

/// A person who can sign in.
/// A tenant's settings, as its staff see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantSettings {
    #[serde(flatten)]
    pub tenant: Tenant,
    /// Where customers' replies to the portal's mail go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    /// A host name that opens this tenant's portal by itself, e.g. `portal.acme.example`,
    /// once verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
    /// Whether the tenant proved it controls `custom_domain`; until then the domain does not
    /// open the portal and mail does not link to it.
    #[serde(default)]
    pub custom_domain_verified: bool,
    /// While the domain waits for verification: the DNS TXT record to publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_record: Option<DnsRecord>,
    /// Whether host applications can sign people in with hand-off tokens.
    #[serde(default)]
    pub handoff_enabled: bool,
}

/// A DNS record to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DnsRecord {
    /// The record's name, e.g. `_portico-challenge.portal.acme.example`.
    pub name: String,
    /// `TXT`.
    pub kind: String,
    pub value: String,
}

/// Changes to the tenant's settings: only the fields present change; an empty string clears
/// an optional one. The logo is uploaded separately (`PUT /tenant/logo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub kind: UserKind,
    pub status: UserStatus,
    /// Present for staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_role: Option<StaffRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A BCP 47 language tag, e.g. `en-GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// An IANA time zone, e.g. `Europe/London`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Staff only: whether they serve every organisation or only those assigned to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_access: Option<OrganizationAccess>,
    #[serde(deserialize_with = "crate::time::rfc3339")]
    pub created_at: DateTime<Utc>,
}

/// A short reference to an organisation, embedded in other objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationRef {
    pub id: OrganizationId,
    pub name: String,
}

/// A customer contact's membership of one organisation, with what they may do there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub organization: OrganizationRef,
    pub scopes: Vec<Scope>,
}

/// The signed-in principal: who they are, in which tenant, and what they may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    pub tenant: Tenant,
    /// For staff: their role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_role: Option<StaffRole>,
    /// For staff limited to some organisations: those organisations. Absent when the staff
    /// member sees every organisation of the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_organizations: Option<Vec<OrganizationRef>>,
    /// For customer contacts: each organisation they belong to, with their scopes there.
    pub memberships: Vec<Membership>,
    /// Set when a staff member is looking through this user's eyes (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_as: Option<ViewAs>,
}

/// A read-only view-as session: who is looking, and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewAs {
    pub viewer_name: String,
    #[serde(deserialize_with = "crate::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
}

/// A started view-as session. It has no refresh token: it ends at `expires_at` at the latest.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewAsStarted {
    /// A bearer token for the customer's view; every write with it is refused.
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

impl std::fmt::Debug for ViewAsStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewAsStarted")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
