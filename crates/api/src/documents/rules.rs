//! Plain rules of documents: names, what a file is (from its first bytes), who may see it,
//! byte ranges and `Content-Disposition`.

use crate::auth::Access;
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use portico_shared::OrganizationId;
use portico_shared::documents::Visibility;
use portico_shared::tenancy::Scope;
use std::ops::Range;

/// How long a deleted document can be restored.
pub const RESTORE_DAYS: i64 = 30;
/// Bytes read before deciding what a file is.
pub const SNIFF_BYTES: usize = 512;
/// Longest document or folder name.
pub const MAX_NAME_CHARS: usize = 255;

/// When a document deleted at `deleted_at` goes for good.
pub fn purge_at(deleted_at: DateTime<Utc>) -> DateTime<Utc> {
    deleted_at + Duration::days(RESTORE_DAYS)
}

/// A document or folder name, trimmed: 1 to 255 characters, no control characters, no `/` or
/// `\`, not `.` or `..`.
pub fn parse_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a name is needed".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("at most {MAX_NAME_CHARS} characters"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err("no control characters, `/` or `\\`".into());
    }
    if name == "." || name == ".." {
        return Err("not a usable name".into());
    }
    Ok(name.to_string())
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// What a file is, from its first bytes (and, for containers like ZIP and plain text, its
/// name's extension): one of the allowed types, or `None` (refused: executables, scripts in
/// disguise, HTML, SVG, archives of unknown kinds …). What the uploader declared is never
/// trusted.
pub fn sniff(head: &[u8], name: &str) -> Option<&'static str> {
    const OOXML: &[(&str, &str)] = &[
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("odt", "application/vnd.oasis.opendocument.text"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("odp", "application/vnd.oasis.opendocument.presentation"),
        ("zip", "application/zip"),
    ];
    const LEGACY_OFFICE: &[(&str, &str)] = &[
        ("doc", "application/msword"),
        ("xls", "application/vnd.ms-excel"),
        ("ppt", "application/vnd.ms-powerpoint"),
    ];
    const TEXT: &[(&str, &str)] = &[
        ("txt", "text/plain"),
        ("csv", "text/csv"),
        ("md", "text/markdown"),
    ];
    let ext = extension(name);
    let by_ext =
        |table: &[(&str, &'static str)]| table.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t);
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if head.starts_with(b"PK\x03\x04") {
        by_ext(OOXML).or(Some("application/zip"))
    } else if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        by_ext(LEGACY_OFFICE)
    } else if looks_like_text(head) {
        by_ext(TEXT)
    } else {
        None
    }
}

/// UTF-8 without NUL bytes (a multi-byte character cut at the end of `head` is fine).
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Every type [`sniff`] can answer: what stored files are served as.
pub const STORED_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "text/plain",
    "text/csv",
    "text/markdown",
];

/// Whether a browser may show this type itself (a preview); others are always attachments.
pub fn shown_inline(content_type: &str) -> bool {
    content_type == "application/pdf"
        || content_type == "text/plain"
        || (content_type.starts_with("image/") && content_type != "image/tiff")
}

/// How a document is reached by one principal in one organisation (after the organisation
/// itself was found visible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Staff: every document.
    Staff,
    /// A contact with the `documents` scope, holding these scopes.
    Contact(Vec<Scope>),
}

impl Reach {
    /// The reach of `access` in `org`: staff reach all; a member needs the `documents` scope
    /// (403 without it: a billing-only contact sees no documents, S12); a non-member, 404.
    pub fn of(access: &Access, org: OrganizationId) -> Result<Reach, ApiError> {
        match access {
            Access::Staff { .. } => Ok(Reach::Staff),
            Access::Customer { memberships } => match memberships.iter().find(|(o, _)| *o == org) {
                Some((_, scopes)) if scopes.contains(&Scope::Documents) => {
                    Ok(Reach::Contact(scopes.clone()))
                }
                Some(_) => Err(ApiError::Forbidden),
                None => Err(ApiError::NotFound),
            },
        }
    }

    /// Whether a document with this visibility is seen.
    pub fn sees(&self, visibility: Visibility, scope: Option<Scope>) -> bool {
        match (self, visibility) {
            (Reach::Staff, _) => true,
            (Reach::Contact(_), Visibility::Organization) => true,
            (Reach::Contact(_), Visibility::Staff) => false,
            (Reach::Contact(scopes), Visibility::Scope) => {
                scope.is_some_and(|s| scopes.contains(&s))
            }
        }
    }

