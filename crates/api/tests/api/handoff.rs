//! Hand-off sign-in: a host application signs its user into the portal with a short-lived,
//! single-use token made with the tenant's hand-off secret.

use crate::helpers::{TestApp, TestTenant, assert_problem};
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use portico_shared::auth::REFRESH_COOKIE;
use portico_shared::client::Client;
use portico_shared::organizations::CreateOrganization;
use portico_shared::tenancy::Scope;
use serde_json::{Value, json};

fn sign(secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(app: &TestApp, tenant: &TestTenant, jti: &str, email: &str, org: &str) -> Value {
    let now = app.clock.now().timestamp();
    json!({
        "iss": tenant.slug, "aud": "portico-handoff", "iat": now, "exp": now + 60, "jti": jti,
        "email": email, "name": "Pat Host", "organization": org,
    })
}

/// Opens the hand-off link as a browser would, without following the redirect.
async fn open(app: &TestApp, token: &str) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    http.get(app.url("/api/v1/auth/handoff"))
        .query(&[("token", token), ("next", "/team")])
        .send()
        .await
        .unwrap()
}

/// The portal session a successful hand-off started, as the web app would pick it up.
async fn session_of(app: &TestApp, res: reqwest::Response) -> Client {
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    assert_eq!(res.headers()["location"], "/team");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{REFRESH_COOKIE}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a refresh cookie");
    let client = app.anonymous();
    client.set_refresh_cookie(Some(cookie));
    client.refresh().await.expect("the session works");
    client
}

#[tokio::test]
async fn a_host_application_signs_a_new_contact_in_once_with_a_short_lived_token() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let org = owner
        .create_organization(&CreateOrganization {
            name: "Fabrikam".into(),
            external_ref: Some("CRM-77".into()),
            custom_fields: Default::default(),
        })
        .await
        .unwrap();
    let issued = owner.issue_handoff_secret().await.unwrap();
    assert_eq!(issued.audience, "portico-handoff");
    assert_eq!(issued.max_lifetime_seconds, 60);
    assert!(owner.tenant_settings().await.unwrap().handoff_enabled);

    let token = sign(
        &issued.secret,
        &claims(&app, &acme, "t-1", "Pat@Fabrikam.test", "CRM-77"),
    );
    let pat = session_of(&app, open(&app, &token).await).await;
    let me = pat.me().await.unwrap();
    assert_eq!(me.user.email, "pat@fabrikam.test");
    assert_eq!(me.user.name, "Pat Host");
    assert_eq!(me.memberships.len(), 1);
    assert_eq!(me.memberships[0].organization.id, org.id);
    assert_eq!(
        me.memberships[0].scopes,
        [Scope::Documents, Scope::Tickets, Scope::Messages]
    );

    // Once only.
    assert_problem(open(&app, &token).await, 401).await;
    // A second hand-off of the same person links the same account.
    let again = sign(
        &issued.secret,
        &claims(&app, &acme, "t-2", "pat@fabrikam.test", &org.id.to_string()),
    );
    let pat_again = session_of(&app, open(&app, &again).await).await;
    assert_eq!(pat_again.me().await.unwrap().user.id, me.user.id);
}

