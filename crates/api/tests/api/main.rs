//! Black-box API tests: each starts the real server on 127.0.0.1 with its own database and
//! talks HTTP to it. Test names cite the SECURITY.md property they prove (S1 …).

mod architecture;
mod audit;
mod auth_login;
mod auth_passwords;
mod auth_sessions;
mod auth_tokens;
mod documents;
mod errors;
mod events;
mod handoff;
mod helpers;
mod import;
mod isolation;
mod jobs;
mod organizations;
mod people;
mod plans;
mod platform;
mod requests;
mod self_service;
mod tenant_settings;
mod view_as;
mod web_app;
