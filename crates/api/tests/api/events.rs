//! The event outbox: every event a capability emits is written with its change — once when
//! the change commits, never when it rolls back — and handed to its subscribers at least
//! once, acted on once.
//!
//! Each test below takes one event type through [`once_on_commit_only`]: the action is tried
//! first with commits failing whenever that type is emitted (every table must be as it was,
//! and no such event exist), then normally (exactly one such event, whose data is checked).

use crate::helpers::{TestApp, TestTenant, contact};
use chrono::NaiveDate;
use portico_api::events::{DELIVER_JOB, queries as event_queries};
use portico_api::jobs::{self, NewJob};
use portico_shared::client::{Client, ClientResult};
use portico_shared::documents::{Document, UpdateDocument, UploadParams};
use portico_shared::events::EventFilter;
use portico_shared::organizations::{CreateOrganization, UpdateOrganization};
use portico_shared::people::{InviteMember, SetPasswordWithLink};
use portico_shared::requests::{
    AnswerItem, Answers, CreateRequest, ItemKind, NewItem, Question, QuestionKind, Request,
    ReviewDecision, ReviewItem,
};
use portico_shared::tenancy::Scope;
use serde_json::{Value, json};
use std::future::Future;

/// Runs `act` with commits failing when `kind` is emitted, then normally; returns the data
/// of the one event the successful run emitted.
async fn once_on_commit_only<T, F, Fut>(
    app: &TestApp,
    tenant: &TestTenant,
    kind: &str,
    act: F,
) -> Value
where
    F: Fn() -> Fut,
    Fut: Future<Output = ClientResult<T>>,
{
    let before = app.events(tenant, kind).await.len();
    app.break_commits_emitting(kind).await;
    let rows = app.row_counts().await;
    let refused = act().await;
    assert!(
        refused.is_err(),
        "{kind}: the change committed though its event could not"
    );
    assert_eq!(
        app.row_counts().await,
        rows,
        "{kind}: a rolled-back change left rows"
    );
    assert_eq!(
        app.events(tenant, kind).await.len(),
        before,
        "{kind}: emitted on rollback"
    );
    app.mend_commits().await;

    if let Err(e) = act().await {
        panic!("{kind}: the action fails once commits work: {e:?}");
    }
    let events = app.events(tenant, kind).await;
    assert_eq!(events.len(), before + 1, "{kind}: emitted once on commit");
    events[0].clone()
}

async fn setup() -> (TestApp, TestTenant, Client) {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    (app, acme, owner)
}

async fn upload(owner: &Client, acme: &TestTenant, name: &str) -> ClientResult<Document> {
    owner
        .upload_document(
            acme.northwind(),
            &UploadParams {
                name: name.into(),
                ..Default::default()
            },
            b"%PDF-1.7\nstatement\n%%EOF\n".to_vec(),
        )
        .await
}

fn question(title: &str) -> NewItem {
    NewItem {
        kind: ItemKind::Question,
        title: title.into(),
        description: None,
        accepted_types: vec![],
        document_id: None,
        questions: vec![Question {
            key: "ok".into(),
            label: "All in order?".into(),
            kind: QuestionKind::YesNo,
            choices: vec![],
            required: true,
        }],
        consent_text: None,
    }
}

/// Two questions asked of Alice at Northwind.
async fn two_questions(owner: &Client, acme: &TestTenant) -> ClientResult<Request> {
    let body = CreateRequest {
        title: "Quick check".into(),
        instructions: None,
        due_on: Some(NaiveDate::from_ymd_opt(2030, 1, 31).unwrap()),
        assignee_ids: vec![acme.user("alice")],
        items: vec![question("First"), question("Second")],
    };
    owner.create_request(acme.northwind(), &body).await
}

fn yes() -> AnswerItem {
    AnswerItem {
        answers: Answers([("ok".to_string(), "yes".to_string())].into()),
    }
}

fn accept() -> ReviewItem {
    ReviewItem {
        decision: ReviewDecision::Accept,
        comment: None,
    }
}

