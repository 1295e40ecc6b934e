//! One error type for every handler, rendered as RFC 9457 `application/problem+json`, and the
//! hooks that give actix's own errors (unknown routes, wrong methods, bad JSON, oversized or
//! mistyped bodies) the same shape. No cause of a 5xx ever reaches the client: it goes to the log.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use portico_shared::{FieldError, Problem, ProblemType};

pub const PROBLEM_JSON: &str = "application/problem+json";

tokio::task_local! {
    /// The id of the request being served, for problem bodies and log lines.
    pub static REQUEST_ID: String;
}

/// The errors a client can act on, and `Internal` for everything else.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("not authenticated")]
    Unauthorized,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("link unknown, used or expired")]
    LinkExpired,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("storage quota exceeded")]
    QuotaExceeded,
    #[error("range not satisfiable")]
    RangeNotSatisfiable,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("temporarily unavailable")]
    Unavailable,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The error of a handler that takes a streamed body (an upload): an [`ApiError`] answered
/// with `Connection: close`. A refusal can come before the body is read to its end, and the
/// unread rest must not be taken for the client's next request on the connection.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct UploadError(#[from] pub ApiError);

impl From<sqlx::Error> for UploadError {
    fn from(e: sqlx::Error) -> Self {
        UploadError(e.into())
    }
}

impl ResponseError for UploadError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.0.error_response();
        res.head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        res
    }
}

pub type UploadResult<T> = Result<T, UploadError>;

impl ApiError {
    /// A validation error on a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn kind(&self) -> ProblemType {
        match self {
            ApiError::MalformedRequest(_) => ProblemType::MalformedRequest,
            ApiError::Validation(_) => ProblemType::Validation,
            ApiError::Unauthorized => ProblemType::Unauthorized,
            ApiError::InvalidCredentials => ProblemType::InvalidCredentials,
            ApiError::Forbidden => ProblemType::Forbidden,
            ApiError::NotFound => ProblemType::NotFound,
            ApiError::Conflict(_) => ProblemType::Conflict,
            ApiError::LinkExpired => ProblemType::LinkExpired,
            ApiError::PayloadTooLarge => ProblemType::PayloadTooLarge,
            ApiError::QuotaExceeded => ProblemType::QuotaExceeded,
            ApiError::RangeNotSatisfiable => ProblemType::RangeNotSatisfiable,
            ApiError::UnsupportedMediaType => ProblemType::UnsupportedMediaType,
            ApiError::TooManyRequests { .. } => ProblemType::TooManyRequests,
            ApiError::Unavailable => ProblemType::Unavailable,
            ApiError::RequestTimeout => ProblemType::RequestTimeout,
            ApiError::Internal(_) => ProblemType::Internal,
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            ApiError::MalformedRequest(d) | ApiError::Conflict(d) => Some(d.clone()),
            ApiError::Validation(_) => Some("Some fields are not valid; see `errors`.".into()),
            ApiError::Unauthorized => {
                Some("Sign in, or send a valid, unexpired bearer token.".into())
            }
            ApiError::InvalidCredentials => {
                Some("The email address or the password is wrong.".into())
            }
            ApiError::LinkExpired => {
                Some("This link has expired or was already used. Ask for a new one.".into())
            }
            ApiError::QuotaExceeded => Some(
                "This upload would take the portal past its storage quota. Delete files \
                 (and empty the bin) or ask the operator for more room."
                    .into(),
            ),
            ApiError::TooManyRequests { retry_after } => Some(format!(
                "Too many attempts. Try again in {retry_after} seconds."
            )),
            _ => None,
        }
    }
}

