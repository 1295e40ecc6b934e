//! Pieces used on several pages.

pub mod shell;
