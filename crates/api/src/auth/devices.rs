//! Device cookies (OWASP's "device cookies" against account lockout): a browser that signed in
//! to an account successfully gets a cookie naming that account, signed with a key derived
//! from the data key. Its wrong passwords count against its own allowance, not the account's,
//! so an attacker who locks the account for everyone else does not lock its rightful user out
//! of the devices they already use (SECURITY.md S3).

use crate::secrets::DataKey;
use actix_web::cookie::{Cookie, SameSite, time};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portico_shared::TenantId;
use portico_shared::auth::REFRESH_COOKIE_PATH;
use ring::hmac;

/// The cookie's name.
pub const DEVICE_COOKIE: &str = "portico_device";
/// How long a device stays known.
const DEVICE_DAYS: i64 = 365;

fn key(data_key: &DataKey) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, &data_key.derive("device-cookie"))
}

fn message(tenant: TenantId, account: &str, device: &str) -> String {
    format!("{tenant}\0{account}\0{device}")
}

/// A new device cookie for `account` (a normalised email) of `tenant`.
pub fn issue(
    data_key: &DataKey,
    tenant: TenantId,
    account: &str,
) -> anyhow::Result<Cookie<'static>> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let device = URL_SAFE_NO_PAD.encode(nonce);
    let tag = hmac::sign(&key(data_key), message(tenant, account, &device).as_bytes());
    let value = format!("{device}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
    Ok(Cookie::build(DEVICE_COOKIE, value)
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::days(DEVICE_DAYS))
        .finish())
}

/// The device a cookie value names, if it was issued for this account of this tenant.
pub fn verify(data_key: &DataKey, tenant: TenantId, account: &str, value: &str) -> Option<String> {
    let (device, tag) = value.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac::verify(
        &key(data_key),
        message(tenant, account, device).as_bytes(),
        &tag,
    )
    .ok()?;
    Some(device.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_cookie_names_one_account_of_one_tenant() {
        let key = DataKey::from_bytes([3; 32]);
        let tenant = TenantId::new();
        let cookie = issue(&key, tenant, "bob@acme.test").unwrap();
        let device = verify(&key, tenant, "bob@acme.test", cookie.value()).unwrap();
        assert!(cookie.value().starts_with(&device));
        assert!(verify(&key, tenant, "alice@acme.test", cookie.value()).is_none());
        assert!(verify(&key, TenantId::new(), "bob@acme.test", cookie.value()).is_none());
        let forged = format!("{device}.AAAA");
        assert!(verify(&key, tenant, "bob@acme.test", &forged).is_none());
        assert!(cookie.http_only().unwrap() && cookie.secure().unwrap());
    }
}