    /// The scopes as SQL matches them: `,documents,sign,`; empty for staff (who see all).
    pub fn scope_list(&self) -> Option<String> {
        match self {
            Reach::Staff => None,
            Reach::Contact(scopes) => Some(format!(
                ",{},",
                scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        }
    }
}

/// A visibility with its scope, checked: `scope` goes with `visibility = scope` and only there.
pub fn parse_visibility(
    visibility: Visibility,
    scope: Option<Scope>,
) -> Result<(Visibility, Option<Scope>), ApiError> {
    match (visibility, scope) {
        (Visibility::Scope, Some(s)) => Ok((visibility, Some(s))),
        (Visibility::Scope, None) => Err(ApiError::invalid(
            "scope",
            "name the scope a contact needs to see it",
        )),
        (_, None) => Ok((visibility, None)),
        (_, Some(_)) => Err(ApiError::invalid(
            "scope",
            "a scope goes only with visibility `scope`",
        )),
    }
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ranged {
    /// No usable range: send everything (RFC 9110 §14.2 lets a server ignore odd ones).
    Whole,
    /// Send these bytes with 206.
    Part(Range<u64>),
    /// 416.
    Unsatisfiable,
}

/// Reads one `bytes=` range (`a-b`, `a-`, `-n`); several ranges, other units and malformed
/// values are ignored (the whole file is sent).
pub fn parse_range(header: Option<&str>, size: u64) -> Ranged {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(size.saturating_sub(n)..size)
            }
        }
        (false, Some(a), end) if last.trim().is_empty() || end.is_some() => {
            if end.is_some_and(|b| b < a) {
                return Ranged::Whole;
            }
            if a >= size {
                return Ranged::Unsatisfiable;
            }
            let end = end.map_or(size, |b| (b + 1).min(size));
            Ranged::Part(a..end)
        }
        _ => Ranged::Whole,
    }
}

