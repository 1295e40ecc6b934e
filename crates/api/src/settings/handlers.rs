//! The tenant's own settings, for its staff: name, colours, support address, custom domain
//! and an uploaded logo (SECURITY.md S15: the size is enforced while the body streams in, the
//! type comes from an allow-list and must match the file's magic bytes).

use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::body::JsonObject;
use crate::db::is_unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, NewJob};
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, LogoRow, TenantRow};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use futures_util::StreamExt;
use portico_shared::tenancy::{DnsRecord, StaffRole, Tenant, TenantSettings, UpdateTenant};
use portico_shared::{FieldError, Problem, TenantId};
use serde_json::json;

/// The largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The image types a logo may have (no SVG: it can carry script).
const LOGO_TYPES: &[(&str, &[u8])] = &[
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/webp", b"RIFF"),
];

/// Whether `bytes` start like a file of `content_type`.
pub fn looks_like(content_type: &str, bytes: &[u8]) -> bool {
    LOGO_TYPES.iter().any(|(kind, magic)| {
        *kind == content_type
            && bytes.starts_with(magic)
            && (*kind != "image/webp" || bytes.get(8..12) == Some(b"WEBP"))
    })
}

/// Where the SPA and mail find an uploaded logo; `v` changes with every upload.
fn logo_url(tenant: &TenantRow, updated_at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "/api/v1/branding/logo?tenant={}&v={}",
        tenant.slug,
        updated_at.timestamp_millis()
    )
}

async fn settings(state: &AppState, row: TenantRow) -> ApiResult<TenantSettings> {
    let mut conn = state.db.conn().await?;
    let tenant = TenantId(row.id);
    let handoff_enabled = crate::auth::service::handoff_enabled(&mut conn, tenant).await?;
    let domain = tenancy::custom_domain_of(&mut conn, tenant)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let verified = domain.custom_domain_verified_at.is_some();
    let record = match (&domain.custom_domain, &domain.custom_domain_token) {
        (Some(name), Some(token)) if !verified => Some(DnsRecord {
            name: tenancy::challenge_name(name),
            kind: "TXT".into(),
            value: tenancy::challenge_value(token),
        }),
        _ => None,
    };
    Ok(TenantSettings {
        support_email: row.support_email.clone(),
        tenant: Tenant::from(row),
        custom_domain: domain.custom_domain,
        custom_domain_verified: verified,
        custom_domain_record: record,
        handoff_enabled,
    })
}

/// The tenant's settings as stored now.
async fn current_settings(state: &AppState, tenant: TenantId) -> ApiResult<TenantSettings> {
    let mut conn = state.db.conn().await?;
    let row = tenancy::get_tenant(&mut conn, tenant)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    drop(conn);
    settings(state, row).await
}

/// The job that checks a tenant's pending custom domain (retried with backoff until found).
pub const VERIFY_DOMAIN_JOB: &str = "tenancy.verify_domain";

