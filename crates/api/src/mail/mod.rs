//! Outgoing email. A capability renders a [`Mail`] from a template and queues it with
//! [`queue`] in the same transaction as the change it reports; the job worker delivers it
//! through the [`Mailer`]: over SMTP (lettre) when `PORTICO_SMTP_URL` is set, else into a
//! local mailbox folder (one `.eml` file per message) so the demo works offline.
//!
//! Delivery is at least once, made effectively once: the job id is the message's
//! `Message-ID` and the mailbox file's name, so a retried job overwrites its own file and a
//! receiving server can recognise a repeat.

pub mod templates;

use crate::config::Config;
use crate::jobs::{self, NewJob};
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_shared::TenantId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use uuid::Uuid;

/// The job kind that delivers one [`Mail`].
pub const SEND_JOB: &str = "mail.send";

/// One rendered message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    /// The display name of the sender (the tenant's name); the address is the server's.
    pub from_name: String,
    /// Where replies go (the tenant's support address), if set.
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues `mail` for delivery on `c`: it is sent only if the transaction commits.
pub async fn queue(
    c: &mut impl crate::db::AsExec,
    tenant: TenantId,
    mail: &Mail,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    let payload = serde_json::to_value(mail).expect("mail serialises");
    let mut job = NewJob::new(SEND_JOB, payload, now);
    job.tenant = Some(tenant);
    jobs::enqueue(c, job, now).await
}

/// The header naming the tenant a message was sent for (mail tooling and tests sort by it).
#[derive(Debug, Clone)]
struct TenantHeader(String);

impl lettre::message::header::Header for TenantHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Portico-Tenant")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(TenantHeader(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// Delivers rendered mail.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("PORTICO_MAIL_FROM is not an email address: {e}"))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("PORTICO_SMTP_URL is not usable: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build(),
            ),
            None => Transport::Folder(config.mailbox_dir()),
        };
        Ok(Mailer { transport, from })
    }

    /// Where mail goes, for the start-up log (never the SMTP credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP (PORTICO_SMTP_URL)".into(),
            Transport::Folder(dir) => format!(
                "no SMTP server is configured: mail is written to {}",
                dir.display()
            ),
        }
    }

    /// Builds the MIME message for `mail` (text and HTML alternatives, quoted-printable).
    pub fn message(
        &self,
        id: Uuid,
        tenant: Option<TenantId>,
        mail: &Mail,
    ) -> anyhow::Result<Message> {
        let from = Mailbox::new(Some(mail.from_name.clone()), self.from.email.clone());
        let mut builder = Message::builder()
            .from(from)
            .to(mail.to.parse()?)
            .subject(&mail.subject)
            .message_id(Some(format!(
                "<{}@{}>",
                id.simple(),
                self.from.email.domain()
            )));
        if let Some(reply_to) = &mail.reply_to {
            builder = builder.reply_to(reply_to.parse()?);
        }
        if let Some(tenant) = tenant {
            builder = builder.header(TenantHeader(tenant.0.to_string()));
        }
        let part = |content_type: ContentType, body: &str| {
            SinglePart::builder()
                .header(content_type)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(body.to_owned())
        };
        Ok(builder.multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, &mail.text))
                .singlepart(part(ContentType::TEXT_HTML, &mail.html)),
        )?)
    }

    /// Delivers one message; `id` (the job's) names it.
    pub async fn send(
        &self,
        id: Uuid,
        tenant: Option<TenantId>,
        mail: &Mail,
    ) -> anyhow::Result<()> {
        let message = self.message(id, tenant, mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Folder(dir) => {
                crate::config::private_dir(dir)?;
                let path = dir.join(format!("{}.eml", id.simple()));
                tokio::fs::write(&path, message.formatted()).await?;
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(), "mail written to the mailbox folder");
            }
        }
        Ok(())
    }
}

/// The job handler that delivers queued mail.
pub fn handler(mailer: std::sync::Arc<Mailer>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let mailer = mailer.clone();
        Box::pin(async move {
            let mail: Mail = serde_json::from_value(job.payload)
                .map_err(|e| format!("not a mail.send payload: {e}"))?;
            mailer
                .send(job.id, job.tenant, &mail)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    })
}
