//! Signing in: throttling, per-address limits, no enumeration (SECURITY.md S3, S4, S5, S14).

use crate::helpers::{PASSWORD, TestApp, assert_problem, problem_type};
use chrono::Duration;
use portico_shared::ProblemType;
use serde_json::{Value, json};
use std::time::Instant;

async fn login_raw(app: &TestApp, body: &Value, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app.http().post(app.url("/api/v1/auth/login")).json(body);
    if let Some(ip) = forwarded_for {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.unwrap()
}

fn credentials(slug: &str, email: &str, password: &str) -> Value {
    json!({ "tenant": slug, "email": email, "password": password })
}

#[tokio::test]
async fn a_login_returns_a_bearer_token_the_user_and_a_refresh_cookie() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let res = login_raw(
        &app,
        &credentials("acme", &acme.email("alice"), PASSWORD),
        None,
    )
    .await;

    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers().get("set-cookie").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() <= 900);
    assert_eq!(body["user"]["email"], acme.email("alice"));
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
}

#[tokio::test]
async fn me_describes_a_customer_with_memberships_and_scopes_and_staff_with_a_role() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let dave = acme.login("dave").await.me().await.unwrap();
    let owner = acme.login("owner").await.me().await.unwrap();

    assert_eq!(dave.tenant.branding.slug, "acme");
    assert_eq!(dave.staff_role, None);
    let mut orgs: Vec<(String, Vec<String>)> = dave
        .memberships
        .iter()
        .map(|m| {
            let scopes = m.scopes.iter().map(|s| s.as_str().to_string()).collect();
            (m.organization.name.clone(), scopes)
        })
        .collect();
    orgs.sort();
    assert_eq!(
        orgs,
        vec![
            ("Contoso Ltd".into(), vec!["documents".into()]),
            (
                "Northwind Traders".into(),
                vec!["documents".into(), "tickets".into()]
            ),
        ]
    );
    assert_eq!(
        owner.staff_role,
        Some(portico_shared::tenancy::StaffRole::Owner)
    );
    assert!(owner.memberships.is_empty());
}

#[tokio::test]
async fn s3_an_account_is_locked_after_repeated_failures_and_unlocks_after_the_window() {
    // Arrange: a generous per-address limit so only the account throttle is in play.
    let app = TestApp::spawn_with(|c| c.auth_rate_limit = 10_000).await;
    let acme = app.tenant("acme").await;
    let limit = app.state.config.login_failure_limit;
    assert!(
        u64::from(limit) * 3600 / app.state.config.login_failure_window <= 100,
        "more than 100 guesses an hour"
    );
    let wrong = credentials("acme", &acme.email("bob"), "not-the-password-at-all");

    // Act: 150 bad attempts under a clock that stands still.
    let mut statuses = Vec::new();
    for _ in 0..150 {
        let res = login_raw(&app, &wrong, None).await;
        let status = res.status().as_u16();
        if status == 429 {
            let retry_after: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry_after > 0 && retry_after <= app.state.config.login_failure_window);
            let body = assert_problem(res, 429).await;
            assert_eq!(body["retry_after"], retry_after);
            assert_eq!(problem_type(&body), ProblemType::TooManyRequests.slug());
        }
        statuses.push(status);
    }

    // Assert: `limit` failures, then locked — even for the right password.
    assert!(statuses[..limit as usize].iter().all(|s| *s == 401));
    assert!(statuses[limit as usize..].iter().all(|s| *s == 429));
    let right = credentials("acme", &acme.email("bob"), PASSWORD);
    assert_eq!(login_raw(&app, &right, None).await.status(), 429);
    // Other accounts are not affected.
    let alice = credentials("acme", &acme.email("alice"), PASSWORD);
    assert_eq!(login_raw(&app, &alice, None).await.status(), 200);

    // The lockout is temporary.
    app.clock.advance(Duration::seconds(
        app.state.config.login_failure_window as i64 + 1,
    ));
    assert_eq!(login_raw(&app, &right, None).await.status(), 200);
}

