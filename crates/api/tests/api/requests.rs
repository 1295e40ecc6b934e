//! Requests end to end over HTTP: sending, the client's answers of every kind, staff review,
//! every transition of the state machine, who may do what, reminders, certificates and
//! templates.

use crate::helpers::{TestApp, TestTenant, error_fields};
use chrono::{Duration, NaiveDate};
use portico_shared::ProblemType;
use portico_shared::client::Client;
use portico_shared::documents::{Document, UploadParams};
use portico_shared::requests::{
    AnswerItem, Answers, ApproveItem, CreateRequest, CreateTemplate, ItemKind, ItemResponse,
    ItemStatus, NewItem, Question, QuestionKind, Request, RequestFilter, RequestStatus,
    ReviewDecision, ReviewItem, SendTemplate, SignItem,
};
use portico_shared::{OrganizationId, RequestItemId};

const PDF: &[u8] = b"%PDF-1.7\nstatement\n%%EOF\n";

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

async fn letter(owner: &Client, org: OrganizationId) -> Document {
    owner
        .upload_document(
            org,
            &UploadParams {
                name: "Engagement letter.pdf".into(),
                ..Default::default()
            },
            b"%PDF-1.7\nengagement terms\n%%EOF\n".to_vec(),
        )
        .await
        .unwrap()
}

/// Two documents to upload and a letter to sign, asked of Alice at Northwind.
async fn two_documents_and_a_signature(acme: &TestTenant, owner: &Client) -> Request {
    let letter = letter(owner, acme.northwind()).await;
    let body = CreateRequest {
        title: "Year-end documents".into(),
        instructions: Some("Everything we need to close 2025.".into()),
        due_on: Some(NaiveDate::from_ymd_opt(2030, 1, 31).unwrap()),
        assignee_ids: vec![acme.user("alice")],
        items: vec![
            NewItem {
                accepted_types: vec!["application/pdf".into()],
                ..item(ItemKind::Upload, "Bank statements")
            },
            item(ItemKind::Upload, "Passport copy"),
            NewItem {
                document_id: Some(letter.id),
                ..item(ItemKind::Sign, "Engagement letter")
            },
        ],
    };
    owner.create_request(acme.northwind(), &body).await.unwrap()
}

fn ids(request: &Request) -> Vec<RequestItemId> {
    request.items.iter().map(|i| i.id).collect()
}

fn statuses(request: &Request) -> Vec<ItemStatus> {
    request.items.iter().map(|i| i.status).collect()
}

fn sign() -> SignItem {
    SignItem {
        typed_name: "Alice Admin".into(),
        consent: true,
    }
}

fn accept() -> ReviewItem {
    ReviewItem {
        decision: ReviewDecision::Accept,
        comment: None,
    }
}

