//! People and teams: staff invite contacts and staff, change roles, disable and enable;
//! customer admins run their own organisation's team and nothing else (S12–S14); every new
//! person arrives by an emailed invitation they accept with a password (S2).

use crate::helpers::{
    PASSWORD, TestApp, TestTenant, assert_problem, assert_signed_out, contact, problem_type,
};
use portico_shared::ProblemType;
use portico_shared::UserId;
use portico_shared::client::Client;
use portico_shared::people::{InviteMember, InvitePerson, PeopleFilter, SetPasswordWithLink};
use portico_shared::tenancy::{Scope, StaffRole, UserKind, UserStatus};
use serde_json::json;

const NEW_PASSWORD: &str = "copper-meadow-signal-2046";

fn staff(email: &str, role: StaffRole) -> InvitePerson {
    InvitePerson {
        email: email.into(),
        name: "New Staff".into(),
        staff_role: Some(role),
        memberships: vec![],
    }
}

fn member(email: &str, scopes: &[Scope]) -> InviteMember {
    InviteMember {
        email: email.into(),
        name: "Colleague".into(),
        scopes: scopes.to_vec(),
    }
}

/// Invites `email` as a Northwind contact with `scope` (left pending); returns their id.
async fn invite_pending(owner: &Client, acme: &TestTenant, email: &str, scope: Scope) -> UserId {
    owner
        .invite_person(&contact(email, "Pending", acme.northwind(), &[scope]))
        .await
        .unwrap()
        .user
        .id
}

/// Accepts the invitation last mailed to `email` with [`NEW_PASSWORD`]; returns the client,
/// signed in.
async fn accept(app: &TestApp, tenant: &TestTenant, email: &str) -> Client {
    let token = app.link_sent_to(tenant, email, "invited").await;
    let client = app.anonymous();
    client
        .accept_invitation(&SetPasswordWithLink {
            token,
            password: NEW_PASSWORD.into(),
            name: None,
        })
        .await
        .expect("the invitation is accepted");
    client
}

