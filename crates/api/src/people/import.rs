//! Bulk import of organisations and contacts from CSV. Every row is checked before anything is
//! written; with any error the answer lists every bad row and nothing is imported. A good file
//! is imported in one transaction: organisations created, contacts invited (their invitation
//! emails queued in the same transaction) or added to more organisations.
//!
//! The CSV has a header row naming its columns, in any order: `organization` (the name),
//! `external_ref` (optional: matches an existing organisation first), `name`, `email` and
//! `scopes` (optional, separated by spaces or `;`; default `documents`).

use super::invitations::{self, Grants, Invite, Invited};
use crate::audit::Actor;
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, OrganizationRow};
use actix_web::http::header;
use actix_web::{HttpRequest, post, web};
use futures_util::StreamExt;
use portico_shared::people::{ImportQuery, ImportReport};
use portico_shared::tenancy::{Scope, StaffRole};
use portico_shared::{FieldError, OrganizationId, Problem, TenantId, UserId};
use serde_json::json;
use std::collections::HashMap;

/// The largest CSV accepted, and the most rows.
pub const MAX_BYTES: usize = 1024 * 1024;
pub const MAX_ROWS: usize = 5000;

/// One good row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The CSV line it came from (the header is line 1).
    pub line: usize,
    pub organization: String,
    pub external_ref: Option<String>,
    pub name: String,
    pub email: String,
    pub scopes: Vec<Scope>,
}

/// Parses and checks a whole file: every good row, or every problem found.
pub fn parse(csv_text: &[u8]) -> Result<Vec<Row>, Vec<FieldError>> {
    let error = |line: usize, field: &str, message: String| FieldError {
        field: format!("rows.{line}.{field}"),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv_text);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![error(1, "header", format!("not CSV: {e}"))]),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(org_col), Some(name_col), Some(email_col)) =
        (column("organization"), column("name"), column("email"))
    else {
        return Err(vec![error(
            1,
            "header",
            "the header must name the columns organization, name and email (and may name \
             external_ref and scopes)"
                .into(),
        )]);
    };
    let (ref_col, scopes_col) = (column("external_ref"), column("scopes"));
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let mut seen_emails: HashMap<String, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(index + 2, |p| line_at(csv_text, p));
                errors.push(error(line, "row", format!("not CSV: {e}")));
                continue;
            }
        };
        // The file's own line number (blank lines are skipped, not counted out).
        let line = record
            .position()
            .map_or(index + 2, |p| line_at(csv_text, p));
        if index >= MAX_ROWS {
            errors.push(error(
                line,
                "row",
                format!("at most {MAX_ROWS} rows at once"),
            ));
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or_default();
        let before = errors.len();
        let organization = tenancy::parse_name(cell(Some(org_col)))
            .map_err(|m| errors.push(error(line, "organization", m)))
            .ok();
        let external_ref = tenancy::parse_external_ref(cell(ref_col))
            .map_err(|m| errors.push(error(line, "external_ref", m)))
            .ok()
            .flatten();
        let name = tenancy::parse_name(cell(Some(name_col)))
            .map_err(|m| errors.push(error(line, "name", m)))
            .ok();
        let email = tenancy::normalize_email(cell(Some(email_col)))
            .map_err(|m| errors.push(error(line, "email", m)))
            .ok();
        let scopes = parse_scopes(cell(scopes_col))
            .map_err(|m| errors.push(error(line, "scopes", m)))
            .ok();
        if let Some(email) = &email
            && let Some(first) = seen_emails.get(&format!("{email}\u{0}{}", cell(Some(org_col))))
        {
            errors.push(error(
                line,
                "email",
                format!("repeats line {first} for the same organisation"),
            ));
        }
        if errors.len() == before
            && let (Some(organization), Some(name), Some(email), Some(scopes)) =
                (organization, name, email, scopes)
        {
            seen_emails.insert(format!("{email}\u{0}{}", cell(Some(org_col))), line);
            rows.push(Row {
                line,
                organization,
                external_ref,
                name,
                email,
                scopes,
            });
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(error(2, "row", "the file has no rows".into()));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The 1-based line of the file where a record starts, counting blank lines too.
fn line_at(text: &[u8], position: &csv::Position) -> usize {
    // The reader reports where it started looking: past any blank lines before the record.
    let mut start = (position.byte() as usize).min(text.len());
    while start < text.len() && matches!(text[start], b'\r' | b'\n') {
        start += 1;
    }
    text[..start].iter().filter(|b| **b == b'\n').count() + 1
}

fn parse_scopes(cell: &str) -> Result<Vec<Scope>, String> {
    if cell.trim().is_empty() {
        return Ok(vec![Scope::Documents]);
    }
    cell.split(|c: char| c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            Scope::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
                format!(
                    "unknown scope {s:?}; use {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                )
            })
        })
        .collect()
}

