//! Building the application: shared state, routes with their OpenAPI documentation, the
//! middleware stack, and the HTTP server.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{json_error, path_error, problem_for_bare_errors, query_error};
use crate::state::AppState;
use crate::{
    activity, auth, documents, events, jobs, openapi, organizations, people, requests, settings,
    telemetry, web_app,
};
use actix_web::dev::ResourceDef;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use anyhow::Context;
use std::net::TcpListener;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// The shared state, with the stored data brought up to date: what the server and every
/// command start from.
pub async fn open(config: Config, clock: Clock) -> anyhow::Result<AppState> {
    let state = AppState::new(config, clock).await?;
    auth::service::seal_stored_secrets(&state.db, &state.data_key).await?;
    Ok(state)
}

/// Every job kind the worker runs, composed from each capability's `jobs()`, with the
/// outbox's dispatcher over every capability's `events()` subscribers.
pub fn job_handlers(state: &web::Data<AppState>) -> jobs::Registry {
    let capabilities = jobs::Registry::default()
        .merge(organizations::jobs(state))
        .merge(people::jobs(state))
        .merge(documents::jobs(state))
        .merge(requests::jobs(state))
        .merge(settings::jobs(state))
        .merge(activity::jobs(state));
    jobs::Registry::default()
        .on(
            crate::mail::SEND_JOB,
            crate::mail::handler(state.mailer.clone()),
        )
        .merge(auth::jobs(state))
        .merge(capabilities)
        .merge(events::jobs(
            state.db.clone(),
            state.clock.clone(),
            event_subscribers(state),
        ))
}

/// Every event subscriber, composed from each capability's `events()`.
pub fn event_subscribers(state: &web::Data<AppState>) -> events::Subscribers {
    events::Subscribers::default()
        .merge(organizations::events(state))
        .merge(people::events(state))
        .merge(documents::events(state))
        .merge(requests::events(state))
        .merge(settings::events(state))
        .merge(activity::events(state))
}

/// Every list and search the API runs, with representative arguments: what the plan test
/// (`tests/api/plans.rs`) explains on each database.
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    [
        organizations::lists(backend),
        people::lists(backend),
        documents::lists(backend),
        requests::lists(backend),
        settings::lists(backend),
        activity::lists(backend),
    ]
    .concat()
}

/// A running server and what tests need to drive it.
pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    /// Binds `config.bind` (port 0 picks a free port) and builds the server; `run` serves.
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(open(config, clock).await?);
        let server = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped, with a job worker beside the server unless configured off.
    pub async fn run(self) -> std::io::Result<()> {
        let worker = self.state.config.run_jobs.then(|| {
            let worker = jobs::Worker::new(
                self.state.db.clone(),
                self.state.clock.clone(),
                job_handlers(&self.state),
            );
            tokio::spawn(worker.run())
        });
        let result = self.server.await;
        if let Some(worker) = worker {
            worker.abort();
        }
        result
    }
}

/// The documented paths with their methods, so a request for a known path with another
/// method answers 405 with `Allow` rather than 404.
struct KnownPaths(Vec<(ResourceDef, String)>);

impl KnownPaths {
    fn from_document() -> Self {
        let api = openapi::document();
        KnownPaths(
            api.paths
                .paths
                .iter()
                .map(|(path, item)| {
                    let mut methods: Vec<String> = serde_json::to_value(item)
                        .ok()
                        .and_then(|v| {
                            v.as_object()
                                .map(|o| o.keys().map(|k| k.to_uppercase()).collect())
                        })
                        .unwrap_or_default();
                    methods.retain(|m| {
                        ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"]
                            .contains(&m.as_str())
                    });
                    (ResourceDef::new(path.as_str()), methods.join(", "))
                })
                .collect(),
        )
    }

    fn allowed(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_str())
    }
}

/// Requests no route took: 405 for a known API path, the web app for other GETs outside
/// `/api/`, 404 otherwise.
async fn no_route(
    req: HttpRequest,
    known: web::Data<KnownPaths>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let path = req.path();
    let for_the_app = matches!(*req.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && path != "/api"
        && !path.starts_with("/.well-known/");
    if for_the_app && known.allowed(path).is_none() {
        return web_app::serve(&req, &state.config.web_dir).await;
    }
    match known.allowed(path) {
        Some(allowed) => {
            let mut res = HttpResponse::MethodNotAllowed().finish();
            if let Ok(value) = header::HeaderValue::from_str(allowed) {
                res.headers_mut().insert(header::ALLOW, value);
            }
            res
        }
        None => crate::error::ApiError::NotFound.error_response(),
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let config = state.config.clone();
    let known = web::Data::new(KnownPaths::from_document());
    let server = HttpServer::new(move || {
        let json_limit = state.config.json_limit;
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(openapi::base())
            .app_data(state.clone())
            .app_data(known.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(json_limit)
                    .error_handler(json_error),
            )
            .app_data(web::PayloadConfig::new(json_limit))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .configure(openapi::routes)
            .split_for_parts();
        app.service(
            SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi::finish(api)),
        )
        .service(web::redirect("/api/docs", "/api/docs/"))
        .default_service(web::to(no_route))
        .wrap(from_fn(crate::audit::denials))
        .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "no-referrer"))
                .add(("X-Frame-Options", "DENY")),
        )
        .wrap(from_fn(crate::hardening::security_headers))
        .wrap(Compress::default())
        .wrap(from_fn(crate::hardening::body_deadline))
        .wrap(from_fn(telemetry::request_context))
    })
    .workers(config.workers())
    .client_request_timeout(std::time::Duration::from_secs(config.request_timeout))
    .keep_alive(std::time::Duration::from_secs(config.keep_alive))
    .client_disconnect_timeout(std::time::Duration::from_secs(5))
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}