#[tokio::test]
async fn a_request_for_two_documents_and_a_signature_goes_from_open_to_completed() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let request = two_documents_and_a_signature(&acme, &owner).await;
    assert_eq!(request.status, RequestStatus::Open);
    assert_eq!(request.assignees[0].name, "Alice Admin");
    assert_eq!((request.progress.done, request.progress.total), (0, 3));
    let mail = app.mail_to(&acme, &acme.email("alice")).await;
    let notice = mail
        .iter()
        .find(|m| m.subject() == "New request: Year-end documents")
        .expect("a notice");
    assert!(
        notice.text.contains(&format!("/requests/{}", request.id)),
        "{}",
        notice.text
    );

    // Alice answers everything: the request waits for review.
    let alice = acme.login("alice").await;
    let [bank, passport, letter] = ids(&request)[..] else {
        panic!()
    };
    let png = b"\x89PNG\r\n\x1a\n passport".to_vec();
    let refused = alice
        .upload_item(request.id, bank, "statement.png", png.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(415), "the item accepts PDF only");
    alice
        .upload_item(request.id, bank, "Statement March.pdf", PDF.to_vec())
        .await
        .unwrap();
    let after_upload = alice
        .upload_item(request.id, passport, "Passport.png", png)
        .await
        .unwrap();
    assert_eq!(after_upload.status, RequestStatus::Open);
    let signed = alice
        .sign_item(
            request.id,
            letter,
            &SignItem {
                typed_name: "  Alice Admin ".into(),
                consent: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(signed.status, RequestStatus::Submitted);
    assert_eq!(statuses(&signed), [ItemStatus::Submitted; 3]);
    // The uploads are the organisation's documents now.
    let Some(ItemResponse::Upload { document_ids }) = &signed.items[0].response else {
        panic!()
    };
    let stored = owner.get_document(document_ids[0]).await.unwrap();
    assert_eq!(stored.name, "Statement March.pdf");
    // The signature keeps the signer, the time, where from and the exact version signed.
    let Some(ItemResponse::Sign { signature }) = &signed.items[2].response else {
        panic!()
    };
    let letter_doc = owner
        .get_document(signed.items[2].document_id.unwrap())
        .await
        .unwrap();
    assert_eq!(signature.sha256, letter_doc.sha256);
    assert_eq!(
        (signature.version, signature.typed_name.as_str()),
        (1, "Alice Admin")
    );
    assert_eq!(signature.ip.as_deref(), Some("127.0.0.1"));
    assert!(signature.consent_text.contains("electronic signature"));
    let certificate = alice
        .signature_certificate(request.id, letter)
        .await
        .unwrap();
    assert!(certificate.contains(&letter_doc.sha256));
    assert!(
        certificate.contains("Alice Admin &lt;alice@acme.test&gt;"),
        "{certificate}"
    );

    // Staff accept each item: the request completes.
    let queue = owner
        .list_requests(
            &RequestFilter {
                status: Some(RequestStatus::Submitted),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1, "the review queue");
    let mut now = signed;
    for id in ids(&request) {
        now = owner.review_item(request.id, id, &accept()).await.unwrap();
    }
    assert_eq!(now.status, RequestStatus::Completed);
    assert_eq!((now.progress.done, now.progress.total), (3, 3));
    let seen_by_alice = alice.get_request(request.id).await.unwrap();
    assert_eq!(seen_by_alice.status, RequestStatus::Completed);
    let progress = alice.organization_progress(acme.northwind()).await.unwrap();
    assert_eq!(
        (
            progress.completed_requests,
            progress.items.done,
            progress.items.total
        ),
        (1, 3, 3)
    );
}

#[tokio::test]
async fn every_transition_of_the_state_machine_is_taken_or_refused_over_http() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let request = two_documents_and_a_signature(&acme, &owner).await;
    let [bank, passport, letter] = ids(&request)[..] else {
        panic!()
    };

    // Pending items cannot be reviewed.
    let early = owner
        .review_item(request.id, bank, &accept())
        .await
        .unwrap_err();
    assert_eq!(early.status(), Some(409));
    // Answered: submitted; answered again before review: still submitted.
    alice
        .upload_item(request.id, bank, "a.pdf", PDF.to_vec())
        .await
        .unwrap();
    let again = alice
        .upload_item(request.id, bank, "b.pdf", PDF.to_vec())
        .await
        .unwrap();
    let Some(ItemResponse::Upload { document_ids }) = &again.items[0].response else {
        panic!()
    };
    assert_eq!(document_ids.len(), 2);
    alice
        .upload_item(request.id, passport, "p.pdf", PDF.to_vec())
        .await
        .unwrap();
    alice.sign_item(request.id, letter, &sign()).await.unwrap();
    // Changes asked for need a comment; then the request waits for the client again.
    let bare = ReviewItem {
        decision: ReviewDecision::RequestChanges,
        comment: None,
    };
    let err = owner
        .review_item(request.id, passport, &bare)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ProblemType::Validation));
    let changes = ReviewItem {
        decision: ReviewDecision::RequestChanges,
        comment: Some("The scan is cut off; please send the whole page.".into()),
    };
    let asked = owner
        .review_item(request.id, passport, &changes)
        .await
        .unwrap();
    assert_eq!(asked.status, RequestStatus::ChangesRequested);
    assert_eq!(asked.items[1].status, ItemStatus::ChangesRequested);
    assert_eq!(
        asked.items[1].review_comment.as_deref(),
        changes.comment.as_deref()
    );
    let mail = app.mail_to(&acme, &acme.email("alice")).await;
    assert!(
        mail.iter()
            .any(|m| m.subject() == "Changes requested: Year-end documents")
    );
    // Reviewing it again before the client answers is refused.
    assert_eq!(
        owner
            .review_item(request.id, passport, &accept())
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );
    // The client answers again: submitted; staff accept all: completed.
    let resent = alice
        .upload_item(request.id, passport, "p2.pdf", PDF.to_vec())
        .await
        .unwrap();
    assert_eq!(resent.status, RequestStatus::Submitted);
    for id in [bank, passport, letter] {
        owner.review_item(request.id, id, &accept()).await.unwrap();
    }
    // An accepted item, and a completed request, are final.
    let late = alice
        .sign_item(request.id, letter, &sign())
        .await
        .unwrap_err();
    assert_eq!(late.status(), Some(409));
    assert_eq!(
        owner
            .review_item(request.id, bank, &changes)
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );
    assert_eq!(
        owner.cancel_request(request.id).await.unwrap_err().status(),
        Some(409)
    );

    // A live request can be cancelled; then nothing more happens to it.
    let other = two_documents_and_a_signature(&acme, &owner).await;
    let cancelled = owner.cancel_request(other.id).await.unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    let closed = alice
        .upload_item(other.id, other.items[0].id, "x.pdf", PDF.to_vec())
        .await
        .unwrap_err();
    assert_eq!(closed.status(), Some(409));
    assert_eq!(
        owner.cancel_request(other.id).await.unwrap_err().status(),
        Some(409)
    );
}