/// A body that could not be read: 408 when it stalled, 400 otherwise.
impl From<actix_web::error::PayloadError> for ApiError {
    fn from(e: actix_web::error::PayloadError) -> Self {
        if is_timeout(&e) {
            ApiError::RequestTimeout
        } else {
            ApiError::MalformedRequest(e.to_string())
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

/// The status code that goes with each kind of problem.
pub fn status_of(kind: ProblemType) -> StatusCode {
    match kind {
        ProblemType::MalformedRequest => StatusCode::BAD_REQUEST,
        ProblemType::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ProblemType::Unauthorized | ProblemType::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ProblemType::Forbidden => StatusCode::FORBIDDEN,
        ProblemType::NotFound => StatusCode::NOT_FOUND,
        ProblemType::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ProblemType::Conflict => StatusCode::CONFLICT,
        ProblemType::LinkExpired => StatusCode::GONE,
        ProblemType::PayloadTooLarge | ProblemType::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        ProblemType::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        ProblemType::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ProblemType::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ProblemType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        ProblemType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ProblemType::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn kind_for_status(status: StatusCode) -> ProblemType {
    match status.as_u16() {
        401 => ProblemType::Unauthorized,
        403 => ProblemType::Forbidden,
        404 => ProblemType::NotFound,
        405 => ProblemType::MethodNotAllowed,
        408 => ProblemType::RequestTimeout,
        409 => ProblemType::Conflict,
        410 => ProblemType::LinkExpired,
        413 => ProblemType::PayloadTooLarge,
        415 => ProblemType::UnsupportedMediaType,
        416 => ProblemType::RangeNotSatisfiable,
        422 => ProblemType::Validation,
        429 => ProblemType::TooManyRequests,
        503 => ProblemType::Unavailable,
        s if s >= 500 => ProblemType::Internal,
        _ => ProblemType::MalformedRequest,
    }
}

fn title_of(kind: ProblemType) -> &'static str {
    match kind {
        ProblemType::MalformedRequest => "Malformed request",
        ProblemType::Validation => "Invalid input",
        ProblemType::Unauthorized => "Not authenticated",
        ProblemType::InvalidCredentials => "Wrong email or password",
        ProblemType::Forbidden => "Not allowed",
        ProblemType::NotFound => "Not found",
        ProblemType::MethodNotAllowed => "Method not allowed",
        ProblemType::Conflict => "Conflict",
        ProblemType::LinkExpired => "Link expired",
        ProblemType::PayloadTooLarge => "Request body too large",
        ProblemType::QuotaExceeded => "Storage quota exceeded",
        ProblemType::RangeNotSatisfiable => "Range not satisfiable",
        ProblemType::UnsupportedMediaType => "Unsupported media type",
        ProblemType::TooManyRequests => "Too many requests",
        ProblemType::RequestTimeout => "Request timeout",
        ProblemType::Internal => "Internal server error",
        ProblemType::Unavailable => "Service unavailable",
    }
}

/// A problem body of `kind`, with `status` (normally [`status_of`] the kind).
pub fn problem(
    kind: ProblemType,
    status: StatusCode,
    detail: Option<String>,
    errors: Vec<FieldError>,
) -> Problem {
    Problem {
        type_: kind.uri(),
        title: title_of(kind).into(),
        status: status.as_u16(),
        detail,
        errors,
        retry_after: None,
        request_id: REQUEST_ID.try_with(Clone::clone).ok(),
    }
}

fn problem_response(status: StatusCode, body: &Problem) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_vec(body).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.kind())
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        }
        let errors = match self {
            ApiError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let status = self.status_code();
        let mut body = problem(self.kind(), status, self.detail(), errors);
        if let ApiError::TooManyRequests { retry_after } = self {
            body.retry_after = Some(*retry_after);
        }
        let mut res = problem_response(status, &body);
        if let ApiError::TooManyRequests { retry_after } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        res
    }
}

/// Gives every error response that is not already a problem (actix's 404 for unknown routes,
/// 405 for wrong methods, …) a problem+json body, keeping its status and headers.
pub fn problem_for_bare_errors<B: MessageBody>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let kind = kind_for_status(status);
    let (req, old) = res.into_parts();
    let mut new = problem_response(status, &problem(kind, status, None, Vec::new()));
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Bad JSON bodies: too large → 413, wrong content type → 415, not JSON → 400, wrong shape → 422.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = redact_values(&e.to_string());
            ApiError::Validation(vec![FieldError {
                field: field_named_in(&message, "body"),
                message,
            }])
        }
        JsonPayloadError::Deserialize(e) => ApiError::MalformedRequest(format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        )),
        JsonPayloadError::Payload(e) if is_timeout(&e) => ApiError::RequestTimeout,
        _ => ApiError::MalformedRequest("The request body could not be read.".into()),
    };
    api.into()
}

/// A path segment that does not parse (a malformed id, say) names nothing that exists.
pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound.into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = redact_values(&err.to_string());
    ApiError::Validation(vec![FieldError {
        field: field_named_in(&message, "query"),
        message,
    }])
    .into()
}

/// serde's messages quote offending values (`invalid type: string "hunter2"`); a value may be a
/// secret, so it never goes back to the client or into a log (SECURITY.md S24).
fn redact_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quote: Option<char> = None;
    let mut keep = false;
    for c in message.chars() {
        match quote {
            None if c == '"' || c == '`' => {
                // Field names (``missing field `email` ``) stay; values never do.
                keep = c == '`' && out.ends_with("field ");
                quote = Some(c);
                out.push(c);
                if !keep {
                    out.push('…');
                }
            }
            None => out.push(c),
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) if keep => out.push(c),
            Some(_) => {}
        }
    }
    out
}

/// serde names the field in backticks (``missing field `email` ``); fall back to `body`.
/// The field a decoding error names, or else `whole` (the body, the query).
fn field_named_in(message: &str, whole: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field"))
        .unwrap_or(whole)
        .to_string()
}

/// Maps a unique-constraint violation to 409 "`what` already exists"; other errors pass.
pub fn conflict_on_unique(what: &'static str) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| {
        if matches!(&e, sqlx::Error::Database(db) if db.is_unique_violation()) {
            ApiError::Conflict(format!("{what} already exists"))
        } else {
            e.into()
        }
    }
}

/// Whether a payload error is `hardening::body_deadline`'s (a body that stalled).
pub fn is_timeout(e: &actix_web::error::PayloadError) -> bool {
    matches!(e, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_quoted_by_serde_are_redacted() {
        let m = redact_values(r#"invalid type: string "hunter2 secret", expected u32 at line 1"#);
        assert_eq!(m, r#"invalid type: string "…", expected u32 at line 1"#);
        let m = redact_values("invalid type: integer `73519028661`, expected a string");
        assert_eq!(m, "invalid type: integer `…`, expected a string");
        let m = redact_values("missing field `email` at line 1 column 2");
        assert_eq!(m, "missing field `email` at line 1 column 2");
    }

    #[test]
    fn the_missing_field_is_named() {
        assert_eq!(
            field_named_in("missing field `email` at line 1 column 2", "body"),
            "email"
        );
        assert_eq!(field_named_in("invalid type: map", "body"), "body");
        assert_eq!(
            field_named_in("unknown variant `x`, expected `me`", "query"),
            "query"
        );
    }

    #[test]
    fn every_problem_type_round_trips_through_its_uri() {
        for kind in ProblemType::ALL {
            assert_eq!(ProblemType::from_uri(&kind.uri()), Some(kind));
        }
    }
}