/// Sets (or clears) the caller's custom domain: unverified, with a new token, and a job that
/// looks for the DNS record. 409 when another tenant has claimed it.
async fn set_custom_domain(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    domain: Option<&str>,
) -> ApiResult<()> {
    let now = state.clock.now();
    let tenant = who.tenant_id();
    let token = domain.map(|_| crate::tokens::new_secret()).transpose()?;
    let mut tx = state.db.begin().await?;
    tenancy::set_custom_domain(&mut tx, tenant, domain, token.as_deref())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::Conflict("Another portal already uses this domain.".into())
            } else {
                e.into()
            }
        })?;
    if domain.is_some() {
        let mut job = NewJob::new(VERIFY_DOMAIN_JOB, json!({}), now);
        job.tenant = Some(tenant);
        job.max_attempts = 12;
        jobs::enqueue(&mut tx, job, now).await?;
    }
    let event = Event::new(tenant, "tenant.custom_domain_set", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("tenant", tenant)
        .details(json!({ "custom_domain": domain }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Looks for the pending domain's TXT record; marks the domain verified when it holds the
/// token. `Some(false)` while it does not (yet); `None` when no domain waits.
pub async fn check_custom_domain(
    state: &AppState,
    tenant: TenantId,
) -> anyhow::Result<Option<bool>> {
    let mut conn = state.db.conn().await?;
    let Some(row) = tenancy::custom_domain_of(&mut conn, tenant).await? else {
        return Ok(None);
    };
    drop(conn);
    let (Some(domain), Some(token), None) = (
        row.custom_domain,
        row.custom_domain_token,
        row.custom_domain_verified_at,
    ) else {
        return Ok(None);
    };
    let resolver = super::dns::resolver(state.config.dns_resolver.as_deref())
        .ok_or_else(|| anyhow::anyhow!("no DNS resolver: set PORTICO_DNS_RESOLVER"))?;
    let found = super::dns::txt_records(resolver, &tenancy::challenge_name(&domain)).await?;
    if !found.contains(&tenancy::challenge_value(&token)) {
        return Ok(Some(false));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if tenancy::mark_custom_domain_verified(&mut tx, tenant, &domain, now).await? {
        let event = Event::new(tenant, "tenant.custom_domain_verified", Outcome::Success)
            .on("tenant", tenant)
            .details(json!({ "custom_domain": domain }));
        audit::record(&mut tx, event, &Origin::default(), now).await?;
    }
    tx.commit().await?;
    Ok(Some(true))
}

/// The job handler: verified, or an error so the job is tried again later.
pub fn verify_domain_handler(state: web::Data<AppState>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = job.tenant.ok_or("a domain check without a tenant")?;
            match check_custom_domain(&state, tenant).await {
                Ok(Some(false)) => Err("the TXT record is not there yet".into()),
                // Verified, or nothing waits any more (the domain changed or was verified).
                Ok(_) => Ok(()),
                Err(e) => Err(format!("{e:#}")),
            }
        })
    })
}

/// Look for the custom domain's TXT record now (a job also looks, for a while, after the
/// domain is set). Staff admins and owners only.
#[utoipa::path(
    tag = "tenants",
    responses(
        (status = 200, description = "Verified: the settings as they are now.", body = TenantSettings),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No domain waits for verification, or its TXT record is not (yet) there.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/tenant/custom-domain/verify")]
pub async fn verify_custom_domain(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<TenantSettings>> {
    who.require_role(StaffRole::Admin)?;
    let verified = check_custom_domain(&state, who.tenant_id())
        .await
        .map_err(|e| {
            tracing::info!(error = %format!("{e:#}"), "custom domain check failed");
            ApiError::Conflict(
                "The DNS record could not be read; try again in a few minutes.".into(),
            )
        })?;
    let now = current_settings(&state, who.tenant_id()).await?;
    match verified {
        _ if now.custom_domain_verified => {}
        None => {
            return Err(ApiError::Conflict(
                "No custom domain waits for verification.".into(),
            ));
        }
        Some(_) => {
            return Err(ApiError::Conflict(
                "The TXT record is not there yet; DNS changes can take a while to appear.".into(),
            ));
        }
    }
    Ok(web::Json(now))
}

/// Loads the caller's tenant, applies `change` and, if anything changed, saves it with an
/// audit event (`action`, before and after).
async fn change_tenant(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    action: &'static str,
    change: impl FnOnce(&TenantRow) -> TenantRow,
    logo: Option<Option<LogoRow>>,
) -> ApiResult<TenantRow> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = tenancy::get_tenant(&mut tx, who.tenant_id())
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let after = change(&before);
    match &logo {
        Some(Some(logo)) => tenancy::put_logo(&mut tx, who.tenant_id(), logo).await?,
        Some(None) => tenancy::delete_logo(&mut tx, who.tenant_id()).await?,
        None => {}
    }
    let summary = |t: &TenantRow| {
        json!({
            "name": t.name, "logo_url": t.logo_url, "primary_color": t.primary_color,
            "accent_color": t.accent_color, "support_email": t.support_email,
            "custom_domain": t.custom_domain,
        })
    };
    if summary(&before) != summary(&after) || logo.is_some() {
        tenancy::update_tenant(&mut tx, &after).await.map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::Conflict("Another portal already uses this domain.".into())
            } else {
                e.into()
            }
        })?;
        let event = Event::new(who.tenant_id(), action, Outcome::Success)
            .by(Some(who.user_id), &who.email)
            .on("tenant", who.tenant_id())
            .details(json!({ "before": summary(&before), "after": summary(&after) }));
        audit::record(&mut tx, event, origin, now).await?;
        tx.commit().await?;
    }
    Ok(after)
}