#[tokio::test]
async fn s13_only_assigned_contacts_with_the_items_scope_answer_and_only_staff_send_and_review() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let letter = letter(&owner, acme.northwind()).await;
    let body = CreateRequest {
        title: "Sign and send".into(),
        instructions: None,
        due_on: None,
        assignee_ids: vec![acme.user("dave"), acme.user("bob")],
        items: vec![
            item(ItemKind::Upload, "Receipts"),
            NewItem {
                document_id: Some(letter.id),
                ..item(ItemKind::Sign, "Letter")
            },
        ],
    };
    let request = owner.create_request(acme.northwind(), &body).await.unwrap();
    let [receipts, sign_letter] = ids(&request)[..] else {
        panic!()
    };
    let before = app.data_row_counts().await;

    // Dave holds documents but not sign; Bob billing only; staff never answer for the client.
    let dave = acme.login("dave").await;
    let bob = acme.login("bob").await;
    let agent = acme.login("agent").await;
    let refusals = [
        dave.sign_item(request.id, sign_letter, &sign())
            .await
            .unwrap_err(),
        bob.upload_item(request.id, receipts, "r.pdf", PDF.to_vec())
            .await
            .unwrap_err(),
        agent
            .upload_item(request.id, receipts, "r.pdf", PDF.to_vec())
            .await
            .unwrap_err(),
        dave.review_item(request.id, receipts, &accept())
            .await
            .unwrap_err(),
        dave.cancel_request(request.id).await.unwrap_err(),
        dave.create_request(acme.northwind(), &body)
            .await
            .unwrap_err(),
    ];
    for err in refusals {
        assert_eq!(err.status(), Some(403), "{err}");
    }
    assert_eq!(app.data_row_counts().await, before);
    // Alice is not assigned but administers Northwind: she sees it, and cannot answer it.
    let alice = acme.login("alice").await;
    alice.get_request(request.id).await.unwrap();
    let not_asked = alice
        .upload_item(request.id, receipts, "r.pdf", PDF.to_vec())
        .await
        .unwrap_err();
    assert_eq!(not_asked.status(), Some(403));
    // Carol (Contoso) does not see it at all.
    let carol = acme.login("carol").await;
    assert_eq!(
        carol.get_request(request.id).await.unwrap_err().status(),
        Some(404)
    );
    assert!(
        carol
            .list_requests(&RequestFilter::default(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Dave answers what his scope allows.
    let answered = dave
        .upload_item(request.id, receipts, "r.pdf", PDF.to_vec())
        .await
        .unwrap();
    assert_eq!(answered.items[0].status, ItemStatus::Submitted);
    // Assignees must be contacts of the organisation.
    let wrong = CreateRequest {
        assignee_ids: vec![acme.user("carol")],
        ..body.clone()
    };
    let err = owner
        .create_request(acme.northwind(), &wrong)
        .await
        .unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(err.problem()).unwrap()),
        ["assignee_ids"]
    );
}

