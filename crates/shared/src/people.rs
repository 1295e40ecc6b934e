//! People: listing them, inviting them, organisation teams, profiles and the one-time links
//! sent by email (invitations, sign-in links, password resets, email confirmations).

use crate::OrganizationId;
use crate::tenancy::{
    Branding, Membership, OrganizationAccess, Scope, StaffRole, User, UserKind, UserStatus,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which people a list returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PeopleFilter {
    /// Words to find in the name or the email address (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only staff, or only customer contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UserKind>,
    /// Only people with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
}

/// A person with the organisations they belong to (customer contacts) and, for staff, the
/// organisations they are limited to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub user: User,
    pub memberships: Vec<Membership>,
}

/// One membership granted with an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MembershipGrant {
    pub organization_id: OrganizationId,
    pub scopes: Vec<Scope>,
}

/// Invite a person to the portal. With `staff_role` the person joins the staff with that
/// role; without it they are a customer contact of the `memberships` organisations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvitePerson {
    pub email: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_role: Option<StaffRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub memberships: Vec<MembershipGrant>,
}

/// Change a staff member's role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    pub staff_role: StaffRole,
}

/// Let a staff member serve every organisation, or only those assigned to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeOrganizationAccess {
    pub organization_access: OrganizationAccess,
}

/// A member of an organisation's team, with their scopes there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user: User,
    pub scopes: Vec<Scope>,
}

/// Invite someone to an organisation's team (or add an existing contact of the tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    pub email: String,
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Change a member's scopes in an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeScopes {
    pub scopes: Vec<Scope>,
}

/// Changes to the signed-in user's profile: only the fields present change; an empty string
/// clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A telephone number, e.g. `+44 20 7946 0958`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A BCP 47 language tag, e.g. `en-GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// An IANA time zone, e.g. `Europe/London`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Change the signed-in user's email address: the current password again, and a link goes to
/// the new address to confirm it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeEmail {
    pub new_email: String,
    pub password: String,
}

impl std::fmt::Debug for ChangeEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeEmail")
            .field("new_email", &self.new_email)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Ask for an emailed link (a sign-in link, or a password reset). The answer is the same
/// whether or not the address has an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestLink {
    /// The tenant's slug, e.g. `acme`.
    pub tenant: String,
    pub email: String,
}

/// An organisation joined by accepting an offered membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinedOrganization {
    pub organization: crate::tenancy::OrganizationRef,
    pub scopes: Vec<Scope>,
}

/// The secret from an emailed link.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    pub token: String,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken([redacted])")
    }
}

/// Redeem an invitation or a password-reset link with a new password. `name` (invitations
/// only) corrects the name the inviter typed.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPasswordWithLink {
    pub token: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl std::fmt::Debug for SetPasswordWithLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetPasswordWithLink")
            .field("token", &"[redacted]")
            .field("password", &"[redacted]")
            .field("name", &self.name)
            .finish()
    }
}

/// What an invitation link is for, shown before the invitee sets a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationDetails {
    pub email: String,
    pub name: String,
    pub tenant: Branding,
    /// The organisations the invitee joins (none for staff).
    pub organizations: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// How to run an import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ImportQuery {
    /// Check the file and report what would happen, changing nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: u64,
    pub organizations_created: u64,
    /// New people, each sent an invitation.
    pub people_invited: u64,
    /// Existing contacts given access to another organisation.
    pub memberships_added: u64,
    /// Rows for people already members of their organisation.
    pub unchanged: u64,
}
