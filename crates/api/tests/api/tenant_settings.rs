//! The tenant's settings: staff admins change the name, colours, support address and custom
//! domain, and upload a logo checked for type, content and size (S15); the sign-in page's
//! branding follows, by slug, custom domain or `<slug>.<base domain>`.

use crate::helpers::{DnsServer, TestApp, assert_problem, contact, error_fields};
use portico_api::config::Config;
use portico_shared::ProblemType;
use portico_shared::tenancy::{Scope, UpdateTenant};

/// The status and the tenant slug `/api/v1/branding` answers for a request to `host`.
async fn by_host(app: &TestApp, host: &str) -> (u16, String) {
    let res = app
        .http()
        .get(app.url("/api/v1/branding"))
        .header("host", host)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (
        status,
        body["slug"].as_str().unwrap_or_default().to_string(),
    )
}

/// The tenant slug a request to `host` is branded for ("" for none).
async fn branding_at(app: &TestApp, host: &str) -> String {
    by_host(app, host).await.1
}

/// A server whose custom-domain checks ask `dns`, with tenants under `portal.test`.
async fn with_dns(dns: &DnsServer) -> TestApp {
    let resolver = dns.address.to_string();
    TestApp::spawn_with(|c: &mut Config| {
        c.base_domain = Some("portal.test".into());
        c.dns_resolver = Some(resolver);
    })
    .await
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn an_owner_changes_the_branding_and_the_sign_in_page_follows() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;

    let changed = owner
        .update_tenant(&UpdateTenant {
            name: Some(" Acme Advisory ".into()),
            primary_color: Some("#0E7490".into()),
            accent_color: Some(String::new()),
            support_email: Some("Help@Acme.test".into()),
            custom_domain: None,
        })
        .await
        .unwrap();
    assert_eq!(changed.tenant.branding.name, "Acme Advisory");
    assert_eq!(
        changed.tenant.branding.primary_color.as_deref(),
        Some("#0e7490")
    );
    assert_eq!(changed.tenant.branding.accent_color, None);
    assert_eq!(changed.support_email.as_deref(), Some("help@acme.test"));
    assert_eq!(owner.tenant_settings().await.unwrap(), changed);
    let branding = app.anonymous().branding(Some(&acme.slug)).await.unwrap();
    assert_eq!(branding, changed.tenant.branding);

    let res = app
        .http()
        .patch(app.url("/api/v1/tenant"))
        .bearer_auth(owner.access_token().unwrap())
        .json(&serde_json::json!({ "primary_color": "red", "support_email": "nope", "custom_domain": "localhost" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422).await;
    let fields = error_fields(&problem);
    assert_eq!(fields, ["primary_color", "support_email", "custom_domain"]);

    // S13: agents and contacts do not change settings; contacts do not read them.
    let agent = acme.login("agent").await;
    assert!(agent.tenant_settings().await.is_ok());
    let denied = agent
        .update_tenant(&UpdateTenant::default())
        .await
        .unwrap_err();
    assert_eq!(denied.status(), Some(403));
    let alice = acme.login("alice").await;
    assert_eq!(
        alice.tenant_settings().await.unwrap_err().status(),
        Some(403)
    );
    assert_eq!(
        alice
            .update_tenant(&UpdateTenant::default())
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    // The support address answers replies to the portal's mail.
    owner
        .invite_person(&contact(
            "reply@example.test",
            "Reply",
            acme.northwind(),
            &[Scope::Billing],
        ))
        .await
        .unwrap();
    let mail = app
        .mail_to(&acme, "reply@example.test")
        .await
        .pop()
        .unwrap();
    assert!(mail.header("reply-to").unwrap().contains("help@acme.test"));
    assert!(
        mail.html.contains("#0e7490"),
        "the mail wears the new colour"
    );
}

#[tokio::test]
async fn a_custom_domain_or_a_base_domain_subdomain_names_the_tenant() {
    let dns = DnsServer::start().await;
    let app = with_dns(&dns).await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = acme.login("owner").await;
    let pending = owner
        .update_tenant(&UpdateTenant {
            custom_domain: Some("Clients.Acme.Example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!pending.custom_domain_verified);
    let record = pending.custom_domain_record.expect("a record to publish");
    assert_eq!(record.name, "_portico-challenge.clients.acme.example");
    // Proven by the DNS record the tenant publishes.
    dns.publish(&record.name, &record.value);
    let verified = owner.verify_custom_domain().await.unwrap();
    assert!(verified.custom_domain_verified);
    assert!(verified.custom_domain_record.is_none());
    assert_eq!(
        by_host(&app, "clients.acme.example").await,
        (200, "acme".into())
    );
    assert_eq!(
        by_host(&app, "clients.acme.example:8443").await,
        (200, "acme".into())
    );
    assert_eq!(
        by_host(&app, "globex.portal.test").await,
        (200, "globex".into())
    );
    assert_eq!(
        by_host(&app, "globex.elsewhere.test").await.0,
        404,
        "only under the base domain"
    );

    // One domain, one tenant.
    let taken = globex
        .login("owner")
        .await
        .update_tenant(&UpdateTenant {
            custom_domain: Some("clients.acme.example".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(taken.kind(), Some(ProblemType::Conflict));

    // Mail links go to the tenant's own address.
    owner
        .invite_person(&contact(
            "d@example.test",
            "D",
            acme.northwind(),
            &[Scope::Billing],
        ))
        .await
        .unwrap();
    let mail = app.mail_to(&acme, "d@example.test").await.pop().unwrap();
    assert!(
        mail.text
            .contains("http://clients.acme.example/invitation?tenant=acme#token="),
        "{}",
        mail.text
    );
    globex
        .login("owner")
        .await
        .invite_person(&contact(
            "g@example.test",
            "G",
            globex.northwind(),
            &[Scope::Billing],
        ))
        .await
        .unwrap();
    let mail = app.mail_to(&globex, "g@example.test").await.pop().unwrap();
    assert!(
        mail.text.contains("http://globex.portal.test/invitation"),
        "{}",
        mail.text
    );
}

#[tokio::test]
async fn s15_a_logo_is_checked_for_type_content_and_size_and_served_with_nosniff() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;

    let svg = owner
        .upload_logo(
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            "image/svg+xml",
        )
        .await
        .unwrap_err();
    assert_eq!(svg.status(), Some(415));
    let renamed = owner
        .upload_logo(b"MZ\x90\0 this is an executable".to_vec(), "image/png")
        .await
        .unwrap_err();
    assert_eq!(renamed.kind(), Some(ProblemType::Validation));
    let mut huge = PNG.to_vec();
    huge.resize(600 * 1024, 0);
    let too_big = owner.upload_logo(huge, "image/png").await.unwrap_err();
    assert_eq!(too_big.status(), Some(413));
    assert_eq!(
        owner
            .tenant_settings()
            .await
            .unwrap()
            .tenant
            .branding
            .logo_url,
        None
    );
    let agent = acme.login("agent").await;
    assert_eq!(
        agent
            .upload_logo(PNG.to_vec(), "image/png")
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    let with_logo = owner.upload_logo(PNG.to_vec(), "image/png").await.unwrap();
    let url = with_logo.tenant.branding.logo_url.clone().unwrap();
    assert!(
        url.starts_with("/api/v1/branding/logo?tenant=acme&v="),
        "{url}"
    );
    let res = app.http().get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(
        app.anonymous()
            .branding(Some("acme"))
            .await
            .unwrap()
            .logo_url,
        Some(url)
    );

    let without = owner.delete_logo().await.unwrap();
    assert_eq!(without.tenant.branding.logo_url, None);
    let gone = app
        .http()
        .get(app.url("/api/v1/branding/logo?tenant=acme"))
        .send()
        .await
        .unwrap();
    assert_problem(gone, 404).await;
}

#[tokio::test]
async fn a_tenant_cannot_take_over_another_tenants_host_name() {
    let dns = DnsServer::start().await;
    let app = with_dns(&dns).await;
    let _acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = globex.login("owner").await;

    // Acme's own address under the base domain cannot be claimed at all.
    let claimed = owner
        .update_tenant(&UpdateTenant {
            custom_domain: Some("acme.portal.test".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(claimed.status(), Some(422));
    assert_eq!(branding_at(&app, "acme.portal.test").await, "acme");

    // Any other domain routes only once proven: an unproven claim changes nothing.
    let pending = owner
        .update_tenant(&UpdateTenant {
            custom_domain: Some("portal.acme-clients.example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!pending.custom_domain_verified);
    assert_eq!(branding_at(&app, "portal.acme-clients.example").await, "");
    let unproven = owner.verify_custom_domain().await.unwrap_err();
    assert_eq!(unproven.status(), Some(409));
    // A record with another token proves nothing either.
    let record = pending.custom_domain_record.unwrap();
    dns.publish(&record.name, "portico-verify=someone-elses");
    app.run_jobs().await;
    assert_eq!(branding_at(&app, "portal.acme-clients.example").await, "");
    assert!(
        !owner
            .tenant_settings()
            .await
            .unwrap()
            .custom_domain_verified
    );
    // The job finds the right record when it appears.
    dns.publish(&record.name, &record.value);
    app.clock.advance(chrono::Duration::hours(1));
    app.run_jobs().await;
    assert_eq!(
        branding_at(&app, "portal.acme-clients.example").await,
        "globex"
    );
}