#[tokio::test]
async fn approvals_and_questionnaires_check_what_the_client_gives() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let draft = letter(&owner, acme.northwind()).await;
    let questions = vec![
        Question {
            key: "married".into(),
            label: "Married in 2025?".into(),
            kind: QuestionKind::YesNo,
            choices: vec![],
            required: true,
        },
        Question {
            key: "state".into(),
            label: "State".into(),
            kind: QuestionKind::Choice,
            choices: vec!["NY".into(), "CA".into()],
            required: true,
        },
        Question {
            key: "moved_on".into(),
            label: "Moved on".into(),
            kind: QuestionKind::Date,
            choices: vec![],
            required: false,
        },
    ];
    let body = CreateRequest {
        title: "Approve and answer".into(),
        instructions: None,
        due_on: None,
        assignee_ids: vec![],
        items: vec![
            NewItem {
                document_id: Some(draft.id),
                ..item(ItemKind::Approve, "Draft return")
            },
            NewItem {
                questions,
                ..item(ItemKind::Question, "About your year")
            },
        ],
    };
    let request = owner.create_request(acme.northwind(), &body).await.unwrap();
    // No assignees named: every active contact of Northwind who holds a scope the items need
    // (Alice; Dave for the questions) — not Bob, who handles billing only.
    let names: Vec<&str> = request.assignees.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Alice Admin", "Dave Both"]);
    let [approve, questionnaire] = ids(&request)[..] else {
        panic!()
    };
    let alice = acme.login("alice").await;

    let bare_rejection = alice
        .approve_item(
            request.id,
            approve,
            &ApproveItem {
                approved: false,
                comment: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bare_rejection.kind(), Some(ProblemType::Validation));
    let rejected = alice
        .approve_item(
            request.id,
            approve,
            &ApproveItem {
                approved: false,
                comment: Some("Line 12 is wrong.".into()),
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        &rejected.items[0].response,
        Some(ItemResponse::Approve {
            approved: false,
            ..
        })
    ));
    let answers = |pairs: &[(&str, &str)]| AnswerItem {
        answers: Answers(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    };
    let err = alice
        .answer_item(
            request.id,
            questionnaire,
            &answers(&[("state", "TX"), ("moved_on", "soon")]),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(err.problem()).unwrap()),
        ["answers.married", "answers.state", "answers.moved_on"]
    );
    let wrong_kind = alice
        .sign_item(request.id, questionnaire, &sign())
        .await
        .unwrap_err();
    assert_eq!(wrong_kind.kind(), Some(ProblemType::Validation));
    let done = alice
        .answer_item(
            request.id,
            questionnaire,
            &answers(&[
                ("married", "no"),
                ("state", "CA"),
                ("moved_on", "2025-06-01"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(done.status, RequestStatus::Submitted);
    // Sign and approve items must name a document of the organisation.
    let foreign = letter(&owner, acme.contoso()).await;
    let bad = CreateRequest {
        items: vec![NewItem {
            document_id: Some(foreign.id),
            ..item(ItemKind::Sign, "Not theirs")
        }],
        ..body.clone()
    };
    let err = owner
        .create_request(acme.northwind(), &bad)
        .await
        .unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(err.problem()).unwrap()),
        ["items.0.document_id"]
    );
}

#[tokio::test]
async fn reminders_go_before_the_due_date_and_when_overdue_while_the_client_has_work() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let today = app.clock.now().date_naive();
    let make = |title: &str| CreateRequest {
        title: title.into(),
        instructions: None,
        due_on: Some(today + Duration::days(5)),
        assignee_ids: vec![acme.user("alice")],
        items: vec![item(ItemKind::Upload, "Receipts")],
    };
    let waiting = owner
        .create_request(acme.northwind(), &make("Receipts please"))
        .await
        .unwrap();
    let answered = owner
        .create_request(acme.northwind(), &make("Answered in time"))
        .await
        .unwrap();
    acme.login("alice")
        .await
        .upload_item(answered.id, answered.items[0].id, "r.pdf", PDF.to_vec())
        .await
        .unwrap();

    app.clock.advance(Duration::days(4));
    let subjects = |mail: Vec<crate::helpers::ReceivedMail>| -> Vec<String> {
        mail.iter()
            .map(|m| m.subject().to_string())
            .filter(|s| !s.starts_with("New request"))
            .collect()
    };
    let due_soon = subjects(app.mail_to(&acme, &acme.email("alice")).await);
    assert_eq!(due_soon.len(), 1, "{due_soon:?}");
    assert!(
        due_soon[0].starts_with("Due on") && due_soon[0].ends_with("Receipts please"),
        "{due_soon:?}"
    );
    app.clock.advance(Duration::days(3));
    let all = subjects(app.mail_to(&acme, &acme.email("alice")).await);
    assert_eq!(all.len(), 2, "{all:?}");
    // Staff's overdue list holds the one still waiting for the client, not the answered one.
    let overdue = RequestFilter {
        overdue: Some(true),
        ..Default::default()
    };
    let owner = acme.login("owner").await;
    let listed = owner.list_requests(&overdue, None).await.unwrap();
    let titles: Vec<&str> = listed.items.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["Receipts please"]);
    assert!(listed.items[0].overdue);
    assert_eq!(all[1], "Overdue: Receipts please");
    let alice = acme.login("alice").await;
    assert!(alice.get_request(waiting.id).await.unwrap().overdue);
    assert!(!alice.get_request(answered.id).await.unwrap().overdue);
}

