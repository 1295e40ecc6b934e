//! View as customer: staff see the portal through a contact's eyes, read-only, for at most
//! 15 minutes; the start and the end (by the viewer or the time limit) are audited.

use crate::helpers::{TestApp, assert_problem};
use chrono::Duration;
use portico_shared::client::Client;
use portico_shared::people::UpdateProfile;
use portico_shared::tenancy::Scope;

async fn audit_actions(app: &TestApp, object: &str) -> Vec<(String, String)> {
    let mut conn = app.state.db.conn().await.unwrap();
    portico_api::on_db!(&mut conn, c => sqlx::query_as(
        "SELECT action, details FROM audit_events WHERE object_id = $1 AND action LIKE 'auth.view_as%' ORDER BY seq")
        .bind(object).fetch_all(c).await)
    .unwrap()
}

#[tokio::test]
async fn an_agent_sees_the_portal_as_a_contact_read_only_until_they_end_it() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let agent = acme.login("agent").await;
    let alice = acme.user("alice");

    let started = agent.view_as(alice).await.unwrap();
    assert_eq!(started.user.id, alice);
    assert_eq!(started.expires_at, app.clock.now() + Duration::minutes(15));
    let view = Client::new(app.url(""));
    view.set_access_token(Some(started.access_token.clone()));

    let me = view.me().await.unwrap();
    assert_eq!(me.user.id, alice);
    let banner = me.view_as.expect("the view says whose it is");
    assert_eq!(banner.viewer_name, "Aaron Agent");
    assert_eq!(
        view.list_organizations(None, None)
            .await
            .unwrap()
            .items
            .len(),
        1,
        "what Alice sees"
    );
    assert_eq!(
        view.list_members(acme.northwind(), None, None)
            .await
            .unwrap()
            .items
            .len(),
        3
    );

    // Writes are refused, whatever Alice herself could do.
    let before = app.data_row_counts().await;
    let hijack = UpdateProfile {
        name: Some("Hijacked".into()),
        ..Default::default()
    };
    assert_eq!(
        view.update_profile(&hijack).await.unwrap_err().status(),
        Some(403)
    );
    let scopes = view.change_member_scopes(acme.northwind(), acme.user("bob"), vec![Scope::Admin]);
    assert_eq!(scopes.await.unwrap_err().status(), Some(403));
    let res = app
        .http()
        .post(app.url("/api/v1/me/password"))
        .bearer_auth(&started.access_token)
        .json(&serde_json::json!({ "current_password": "x", "new_password": "y" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    assert_eq!(app.data_row_counts().await, before, "nothing changed");
    // Alice's own list of sessions does not show the staff member's view.
    let alice_client = acme.login("alice").await;
    assert_eq!(alice_client.my_sessions().await.unwrap().len(), 1);

    view.end_view_as().await.unwrap();
    assert_eq!(view.me().await.unwrap_err().status(), Some(401));
    let events = audit_actions(&app, &alice.to_string()).await;
    assert_eq!(
        events.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["auth.view_as_started", "auth.view_as_ended"]
    );
    assert!(events[1].1.contains("ended by the viewer"));
    // The job due at the time limit finds the view already ended: no second event.
    app.clock.advance(Duration::minutes(16));
    app.run_jobs().await;
    assert_eq!(audit_actions(&app, &alice.to_string()).await.len(), 2);
}

#[tokio::test]
async fn a_view_ends_by_itself_at_its_time_limit_and_only_staff_open_one_on_active_contacts() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let bob = acme.user("bob");
    let started = owner.view_as(bob).await.unwrap();
    let view = Client::new(app.url(""));
    view.set_access_token(Some(started.access_token));

    app.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    assert_eq!(view.me().await.unwrap_err().status(), Some(401));
    assert_eq!(app.run_jobs().await, 1);
    let events = audit_actions(&app, &bob.to_string()).await;
    assert_eq!(events.len(), 2);
    assert!(events[1].1.contains("time limit"), "{events:?}");

    let owner = acme.login("owner").await;
    let staff = owner.view_as(acme.user("agent")).await.unwrap_err();
    assert_eq!(staff.status(), Some(422), "staff are not viewed as");
    owner.disable_person(bob).await.unwrap();
    assert_eq!(owner.view_as(bob).await.unwrap_err().status(), Some(422));
    // Contacts cannot open views: to them, nobody exists here.
    let alice = acme.login("alice").await;
    assert_eq!(
        alice.view_as(acme.user("dave")).await.unwrap_err().status(),
        Some(404)
    );
}

/// Opens a read-only view of `contact` for `staff` and returns a client holding it.
async fn view_of(app: &TestApp, staff: &Client, contact: portico_shared::UserId) -> Client {
    let started = staff.view_as(contact).await.unwrap();
    let view = Client::new(app.url(""));
    view.set_access_token(Some(started.access_token));
    view.me().await.expect("the view works");
    view
}

#[tokio::test]
async fn s9_a_view_ends_when_its_viewer_is_disabled_demoted_or_signs_out_everywhere() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.user("alice");

    // Disabled: the view ends with the staff member's own sessions.
    let agent = acme.login("agent").await;
    let view = view_of(&app, &agent, alice).await;
    owner.disable_person(acme.user("agent")).await.unwrap();
    assert_eq!(view.me().await.unwrap_err().status(), Some(401));

    // Demoted: a role change ends every session the person holds or looks through.
    let invited = owner
        .invite_person(&portico_shared::people::InvitePerson {
            email: "ada@acme.test".into(),
            name: "Ada Admin".into(),
            staff_role: Some(portico_shared::tenancy::StaffRole::Admin),
            memberships: vec![],
        })
        .await
        .unwrap();
    let token = app.link_sent_to(&acme, "ada@acme.test", "invited").await;
    let ada = Client::new(app.url(""));
    ada.accept_invitation(&portico_shared::people::SetPasswordWithLink {
        token,
        password: crate::helpers::PASSWORD.into(),
        name: None,
    })
    .await
    .unwrap();
    let view = view_of(&app, &ada, alice).await;
    owner
        .change_role(invited.user.id, portico_shared::tenancy::StaffRole::Agent)
        .await
        .unwrap();
    assert_eq!(view.me().await.unwrap_err().status(), Some(401));

    // A password change signs the staff member out everywhere else, views included.
    let view = view_of(&app, &owner, alice).await;
    let other = acme.login("owner").await;
    other
        .change_password(&portico_shared::auth::ChangePassword {
            current_password: crate::helpers::PASSWORD.into(),
            new_password: "copper-meadow-signal-2046".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        view.me().await.unwrap_err().status(),
        Some(401),
        "ended with the sessions"
    );
}

#[tokio::test]
async fn s9_a_view_whose_viewer_was_disabled_behind_the_servers_back_is_refused() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let agent = acme.login("agent").await;
    let view = view_of(&app, &agent, acme.user("alice")).await;
    // Even when nothing ended the session (a status written by another tool), the view checks
    // its viewer on every request.
    let mut conn = app.state.db.conn().await.unwrap();
    let agent_id = acme.user("agent").0;
    let changed = portico_api::on_db!(&mut conn, c => sqlx::query(
        "UPDATE users SET status = 'disabled' WHERE id = $1")
        .bind(agent_id).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(view.me().await.unwrap_err().status(), Some(401));
}
