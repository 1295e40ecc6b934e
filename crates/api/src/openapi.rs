//! The OpenAPI 3.1 document, generated from the handlers themselves (each route registered in
//! [`routes`] carries its own documentation), served at `/api/openapi.json`, browsable
//! at `/api/docs`, and committed as `openapi/portico.json`.

use actix_web::App;
use portico_shared::events::{
    DocumentEvent, EVENT_TYPES, EventData, MembershipEvent, OrganizationEvent, PersonEvent,
    RequestEvent, RequestItemEvent,
};
use portico_shared::{FieldError, Problem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portico API",
        description = "Portico is a self-hostable customer portal. Every portal action is available \
here. Authenticate with `POST /api/v1/auth/login` and send the access token as `Authorization: \
Bearer <token>`. Errors are RFC 9457 problem details (`application/problem+json`) with a stable \
`type`. Lists are cursor-paginated: pass `next_cursor` back as `cursor`.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    components(schemas(
        Problem, FieldError, OrganizationEvent, PersonEvent, MembershipEvent, DocumentEvent,
        RequestEvent, RequestItemEvent
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, sessions and the signing keys"),
        (name = "tenants", description = "Public tenant information for sign-in pages"),
        (name = "organizations", description = "Customer organisations"),
        (name = "people", description = "Staff and customer contacts, invitations and organisation teams"),
        (name = "documents", description = "Folders, documents and their versions, file links and the access log"),
        (name = "requests", description = "Requests to clients: uploads, approvals, signatures and questions; review; templates"),
        (name = "system", description = "Health checks"),
        (name = "events", description = "What happened in a tenant's portal, as subscribers receive it (the `webhooks`)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document's fixed parts; the paths come from the routes.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The media type handlers name for "a stored file": [`finish`] replaces it with every type a
/// stored file can have, so each response's `Content-Type` is one the document lists.
pub const STORED_FILE: &str = "application/vnd.portico.stored-file";

/// A problem+json response with `description`.
fn problem_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// The operations anyone may call, signed in or not. Every other operation needs a bearer
/// token: [`finish`] documents that, so a handler never has to (and a new one is documented
/// as needing sign-in unless it is named here).
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "healthz",
    "readyz",
    "jwks",
    "login",
    "refresh",
    "logout",
    "handoff",
    "request_magic_link",
    "redeem_magic_link",
    "request_password_reset",
    "complete_password_reset",
    "lookup_invitation",
    "accept_invitation",
    "confirm_email_change",
    "accept_membership_offer",
    "file_by_link",
    "get_branding",
    "get_logo",
];

/// Final touches on the collected document, in one pass over every operation: what all of
/// them share is added here, so a handler documents only what is its own. Every operation
/// not in [`PUBLIC_OPERATIONS`] needs the bearer token and may answer 401; every operation
/// may answer another `4XX` and a `5XX`, as problem+json.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::SecurityRequirement;
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    api.webhooks = Some(webhooks());
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let public = operation
                .operation_id
                .as_deref()
                .is_some_and(|id| PUBLIC_OPERATIONS.contains(&id));
            if !public && operation.security.is_none() {
                operation.security = Some(vec![SecurityRequirement::new(
                    "bearer",
                    Vec::<String>::new(),
                )]);
            }
            let responses = &mut operation.responses.responses;
            if !public && !responses.contains_key("401") {
                responses.insert("401".into(), problem_response("No valid access token."));
            }
            if !responses.contains_key("4XX") {
                responses.insert("4XX".into(), problem_response("Any other client error."));
            }
            if !responses.keys().any(|status| status.starts_with('5')) {
                responses.insert(
                    "5XX".into(),
                    problem_response(
                        "A server error; quote the problem's `request_id` to the operator.",
                    ),
                );
            }
            for response in operation.responses.responses.values_mut() {
                let utoipa::openapi::RefOr::T(response) = response else {
                    continue;
                };
                if let Some(file) = response.content.shift_remove(STORED_FILE) {
                    for kind in crate::documents::service::STORED_TYPES {
                        response.content.insert(kind.to_string(), file.clone());
                    }
                }
            }
        }
    }
    api
}

/// Every event type as an OpenAPI 3.1 webhook: the envelope and typed `data` a subscriber
/// receives for it (`portico_shared::events`).
fn webhooks() -> utoipa::openapi::Paths {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{ContentBuilder, PathsBuilder, Ref, Required, ResponseBuilder};
    let string = |format: KnownFormat| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    let mut paths = PathsBuilder::new();
    for event in EVENT_TYPES {
        let envelope = ObjectBuilder::new()
            .property(
                "id",
                string(KnownFormat::Uuid)
                    .description(Some("The event's id: deliveries of one event share it.")),
            )
            .required("id")
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([event.name])),
            )
            .required("type")
            .property(
                "version",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([EventData::VERSION])),
            )
            .required("version")
            .property("tenant_id", string(KnownFormat::Uuid))
            .required("tenant_id")
            .property("occurred_at", string(KnownFormat::DateTime))
            .required("occurred_at")
            .property("data", Ref::from_schema_name(event.data))
            .required("data");
        let body = RequestBodyBuilder::new()
            .description(Some(event.description))
            .required(Some(Required::True))
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(envelope)).build(),
            )
            .build();
        let operation = OperationBuilder::new()
            .operation_id(Some(format!("on_{}", event.name.replace('.', "_"))))
            .summary(Some(event.name))
            .description(Some(event.description))
            .tag("events")
            .request_body(Some(body))
            .response("2XX", ResponseBuilder::new().description("Received."))
            .build();
        paths = paths.path(event.name, PathItem::new(HttpMethod::Post, operation));
    }
    paths.build()
}

/// Every documented route. The OpenAPI document is collected from exactly these registrations,
/// so no endpoint can exist undocumented.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(crate::health::healthz)
        .service(crate::health::readyz)
        .configure(crate::auth::well_known)
        .service(
            utoipa_actix_web::scope::scope("/api/v1")
                .configure(crate::auth::routes)
                .configure(crate::settings::routes)
                .configure(crate::organizations::routes)
                .configure(crate::people::routes)
                .configure(crate::documents::routes)
                .configure(crate::requests::routes)
                .configure(crate::activity::routes),
        );
}

/// The whole document, as served, without starting a server.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(routes)
        .split_for_parts();
    finish(api)
}

/// The document as pretty JSON with a trailing newline: the form committed to the repository.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
