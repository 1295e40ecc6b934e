//! The platform around the capabilities: schema parity between the backends, the committed
//! OpenAPI document, the explorer, health checks and request ids.

use crate::helpers::{TestApp, assert_problem};
use portico_api::db::{Backend, Db};
use serde_json::Value;

#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_are_the_same_table_by_table_and_column_by_column() {
    // Runs where PostgreSQL is configured (`cargo xtask test` makes sure it is, in CI).
    let app = TestApp::spawn().await;
    if app.backend() != Backend::Postgres {
        eprintln!("PORTICO_TEST_POSTGRES_URL is not set: schema parity not checked in this run");
        return;
    }
    let postgres = app.state.db.schema().await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("portico-parity-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.join("p.db").display()), 1)
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();

    let sqlite_schema = sqlite.schema().await.unwrap();
    let sqlite_constraints = sqlite.constraints().await.unwrap();
    let postgres_constraints = app.state.db.constraints().await.unwrap();

    std::fs::remove_dir_all(&dir).unwrap();
    assert!(sqlite_schema.iter().any(|(t, _)| t == "audit_events"));
    // Table by table, column by column: the same names, types, nullability and keys.
    for ((table, columns), (pg_table, pg_columns)) in sqlite_schema.iter().zip(&postgres) {
        assert_eq!(table, pg_table, "the tables differ");
        assert_eq!(columns, pg_columns, "table {table} differs");
    }
    assert_eq!(sqlite_schema.len(), postgres.len(), "the tables differ");
    assert!(
        !postgres
            .iter()
            .flat_map(|(_, c)| c)
            .any(|c| c.contains("UNMAPPED"))
    );
    assert_eq!(
        sqlite_constraints, postgres_constraints,
        "indexes or foreign keys differ"
    );
}

#[tokio::test]
async fn the_served_openapi_document_matches_the_committed_one() {
    let app = TestApp::spawn().await;
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/portico.json");

    let served: Value = app
        .http()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(committed_path).unwrap()).unwrap();
    assert!(
        served == committed,
        "openapi/portico.json is out of date: run `cargo xtask openapi` and commit the result"
    );
    assert_eq!(served["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    assert!(served["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn every_documented_operation_documents_its_problem_responses() {
    let doc: Value = serde_json::from_str(&portico_api::openapi::document_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if path == "/healthz" || path == "/.well-known/jwks.json" {
                continue;
            }
            let problems = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
                .filter(|(_, r)| r["content"]["application/problem+json"].is_object())
                .count();
            assert!(
                problems > 0,
                "{method} {path} documents no problem response"
            );
        }
    }
}

#[tokio::test]
async fn the_api_explorer_is_served_without_any_cdn() {
    let app = TestApp::spawn().await;

    let page = app.http().get(app.url("/api/docs/")).send().await.unwrap();

    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("https://"),
        "the explorer loads something from the internet"
    );
    let script = app
        .http()
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
}

#[tokio::test]
async fn health_says_alive_and_readiness_follows_the_database() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    assert_eq!(client.healthz().await.unwrap().status, "ok");
    assert_eq!(client.readyz().await.unwrap().status, "ok");

    app.state.db.close().await;

    assert_eq!(client.healthz().await.unwrap().status, "ok");
    let res = app.http().get(app.url("/readyz")).send().await.unwrap();
    assert_problem(res, 503).await;
}

