//! The audit trail's foundation (SECURITY.md S22): events written with the change, hash-chained
//! per tenant, verifiable, and impossible for the application to alter.

use crate::helpers::{PASSWORD, TestApp};
use portico_api::audit::{self, ChainStatus};
use portico_api::db::Backend;
use serde_json::Value;

#[derive(Debug, sqlx::FromRow)]
struct Row {
    outcome: String,
    actor: String,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    details: String,
}

async fn events(app: &TestApp, action: &str) -> Vec<Row> {
    let mut conn = app.state.db.conn().await.unwrap();
    portico_api::on_db!(&mut conn, c => sqlx::query_as(
        "SELECT outcome, actor, ip, user_agent, request_id, CAST(details AS TEXT) AS details \
         FROM audit_events WHERE action = $1 ORDER BY seq")
        .bind(action).fetch_all(c).await)
    .unwrap()
}

#[tokio::test]
async fn s22_login_success_and_failure_are_audited_with_who_where_and_which_request() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let wrong = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", "audit-test/1.0")
        .header("x-request-id", "req-wrong-1")
        .json(&acme.credentials("bob", "definitely-not-it-99"))
        .send()
        .await
        .unwrap();
    let right = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", "audit-test/1.0")
        .header("x-request-id", "req-right-1")
        .json(&acme.credentials("bob", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (wrong.status().as_u16(), right.status().as_u16()),
        (401, 200)
    );
    assert_eq!(right.headers()["x-request-id"], "req-right-1");

    let logins = events(&app, "auth.login").await;
    assert_eq!(logins.len(), 2, "{logins:?}");
    let (failure, success) = (&logins[0], &logins[1]);
    assert_eq!(
        (failure.outcome.as_str(), success.outcome.as_str()),
        ("failure", "success")
    );
    for (e, request_id) in [(failure, "req-wrong-1"), (success, "req-right-1")] {
        assert_eq!(e.actor, acme.email("bob"));
        assert_eq!(e.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.user_agent.as_deref(), Some("audit-test/1.0"));
        assert_eq!(e.request_id.as_deref(), Some(request_id));
        assert!(!e.details.contains(PASSWORD) && !e.details.contains("definitely-not-it-99"));
    }
    let details: Value = serde_json::from_str(&failure.details).unwrap();
    assert_eq!(details["reason"], "wrong_password");
}

#[tokio::test]
async fn s22_the_chain_verifies_and_the_application_cannot_update_or_delete_events() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    acme.login("alice").await;

    let status = audit::verify_chain(&app.state.db, acme.id).await.unwrap();
    let ChainStatus::Intact { events } = status else {
        panic!("chain broken: {status:?}")
    };
    assert!(events > 5);

    assert!(
        app.execute("UPDATE audit_events SET outcome = 'success'")
            .await
            .is_err()
    );
    assert!(app.execute("DELETE FROM audit_events").await.is_err());
    assert!(matches!(
        audit::verify_chain(&app.state.db, acme.id).await.unwrap(),
        ChainStatus::Intact { .. }
    ));
}

/// What someone with the database owner's rights can do: drop the guard and edit history.
async fn edit_history(app: &TestApp) {
    let drop_guard = match app.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        Backend::Postgres => "DROP TRIGGER audit_events_no_update ON audit_events",
    };
    app.execute(drop_guard).await.unwrap();
    app.execute("UPDATE audit_events SET actor = 'someone else' WHERE action = 'auth.login'")
        .await
        .unwrap();
}

#[tokio::test]
async fn s22_verification_finds_an_event_altered_behind_the_applications_back() {
    // Arrange: someone with the database owner's rights drops the guard and edits history.
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    acme.login("alice").await;
    edit_history(&app).await;

    // Act
    let status = audit::verify_chain(&app.state.db, acme.id).await.unwrap();

    // Assert
    assert!(matches!(status, ChainStatus::Broken { .. }), "{status:?}");
}