/// The tenant's settings. Staff only.
#[utoipa::path(
    tag = "tenants",
    responses(
        (status = 200, description = "The settings.", body = TenantSettings),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/tenant")]
pub async fn get_settings(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<TenantSettings>> {
    who.require_staff()?;
    Ok(web::Json(current_settings(&state, who.tenant_id()).await?))
}

/// Change the tenant's name, colours, support address or custom domain. Staff admins and
/// owners only. A custom domain is a host name that no other tenant uses and that is not one
/// of the portal's own; it opens the portal only once proven: publish the TXT record named in
/// `custom_domain_record` (a job checks for a while; `POST /tenant/custom-domain/verify`
/// checks at once), and point the domain at this server.
#[utoipa::path(
    tag = "tenants",
    request_body = UpdateTenant,
    responses(
        (status = 200, description = "The settings as they are now.", body = TenantSettings),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another tenant uses the domain.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid or unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/tenant")]
pub async fn update_settings(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<UpdateTenant>,
) -> ApiResult<web::Json<TenantSettings>> {
    who.require_role(StaffRole::Admin)?;
    let mut errors = Vec::new();
    let mut check = |field: &str, result: Result<Option<String>, String>| match result {
        Ok(value) => value,
        Err(message) => {
            errors.push(FieldError {
                field: field.into(),
                message,
            });
            None
        }
    };
    let optional = |value: &str, parse: fn(&str) -> Result<String, String>| {
        let v = value.trim();
        if v.is_empty() {
            Ok(None)
        } else {
            parse(v).map(Some)
        }
    };
    let name = body
        .name
        .as_deref()
        .map(|n| check("name", tenancy::parse_name(n).map(Some)));
    let primary = body
        .primary_color
        .as_deref()
        .map(|c| check("primary_color", optional(c, tenancy::parse_color)));
    let accent = body
        .accent_color
        .as_deref()
        .map(|c| check("accent_color", optional(c, tenancy::parse_color)));
    let support = body
        .support_email
        .as_deref()
        .map(|e| check("support_email", optional(e, tenancy::normalize_email)));
    let domain = body
        .custom_domain
        .as_deref()
        .map(|d| check("custom_domain", optional(d, tenancy::parse_domain)));
    if let Some(Some(d)) = &domain
        && let Err(message) = tenancy::claimable_domain(
            d,
            state.config.base_domain.as_deref(),
            state
                .config
                .public_url()
                .split("://")
                .nth(1)
                .unwrap_or_default(),
        )
    {
        errors.push(FieldError {
            field: "custom_domain".into(),
            message,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = state.db.conn().await?;
    let configured = tenancy::custom_domain_of(&mut conn, who.tenant_id())
        .await?
        .and_then(|d| d.custom_domain);
    drop(conn);
    if let Some(new) = &domain
        && *new != configured
    {
        set_custom_domain(&state, &who, &origin, new.as_deref()).await?;
    }
    let row = change_tenant(
        &state,
        &who,
        &origin,
        "tenant.updated",
        |t| TenantRow {
            name: name.flatten().unwrap_or_else(|| t.name.clone()),
            primary_color: primary.unwrap_or_else(|| t.primary_color.clone()),
            accent_color: accent.unwrap_or_else(|| t.accent_color.clone()),
            support_email: support.unwrap_or_else(|| t.support_email.clone()),
            ..t.clone()
        },
        None,
    )
    .await?;
    Ok(web::Json(settings(&state, row).await?))
}

/// Upload the tenant's logo: the request body is the image itself, PNG, JPEG or WebP (named
/// by `Content-Type`), at most 512 KiB. Staff admins and owners only.
#[utoipa::path(
    tag = "tenants",
    request_body(description = "The image: PNG, JPEG or WebP, at most 512 KiB.", content((crate::body::FileBytes = "image/png"), (crate::body::FileBytes = "image/jpeg"), (crate::body::FileBytes = "image/webp"))),
    responses(
        (status = 200, description = "The settings with the new logo.", body = TenantSettings),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 512 KiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not PNG, JPEG or WebP.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file is not the image its type says.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/tenant/logo")]
pub async fn upload_logo(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    req: HttpRequest,
    mut body: web::Payload,
) -> crate::error::UploadResult<web::Json<TenantSettings>> {
    who.require_role(StaffRole::Admin)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| LOGO_TYPES.iter().any(|(kind, _)| kind == t))
        .ok_or(ApiError::UnsupportedMediaType)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_LOGO_BYTES) {
        return Err(ApiError::PayloadTooLarge.into());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(ApiError::from)?;
        if bytes.len() + chunk.len() > MAX_LOGO_BYTES {
            return Err(ApiError::PayloadTooLarge.into());
        }
        bytes.extend_from_slice(&chunk);
    }
    if !looks_like(&content_type, &bytes) {
        return Err(
            ApiError::invalid("body", format!("the file is not a {content_type} image")).into(),
        );
    }
    let updated_at = state.clock.now();
    let logo = LogoRow {
        content_type,
        bytes,
        updated_at,
    };
    let row = change_tenant(
        &state,
        &who,
        &origin,
        "tenant.logo_changed",
        |t| TenantRow {
            logo_url: Some(logo_url(t, updated_at)),
            ..t.clone()
        },
        Some(Some(logo)),
    )
    .await?;
    Ok(web::Json(settings(&state, row).await?))
}

/// Remove the uploaded logo; the portal shows the tenant's initial instead. Staff admins and
/// owners only.
#[utoipa::path(
    tag = "tenants",
    responses(
        (status = 200, description = "The settings without a logo.", body = TenantSettings),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/tenant/logo")]
pub async fn delete_logo(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
) -> ApiResult<web::Json<TenantSettings>> {
    who.require_role(StaffRole::Admin)?;
    let row = change_tenant(
        &state,
        &who,
        &origin,
        "tenant.logo_changed",
        |t| TenantRow {
            logo_url: None,
            ..t.clone()
        },
        Some(None),
    )
    .await?;
    Ok(web::Json(settings(&state, row).await?))
}

/// Serves tenant `tenant`'s uploaded logo (for the branding endpoint).
pub async fn logo_response(state: &AppState, tenant: TenantId) -> ApiResult<HttpResponse> {
    let mut conn = state.db.conn().await?;
    let logo = tenancy::get_logo(&mut conn, tenant)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(logo.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
        .body(logo.bytes))
}

#[cfg(test)]
mod tests {
    use super::looks_like;

    #[test]
    fn a_logo_must_start_like_the_type_it_claims() {
        assert!(looks_like("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(looks_like("image/jpeg", b"\xff\xd8\xff\xe0...."));
        assert!(looks_like("image/webp", b"RIFF\x10\0\0\0WEBPVP8 "));
        assert!(!looks_like("image/webp", b"RIFF\x10\0\0\0WAVEfmt "));
        assert!(!looks_like("image/png", b"<svg onload=alert(1)>"));
        assert!(!looks_like("image/png", b"\xff\xd8\xff\xe0"));
        assert!(!looks_like("image/svg+xml", b"<svg/>"));
    }
}
