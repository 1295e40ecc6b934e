//! Access tokens and refresh tokens (SECURITY.md S6, S7, S8, S10).

use crate::helpers::{TestApp, TestTenant, assert_problem, problem_type};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portico_shared::ProblemType;
use portico_shared::client::Client;
use serde_json::{Value, json};

/// The server's current signing key, read from its data directory, so tests can forge tokens
/// that differ from real ones in exactly one respect.
struct Forger {
    kid: String,
    seed: [u8; 32],
}

impl Forger {
    fn of(app: &TestApp) -> Forger {
        let file: Value =
            serde_json::from_slice(&std::fs::read(app.data_dir.join("signing-keys.json")).unwrap())
                .unwrap();
        let current = file["keys"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|k| k["retired_at"].is_null())
            .unwrap();
        Forger {
            kid: current["kid"].as_str().unwrap().into(),
            seed: URL_SAFE_NO_PAD
                .decode(current["seed"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap(),
        }
    }

    fn key(seed: &[u8; 32]) -> EncodingKey {
        let mut pkcs8 = hex::decode("302e020100300506032b657004220420").unwrap();
        pkcs8.extend_from_slice(seed);
        EncodingKey::from_ed_der(&pkcs8)
    }

    fn header(&self) -> Header {
        let mut h = Header::new(Algorithm::EdDSA);
        h.typ = Some("at+jwt".into());
        h.kid = Some(self.kid.clone());
        h
    }

    fn sign(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &Self::key(&self.seed)).unwrap()
    }
}

/// The claims of the token `client` holds.
fn claims_of(client: &Client) -> Value {
    let token = client.access_token().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()
}

async fn me_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let res = me_with(app, token).await;
    assert_eq!(res.status(), 401, "accepted a token with {why}");
    let body = assert_problem(res, 401).await;
    assert_eq!(problem_type(&body), ProblemType::Unauthorized.slug());
}

async fn signed_in(app: &TestApp) -> (TestTenant, Client, Value) {
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let claims = claims_of(&alice);
    (acme, alice, claims)
}

#[tokio::test]
async fn a_forged_token_identical_to_a_real_one_is_accepted_so_the_refusals_below_mean_something() {
    let app = TestApp::spawn().await;
    let (_acme, _alice, claims) = signed_in(&app).await;
    let forger = Forger::of(&app);

    let res = me_with(&app, &forger.sign(&forger.header(), &claims)).await;

    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn s6_tokens_with_alg_none_a_symmetric_algorithm_or_an_unknown_key_are_refused() {
    let app = TestApp::spawn().await;
    let (_acme, _alice, claims) = signed_in(&app).await;
    let forger = Forger::of(&app);
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());

    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "at+jwt", "kid": forger.kid })),
        b64(&claims)
    );
    assert_refused(&app, &none, "alg none").await;

    // HS256 keyed with the public key (the classic algorithm-confusion attack).
    let public = app.anonymous().jwks().await.unwrap().keys[0].x.clone();
    let mut hs = Header::new(Algorithm::HS256);
    hs.typ = Some("at+jwt".into());
    hs.kid = Some(forger.kid.clone());
    for secret in [
        public.as_bytes().to_vec(),
        URL_SAFE_NO_PAD.decode(&public).unwrap(),
    ] {
        let token = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        assert_refused(&app, &token, "HS256 keyed with the public key").await;
    }

    // A key of our own, announced under an unknown kid, then under the server's kid.
    let stranger = Forger {
        kid: "k-not-ours".into(),
        seed: [7u8; 32],
    };
    assert_refused(
        &app,
        &stranger.sign(&stranger.header(), &claims),
        "an unknown kid",
    )
    .await;
    let impostor = Forger {
        kid: forger.kid.clone(),
        seed: [7u8; 32],
    };
    assert_refused(
        &app,
        &impostor.sign(&impostor.header(), &claims),
        "a wrong signature",
    )
    .await;
    let mut no_kid = forger.header();
    no_kid.kid = None;
    assert_refused(&app, &forger.sign(&no_kid, &claims), "no kid").await;
}

