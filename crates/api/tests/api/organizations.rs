//! Managing customer organisations: staff admins and owners create, edit, archive and restore
//! them; agents and contacts cannot (S13); bodies cannot set what they must not (S14).

use crate::helpers::{PASSWORD, TestApp, TestTenant, assert_problem, problem_type};
use portico_shared::client::Client;
use portico_shared::organizations::{
    CreateOrganization, OrganizationFilter, OrganizationStatus, UpdateOrganization,
};
use portico_shared::people::{InvitePerson, SetPasswordWithLink};
use portico_shared::tenancy::{OrganizationAccess, StaffRole};
use portico_shared::{ProblemType, UserId};
use serde_json::json;

fn new_org(name: &str, external_ref: Option<&str>) -> CreateOrganization {
    CreateOrganization {
        name: name.into(),
        external_ref: external_ref.map(Into::into),
        custom_fields: Default::default(),
    }
}

#[tokio::test]
async fn an_owner_creates_renames_archives_and_restores_an_organisation() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;

    let created = owner
        .create_organization(&new_org("  Fabrikam Inc ", Some("CRM-0042")))
        .await
        .unwrap();
    let renamed = owner
        .update_organization(
            created.id,
            &UpdateOrganization {
                name: Some("Fabrikam Group".into()),
                external_ref: Some(String::new()),
                custom_fields: None,
            },
        )
        .await
        .unwrap();
    let archived = owner.archive_organization(created.id).await.unwrap();
    let again = owner.archive_organization(created.id).await.unwrap();
    let restored = owner.restore_organization(created.id).await.unwrap();

    assert_eq!(created.name, "Fabrikam Inc");
    assert_eq!(created.external_ref.as_deref(), Some("CRM-0042"));
    assert_eq!(created.status, OrganizationStatus::Active);
    assert_eq!(renamed.name, "Fabrikam Group");
    assert_eq!(renamed.external_ref, None);
    assert_eq!(archived.status, OrganizationStatus::Archived);
    assert_eq!(again.status, OrganizationStatus::Archived);
    assert_eq!(restored.status, OrganizationStatus::Active);
    assert_eq!(owner.get_organization(created.id).await.unwrap(), restored);
    let mut conn = app.state.db.conn().await.unwrap();
    let actions: Vec<String> = portico_api::on_db!(&mut conn, c => sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE object_id = $1 ORDER BY seq")
        .bind(created.id.to_string()).fetch_all(c).await)
    .unwrap();
    assert_eq!(
        actions,
        [
            "organization.created",
            "organization.updated",
            "organization.archived",
            "organization.restored"
        ]
    );
}

#[tokio::test]
async fn creating_answers_201_with_the_location_of_the_new_organisation() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;

    let res = owner
        .request(reqwest::Method::POST, "/api/v1/organizations")
        .json(&new_org("Woodgrove Bank", None))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/organizations/{}", body["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn s13_agents_and_contacts_cannot_manage_organisations() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let northwind = acme.northwind();
    let before = app.data_row_counts().await;

    for who in ["agent", "alice", "bob"] {
        let client = acme.login(who).await;
        let create = client
            .create_organization(&new_org("Not allowed", None))
            .await;
        let rename = client
            .update_organization(
                northwind,
                &UpdateOrganization {
                    name: Some("X".into()),
                    external_ref: None,
                    custom_fields: None,
                },
            )
            .await;
        let archive = client.archive_organization(northwind).await;
        for (what, result) in [("create", create), ("rename", rename), ("archive", archive)] {
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(403), "{who} {what}");
            assert_eq!(err.kind(), Some(ProblemType::Forbidden), "{who} {what}");
        }
    }

    let after = app.data_row_counts().await;
    assert_eq!(before, after);
    let owner = acme.login("owner").await;
    assert_eq!(
        owner.get_organization(northwind).await.unwrap().name,
        "Northwind Traders"
    );
}

