//! Tenants, users, customer organisations, memberships and staff assignments: the identity
//! model `auth` and every capability check against. Its face is `service` (reads and writes
//! of the model, the rules that parse its fields, creating a tenant); its queries and rules
//! are private. It has no endpoints of its own: the tenant's settings and branding are the
//! `settings` capability, people and organisations are theirs.

use portico_shared::UserId;

mod queries;
mod rules;
pub mod service;

/// Which organisations a list may include for a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgVisibility {
    All,
    MemberOf(UserId),
    AssignedTo(UserId),
}

impl OrgVisibility {
    /// The two parameters every visibility predicate of the queries takes: the mode (`all`,
    /// `assigned` or `member`) and the user it is relative to.
    pub fn binds(self) -> (&'static str, Option<uuid::Uuid>) {
        match self {
            OrgVisibility::All => ("all", None),
            OrgVisibility::AssignedTo(u) => ("assigned", Some(u.0)),
            OrgVisibility::MemberOf(u) => ("member", Some(u.0)),
        }
    }
}
