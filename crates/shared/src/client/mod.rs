//! The typed Portico client: one implementation of every API call, used by the SPA (wasm32,
//! over the browser's fetch) and by native code and tests (over hyper). Problem responses decode
//! into [`ClientError::Api`], which callers branch on by [`ProblemType`].

use crate::auth::{
    ChangePassword, HandoffSecret, JwkSet, LoginRequest, RefreshInclude, RefreshParams,
    SessionInfo, TokenResponse,
};
use crate::documents::{
    AccessEntry, ContentParams, CreateFileLink, CreateFolder, Document, DocumentFilter,
    DocumentVersion, FileLink, Folder, FolderFilter, PublishDocument, StorageUsage, UpdateDocument,
    UpdateFolder, UploadParams,
};
use crate::events::{EventFilter, EventRecord};
use crate::organizations::{
    CreateOrganization, Organization, OrganizationFilter, UpdateOrganization,
};
use crate::people::{
    ChangeEmail, ChangeOrganizationAccess, ChangeRole, ChangeScopes, ImportReport,
    InvitationDetails, InviteMember, InvitePerson, JoinedOrganization, LinkToken, Member,
    PeopleFilter, Person, RequestLink, SetPasswordWithLink, UpdateProfile,
};
use crate::requests::{
    AnswerItem, ApproveItem, CreateRequest, CreateTemplate, OrganizationProgress, Request,
    RequestFilter, RequestSummary, RequestTemplate, ReviewItem, SendTemplate, SignItem,
};
use crate::system::Health;
use crate::tenancy::{
    Branding, Me, OrganizationAccess, Scope, StaffRole, TenantSettings, UpdateTenant, User,
    ViewAsStarted,
};
use crate::{
    DocumentId, FolderId, OrganizationId, Page, Problem, ProblemType, RequestId, RequestItemId,
    SessionId, TemplateId, UserId,
};
use serde::de::DeserializeOwned;
use std::sync::RwLock;

#[cfg(target_arch = "wasm32")]
mod browser;
mod call;
#[cfg(not(target_arch = "wasm32"))]
mod native;

#[cfg(target_arch = "wasm32")]
use browser::Transport;
pub use call::Body;
use call::{Answer, Call, Outgoing, Verb};
#[cfg(not(target_arch = "wasm32"))]
use native::Transport;
#[cfg(not(target_arch = "wasm32"))]
pub use native::decode;

/// What can go wrong with a call.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The server answered with a problem (RFC 9457).
    Api { status: u16, problem: Problem },
    /// The request never got an answer (connection refused, timeout …).
    Transport(String),
    /// The server answered something this client could not read.
    Decode { status: u16, message: String },
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } | ClientError::Decode { status, .. } => Some(*status),
            ClientError::Transport(_) => None,
        }
    }

    /// The problem the server sent, if any.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The kind of problem, for branching.
    pub fn kind(&self) -> Option<ProblemType> {
        self.problem().and_then(Problem::kind)
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Api { status, problem } => write!(
                f,
                "{status} {}: {}",
                problem.title,
                problem.detail.as_deref().unwrap_or("")
            ),
            ClientError::Transport(e) => write!(f, "no answer from the server: {e}"),
            ClientError::Decode { status, message } => {
                write!(f, "unreadable answer ({status}): {message}")
            }
        }
    }
}

impl std::error::Error for ClientError {}

pub type ClientResult<T> = Result<T, ClientError>;

