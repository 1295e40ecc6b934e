//! Documents: per-organisation folders and files with versions, who may see each, streaming
//! upload and download through object storage (`crate::storage`), a bin with 30 days to
//! restore, publishing to many organisations, and the access log customers see.

mod folders;
mod handlers;
mod queries;
mod rules;
pub mod service;
mod transfer;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(folders::list_folders)
        .service(folders::create_folder)
        .service(folders::get_folder)
        .service(folders::update_folder)
        .service(folders::delete_folder)
        .service(handlers::list_documents)
        .service(handlers::upload_document)
        .service(handlers::get_document)
        .service(handlers::update_document)
        .service(handlers::delete_document)
        .service(handlers::restore_document)
        .service(handlers::list_versions)
        .service(handlers::upload_version)
        .service(handlers::get_content)
        .service(handlers::create_file_link)
        .service(handlers::file_by_link)
        .service(handlers::access_log)
        .service(handlers::publish_document)
        .service(handlers::storage_usage);
}

/// Every list and search of documents, with representative arguments (the plan test).
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    queries::lists(backend)
}

/// The documents jobs: purging the bin.
pub fn jobs(state: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default().on(handlers::PURGE_JOB, handlers::purge_handler(state.clone()))
}

/// Documents subscribe to no events.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