#[tokio::test]
async fn s2_an_invited_contact_sets_a_password_signs_in_and_sees_only_their_organisation() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;

    let invited = owner
        .invite_person(&contact(
            "Erin@Example.test",
            "Erin Example",
            acme.northwind(),
            &[Scope::Documents],
        ))
        .await
        .unwrap();
    assert_eq!(invited.user.email, "erin@example.test");
    assert_eq!(invited.user.status, UserStatus::Invited);
    assert_eq!(invited.user.kind, UserKind::Customer);
    assert_eq!(invited.memberships.len(), 1);

    let mails = app.mail_to(&acme, "erin@example.test").await;
    assert_eq!(mails.len(), 1, "one invitation");
    let mail = &mails[0];
    assert!(mail.subject().contains("invited"), "{}", mail.subject());
    assert!(
        mail.text.contains("Olivia Owner has invited you"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("Northwind"), "{}", mail.text);
    assert!(mail.html.contains("Accept the invitation"));
    assert!(
        mail.html.contains("#0f766e") || mail.html.contains("#"),
        "branded"
    );
    let token = mail.token().expect("a link");

    let anonymous = app.anonymous();
    let details = anonymous.lookup_invitation(&token).await.unwrap();
    assert_eq!(details.email, "erin@example.test");
    assert_eq!(details.tenant.slug, acme.slug);
    assert_eq!(details.organizations, ["Northwind Traders"]);

    // S2: a refused password leaves the link working.
    let weak = anonymous
        .accept_invitation(&SetPasswordWithLink {
            token: token.clone(),
            password: "short".into(),
            name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(weak.kind(), Some(ProblemType::Validation));
    let signed_in = anonymous
        .accept_invitation(&SetPasswordWithLink {
            token: token.clone(),
            password: NEW_PASSWORD.into(),
            name: Some("Erin E. Example".into()),
        })
        .await
        .unwrap();
    assert_eq!(signed_in.user.status, UserStatus::Active);
    assert_eq!(signed_in.user.name, "Erin E. Example");

    let me = anonymous.me().await.unwrap();
    assert_eq!(me.memberships.len(), 1);
    assert_eq!(me.memberships[0].organization.id, acme.northwind());
    assert_eq!(me.memberships[0].scopes, [Scope::Documents]);
    let orgs = anonymous.list_organizations(None, None).await.unwrap();
    assert_eq!(
        orgs.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [acme.northwind()]
    );

    // The link works once.
    let again = app
        .anonymous()
        .accept_invitation(&SetPasswordWithLink {
            token,
            password: NEW_PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(again.kind(), Some(ProblemType::LinkExpired));
    assert_eq!(again.status(), Some(410));
    // And the password signs in.
    let mut login = acme.credentials("alice", NEW_PASSWORD);
    login.email = "erin@example.test".into();
    app.anonymous().login(&login).await.unwrap();
}

#[tokio::test]
async fn an_invitation_expires_after_seven_days_and_a_resent_one_retires_the_old_link() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let invited = owner
        .invite_person(&contact(
            "late@example.test",
            "Late",
            acme.contoso(),
            &[Scope::Billing],
        ))
        .await
        .unwrap();
    let first = app
        .link_sent_to(&acme, "late@example.test", "invited")
        .await;

    app.clock.advance(chrono::Duration::minutes(1));
    owner.resend_invitation(invited.user.id).await.unwrap();
    let second = app
        .link_sent_to(&acme, "late@example.test", "invited")
        .await;
    assert_ne!(first, second);
    let old = app.anonymous().lookup_invitation(&first).await.unwrap_err();
    assert_eq!(old.kind(), Some(ProblemType::LinkExpired));

    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    let expired = app
        .anonymous()
        .lookup_invitation(&second)
        .await
        .unwrap_err();
    assert_eq!(expired.kind(), Some(ProblemType::LinkExpired));

    // A week on, the owner signs in again and resends; once accepted there is nothing to
    // resend.
    let owner = acme.login("owner").await;
    owner.resend_invitation(invited.user.id).await.unwrap();
    accept(&app, &acme, "late@example.test").await;
    let done = owner.resend_invitation(invited.user.id).await.unwrap_err();
    assert_eq!(done.kind(), Some(ProblemType::Conflict));
}

#[tokio::test]
async fn a_customer_admin_invites_a_billing_only_colleague_changes_their_scopes_and_removes_them() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let northwind = acme.northwind();

    let added = alice
        .invite_member(
            northwind,
            &member("frank@northwind.test", &[Scope::Billing]),
        )
        .await
        .unwrap();
    assert_eq!(added.scopes, [Scope::Billing]);
    assert_eq!(added.user.status, UserStatus::Invited);
    let team = alice.list_members(northwind, None, None).await.unwrap();
    assert!(
        team.items
            .iter()
            .any(|m| m.user.email == "frank@northwind.test")
    );
    assert!(team.items.iter().all(|m| m.user.kind == UserKind::Customer));

    let frank = accept(&app, &acme, "frank@northwind.test").await;
    let me = frank.me().await.unwrap();
    assert_eq!(me.memberships[0].scopes, [Scope::Billing]);
    // Billing only: no team management.
    let refused = frank.list_members(northwind, None, None).await.unwrap_err();
    assert_eq!(refused.status(), Some(403));

    let changed = alice
        .change_member_scopes(
            northwind,
            added.user.id,
            vec![Scope::Billing, Scope::Tickets],
        )
        .await
        .unwrap();
    assert_eq!(changed.scopes, [Scope::Billing, Scope::Tickets]);
    assert_eq!(
        frank.me().await.unwrap().memberships[0].scopes,
        [Scope::Billing, Scope::Tickets],
        "scopes apply at once"
    );

    alice.remove_member(northwind, added.user.id).await.unwrap();
    assert!(frank.me().await.unwrap().memberships.is_empty());
    let gone = frank.get_organization(northwind).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));

    // Admins do not change their own access.
    let own = alice
        .change_member_scopes(northwind, acme.user("alice"), vec![Scope::Billing])
        .await
        .unwrap_err();
    assert_eq!(own.kind(), Some(ProblemType::Conflict));
}