#[tokio::test]
async fn templates_are_sent_to_many_organisations_at_once() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = acme.login("owner").await;
    let checklist = CreateTemplate {
        name: "Tax season checklist".into(),
        title: "Tax season 2026".into(),
        instructions: Some("What we need for your return.".into()),
        due_in_days: Some(30),
        items: vec![
            item(ItemKind::Upload, "W-2 forms"),
            item(ItemKind::Upload, "1099 forms"),
        ],
    };
    let agent = acme.login("agent").await;
    assert_eq!(
        agent
            .create_template(&checklist)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    let with_sign = CreateTemplate {
        items: vec![item(ItemKind::Sign, "Letter")],
        ..checklist.clone()
    };
    let err = owner.create_template(&with_sign).await.unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(err.problem()).unwrap()),
        ["items.0.kind"]
    );
    let template = owner.create_template(&checklist).await.unwrap();
    assert_eq!(owner.list_templates().await.unwrap().items.len(), 1);

    // Another tenant's organisation among them: nothing is sent.
    let foreign = SendTemplate {
        organization_ids: vec![acme.contoso(), globex.northwind()],
        due_on: None,
    };
    assert_eq!(
        agent
            .send_template(template.id, &foreign)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let both = SendTemplate {
        organization_ids: vec![acme.northwind(), acme.contoso()],
        due_on: None,
    };
    let sent = agent.send_template(template.id, &both).await.unwrap();

    assert_eq!(sent.len(), 2);
    let today = app.clock.now().date_naive();
    assert!(
        sent.iter()
            .all(|r| r.due_on == Some(today + Duration::days(30)) && r.items.len() == 2)
    );
    let carol = acme.login("carol").await;
    let hers = carol
        .list_requests(&RequestFilter::default(), None)
        .await
        .unwrap()
        .items;
    assert_eq!(hers.len(), 1);
    assert_eq!(hers[0].organization_name, "Contoso Ltd");
    assert!(
        app.mail_to(&acme, &acme.email("carol"))
            .await
            .iter()
            .any(|m| m.subject() == "New request: Tax season 2026")
    );
    owner.delete_template(template.id).await.unwrap();
    assert_eq!(
        owner.get_template(template.id).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        carol.get_request(hers[0].id).await.unwrap().title,
        "Tax season 2026"
    );
}

#[tokio::test]
async fn s14_a_request_body_cannot_set_status_tenant_or_unknown_fields() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    for extra in [
        r#""status":"completed""#,
        r#""tenant_id":"00000000-0000-0000-0000-000000000000""#,
        r#""organization_id":"00000000-0000-0000-0000-000000000000""#,
    ] {
        let body = format!(r#"{{"title":"T","items":[{{"kind":"upload","title":"X"}}],{extra}}}"#);
        let res = owner
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/organizations/{}/requests", acme.northwind()),
            )
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{extra}");
    }
    let past = CreateRequest {
        title: "Late".into(),
        instructions: None,
        due_on: Some(app.clock.now().date_naive() - Duration::days(1)),
        assignee_ids: vec![],
        items: vec![item(ItemKind::Upload, "X")],
    };
    let err = owner
        .create_request(acme.northwind(), &past)
        .await
        .unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(err.problem()).unwrap()),
        ["due_on"]
    );
}