/// Import organisations and contacts from CSV (`Content-Type: text/csv`, at most 1 MiB and
/// 5000 rows). With `dry_run=true` the file is checked and the report says what would happen,
/// but nothing changes. Any bad row fails the whole import with a 422 listing every problem
/// (`rows.<line>.<column>`); a good file is imported in one transaction. New contacts are
/// invited by email. Staff admins and owners only.
#[utoipa::path(
    tag = "people",
    params(ImportQuery),
    request_body(description = "The CSV file.", content((crate::body::FileBytes = "text/csv"))),
    responses(
        (status = 200, description = "Imported (or, for a dry run, what an import would do).", body = ImportReport),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `text/csv`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows; nothing was imported.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/imports/people")]
pub async fn import_people(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    web::Query(query): web::Query<ImportQuery>,
    mut body: web::Payload,
) -> crate::error::UploadResult<web::Json<ImportReport>> {
    who.require_role(StaffRole::Admin)?;
    let is_csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or_default().trim() == "text/csv");
    if !is_csv {
        return Err(ApiError::UnsupportedMediaType.into());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(ApiError::from)?;
        if bytes.len() + chunk.len() > MAX_BYTES {
            return Err(ApiError::PayloadTooLarge.into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let rows = parse(&bytes).map_err(ApiError::Validation)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let report = import(&state, &who, &origin, &rows, dry_run).await?;
    Ok(web::Json(report))
}

/// Applies good rows in one transaction; a dry run rolls it back. Rows whose contact is staff
/// fail the whole import, and so do rows naming an organisation the importer does not serve.
/// Each person gets one invitation with every membership the file gives them.
async fn import(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    rows: &[Row],
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let tenant = who.tenant_id();
    let actor = Actor::from(who);
    let now = state.clock.now();
    let mut report = ImportReport {
        dry_run,
        rows: rows.len() as u64,
        ..Default::default()
    };
    let mut tx = state.db.begin().await?;
    let mut organizations: HashMap<(String, Option<String>), OrganizationId> = HashMap::new();
    let mut errors = Vec::new();
    // One entry per person (in file order): their first row and every grant the file gives.
    let mut people: Vec<(&Row, Grants)> = Vec::new();
    for row in rows {
        let key = (row.organization.clone(), row.external_ref.clone());
        let org = match organizations.get(&key) {
            Some(id) => *id,
            None => {
                let id = match find(&mut tx, tenant, row).await? {
                    // The same permission check as every other path that grants memberships.
                    Some(found) if !who.can_see_organization(OrganizationId(found.id)) => {
                        errors.push(FieldError {
                            field: format!("rows.{}.organization", row.line),
                            message: "not an organisation you serve".into(),
                        });
                        continue;
                    }
                    Some(found) => OrganizationId(found.id),
                    None => {
                        report.organizations_created += 1;
                        create(&mut tx, who, origin, row, now).await?
                    }
                };
                organizations.insert(key, id);
                id
            }
        };
        match people
            .iter_mut()
            .find(|(first, _)| first.email == row.email)
        {
            Some((_, grants)) => grants.push((org, row.scopes.clone())),
            None => people.push((row, vec![(org, row.scopes.clone())])),
        }
    }
    for (row, mut grants) in people {
        // Memberships the person already holds stay as they are.
        if let Some(existing) = tenancy::find_user_by_email(&mut tx, tenant, &row.email).await? {
            let mut kept = Vec::new();
            for (org, scopes) in grants {
                let held = super::queries::member(&mut tx, tenant, org, UserId(existing.id))
                    .await?
                    .is_some();
                if held {
                    report.unchanged += 1;
                } else {
                    kept.push((org, scopes));
                }
            }
            grants = kept;
            if grants.is_empty() {
                continue;
            }
        }
        let added = grants.len() as u64;
        let invite = Invite {
            email: row.email.clone(),
            name: row.name.clone(),
            staff_role: None,
            staff_access: who.staff_access(),
            consent: who.organization_visibility() != crate::auth::OrgVisibility::All,
            grants,
        };
        match invitations::invite_in(state, &mut tx, &actor, origin, tenant, invite).await {
            // An offer to an existing person reads as an invitation: the importer may not
            // learn who already has an account.
            Ok((_, Invited::New | Invited::Offered)) => report.people_invited += 1,
            Ok((_, Invited::Added)) => report.memberships_added += added,
            Err(ApiError::Conflict(message)) => errors.push(FieldError {
                field: format!("rows.{}.email", row.line),
                message,
            }),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if !dry_run {
        let event = Event::new(tenant, "people.imported", Outcome::Success)
            .by_actor(&actor)
            .details(json!({
                "rows": report.rows,
                "organizations_created": report.organizations_created,
                "people_invited": report.people_invited,
                "memberships_added": report.memberships_added,
            }));
        audit::record(&mut tx, event, origin, now).await?;
        tx.commit().await?;
    }
    Ok(report)
}

async fn find(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    row: &Row,
) -> ApiResult<Option<OrganizationRow>> {
    if let Some(reference) = &row.external_ref
        && let Some(found) =
            tenancy::find_organization_by_external_ref(tx, tenant, reference).await?
    {
        return Ok(Some(found));
    }
    Ok(tenancy::find_organization_by_name(tx, tenant, &row.organization).await?)
}

/// Creates the row's organisation; an importer limited to assigned organisations is assigned
/// to it.
async fn create(
    tx: &mut crate::db::Tx,
    who: &Principal,
    origin: &Origin,
    row: &Row,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<OrganizationId> {
    let tenant = who.tenant_id();
    let org = OrganizationRow {
        id: OrganizationId::new().0,
        tenant_id: tenant.0,
        name: row.organization.clone(),
        external_ref: row.external_ref.clone(),
        status: "active".into(),
        custom_fields: "{}".into(),
        created_at: now,
    };
    let assign_to = who.is_restricted_staff().then_some(who.user_id);
    let actor = Actor::from(who);
    crate::organizations::service::insert(tx, &actor, origin, &org, assign_to, Some("import"))
        .await?;
    Ok(OrganizationId(org.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_parses_in_any_column_order_with_default_scopes() {
        let rows = parse(
            b"Email,Name,Organization,External_Ref,Scopes\n\
              pat@fab.test, Pat ,Fabrikam,CRM-1,billing;tickets\n\
              \n\
              lee@fab.test,Lee,Fabrikam,CRM-1,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Pat");
        assert_eq!(rows[0].scopes, [Scope::Billing, Scope::Tickets]);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].scopes, [Scope::Documents]);
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_column() {
        let errors = parse(
            b"organization,name,email,scopes\n\
              Fabrikam,Pat,not-an-email,billing\n\
              ,Lee,lee@fab.test,\n\
              Fabrikam,Kim,kim@fab.test,root\n\
              Fabrikam,Pat Again,PAT@fab.test,\n\
              Fabrikam,Pat Twice,pat2@fab.test,\n\
              Fabrikam,Pat Thrice,pat2@fab.test,\n",
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows.2.email",
                "rows.3.organization",
                "rows.4.scopes",
                "rows.7.email"
            ]
        );
        let missing = parse(b"organisation,name,mail\nx,y,z\n").unwrap_err();
        assert_eq!(missing[0].field, "rows.1.header");
        assert_eq!(
            parse(b"organization,name,email\n").unwrap_err()[0].field,
            "rows.2.row"
        );
    }
}
