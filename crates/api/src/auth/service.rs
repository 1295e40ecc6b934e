//! What the rest of the server may ask of authentication, and nothing else: who is calling
//! (`Principal`, loaded again for a signed file link), the checks a sensitive change repeats
//! (the caller's own password, the per-address throttle, the password policy), ending a
//! person's sessions, the emailed links (issuing one, counting recent ones), changing a
//! password from the command line, and hand-off sign-in's state.

pub use super::accounts::change_password;
pub(crate) use super::handlers::{check_ip_limit, verify_own_password};
pub use super::handoff::{enabled as handoff_enabled, seal_stored_secrets};
pub use super::links::{
    Purpose as LinkPurpose, issue as issue_link, issued_since as links_issued_since,
};
pub(crate) use super::principal::load as load_principal;
pub use super::queries::{Sessions, revoke_sessions};
pub use super::rules::check_new_password;
