//! Documents: an organisation's folders and files, each file with its versions, who may see
//! it, and the log of who viewed or downloaded it.

use crate::tenancy::Scope;
use crate::{DocumentId, FolderId, OrganizationId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Who may see a document besides staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every contact of the organisation with the `documents` scope.
    Organization,
    /// Staff only.
    Staff,
    /// Contacts with the `documents` scope and the document's `scope` (e.g. `sign`).
    Scope,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Organization => "organization",
            Visibility::Staff => "staff",
            Visibility::Scope => "scope",
        }
    }
}

/// One step of a folder's path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FolderCrumb {
    pub id: FolderId,
    pub name: String,
}

/// A folder of an organisation's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Folder {
    pub id: FolderId,
    pub organization_id: OrganizationId,
    /// The folder it is in; none at the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<FolderId>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The folders above it, top first (filled when one folder is read, for breadcrumbs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<FolderCrumb>,
}

/// A new folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFolder {
    pub name: String,
    /// The folder to create it in; none for the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<FolderId>,
}

/// Rename or move a folder: only the fields present change; `"parent_id": null` moves it to
/// the top level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateFolder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FolderId>))]
    pub parent_id: Option<Option<FolderId>>,
}

/// Which folders a list returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct FolderFilter {
    /// The folder whose subfolders to list. Default: the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<FolderId>,
}

/// A document: a named file in an organisation, with the metadata of its current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    pub organization_id: OrganizationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<FolderId>,
    pub name: String,
    pub visibility: Visibility,
    /// The scope a contact needs when `visibility` is `scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The current version (1 for the first upload).
    pub version: i32,
    pub size: i64,
    /// Determined from the file's first bytes, not from what the uploader said.
    pub content_type: String,
    /// SHA-256 of the current version, hex.
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<UserId>,
    pub uploaded_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while the document is in the bin; it can be restored until `purge_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_at: Option<DateTime<Utc>>,
}

/// One version of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentVersion {
    pub version: i32,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<UserId>,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Where an upload goes. The request body is the file itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UploadParams {
    /// The file's name, e.g. `Tax return 2025.pdf` (at most 255 characters, no `/`).
    pub name: String,
    /// The folder to put it in. Default: the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<FolderId>,
    /// Who may see it. Default: the organisation. Contacts' uploads are always `organization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// The scope a contact needs when `visibility` is `scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// Rename, move or change who sees a document: only the fields present change;
/// `"folder_id": null` moves it to the top level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FolderId>))]
    pub folder_id: Option<Option<FolderId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Needed with `"visibility": "scope"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// Which documents a list returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DocumentFilter {
    /// The folder to list. Default: the top level. Ignored when `q` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<FolderId>,
    /// Words to find in names, in every folder (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// The bin instead: deleted documents that can still be restored (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// Which version to send, and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ContentParams {
    /// The version. Default: the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub version: Option<i32>,
    /// `true`: as an attachment (a download); otherwise shown in the browser where it can be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<bool>,
}

/// A short-lived link to a document's content, for the browser (an `<img>`, a preview frame
/// or a download) where no bearer token can be sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFileLink {
    /// The version. Default: the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// `true`: as an attachment (a download).
    #[serde(default)]
    pub download: bool,
}

/// A link that serves the content for one minute, to the person who made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileLink {
    /// Relative to the server, e.g. `/api/v1/files?token=…`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Publish one document to several organisations: each gets its own copy (sharing the bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublishDocument {
    /// At most 500 organisations.
    pub organization_ids: Vec<OrganizationId>,
}

/// What happened to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// Opened in the browser.
    View,
    Download,
}

/// One entry of a document's access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub kind: AccessKind,
    pub version: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Who: their name when it was recorded.
    pub name: String,
    /// Whether it was the tenant's staff.
    pub staff: bool,
    pub at: DateTime<Utc>,
    /// From where (the client address). Shown to staff; contacts see it for their own
    /// organisation's people only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// How much of its storage a tenant uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StorageUsage {
    /// Bytes of every stored version, including documents in the bin.
    pub used_bytes: i64,
    pub quota_bytes: i64,
    /// The largest single upload accepted.
    pub max_upload_bytes: i64,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_parent_differs_from_a_null_one() {
        let absent: UpdateFolder = serde_json::from_str(r#"{"name":"A"}"#).unwrap();
        let null: UpdateFolder = serde_json::from_str(r#"{"parent_id":null}"#).unwrap();
        assert_eq!(absent.parent_id, None);
        assert_eq!(null.parent_id, Some(None));
        assert!(serde_json::from_str::<UpdateFolder>(r#"{"tenant_id":"x"}"#).is_err());
    }
}
