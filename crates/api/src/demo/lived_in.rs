//! The demo tenant as a small accounting firm's portal looks after a month: folders and
//! documents with versions and access-log entries, requests in every state (open, submitted,
//! changes requested, completed, overdue, cancelled) with signatures and answers, templates,
//! and more organisations and contacts.
//!
//! It is made the way people make it: a server runs in-process on loopback with a clock set a
//! month back, and the demo's people sign in and use the API through the typed client — so
//! every rule, audit entry, event and email is the real one. The clock moves forward between
//! steps, so the portal's history spreads over the month.

use crate::clock::Clock;
use crate::config::Config;
use crate::startup::Application;
use anyhow::Context;
use chrono::{Duration, NaiveDate};
use portico_shared::auth::LoginRequest;
use portico_shared::client::Client;
use portico_shared::documents::{ContentParams, CreateFolder, Document, UploadParams, Visibility};
use portico_shared::organizations::CreateOrganization;
use portico_shared::people::{InvitePerson, MembershipGrant};
use portico_shared::requests::{
    AnswerItem, Answers, ApproveItem, CreateRequest, CreateTemplate, ItemKind, NewItem, Question,
    QuestionKind, Request, ReviewDecision, ReviewItem, SignItem,
};
use portico_shared::tenancy::Scope;
use portico_shared::{FolderId, OrganizationId};

/// Fills tenant `slug` unless it already has requests (it was filled before, or is in use).
/// Returns whether it filled it.
pub async fn fill(config: &Config, slug: &str, password: &str) -> anyhow::Result<bool> {
    let mut config = config.clone();
    config.bind = "127.0.0.1:0".into();
    config.run_jobs = false;
    let clock = Clock::manual_at(chrono::Utc::now() - Duration::days(30));
    let app = Application::build(config, clock.clone()).await?;
    let url = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    let server = tokio::spawn(app.run());
    let portal = Portal {
        url,
        slug: slug.to_string(),
        password: password.to_string(),
        clock: clock.clone(),
    };
    let filled = portal.fill().await;
    // Hand out what the month emitted (mail goes to the mailbox or the SMTP server).
    let worker = crate::jobs::Worker::new(
        state.db.clone(),
        clock,
        crate::startup::job_handlers(&state),
    );
    while worker.run_once().await? {}
    server.abort();
    filled
}

struct Portal {
    url: String,
    slug: String,
    password: String,
    clock: Clock,
}