#[tokio::test]
async fn s12_a_customer_admin_cannot_reach_another_organisations_team_and_members_without_admin_cannot_manage()
 {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let before = app.data_row_counts().await;
    let alice = acme.login("alice").await;
    let (contoso, northwind) = (acme.contoso(), acme.northwind());

    let list = alice.list_members(contoso, None, None).await.unwrap_err();
    let invite = alice
        .invite_member(contoso, &member("x@contoso.test", &[Scope::Billing]))
        .await
        .unwrap_err();
    let change = alice
        .change_member_scopes(contoso, acme.user("carol"), vec![Scope::Billing])
        .await
        .unwrap_err();
    let remove = alice
        .remove_member(contoso, acme.user("carol"))
        .await
        .unwrap_err();
    // A member of Contoso, but not of Northwind, is not in Northwind's team either.
    let other = alice
        .remove_member(northwind, acme.user("carol"))
        .await
        .unwrap_err();
    // Resending to someone outside her organisations: they do not exist for her.
    let resend = alice
        .resend_invitation(acme.user("carol"))
        .await
        .unwrap_err();
    for (what, err) in [
        ("list", list),
        ("invite", invite),
        ("change", change),
        ("remove", remove),
        ("other", other),
        ("resend", resend),
    ] {
        assert_eq!(err.status(), Some(404), "{what}: {err:?}");
    }

    // Dave is a member of both, without `admin`: 403 on the team he can see.
    let dave = acme.login("dave").await;
    let refused = dave
        .invite_member(northwind, &member("y@northwind.test", &[Scope::Billing]))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    // Contacts never reach the staff console's people list (S13).
    assert_eq!(
        alice
            .list_people(&PeopleFilter::default(), None, None)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    assert_eq!(app.data_row_counts().await, before, "nothing changed");
}

#[tokio::test]
async fn s14_team_invitations_refuse_tenant_role_and_status_in_the_body() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let alice = acme.login("alice").await;
    let before = app.data_row_counts().await;
    let url = app.url(&format!(
        "/api/v1/organizations/{}/members",
        acme.northwind()
    ));
    for extra in [
        json!({ "tenant_id": other.id }),
        json!({ "staff_role": "owner" }),
        json!({ "status": "active" }),
        json!({ "organization_id": other.northwind() }),
        json!({ "password_hash": "x" }),
    ] {
        let mut body = json!({ "email": "m@northwind.test", "name": "M", "scopes": ["billing"] });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let res = app
            .http()
            .post(&url)
            .bearer_auth(alice.access_token().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem_type(&problem), "validation", "{extra}");
    }
    let res = app
        .http()
        .post(app.url("/api/v1/users"))
        .bearer_auth(acme.login("owner").await.access_token().unwrap())
        .json(&json!({ "email": "s@acme.test", "name": "S", "staff_role": "agent", "status": "active" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422).await;
    assert_eq!(app.data_row_counts().await, before, "nothing was created");
}

#[tokio::test]
async fn s13_staff_grant_at_most_their_own_role_and_never_change_themselves_or_their_betters() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let agent = acme.login("agent").await;

    let by_agent = agent
        .invite_person(&staff("a@acme.test", StaffRole::Agent))
        .await
        .unwrap_err();
    assert_eq!(by_agent.status(), Some(403), "agents do not invite");
    let by_agent = agent.disable_person(acme.user("bob")).await.unwrap_err();
    assert_eq!(by_agent.status(), Some(403), "agents do not disable");
    // Agents read the people list.
    agent
        .list_people(&PeopleFilter::default(), None, None)
        .await
        .unwrap();

    let admin = owner
        .invite_person(&staff("admin@acme.test", StaffRole::Admin))
        .await
        .unwrap();
    assert_eq!(admin.user.staff_role, Some(StaffRole::Admin));
    assert!(admin.memberships.is_empty());
    let admin = accept(&app, &acme, "admin@acme.test").await;

    let too_high = admin
        .invite_person(&staff("o2@acme.test", StaffRole::Owner))
        .await
        .unwrap_err();
    assert_eq!(too_high.status(), Some(403));
    let on_owner = admin
        .change_role(acme.user("owner"), StaffRole::Agent)
        .await
        .unwrap_err();
    assert_eq!(on_owner.status(), Some(403));
    let disable_owner = admin.disable_person(acme.user("owner")).await.unwrap_err();
    assert_eq!(disable_owner.status(), Some(403));
    let me = admin.me().await.unwrap().user.id;
    let self_change = admin.disable_person(me).await.unwrap_err();
    assert_eq!(self_change.kind(), Some(ProblemType::Conflict));
    let promote_self_past = admin
        .change_role(acme.user("agent"), StaffRole::Owner)
        .await
        .unwrap_err();
    assert_eq!(promote_self_past.status(), Some(403));

    // An admin promotes the agent to admin: the agent's sessions end (S9).
    let promoted = admin
        .change_role(acme.user("agent"), StaffRole::Admin)
        .await
        .unwrap();
    assert_eq!(promoted.user.staff_role, Some(StaffRole::Admin));
    assert_signed_out(&agent).await;
    // Contacts have scopes, not roles.
    let not_staff = owner
        .change_role(acme.user("bob"), StaffRole::Agent)
        .await
        .unwrap_err();
    assert_eq!(not_staff.kind(), Some(ProblemType::Validation));
}

#[tokio::test]
async fn s9_disabling_a_person_ends_their_sessions_and_enabling_lets_them_sign_in_again() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let bob = acme.login("bob").await;

    let disabled = owner.disable_person(acme.user("bob")).await.unwrap();
    assert_eq!(disabled.user.status, UserStatus::Disabled);
    assert_signed_out(&bob).await;
    let refused = app
        .anonymous()
        .login(&acme.credentials("bob", PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), Some(ProblemType::InvalidCredentials));

    let enabled = owner.enable_person(acme.user("bob")).await.unwrap();
    assert_eq!(enabled.user.status, UserStatus::Active);
    acme.login("bob").await;

    // Someone who never accepted stays invited when enabled again.
    let invited = owner
        .invite_person(&contact(
            "new@example.test",
            "New",
            acme.northwind(),
            &[Scope::Billing],
        ))
        .await
        .unwrap();
    owner.disable_person(invited.user.id).await.unwrap();
    let back = owner.enable_person(invited.user.id).await.unwrap();
    assert_eq!(back.user.status, UserStatus::Invited);

    let mut conn = app.state.db.conn().await.unwrap();
    let actions: Vec<String> = portico_api::on_db!(&mut conn, c => sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE object_id = $1 ORDER BY seq")
        .bind(acme.user("bob").to_string()).fetch_all(c).await)
    .unwrap();
    assert!(
        actions.ends_with(&["user.status_changed".into(), "user.status_changed".into()]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn inviting_an_existing_contact_to_another_organisation_adds_it_and_tells_them() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let bob_email = acme.email("bob");

    let added = owner
        .invite_person(&contact(
            &bob_email,
            "Bob",
            acme.contoso(),
            &[Scope::Tickets],
        ))
        .await
        .unwrap();
    assert_eq!(added.user.id, acme.user("bob"));
    assert_eq!(added.memberships.len(), 2);
    let mails = app.mail_to(&acme, &bob_email).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject().contains("Contoso"),
        "{}",
        mails[0].subject()
    );
    assert!(mails[0].token().is_none(), "no link: Bob has a password");

    let twice = owner
        .invite_person(&contact(
            &bob_email,
            "Bob",
            acme.contoso(),
            &[Scope::Tickets],
        ))
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), Some(ProblemType::Conflict));
    let staff_address = owner
        .invite_person(&contact(
            &acme.email("agent"),
            "A",
            acme.contoso(),
            &[Scope::Tickets],
        ))
        .await
        .unwrap_err();
    assert_eq!(staff_address.kind(), Some(ProblemType::Conflict));
    let no_scopes = owner
        .invite_person(&contact("z@example.test", "Z", acme.contoso(), &[]))
        .await
        .unwrap_err();
    assert_eq!(no_scopes.kind(), Some(ProblemType::Validation));
    let no_orgs = owner
        .invite_person(&InvitePerson {
            memberships: vec![],
            ..contact("z@example.test", "Z", acme.contoso(), &[])
        })
        .await
        .unwrap_err();
    assert_eq!(no_orgs.kind(), Some(ProblemType::Validation));
}

