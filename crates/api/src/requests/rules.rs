//! The request state machine, in one place. Items move `pending → submitted` when the client
//! answers (and may answer again until staff review), `submitted → accepted` or
//! `submitted → changes_requested` when staff review, and `changes_requested → submitted` when
//! the client answers again; an accepted item is final. A request's status follows from its
//! items — `open` while the client has work, `submitted` when every item is answered,
//! `changes_requested` while staff want changes to any item, `completed` when every item is
//! accepted — except `cancelled`, which staff choose and which, like `completed`, is final.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use portico_shared::requests::{
    ItemKind, ItemStatus, NewItem, Progress, QuestionKind, RequestStatus,
};
use std::collections::BTreeMap;

/// Why a transition is refused (a 409 with this text).
pub type Refusal = &'static str;

/// Most items in one request or template.
pub const MAX_ITEMS: usize = 50;
/// Most questions in one item.
pub const MAX_QUESTIONS: usize = 20;
/// The consent a signer accepts when the item names none.
pub const DEFAULT_CONSENT: &str = "I agree that typing my name below is my electronic \
signature on this document, with the same effect as a handwritten one, and that I have \
read the document.";

pub fn is_final(status: RequestStatus) -> bool {
    matches!(status, RequestStatus::Completed | RequestStatus::Cancelled)
}

/// The client answers an item (again): its new status.
pub fn answer(request: RequestStatus, item: ItemStatus) -> Result<ItemStatus, Refusal> {
    if is_final(request) {
        return Err("This request is closed.");
    }
    match item {
        ItemStatus::Pending | ItemStatus::Submitted | ItemStatus::ChangesRequested => {
            Ok(ItemStatus::Submitted)
        }
        ItemStatus::Accepted => Err("This item was already accepted."),
    }
}

/// Staff review a submitted item: accepted, or changes requested.
pub fn review(
    request: RequestStatus,
    item: ItemStatus,
    accept: bool,
) -> Result<ItemStatus, Refusal> {
    if is_final(request) {
        return Err("This request is closed.");
    }
    match item {
        ItemStatus::Submitted if accept => Ok(ItemStatus::Accepted),
        ItemStatus::Submitted => Ok(ItemStatus::ChangesRequested),
        ItemStatus::Accepted => Err("This item was already accepted."),
        ItemStatus::Pending | ItemStatus::ChangesRequested => {
            Err("This item has not been answered yet.")
        }
    }
}

/// Staff cancel a request.
pub fn cancel(request: RequestStatus) -> Result<RequestStatus, Refusal> {
    if is_final(request) {
        Err("This request is already closed.")
    } else {
        Ok(RequestStatus::Cancelled)
    }
}

/// A request's status once its items are as given (a final status stays).
pub fn status_of(current: RequestStatus, items: &[ItemStatus]) -> RequestStatus {
    if is_final(current) {
        return current;
    }
    if !items.is_empty() && items.iter().all(|s| *s == ItemStatus::Accepted) {
        RequestStatus::Completed
    } else if items.contains(&ItemStatus::ChangesRequested) {
        RequestStatus::ChangesRequested
    } else if items
        .iter()
        .all(|s| matches!(s, ItemStatus::Submitted | ItemStatus::Accepted))
    {
        RequestStatus::Submitted
    } else {
        RequestStatus::Open
    }
}

pub fn progress(items: &[ItemStatus]) -> Progress {
    Progress {
        done: items.iter().filter(|s| **s == ItemStatus::Accepted).count() as u32,
        submitted: items
            .iter()
            .filter(|s| **s == ItemStatus::Submitted)
            .count() as u32,
        total: items.len() as u32,
    }
}

/// How far ahead a due date may be.
pub const MAX_DUE_DAYS: i64 = 5 * 366;

/// A due date is today or later, and within five years.
pub fn check_due(due_on: NaiveDate, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    if due_on < today {
        Err("the due date is in the past")
    } else if (due_on - today).num_days() > MAX_DUE_DAYS {
        Err("the due date is more than five years away")
    } else {
        Ok(due_on)
    }
}

/// Waiting on the client past the due date.
pub fn overdue(status: RequestStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    matches!(
        status,
        RequestStatus::Open | RequestStatus::ChangesRequested
    ) && due_on.is_some_and(|d| today > d)
}

/// When reminders go: two days before the due date and the day after it, at 09:00 UTC, those
/// still in the future.
pub fn reminder_times(due_on: NaiveDate, now: DateTime<Utc>) -> Vec<(ReminderKind, DateTime<Utc>)> {
    let at_nine = |d: NaiveDate| {
        Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 9, 0, 0)
            .single()
    };
    [
        (ReminderKind::DueSoon, due_on - Duration::days(2)),
        (ReminderKind::Overdue, due_on + Duration::days(1)),
    ]
    .into_iter()
    .filter_map(|(kind, day)| at_nine(day).map(|t| (kind, t)))
    .filter(|(_, t)| *t > now)
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    DueSoon,
    Overdue,
}

