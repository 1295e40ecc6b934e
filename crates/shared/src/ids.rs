//! Typed identifiers. Every id is a UUIDv7 on the wire (a plain UUID string), wrapped so that a
//! `UserId` can never be passed where an `OrganizationId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    /// A tenant: one business running its portal on Portico.
    TenantId,
    /// A person who signs in: tenant staff or a customer contact.
    UserId,
    /// A customer organisation of a tenant.
    OrganizationId,
    /// One sign-in session (a refresh-token family).
    SessionId,
    /// One audit event.
    AuditEventId,
    /// One domain event of the outbox.
    EventId,
    /// A folder of an organisation's documents.
    FolderId,
    /// A document (a file with its versions).
    DocumentId,
    /// A request to an organisation.
    RequestId,
    /// One item of a request.
    RequestItemId,
    /// A reusable request template.
    TemplateId,
);
