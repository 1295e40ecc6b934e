//! Ending sessions (SECURITY.md S9): logout, disabling, a password change and a role change
//! end a user's sessions at once — both the access token and the refresh token stop working.

use crate::helpers::{PASSWORD, TestApp, TestTenant, assert_signed_out};
use portico_api::audit::Actor;
use portico_api::audit::Origin;
use portico_api::passwords::Password;
use portico_api::{auth, people};
use portico_shared::auth::ChangePassword;
use portico_shared::client::Client;
use portico_shared::tenancy::{StaffRole, UserStatus};

/// Two sessions of the same user, as from a laptop and a phone.
async fn two_sessions(acme: &TestTenant, who: &str) -> (Client, Client) {
    (acme.login(who).await, acme.login(who).await)
}

#[tokio::test]
async fn s9_logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "alice").await;
    let stolen = laptop.access_token();

    laptop.logout().await.unwrap();

    let copy = app.anonymous();
    copy.set_access_token(stolen);
    assert_eq!(copy.me().await.unwrap_err().status(), Some(401));
    assert_signed_out(&laptop).await;
    phone.me().await.unwrap();
}

#[tokio::test]
async fn s9_logout_with_only_a_bearer_token_ends_that_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let token_only = app.anonymous();
    token_only.set_access_token(alice.access_token());

    token_only.logout().await.unwrap();

    assert_signed_out(&alice).await;
}

#[tokio::test]
async fn s9_disabling_a_user_ends_every_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "bob").await;

    people::service::set_status(
        app.state.ctx(),
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        acme.user("bob"),
        UserStatus::Disabled,
    )
    .await
    .unwrap();

    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    let again = app
        .anonymous()
        .login(&acme.credentials("bob", crate::helpers::PASSWORD))
        .await;
    assert_eq!(again.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn s9_a_password_change_ends_every_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "carol").await;

    auth::service::change_password(
        app.state.ctx(),
        &app.state.passwords,
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        acme.user("carol"),
        Password::new("a-brand-new-passphrase-2026"),
    )
    .await
    .unwrap();

    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    app.anonymous()
        .login(&acme.credentials("carol", "a-brand-new-passphrase-2026"))
        .await
        .unwrap();
}

#[tokio::test]
async fn s9_a_role_change_ends_every_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "agent").await;

    people::service::set_staff_role(
        app.state.ctx(),
        &Actor::system("test"),
        &Origin::cli(),
        acme.id,
        acme.user("agent"),
        StaffRole::Admin,
    )
    .await
    .unwrap();

    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    let me = acme.login("agent").await.me().await.unwrap();
    assert_eq!(me.staff_role, Some(StaffRole::Admin));
}

#[tokio::test]
async fn a_user_lists_their_sessions_and_ends_another_one_at_once() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "alice").await;

    let sessions = laptop.my_sessions().await.unwrap();

    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert!(
        sessions
            .iter()
            .all(|s| s.ip.as_deref() == Some("127.0.0.1"))
    );
    let other = sessions.iter().find(|s| !s.current).unwrap().id;
    laptop.end_session(other).await.unwrap();
    assert_signed_out(&phone).await;
    assert_eq!(laptop.my_sessions().await.unwrap().len(), 1);
    assert_eq!(
        laptop.end_session(other).await.unwrap_err().status(),
        Some(404)
    );
}

#[tokio::test]
async fn s9_nobody_ends_a_colleagues_session() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let bob = acme.login("bob").await;
    let bobs = bob.my_sessions().await.unwrap()[0].id;

    for who in ["alice", "owner"] {
        let err = acme.login(who).await.end_session(bobs).await.unwrap_err();
        assert_eq!(err.status(), Some(404), "{who}");
    }

    bob.me().await.unwrap();
}

fn change(current: &str, new: &str) -> ChangePassword {
    ChangePassword {
        current_password: current.into(),
        new_password: new.into(),
    }
}

#[tokio::test]
async fn s9_changing_ones_own_password_ends_the_other_sessions_but_not_this_one() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "dave").await;
    let fresh = "quince-harbour-metronome-31";

    laptop
        .change_password(&change(PASSWORD, fresh))
        .await
        .unwrap();

    laptop.me().await.unwrap();
    assert_signed_out(&phone).await;
    let old = app
        .anonymous()
        .login(&acme.credentials("dave", PASSWORD))
        .await;
    assert_eq!(old.unwrap_err().status(), Some(401));
    app.anonymous()
        .login(&acme.credentials("dave", fresh))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (laptop, phone) = two_sessions(&acme, "dave").await;

    let wrong = laptop
        .change_password(&change("not-my-password-1", "quince-harbour-metronome-31"))
        .await
        .unwrap_err();
    let weak = laptop
        .change_password(&change(PASSWORD, "password1234"))
        .await
        .unwrap_err();

    assert_eq!(wrong.status(), Some(422));
    assert_eq!(wrong.problem().unwrap().errors[0].field, "current_password");
    assert_eq!(weak.status(), Some(422));
    assert_eq!(weak.problem().unwrap().errors[0].field, "new_password");
    phone.me().await.unwrap();
    app.anonymous()
        .login(&acme.credentials("dave", PASSWORD))
        .await
        .unwrap();
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let dave = acme.login("dave").await;
    let limit = app.state.config.login_failure_limit;

    for _ in 0..limit {
        let err = dave
            .change_password(&change("guess-guess-guess", "quince-harbour-metronome-31"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422));
    }
    let locked = dave
        .change_password(&change(PASSWORD, "quince-harbour-metronome-31"))
        .await
        .unwrap_err();

    assert_eq!(locked.status(), Some(429));
    assert!(locked.problem().unwrap().retry_after.is_some());
}