#[tokio::test]
async fn a_request_id_is_returned_and_a_well_formed_one_is_kept() {
    let app = TestApp::spawn().await;

    let given = app
        .http()
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    let forged = app
        .http()
        .get(app.url("/healthz"))
        .header("x-request-id", "a\tb evil")
        .send()
        .await
        .unwrap();
    let none = app.http().get(app.url("/healthz")).send().await.unwrap();

    assert_eq!(given.headers()["x-request-id"], "abc-123");
    assert_ne!(forged.headers()["x-request-id"], "a\tb evil");
    assert!(none.headers()["x-request-id"].len() >= 32);
    assert_eq!(none.headers()["x-content-type-options"], "nosniff");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_what_the_server_writes_in_it_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    // Something written: a stored document.
    let owner = acme.login("owner").await;
    owner
        .upload_document(
            acme.northwind(),
            &portico_shared::documents::UploadParams {
                name: "a.pdf".into(),
                ..Default::default()
            },
            b"%PDF-1.7\n%%EOF\n".to_vec(),
        )
        .await
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir), 0o700);
    let mut checked = 0;
    let mut stack = vec![app.data_dir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            assert_eq!(
                mode(&path) & 0o077,
                0,
                "{} is open to others",
                path.display()
            );
            checked += 1;
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    assert!(
        checked >= 3,
        "the keys, the database and a stored file at least"
    );
}

/// The operations documented as open to anyone exist (a renamed handler would otherwise be
/// documented as needing sign-in); every other one names the bearer scheme and a 401.
#[tokio::test]
async fn every_operation_but_the_public_ones_documents_the_bearer_token() {
    let doc: Value = serde_json::from_str(&portico_api::openapi::document_json()).unwrap();
    let mut public_seen = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            if portico_api::openapi::PUBLIC_OPERATIONS.contains(&id) {
                public_seen.push(id);
                continue;
            }
            assert!(
                op["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())),
                "{id} does not name the bearer token"
            );
            assert!(op["responses"]["401"].is_object(), "{id} has no 401");
        }
    }
    public_seen.sort_unstable();
    let mut expected = portico_api::openapi::PUBLIC_OPERATIONS.to_vec();
    expected.sort_unstable();
    assert_eq!(public_seen, expected);
}

/// `portico seed-demo` without `--bare`: the demo looks like a month of a firm's work, for
/// staff (a review queue, an overdue request, clients' uploads) and for contacts.
#[tokio::test]
async fn the_demo_is_lived_in_once_and_only_once() {
    use portico_shared::requests::{RequestFilter, RequestStatus};
    let app = TestApp::spawn().await;
    let demo = app.tenant("demo").await;
    let config = app.state.config.clone();
    let filled = portico_api::demo::lived_in::fill(&config, "demo", crate::helpers::PASSWORD);
    assert!(filled.await.unwrap());

    let owner = demo.login("owner").await;
    let requests = owner
        .list_requests(&RequestFilter::default(), None)
        .await
        .unwrap();
    let statuses: std::collections::BTreeSet<_> =
        requests.items.iter().map(|r| r.status.as_str()).collect();
    for status in [
        RequestStatus::Open,
        RequestStatus::Submitted,
        RequestStatus::ChangesRequested,
        RequestStatus::Completed,
        RequestStatus::Cancelled,
    ] {
        assert!(statuses.contains(status.as_str()), "no {status:?} request");
    }
    assert!(
        requests.items.iter().any(|r| r.overdue),
        "no overdue request"
    );
    let uploads = portico_shared::events::EventFilter {
        types: Some("document.uploaded,document.version_added".into()),
        ..Default::default()
    };
    let filed = owner.list_events(&uploads, None, None).await.unwrap();
    assert!(filed.items.iter().any(|e| e.data["by_staff"] == false));
    assert_eq!(owner.list_templates().await.unwrap().items.len(), 2);
    let orgs = owner.list_organizations(Some(100), None).await.unwrap();
    assert_eq!(orgs.items.len(), 4);

    // Alice finds her organisation's progress and the documents she was shown.
    let alice = demo.login("alice").await;
    let progress = alice.organization_progress(demo.northwind()).await.unwrap();
    assert!(progress.completed_requests >= 1 && progress.open_requests >= 1);

    // Filling again finds the work done and adds nothing.
    let again = portico_api::demo::lived_in::fill(&config, "demo", crate::helpers::PASSWORD);
    assert!(!again.await.unwrap());
    let after = owner
        .list_requests(&RequestFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(after.items.len(), requests.items.len());
}
