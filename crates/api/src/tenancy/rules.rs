//! Plain rules for the identity model: parsing names, slugs and emails.

use crate::db::enums::{list_from_stored, list_to_stored};
use crate::error::ApiResult;
use portico_shared::tenancy::Scope;

/// A tenant slug: 2–40 of `a-z`, `0-9` and inner `-`.
pub fn parse_slug(raw: &str) -> Result<String, String> {
    let slug = raw.trim().to_ascii_lowercase();
    let ok_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(2..=40).contains(&slug.len()) || !ok_chars || slug.starts_with('-') || slug.ends_with('-')
    {
        return Err("use 2 to 40 lowercase letters, digits or inner hyphens".into());
    }
    Ok(slug)
}

/// An email address, trimmed and lowercased (addresses are compared case-insensitively
/// within a tenant): one `@`, something either side, a dot in the domain, and an address the
/// mail library itself accepts.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split('@').count() == 2
        && email.split('@').all(|part| !part.is_empty())
        && email
            .rsplit('@')
            .next()
            .is_some_and(|d| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        // An address the mailer cannot send to would only ever fail in the mail queue.
        && email.parse::<lettre::Address>().is_ok();
    if valid {
        Ok(email)
    } else {
        Err("not a valid email address".into())
    }
}

/// A display name: 1–200 characters after trimming, no control characters.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("use 1 to 200 characters".into());
    }
    Ok(name.to_string())
}

/// An external reference (a CRM id): trimmed, at most 200 characters; empty means none.
pub fn parse_external_ref(raw: &str) -> Result<Option<String>, String> {
    let r = raw.trim();
    if r.chars().count() > 200 {
        return Err("at most 200 characters".into());
    }
    if r.chars().any(char::is_control) {
        return Err("no control characters".into());
    }
    Ok((!r.is_empty()).then(|| r.to_string()))
}

/// A host name without its port, lowercased.
pub fn host_name(host: &str) -> String {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The tenant a host name names by its slug: with a base domain, `<slug>.<base domain>` only;
/// without one, the first label of a name of three or more labels (`acme.portal.example` →
/// `acme`). Nothing for IP addresses, `localhost` or short names.
pub fn slug_in_host(host: &str, base_domain: Option<&str>) -> Option<String> {
    let name = host_name(host);
    let is_ip = name.parse::<std::net::IpAddr>().is_ok() || name.starts_with('[');
    if is_ip {
        return None;
    }
    let label = match base_domain {
        Some(base) => {
            let base = base.trim_matches('.').to_ascii_lowercase();
            let label = name.strip_suffix(&format!(".{base}"))?;
            (!label.contains('.')).then_some(label)?
        }
        None => {
            let labels: Vec<&str> = name.split('.').collect();
            if labels.len() < 3 {
                return None;
            }
            labels[0]
        }
    };
    parse_slug(label).ok()
}

/// A custom domain: a lowercase host name of two or more labels of letters, digits and inner
/// hyphens; not an IP address.
pub fn parse_domain(raw: &str) -> Result<String, String> {
    let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && !labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(domain)
    } else {
        Err("a domain is written like portal.example.com".into())
    }
}

/// Whether a (parsed) custom domain may be claimed: never a host that names tenants by itself
/// — the base domain, a host under it, or the portal's own public host.
pub fn claimable_domain(
    domain: &str,
    base_domain: Option<&str>,
    public_host: &str,
) -> Result<(), String> {
    let public_host = host_name(public_host);
    if domain == public_host {
        return Err("this is the portal's own address".into());
    }
    if let Some(base) = base_domain.map(|b| b.trim_matches('.').to_ascii_lowercase())
        && (domain == base || domain.ends_with(&format!(".{base}")))
    {
        return Err(format!(
            "addresses under {base} belong to the portal's tenants; use a domain of your own"
        ));
    }
    Ok(())
}

/// The DNS name whose TXT record proves control of `domain`.
pub fn challenge_name(domain: &str) -> String {
    format!("_portico-challenge.{domain}")
}

/// The TXT value that proves control, for `token`.
pub fn challenge_value(token: &str) -> String {
    format!("portico-verify={token}")
}

