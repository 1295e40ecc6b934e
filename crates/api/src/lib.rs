//! Portico's API server: a library (so tests run the real app in-process on port 0) and the
//! `portico` command in `main.rs`.
//!
//! One folder per capability, each with one face — `routes()`, `jobs()`, `events()`,
//! `lists()` and a `service` module — over floors that import only downwards: `README.md` in
//! this directory shows where a new capability's parts go, and `tests/api/architecture.rs`
//! keeps it so.

pub mod activity;
pub mod audit;
pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod events;
pub mod hardening;
pub mod health;
pub mod jobs;
pub mod limiter;
pub mod mail;
pub mod openapi;
pub mod organizations;
pub mod pagination;
pub mod passwords;
pub mod people;
pub mod requests;
pub mod secrets;
pub mod settings;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tenancy;
pub mod tokens;
pub mod web_app;

pub use error::{ApiError, ApiResult};
pub use startup::Application;
pub use state::AppState;
