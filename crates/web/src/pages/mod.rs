//! One component per route.

pub mod dashboard;
pub mod documents;
pub mod links;
pub mod not_found;
pub mod people;
pub mod profile;
pub mod requests;
pub mod settings;
pub mod sign_in;
pub mod staff;
pub mod team;
