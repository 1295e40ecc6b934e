//! Self-service: magic links (single use, ≤ 15 minutes), password resets without account
//! enumeration (S5) that end every session (S9), profiles, email changes confirmed through the
//! new address, and mail delivery that survives a restart.

use crate::helpers::{
    PASSWORD, TestApp, assert_problem, assert_signed_out, error_fields, problem_type,
};
use chrono::Duration;
use portico_api::config::Config;
use portico_shared::ProblemType;
use portico_shared::people::{ChangeEmail, RequestLink, SetPasswordWithLink, UpdateProfile};
use serde_json::json;

const NEW_PASSWORD: &str = "amber-orchard-compass-5150";

fn request(slug: &str, email: &str) -> RequestLink {
    RequestLink {
        tenant: slug.into(),
        email: email.into(),
    }
}

#[tokio::test]
async fn a_magic_link_signs_in_once_and_only_within_15_minutes() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let email = acme.email("alice");
    app.anonymous()
        .request_magic_link(&request(&acme.slug, &email))
        .await
        .unwrap();
    let token = app.link_sent_to(&acme, &email, "sign-in link").await;

    let client = app.anonymous();
    let signed_in = client.redeem_magic_link(&token).await.unwrap();
    assert_eq!(signed_in.user.email, email);
    assert_eq!(client.me().await.unwrap().user.email, email);
    let again = app.anonymous().redeem_magic_link(&token).await.unwrap_err();
    assert_eq!(again.kind(), Some(ProblemType::LinkExpired));

    // A second request within a minute sends nothing more; later ones do.
    app.anonymous()
        .request_magic_link(&request(&acme.slug, &email))
        .await
        .unwrap();
    assert_eq!(app.mail_to(&acme, &email).await.len(), 1);
    app.clock.advance(Duration::seconds(61));
    app.anonymous()
        .request_magic_link(&request(&acme.slug, &email))
        .await
        .unwrap();
    let late = app.link_sent_to(&acme, &email, "sign-in link").await;
    app.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    let expired = app.anonymous().redeem_magic_link(&late).await.unwrap_err();
    assert_eq!(expired.kind(), Some(ProblemType::LinkExpired));
    let forged = app
        .anonymous()
        .redeem_magic_link("not-a-real-secret")
        .await
        .unwrap_err();
    assert_eq!(forged.status(), Some(410));
}

#[tokio::test]
async fn s5_asking_for_a_reset_or_a_link_answers_alike_for_known_unknown_and_disabled_addresses() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    owner.disable_person(acme.user("carol")).await.unwrap();
    let jobs_before = app.row_counts().await;

    let mut answers = Vec::new();
    for path in ["/api/v1/auth/password-reset", "/api/v1/auth/magic-link"] {
        for email in [
            acme.email("bob"),
            "nobody@acme.test".to_string(),
            acme.email("carol"),
        ] {
            let res = app
                .http()
                .post(app.url(path))
                .json(&json!({ "tenant": acme.slug, "email": email }))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body = res.bytes().await.unwrap();
            answers.push((path, status, body));
        }
    }
    assert!(
        answers.iter().all(|(_, s, b)| *s == 202 && b.is_empty()),
        "{answers:?}"
    );
    // The requests did the same work: one queued lookup each, nothing else.
    let jobs_after = app.row_counts().await;
    let count = |counts: &[(String, i64)], table: &str| {
        counts
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(count(&jobs_after, "jobs") - count(&jobs_before, "jobs"), 6);
    assert_eq!(
        count(&jobs_after, "email_links"),
        count(&jobs_before, "email_links")
    );

    assert_eq!(app.mail_to(&acme, &acme.email("bob")).await.len(), 2);
    assert!(app.mail_to(&acme, "nobody@acme.test").await.is_empty());
    assert!(app.mail_to(&acme, &acme.email("carol")).await.is_empty());
    // An unknown tenant answers alike too.
    app.anonymous()
        .request_password_reset(&request("no-such-tenant", "x@y.test"))
        .await
        .unwrap();
}