/// Checks a new item (`field` is its place in the body, e.g. `items.2`); approve and sign
/// items need a document unless `for_template` (where they are refused: a document belongs to
/// one organisation).
pub fn check_item(item: &NewItem, field: &str, for_template: bool) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let mut error = |f: &str, m: &str| errors.push((format!("{field}.{f}"), m.to_string()));
    let title = item.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        error("title", "1 to 200 characters");
    }
    if item
        .description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 2000)
    {
        error("description", "at most 2000 characters");
    }
    let wants_document = matches!(item.kind, ItemKind::Approve | ItemKind::Sign);
    if wants_document && for_template {
        error(
            "kind",
            "approve and sign items name a document: send them as a request",
        );
    } else if wants_document && item.document_id.is_none() {
        error("document_id", "name the document");
    } else if !wants_document && item.document_id.is_some() {
        error("document_id", "only approve and sign items name a document");
    }
    if item.kind != ItemKind::Upload && !item.accepted_types.is_empty() {
        error("accepted_types", "only upload items accept types");
    }
    // An item that accepts only types the server never stores could never be fulfilled.
    for (i, t) in item.accepted_types.iter().enumerate() {
        if !crate::documents::service::STORED_TYPES.contains(&t.as_str()) {
            error(
                &format!("accepted_types.{i}"),
                "not a type Portico stores (PDF, images, Office and OpenDocument files, ZIP, \
                 plain text, CSV or Markdown)",
            );
        }
    }
    if item.kind != ItemKind::Sign && item.consent_text.is_some() {
        error("consent_text", "only sign items have a consent text");
    }
    if item.kind == ItemKind::Question {
        if item.questions.is_empty() || item.questions.len() > MAX_QUESTIONS {
            error("questions", "1 to 20 questions");
        }
        let mut keys = std::collections::BTreeSet::new();
        for (i, q) in item.questions.iter().enumerate() {
            let key_ok = !q.key.is_empty()
                && q.key.len() <= 40
                && q.key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !key_ok || !keys.insert(q.key.clone()) {
                error(
                    &format!("questions.{i}.key"),
                    "a unique key of letters, digits, `_` or `-`",
                );
            }
            if q.label.trim().is_empty() {
                error(&format!("questions.{i}.label"), "a label is needed");
            }
            let has_choices = !q.choices.is_empty();
            if (q.kind == QuestionKind::Choice) != has_choices {
                error(
                    &format!("questions.{i}.choices"),
                    "choices go with (and only with) a choice question",
                );
            }
        }
    } else if !item.questions.is_empty() {
        error("questions", "only question items have questions");
    }
    errors
}