#[tokio::test]
async fn s12_an_assignee_removed_from_the_organisation_no_longer_reads_or_lists_its_requests() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let body = CreateRequest {
        title: "Receipts".into(),
        instructions: None,
        due_on: Some(NaiveDate::from_ymd_opt(2030, 1, 31).unwrap()),
        assignee_ids: vec![acme.user("dave")],
        items: vec![item(ItemKind::Upload, "March receipts")],
    };
    let request = owner.create_request(acme.northwind(), &body).await.unwrap();
    let dave = acme.login("dave").await;
    assert_eq!(dave.get_request(request.id).await.unwrap().id, request.id);

    // Alice, Northwind's admin, removes Dave from Northwind (he stays at Contoso).
    let alice = acme.login("alice").await;
    alice
        .remove_member(acme.northwind(), acme.user("dave"))
        .await
        .unwrap();

    let dave = acme.login("dave").await;
    assert_eq!(
        dave.get_request(request.id).await.unwrap_err().status(),
        Some(404)
    );
    let listed = dave
        .list_requests(&RequestFilter::default(), None)
        .await
        .unwrap();
    assert!(listed.items.iter().all(|r| r.id != request.id), "listed");
    let answer = dave
        .upload_item(request.id, request.items[0].id, "r.pdf", PDF.to_vec())
        .await
        .unwrap_err();
    assert_eq!(answer.status(), Some(404));
    // Nor is he reminded of it.
    let before = app.mail_to(&acme, &acme.email("dave")).await.len();
    app.clock.advance(Duration::days(365 * 5));
    app.run_jobs().await;
    assert_eq!(app.mail_to(&acme, &acme.email("dave")).await.len(), before);
}

/// A request asking Alice at Northwind to sign `document`.
fn sign_request(document: portico_shared::DocumentId) -> CreateRequest {
    CreateRequest {
        title: "Engagement".into(),
        instructions: None,
        due_on: None,
        assignee_ids: vec![],
        items: vec![NewItem {
            document_id: Some(document),
            ..item(ItemKind::Sign, "Engagement letter")
        }],
    }
}

#[tokio::test]
async fn a_signature_binds_the_version_staff_chose_and_the_signer_cannot_swap_it() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let letter = letter(&owner, acme.northwind()).await;
    let request = owner
        .create_request(acme.northwind(), &sign_request(letter.id))
        .await
        .unwrap();
    let bound = &request.items[0];
    assert_eq!(bound.document_version, Some(1));
    assert_eq!(
        bound.document_sha256.as_deref(),
        Some(letter.sha256.as_str())
    );

    // Alice tries to put her own version under the signature first.
    let alice = acme.login("alice").await;
    let swapped = b"%PDF-1.7\nterms that favour Alice\n%%EOF\n".to_vec();
    let refused = alice.upload_version(letter.id, swapped).await.unwrap_err();
    assert_eq!(refused.status(), Some(409));
    assert_eq!(alice.get_document(letter.id).await.unwrap().version, 1);
    // Staff may still file a new version; the request keeps asking for the one they chose.
    let v2 = owner
        .upload_version(letter.id, b"%PDF-1.7\nv2\n%%EOF\n".to_vec())
        .await
        .unwrap();
    assert_eq!(v2.version, 2);

    let signed = alice
        .sign_item(request.id, bound.id, &sign())
        .await
        .unwrap();
    let Some(ItemResponse::Sign { signature }) = &signed.items[0].response else {
        panic!("no signature: {:?}", signed.items[0]);
    };
    assert_eq!(signature.version, 1);
    assert_eq!(signature.sha256, letter.sha256);
    assert_ne!(signature.sha256, v2.sha256);
    // Once the request is closed, contacts may add versions again.
    owner
        .review_item(request.id, bound.id, &accept())
        .await
        .unwrap();
    alice
        .upload_version(letter.id, b"%PDF-1.7\nv3\n%%EOF\n".to_vec())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_document_stays_held_while_any_open_request_awaits_a_decision_on_it() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let letter = letter(&owner, acme.northwind()).await;
    let first = owner
        .create_request(acme.northwind(), &sign_request(letter.id))
        .await
        .unwrap();
    let second = owner
        .create_request(acme.northwind(), &sign_request(letter.id))
        .await
        .unwrap();
    let v2 = b"%PDF-1.7\nv2\n%%EOF\n".to_vec();

    // Cancelling one request leaves the other's hold.
    owner.cancel_request(first.id).await.unwrap();
    let refused = alice
        .upload_version(letter.id, v2.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(409));
    // Cancelling the last one releases the document.
    owner.cancel_request(second.id).await.unwrap();
    let added = alice.upload_version(letter.id, v2).await.unwrap();
    assert_eq!(added.version, 2);
}

