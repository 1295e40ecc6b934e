//! The staff console: `/staff` (the organisations this staff member serves) and
//! `/staff/organizations/:id` (one organisation, its staff, fields and team).

mod console;
mod organization;

pub use console::StaffConsole;
pub use organization::OrganizationPage;
