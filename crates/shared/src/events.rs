//! Domain events: what happened in a tenant's portal that a customer, a staff member or an
//! integrator would want to hear about. Each is written in the same transaction as the change
//! it reports (the server's outbox), so a change that rolls back reports nothing, and is
//! handed to subscribers at least once, in order per tenant. Subscribers deduplicate by `id`.
//!
//! Every event has a `type` (`organization.created`, …), a `version` (of its `data`: a new
//! field is added within a version; a field removed or changed in meaning is a new version)
//! and `data` of the type the variant names.

use crate::documents::Visibility;
use crate::requests::{ItemKind, ItemStatus, RequestStatus};
use crate::tenancy::{Scope, UserKind};
use crate::{DocumentId, EventId, OrganizationId, RequestId, RequestItemId, TenantId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An event as it is delivered: its envelope and its typed data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub tenant_id: TenantId,
    /// The version of `data`'s shape.
    pub version: u32,
    pub occurred_at: DateTime<Utc>,
    #[serde(flatten)]
    pub data: EventData,
}

/// What happened, by type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EventData {
    #[serde(rename = "organization.created")]
    OrganizationCreated(OrganizationEvent),
    #[serde(rename = "organization.updated")]
    OrganizationUpdated(OrganizationEvent),
    #[serde(rename = "organization.archived")]
    OrganizationArchived(OrganizationEvent),
    #[serde(rename = "organization.restored")]
    OrganizationRestored(OrganizationEvent),
    #[serde(rename = "person.invited")]
    PersonInvited(PersonEvent),
    #[serde(rename = "person.joined")]
    PersonJoined(PersonEvent),
    #[serde(rename = "person.disabled")]
    PersonDisabled(PersonEvent),
    #[serde(rename = "person.enabled")]
    PersonEnabled(PersonEvent),
    #[serde(rename = "membership.added")]
    MembershipAdded(MembershipEvent),
    #[serde(rename = "membership.removed")]
    MembershipRemoved(MembershipEvent),
    #[serde(rename = "document.uploaded")]
    DocumentUploaded(DocumentEvent),
    #[serde(rename = "document.version_added")]
    DocumentVersionAdded(DocumentEvent),
    #[serde(rename = "document.updated")]
    DocumentUpdated(DocumentEvent),
    #[serde(rename = "document.deleted")]
    DocumentDeleted(DocumentEvent),
    #[serde(rename = "document.restored")]
    DocumentRestored(DocumentEvent),
    #[serde(rename = "request.created")]
    RequestCreated(RequestEvent),
    #[serde(rename = "request.item_answered")]
    RequestItemAnswered(RequestItemEvent),
    #[serde(rename = "request.submitted")]
    RequestSubmitted(RequestEvent),
    #[serde(rename = "request.item_reviewed")]
    RequestItemReviewed(RequestItemEvent),
    #[serde(rename = "request.completed")]
    RequestCompleted(RequestEvent),
    #[serde(rename = "request.cancelled")]
    RequestCancelled(RequestEvent),
}

/// One event type: its name, the type of its `data`, and when it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    pub name: &'static str,
    pub data: &'static str,
    pub description: &'static str,
}

/// Every event type, in the order of [`EventData`].
pub const EVENT_TYPES: &[EventType] = &[
    EventType {
        name: "organization.created",
        data: "OrganizationEvent",
        description: "A customer organisation was created.",
    },
    EventType {
        name: "organization.updated",
        data: "OrganizationEvent",
        description: "An organisation's name, reference or custom fields changed.",
    },
    EventType {
        name: "organization.archived",
        data: "OrganizationEvent",
        description: "An organisation was archived.",
    },
    EventType {
        name: "organization.restored",
        data: "OrganizationEvent",
        description: "An archived organisation was restored.",
    },
    EventType {
        name: "person.invited",
        data: "PersonEvent",
        description: "Someone was invited to the portal.",
    },
    EventType {
        name: "person.joined",
        data: "PersonEvent",
        description: "An invited person accepted and set a password.",
    },
    EventType {
        name: "person.disabled",
        data: "PersonEvent",
        description: "A person was disabled: their sessions ended.",
    },
    EventType {
        name: "person.enabled",
        data: "PersonEvent",
        description: "A disabled person was enabled again.",
    },
    EventType {
        name: "membership.added",
        data: "MembershipEvent",
        description: "A contact became a member of an organisation.",
    },
    EventType {
        name: "membership.removed",
        data: "MembershipEvent",
        description: "A contact was removed from an organisation.",
    },
    EventType {
        name: "document.uploaded",
        data: "DocumentEvent",
        description: "A new document was filed (uploaded, published or answered to a request).",
    },
    EventType {
        name: "document.version_added",
        data: "DocumentEvent",
        description: "A new version of a document was uploaded.",
    },
    EventType {
        name: "document.updated",
        data: "DocumentEvent",
        description: "A document was renamed, moved or its visibility changed.",
    },
    EventType {
        name: "document.deleted",
        data: "DocumentEvent",
        description: "A document was moved to the bin.",
    },
    EventType {
        name: "document.restored",
        data: "DocumentEvent",
        description: "A document was restored from the bin.",
    },
    EventType {
        name: "request.created",
        data: "RequestEvent",
        description: "A request was sent to an organisation.",
    },
    EventType {
        name: "request.item_answered",
        data: "RequestItemEvent",
        description: "A contact answered an item of a request.",
    },
    EventType {
        name: "request.submitted",
        data: "RequestEvent",
        description: "Every item of a request is answered: it waits for review.",
    },
    EventType {
        name: "request.item_reviewed",
        data: "RequestItemEvent",
        description: "Staff accepted an item or asked for changes.",
    },
    EventType {
        name: "request.completed",
        data: "RequestEvent",
        description: "Every item of a request was accepted.",
    },
    EventType {
        name: "request.cancelled",
        data: "RequestEvent",
        description: "Staff cancelled a request.",
    },
];