/// `Content-Disposition` per RFC 6266: an ASCII `filename` fallback (quotes, backslashes,
/// control and non-ASCII characters replaced) and the exact name as `filename*` (RFC 8187).
pub fn content_disposition(attachment: bool, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.as_bytes() {
        let c = *byte as char;
        if c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if attachment { "attachment" } else { "inline" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_refuse_paths_and_control_characters() {
        assert_eq!(parse_name("  Tax return.pdf ").unwrap(), "Tax return.pdf");
        assert!(parse_name("../../etc/passwd").is_err());
        assert!(parse_name("a\\b").is_err());
        assert!(parse_name("evil\r\nX-Header: 1").is_err());
        assert!(parse_name("..").is_err());
        assert!(parse_name("").is_err());
        assert!(parse_name(&"a".repeat(256)).is_err());
        assert!(parse_name(&"é".repeat(255)).is_ok());
    }

    #[test]
    fn files_are_what_their_first_bytes_say_not_what_they_are_called() {
        assert_eq!(sniff(b"%PDF-1.7\n", "x.pdf"), Some("application/pdf"));
        assert_eq!(sniff(b"%PDF-1.7\n", "x.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "a.png"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 ", "a"), Some("image/webp"));
        assert_eq!(
            sniff(b"PK\x03\x04....", "Report.DOCX"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(sniff(b"PK\x03\x04....", "bundle"), Some("application/zip"));
        assert_eq!(
            sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls"),
            Some("application/vnd.ms-excel")
        );
        assert_eq!(
            sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "macro.bin"),
            None
        );
        assert_eq!(sniff(b"a,b\n1,2\n", "data.csv"), Some("text/csv"));
        assert_eq!(sniff("Grüße".as_bytes(), "notes.txt"), Some("text/plain"));
        // A renamed executable, HTML and SVG are refused whatever they are called.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "invoice.pdf"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01", "photo.png"), None);
        assert_eq!(sniff(b"<html><script>", "page.html"), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>", "logo.svg"), None);
        assert_eq!(sniff(b"text\0with nul", "x.txt"), None);
        assert_eq!(sniff(b"", "empty.txt"), None);
        // A multi-byte character cut by the sniffing window is still text.
        assert_eq!(sniff(&"é".as_bytes()[..1], "x.txt"), Some("text/plain"));
    }

    #[test]
    fn every_type_sniffed_is_a_stored_type() {
        let samples: &[(&[u8], &str)] = &[
            (b"%PDF-", "a"),
            (b"\x89PNG\r\n\x1a\n", "a"),
            (b"\xff\xd8\xff", "a"),
            (b"GIF89a", "a"),
            (b"RIFF\0\0\0\0WEBP", "a"),
            (b"II*\0", "a"),
        ];
        let zips = ["docx", "xlsx", "pptx", "odt", "ods", "odp", "zip"];
        let ole = ["doc", "xls", "ppt"];
        let text = ["txt", "csv", "md"];
        let mut seen: Vec<&str> = samples.iter().filter_map(|(b, n)| sniff(b, n)).collect();
        seen.extend(
            zips.iter()
                .filter_map(|e| sniff(b"PK\x03\x04", &format!("f.{e}"))),
        );
        seen.extend(
            ole.iter()
                .filter_map(|e| sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", &format!("f.{e}"))),
        );
        seen.extend(
            text.iter()
                .filter_map(|e| sniff(b"hello", &format!("f.{e}"))),
        );
        seen.sort();
        let mut stored = STORED_TYPES.to_vec();
        stored.sort();
        assert_eq!(seen, stored);
    }

    #[test]
    fn only_pdfs_images_and_plain_text_are_shown_inline() {
        assert!(shown_inline("application/pdf"));
        assert!(shown_inline("image/png"));
        assert!(!shown_inline("image/tiff"));
        assert!(!shown_inline("text/csv"));
        assert!(!shown_inline("application/zip"));
    }

    #[test]
    fn contacts_need_the_documents_scope_and_see_by_visibility() {
        let org = OrganizationId::new();
        let staff = Access::Staff {
            role: portico_shared::tenancy::StaffRole::Agent,
            assigned: None,
        };
        let billing_only = Access::Customer {
            memberships: vec![(org, vec![Scope::Billing])],
        };
        let signer = Access::Customer {
            memberships: vec![(org, vec![Scope::Documents, Scope::Sign])],
        };
        assert_eq!(Reach::of(&staff, org).unwrap(), Reach::Staff);
        assert!(matches!(
            Reach::of(&billing_only, org),
            Err(ApiError::Forbidden)
        ));
        assert!(matches!(
            Reach::of(&signer, OrganizationId::new()),
            Err(ApiError::NotFound)
        ));
        let reach = Reach::of(&signer, org).unwrap();
        assert!(reach.sees(Visibility::Organization, None));
        assert!(!reach.sees(Visibility::Staff, None));
        assert!(reach.sees(Visibility::Scope, Some(Scope::Sign)));
        assert!(!reach.sees(Visibility::Scope, Some(Scope::Billing)));
        assert!(Reach::Staff.sees(Visibility::Staff, None));
        assert_eq!(reach.scope_list().unwrap(), ",documents,sign,");
    }

    #[test]
    fn a_scope_goes_with_scope_visibility_only() {
        assert!(parse_visibility(Visibility::Scope, Some(Scope::Sign)).is_ok());
        assert!(parse_visibility(Visibility::Scope, None).is_err());
        assert!(parse_visibility(Visibility::Staff, Some(Scope::Sign)).is_err());
        assert_eq!(
            parse_visibility(Visibility::Organization, None).unwrap(),
            (Visibility::Organization, None)
        );
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), Ranged::Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ranged::Part(0..10));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ranged::Part(90..100));
        assert_eq!(
            parse_range(Some("bytes=90-500"), 100),
            Ranged::Part(90..100)
        );
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ranged::Part(90..100));
        assert_eq!(parse_range(Some("bytes=-500"), 100), Ranged::Part(0..100));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("bytes=x-y"), 100), Ranged::Whole);
    }

    #[test]
    fn content_disposition_escapes_quotes_crlf_and_non_ascii() {
        assert_eq!(
            content_disposition(true, "Report 2025.pdf"),
            "attachment; filename=\"Report 2025.pdf\"; filename*=UTF-8''Report%202025.pdf"
        );
        let tricky = content_disposition(false, "a\"b\r\nSet-Cookie: x.pdf");
        assert!(!tricky.contains('\r') && !tricky.contains('\n'));
        assert!(tricky.starts_with("inline; filename=\"a_b__Set-Cookie: x.pdf\""));
        assert!(tricky.contains("filename*=UTF-8''a%22b%0D%0ASet-Cookie%3A%20x.pdf"));
        assert!(
            content_disposition(true, "Übersicht.pdf")
                .contains("filename*=UTF-8''%C3%9Cbersicht.pdf")
        );
    }
}
