//! The messages Portico sends, each as plain text and HTML, branded with the tenant's name,
//! logo and colour. Every value from a person (names, organisation names) is HTML-escaped;
//! colours are re-validated before they reach a style attribute.

use super::Mail;

/// What a message needs to know about its tenant.
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    pub primary_color: String,
    /// An absolute URL, or none.
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

/// The colour of a tenant that chose none.
pub const DEFAULT_PRIMARY: &str = "#1d4ed8";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One message's content: paragraphs of text, an optional call to action, and a closing note.
struct Content<'a> {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    action: Option<(&'a str, &'a str)>,
    note: String,
}

fn render(brand: &Brand, to: &str, content: Content<'_>) -> Mail {
    let footer = match &brand.support_email {
        Some(support) => format!(
            "Sent by {} through its client portal. Questions? Write to {support}.",
            brand.name
        ),
        None => format!("Sent by {} through its client portal.", brand.name),
    };

    let mut text = format!("{}\n\n", content.greeting);
    for p in &content.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = content.action {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str(&content.note);
    text.push_str("\n\n-- \n");
    text.push_str(&footer);
    text.push('\n');

    let color = &brand.primary_color;
    let header = match &brand.logo_url {
        Some(logo) => format!(
            r#"<img src="{}" alt="{}" height="32" style="height:32px;vertical-align:middle">"#,
            escape(logo),
            escape(&brand.name)
        ),
        None => format!(
            r#"<span style="font-size:18px;font-weight:600;color:#ffffff">{}</span>"#,
            escape(&brand.name)
        ),
    };
    let mut body = format!(
        r#"<p style="margin:0 0 16px">{}</p>"#,
        escape(&content.greeting)
    );
    for p in &content.paragraphs {
        body.push_str(&format!(r#"<p style="margin:0 0 16px">{}</p>"#, escape(p)));
    }
    if let Some((label, url)) = content.action {
        body.push_str(&format!(
            r#"<p style="margin:24px 0"><a href="{url}" style="background:{color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;display:inline-block;font-weight:600">{label}</a></p><p style="margin:0 0 16px;font-size:13px;color:#555555">Or open this address: <a href="{url}" style="color:{color}">{url}</a></p>"#,
            url = escape(url),
            label = escape(label),
        ));
    }
    body.push_str(&format!(
        r#"<p style="margin:0 0 16px;font-size:13px;color:#555555">{}</p>"#,
        escape(&content.note)
    ));
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{subject}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:{color};padding:16px 24px">{header}</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5">{body}</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e4e4e7;font-size:12px;color:#71717a">{footer}</td></tr>
</table></td></tr></table></body></html>
"#,
        subject = escape(&content.subject),
        footer = escape(&footer),
    );
    Mail {
        to: to.to_owned(),
        from_name: brand.name.clone(),
        reply_to: brand.support_email.clone(),
        subject: content.subject,
        text,
        html,
    }
}

fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// An invitation to set a password and join the portal.
pub fn invitation(
    brand: &Brand,
    to: &str,
    name: &str,
    inviter: &str,
    organizations: &[String],
    link: &str,
    valid_days: i64,
) -> Mail {
    let joining = if organizations.is_empty() {
        format!("{inviter} has invited you to the {} portal.", brand.name)
    } else {
        format!(
            "{inviter} has invited you to the {} portal, for {}.",
            brand.name,
            list(organizations)
        )
    };
    render(
        brand,
        to,
        Content {
            subject: format!("You are invited to {}", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![
                joining,
                "Choose a password to accept the invitation and sign in.".into(),
            ],
            action: Some(("Accept the invitation", link)),
            note: format!(
                "This link works once and expires in {valid_days} days. If you did not expect \
                 it, you can ignore this email."
            ),
        },
    )
}

/// A notice that an existing contact was given access to another organisation.
pub fn added_to_organization(
    brand: &Brand,
    to: &str,
    name: &str,
    inviter: &str,
    organization: &str,
    portal: &str,
) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("You now have access to {organization}"),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "{inviter} has given you access to {organization} in the {} portal. Sign in as \
                 usual and pick it from the organisation menu.",
                brand.name
            )],
            action: Some(("Open the portal", portal)),
            note: "You can sign in with your existing password.".into(),
        },
    )
}

/// An existing person asked to join another organisation: nothing changes until they accept.
pub fn membership_offer(
    brand: &Brand,
    to: &str,
    name: &str,
    inviter: &str,
    organization: &str,
    link: &str,
    valid_days: i64,
) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Join {organization} in {}?", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "{inviter} invites you to join {organization} in the {} portal. You join only \
                 if you accept; until then {organization} sees nothing of your account.",
                brand.name
            )],
            action: Some(("Accept the invitation", link)),
            note: format!(
                "This link works for {valid_days} days. If you do not want to join, ignore \
                 this message."
            ),
        },
    )
}

/// A single-use sign-in link.
pub fn magic_link(brand: &Brand, to: &str, name: &str, link: &str, valid_minutes: i64) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Your sign-in link for {}", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "Someone (we hope you) asked to sign in to the {} portal with this email \
                 address.",
                brand.name
            )],
            action: Some(("Sign in", link)),
            note: format!(
                "This link works once and expires in {valid_minutes} minutes. If you did not \
                 ask for it, ignore this email: nobody can sign in without it."
            ),
        },
    )
}

