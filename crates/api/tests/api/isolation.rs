//! Tenant and organisation isolation (SECURITY.md S11, S12, S13), driven by the OpenAPI
//! document so that every new operation is covered or the test fails.

use crate::helpers::{TestApp, TestTenant, assert_problem, problem_type};
use portico_api::audit::Actor;
use portico_api::audit::Origin;
use portico_api::{organizations, people};
use portico_shared::client::Client;
use portico_shared::documents::{CreateFolder, UploadParams};
use portico_shared::requests::{
    CreateRequest, CreateTemplate, ItemKind, NewItem, Question, QuestionKind,
};
use portico_shared::tenancy::{Scope, StaffRole, UserKind};
use portico_shared::{OrganizationId, ProblemType, UserId};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// Every operation of the OpenAPI document as (METHOD, path template).
fn operations_in_spec() -> Vec<(String, String)> {
    operations_with_security()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect()
}

/// Every operation with whether it takes a bearer token.
fn operations_with_security() -> Vec<(String, String, bool)> {
    let doc: Value = serde_json::from_str(&portico_api::openapi::document_json()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                let secured = item[method]["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
                ops.push((method.to_uppercase(), path.clone(), secured));
            }
        }
    }
    ops
}

/// The S11 matrix: every operation that takes an id, with how to name one of tenant A's
/// objects in it and the body to send. Add a row with every such operation you add.
const ID_MATRIX: &[(&str, &str, Option<&str>)] = &[
    ("GET", "/api/v1/organizations/{organization_id}", None),
    (
        "PATCH",
        "/api/v1/organizations/{organization_id}",
        Some(r#"{"name":"Taken over"}"#),
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/archive",
        None,
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/restore",
        None,
    ),
    ("DELETE", "/api/v1/me/sessions/{session_id}", None),
    ("GET", "/api/v1/users/{user_id}", None),
    ("POST", "/api/v1/users/{user_id}/invitation", None),
    ("POST", "/api/v1/users/{user_id}/disable", None),
    ("POST", "/api/v1/users/{user_id}/enable", None),
    (
        "PUT",
        "/api/v1/users/{user_id}/role",
        Some(r#"{"staff_role":"admin"}"#),
    ),
    (
        "PUT",
        "/api/v1/users/{user_id}/organization-access",
        Some(r#"{"organization_access":"all"}"#),
    ),
    ("POST", "/api/v1/users/{user_id}/view-as", None),
    ("GET", "/api/v1/organizations/{organization_id}/staff", None),
    (
        "PUT",
        "/api/v1/organizations/{organization_id}/staff/{user_id}",
        None,
    ),
    (
        "DELETE",
        "/api/v1/organizations/{organization_id}/staff/{user_id}",
        None,
    ),
    (
        "GET",
        "/api/v1/organizations/{organization_id}/members",
        None,
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/members",
        Some(r#"{"email":"matrix@example.test","name":"Matrix","scopes":["billing"]}"#),
    ),
    (
        "PUT",
        "/api/v1/organizations/{organization_id}/members/{user_id}",
        Some(r#"{"scopes":["billing","tickets"]}"#),
    ),
    (
        "DELETE",
        "/api/v1/organizations/{organization_id}/members/{user_id}",
        None,
    ),
    (
        "GET",
        "/api/v1/organizations/{organization_id}/folders",
        None,
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/folders",
        Some(r#"{"name":"Matrix folder"}"#),
    ),
    ("GET", "/api/v1/folders/{folder_id}", None),
    (
        "PATCH",
        "/api/v1/folders/{folder_id}",
        Some(r#"{"name":"Renamed"}"#),
    ),
    (
        "GET",
        "/api/v1/organizations/{organization_id}/documents",
        None,
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/documents",
        Some("%PDF-1.4 matrix"),
    ),
    ("GET", "/api/v1/documents/{document_id}", None),
    (
        "PATCH",
        "/api/v1/documents/{document_id}",
        Some(r#"{"name":"Renamed.pdf"}"#),
    ),
    ("GET", "/api/v1/documents/{document_id}/versions", None),
    (
        "POST",
        "/api/v1/documents/{document_id}/versions",
        Some("%PDF-1.4 version two"),
    ),
    ("GET", "/api/v1/documents/{document_id}/content", None),
    ("POST", "/api/v1/documents/{document_id}/links", Some("{}")),
    ("GET", "/api/v1/documents/{document_id}/access", None),
    (
        "POST",
        "/api/v1/documents/{document_id}/publish",
        Some("{\"organization_ids\":[\"{organization_id}\"]}"),
    ),
    ("DELETE", "/api/v1/documents/{document_id}", None),
    ("POST", "/api/v1/documents/{document_id}/restore", None),
    ("DELETE", "/api/v1/folders/{folder_id}", None),
    (
        "GET",
        "/api/v1/organizations/{organization_id}/requests",
        None,
    ),
    (
        "GET",
        "/api/v1/organizations/{organization_id}/request-progress",
        None,
    ),
    (
        "POST",
        "/api/v1/organizations/{organization_id}/requests",
        Some(r#"{"title":"Matrix","items":[{"kind":"upload","title":"Anything"}]}"#),
    ),
    ("GET", "/api/v1/requests/{request_id}", None),
    (
        "POST",
        "/api/v1/requests/{request_id}/items/{item_id}/upload",
        Some("%PDF-1.4 matrix"),
    ),
    (
        "POST",
        "/api/v1/requests/{request_id}/items/{item_id}/approve",
        Some(r#"{"approved":true}"#),
    ),
    (
        "POST",
        "/api/v1/requests/{request_id}/items/{item_id}/sign",
        Some(r#"{"typed_name":"Alice Admin","consent":true}"#),
    ),
    (
        "POST",
        "/api/v1/requests/{request_id}/items/{item_id}/answer",
        Some(r#"{"answers":{"ok":"yes"}}"#),
    ),
    (
        "GET",
        "/api/v1/requests/{request_id}/items/{item_id}/certificate",
        None,
    ),
    (
        "POST",
        "/api/v1/requests/{request_id}/items/{item_id}/review",
        Some(r#"{"decision":"accept"}"#),
    ),
    ("POST", "/api/v1/requests/{request_id}/cancel", None),
    ("GET", "/api/v1/request-templates/{template_id}", None),
    (
        "POST",
        "/api/v1/request-templates/{template_id}/send",
        Some("{\"organization_ids\":[\"{organization_id}\"]}"),
    ),
    ("DELETE", "/api/v1/request-templates/{template_id}", None),
];

/// Who rightfully calls an operation of the matrix: the organisation's assigned contact for
/// answering a request's items, the owner for everything else.
fn rightful(template: &str) -> &'static str {
    let answers = ["/upload", "/approve", "/sign", "/answer"];
    if answers.iter().any(|a| template.ends_with(a)) {
        "alice"
    } else {
        "owner"
    }
}

/// Ids of tenant A's objects that the matrix's paths name.
struct Objects {
    organization: String,
    /// A spare session of A's owner (ending it does not sign the test's owner out).
    session: String,
    /// An invited staff member (people operations act on them).
    person: String,
    /// A member of `organization` (team operations act on them).
    member: String,
    /// An empty folder of `organization`.
    folder: String,
    /// A document of `organization`.
    document: String,
    /// A request of `organization` to Alice, with one item of each kind.
    request: String,
    /// Its items: upload, approve, sign, question.
    items: [String; 4],
    /// A request template.
    template: String,
}

impl Objects {
    async fn of(app: &TestApp, tenant: &TestTenant) -> Objects {
        let spare = tenant.login("owner").await;
        let sessions = spare.my_sessions().await.unwrap();
        let person = people::service::create_user(
            app.state.ctx(),
            &app.state.passwords,
            &Actor::system("test"),
            &Origin::cli(),
            tenant.id,
            people::service::NewUser {
                email: "pending.agent@example.test".into(),
                name: "Pending Agent".into(),
                kind: UserKind::Staff,
                staff_role: Some(StaffRole::Agent),
                password: None,
            },
        )
        .await
        .unwrap();
        let owner = tenant.login("owner").await;
        let folder = owner
            .create_folder(
                tenant.northwind(),
                &CreateFolder {
                    name: "Matrix".into(),
                    parent_id: None,
                },
            )
            .await
            .unwrap();
        let document = owner
            .upload_document(
                tenant.northwind(),
                &UploadParams {
                    name: "Matrix.pdf".into(),
                    ..Default::default()
                },
                b"%PDF-1.4 matrix".to_vec(),
            )
            .await
            .unwrap();
        let item = |kind, title: &str| NewItem {
            kind,
            title: title.into(),
            description: None,
            accepted_types: vec![],
            document_id: matches!(kind, ItemKind::Approve | ItemKind::Sign).then_some(document.id),
            questions: vec![],
            consent_text: None,
        };
        let question = NewItem {
            questions: vec![Question {
                key: "ok".into(),
                label: "All fine?".into(),
                kind: QuestionKind::YesNo,
                choices: vec![],
                required: true,
            }],
            ..item(ItemKind::Question, "Questions")
        };
        let request = owner
            .create_request(
                tenant.northwind(),
                &CreateRequest {
                    title: "Matrix request".into(),
                    instructions: None,
                    due_on: None,
                    assignee_ids: vec![tenant.user("alice")],
                    items: vec![
                        item(ItemKind::Upload, "Upload"),
                        item(ItemKind::Approve, "Approve"),
                        item(ItemKind::Sign, "Sign"),
                        question,
                    ],
                },
            )
            .await
            .unwrap();
        let template = owner
            .create_template(&CreateTemplate {
                name: "Matrix".into(),
                title: "Matrix template".into(),
                instructions: None,
                due_in_days: None,
                items: vec![item(ItemKind::Upload, "Upload")],
            })
            .await
            .unwrap();
        Objects {
            request: request.id.to_string(),
            items: [0, 1, 2, 3].map(|i| request.items[i].id.to_string()),
            template: template.id.to_string(),
            folder: folder.id.to_string(),
            document: document.id.to_string(),
            organization: tenant.northwind().to_string(),
            session: sessions.iter().find(|s| s.current).unwrap().id.to_string(),
            person: person.id.to_string(),
            member: tenant.user("bob").to_string(),
        }
    }
}

/// Fills a path template's parameters with ids of tenant A's objects.
fn fill(template: &str, objects: &Objects) -> String {
    let path = template
        .replace(
            "/members/{user_id}",
            &format!("/members/{}", objects.member),
        )
        .replace(
            "/users/{user_id}/view-as",
            &format!("/users/{}/view-as", objects.member),
        )
        .replace("{user_id}", &objects.person)
        .replace("{organization_id}", &objects.organization)
        .replace("{session_id}", &objects.session)
        .replace("{folder_id}", &objects.folder)
        .replace("{document_id}", &objects.document)
        .replace("{request_id}", &objects.request)
        .replace("{template_id}", &objects.template);
    // Each item operation acts on the item of its kind (a review, on the uploaded one).
    let item = match template.rsplit('/').next() {
        Some("approve") => &objects.items[1],
        Some("sign") | Some("certificate") => &objects.items[2],
        Some("answer") => &objects.items[3],
        _ => &objects.items[0],
    };
    let path = path.replace("{item_id}", item);
    // An upload names its file in the query.
    if template.ends_with("/documents") || template.ends_with("/upload") {
        format!("{path}?name=matrix.pdf")
    } else {
        path
    }
}

async fn call(client: &Client, method: &str, path: &str, body: Option<&str>) -> reqwest::Response {
    let mut req = client.request(Method::from_bytes(method.as_bytes()).unwrap(), path);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn s11_the_isolation_matrix_names_every_operation_that_takes_an_id() {
    let in_spec: BTreeSet<(String, String)> = operations_in_spec()
        .into_iter()
        .filter(|(_, path)| path.contains('{'))
        .collect();
    let in_matrix: BTreeSet<(String, String)> = ID_MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();

    assert_eq!(in_spec, in_matrix, "add the new operations to ID_MATRIX");
}

#[tokio::test]
async fn s11_another_tenants_ids_are_404_for_everyone_and_change_nothing() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let mut intruders = Vec::new();
    for who in ["owner", "agent", "alice", "dave"] {
        intruders.push((who, globex.login(who).await));
    }
    let acme_owner = acme.login("owner").await;
    let acme_alice = acme.login("alice").await;
    let objects = Objects::of(&app, &acme).await;
    let target = acme.northwind();
    let mut object = acme_owner.get_organization(target).await.unwrap();

    // Act / Assert
    for (method, template, body) in ID_MATRIX {
        let path = fill(template, &objects);
        let before = app.data_row_counts().await;
        let body = body.map(|b| b.replace("{organization_id}", &objects.organization));
        let body = body.as_deref();
        for (who, client) in &intruders {
            let res = call(client, method, &path, body).await;
            assert_eq!(res.status(), 404, "globex {who}: {method} {path}");
            let problem = assert_problem(res, 404).await;
            assert_eq!(problem_type(&problem), ProblemType::NotFound.slug());
        }
        assert_eq!(app.data_row_counts().await, before, "{method} {path}");
        let unchanged = acme_owner.get_organization(target).await.unwrap();
        assert_eq!(unchanged, object, "{method} {path} changed the object");
        // The owner of the object still reaches it: the 404s above are not a broken route.
        let caller = if rightful(template) == "alice" {
            &acme_alice
        } else {
            &acme_owner
        };
        let res = call(caller, method, &path, body).await;
        assert!(
            res.status().is_success(),
            "acme {}: {method} {path}: {}",
            rightful(template),
            res.status()
        );
        object = acme_owner.get_organization(target).await.unwrap();
    }
}

#[tokio::test]
async fn s12_a_contact_cannot_reach_an_organisation_they_do_not_belong_to() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let carol = acme.login("carol").await;

    let err = carol.get_organization(acme.northwind()).await.unwrap_err();

    assert_eq!(err.status(), Some(404));
    carol.get_organization(acme.contoso()).await.unwrap();
}

/// Everything `client` can read through the signed-in list operations of the spec (every
/// page); lists inside an organisation are read for each of `organizations`. A list the
/// client may not read (403, 404) shows nothing.
async fn crawl_lists(client: &Client, organizations: &[&str]) -> String {
    let mut seen = String::new();
    let mut lists = Vec::new();
    for (method, template, secured) in operations_with_security() {
        let is_list = method == "GET" && secured;
        if is_list && !template.contains('{') {
            lists.push(template);
        } else if is_list
            && (template.ends_with("/{organization_id}/members")
                || template.ends_with("/{organization_id}/staff")
                || template.ends_with("/{organization_id}/folders")
                || template.ends_with("/{organization_id}/documents"))
        {
            lists.extend(
                organizations
                    .iter()
                    .map(|org| template.replace("{organization_id}", org)),
            );
        }
    }
    for path in lists {
        let mut cursor: Option<String> = None;
        loop {
            let mut req = client.request(Method::GET, &path).query(&[("limit", "2")]);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let res = req.send().await.unwrap();
            if [403, 404].contains(&res.status().as_u16()) {
                break;
            }
            assert!(res.status().is_success(), "GET {path}: {}", res.status());
            let body: Value = res.json().await.unwrap();
            seen.push_str(&body.to_string());
            match body.get("next_cursor").and_then(Value::as_str) {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    }
    seen
}

#[tokio::test]
async fn s12_no_list_ever_shows_another_tenants_or_another_organisations_rows() {
    // Arrange: a marker organisation in acme that no contact belongs to.
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let marker = organizations::service::create_organization(
        app.state.ctx(),
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        portico_shared::organizations::CreateOrganization {
            name: "Marker Zeta".into(),
            external_ref: None,
            custom_fields: Default::default(),
        },
        None,
    )
    .await
    .unwrap()
    .id
    .to_string();
    // A contact of the marker organisation only: no other contact may see them.
    let hermit = people::service::create_user(
        app.state.ctx(),
        &app.state.passwords,
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        people::service::NewUser {
            email: "hermit@example.test".into(),
            name: "Hermit".into(),
            kind: UserKind::Customer,
            staff_role: None,
            password: None,
        },
    )
    .await
    .unwrap()
    .id;
    people::service::set_membership(
        app.state.ctx(),
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        UserId(hermit),
        OrganizationId(marker.parse().unwrap()),
        &[Scope::Billing],
    )
    .await
    .unwrap();
    let hermit = hermit.to_string();
    let foreign: Vec<String> = [globex.northwind(), globex.contoso()]
        .iter()
        .map(ToString::to_string)
        .chain(
            ["owner", "alice", "dave"]
                .iter()
                .map(|w| globex.user(w).to_string()),
        )
        .chain([globex.id.to_string()])
        .collect();
    let (northwind, contoso) = (acme.northwind().to_string(), acme.contoso().to_string());
    // Who may see what among acme's organisations.
    let expectations: &[(&str, &[&str], &[&str])] = &[
        ("owner", &[&northwind, &contoso, &marker, &hermit], &[]),
        ("agent", &[&northwind, &contoso, &marker, &hermit], &[]),
        ("alice", &[&northwind], &[&contoso, &marker, &hermit]),
        ("bob", &[&northwind], &[&contoso, &marker, &hermit]),
        ("carol", &[&contoso], &[&northwind, &marker, &hermit]),
        ("dave", &[&northwind, &contoso], &[&marker, &hermit]),
    ];
    let organizations = [northwind.as_str(), contoso.as_str(), marker.as_str()];

    for (who, visible, hidden) in expectations {
        // Act
        let seen = crawl_lists(&acme.login(who).await, &organizations).await;

        // Assert
        for id in *visible {
            assert!(seen.contains(id), "{who} should see {id}");
        }
        for id in hidden
            .iter()
            .copied()
            .chain(foreign.iter().map(String::as_str))
        {
            assert!(!seen.contains(id), "{who} sees {id}, which is not theirs");
        }
    }
}

#[tokio::test]
async fn s12_an_agent_assigned_to_organisations_sees_only_those() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    organizations::service::assign_staff(
        app.state.ctx(),
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        acme.user("agent"),
        acme.contoso(),
    )
    .await
    .unwrap();
    let agent = acme.login("agent").await;

    let page = agent.list_organizations(None, None).await.unwrap();

    let names: Vec<String> = page.items.into_iter().map(|o| o.name).collect();
    assert_eq!(names, vec!["Contoso Ltd".to_string()]);
    assert_eq!(
        agent
            .get_organization(acme.northwind())
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let me = agent.me().await.unwrap();
    assert_eq!(me.assigned_organizations.unwrap().len(), 1);
}

#[tokio::test]
async fn s13_every_operation_but_sign_in_and_public_ones_needs_a_token() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let anonymous = app.anonymous();
    let objects = Objects::of(&app, &acme).await;
    let public = [
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/api/v1/branding"),
        ("GET", "/api/v1/branding/logo"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/magic-link"),
        ("POST", "/api/v1/auth/magic-link/redeem"),
        ("POST", "/api/v1/auth/password-reset"),
        ("POST", "/api/v1/auth/password-reset/complete"),
        ("POST", "/api/v1/auth/invitation/lookup"),
        ("POST", "/api/v1/auth/invitation/accept"),
        ("POST", "/api/v1/auth/email-change/confirm"),
        ("POST", "/api/v1/auth/membership-offer/accept"),
        ("GET", "/api/v1/auth/handoff"),
        ("GET", "/api/v1/files"),
    ];

    for (method, template) in operations_in_spec() {
        if public.contains(&(method.as_str(), template.as_str())) {
            continue;
        }
        let path = fill(&template, &objects);
        let res = call(&anonymous, &method, &path, Some("{}")).await;
        assert_eq!(res.status(), 401, "{method} {path} without a token");
        assert_problem(res, 401).await;
    }
}