#[tokio::test]
async fn s6_tokens_carrying_jku_x5u_or_jwk_headers_are_refused_even_when_well_signed() {
    let app = TestApp::spawn().await;
    let (_acme, _alice, claims) = signed_in(&app).await;
    let forger = Forger::of(&app);
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(json!({
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    }))
    .unwrap();

    let mut jku = forger.header();
    jku.jku = Some("https://attacker.example/jwks.json".into());
    let mut x5u = forger.header();
    x5u.x5u = Some("https://attacker.example/cert.pem".into());
    let mut with_jwk = forger.header();
    with_jwk.jwk = Some(jwk);

    for (why, header) in [("jku", jku), ("x5u", x5u), ("jwk", with_jwk)] {
        assert_refused(&app, &forger.sign(&header, &claims), why).await;
    }
}

#[tokio::test]
async fn s7_tokens_with_missing_or_wrong_claims_or_type_are_refused() {
    let app = TestApp::spawn().await;
    let (_acme, _alice, claims) = signed_in(&app).await;
    let forger = Forger::of(&app);
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(key);
        c
    };
    let iat = claims["iat"].as_i64().unwrap();
    let cases = [
        ("no exp", without("exp")),
        ("no iat", without("iat")),
        ("no iss", without("iss")),
        ("no aud", without("aud")),
        ("another audience", with("aud", json!("billing-service"))),
        ("another issuer", with("iss", json!("https://evil.example"))),
        (
            "an issue time beyond the leeway",
            with("iat", json!(iat + 31)).clone(),
        ),
        ("a lifetime over 15 minutes", with("exp", json!(iat + 3600))),
        ("an expiry in the past", with("exp", json!(iat - 31))),
    ];
    for (why, claims) in &cases {
        assert_refused(&app, &forger.sign(&forger.header(), claims), why).await;
    }

    let mut plain = forger.header();
    plain.typ = Some("JWT".into());
    assert_refused(&app, &forger.sign(&plain, &claims), "typ JWT").await;
    let mut refresh_typ = forger.header();
    refresh_typ.typ = Some("refresh+jwt".into());
    assert_refused(&app, &forger.sign(&refresh_typ, &claims), "typ refresh+jwt").await;
}

#[tokio::test]
async fn s7_an_access_token_expires_after_its_lifetime_with_a_small_leeway() {
    let app = TestApp::spawn().await;
    let (_acme, alice, claims) = signed_in(&app).await;
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(lifetime <= 900);

    app.clock.advance(Duration::seconds(lifetime));
    alice.me().await.unwrap();
    app.clock.advance(Duration::seconds(31));

    let err = alice.me().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn s7_a_refresh_token_is_not_an_access_token() {
    let app = TestApp::spawn().await;
    let (_acme, alice, _claims) = signed_in(&app).await;

    assert_refused(&app, &alice.refresh_cookie().unwrap(), "a refresh token").await;
}

#[tokio::test]
async fn s8_the_refresh_cookie_is_httponly_secure_strict_and_scoped_to_auth() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let res = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .json(&acme.credentials("alice", crate::helpers::PASSWORD))
        .send()
        .await
        .unwrap();

    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for wanted in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(
            attributes.contains(&wanted),
            "{wanted} missing from {cookie}"
        );
    }
    let value = attributes[0].strip_prefix("portico_refresh=").unwrap();
    assert!(
        URL_SAFE_NO_PAD.decode(value).unwrap().len() >= 16,
        "under 128 bits"
    );
}

#[tokio::test]
async fn s8_refresh_tokens_are_stored_hashed_and_rotate_on_use() {
    let app = TestApp::spawn().await;
    let (_acme, alice, _claims) = signed_in(&app).await;
    let r1 = alice.refresh_cookie().unwrap();

    let token = alice.refresh().await.unwrap();

    let r2 = alice.refresh_cookie().unwrap();
    assert_ne!(r1, r2);
    alice.set_access_token(Some(token.access_token));
    alice.me().await.unwrap();
    let mut conn = app.state.db.conn().await.unwrap();
    let stored: Vec<String> = portico_api::on_db!(&mut conn, c =>
        sqlx::query_scalar("SELECT token_hash FROM refresh_tokens").fetch_all(c).await)
    .unwrap();
    assert_eq!(stored.len(), 2);
    for hash in stored {
        assert_ne!(hash, r1);
        assert_ne!(hash, r2);
        assert!(hash.len() >= 43, "not a digest: {hash}");
    }
}