#[tokio::test]
async fn organization_created() {
    let (app, acme, owner) = setup().await;
    let body = CreateOrganization {
        name: "Fabrikam".into(),
        external_ref: Some("CRM-7".into()),
        custom_fields: Default::default(),
    };
    let data = once_on_commit_only(&app, &acme, "organization.created", || {
        owner.create_organization(&body)
    })
    .await;
    assert_eq!(data["name"], "Fabrikam");
    assert_eq!(data["external_ref"], "CRM-7");
}

#[tokio::test]
async fn organization_updated() {
    let (app, acme, owner) = setup().await;
    let body = UpdateOrganization {
        name: Some("Northwind Traders Ltd".into()),
        ..Default::default()
    };
    let data = once_on_commit_only(&app, &acme, "organization.updated", || {
        owner.update_organization(acme.northwind(), &body)
    })
    .await;
    assert_eq!(data["organization_id"], json!(acme.northwind()));
    assert_eq!(data["name"], "Northwind Traders Ltd");
}

#[tokio::test]
async fn organization_archived_and_restored() {
    let (app, acme, owner) = setup().await;
    let data = once_on_commit_only(&app, &acme, "organization.archived", || {
        owner.archive_organization(acme.contoso())
    })
    .await;
    assert_eq!(data["organization_id"], json!(acme.contoso()));
    let data = once_on_commit_only(&app, &acme, "organization.restored", || {
        owner.restore_organization(acme.contoso())
    })
    .await;
    assert_eq!(data["organization_id"], json!(acme.contoso()));
}

#[tokio::test]
async fn person_invited_then_joined() {
    let (app, acme, owner) = setup().await;
    let email = "erin@northwind.test";
    let invite = contact(email, "Erin", acme.northwind(), &[Scope::Documents]);
    let data = once_on_commit_only(&app, &acme, "person.invited", || {
        owner.invite_person(&invite)
    })
    .await;
    assert_eq!(data["email"], email);
    assert_eq!(data["kind"], "customer");
    assert_eq!(data["organization_ids"], json!([acme.northwind()]));

    let token = app.link_sent_to(&acme, email, "invited").await;
    let erin = app.anonymous();
    let body = SetPasswordWithLink {
        token,
        password: "copper-meadow-violin-2031".into(),
        name: None,
    };
    let data = once_on_commit_only(&app, &acme, "person.joined", || {
        erin.accept_invitation(&body)
    })
    .await;
    assert_eq!(data["email"], email);
}

#[tokio::test]
async fn person_disabled_and_enabled() {
    let (app, acme, owner) = setup().await;
    let bob = acme.user("bob");
    let data =
        once_on_commit_only(&app, &acme, "person.disabled", || owner.disable_person(bob)).await;
    assert_eq!(data["user_id"], json!(bob));
    // Disabling again changes nothing and reports nothing.
    owner.disable_person(bob).await.unwrap();
    assert_eq!(app.events(&acme, "person.disabled").await.len(), 1);
    let data =
        once_on_commit_only(&app, &acme, "person.enabled", || owner.enable_person(bob)).await;
    assert_eq!(data["user_id"], json!(bob));
}

#[tokio::test]
async fn membership_added_and_removed() {
    let (app, acme, owner) = setup().await;
    let bob = acme.user("bob");
    let body = InviteMember {
        email: acme.email("bob"),
        name: "Bob Billing".into(),
        scopes: vec![Scope::Documents],
    };
    let data = once_on_commit_only(&app, &acme, "membership.added", || {
        owner.invite_member(acme.contoso(), &body)
    })
    .await;
    assert_eq!(data["user_id"], json!(bob));
    assert_eq!(data["organization_id"], json!(acme.contoso()));
    assert_eq!(data["scopes"], json!(["documents"]));
    let data = once_on_commit_only(&app, &acme, "membership.removed", || {
        owner.remove_member(acme.contoso(), bob)
    })
    .await;
    assert_eq!(data["user_id"], json!(bob));
}