/// A brand colour: `#rrggbb` only, so it can go into a CSS variable without escaping.
pub fn parse_color(raw: &str) -> Result<String, String> {
    let c = raw.trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit());
    if ok {
        Ok(c.to_ascii_lowercase())
    } else {
        Err("a colour is written #rrggbb".into())
    }
}

/// A telephone number as people write it: digits with spaces, `+`, `-`, `.`, `(`, `)`;
/// 4 to 20 digits. Empty means none.
pub fn parse_phone(raw: &str) -> Result<Option<String>, String> {
    let phone = raw.trim();
    if phone.is_empty() {
        return Ok(None);
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let ok_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    if !ok_chars || !(4..=20).contains(&digits) || phone.len() > 32 {
        return Err("use digits, spaces and + - . ( ) only, as in +44 20 7946 0958".into());
    }
    Ok(Some(phone.to_string()))
}

/// A BCP 47 language tag such as `en` or `en-GB` (its shape, not the registry). Empty means
/// none.
pub fn parse_locale(raw: &str) -> Result<Option<String>, String> {
    let tag = raw.trim();
    if tag.is_empty() {
        return Ok(None);
    }
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && tag.len() <= 35;
    if !ok {
        return Err("a language tag is written like en or en-GB".into());
    }
    Ok(Some(tag.to_string()))
}

/// An IANA time zone name such as `Europe/London` or `UTC` (its shape: the browser supplies
/// real names). Empty means none.
pub fn parse_time_zone(raw: &str) -> Result<Option<String>, String> {
    let zone = raw.trim();
    if zone.is_empty() {
        return Ok(None);
    }
    let ok = zone.len() <= 64
        && zone.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        })
        && zone.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if !ok {
        return Err("a time zone is written like Europe/London".into());
    }
    Ok(Some(zone.to_string()))
}

/// The most custom fields an organisation has.
pub const MAX_CUSTOM_FIELDS: usize = 30;

/// Custom fields after a change: `changes` set (or, with no value or an empty one, remove)
/// fields of `current`. Labels: 1–60 characters; values: up to 1000; no control characters.
pub fn apply_custom_fields(
    current: &std::collections::BTreeMap<String, String>,
    changes: &std::collections::BTreeMap<String, Option<String>>,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut fields = current.clone();
    for (label, value) in changes {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 60 || label.chars().any(char::is_control) {
            return Err(format!("the label {label:?} must be 1 to 60 characters"));
        }
        match value.as_deref().map(str::trim) {
            None | Some("") => {
                fields.remove(label);
            }
            Some(v) if v.chars().count() > 1000 || v.chars().any(char::is_control) => {
                return Err(format!(
                    "the value of {label:?} must be at most 1000 characters"
                ));
            }
            Some(v) => {
                fields.insert(label.to_string(), v.to_string());
            }
        }
    }
    if fields.len() > MAX_CUSTOM_FIELDS {
        return Err(format!("at most {MAX_CUSTOM_FIELDS} custom fields"));
    }
    Ok(fields)
}

/// Scopes as stored: sorted, deduplicated, space-separated.
pub fn scopes_to_column(scopes: &[Scope]) -> String {
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    list_to_stored(&scopes)
}