/// A client for one Portico server. Holds the access token in memory; natively it also keeps
/// the refresh cookie (in the browser, the browser keeps it and scripts never see it).
pub struct Client {
    transport: Transport,
    base_url: String,
    access_token: RwLock<Option<String>>,
    refresh_cookie: RwLock<Option<String>>,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`; the page's origin
    /// in the browser).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::over(Transport::new(), base_url)
    }

    fn over(transport: Transport, base_url: impl Into<String>) -> Self {
        Self {
            transport,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            access_token: RwLock::new(None),
            refresh_cookie: RwLock::new(None),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn access_token(&self) -> Option<String> {
        self.access_token.read().ok()?.clone()
    }

    /// Uses `token` as the bearer token from now on (or none).
    pub fn set_access_token(&self, token: Option<String>) {
        if let Ok(mut t) = self.access_token.write() {
            *t = token;
        }
    }

    /// The refresh token this client holds (native only; the browser hides it from scripts).
    pub fn refresh_cookie(&self) -> Option<String> {
        self.refresh_cookie.read().ok()?.clone()
    }

    pub fn set_refresh_cookie(&self, value: Option<String>) {
        if let Ok(mut c) = self.refresh_cookie.write() {
            *c = value;
        }
    }

    /// Carries `call` and keeps what the answer says about the refresh cookie.
    async fn execute(&self, call: Call) -> ClientResult<Answer> {
        let url = format!("{}{}", self.base_url, call.path_and_query());
        let body = call.body.map_err(ClientError::Transport)?;
        let bearer = (!call.anonymous).then(|| self.access_token()).flatten();
        let cookie = call.refresh_cookie.then(|| self.refresh_cookie()).flatten();
        let answer = self
            .transport
            .carry(Outgoing {
                method: call.verb.as_str(),
                url,
                bearer,
                refresh_cookie: cookie,
                content_type: call.content_type,
                body,
            })
            .await?;
        if let Some(cookie) = &answer.refresh_cookie {
            self.set_refresh_cookie(cookie.clone());
        }
        Ok(answer)
    }

    /// A response's body as bytes (a file, a page) on success, a problem otherwise.
    async fn body(&self, call: Call) -> ClientResult<Vec<u8>> {
        let answer = self.execute(call).await?;
        if answer.is_success() {
            Ok(answer.body)
        } else {
            Err(problem_error(answer.status, &answer.body))
        }
    }

    async fn send<T: DeserializeOwned>(&self, call: Call) -> ClientResult<T> {
        let answer = self.execute(call).await?;
        decode_answer(answer.status, &answer.body)
    }

    /// Sends a request whose success has no body (204).
    async fn send_empty(&self, call: Call) -> ClientResult<()> {
        let answer = self.execute(call).await?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(problem_error(answer.status, &answer.body))
        }
    }

    /// Signs in; keeps the access token (and natively the refresh cookie) for later calls.
    pub async fn login(&self, body: &LoginRequest) -> ClientResult<TokenResponse> {
        self.sign_in_with("/api/v1/auth/login", body).await
    }

    /// Posts `body` to a public auth endpoint that signs in (magic link, reset, invitation)
    /// and keeps the tokens, as [`Client::login`] does.
    async fn sign_in_with(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> ClientResult<TokenResponse> {
        let call = Call::new(Verb::Post, path).anonymous().json(body);
        let tokens: TokenResponse = self.send(call).await?;
        self.set_access_token(Some(tokens.access_token.clone()));
        Ok(tokens)
    }

    /// Asks for a sign-in link by email. Succeeds whether or not the address has an account.
    pub async fn request_magic_link(&self, body: &RequestLink) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Post, "/api/v1/auth/magic-link").json(body))
            .await
    }

    /// Signs in with the secret from a sign-in link.
    pub async fn redeem_magic_link(&self, token: &str) -> ClientResult<TokenResponse> {
        let body = LinkToken {
            token: token.into(),
        };
        self.sign_in_with("/api/v1/auth/magic-link/redeem", &body)
            .await
    }

    /// Asks for a password-reset link by email. Succeeds whether or not the address has an
    /// account.
    pub async fn request_password_reset(&self, body: &RequestLink) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Post, "/api/v1/auth/password-reset").json(body))
            .await
    }

    /// Sets a new password with a reset link's secret, and signs in.
    pub async fn complete_password_reset(
        &self,
        body: &SetPasswordWithLink,
    ) -> ClientResult<TokenResponse> {
        self.sign_in_with("/api/v1/auth/password-reset/complete", body)
            .await
    }

    /// What an invitation link is for.
    pub async fn lookup_invitation(&self, token: &str) -> ClientResult<InvitationDetails> {
        let body = LinkToken {
            token: token.into(),
        };
        self.send(Call::new(Verb::Post, "/api/v1/auth/invitation/lookup").json(&body))
            .await
    }

    /// Accepts an invitation with a password, and signs in.
    pub async fn accept_invitation(
        &self,
        body: &SetPasswordWithLink,
    ) -> ClientResult<TokenResponse> {
        self.sign_in_with("/api/v1/auth/invitation/accept", body)
            .await
    }

    /// Joins the organisation an emailed offer names.
    pub async fn accept_membership_offer(&self, token: &str) -> ClientResult<JoinedOrganization> {
        let body = LinkToken {
            token: token.into(),
        };
        self.send(Call::new(Verb::Post, "/api/v1/auth/membership-offer/accept").json(&body))
            .await
    }

    /// Confirms a new email address with the secret sent to it.
    pub async fn confirm_email_change(&self, token: &str) -> ClientResult<()> {
        let body = LinkToken {
            token: token.into(),
        };
        self.send_empty(Call::new(Verb::Post, "/api/v1/auth/email-change/confirm").json(&body))
            .await
    }

    /// Trades the refresh cookie for a new access token and a rotated cookie.
    pub async fn refresh(&self) -> ClientResult<TokenResponse> {
        self.refresh_with(&RefreshParams::default()).await
    }

    /// As [`Client::refresh`], with who is signed in (`me`) in the same answer.
    pub async fn refresh_including_me(&self) -> ClientResult<TokenResponse> {
        let params = RefreshParams {
            include: Some(RefreshInclude::Me),
        };
        self.refresh_with(&params).await
    }

    async fn refresh_with(&self, params: &RefreshParams) -> ClientResult<TokenResponse> {
        let call = Call::new(Verb::Post, "/api/v1/auth/refresh")
            .query(params)
            .anonymous()
            .with_refresh_cookie();
        let tokens: TokenResponse = self.send(call).await?;
        self.set_access_token(Some(tokens.access_token.clone()));
        Ok(tokens)
    }

    /// Ends this session, here and on the server.
    pub async fn logout(&self) -> ClientResult<()> {
        let call = Call::new(Verb::Post, "/api/v1/auth/logout").with_refresh_cookie();
        let ended = self.send_empty(call).await;
        self.set_access_token(None);
        ended
    }

    /// Who is signed in, in which tenant, with which role or memberships.
    pub async fn me(&self) -> ClientResult<Me> {
        self.send(Call::new(Verb::Get, "/api/v1/me")).await
    }

    /// The signed-in user's open sessions.
    pub async fn my_sessions(&self) -> ClientResult<Vec<SessionInfo>> {
        self.send(Call::new(Verb::Get, "/api/v1/me/sessions")).await
    }

    /// Changes the signed-in user's password; their other sessions end.
    pub async fn change_password(&self, body: &ChangePassword) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Post, "/api/v1/me/password").json(body))
            .await
    }

    /// Ends one of the signed-in user's sessions.
    pub async fn end_session(&self, id: SessionId) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Delete, format!("/api/v1/me/sessions/{id}")))
            .await
    }

    /// Changes the signed-in user's name, phone, language or time zone.
    pub async fn update_profile(&self, body: &UpdateProfile) -> ClientResult<User> {
        self.send(Call::new(Verb::Patch, "/api/v1/me").json(body))
            .await
    }

    /// Starts an email change: a confirmation link goes to the new address.
    pub async fn change_email(&self, body: &ChangeEmail) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Post, "/api/v1/me/email").json(body))
            .await
    }

    /// The tenant's settings (staff).
    pub async fn tenant_settings(&self) -> ClientResult<TenantSettings> {
        self.send(Call::new(Verb::Get, "/api/v1/tenant")).await
    }

    pub async fn update_tenant(&self, body: &UpdateTenant) -> ClientResult<TenantSettings> {
        self.send(Call::new(Verb::Patch, "/api/v1/tenant").json(body))
            .await
    }

    /// Uploads the tenant's logo: PNG, JPEG or WebP bytes, at most 512 KiB.
    /// Looks for the custom domain's DNS record now.
    pub async fn verify_custom_domain(&self) -> ClientResult<TenantSettings> {
        self.send(Call::new(Verb::Post, "/api/v1/tenant/custom-domain/verify"))
            .await
    }

    pub async fn upload_logo(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> ClientResult<TenantSettings> {
        self.send(Call::new(Verb::Put, "/api/v1/tenant/logo").bytes(bytes, content_type))
            .await
    }

    pub async fn delete_logo(&self) -> ClientResult<TenantSettings> {
        self.send(Call::new(Verb::Delete, "/api/v1/tenant/logo"))
            .await
    }

    /// Issues a new hand-off secret (owners); the old one stops working.
    pub async fn issue_handoff_secret(&self) -> ClientResult<HandoffSecret> {
        self.send(Call::new(Verb::Post, "/api/v1/tenant/handoff-secret"))
            .await
    }

    /// Turns hand-off sign-in off (owners).
    pub async fn delete_handoff_secret(&self) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Delete, "/api/v1/tenant/handoff-secret"))
            .await
    }

    /// Opens a read-only view of the portal as a customer contact (staff).
    pub async fn view_as(&self, user: UserId) -> ClientResult<ViewAsStarted> {
        self.send(Call::new(
            Verb::Post,
            format!("/api/v1/users/{user}/view-as"),
        ))
        .await
    }

    /// Ends the view-as session whose token this client holds.
    pub async fn end_view_as(&self) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Post, "/api/v1/auth/view-as/end"))
            .await
    }

    /// Imports organisations and contacts from CSV (admins); `dry_run` only checks the file.
    pub async fn import_people(&self, csv: Vec<u8>, dry_run: bool) -> ClientResult<ImportReport> {
        self.send(
            Call::new(Verb::Post, "/api/v1/imports/people")
                .query(&[("dry_run", dry_run)])
                .bytes(csv, "text/csv"),
        )
        .await
    }

    /// The staff assigned to an organisation.
    pub async fn list_assigned_staff(&self, org: OrganizationId) -> ClientResult<Page<User>> {
        self.send(
            Call::new(Verb::Get, format!("/api/v1/organizations/{org}/staff"))
                .query(&page_query(Some(100), None)),
        )
        .await
    }

    /// Assigns a staff member to an organisation (`true`) or ends the assignment (`false`).
    pub async fn set_staff_assignment(
        &self,
        org: OrganizationId,
        user: UserId,
        assigned: bool,
    ) -> ClientResult<()> {
        let method = if assigned { Verb::Put } else { Verb::Delete };
        self.send_empty(Call::new(
            method,
            format!("/api/v1/organizations/{org}/staff/{user}"),
        ))
        .await
    }

    /// Lets a staff member serve every organisation, or only those assigned to them.
    pub async fn set_organization_access(
        &self,
        user: UserId,
        organization_access: OrganizationAccess,
    ) -> ClientResult<Person> {
        let body = ChangeOrganizationAccess {
            organization_access,
        };
        self.send(
            Call::new(
                Verb::Put,
                format!("/api/v1/users/{user}/organization-access"),
            )
            .json(&body),
        )
        .await
    }

    /// People (staff only), a page at a time.
    pub async fn list_people(
        &self,
        filter: &PeopleFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ClientResult<Page<User>> {
        self.send(
            Call::new(Verb::Get, "/api/v1/users")
                .query(&page_query(limit, cursor))
                .query(filter),
        )
        .await
    }

    pub async fn get_person(&self, id: UserId) -> ClientResult<Person> {
        self.send(Call::new(Verb::Get, format!("/api/v1/users/{id}")))
            .await
    }

    /// Invites a staff member or a customer contact.
    pub async fn invite_person(&self, body: &InvitePerson) -> ClientResult<Person> {
        self.send(Call::new(Verb::Post, "/api/v1/users").json(body))
            .await
    }

    /// Sends an invited person a new invitation.
    pub async fn resend_invitation(&self, id: UserId) -> ClientResult<()> {
        self.send_empty(Call::new(
            Verb::Post,
            format!("/api/v1/users/{id}/invitation"),
        ))
        .await
    }

    pub async fn disable_person(&self, id: UserId) -> ClientResult<Person> {
        self.send(Call::new(Verb::Post, format!("/api/v1/users/{id}/disable")))
            .await
    }

    pub async fn enable_person(&self, id: UserId) -> ClientResult<Person> {
        self.send(Call::new(Verb::Post, format!("/api/v1/users/{id}/enable")))
            .await
    }

    pub async fn change_role(&self, id: UserId, staff_role: StaffRole) -> ClientResult<Person> {
        self.send(
            Call::new(Verb::Put, format!("/api/v1/users/{id}/role"))
                .json(&ChangeRole { staff_role }),
        )
        .await
    }

    /// An organisation's team, a page at a time.
    pub async fn list_members(
        &self,
        org: OrganizationId,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Member>> {
        self.send(
            Call::new(Verb::Get, format!("/api/v1/organizations/{org}/members"))
                .query(&page_query(limit, cursor)),
        )
        .await
    }

    pub async fn invite_member(
        &self,
        org: OrganizationId,
        body: &InviteMember,
    ) -> ClientResult<Member> {
        self.send(Call::new(Verb::Post, format!("/api/v1/organizations/{org}/members")).json(body))
            .await
    }

    pub async fn change_member_scopes(
        &self,
        org: OrganizationId,
        user: UserId,
        scopes: Vec<Scope>,
    ) -> ClientResult<Member> {
        self.send(
            Call::new(
                Verb::Put,
                format!("/api/v1/organizations/{org}/members/{user}"),
            )
            .json(&ChangeScopes { scopes }),
        )
        .await
    }

    pub async fn remove_member(&self, org: OrganizationId, user: UserId) -> ClientResult<()> {
        self.send_empty(Call::new(
            Verb::Delete,
            format!("/api/v1/organizations/{org}/members/{user}"),
        ))
        .await
    }

    /// Organisations the caller can see, a page at a time.
    pub async fn list_organizations(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Organization>> {
        self.search_organizations(&OrganizationFilter::default(), limit, cursor)
            .await
    }

    /// Organisations matching `filter` (words in the name or reference, a status).
    pub async fn search_organizations(
        &self,
        filter: &OrganizationFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Organization>> {
        self.send(
            Call::new(Verb::Get, "/api/v1/organizations")
                .query(&page_query(limit, cursor))
                .query(filter),
        )
        .await
    }

    pub async fn create_organization(
        &self,
        body: &CreateOrganization,
    ) -> ClientResult<Organization> {
        self.send(Call::new(Verb::Post, "/api/v1/organizations").json(body))
            .await
    }

    pub async fn update_organization(
        &self,
        id: OrganizationId,
        body: &UpdateOrganization,
    ) -> ClientResult<Organization> {
        self.send(Call::new(Verb::Patch, format!("/api/v1/organizations/{id}")).json(body))
            .await
    }

    pub async fn archive_organization(&self, id: OrganizationId) -> ClientResult<Organization> {
        self.send(Call::new(
            Verb::Post,
            format!("/api/v1/organizations/{id}/archive"),
        ))
        .await
    }

    pub async fn restore_organization(&self, id: OrganizationId) -> ClientResult<Organization> {
        self.send(Call::new(
            Verb::Post,
            format!("/api/v1/organizations/{id}/restore"),
        ))
        .await
    }

    pub async fn get_organization(&self, id: OrganizationId) -> ClientResult<Organization> {
        self.send(Call::new(Verb::Get, format!("/api/v1/organizations/{id}")))
            .await
    }

    /// The folders directly in `parent` (the top level when `None`) of an organisation.
    pub async fn list_folders(
        &self,
        org: OrganizationId,
        filter: &FolderFilter,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Folder>> {
        self.send(
            Call::new(Verb::Get, format!("/api/v1/organizations/{org}/folders"))
                .query(&page_query(Some(100), cursor))
                .query(filter),
        )
        .await
    }

    pub async fn create_folder(
        &self,
        org: OrganizationId,
        body: &CreateFolder,
    ) -> ClientResult<Folder> {
        self.send(Call::new(Verb::Post, format!("/api/v1/organizations/{org}/folders")).json(body))
            .await
    }

    /// One folder with the folders above it.
    pub async fn get_folder(&self, id: FolderId) -> ClientResult<Folder> {
        self.send(Call::new(Verb::Get, format!("/api/v1/folders/{id}")))
            .await
    }

    pub async fn update_folder(&self, id: FolderId, body: &UpdateFolder) -> ClientResult<Folder> {
        self.send(Call::new(Verb::Patch, format!("/api/v1/folders/{id}")).json(body))
            .await
    }

    pub async fn delete_folder(&self, id: FolderId) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Delete, format!("/api/v1/folders/{id}")))
            .await
    }

    /// Documents of an organisation: a folder, a search, or the bin.
    pub async fn list_documents(
        &self,
        org: OrganizationId,
        filter: &DocumentFilter,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Document>> {
        self.send(
            Call::new(Verb::Get, format!("/api/v1/organizations/{org}/documents"))
                .query(&page_query(Some(100), cursor))
                .query(filter),
        )
        .await
    }

    /// Where a new document of `org` is uploaded (the body is the file): for uploads the
    /// browser sends itself, to follow their progress.
    fn upload_path(org: OrganizationId, params: &UploadParams) -> String {
        let mut query = vec![("name", params.name.clone())];
        if let Some(folder) = params.folder_id {
            query.push(("folder_id", folder.to_string()));
        }
        if let Some(visibility) = params.visibility {
            query.push(("visibility", visibility.as_str().to_string()));
        }
        if let Some(scope) = params.scope {
            query.push(("scope", scope.as_str().to_string()));
        }
        let query: Vec<String> = query
            .into_iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(&v)))
            .collect();
        format!("/api/v1/organizations/{org}/documents?{}", query.join("&"))
    }

    /// Uploads a new document; the body is the file.
    pub async fn upload_document(
        &self,
        org: OrganizationId,
        params: &UploadParams,
        body: impl Into<Body>,
    ) -> ClientResult<Document> {
        self.send(
            Call::new(Verb::Post, Self::upload_path(org, params))
                .bytes(body, "application/octet-stream"),
        )
        .await
    }

    /// Uploads a new version of a document.
    pub async fn upload_version(
        &self,
        id: DocumentId,
        body: impl Into<Body>,
    ) -> ClientResult<Document> {
        self.send(
            Call::new(Verb::Post, format!("/api/v1/documents/{id}/versions"))
                .bytes(body, "application/octet-stream"),
        )
        .await
    }

    pub async fn get_document(&self, id: DocumentId) -> ClientResult<Document> {
        self.send(Call::new(Verb::Get, format!("/api/v1/documents/{id}")))
            .await
    }

    pub async fn list_versions(&self, id: DocumentId) -> ClientResult<Vec<DocumentVersion>> {
        self.send(Call::new(
            Verb::Get,
            format!("/api/v1/documents/{id}/versions"),
        ))
        .await
    }

    pub async fn update_document(
        &self,
        id: DocumentId,
        body: &UpdateDocument,
    ) -> ClientResult<Document> {
        self.send(Call::new(Verb::Patch, format!("/api/v1/documents/{id}")).json(body))
            .await
    }

    /// Puts a document in the bin.
    pub async fn delete_document(&self, id: DocumentId) -> ClientResult<()> {
        self.send_empty(Call::new(Verb::Delete, format!("/api/v1/documents/{id}")))
            .await
    }

    pub async fn restore_document(&self, id: DocumentId) -> ClientResult<Document> {
        self.send(Call::new(
            Verb::Post,
            format!("/api/v1/documents/{id}/restore"),
        ))
        .await
    }

    /// Copies a document to other organisations.
    pub async fn publish_document(
        &self,
        id: DocumentId,
        body: &PublishDocument,
    ) -> ClientResult<Vec<Document>> {
        self.send(Call::new(Verb::Post, format!("/api/v1/documents/{id}/publish")).json(body))
            .await
    }

    /// A document's bytes (whole).
    pub async fn document_content(
        &self,
        id: DocumentId,
        params: &ContentParams,
    ) -> ClientResult<Vec<u8>> {
        self.body(Call::new(Verb::Get, format!("/api/v1/documents/{id}/content")).query(params))
            .await
    }

    /// A five-minute link to a document's content, for the browser.
    pub async fn create_file_link(
        &self,
        id: DocumentId,
        body: &CreateFileLink,
    ) -> ClientResult<FileLink> {
        self.send(Call::new(Verb::Post, format!("/api/v1/documents/{id}/links")).json(body))
            .await
    }

    /// Who viewed or downloaded a document, newest first.
    pub async fn access_log(
        &self,
        id: DocumentId,
        cursor: Option<&str>,
    ) -> ClientResult<Page<AccessEntry>> {
        self.send(
            Call::new(Verb::Get, format!("/api/v1/documents/{id}/access"))
                .query(&page_query(Some(100), cursor)),
        )
        .await
    }

    /// The tenant's storage use and limits (staff).
    pub async fn storage_usage(&self) -> ClientResult<StorageUsage> {
        self.send(Call::new(Verb::Get, "/api/v1/tenant/storage"))
            .await
    }

    /// Sends a request to an organisation (staff).
    pub async fn create_request(
        &self,
        org: OrganizationId,
        body: &CreateRequest,
    ) -> ClientResult<Request> {
        self.send(Call::new(Verb::Post, format!("/api/v1/organizations/{org}/requests")).json(body))
            .await
    }

    /// What happened in the portal, newest first (staff).
    pub async fn list_events(
        &self,
        filter: &EventFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ClientResult<Page<EventRecord>> {
        self.send(
            Call::new(Verb::Get, "/api/v1/events")
                .query(&page_query(limit.or(Some(100)), cursor))
                .query(filter),
        )
        .await
    }

    /// Requests the caller sees, newest first.
    pub async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Request>> {
        self.send(Self::requests_call(filter, cursor)).await
    }

    /// The same list as [`Client::list_requests`], read as cards (no items).
    pub async fn request_summaries(
        &self,
        filter: &RequestFilter,
        cursor: Option<&str>,
    ) -> ClientResult<Page<RequestSummary>> {
        self.send(Self::requests_call(filter, cursor)).await
    }

    fn requests_call(filter: &RequestFilter, cursor: Option<&str>) -> Call {
        Call::new(Verb::Get, "/api/v1/requests")
            .query(&page_query(Some(100), cursor))
            .query(filter)
    }

    pub async fn organization_requests(
        &self,
        org: OrganizationId,
        cursor: Option<&str>,
    ) -> ClientResult<Page<Request>> {
        self.send(Self::organization_requests_call(org, cursor))
            .await
    }

    /// The same list as [`Client::organization_requests`], read as cards (no items).
    pub async fn organization_request_summaries(
        &self,
        org: OrganizationId,
        cursor: Option<&str>,
    ) -> ClientResult<Page<RequestSummary>> {
        self.send(Self::organization_requests_call(org, cursor))
            .await
    }

    fn organization_requests_call(org: OrganizationId, cursor: Option<&str>) -> Call {
        Call::new(Verb::Get, format!("/api/v1/organizations/{org}/requests"))
            .query(&page_query(Some(100), cursor))
    }

    pub async fn organization_progress(
        &self,
        org: OrganizationId,
    ) -> ClientResult<OrganizationProgress> {
        self.send(Call::new(
            Verb::Get,
            format!("/api/v1/organizations/{org}/request-progress"),
        ))
        .await
    }

    pub async fn get_request(&self, id: RequestId) -> ClientResult<Request> {
        self.send(Call::new(Verb::Get, format!("/api/v1/requests/{id}")))
            .await
    }

    pub async fn cancel_request(&self, id: RequestId) -> ClientResult<Request> {
        self.send(Call::new(
            Verb::Post,
            format!("/api/v1/requests/{id}/cancel"),
        ))
        .await
    }

    /// Where a file for an upload item goes (the body is the file).
    fn upload_item_path(id: RequestId, item: RequestItemId, name: &str) -> String {
        format!(
            "/api/v1/requests/{id}/items/{item}/upload?name={}",
            percent_encode(name)
        )
    }

    /// Uploads a file for an upload item.
    pub async fn upload_item(
        &self,
        id: RequestId,
        item: RequestItemId,
        name: &str,
        body: impl Into<Body>,
    ) -> ClientResult<Request> {
        self.send(
            Call::new(Verb::Post, Self::upload_item_path(id, item, name))
                .bytes(body, "application/octet-stream"),
        )
        .await
    }

    pub async fn approve_item(
        &self,
        id: RequestId,
        item: RequestItemId,
        body: &ApproveItem,
    ) -> ClientResult<Request> {
        self.item_action(id, item, "approve", body).await
    }

    pub async fn sign_item(
        &self,
        id: RequestId,
        item: RequestItemId,
        body: &SignItem,
    ) -> ClientResult<Request> {
        self.item_action(id, item, "sign", body).await
    }

    pub async fn answer_item(
        &self,
        id: RequestId,
        item: RequestItemId,
        body: &AnswerItem,
    ) -> ClientResult<Request> {
        self.item_action(id, item, "answer", body).await
    }

    /// Staff accept an answered item or ask for changes.
    pub async fn review_item(
        &self,
        id: RequestId,
        item: RequestItemId,
        body: &ReviewItem,
    ) -> ClientResult<Request> {
        self.item_action(id, item, "review", body).await
    }

    async fn item_action<B: serde::Serialize>(
        &self,
        id: RequestId,
        item: RequestItemId,
        action: &str,
        body: &B,
    ) -> ClientResult<Request> {
        self.send(
            Call::new(
                Verb::Post,
                format!("/api/v1/requests/{id}/items/{item}/{action}"),
            )
            .json(body),
        )
        .await
    }

    /// A signed item's certificate, an HTML page.
    pub async fn signature_certificate(
        &self,
        id: RequestId,
        item: RequestItemId,
    ) -> ClientResult<String> {
        let page = self
            .body(Call::new(
                Verb::Get,
                format!("/api/v1/requests/{id}/items/{item}/certificate"),
            ))
            .await?;
        Ok(String::from_utf8_lossy(&page).into_owned())
    }

    pub async fn list_templates(&self) -> ClientResult<Page<RequestTemplate>> {
        self.send(
            Call::new(Verb::Get, "/api/v1/request-templates").query(&page_query(Some(100), None)),
        )
        .await
    }

    pub async fn create_template(&self, body: &CreateTemplate) -> ClientResult<RequestTemplate> {
        self.send(Call::new(Verb::Post, "/api/v1/request-templates").json(body))
            .await
    }

    pub async fn get_template(&self, id: TemplateId) -> ClientResult<RequestTemplate> {
        self.send(Call::new(
            Verb::Get,
            format!("/api/v1/request-templates/{id}"),
        ))
        .await
    }

    pub async fn delete_template(&self, id: TemplateId) -> ClientResult<()> {
        self.send_empty(Call::new(
            Verb::Delete,
            format!("/api/v1/request-templates/{id}"),
        ))
        .await
    }

    /// Sends a template to organisations: one request each.
    pub async fn send_template(
        &self,
        id: TemplateId,
        body: &SendTemplate,
    ) -> ClientResult<Vec<Request>> {
        self.send(Call::new(Verb::Post, format!("/api/v1/request-templates/{id}/send")).json(body))
            .await
    }

    /// A tenant's public branding, for its sign-in page: the tenant named, or else the one the
    /// server resolves from its host name or default.
    pub async fn branding(&self, tenant: Option<&str>) -> ClientResult<Branding> {
        let call = Call::new(Verb::Get, "/api/v1/branding")
            .anonymous()
            .query(&[("tenant", tenant)]);
        self.send(call).await
    }

    /// The public keys that verify access tokens.
    pub async fn jwks(&self) -> ClientResult<JwkSet> {
        self.send(Call::new(Verb::Get, "/.well-known/jwks.json"))
            .await
    }

    pub async fn healthz(&self) -> ClientResult<Health> {
        self.send(Call::new(Verb::Get, "/healthz")).await
    }

    pub async fn readyz(&self) -> ClientResult<Health> {
        self.send(Call::new(Verb::Get, "/readyz")).await
    }
}

/// Percent-encodes a query value (everything but unreserved characters, RFC 3986).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `limit` and `cursor` query parameters of a list.
fn page_query(limit: Option<u32>, cursor: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(limit) = limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_string()));
    }
    query
}

/// A JSON body on success, a problem otherwise.
#[allow(clippy::result_large_err)] // every call returns this error; callers branch on it by value
fn decode_answer<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> ClientResult<T> {
    if (200..300).contains(&status) {
        serde_json::from_slice(bytes).map_err(|e| ClientError::Decode {
            status,
            message: e.to_string(),
        })
    } else {
        Err(problem_error(status, bytes))
    }
}

fn problem_error(status: u16, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(problem) => ClientError::Api { status, problem },
        Err(e) => ClientError::Decode {
            status,
            message: e.to_string(),
        },
    }
}