#[tokio::test]
async fn s8_replaying_a_rotated_refresh_token_revokes_the_whole_family() {
    // Arrange: R1 → R2.
    let app = TestApp::spawn().await;
    let (_acme, alice, _claims) = signed_in(&app).await;
    let r1 = alice.refresh_cookie().unwrap();
    alice.refresh().await.unwrap();
    let r2 = alice.refresh_cookie().unwrap();

    // Act: an attacker replays R1.
    let thief = app.anonymous();
    thief.set_refresh_cookie(Some(r1));
    let replay = thief.refresh().await.unwrap_err();

    // Assert: R1 refused, then R2 refused too, and the session's access token is dead.
    assert_eq!(replay.status(), Some(401));
    alice.set_refresh_cookie(Some(r2));
    assert_eq!(alice.refresh().await.unwrap_err().status(), Some(401));
    assert_eq!(alice.me().await.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn refresh_without_a_cookie_or_with_garbage_is_401() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();

    assert_eq!(client.refresh().await.unwrap_err().status(), Some(401));
    client.set_refresh_cookie(Some("garbage".into()));
    assert_eq!(client.refresh().await.unwrap_err().status(), Some(401));
}

/// The `kid`s the JWKS endpoint publishes.
async fn published_kids(app: &TestApp) -> Vec<String> {
    let jwks = app.anonymous().jwks().await.unwrap();
    jwks.keys.into_iter().map(|k| k.kid).collect()
}

#[tokio::test]
async fn s10_after_a_rotation_old_tokens_verify_during_the_grace_period_only() {
    // Arrange: a one-minute grace period, shorter than a token's life.
    let app = TestApp::spawn_with(|c| c.key_grace_period = 60).await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let old_kid = header_of(&alice.access_token().unwrap())["kid"].clone();

    // Act
    let new_kid = app.state.keys.rotate(app.clock.now()).unwrap();

    // Assert: both keys published; old tokens still work; new tokens use the new key.
    let kids = published_kids(&app).await;
    assert!(kids.contains(&new_kid) && kids.iter().any(|k| *k == old_kid));
    alice.me().await.unwrap();
    let bob = acme.login("bob").await;
    assert_eq!(
        header_of(&bob.access_token().unwrap())["kid"],
        json!(new_kid)
    );

    // After the grace period the retired key verifies nothing, though the token has not expired.
    app.clock.advance(Duration::seconds(61));
    assert_eq!(alice.me().await.unwrap_err().status(), Some(401));
    bob.me().await.unwrap();
    let kids = published_kids(&app).await;
    assert_eq!(kids, vec![new_kid]);
}

#[tokio::test]
async fn a_refresh_can_say_who_is_signed_in_in_the_same_answer() {
    let app = TestApp::spawn().await;
    let (_acme, alice, _claims) = signed_in(&app).await;

    let plain = alice.refresh().await.unwrap();
    assert_eq!(plain.me, None, "only asked for: the answer stays small");

    let with_me = alice.refresh_including_me().await.unwrap();
    alice.set_access_token(Some(with_me.access_token.clone()));
    assert_eq!(with_me.me, Some(alice.me().await.unwrap()));
    assert_eq!(with_me.me.unwrap().user, with_me.user);
}

#[tokio::test]
async fn a_refresh_asking_for_an_unknown_include_is_a_problem_and_keeps_the_cookie() {
    let app = TestApp::spawn().await;
    let (_acme, alice, _claims) = signed_in(&app).await;
    let cookie = alice.refresh_cookie().unwrap();

    let res = alice
        .http()
        .post(format!(
            "{}/api/v1/auth/refresh?include=everything",
            app.address
        ))
        .header("cookie", format!("portico_refresh={cookie}"))
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422).await;
    assert_eq!(problem_type(&body), ProblemType::Validation.slug());
    // The query decoder does not say which parameter it refused: the error names the query.
    assert_eq!(body["errors"][0]["field"], "query");

    // The cookie was not used up: it still refreshes.
    assert_eq!(alice.refresh_cookie(), Some(cookie));
    alice.refresh().await.unwrap();
}