/// Checks answers against an item's questions: every required one answered, choices among
/// the choices, dates as `YYYY-MM-DD`, yes/no as `yes` or `no`, no unknown keys.
pub fn check_answers(
    questions: &[portico_shared::requests::Question],
    answers: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for key in answers.keys() {
        if !questions.iter().any(|q| &q.key == key) {
            errors.push((format!("answers.{key}"), "no such question".into()));
        }
    }
    for q in questions {
        let field = format!("answers.{}", q.key);
        let value = answers
            .get(&q.key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        let Some(value) = value else {
            if q.required {
                errors.push((field, "an answer is needed".into()));
            }
            continue;
        };
        let ok = match q.kind {
            QuestionKind::Text => value.chars().count() <= 5000,
            QuestionKind::Choice => q.choices.iter().any(|c| c == value),
            QuestionKind::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
            QuestionKind::YesNo => value == "yes" || value == "no",
        };
        if !ok {
            let message = match q.kind {
                QuestionKind::Text => "at most 5000 characters",
                QuestionKind::Choice => "one of the choices",
                QuestionKind::Date => "a date as YYYY-MM-DD",
                QuestionKind::YesNo => "`yes` or `no`",
            };
            errors.push((field, message.into()));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use ItemStatus::*;
    use RequestStatus as R;

    #[test]
    fn the_client_answers_pending_resubmits_changes_and_never_touches_accepted_items() {
        assert_eq!(answer(R::Open, Pending), Ok(Submitted));
        assert_eq!(answer(R::Submitted, Submitted), Ok(Submitted));
        assert_eq!(answer(R::ChangesRequested, ChangesRequested), Ok(Submitted));
        assert!(answer(R::Open, Accepted).is_err());
        assert!(answer(R::Completed, Pending).is_err());
        assert!(answer(R::Cancelled, Pending).is_err());
    }

    #[test]
    fn staff_review_only_submitted_items_of_live_requests() {
        assert_eq!(review(R::Submitted, Submitted, true), Ok(Accepted));
        assert_eq!(review(R::Submitted, Submitted, false), Ok(ChangesRequested));
        assert!(review(R::Open, Pending, true).is_err());
        assert!(review(R::ChangesRequested, ChangesRequested, true).is_err());
        assert!(review(R::Submitted, Accepted, false).is_err());
        assert!(review(R::Cancelled, Submitted, true).is_err());
    }

    #[test]
    fn only_live_requests_can_be_cancelled() {
        for live in [R::Open, R::Submitted, R::ChangesRequested] {
            assert_eq!(cancel(live), Ok(R::Cancelled));
        }
        assert!(cancel(R::Completed).is_err());
        assert!(cancel(R::Cancelled).is_err());
    }

    #[test]
    fn a_request_status_follows_its_items() {
        assert_eq!(status_of(R::Open, &[Pending, Pending]), R::Open);
        assert_eq!(status_of(R::Open, &[Submitted, Pending]), R::Open);
        assert_eq!(status_of(R::Open, &[Submitted, Submitted]), R::Submitted);
        assert_eq!(
            status_of(R::Submitted, &[Accepted, Submitted]),
            R::Submitted
        );
        assert_eq!(
            status_of(R::Submitted, &[ChangesRequested, Accepted]),
            R::ChangesRequested
        );
        assert_eq!(
            status_of(R::ChangesRequested, &[Submitted, Accepted]),
            R::Submitted
        );
        assert_eq!(status_of(R::Submitted, &[Accepted, Accepted]), R::Completed);
        // Final statuses stay whatever the items say.
        assert_eq!(status_of(R::Cancelled, &[Accepted]), R::Cancelled);
        assert_eq!(status_of(R::Completed, &[Submitted]), R::Completed);
    }

    #[test]
    fn due_dates_are_from_today_to_five_years_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert!(check_due(today, today).is_ok());
        assert!(check_due(today - Duration::days(1), today).is_err());
        assert!(check_due(today + Duration::days(MAX_DUE_DAYS + 1), today).is_err());
        assert!(check_due(NaiveDate::MAX, today).is_err());
    }

    #[test]
    fn progress_counts_accepted_and_waiting_items() {
        let p = progress(&[Accepted, Accepted, Submitted, Pending, ChangesRequested]);
        assert_eq!((p.done, p.submitted, p.total), (2, 1, 5));
    }

    #[test]
    fn overdue_means_waiting_on_the_client_after_the_due_date() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert!(overdue(R::Open, Some(due), after));
        assert!(overdue(R::ChangesRequested, Some(due), after));
        assert!(!overdue(R::Open, Some(due), due));
        assert!(!overdue(R::Submitted, Some(due), after));
        assert!(!overdue(R::Open, None, after));
    }

    #[test]
    fn reminders_go_two_days_before_and_the_day_after_if_still_ahead() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let times = reminder_times(due, now);
        assert_eq!(
            times,
            vec![
                (
                    ReminderKind::DueSoon,
                    Utc.with_ymd_and_hms(2026, 3, 8, 9, 0, 0).unwrap()
                ),
                (
                    ReminderKind::Overdue,
                    Utc.with_ymd_and_hms(2026, 3, 11, 9, 0, 0).unwrap()
                ),
            ]
        );
        let late = Utc.with_ymd_and_hms(2026, 3, 9, 0, 0, 0).unwrap();
        assert_eq!(reminder_times(due, late).len(), 1);
    }

    #[test]
    fn items_are_checked_by_kind() {
        let item = |kind| NewItem {
            kind,
            title: "Bank statements".into(),
            description: None,
            accepted_types: vec![],
            document_id: None,
            questions: vec![],
            consent_text: None,
        };
        assert!(check_item(&item(ItemKind::Upload), "items.0", false).is_empty());
        let sign = check_item(&item(ItemKind::Sign), "items.1", false);
        assert_eq!(sign[0].0, "items.1.document_id");
        let in_template = check_item(&item(ItemKind::Approve), "items.0", true);
        assert_eq!(in_template[0].0, "items.0.kind");
        let empty_questions = check_item(&item(ItemKind::Question), "items.0", false);
        assert_eq!(empty_questions[0].0, "items.0.questions");
    }

    #[test]
    fn answers_are_checked_against_their_questions() {
        use portico_shared::requests::Question;
        let q = |key: &str, kind, choices: &[&str], required| Question {
            key: key.into(),
            label: key.into(),
            kind,
            choices: choices.iter().map(|c| c.to_string()).collect(),
            required,
        };
        let questions = vec![
            q("married", QuestionKind::YesNo, &[], true),
            q("state", QuestionKind::Choice, &["NY", "CA"], false),
            q("moved_on", QuestionKind::Date, &[], false),
        ];
        let answers = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(
            check_answers(&questions, &answers(&[("married", "yes"), ("state", "CA")])).is_empty()
        );
        let bad = check_answers(
            &questions,
            &answers(&[("state", "TX"), ("moved_on", "March"), ("extra", "x")]),
        );
        let fields: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers.extra",
                "answers.married",
                "answers.state",
                "answers.moved_on"
            ]
        );
    }
}
