//! Enums stored as text, converted one way only: each type's stored names are listed once
//! here ([`stored_enum!`]), written with [`Stored::stored`] and read with [`from_stored`]. A
//! stored value no variant names is an error — logged, answered as a 500 — never a default:
//! reading an unknown visibility as "the whole organisation" would be fail-open.

use crate::error::{ApiError, ApiResult};
use portico_shared::documents::{AccessKind, Visibility};
use portico_shared::organizations::OrganizationStatus;
use portico_shared::requests::{ItemKind, ItemStatus, RequestStatus};
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, UserKind, UserStatus};

/// An enum persisted as text.
pub trait Stored: Copy + PartialEq + 'static {
    /// What the column holds, for messages ("request status").
    const WHAT: &'static str;
    /// Every variant.
    const ALL: &'static [Self];
    /// The text stored for this variant.
    fn stored(self) -> &'static str;
}

/// The variant `value` names; an unknown value is logged and answered 500.
pub fn from_stored<T: Stored>(value: &str) -> ApiResult<T> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.stored() == value)
        .ok_or_else(|| unknown(T::WHAT, value))
}

/// A space-separated list of stored values (a membership's scopes), each known.
pub fn list_from_stored<T: Stored>(column: &str) -> ApiResult<Vec<T>> {
    column.split_whitespace().map(from_stored).collect()
}

/// A list written as [`list_from_stored`] reads it.
pub fn list_to_stored<T: Stored>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.stored())
        .collect::<Vec<_>>()
        .join(" ")
}

fn unknown(what: &str, value: &str) -> ApiError {
    tracing::error!(what, value, "an unknown value is stored");
    ApiError::Internal(anyhow::anyhow!("unknown stored {what} {value:?}"))
}

macro_rules! stored_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl Stored for $ty {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            fn stored(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),+
                }
            }
        }
    };
}

stored_enum!(UserKind, "user kind", { Staff => "staff", Customer => "customer" });
stored_enum!(UserStatus, "user status", {
    Invited => "invited", Active => "active", Disabled => "disabled",
});
stored_enum!(StaffRole, "staff role", { Owner => "owner", Admin => "admin", Agent => "agent" });
stored_enum!(OrganizationAccess, "organisation access", { All => "all", Assigned => "assigned" });
stored_enum!(Scope, "scope", {
    Billing => "billing", Documents => "documents", Tickets => "tickets",
    Messages => "messages", Sign => "sign", Admin => "admin",
});
stored_enum!(OrganizationStatus, "organisation status", {
    Active => "active", Archived => "archived",
});
stored_enum!(Visibility, "document visibility", {
    Organization => "organization", Staff => "staff", Scope => "scope",
});
stored_enum!(AccessKind, "access kind", { View => "view", Download => "download" });
stored_enum!(RequestStatus, "request status", {
    Open => "open", Submitted => "submitted", ChangesRequested => "changes_requested",
    Completed => "completed", Cancelled => "cancelled",
});
stored_enum!(ItemKind, "request item kind", {
    Upload => "upload", Approve => "approve", Sign => "sign", Question => "question",
});
stored_enum!(ItemStatus, "request item status", {
    Pending => "pending", Submitted => "submitted", Accepted => "accepted",
    ChangesRequested => "changes_requested",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored names are the wire names, so a row and the API say the same thing.
    fn same_as_wire<T: Stored + serde::Serialize>() {
        for v in T::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.stored(), "{}", T::WHAT);
            assert!(from_stored::<T>(v.stored()).unwrap() == *v);
        }
    }

    #[test]
    fn every_stored_enum_reads_back_and_matches_the_wire() {
        same_as_wire::<UserKind>();
        same_as_wire::<UserStatus>();
        same_as_wire::<StaffRole>();
        same_as_wire::<OrganizationAccess>();
        same_as_wire::<Scope>();
        same_as_wire::<OrganizationStatus>();
        same_as_wire::<Visibility>();
        same_as_wire::<AccessKind>();
        same_as_wire::<RequestStatus>();
        same_as_wire::<ItemKind>();
        same_as_wire::<ItemStatus>();
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_not_a_default() {
        assert!(from_stored::<Visibility>("everyone").is_err());
        assert!(from_stored::<RequestStatus>("").is_err());
        assert!(list_from_stored::<Scope>("documents superpowers").is_err());
        assert_eq!(
            list_from_stored::<Scope>("documents sign").unwrap(),
            vec![Scope::Documents, Scope::Sign]
        );
        assert_eq!(
            list_to_stored(&[Scope::Documents, Scope::Sign]),
            "documents sign"
        );
    }
}