/// Scopes as stored; an unknown one is an error.
pub fn scopes_from_column(column: &str) -> ApiResult<Vec<Scope>> {
    list_from_stored(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_name_names_its_tenant_by_its_first_label() {
        assert_eq!(
            slug_in_host("acme.portal.example", None).as_deref(),
            Some("acme")
        );
        assert_eq!(
            slug_in_host("acme.portal.example:8443", None).as_deref(),
            Some("acme")
        );
        for none in [
            "127.0.0.1:8080",
            "localhost:8080",
            "portal.example",
            "[::1]:8080",
        ] {
            assert_eq!(slug_in_host(none, None), None, "{none}");
        }
    }

    #[test]
    fn with_a_base_domain_only_its_direct_subdomains_name_tenants() {
        let base = Some("portal.example");
        assert_eq!(
            slug_in_host("Acme.Portal.Example:443", base).as_deref(),
            Some("acme")
        );
        assert_eq!(slug_in_host("portal.example", base), None);
        assert_eq!(slug_in_host("x.acme.portal.example", base), None);
        assert_eq!(slug_in_host("acme.evil.example", base), None);
    }

    #[test]
    fn tenant_host_names_cannot_be_claimed_as_custom_domains() {
        let base = Some("portal.example");
        assert!(claimable_domain("acme.portal.example", base, "portal.example").is_err());
        assert!(claimable_domain("portal.example", base, "portal.example").is_err());
        assert!(claimable_domain("x.y.portal.example", base, "app.example").is_err());
        assert!(claimable_domain("app.example", None, "app.example:8443").is_err());
        assert!(claimable_domain("client.acme.example", base, "portal.example").is_ok());
        assert!(claimable_domain("evilportal.example", base, "portal.example").is_ok());
    }

    #[test]
    fn custom_domains_are_host_names() {
        assert_eq!(
            parse_domain(" Portal.Acme.Example. ").unwrap(),
            "portal.acme.example"
        );
        for bad in [
            "localhost",
            "10.0.0.1",
            "a..b",
            "-a.example",
            "a_b.example",
            "http://x.example",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_fields_are_set_removed_and_bounded() {
        use std::collections::BTreeMap;
        let current = BTreeMap::from([("Tier".to_string(), "Gold".to_string())]);
        let changes = BTreeMap::from([
            (" Region ".to_string(), Some(" EMEA ".to_string())),
            ("Tier".to_string(), None),
        ]);
        let fields = apply_custom_fields(&current, &changes).unwrap();
        assert_eq!(fields, BTreeMap::from([("Region".into(), "EMEA".into())]));
        let blank_label = BTreeMap::from([(" ".to_string(), Some("x".to_string()))]);
        assert!(apply_custom_fields(&current, &blank_label).is_err());
        let many: BTreeMap<String, Option<String>> = (0..31)
            .map(|i| (format!("f{i}"), Some("v".to_string())))
            .collect();
        assert!(apply_custom_fields(&BTreeMap::new(), &many).is_err());
    }

    #[test]
    fn colours_are_six_digit_hex_only() {
        assert_eq!(parse_color(" #0F766E ").unwrap(), "#0f766e");
        for bad in [
            "0f766e",
            "#0f766",
            "#0f766eff",
            "red",
            "#0f766e;x",
            "url(x)",
        ] {
            assert!(parse_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs_are_short_lowercase_words() {
        assert_eq!(parse_slug(" Acme ").unwrap(), "acme");
        assert_eq!(parse_slug("north-wind2").unwrap(), "north-wind2");
        for bad in ["a", "-acme", "acme-", "ac me", "acmé", &"x".repeat(41)] {
            assert!(parse_slug(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn emails_are_normalised_and_loosely_checked() {
        assert_eq!(
            normalize_email(" Alice@Demo.Test ").unwrap(),
            "alice@demo.test"
        );
        for bad in [
            "alice",
            "alice@",
            "@demo.test",
            "a@b@c.test",
            "a b@demo.test",
            "a@demo",
            // Loose shapes the mailer could never send to.
            "a(b)@demo.test",
            "a,b@demo.test",
            "<a>@demo.test",
            "a;b@demo.test",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn profile_fields_are_checked_for_shape_and_empty_clears_them() {
        assert_eq!(
            parse_phone(" +44 20 7946 0958 ").unwrap().as_deref(),
            Some("+44 20 7946 0958")
        );
        assert_eq!(parse_phone("").unwrap(), None);
        assert!(parse_phone("call me").is_err());
        assert!(parse_phone("12").is_err());
        assert_eq!(parse_locale("en-GB").unwrap().as_deref(), Some("en-GB"));
        assert!(parse_locale("english please").is_err());
        assert!(parse_locale("e").is_err());
        assert_eq!(
            parse_time_zone("America/Argentina/Buenos_Aires")
                .unwrap()
                .as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(parse_time_zone("UTC").unwrap().as_deref(), Some("UTC"));
        assert!(parse_time_zone("../etc/passwd").is_err());
        assert!(parse_time_zone("Europe//London").is_err());
    }

    #[test]
    fn scopes_round_trip_sorted_and_deduplicated() {
        let column = scopes_to_column(&[Scope::Tickets, Scope::Billing, Scope::Tickets]);
        assert_eq!(column, "billing tickets");
        assert_eq!(
            scopes_from_column(&column).unwrap(),
            vec![Scope::Billing, Scope::Tickets]
        );
    }
}
