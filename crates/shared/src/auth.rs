//! Sign-in, tokens and the public signing keys.

use crate::tenancy::{Me, User};
use serde::{Deserialize, Serialize};

/// The name of the HttpOnly cookie that carries the refresh token.
pub const REFRESH_COOKIE: &str = "portico_refresh";
/// The path the refresh cookie is scoped to: only the auth endpoints ever see it.
pub const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

/// A redirect target after sign-in, if it is a path on this site and nothing a browser could
/// turn into another origin: it starts with one `/`, holds no backslash, no whitespace or
/// control character (browsers drop tabs and newlines: `/\t/evil.example` is
/// `//evil.example`), and no percent-encoded slash, backslash or control character. At most
/// 2048 bytes. Used by the API's redirects and the web app alike.
pub fn local_path(target: &str) -> Option<&str> {
    let bytes = target.as_bytes();
    let starts_well = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/'));
    let plain = !target
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    let lowered = target.to_ascii_lowercase();
    let encoded_trap = lowered.match_indices('%').any(|(i, _)| {
        let hex = lowered.get(i + 1..i + 3).unwrap_or("");
        matches!(hex, "2f" | "5c" | "7f") || (hex.len() == 2 && hex.starts_with(['0', '1']))
    });
    (starts_well && plain && !encoded_trap && target.len() <= 2048).then_some(target)
}

/// Sign in with an email address and password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The tenant's slug, e.g. `acme`.
    pub tenant: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("tenant", &self.tenant)
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A fresh access token. The refresh token travels separately, in the `portico_refresh`
/// HttpOnly cookie scoped to `/api/v1/auth`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A JWT (EdDSA); send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (at most 900).
    pub expires_in: u64,
    pub user: User,
    /// Who is signed in, as `GET /me` answers — only on a refresh that asks for it with
    /// `include=me`, so an app starting up needs one round trip, not two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<Me>,
}

/// What else a refresh answers with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct RefreshParams {
    /// `me`: also who is signed in (the `me` field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(inline))]
    pub include: Option<RefreshInclude>,
}

/// What a refresh may include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefreshInclude {
    Me,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish()
    }
}

/// The public keys that verify access tokens (RFC 7517).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key (RFC 8037).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// One of the signed-in user's sessions (a browser or device that signed in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: crate::SessionId,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The address it signed in from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// A signed-in user's password change.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// At least 12 characters, not a common password.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePassword { [redacted] }")
    }
}

/// A tenant's hand-off secret, shown once when issued. A host application signs hand-off
/// tokens (JWT, HS256) with it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandoffSecret {
    /// The HMAC key, base64url text; use its bytes as they are.
    pub secret: String,
    /// The `aud` every hand-off token must carry.
    pub audience: String,
    /// The longest a token may live (`exp` − `iat`).
    pub max_lifetime_seconds: u64,
}

impl std::fmt::Debug for HandoffSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffSecret")
            .field("secret", &"[redacted]")
            .field("audience", &self.audience)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_plain_paths_on_this_site_are_redirect_targets() {
        for good in [
            "/",
            "/team",
            "/profile?tab=1",
            "/requests/1#item-2",
            "/a%20b",
        ] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5c/evil.example",
            "/%0d%0aSet-Cookie:x",
            "/ok\r\nSet-Cookie: x=1",
            "/\n/evil.example",
            "javascript:alert(1)",
            "/x\u{0}",
            " /evil",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(2048))), None);
    }
}