#[tokio::test]
async fn s4_auth_endpoints_are_limited_per_client_address_and_spoofed_forwarding_is_ignored() {
    let app = TestApp::spawn_with(|c| c.auth_rate_limit = 5).await;
    let acme = app.tenant("acme").await;
    let body = credentials("acme", &acme.email("nobody"), "whatever-it-is-here");

    for _ in 0..5 {
        assert_eq!(login_raw(&app, &body, None).await.status(), 401);
    }
    let res = login_raw(&app, &body, Some("203.0.113.9")).await;

    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
    let refresh = app
        .http()
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 429);
    // Time heals.
    app.clock.advance(Duration::seconds(61));
    assert_eq!(login_raw(&app, &body, None).await.status(), 401);
}

#[tokio::test]
async fn s4_forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit = 3;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let acme = app.tenant("acme").await;
    let body = credentials("acme", &acme.email("nobody"), "whatever-it-is-here");

    for _ in 0..3 {
        assert_eq!(
            login_raw(&app, &body, Some("198.51.100.1")).await.status(),
            401
        );
    }
    let same_client = login_raw(&app, &body, Some("198.51.100.1")).await;
    let other_client = login_raw(&app, &body, Some("198.51.100.2")).await;

    assert_eq!(same_client.status(), 429);
    assert_eq!(other_client.status(), 401);
}

fn without_request_id(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("request_id");
    body
}

#[tokio::test]
async fn s5_unknown_email_and_wrong_password_answer_alike() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let unknown = login_raw(
        &app,
        &credentials("acme", "ghost@acme.test", PASSWORD),
        None,
    )
    .await;
    let wrong = login_raw(
        &app,
        &credentials("acme", &acme.email("alice"), "nope-nope-nope-1"),
        None,
    )
    .await;
    let no_tenant = login_raw(
        &app,
        &credentials("initech", &acme.email("alice"), PASSWORD),
        None,
    )
    .await;

    let unknown = without_request_id(assert_problem(unknown, 401).await);
    let wrong = without_request_id(assert_problem(wrong, 401).await);
    let no_tenant = without_request_id(assert_problem(no_tenant, 401).await);
    assert_eq!(unknown, wrong);
    assert_eq!(no_tenant, wrong);
    assert_eq!(problem_type(&wrong), ProblemType::InvalidCredentials.slug());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test]
async fn s5_unknown_accounts_take_as_long_as_wrong_passwords() {
    // Both paths run one argon2id verification (a dummy hash for unknown accounts); without
    // it an unknown account answers in about a millisecond, tens of times faster.
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit = 10_000;
        c.login_failure_limit = 10_000;
    })
    .await;
    let acme = app.tenant("acme").await;
    let unknown = credentials("acme", "ghost@acme.test", "nope-nope-nope-1");
    let wrong = credentials("acme", &acme.email("alice"), "nope-nope-nope-1");
    let (mut unknown_times, mut wrong_times) = (Vec::new(), Vec::new());

    for _ in 0..15 {
        for (body, times) in [(&unknown, &mut unknown_times), (&wrong, &mut wrong_times)] {
            let started = Instant::now();
            assert_eq!(login_raw(&app, body, None).await.status(), 401);
            times.push(started.elapsed().as_secs_f64());
        }
    }

    let (u, w) = (median(unknown_times), median(wrong_times));
    assert!(
        u > w * 0.5,
        "unknown accounts answer faster: {u:.4}s vs {w:.4}s"
    );
}

#[tokio::test]
async fn s14_a_tenant_id_in_the_login_body_is_ignored() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let mut body = credentials("acme", &acme.email("alice"), PASSWORD);
    body["tenant_id"] = json!(globex.id);
    body["role"] = json!("owner");

    let res = login_raw(&app, &body, None).await;

    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    assert_eq!(token["user"]["tenant_id"], json!(acme.id));
    assert!(token["user"].get("staff_role").is_none());
}

#[tokio::test]
async fn a_tenants_branding_is_public_and_an_unknown_slug_is_404() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let client = app.anonymous();

    let branding = client.branding(Some("acme")).await.unwrap();
    let unknown = client.branding(Some("initech")).await.unwrap_err();
    let unnamed = client.branding(None).await.unwrap_err();

    assert_eq!(branding.name, "acme (demo)");
    assert_eq!(
        branding.primary_color.as_deref(),
        Some(portico_api::demo::DEMO_PRIMARY)
    );
    assert_eq!(unknown.status(), Some(404));
    assert_eq!(unnamed.status(), Some(404));
}

