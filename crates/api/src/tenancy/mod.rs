//! Tenants, users, customer organisations, memberships and staff assignments: the identity
//! model every capability checks against. Staff and customer administration endpoints come
//! with the organisations-and-people work; here are the model and its operations.

pub mod operations;
pub mod queries;
pub mod rules;