/// A small PDF with one line of text, as a scanner or an accounting package would make.
fn pdf(text: &str) -> Vec<u8> {
    let text = text.replace(['(', ')', '\\'], " ");
    let stream = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn item(kind: ItemKind, title: &str) -> NewItem {
    NewItem {
        kind,
        title: title.into(),
        description: None,
        accepted_types: vec![],
        document_id: None,
        questions: vec![],
        consent_text: None,
    }
}

fn question(key: &str, label: &str, kind: QuestionKind, choices: &[&str]) -> Question {
    Question {
        key: key.into(),
        label: label.into(),
        kind,
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required: true,
    }
}

fn answers(pairs: &[(&str, &str)]) -> AnswerItem {
    AnswerItem {
        answers: Answers(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    }
}

fn accept() -> ReviewItem {
    ReviewItem {
        decision: ReviewDecision::Accept,
        comment: None,
    }
}

impl Portal {
    async fn sign_in(&self, who: &str) -> anyhow::Result<Client> {
        let client = Client::new(&self.url);
        client
            .login(&LoginRequest {
                tenant: self.slug.clone(),
                email: super::email_of(who, &self.slug),
                password: self.password.clone(),
            })
            .await
            .with_context(|| format!("{who} cannot sign in to the demo"))?;
        Ok(client)
    }

    fn days(&self, n: i64) {
        self.clock.advance(Duration::days(n));
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    async fn upload(
        &self,
        client: &Client,
        org: OrganizationId,
        folder: Option<FolderId>,
        name: &str,
        visibility: Option<Visibility>,
    ) -> anyhow::Result<Document> {
        let params = UploadParams {
            name: name.into(),
            folder_id: folder,
            visibility,
            scope: None,
        };
        let body = pdf(&format!("{name} - Acme Accounting demo"));
        Ok(client.upload_document(org, &params, body).await?)
    }

    async fn fill(&self) -> anyhow::Result<bool> {
        // Each step signs in afresh: access tokens last minutes, the month lasts a month.
        let owner = self.sign_in("owner").await?;
        let requests = owner.list_requests(&Default::default(), None).await?;
        if !requests.items.is_empty() {
            return Ok(false);
        }
        let orgs = owner.list_organizations(Some(100), None).await?.items;
        let find = |name: &str| {
            orgs.iter()
                .find(|o| o.name == name)
                .map(|o| o.id)
                .with_context(|| format!("the demo has no {name}"))
        };
        let (northwind, contoso) = (find(super::NORTHWIND)?, find(super::CONTOSO)?);

        // Week 1: two new clients, one contact invited; Northwind's folders and papers.
        for (name, reference, sector) in [
            ("Fabrikam Ltd", "CRM-1042", "Manufacturing"),
            ("Tailspin Toys", "CRM-1077", "Retail"),
        ] {
            let created = owner
                .create_organization(&CreateOrganization {
                    name: name.into(),
                    external_ref: Some(reference.into()),
                    custom_fields: [("Sector".to_string(), sector.to_string())].into(),
                })
                .await?;
            if name == "Fabrikam Ltd" {
                owner
                    .invite_person(&InvitePerson {
                        email: super::email_of("erin", &self.slug),
                        name: "Erin Fabrikam".into(),
                        staff_role: None,
                        memberships: vec![MembershipGrant {
                            organization_id: created.id,
                            scopes: vec![Scope::Documents, Scope::Sign],
                        }],
                    })
                    .await?;
            }
        }
        let folder = |name: &'static str, org: OrganizationId| {
            let owner = &owner;
            async move {
                let body = CreateFolder {
                    name: name.into(),
                    parent_id: None,
                };
                anyhow::Ok(owner.create_folder(org, &body).await?.id)
            }
        };
        let tax = folder("Tax 2025", northwind).await?;
        let payroll = folder("Payroll", northwind).await?;
        let engagement = folder("Engagement", northwind).await?;
        let onboarding = folder("Onboarding", contoso).await?;
        let letter = self
            .upload(
                &owner,
                northwind,
                Some(engagement),
                "Engagement letter 2025.pdf",
                None,
            )
            .await?;
        let vat = self
            .upload(
                &owner,
                northwind,
                Some(tax),
                "VAT return Q3 draft.pdf",
                None,
            )
            .await?;
        self.upload(
            &owner,
            northwind,
            Some(tax),
            "Working papers (internal).pdf",
            Some(Visibility::Staff),
        )
        .await?;
        self.upload(&owner, contoso, Some(onboarding), "Welcome pack.pdf", None)
            .await?;
        self.days(2);
        let owner = self.sign_in("owner").await?;

        // The year-end request: uploads, a signature and questions.
        let year_end = CreateRequest {
            title: "Year-end documents 2025".into(),
            instructions: Some("Everything we need to close your 2025 accounts.".into()),
            due_on: Some(self.today() + Duration::days(21)),
            assignee_ids: vec![],
            items: vec![
                NewItem {
                    accepted_types: vec!["application/pdf".into()],
                    ..item(ItemKind::Upload, "Bank statements")
                },
                item(ItemKind::Upload, "Fixed asset register"),
                NewItem {
                    document_id: Some(letter.id),
                    ..item(ItemKind::Sign, "Engagement letter")
                },
                NewItem {
                    questions: vec![
                        question(
                            "moved",
                            "Did the business move premises in 2025?",
                            QuestionKind::YesNo,
                            &[],
                        ),
                        question(
                            "method",
                            "Stock valuation method",
                            QuestionKind::Choice,
                            &["FIFO", "Weighted average"],
                        ),
                    ],
                    ..item(ItemKind::Question, "About your year")
                },
            ],
        };
        let year_end = owner.create_request(northwind, &year_end).await?;
        let payroll_request = owner
            .create_request(
                northwind,
                &CreateRequest {
                    title: "Payroll records for the month".into(),
                    instructions: None,
                    due_on: Some(self.today() + Duration::days(7)),
                    assignee_ids: vec![],
                    items: vec![item(ItemKind::Upload, "Payslips")],
                },
            )
            .await?;
        let approval = owner
            .create_request(
                northwind,
                &CreateRequest {
                    title: "Approve the Q3 VAT return".into(),
                    instructions: Some("Please check the figures before we file.".into()),
                    due_on: Some(self.today() + Duration::days(14)),
                    assignee_ids: vec![],
                    items: vec![NewItem {
                        document_id: Some(vat.id),
                        ..item(ItemKind::Approve, "Q3 VAT return")
                    }],
                },
            )
            .await?;
        let statements = owner
            .create_request(
                contoso,
                &CreateRequest {
                    title: "Onboarding documents".into(),
                    instructions: Some("Welcome aboard! A few things to get started.".into()),
                    due_on: Some(self.today() + Duration::days(40)),
                    assignee_ids: vec![],
                    items: vec![
                        item(ItemKind::Upload, "Certificate of incorporation"),
                        item(ItemKind::Upload, "Photo ID of a director"),
                    ],
                },
            )
            .await?;
        let stale = owner
            .create_request(
                contoso,
                &CreateRequest {
                    title: "2024 loan statements".into(),
                    instructions: None,
                    due_on: None,
                    assignee_ids: vec![],
                    items: vec![item(ItemKind::Upload, "Loan statements")],
                },
            )
            .await?;
        self.days(3);

        // Week 2: Alice works through the year-end request and looks at her letter.
        let alice = self.sign_in("alice").await?;
        alice
            .document_content(letter.id, &ContentParams::default())
            .await?;
        let ids = |r: &Request| r.items.iter().map(|i| i.id).collect::<Vec<_>>();
        let year_items = ids(&year_end);
        alice
            .upload_item(
                year_end.id,
                year_items[0],
                "Bank statements 2025.pdf",
                pdf("Bank statements 2025"),
            )
            .await?;
        alice
            .upload_item(
                year_end.id,
                year_items[1],
                "Fixed asset register.pdf",
                pdf("Fixed asset register"),
            )
            .await?;
        alice
            .sign_item(
                year_end.id,
                year_items[2],
                &SignItem {
                    typed_name: "Alice Admin".into(),
                    consent: true,
                },
            )
            .await?;
        alice
            .answer_item(
                year_end.id,
                year_items[3],
                &answers(&[("moved", "no"), ("method", "FIFO")]),
            )
            .await?;
        self.days(2);
        let owner = self.sign_in("owner").await?;
        owner
            .document_content(
                vat.id,
                &ContentParams {
                    version: None,
                    download: Some(true),
                },
            )
            .await?;
        for id in &year_items {
            owner.review_item(year_end.id, *id, &accept()).await?;
        }
        owner.cancel_request(stale.id).await?;
        self.days(4);

        // Week 3: Carol uploads one onboarding document, staff ask for a better copy;
        // Alice approves the VAT return, which waits for staff review.
        let carol = self.sign_in("carol").await?;
        let onboarding_items = ids(&statements);
        carol
            .upload_item(
                statements.id,
                onboarding_items[0],
                "Incorporation certificate.pdf",
                pdf("Certificate of incorporation"),
            )
            .await?;
        let owner = self.sign_in("owner").await?;
        owner
            .review_item(
                statements.id,
                onboarding_items[0],
                &ReviewItem {
                    decision: ReviewDecision::RequestChanges,
                    comment: Some(
                        "The scan is cut off at the bottom; could you send the whole page?".into(),
                    ),
                },
            )
            .await?;
        let alice = self.sign_in("alice").await?;
        alice
            .approve_item(
                approval.id,
                approval.items[0].id,
                &ApproveItem {
                    approved: true,
                    comment: Some("Figures agree with our books.".into()),
                },
            )
            .await?;
        let mileage = self
            .upload(&alice, northwind, Some(payroll), "Mileage log.pdf", None)
            .await?;
        self.days(5);
        let alice = self.sign_in("alice").await?;
        alice
            .upload_version(mileage.id, pdf("Mileage log - corrected"))
            .await?;

        // Templates the firm sends every year.
        let owner = self.sign_in("owner").await?;
        owner
            .create_template(&CreateTemplate {
                name: "Year-end pack".into(),
                title: "Year-end documents".into(),
                instructions: Some("Everything we need to close your accounts.".into()),
                due_in_days: Some(21),
                items: vec![
                    item(ItemKind::Upload, "Bank statements"),
                    item(ItemKind::Upload, "Fixed asset register"),
                ],
            })
            .await?;
        owner
            .create_template(&CreateTemplate {
                name: "New client onboarding".into(),
                title: "Onboarding documents".into(),
                instructions: None,
                due_in_days: Some(30),
                items: vec![
                    item(ItemKind::Upload, "Certificate of incorporation"),
                    item(ItemKind::Upload, "Photo ID of a director"),
                ],
            })
            .await?;
        // Week 4: the payroll request passes its due date unanswered.
        self.days(14);
        let _ = payroll_request;
        Ok(true)
    }
}
