//! Bulk import of organisations and contacts from CSV: checked whole first, every bad row
//! reported, and nothing half-imported.

use crate::helpers::{TestApp, assert_problem, error_fields};
use portico_shared::organizations::OrganizationFilter;
use portico_shared::people::ImportReport;
use portico_shared::tenancy::{Scope, UserStatus};

async fn post_csv(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> reqwest::Response {
    app.http()
        .post(app.url("/api/v1/imports/people"))
        .query(&[("dry_run", dry_run)])
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

const GOOD: &str = "organization,external_ref,name,email,scopes\n\
    Fabrikam,CRM-9,Pat Fab,pat@fabrikam.test,billing;tickets\n\
    Fabrikam,CRM-9,Lee Fab,lee@fabrikam.test,\n\
    Northwind Traders,,Bob Again,BOB@demo-acme.test,documents\n";

#[tokio::test]
async fn a_good_file_is_checked_by_a_dry_run_then_imported_in_one_go() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let token = owner.access_token().unwrap();
    // Bob is acme's contact; the file names him in his own organisation.
    let csv = GOOD.replace("BOB@demo-acme.test", &acme.email("bob").to_uppercase());
    let before = app.data_row_counts().await;

    let res = post_csv(&app, &token, &csv, true).await;
    assert_eq!(res.status(), 200);
    let dry: ImportReport = res.json().await.unwrap();
    assert_eq!(
        dry,
        ImportReport {
            dry_run: true,
            rows: 3,
            organizations_created: 1,
            people_invited: 2,
            memberships_added: 0,
            unchanged: 1,
        }
    );
    assert_eq!(
        app.data_row_counts().await,
        before,
        "a dry run changes nothing"
    );

    let res = post_csv(&app, &token, &csv, false).await;
    let done: ImportReport = res.json().await.unwrap();
    assert_eq!(
        done,
        ImportReport {
            dry_run: false,
            ..dry
        }
    );
    let found = owner
        .search_organizations(
            &OrganizationFilter {
                q: Some("CRM-9".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let team = owner
        .list_members(found.items[0].id, None, None)
        .await
        .unwrap();
    assert_eq!(team.items.len(), 2);
    let pat = team
        .items
        .iter()
        .find(|m| m.user.email == "pat@fabrikam.test")
        .unwrap();
    assert_eq!(pat.scopes, [Scope::Billing, Scope::Tickets]);
    assert_eq!(pat.user.status, UserStatus::Invited);
    assert!(
        app.mail_to(&acme, "pat@fabrikam.test").await[0]
            .token()
            .is_some()
    );

    // Importing the same file again creates nothing new.
    let again: ImportReport = post_csv(&app, &token, &csv, false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            again.organizations_created,
            again.people_invited,
            again.unchanged
        ),
        (0, 0, 3)
    );
}

#[tokio::test]
async fn one_bad_row_fails_the_whole_file_with_every_problem_listed() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let token = acme.login("owner").await.access_token().unwrap();
    let before = app.data_row_counts().await;
    let csv = format!(
        "organization,name,email,scopes\n\
         Fabrikam,Pat,pat@fabrikam.test,billing\n\
         Fabrikam,Lee,not an email,\n\
         ,Kim,kim@fabrikam.test,sudo\n\
         Fabrikam,Agent,{},\n",
        acme.email("agent")
    );
    let problem = assert_problem(post_csv(&app, &token, &csv, false).await, 422).await;
    let fields = error_fields(&problem);
    assert_eq!(
        fields,
        ["rows.3.email", "rows.4.organization", "rows.4.scopes"]
    );
    // With the format right, a staff address still fails the file, after the checks.
    let csv = format!(
        "organization,name,email\nFabrikam,Pat,pat@fabrikam.test\nFabrikam,Agent,{}\n",
        acme.email("agent")
    );
    let problem = assert_problem(post_csv(&app, &token, &csv, false).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "rows.3.email");
    assert_eq!(app.data_row_counts().await, before, "nothing was imported");
    assert!(app.mail_to(&acme, "pat@fabrikam.test").await.is_empty());
}

#[tokio::test]
async fn s13_s15_only_admins_import_and_only_csv_of_a_bounded_size() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let agent = acme.login("agent").await.access_token().unwrap();
    let alice = acme.login("alice").await.access_token().unwrap();
    assert_problem(post_csv(&app, &agent, GOOD, true).await, 403).await;
    assert_problem(post_csv(&app, &alice, GOOD, true).await, 403).await;
    let owner = acme.login("owner").await.access_token().unwrap();
    let res = app
        .http()
        .post(app.url("/api/v1/imports/people"))
        .bearer_auth(&owner)
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
    let huge = format!(
        "organization,name,email\n{}",
        "Fabrikam,Pat,pat@fabrikam.test\n".repeat(40_000)
    );
    assert_problem(post_csv(&app, &owner, &huge, true).await, 413).await;
}

#[tokio::test]
async fn s13_an_import_by_a_restricted_admin_cannot_reach_an_organisation_they_do_not_serve() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    // The owner makes Aaron an admin limited to Contoso.
    let agent = acme.user("agent");
    owner
        .change_role(agent, portico_shared::tenancy::StaffRole::Admin)
        .await
        .unwrap();
    owner
        .set_staff_assignment(acme.contoso(), agent, true)
        .await
        .unwrap();
    let admin = acme.login("agent").await;
    let token = admin.access_token().unwrap();
    let before = app.data_row_counts().await;

    let csv = "organization,name,email,scopes\n\
        Contoso Ltd,Cat Con,cat@contoso.test,documents\n\
        Northwind Traders,Mallory,mallory@evil.test,admin\n";
    let problem = assert_problem(post_csv(&app, &token, csv, false).await, 422).await;
    assert_eq!(error_fields(&problem), ["rows.3.organization"]);
    assert_eq!(app.data_row_counts().await, before, "nothing imported");

    // A new organisation is created and served by the importer.
    let csv = "organization,name,email,scopes\nFabrikam,Pat Fab,pat@fabrikam.test,documents\n";
    let res = post_csv(&app, &token, csv, false).await;
    assert_eq!(res.status(), 200);
    let seen = admin.list_organizations(None, None).await.unwrap();
    let mut names: Vec<_> = seen.items.iter().map(|o| o.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Contoso Ltd", "Fabrikam"]);
}

#[tokio::test]
async fn a_new_person_in_two_organisations_gets_one_invitation_naming_both() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let token = owner.access_token().unwrap();
    let csv = "organization,name,email,scopes\n\
        Northwind Traders,Kim Two,kim@two.test,documents\n\
        Contoso Ltd,Kim Two,kim@two.test,billing\n";
    let res = post_csv(&app, &token, csv, false).await;
    let report: ImportReport = res.json().await.unwrap();
    assert_eq!((report.people_invited, report.memberships_added), (1, 0));

    let mails = app.mail_to(&acme, "kim@two.test").await;
    assert_eq!(mails.len(), 1, "one invitation");
    assert!(
        mails[0].text.contains("Northwind Traders"),
        "{}",
        mails[0].text
    );
    assert!(mails[0].text.contains("Contoso Ltd"), "{}", mails[0].text);
    let kim = app.anonymous();
    kim.accept_invitation(&portico_shared::people::SetPasswordWithLink {
        token: mails[0].token().unwrap(),
        password: crate::helpers::PASSWORD.into(),
        name: None,
    })
    .await
    .expect("the one link works");
    assert_eq!(
        kim.list_organizations(None, None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
}
