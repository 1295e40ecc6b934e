//! Password storage and policy (SECURITY.md S1, S2).

use crate::helpers::{PASSWORD, TestApp};
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use portico_api::audit::Actor;
use portico_api::audit::Origin;
use portico_api::auth;
use portico_api::passwords::Password;

const HASH_OF_USER: &str = "SELECT password_hash FROM users WHERE id = $1";

fn assert_current_parameters(hash: &str) {
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "not an argon2id hash with OWASP parameters: {hash}"
    );
}

#[tokio::test]
async fn s1_passwords_are_stored_as_argon2id_with_owasp_parameters() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let hash = app.read_text(HASH_OF_USER, acme.user("alice").0).await;

    assert_current_parameters(&hash);
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn s1_a_login_with_a_weaker_stored_hash_upgrades_it() {
    // Arrange: alice's hash made with yesterday's cheaper parameters.
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes())
    .unwrap()
    .to_string();
    app.execute(&format!(
        "UPDATE users SET password_hash = '{weak}' WHERE email = '{}'",
        acme.email("alice")
    ))
    .await
    .unwrap();

    // Act
    acme.login("alice").await;

    // Assert
    let hash = app.read_text(HASH_OF_USER, acme.user("alice").0).await;
    assert_ne!(hash, weak);
    assert_current_parameters(&hash);
    acme.login("alice").await;
}

/// The first `n` characters of a passphrase that does not repeat itself.
fn prose(n: usize) -> String {
    let text = "Seven amber otters drift past quiet lighthouses while nine copper kites circle \
        the harbour at dusk, humming forgotten shanties backwards into a northern wind; meanwhile \
        a patient cartographer in Valparaiso redraws 42 coastlines by candlelight, counting gulls, \
        misplacing compasses and whistling.";
    assert!(text.len() >= n);
    text[..n].to_string()
}

#[tokio::test]
async fn s2_the_password_policy_accepts_length_refuses_common_and_never_truncates() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let bob = acme.user("bob");
    let set = |password: String| {
        let state = app.state.clone();
        let tenant = acme.id;
        async move {
            auth::service::change_password(
                state.ctx(),
                &state.passwords,
                &Actor::system("test"),
                &Origin::cli(),
                tenant,
                bob,
                Password::new(password),
            )
            .await
        }
    };
    let cases: &[(&str, String, bool)] = &[
        ("11 characters", "kq8vz3mwp2x".into(), false),
        ("12 characters", "kq8vz3mwp2xr".into(), true),
        (
            "no composition rules",
            "lowercase only words here".into(),
            true,
        ),
        ("128 characters", prose(128), true),
        ("256 characters", prose(256), true),
        ("common password", "password1234".into(), false),
        ("a keyboard walk", "qwertyuiop123".into(), false),
        ("the user's own email", acme.email("bob"), false),
        ("257 characters", prose(257), false),
    ];
    for (name, password, accepted) in cases {
        let result = set(password.clone()).await;
        assert_eq!(result.is_ok(), *accepted, "{name}: {result:?}");
    }

    // Never truncated: the long password works whole, and its prefix does not.
    let long = prose(120);
    set(long.clone()).await.unwrap();
    let client = app.anonymous();
    let prefix = &long[..long.len() - 1];
    assert!(
        client
            .login(&acme.credentials("bob", prefix))
            .await
            .is_err()
    );
    assert!(
        client
            .login(&acme.credentials("bob", &long[..72]))
            .await
            .is_err()
    );
    client.login(&acme.credentials("bob", &long)).await.unwrap();
}
