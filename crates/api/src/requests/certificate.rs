//! The signature certificate: a self-contained, printable HTML page. Every value is escaped.

use crate::mail::templates::escape;
use portico_shared::requests::{Request, RequestItem, SignatureRecord};

pub fn render(tenant: &str, request: &Request, item: &RequestItem, s: &SignatureRecord) -> String {
    let rows = [
        ("Document", s.document_name.clone()),
        ("Version", s.version.to_string()),
        ("SHA-256 of the signed version", s.sha256.clone()),
        (
            "Signed by",
            format!("{} <{}>", s.signer.name, s.signer_email),
        ),
        ("Name typed by the signer", s.typed_name.clone()),
        (
            "Signed at (UTC)",
            s.signed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        (
            "From (IP address)",
            s.ip.clone().unwrap_or_else(|| "unknown".into()),
        ),
        (
            "Browser",
            s.user_agent.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("Request", request.title.clone()),
        ("Item", item.title.clone()),
        ("Organisation", request.organization_name.clone()),
        ("Portal", tenant.to_string()),
    ];
    let table: String = rows
        .iter()
        .map(|(k, v)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                escape(k),
                escape(v)
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signature certificate: {doc}</title>
<style>body{{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#18181b}}
table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid #e4e4e7}}
th{{width:14rem;color:#52525b;font-weight:600}}td{{overflow-wrap:anywhere}}blockquote{{margin:1rem 0;padding:.75rem 1rem;background:#f4f4f5;border-radius:6px}}</style>
</head><body>
<h1>Signature certificate</h1>
<p>This certificate records an electronic signature given through the {tenant} client portal.</p>
<table>{table}</table>
<h2>Consent given</h2>
<blockquote>{consent}</blockquote>
<p>To check a copy of the document, compute its SHA-256 digest and compare it with the one above.</p>
</body></html>
"#,
        doc = escape(&s.document_name),
        tenant = escape(tenant),
        consent = escape(&s.consent_text),
    )
}