#[tokio::test]
async fn s11_s12_the_people_list_searches_and_filters_within_the_tenant_only() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = acme.login("owner").await;

    let all = owner
        .list_people(&PeopleFilter::default(), None, None)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 6);
    assert!(all.items.iter().all(|u| u.tenant_id == acme.id));
    let search = |q: &str| PeopleFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let found = owner
        .list_people(&search("BILLING"), None, None)
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [acme.user("bob")]
    );
    let staff = owner
        .list_people(
            &PeopleFilter {
                kind: Some(UserKind::Staff),
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(staff.items.len(), 2);
    // Pages of two cover everyone once.
    let (mut seen, mut cursor) = (Vec::new(), None);
    loop {
        let page = owner
            .list_people(&PeopleFilter::default(), Some(2), cursor.as_deref())
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|u| u.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);

    // Another tenant's people do not exist here.
    let foreign: UserId = globex.user("alice");
    assert_eq!(
        owner.get_person(foreign).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        owner.disable_person(foreign).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        owner
            .list_members(globex.northwind(), None, None)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let person = owner.get_person(acme.user("dave")).await.unwrap();
    assert_eq!(person.memberships.len(), 2);
}

#[tokio::test]
async fn a_customer_admin_resends_invitations_to_their_organisations_people_only() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let id = invite_pending(&owner, &acme, "pending@example.test", Scope::Billing).await;
    app.clock.advance(chrono::Duration::minutes(1));
    acme.login("alice")
        .await
        .resend_invitation(id)
        .await
        .unwrap();
    let bob = acme
        .login("bob")
        .await
        .resend_invitation(id)
        .await
        .unwrap_err();
    assert_eq!(bob.status(), Some(403), "a member without admin");
    let carol = acme
        .login("carol")
        .await
        .resend_invitation(id)
        .await
        .unwrap_err();
    assert_eq!(carol.status(), Some(404), "no shared organisation");
    // Dave shares Northwind without admin, and Contoso, where the invitee is not.
    let dave = acme
        .login("dave")
        .await
        .resend_invitation(id)
        .await
        .unwrap_err();
    assert_eq!(dave.status(), Some(403));
    assert_eq!(app.mail_to(&acme, "pending@example.test").await.len(), 2);
}

#[tokio::test]
async fn invitations_are_resent_at_most_once_a_minute_and_five_times_a_day() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let id = invite_pending(&owner, &acme, "flood@example.test", Scope::Documents).await;
    let soon = owner.resend_invitation(id).await.unwrap_err();
    assert_eq!(soon.kind(), Some(ProblemType::TooManyRequests));
    assert_eq!(soon.problem().unwrap().retry_after, Some(60));
    for _ in 0..4 {
        app.clock.advance(chrono::Duration::minutes(2));
        owner.resend_invitation(id).await.unwrap();
    }
    app.clock.advance(chrono::Duration::minutes(2));
    let day = owner.resend_invitation(id).await.unwrap_err();
    assert_eq!(day.kind(), Some(ProblemType::TooManyRequests));
    assert_eq!(app.mail_to(&acme, "flood@example.test").await.len(), 5);
    app.clock.advance(chrono::Duration::days(1));
    let owner = acme.login("owner").await;
    owner.resend_invitation(id).await.unwrap();
}

