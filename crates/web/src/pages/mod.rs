//! One component per route.

pub mod dashboard;
pub mod not_found;
pub mod profile;
pub mod sign_in;
pub mod staff;