#[tokio::test]
async fn s2_s9_a_password_reset_checks_the_new_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let email = acme.email("dave");
    let (laptop, phone) = (acme.login("dave").await, acme.login("dave").await);
    app.anonymous()
        .request_password_reset(&request(&acme.slug, &email))
        .await
        .unwrap();
    let mail = app
        .mail_to(&acme, &email)
        .await
        .pop()
        .expect("a reset mail");
    assert!(mail.subject().contains("Reset"), "{}", mail.subject());
    let token = mail.token().unwrap();

    let client = app.anonymous();
    for (password, why) in [
        ("short", "too short"),
        ("password1234", "common"),
        (email.as_str(), "the email address"),
    ] {
        let err = client
            .complete_password_reset(&SetPasswordWithLink {
                token: token.clone(),
                password: password.into(),
                name: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(ProblemType::Validation), "{why}");
    }
    client
        .complete_password_reset(&SetPasswordWithLink {
            token: token.clone(),
            password: NEW_PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap();
    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    assert!(client.me().await.is_ok(), "the new session works");
    let old = app
        .anonymous()
        .login(&acme.credentials("dave", PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(old.kind(), Some(ProblemType::InvalidCredentials));
    app.anonymous()
        .login(&acme.credentials("dave", NEW_PASSWORD))
        .await
        .unwrap();
    let reused = app
        .anonymous()
        .complete_password_reset(&SetPasswordWithLink {
            token,
            password: "another-fine-passphrase-77".into(),
            name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(reused.kind(), Some(ProblemType::LinkExpired));
}

#[tokio::test]
async fn a_profile_is_validated_saved_and_cleared_field_by_field() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;

    let saved = alice
        .update_profile(&UpdateProfile {
            name: Some(" Alice Able ".into()),
            phone: Some("+44 20 7946 0958".into()),
            locale: Some("en-GB".into()),
            time_zone: Some("Europe/London".into()),
        })
        .await
        .unwrap();
    assert_eq!(saved.name, "Alice Able");
    assert_eq!(saved.phone.as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(saved.locale.as_deref(), Some("en-GB"));
    assert_eq!(saved.time_zone.as_deref(), Some("Europe/London"));
    assert_eq!(alice.me().await.unwrap().user, saved);

    let cleared = alice
        .update_profile(&UpdateProfile {
            phone: Some(String::new()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(cleared.phone, None);
    assert_eq!(cleared.locale.as_deref(), Some("en-GB"), "others unchanged");

    let res = app
        .http()
        .patch(app.url("/api/v1/me"))
        .bearer_auth(alice.access_token().unwrap())
        .json(&json!({ "phone": "call me", "time_zone": "../../etc", "name": "" }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422).await;
    let fields = error_fields(&problem);
    assert_eq!(fields, ["name", "phone", "time_zone"]);
    // S14: status and email are not profile fields.
    let res = app
        .http()
        .patch(app.url("/api/v1/me"))
        .bearer_auth(alice.access_token().unwrap())
        .json(&json!({ "email": "boss@acme.test", "status": "active" }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem_type(&assert_problem(res, 422).await), "validation");
    assert_eq!(alice.me().await.unwrap().user, cleared);
}

#[tokio::test]
async fn an_email_change_needs_the_password_and_a_confirmation_from_the_new_address() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let old = acme.email("alice");

    let wrong = alice
        .change_email(&ChangeEmail {
            new_email: "alice@new.test".into(),
            password: "not-my-password-at-all".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), Some(ProblemType::Validation));
    assert!(app.mail_to(&acme, "alice@new.test").await.is_empty());

    alice
        .change_email(&ChangeEmail {
            new_email: "Alice@New.test".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    assert_eq!(alice.me().await.unwrap().user.email, old, "not yet");
    let token = app.link_sent_to(&acme, "alice@new.test", "Confirm").await;
    app.anonymous().confirm_email_change(&token).await.unwrap();
    assert_eq!(alice.me().await.unwrap().user.email, "alice@new.test");
    let notice = app.mail_to(&acme, &old).await;
    assert!(
        notice.iter().any(|m| m.subject().contains("was changed")),
        "the old address is told"
    );
    let mut login = acme.credentials("alice", PASSWORD);
    login.email = "alice@new.test".into();
    app.anonymous().login(&login).await.unwrap();
    let twice = app
        .anonymous()
        .confirm_email_change(&token)
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), Some(ProblemType::LinkExpired));

    // A taken address gets no link, and the answer does not say so.
    alice
        .change_email(&ChangeEmail {
            new_email: acme.email("bob"),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    let to_bob = app.mail_to(&acme, &acme.email("bob")).await;
    assert!(
        to_bob.is_empty(),
        "{:?}",
        to_bob.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_mailbox_folder_and_the_log_says_where() {
    let app = TestApp::spawn_with(|c: &mut Config| c.smtp_url = None).await;
    let acme = app.tenant("acme").await;
    let email = acme.email("bob");
    app.anonymous()
        .request_magic_link(&request(&acme.slug, &email))
        .await
        .unwrap();
    let mails = app.mail_to(&acme, &email).await;
    assert_eq!(mails.len(), 1);
    let dir = app.state.config.mailbox_dir();
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].path().extension().is_some_and(|e| e == "eml"));
    assert!(
        app.state
            .mailer
            .describe()
            .contains(&dir.display().to_string())
    );
}

#[tokio::test]
async fn queued_mail_survives_a_server_restart_and_is_delivered_once() {
    let first = TestApp::spawn_with(|c: &mut Config| c.smtp_url = None).await;
    let acme = first.tenant("acme").await;
    let email = acme.email("bob");
    first
        .anonymous()
        .request_password_reset(&request(&acme.slug, &email))
        .await
        .unwrap();
    // The first server stops before its worker ran anything; a new one starts on the same
    // database and mailbox.
    let database_url = first.state.config.database_url();
    let (data_dir, mailbox) = (first.data_dir.clone(), first.state.config.mailbox_dir());
    let second = TestApp::spawn_with(move |c: &mut Config| {
        c.database_url = Some(database_url);
        c.data_dir = data_dir.join("second");
        c.mailbox_dir = Some(mailbox);
        c.smtp_url = None;
    })
    .await;
    assert_eq!(second.run_jobs().await, 2, "the lookup, then the mail");
    assert_eq!(second.run_jobs().await, 0);
    assert_eq!(first.run_jobs().await, 0, "nothing left for anyone");
    assert_eq!(second.mail_to(&acme, &email).await.len(), 1);
}

#[tokio::test]
async fn confirming_an_email_change_retires_the_links_sent_to_the_old_address() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let old = acme.email("alice");
    let anonymous = app.anonymous();
    anonymous
        .request_magic_link(&request(&acme.slug, &old))
        .await
        .unwrap();
    let sign_in = app.link_sent_to(&acme, &old, "sign-in link").await;
    anonymous
        .request_password_reset(&request(&acme.slug, &old))
        .await
        .unwrap();
    let reset = app.link_sent_to(&acme, &old, "Reset").await;

    let alice = acme.login("alice").await;
    alice
        .change_email(&ChangeEmail {
            new_email: "alice@new.test".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    let confirm = app.link_sent_to(&acme, "alice@new.test", "Confirm").await;
    anonymous.confirm_email_change(&confirm).await.unwrap();

    let refused = anonymous.redeem_magic_link(&sign_in).await.unwrap_err();
    assert_eq!(refused.kind(), Some(ProblemType::LinkExpired));
    let refused = anonymous
        .complete_password_reset(&SetPasswordWithLink {
            token: reset,
            password: NEW_PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), Some(ProblemType::LinkExpired));
}