#[tokio::test]
async fn s12_a_customer_admin_adds_an_existing_person_only_with_their_consent_and_learns_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let northwind = acme.northwind();
    let carol_email = acme.email("carol");

    // Carol (Contoso's contact), a staff address and a new address: three alike answers.
    let new = alice
        .invite_member(
            northwind,
            &member("fresh@example.test", &[Scope::Documents]),
        )
        .await
        .unwrap();
    let carol = alice
        .invite_member(northwind, &member(&carol_email, &[Scope::Documents]))
        .await
        .unwrap();
    let staff = alice
        .invite_member(
            northwind,
            &member(&acme.email("agent"), &[Scope::Documents]),
        )
        .await
        .unwrap();
    for m in [&new, &carol, &staff] {
        assert_eq!(
            m.user.name, "Colleague",
            "the name typed, not the account's"
        );
        assert_eq!(m.user.status, UserStatus::Invited);
        assert_eq!(m.user.kind, UserKind::Customer);
        assert_eq!(m.user.phone, None);
        assert_eq!(m.scopes, [Scope::Documents]);
    }
    let listed = alice.list_members(northwind, None, None).await.unwrap();
    let shown: Vec<_> = listed
        .items
        .iter()
        .filter(|m| m.user.status == UserStatus::Invited)
        .map(|m| m.user.name.as_str())
        .collect();
    assert_eq!(shown, ["Colleague", "Colleague", "Colleague"]);

    // Carol is not a member until she accepts; the staff address is told nothing.
    let carol_client = acme.login("carol").await;
    assert_eq!(
        carol_client
            .list_organizations(None, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(app.mail_to(&acme, &acme.email("agent")).await.is_empty());
    let offer = app
        .mail_to(&acme, &carol_email)
        .await
        .into_iter()
        .find(|m| m.subject().starts_with("Join Northwind Traders"))
        .expect("an offer to Carol");
    assert!(
        offer.text.contains("Alice Admin invites you"),
        "{}",
        offer.text
    );
    let joined = app
        .anonymous()
        .accept_membership_offer(&offer.token().unwrap())
        .await
        .unwrap();
    assert_eq!(joined.organization.id, northwind);
    let carol_client = acme.login("carol").await;
    assert_eq!(
        carol_client
            .list_organizations(None, None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // The link works once.
    let again = app
        .anonymous()
        .accept_membership_offer(&offer.token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(again.kind(), Some(ProblemType::LinkExpired));
    // A pending offer is withdrawn like a membership is removed.
    let agent_id = acme.user("agent");
    alice.remove_member(northwind, agent_id).await.unwrap();
    assert!(
        alice
            .list_members(northwind, None, None)
            .await
            .unwrap()
            .items
            .iter()
            .all(|m| m.user.id != agent_id)
    );
}