/// A single-use link to choose a new password.
pub fn password_reset(brand: &Brand, to: &str, name: &str, link: &str, valid_minutes: i64) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Reset your {} password", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "Someone (we hope you) asked to reset the password of your {} portal account.",
                brand.name
            )],
            action: Some(("Choose a new password", link)),
            note: format!(
                "This link works once and expires in {valid_minutes} minutes. If you did not \
                 ask for it, ignore this email: your password stays as it is."
            ),
        },
    )
}

/// A link, sent to the new address, that confirms an email change.
pub fn confirm_email_change(
    brand: &Brand,
    to: &str,
    name: &str,
    link: &str,
    valid_hours: i64,
) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Confirm your new email address for {}", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "Confirm that you want to sign in to the {} portal with this address from now \
                 on.",
                brand.name
            )],
            action: Some(("Confirm this address", link)),
            note: format!(
                "This link works once and expires in {valid_hours} hours. Until you confirm, \
                 your old address stays in use."
            ),
        },
    )
}

/// A notice, sent to the old address, that the account's email address changed.
pub fn email_changed(brand: &Brand, to: &str, name: &str, new_email: &str) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Your {} email address was changed", brand.name),
            greeting: format!("Hello {name},"),
            paragraphs: vec![format!(
                "Your portal account now uses {new_email}. This address no longer signs in."
            )],
            action: None,
            note: "If you did not make this change, contact us at once.".into(),
        },
    )
}

/// A new request for a contact to act on.
pub fn request_created(
    brand: &Brand,
    to: &str,
    name: &str,
    organization: &str,
    title: &str,
    due: Option<&str>,
    link: &str,
) -> Mail {
    let mut paragraphs = vec![format!(
        "{} asks {organization} for the following: {title}.",
        brand.name
    )];
    if let Some(due) = due {
        paragraphs.push(format!("Please respond by {due}."));
    }
    render(
        brand,
        to,
        Content {
            subject: format!("New request: {title}"),
            greeting: format!("Hello {name},"),
            paragraphs,
            action: Some(("Open the request", link)),
            note: "You can upload, sign and answer everything in the portal.".into(),
        },
    )
}

/// A reminder of a request still waiting for the contact: due soon, or overdue.
pub fn request_reminder(
    brand: &Brand,
    to: &str,
    name: &str,
    title: &str,
    due: &str,
    overdue: bool,
    link: &str,
) -> Mail {
    let (subject, paragraph) = if overdue {
        (
            format!("Overdue: {title}"),
            format!(
                "The request \u{201c}{title}\u{201d} was due on {due} and is still waiting for you."
            ),
        )
    } else {
        (
            format!("Due on {due}: {title}"),
            format!("A reminder: the request \u{201c}{title}\u{201d} is due on {due}."),
        )
    };
    render(
        brand,
        to,
        Content {
            subject,
            greeting: format!("Hello {name},"),
            paragraphs: vec![paragraph],
            action: Some(("Open the request", link)),
            note: "If you have already responded, you can ignore this reminder.".into(),
        },
    )
}

/// Staff asked for changes to an item of a request.
pub fn changes_requested(
    brand: &Brand,
    to: &str,
    name: &str,
    title: &str,
    item: &str,
    comment: &str,
    link: &str,
) -> Mail {
    render(
        brand,
        to,
        Content {
            subject: format!("Changes requested: {title}"),
            greeting: format!("Hello {name},"),
            paragraphs: vec![
                format!(
                    "{} asks for a change to \u{201c}{item}\u{201d}:",
                    brand.name
                ),
                comment.to_string(),
            ],
            action: Some(("Open the request", link)),
            note: "Everything else you sent is kept.".into(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand() -> Brand {
        Brand {
            name: "Acme <Ltd>".into(),
            primary_color: "#0f766e".into(),
            logo_url: None,
            support_email: Some("help@acme.test".into()),
        }
    }

    #[test]
    fn names_from_people_are_escaped_in_html_and_kept_in_text() {
        let mail = invitation(
            &brand(),
            "x@y.test",
            "<script>alert(1)</script>",
            "Ann \"Boss\"",
            &["Northwind & Co".into()],
            "https://portal.test/invitation#token=abc",
            7,
        );
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail.html.contains("Northwind &amp; Co"));
        assert!(mail.html.contains("Acme &lt;Ltd&gt;"));
        assert!(mail.text.contains("Hello <script>alert(1)</script>,"));
        assert!(
            mail.text
                .contains("https://portal.test/invitation#token=abc")
        );
        assert_eq!(mail.reply_to.as_deref(), Some("help@acme.test"));
        assert!(mail.text.contains("Write to help@acme.test"));
    }

    #[test]
    fn lists_of_organisations_read_naturally() {
        assert_eq!(list(&["A".into()]), "A");
        assert_eq!(list(&["A".into(), "B".into(), "C".into()]), "A, B and C");
    }
}
