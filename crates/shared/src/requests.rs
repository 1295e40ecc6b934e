//! Requests: everything a firm asks of a client — documents to upload, documents to approve or
//! sign, questions to answer — with a due date, assigned contacts, a status and staff review.

use crate::tenancy::Scope;
use crate::{DocumentId, OrganizationId, RequestId, RequestItemId, TemplateId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the client.
    Open,
    /// Every item answered: waiting for staff review.
    Submitted,
    /// Staff asked for changes to at least one item.
    ChangesRequested,
    /// Every item accepted.
    Completed,
    Cancelled,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Submitted => "submitted",
            RequestStatus::ChangesRequested => "changes_requested",
            RequestStatus::Completed => "completed",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::Submitted,
        RequestStatus::ChangesRequested,
        RequestStatus::Completed,
        RequestStatus::Cancelled,
    ];
}

/// What an item asks for. (Payment items come with billing.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A named document to provide.
    Upload,
    /// Approve or reject a document, with a comment.
    Approve,
    /// Sign a document electronically.
    Sign,
    /// Answer a short questionnaire.
    Question,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Upload => "upload",
            ItemKind::Approve => "approve",
            ItemKind::Sign => "sign",
            ItemKind::Question => "question",
        }
    }

    /// The scope a contact needs to fulfil an item of this kind.
    pub fn scope(self) -> Scope {
        match self {
            ItemKind::Sign | ItemKind::Approve => Scope::Sign,
            ItemKind::Upload | ItemKind::Question => Scope::Documents,
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Pending,
    Submitted,
    Accepted,
    ChangesRequested,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Submitted => "submitted",
            ItemStatus::Accepted => "accepted",
            ItemStatus::ChangesRequested => "changes_requested",
        }
    }

    pub const ALL: [ItemStatus; 4] = [
        ItemStatus::Pending,
        ItemStatus::Submitted,
        ItemStatus::Accepted,
        ItemStatus::ChangesRequested,
    ];
}

/// The kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    /// One of `choices`.
    Choice,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// `yes` or `no`.
    YesNo,
}

/// One question of a questionnaire item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The answer's key, e.g. `dependants` (letters, digits, `_`, `-`).
    pub key: String,
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

/// An item of a new request or template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub kind: ItemKind,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For `upload`: the types accepted (e.g. `application/pdf`); none means any allowed type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_types: Vec<String>,
    /// For `approve` and `sign`: the document, of the request's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    /// For `question`: 1 to 20 questions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    /// For `sign`: what the signer agrees to; a standard text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
}

/// A new request to an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// Contacts of the organisation who should act; none means every active contact of it who
    /// holds a scope the items need (`documents` for uploads and questions, `sign` for
    /// signatures and approvals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignee_ids: Vec<UserId>,
    /// 1 to 50 items.
    pub items: Vec<NewItem>,
}

/// A person, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRef {
    pub id: UserId,
    pub name: String,
}

/// The evidence of an electronic signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureRecord {
    pub signer: PersonRef,
    pub signer_email: String,
    /// The name the signer typed.
    pub typed_name: String,
    pub consent_text: String,
    pub signed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub document_id: DocumentId,
    pub document_name: String,
    pub version: i32,
    /// SHA-256 of the exact version signed.
    pub sha256: String,
}

/// What the client gave for an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemResponse {
    Upload {
        document_ids: Vec<DocumentId>,
    },
    Approve {
        approved: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    Sign {
        signature: Box<SignatureRecord>,
    },
    Question {
        answers: Answers,
    },
}

/// One item of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestItem {
    pub id: RequestItemId,
    pub kind: ItemKind,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: ItemStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    /// For approve and sign items: the version of the document chosen when the request was
    /// sent — the one approved or signed — and its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ItemResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<PersonRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Staff's comment when they asked for changes (or accepted with one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// How far a request (or an organisation's requests) has come: accepted items of all.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    /// Items accepted by staff.
    pub done: u32,
    /// Items answered, waiting for review.
    pub submitted: u32,
    pub total: u32,
}

/// A request with its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Request {
    pub id: RequestId,
    pub organization_id: OrganizationId,
    pub organization_name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// Past its due date while still waiting for the client.
    pub overdue: bool,
    pub status: RequestStatus,
    pub assignees: Vec<PersonRef>,
    pub items: Vec<RequestItem>,
    pub progress: Progress,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A request as a list shows it: read from the same list endpoints as [`Request`], keeping only
/// what a card needs (the items are skipped while reading, never held). The SPA's landing page
/// reads these, so its first load carries no item types.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RequestSummary {
    pub id: RequestId,
    pub organization_name: String,
    pub title: String,
    #[serde(default, deserialize_with = "crate::time::calendar_date")]
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub status: RequestStatus,
    pub progress: Progress,
}

/// Which requests a list returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RequestFilter {
    /// Only requests with this status (`submitted` is staff's review queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    /// Only this organisation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// Only requests past their due date and still waiting for the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
}

/// Approve or reject the item's document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveItem {
    pub approved: bool,
    /// Needed when rejecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Sign the item's document: type your name and accept the consent text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignItem {
    pub typed_name: String,
    /// Must be `true`: the signer accepts the item's consent text.
    pub consent: bool,
}

/// Answers to a questionnaire: text by question key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, String>);

/// Answers to the item's questions, by key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerItem {
    pub answers: Answers,
}

/// Staff's decision on a submitted item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Accept,
    RequestChanges,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    pub decision: ReviewDecision,
    /// Needed when asking for changes: what to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An organisation's requests at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationProgress {
    /// Requests waiting for the client or for review.
    pub open_requests: u32,
    pub completed_requests: u32,
    pub overdue_requests: u32,
    /// Items of the requests not cancelled.
    pub items: Progress,
}

/// A reusable request, e.g. "Tax season checklist".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestTemplate {
    pub id: TemplateId,
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Days from sending to the due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_days: Option<u32>,
    pub items: Vec<NewItem>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_days: Option<u32>,
    /// 1 to 50 items; `approve` and `sign` items cannot be in a template (their document
    /// belongs to one organisation).
    pub items: Vec<NewItem>,
}

/// Send a template to organisations: each gets its own request, assigned to its active
/// contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendTemplate {
    /// 1 to 500 organisations.
    pub organization_ids: Vec<OrganizationId>,
    /// Overrides the template's `due_in_days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
}
