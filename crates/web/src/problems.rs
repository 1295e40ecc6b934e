//! What to tell people when a call fails, by problem `type` (never by message text).

use portico_shared::ProblemType;
use portico_shared::client::ClientError;

pub fn message(err: &ClientError) -> String {
    match err.kind() {
        Some(ProblemType::InvalidCredentials) => {
            "That email and password do not match an account here.".into()
        }
        Some(ProblemType::TooManyRequests) => {
            let wait = err.problem().and_then(|p| p.retry_after).unwrap_or(60);
            format!("Too many attempts. Try again in {}.", human_wait(wait))
        }
        Some(ProblemType::Validation) => err
            .problem()
            .and_then(|p| p.errors.first())
            .map(|e| format!("Please check the {}: {}", e.field, e.message))
            .unwrap_or_else(|| "Please check what you entered.".into()),
        Some(ProblemType::Unauthorized) => "Your session has ended. Please sign in again.".into(),
        Some(ProblemType::NotFound) => "We could not find that.".into(),
        Some(ProblemType::Forbidden) => "You do not have access to that.".into(),
        Some(ProblemType::Unavailable) | Some(ProblemType::Internal) => {
            "Something went wrong on our side. Please try again in a moment.".into()
        }
        _ if matches!(err, ClientError::Transport(_)) => {
            "The portal cannot be reached. Check your connection and try again.".into()
        }
        _ => "Something went wrong. Please try again.".into(),
    }
}

fn human_wait(seconds: u64) -> String {
    match seconds {
        0..=60 => "a minute".into(),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}
