//! Portico's wire types: everything that crosses the HTTP boundary, shared by the server
//! (`crates/api`), the single-page app (`crates/web`) and the tests, plus — behind the
//! `client` feature — one typed client over reqwest that compiles for the browser and natively.
//!
//! Only serde, uuid, chrono and (behind `openapi`) utoipa live here: row types and database
//! conversions belong to the server.

pub mod auth;
pub mod documents;
pub mod events;
pub mod ids;
pub mod organizations;
pub mod people;
pub mod problem;
pub mod requests;
pub mod system;
pub mod tenancy;
pub mod time;

#[cfg(feature = "client")]
pub mod client;

pub use ids::*;
pub use problem::{FieldError, Problem, ProblemType};

use serde::{Deserialize, Serialize};

/// One page of a list. Pass `next_cursor` back as `cursor` to get the next page; it is
/// absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page-size bounds every list endpoint applies (DESIGN.md: `limit` ≤ 100).
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 100;