#[tokio::test]
async fn s22_permission_denials_are_audited_with_who_what_and_where() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let agent = acme.login("agent").await;
    let alice = acme.login("alice").await;

    let refused = agent
        .create_organization(&portico_shared::organizations::CreateOrganization {
            name: "Sneaky".into(),
            external_ref: None,
            custom_fields: Default::default(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    let res = app
        .http()
        .get(app.url("/api/v1/users?q=secret-words"))
        .bearer_auth(alice.access_token().unwrap())
        .header("user-agent", "audit-test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // An allowed request and an anonymous one record nothing.
    agent.list_organizations(None, None).await.unwrap();
    assert_eq!(
        app.anonymous()
            .list_people(&Default::default(), None, None)
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );

    let denied = events(&app, "access.denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(denied.iter().all(|e| e.outcome == "denied"));
    assert_eq!(denied[0].actor, acme.email("agent"));
    let details: Value = serde_json::from_str(&denied[0].details).unwrap();
    assert_eq!(details["method"], "POST");
    assert_eq!(details["path"], "/api/v1/organizations");
    assert_eq!(denied[1].actor, acme.email("alice"));
    assert_eq!(denied[1].user_agent.as_deref(), Some("audit-test"));
    assert!(denied[1].request_id.is_some());
    assert!(
        !denied[1].details.contains("secret-words"),
        "no query strings in the audit log"
    );
    assert!(matches!(
        audit::verify_chain(&app.state.db, acme.id).await.unwrap(),
        ChainStatus::Intact { .. }
    ));
}

#[tokio::test]
async fn s22_a_denial_in_a_view_as_session_names_the_staff_member_looking() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let agent = acme.login("agent").await;
    let started = agent.view_as(acme.user("alice")).await.unwrap();
    let res = app
        .http()
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&started.access_token)
        .json(&serde_json::json!({ "name": "Changed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let denied = events(&app, "access.denied").await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].actor, acme.email("alice"));
    let details: Value = serde_json::from_str(&denied[0].details).unwrap();
    assert_eq!(details["viewer_user_id"], acme.user("agent").0.to_string());
}

/// Rewrites tenant `tenant`'s whole chain as someone with the database but not the server's
/// key would: every link recomputed, with `key` (a guess) or unkeyed, and the head moved.
async fn rewrite_chain(app: &TestApp, tenant: portico_shared::TenantId, key: Option<[u8; 32]>) {
    edit_history(app).await;
    let forger = key.map(|k| portico_api::db::AuditKey(std::sync::Arc::new(k)));
    let mut conn = app.state.db.conn().await.unwrap();
    let events = portico_api::audit::queries::events_of(&mut conn, tenant)
        .await
        .unwrap();
    let mut prev = audit::GENESIS_HASH.to_string();
    for mut e in events {
        e.prev_hash = prev.clone();
        e.hash = audit::chain_hash(&prev, &e, forger.as_ref());
        portico_api::on_db!(&mut conn, c => sqlx::query(
            "UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1")
            .bind(e.id).bind(&e.prev_hash).bind(&e.hash).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        prev = e.hash;
    }
    portico_api::on_db!(&mut conn, c => sqlx::query(
        "UPDATE audit_chain_heads SET hash = $2 WHERE tenant_id = $1")
        .bind(tenant.0).bind(&prev).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
}

#[tokio::test]
async fn s22_a_chain_rewritten_end_to_end_without_the_servers_key_does_not_verify() {
    for forged_key in [Some([9u8; 32]), None] {
        let app = TestApp::spawn().await;
        let acme = app.tenant("acme").await;
        acme.login("alice").await;
        assert!(matches!(
            audit::verify_chain(&app.state.db, acme.id).await.unwrap(),
            ChainStatus::Intact { .. }
        ));
        // A checkpoint exported before the rewrite (kept outside the database).
        let cp = audit::checkpoint(&app.state.db, acme.id, app.clock.now())
            .await
            .unwrap();
        assert!(matches!(
            audit::verify_checkpoint(&app.state.db, &cp).await.unwrap(),
            ChainStatus::Intact { .. }
        ));

        rewrite_chain(&app, acme.id, forged_key).await;

        let status = audit::verify_chain(&app.state.db, acme.id).await.unwrap();
        if forged_key.is_some() {
            // Keyed links made with a guessed key do not verify.
            assert!(matches!(status, ChainStatus::Broken { .. }), "{status:?}");
        }
        // Unkeyed links everywhere look like an old chain; the checkpoint finds the rewrite.
        let checked = audit::verify_checkpoint(&app.state.db, &cp).await.unwrap();
        assert!(matches!(checked, ChainStatus::Broken { .. }), "{checked:?}");
        // A forged checkpoint is not this server's.
        let forged = audit::Checkpoint {
            hash: "k1:00".into(),
            ..cp.clone()
        };
        let checked = audit::verify_checkpoint(&app.state.db, &forged)
            .await
            .unwrap();
        assert!(matches!(checked, ChainStatus::Broken { .. }), "{checked:?}");
    }
}

#[tokio::test]
async fn s22_new_links_of_the_chain_are_keyed() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    acme.login("alice").await;
    let mut conn = app.state.db.conn().await.unwrap();
    let events = portico_api::audit::queries::events_of(&mut conn, acme.id)
        .await
        .unwrap();
    assert!(
        events.iter().all(|e| e.hash.starts_with("k1:")),
        "{events:?}"
    );
}