#[tokio::test]
async fn document_uploaded_and_given_a_version() {
    let (app, acme, owner) = setup().await;
    let data = once_on_commit_only(&app, &acme, "document.uploaded", || {
        upload(&owner, &acme, "Statement.pdf")
    })
    .await;
    assert_eq!(data["name"], "Statement.pdf");
    assert_eq!(data["version"], 1);
    assert_eq!(data["organization_id"], json!(acme.northwind()));
    let id = serde_json::from_value(data["document_id"].clone()).unwrap();
    let data = once_on_commit_only(&app, &acme, "document.version_added", || {
        owner.upload_version(id, b"%PDF-1.7\nv2\n%%EOF\n".to_vec())
    })
    .await;
    assert_eq!(data["version"], 2);
}

#[tokio::test]
async fn document_updated_deleted_and_restored() {
    let (app, acme, owner) = setup().await;
    let doc = upload(&owner, &acme, "Statement.pdf").await.unwrap();
    let body = UpdateDocument {
        name: Some("Statement 2025.pdf".into()),
        ..Default::default()
    };
    let data = once_on_commit_only(&app, &acme, "document.updated", || {
        owner.update_document(doc.id, &body)
    })
    .await;
    assert_eq!(data["name"], "Statement 2025.pdf");
    once_on_commit_only(&app, &acme, "document.deleted", || {
        owner.delete_document(doc.id)
    })
    .await;
    let data = once_on_commit_only(&app, &acme, "document.restored", || {
        owner.restore_document(doc.id)
    })
    .await;
    assert_eq!(data["document_id"], json!(doc.id));
}