#[tokio::test]
async fn without_a_slug_the_branding_follows_the_host_name_then_the_default_tenant() {
    let app = TestApp::spawn_with(|c| c.default_tenant = Some("globex".into())).await;
    app.tenant("acme").await;
    app.tenant("globex").await;
    let get = |host: &'static str| {
        app.http()
            .get(app.url("/api/v1/branding"))
            .header("host", host)
            .send()
    };

    let by_host: Value = get("acme.portal.example")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unknown_host: Value = get("initech.portal.example")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_default: Value = get("127.0.0.1").await.unwrap().json().await.unwrap();

    assert_eq!(by_host["slug"], "acme");
    assert_eq!(unknown_host["slug"], "globex");
    assert_eq!(by_default["slug"], "globex");
}

/// The `portico_device` cookie a successful sign-in set, as a `Cookie` header value.
fn device_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_device="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a device cookie")
}

async fn login_from(app: &TestApp, body: &Value, cookie: &str) -> reqwest::Response {
    app.http()
        .post(app.url("/api/v1/auth/login"))
        .header("cookie", cookie)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn s3_an_attacker_who_locks_an_account_does_not_lock_out_its_user_on_a_known_device() {
    let app = TestApp::spawn_with(|c| c.auth_rate_limit = 10_000).await;
    let acme = app.tenant("acme").await;
    let limit = app.state.config.login_failure_limit as usize;
    let right = credentials("acme", &acme.email("bob"), PASSWORD);
    let wrong = credentials("acme", &acme.email("bob"), "not-the-password-at-all");
    // Bob signed in on his laptop last week.
    let res = login_raw(&app, &right, None).await;
    assert_eq!(res.status(), 200);
    let laptop = device_cookie(&res);
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("HttpOnly")),
    );

    // An attacker locks the account for every unknown client.
    for _ in 0..limit {
        assert_eq!(login_raw(&app, &wrong, None).await.status(), 401);
    }
    assert_eq!(login_raw(&app, &right, None).await.status(), 429);

    // Bob, on his laptop, still gets in with the right password.
    assert_eq!(login_from(&app, &right, &laptop).await.status(), 200);
    // A device cookie of another account (or a forged one) is no way round the lock.
    let alice = login_raw(
        &app,
        &credentials("acme", &acme.email("alice"), PASSWORD),
        None,
    )
    .await;
    let alices = device_cookie(&alice);
    assert_eq!(login_from(&app, &right, &alices).await.status(), 429);
    let forged = format!("{}x", laptop);
    assert_eq!(login_from(&app, &right, &forged).await.status(), 429);

    // The laptop's own allowance: its wrong passwords lock only the laptop.
    for _ in 0..limit {
        assert_eq!(login_from(&app, &wrong, &laptop).await.status(), 401);
    }
    assert_eq!(login_from(&app, &right, &laptop).await.status(), 429);
    app.clock.advance(Duration::seconds(
        app.state.config.login_failure_window as i64 + 1,
    ));
    assert_eq!(login_from(&app, &right, &laptop).await.status(), 200);
}

#[tokio::test]
async fn s3_one_address_cannot_lock_out_many_accounts() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit = 10_000;
        c.login_source_failure_limit = 25;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let acme = app.tenant("acme").await;
    let limit = app.state.config.login_failure_limit as usize;
    let attacker = Some("203.0.113.9");
    // Locking one account takes `limit` failures; the address may fail 25 times in all.
    let mut locked = Vec::new();
    for who in ["owner", "agent", "alice", "bob", "carol", "dave"] {
        let wrong = credentials("acme", &acme.email(who), "not-the-password-at-all");
        let mut failures = 0;
        for _ in 0..limit {
            if login_raw(&app, &wrong, attacker).await.status() == 401 {
                failures += 1;
            }
        }
        if failures == limit {
            locked.push(who);
        }
    }
    assert_eq!(locked, ["owner", "agent"], "25 failures lock two accounts");
    // The address is refused now, even with a right password; Carol, elsewhere, is not.
    let carol = credentials("acme", &acme.email("carol"), PASSWORD);
    assert_eq!(login_raw(&app, &carol, attacker).await.status(), 429);
    assert_eq!(
        login_raw(&app, &carol, Some("198.51.100.7")).await.status(),
        200
    );
}