#[tokio::test]
async fn forged_expired_long_lived_and_retired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let nw = acme.northwind().to_string();

    // No secret yet: nothing verifies.
    let unsigned = sign("guess", &claims(&app, &acme, "x", "x@example.test", &nw));
    assert_problem(open(&app, &unsigned).await, 401).await;

    let secret = owner.issue_handoff_secret().await.unwrap().secret;
    let forged = sign(
        "not-the-secret",
        &claims(&app, &acme, "f", "f@example.test", &nw),
    );
    assert_problem(open(&app, &forged).await, 401).await;
    let mut long = claims(&app, &acme, "l", "l@example.test", &nw);
    long["exp"] = json!(long["iat"].as_i64().unwrap() + 3600);
    assert_problem(open(&app, &sign(&secret, &long)).await, 401).await;
    let mut other_audience = claims(&app, &acme, "a", "a@example.test", &nw);
    other_audience["aud"] = json!("another-app");
    assert_problem(open(&app, &sign(&secret, &other_audience)).await, 401).await;

    let late = sign(
        &secret,
        &claims(&app, &acme, "late", "late@example.test", &nw),
    );
    app.clock.advance(Duration::seconds(66));
    assert_problem(open(&app, &late).await, 401).await;

    // Staff sign in with passwords; unknown organisations are the host's mistake.
    let staff = sign(
        &secret,
        &claims(&app, &acme, "s", &acme.email("agent"), &nw),
    );
    assert_problem(open(&app, &staff).await, 409).await;
    let nowhere = sign(
        &secret,
        &claims(&app, &acme, "n", "n@example.test", "CRM-404"),
    );
    assert_problem(open(&app, &nowhere).await, 422).await;
    // Another tenant's organisation is unknown here.
    let globex = app.tenant("globex").await;
    let foreign = sign(
        &secret,
        &claims(
            &app,
            &acme,
            "g",
            "g@example.test",
            &globex.northwind().to_string(),
        ),
    );
    assert_problem(open(&app, &foreign).await, 422).await;

    // Rotating the secret retires tokens made with the old one; deleting turns hand-off off.
    let fresh = sign(&secret, &claims(&app, &acme, "r", "r@example.test", &nw));
    let rotated = owner.issue_handoff_secret().await.unwrap().secret;
    assert_ne!(rotated, secret);
    assert_problem(open(&app, &fresh).await, 401).await;
    owner.delete_handoff_secret().await.unwrap();
    let after = sign(&rotated, &claims(&app, &acme, "d", "d@example.test", &nw));
    assert_problem(open(&app, &after).await, 401).await;
    assert!(!owner.tenant_settings().await.unwrap().handoff_enabled);

    // S13: only owners manage the secret.
    let agent = acme.login("agent").await;
    assert_eq!(
        agent.issue_handoff_secret().await.unwrap_err().status(),
        Some(403)
    );
    let alice = acme.login("alice").await;
    assert_eq!(
        alice.issue_handoff_secret().await.unwrap_err().status(),
        Some(403)
    );
}

#[tokio::test]
async fn a_landing_page_that_a_browser_could_send_elsewhere_is_refused_before_signing_in() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let issued = owner.issue_handoff_secret().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (i, next) in [
        "/%09/evil.example",
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/ok\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
        "https://evil.example/",
    ]
    .into_iter()
    .enumerate()
    {
        let before = app.row_counts().await;
        let token = sign(
            &issued.secret,
            &claims(
                &app,
                &acme,
                &format!("next-{i}"),
                "pat@host.test",
                "Northwind Traders",
            ),
        );
        let res = http
            .get(app.url("/api/v1/auth/handoff"))
            .query(&[("token", token.as_str()), ("next", next)])
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422).await;
        assert_eq!(crate::helpers::error_fields(&problem), ["next"], "{next:?}");
        assert_eq!(app.row_counts().await, before, "nothing done for {next:?}");
    }
}

#[tokio::test]
async fn a_hand_off_secret_is_stored_sealed_not_in_clear() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let issued = owner.issue_handoff_secret().await.unwrap();
    let stored = app
        .read_text(
            "SELECT handoff_secret FROM tenants WHERE id = $1",
            acme.id.0,
        )
        .await;
    assert!(stored.starts_with("sealed1:"), "{stored}");
    assert!(!stored.contains(&issued.secret));
    // Sealed for this tenant: copied to another tenant's row, it opens nowhere.
    let globex = app.tenant("globex").await;
    let mut conn = app.state.db.conn().await.unwrap();
    portico_api::on_db!(&mut conn, c => sqlx::query(
        "UPDATE tenants SET handoff_secret = $2 WHERE id = $1")
        .bind(globex.id.0).bind(&stored).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    let token = sign(
        &issued.secret,
        &claims(
            &app,
            &globex,
            "moved-1",
            "pat@host.test",
            "Northwind Traders",
        ),
    );
    let res = open(&app, &token).await;
    assert!(res.status().is_client_error() || res.status().is_server_error());
    assert_ne!(res.status(), 303);
}