#[tokio::test]
async fn request_created_answered_submitted_reviewed_and_completed() {
    let (app, acme, owner) = setup().await;
    let alice = acme.login("alice").await;
    let data = once_on_commit_only(&app, &acme, "request.created", || {
        two_questions(&owner, &acme)
    })
    .await;
    assert_eq!(data["title"], "Quick check");
    assert_eq!(data["status"], "open");
    assert_eq!(data["assignee_ids"], json!([acme.user("alice")]));
    // The second run made the request the tests go on with (the first rolled back).
    let listed = owner
        .list_requests(&Default::default(), None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let request = &listed.items[0];
    let (first, second) = (request.items[0].id, request.items[1].id);
    let (yes, accept) = (yes(), accept());

    let data = once_on_commit_only(&app, &acme, "request.item_answered", || {
        alice.answer_item(request.id, first, &yes)
    })
    .await;
    assert_eq!(
        (data["item_id"].clone(), data["status"].clone()),
        (json!(first), json!("submitted"))
    );
    assert_eq!(data["request_status"], "open");
    let data = once_on_commit_only(&app, &acme, "request.submitted", || {
        alice.answer_item(request.id, second, &yes)
    })
    .await;
    assert_eq!(data["status"], "submitted");

    let data = once_on_commit_only(&app, &acme, "request.item_reviewed", || {
        owner.review_item(request.id, first, &accept)
    })
    .await;
    assert_eq!(data["status"], "accepted");
    let data = once_on_commit_only(&app, &acme, "request.completed", || {
        owner.review_item(request.id, second, &accept)
    })
    .await;
    assert_eq!(data["status"], "completed");
}

#[tokio::test]
async fn request_cancelled() {
    let (app, acme, owner) = setup().await;
    let request = two_questions(&owner, &acme).await.unwrap();
    let data = once_on_commit_only(&app, &acme, "request.cancelled", || {
        owner.cancel_request(request.id)
    })
    .await;
    assert_eq!(data["status"], "cancelled");
}

#[tokio::test]
async fn every_event_is_dispatched_and_a_redelivery_is_acted_on_once() {
    let (app, acme, owner) = setup().await;
    let alice = acme.email("alice");
    two_questions(&owner, &acme).await.unwrap();
    assert_eq!(
        app.mail_to(&acme, &alice).await.len(),
        1,
        "the new request's notice"
    );
    let pending = app
        .execute("UPDATE events SET dispatched_at = dispatched_at WHERE dispatched_at IS NULL")
        .await
        .unwrap();
    assert_eq!(pending, 0, "every event was handed out");

    // A worker that died after the mail was queued, before its job was marked done, leaves
    // the delivery to run again: the receipt makes it a no-op.
    let mut conn = app.state.db.conn().await.unwrap();
    let created = event_queries::list(&mut conn, acme.id, Some("request.created"), 1)
        .await
        .unwrap()
        .remove(0);
    drop(conn);
    let now = app.clock.now();
    let mut tx = app.state.db.begin().await.unwrap();
    let again = NewJob::new(
        DELIVER_JOB,
        json!({ "event_id": created.id, "subscriber": "requests.mail" }),
        now,
    );
    jobs::enqueue(&mut tx, again, now).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(
        app.mail_to(&acme, &alice).await.len(),
        1,
        "not mailed twice"
    );
}

#[tokio::test]
async fn staff_read_the_events_they_may_see_and_contacts_none() {
    let (app, acme, owner) = setup().await;
    let alice = acme.login("alice").await;
    upload(&alice, &acme, "Receipts.pdf").await.unwrap();
    let contoso_doc = owner
        .upload_document(
            acme.contoso(),
            &UploadParams {
                name: "Contoso plan.pdf".into(),
                ..Default::default()
            },
            b"%PDF-1.7\nplan\n%%EOF\n".to_vec(),
        )
        .await
        .unwrap();

    let uploads = EventFilter {
        types: Some("document.uploaded,document.version_added".into()),
        ..Default::default()
    };
    let seen = owner.list_events(&uploads, None, None).await.unwrap();
    let names: Vec<_> = seen.items.iter().map(|e| e.data["name"].clone()).collect();
    assert_eq!(
        names,
        [json!("Contoso plan.pdf"), json!("Receipts.pdf")],
        "newest first"
    );
    assert_eq!(seen.items[1].data["by_name"], "Alice Admin");
    assert_eq!(seen.items[1].data["by_staff"], false);
    assert_eq!(seen.items[0].data["by_staff"], true);
    assert_eq!(seen.items[0].organization_id, Some(acme.contoso()));

    // Pages follow the cursor; an unknown type is refused by name.
    let first = owner.list_events(&uploads, Some(1), None).await.unwrap();
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = owner
        .list_events(&uploads, Some(1), Some(&cursor))
        .await
        .unwrap();
    assert_eq!(second.items[0].data["name"], "Receipts.pdf");
    let unknown = EventFilter {
        types: Some("document.teleported".into()),
        ..Default::default()
    };
    let refused = owner.list_events(&unknown, None, None).await.unwrap_err();
    assert_eq!(refused.status(), Some(422));

    // An agent limited to Northwind reads Northwind's events only; contacts read none.
    let agent = acme.login("agent").await;
    owner
        .set_staff_assignment(acme.northwind(), acme.user("agent"), true)
        .await
        .unwrap();
    let limited = agent.list_events(&uploads, None, None).await.unwrap();
    assert!(
        limited
            .items
            .iter()
            .all(|e| e.organization_id == Some(acme.northwind())),
        "{limited:?}"
    );
    assert!(!limited.items.is_empty());
    let contoso_only = EventFilter {
        organization_id: Some(acme.contoso()),
        ..Default::default()
    };
    let hidden = agent
        .list_events(&contoso_only, None, None)
        .await
        .unwrap_err();
    assert_eq!(hidden.status(), Some(404));
    let denied = alice.list_events(&uploads, None, None).await.unwrap_err();
    assert_eq!(denied.status(), Some(403));
    // Another tenant's organisation is unknown here (S11), even to an owner.
    let globex = app.tenant("globex").await;
    let elsewhere = EventFilter {
        organization_id: Some(globex.northwind()),
        ..Default::default()
    };
    let unknown = owner.list_events(&elsewhere, None, None).await.unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    let their_owner = globex.login("owner").await;
    let theirs = their_owner.list_events(&uploads, None, None).await.unwrap();
    assert!(theirs.items.is_empty(), "another tenant's events leaked");
    let _ = contoso_doc;
}
