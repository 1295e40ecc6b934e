//! Pieces used on several pages.

pub mod form;
pub mod shell;
pub mod upload;