#[tokio::test]
async fn a_request_cannot_ask_to_sign_a_document_the_contact_cannot_open() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let internal = owner
        .upload_document(
            acme.northwind(),
            &UploadParams {
                name: "Internal memo.pdf".into(),
                visibility: Some(portico_shared::documents::Visibility::Staff),
                ..Default::default()
            },
            PDF.to_vec(),
        )
        .await
        .unwrap();
    let before = app.data_row_counts().await;
    let refused = owner
        .create_request(acme.northwind(), &sign_request(internal.id))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(422));
    let problem = refused.problem().unwrap();
    assert_eq!(error_fields_of(problem), ["items.0.document_id"]);
    assert_eq!(app.data_row_counts().await, before);

    // A document made staff-only after the request was sent is not signed either.
    let letter = letter(&owner, acme.northwind()).await;
    let request = owner
        .create_request(acme.northwind(), &sign_request(letter.id))
        .await
        .unwrap();
    owner
        .update_document(
            letter.id,
            &portico_shared::documents::UpdateDocument {
                visibility: Some(portico_shared::documents::Visibility::Staff),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let alice = acme.login("alice").await;
    let refused = alice
        .sign_item(request.id, request.items[0].id, &sign())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
}

#[tokio::test]
async fn an_upload_item_cannot_accept_only_types_that_are_never_stored() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let body = CreateRequest {
        title: "Installer".into(),
        instructions: None,
        due_on: None,
        assignee_ids: vec![],
        items: vec![NewItem {
            accepted_types: vec!["application/pdf".into(), "application/x-msdownload".into()],
            ..item(ItemKind::Upload, "The setup program")
        }],
    };
    let refused = owner
        .create_request(acme.northwind(), &body)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(422));
    assert_eq!(
        error_fields_of(refused.problem().unwrap()),
        ["items.0.accepted_types.1"]
    );
}

fn error_fields_of(problem: &portico_shared::Problem) -> Vec<String> {
    problem.errors.iter().map(|e| e.field.clone()).collect()
}

#[tokio::test]
async fn a_request_completes_when_its_last_items_are_reviewed_at_the_same_time() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let reviewer = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let body = CreateRequest {
        title: "Two receipts".into(),
        instructions: None,
        due_on: None,
        assignee_ids: vec![acme.user("alice")],
        items: vec![
            item(ItemKind::Upload, "January"),
            item(ItemKind::Upload, "February"),
        ],
    };
    for round in 0..8 {
        let request = owner.create_request(acme.northwind(), &body).await.unwrap();
        let [first, second] = ids(&request)[..] else {
            panic!()
        };
        // Both answered at the same time too.
        let (a, b) = tokio::join!(
            alice.upload_item(request.id, first, "jan.pdf", PDF.to_vec()),
            alice.upload_item(request.id, second, "feb.pdf", PDF.to_vec()),
        );
        a.unwrap();
        let answered = b.unwrap();
        let now = alice.get_request(answered.id).await.unwrap();
        assert_eq!(now.status, RequestStatus::Submitted, "round {round}");

        let ok = accept();
        let (a, b) = tokio::join!(
            owner.review_item(request.id, first, &ok),
            reviewer.review_item(request.id, second, &ok),
        );
        a.unwrap();
        b.unwrap();
        let done = owner.get_request(request.id).await.unwrap();
        assert_eq!(
            statuses(&done),
            [ItemStatus::Accepted, ItemStatus::Accepted],
            "round {round}"
        );
        assert_eq!(done.status, RequestStatus::Completed, "round {round}");
        let completed = app.events(&acme, "request.completed").await;
        let this = serde_json::json!(request.id);
        let reported = completed.iter().filter(|e| e["request_id"] == this).count();
        assert_eq!(reported, 1, "round {round}: reported completed once");
    }
}