#[tokio::test]
async fn a_contact_of_another_organisation_gets_404_not_403() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let carol = acme.login("carol").await;

    let err = carol
        .archive_organization(acme.northwind())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn s14_a_body_cannot_set_the_tenant_the_status_or_unknown_fields() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = acme.login("owner").await;
    let bodies = [
        json!({ "name": "Sneaky", "tenant_id": globex.id }),
        json!({ "name": "Sneaky", "status": "archived" }),
        json!({ "name": "Sneaky", "id": acme.northwind() }),
    ];

    for body in &bodies {
        let res = owner
            .request(reqwest::Method::POST, "/api/v1/organizations")
            .json(body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422).await;
        assert_eq!(
            problem_type(&problem),
            ProblemType::Validation.slug(),
            "{body}"
        );
    }
    let res = owner
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/organizations/{}", acme.northwind()),
        )
        .json(&json!({ "status": "archived" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422).await;

    let found = owner
        .search_organizations(
            &OrganizationFilter {
                q: Some("sneaky".into()),
                status: None,
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert!(found.items.is_empty());
    assert_eq!(
        owner
            .get_organization(acme.northwind())
            .await
            .unwrap()
            .status,
        OrganizationStatus::Active
    );
}

#[tokio::test]
async fn names_and_references_are_validated() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let long_ref = "r".repeat(201);

    for (body, field) in [
        (new_org("   ", None), "name"),
        (new_org("Fine", Some(&long_ref)), "external_ref"),
        (new_org("Fine", Some("line\nbreak")), "external_ref"),
    ] {
        let err = owner.create_organization(&body).await.unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert_eq!(err.problem().unwrap().errors[0].field, field);
    }
}

#[tokio::test]
async fn organisations_are_searched_by_words_and_filtered_by_status() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let litware = owner
        .create_organization(&new_org("Litware Ltd", Some("CRM-7")))
        .await
        .unwrap();
    owner
        .create_organization(&new_org("100% Organic_Foods", None))
        .await
        .unwrap();
    owner.archive_organization(litware.id).await.unwrap();
    let search = |q: Option<&str>, status: Option<OrganizationStatus>| {
        let filter = OrganizationFilter {
            q: q.map(Into::into),
            status,
        };
        let owner = &owner;
        async move {
            let mut names: Vec<String> = owner
                .search_organizations(&filter, None, None)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|o| o.name)
                .collect();
            names.sort();
            names
        }
    };

    assert_eq!(search(Some("LITWARE"), None).await, ["Litware Ltd"]);
    assert_eq!(search(Some("crm-7"), None).await, ["Litware Ltd"]);
    assert_eq!(search(Some("%"), None).await, ["100% Organic_Foods"]);
    assert_eq!(search(Some("n_r"), None).await, Vec::<String>::new());
    assert_eq!(
        search(None, Some(OrganizationStatus::Archived)).await,
        ["Litware Ltd"]
    );
    assert_eq!(
        search(None, Some(OrganizationStatus::Active)).await,
        ["100% Organic_Foods", "Contoso Ltd", "Northwind Traders"]
    );
    let dave = acme.login("dave").await;
    let mine = dave
        .search_organizations(
            &OrganizationFilter {
                q: Some("ltd".into()),
                status: None,
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        mine.items.len(),
        1,
        "contacts search only their own organisations"
    );
}

#[tokio::test]
async fn s12_s13_admins_assign_staff_to_organisations_and_the_assigned_see_only_those() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let agent_id = acme.user("agent");

    owner
        .set_staff_assignment(acme.contoso(), agent_id, true)
        .await
        .unwrap();
    owner
        .set_staff_assignment(acme.contoso(), agent_id, true)
        .await
        .unwrap();
    let assigned = owner.list_assigned_staff(acme.contoso()).await.unwrap();
    assert_eq!(
        assigned.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [agent_id]
    );

    let agent = acme.login("agent").await;
    let seen = agent.list_organizations(None, None).await.unwrap();
    assert_eq!(
        seen.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [acme.contoso()]
    );
    assert_eq!(
        agent
            .get_organization(acme.northwind())
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    // S13: agents do not assign; contacts neither, nor are they assigned.
    let refused = agent
        .set_staff_assignment(acme.contoso(), agent_id, false)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    let alice = acme.login("alice").await;
    assert_eq!(
        alice
            .list_assigned_staff(acme.northwind())
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    let contact = owner
        .set_staff_assignment(acme.contoso(), acme.user("bob"), true)
        .await
        .unwrap_err();
    assert_eq!(contact.status(), Some(422));

    owner
        .set_staff_assignment(acme.contoso(), agent_id, false)
        .await
        .unwrap();
    assert!(
        owner
            .list_assigned_staff(acme.contoso())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Limited to assignments with none left: nothing, never "everything".
    let agent = acme.login("agent").await;
    assert!(
        agent
            .list_organizations(None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Serving every organisation again is an explicit change.
    let person = owner
        .set_organization_access(agent_id, OrganizationAccess::All)
        .await
        .unwrap();
    assert_eq!(
        person.user.organization_access,
        Some(OrganizationAccess::All)
    );
    assert_eq!(organizations_seen(&agent).await, 2);
}

#[tokio::test]
async fn custom_fields_are_set_merged_removed_searched_and_checked() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let created = owner
        .create_organization(&CreateOrganization {
            name: "Fabrikam".into(),
            external_ref: None,
            custom_fields: [("Account tier".to_string(), "Gold".to_string())].into(),
        })
        .await
        .unwrap();
    assert_eq!(created.custom_fields["Account tier"], "Gold");

    let changed = owner
        .update_organization(
            created.id,
            &UpdateOrganization {
                custom_fields: Some(
                    [
                        ("Region".to_string(), Some("EMEA".to_string())),
                        ("Account tier".to_string(), None),
                    ]
                    .into(),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        changed.custom_fields,
        [("Region".to_string(), "EMEA".to_string())].into()
    );
    assert_eq!(changed.name, "Fabrikam", "other fields stay");
    let found = owner
        .search_organizations(
            &OrganizationFilter {
                q: Some("emea".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [created.id]
    );

    let too_many: std::collections::BTreeMap<String, Option<String>> = (0..31)
        .map(|i| (format!("Field {i}"), Some("x".to_string())))
        .collect();
    let err = owner
        .update_organization(
            created.id,
            &UpdateOrganization {
                custom_fields: Some(too_many),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ProblemType::Validation));
    assert_eq!(owner.get_organization(created.id).await.unwrap(), changed);
    // Contacts of the organisation read the fields; they do not write them (S13).
    let alice = acme.login("alice").await;
    let denied = alice
        .update_organization(
            acme.northwind(),
            &UpdateOrganization {
                custom_fields: Some([("Tier".to_string(), Some("Platinum".to_string()))].into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(denied.status(), Some(403));
}

/// How many organisations `client` sees.
async fn organizations_seen(client: &Client) -> usize {
    client
        .list_organizations(None, None)
        .await
        .unwrap()
        .items
        .len()
}

/// Invites a staff admin, accepts for them and returns their id and a signed-in client.
async fn new_admin(
    app: &TestApp,
    acme: &TestTenant,
    owner: &Client,
    email: &str,
) -> (UserId, Client) {
    let invited = owner
        .invite_person(&InvitePerson {
            email: email.into(),
            name: "Ada Admin".into(),
            staff_role: Some(StaffRole::Admin),
            memberships: vec![],
        })
        .await
        .unwrap();
    let token = app.link_sent_to(acme, email, "invited").await;
    let client = app.anonymous();
    client
        .accept_invitation(&SetPasswordWithLink {
            token,
            password: PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap();
    (invited.user.id, client)
}

#[tokio::test]
async fn s13_a_restricted_admin_cannot_widen_their_own_reach_or_narrow_an_owners() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let (ada_id, ada) = new_admin(&app, &acme, &owner, "ada@acme.test").await;
    owner
        .set_staff_assignment(acme.contoso(), ada_id, true)
        .await
        .unwrap();
    let person = owner.get_person(ada_id).await.unwrap();
    assert_eq!(
        person.user.organization_access,
        Some(OrganizationAccess::Assigned)
    );
    let before = app.data_row_counts().await;

    // Removing her own last assignment would once have meant "every organisation".
    let own = ada
        .set_staff_assignment(acme.contoso(), ada_id, false)
        .await;
    assert_eq!(own.unwrap_err().status(), Some(409));
    let own = ada
        .set_organization_access(ada_id, OrganizationAccess::All)
        .await;
    assert_eq!(own.unwrap_err().status(), Some(409));
    // The owner is above her: not assignable, not narrowed.
    let owner_id = acme.user("owner");
    let narrowed = ada
        .set_staff_assignment(acme.contoso(), owner_id, true)
        .await;
    assert_eq!(narrowed.unwrap_err().status(), Some(403));
    let narrowed = ada
        .set_organization_access(owner_id, OrganizationAccess::Assigned)
        .await;
    assert_eq!(narrowed.unwrap_err().status(), Some(403));
    // Nor may she give an agent more reach than her own.
    let widened = ada
        .set_organization_access(acme.user("agent"), OrganizationAccess::All)
        .await;
    assert_eq!(widened.unwrap_err().status(), Some(403));
    assert_eq!(app.data_row_counts().await, before, "nothing changed");
    assert_eq!(organizations_seen(&ada).await, 1);
    assert_eq!(organizations_seen(&owner).await, 2);

    // Another admin is not below an admin either, even for the owner's deputy.
    let (ben_id, _) = new_admin(&app, &acme, &owner, "ben@acme.test").await;
    let peer = ada.set_staff_assignment(acme.contoso(), ben_id, true).await;
    assert_eq!(peer.unwrap_err().status(), Some(403));
    // She may limit an agent to an organisation she serves.
    ada.set_staff_assignment(acme.contoso(), acme.user("agent"), true)
        .await
        .unwrap();
    let agent = acme.login("agent").await;
    assert_eq!(organizations_seen(&agent).await, 1);
}

#[tokio::test]
async fn s13_staff_invited_by_a_restricted_admin_serve_nothing_until_assigned() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let (ada_id, ada) = new_admin(&app, &acme, &owner, "ada@acme.test").await;
    owner
        .set_staff_assignment(acme.contoso(), ada_id, true)
        .await
        .unwrap();
    let invited = ada
        .invite_person(&InvitePerson {
            email: "gus@acme.test".into(),
            name: "Gus Agent".into(),
            staff_role: Some(StaffRole::Agent),
            memberships: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        invited.user.organization_access,
        Some(OrganizationAccess::Assigned)
    );
    // An organisation she creates is one she serves.
    let created = ada
        .create_organization(&new_org("Fabrikam", None))
        .await
        .unwrap();
    assert_eq!(
        ada.get_organization(created.id).await.unwrap().id,
        created.id
    );
}

/// Search goes through a trigram index on both databases (FTS5 on SQLite, pg_trgm on
/// PostgreSQL) and finds the same: any part of a name or reference of three characters or
/// more, case folded (beyond ASCII too), shorter parts by testing each row, renamed
/// organisations under their new name only, and pages of matches that follow each other.
#[tokio::test]
async fn searches_find_the_same_substrings_on_both_databases() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let ecole = owner
        .create_organization(&new_org("École Montessori", Some("EDU-1")))
        .await
        .unwrap();
    owner
        .create_organization(&new_org("Say \"Cheese\" Studio", Some("ph-42")))
        .await
        .unwrap();
    for i in 0..12 {
        owner
            .create_organization(&new_org(&format!("Fabrikam branch {i:02}"), None))
            .await
            .unwrap();
    }
    let names = |page: portico_shared::Page<portico_shared::organizations::Organization>| {
        let mut names: Vec<String> = page.items.into_iter().map(|o| o.name).collect();
        names.sort();
        names
    };
    let search = |q: &str| {
        let filter = OrganizationFilter {
            q: Some(q.into()),
            status: None,
        };
        let owner = &owner;
        async move {
            names(
                owner
                    .search_organizations(&filter, None, None)
                    .await
                    .unwrap(),
            )
        }
    };

    assert_eq!(search("ÉCOLE").await, ["École Montessori"]);
    assert_eq!(search("ontess").await, ["École Montessori"]);
    assert_eq!(search("edu-1").await, ["École Montessori"]);
    assert_eq!(search("\"cheese\"").await, ["Say \"Cheese\" Studio"]);
    assert_eq!(search("PH-4").await, ["Say \"Cheese\" Studio"]);
    assert_eq!(search("42").await, ["Say \"Cheese\" Studio"]);
    assert_eq!(search("nd").await, ["Northwind Traders"]);
    assert_eq!(search("montessori studio").await, Vec::<String>::new());

    owner
        .update_organization(
            ecole.id,
            &UpdateOrganization {
                name: Some("Lycée Voltaire".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(search("montessori").await, Vec::<String>::new());
    assert_eq!(search("voltaire").await, ["Lycée Voltaire"]);

    let filter = OrganizationFilter {
        q: Some("fabrikam branch".into()),
        status: None,
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = owner
            .search_organizations(&filter, Some(5), cursor.as_deref())
            .await
            .unwrap();
        cursor = page.next_cursor.clone();
        seen.extend(names(page));
        if cursor.is_none() {
            break;
        }
    }
    seen.sort();
    let expected: Vec<String> = (0..12).map(|i| format!("Fabrikam branch {i:02}")).collect();
    assert_eq!(seen, expected, "pages of matches follow each other");
}