impl EventData {
    /// The current version of every type's data.
    pub const VERSION: u32 = 1;

    /// The event's `type`.
    pub fn kind(&self) -> &'static str {
        use EventData::*;
        match self {
            OrganizationCreated(_) => "organization.created",
            OrganizationUpdated(_) => "organization.updated",
            OrganizationArchived(_) => "organization.archived",
            OrganizationRestored(_) => "organization.restored",
            PersonInvited(_) => "person.invited",
            PersonJoined(_) => "person.joined",
            PersonDisabled(_) => "person.disabled",
            PersonEnabled(_) => "person.enabled",
            MembershipAdded(_) => "membership.added",
            MembershipRemoved(_) => "membership.removed",
            DocumentUploaded(_) => "document.uploaded",
            DocumentVersionAdded(_) => "document.version_added",
            DocumentUpdated(_) => "document.updated",
            DocumentDeleted(_) => "document.deleted",
            DocumentRestored(_) => "document.restored",
            RequestCreated(_) => "request.created",
            RequestItemAnswered(_) => "request.item_answered",
            RequestSubmitted(_) => "request.submitted",
            RequestItemReviewed(_) => "request.item_reviewed",
            RequestCompleted(_) => "request.completed",
            RequestCancelled(_) => "request.cancelled",
        }
    }

    /// The organisation the event is about, when it is about one.
    pub fn organization(&self) -> Option<OrganizationId> {
        use EventData::*;
        match self {
            OrganizationCreated(e)
            | OrganizationUpdated(e)
            | OrganizationArchived(e)
            | OrganizationRestored(e) => Some(e.organization_id),
            PersonInvited(_) | PersonJoined(_) | PersonDisabled(_) | PersonEnabled(_) => None,
            MembershipAdded(e) | MembershipRemoved(e) => Some(e.organization_id),
            DocumentUploaded(e)
            | DocumentVersionAdded(e)
            | DocumentUpdated(e)
            | DocumentDeleted(e)
            | DocumentRestored(e) => Some(e.organization_id),
            RequestCreated(e) | RequestSubmitted(e) | RequestCompleted(e) | RequestCancelled(e) => {
                Some(e.organization_id)
            }
            RequestItemAnswered(e) | RequestItemReviewed(e) => Some(e.organization_id),
        }
    }
}

/// An event as the events list shows it: `data` is the type's data (see the `webhooks` of
/// the OpenAPI document for each type's shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRecord {
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u32,
    pub occurred_at: DateTime<Utc>,
    /// The organisation the event is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventFilter {
    /// Only these types, comma-separated (`document.uploaded,document.version_added`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<String>,
    /// Only events about this organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
}

/// `organization.*`: the organisation as it is after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationEvent {
    pub organization_id: OrganizationId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// `person.*`: who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonEvent {
    pub user_id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    /// For `person.invited`: the organisations the invitation grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_ids: Vec<OrganizationId>,
}

/// `membership.*`: who, where, with which scopes (none once removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipEvent {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

/// `document.*`: the document as it is after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentEvent {
    pub document_id: DocumentId,
    pub organization_id: OrganizationId,
    pub name: String,
    /// The current version's number.
    pub version: i32,
    pub visibility: Visibility,
    /// Who made the change, when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<UserId>,
    /// Their name, as it was then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    /// Whether they were staff (a contact's upload is news to staff; their own is not).
    #[serde(default)]
    pub by_staff: bool,
}

/// `request.*` about a whole request: the request as it is after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestEvent {
    pub request_id: RequestId,
    pub organization_id: OrganizationId,
    pub title: String,
    pub status: RequestStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// The contacts assigned (none: everyone with the scope the items need).
    #[serde(default)]
    pub assignee_ids: Vec<UserId>,
}

/// `request.item_*`: one item of a request, after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestItemEvent {
    pub request_id: RequestId,
    pub organization_id: OrganizationId,
    pub item_id: RequestItemId,
    pub kind: ItemKind,
    pub title: String,
    pub status: ItemStatus,
    /// The request's status after the change.
    pub request_status: RequestStatus,
    /// The reviewer's comment, when changes were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_once_in_order() {
        let sample = OrganizationEvent {
            organization_id: OrganizationId(uuid::Uuid::nil()),
            name: "N".into(),
            external_ref: None,
        };
        let data = EventData::OrganizationCreated(sample);
        let json = serde_json::to_value(&data).unwrap();
        assert_eq!(json["type"], "organization.created");
        assert_eq!(json["data"]["name"], "N");
        assert_eq!(EVENT_TYPES[0].name, data.kind());
        assert_eq!(EVENT_TYPES[0].data, "OrganizationEvent");
        let mut names: Vec<_> = EVENT_TYPES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 21);
    }
}
