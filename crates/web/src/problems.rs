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
            .map(|e| {
                format!(
                    "Please check the {}: {}.",
                    e.field.replace('_', " "),
                    e.message
                )
            })
            .unwrap_or_else(|| "Please check what you entered.".into()),
        Some(ProblemType::Unauthorized) => "Your session has ended. Please sign in again.".into(),
        Some(ProblemType::NotFound) => "We could not find that.".into(),
        Some(ProblemType::LinkExpired) => {
            "This link has expired or was already used. Please ask for a new one.".into()
        }
        Some(ProblemType::Conflict) => err
            .problem()
            .and_then(|p| p.detail.clone())
            .unwrap_or_else(|| "That conflicts with what is already there.".into()),
        Some(ProblemType::Forbidden) => "You do not have access to that.".into(),
        Some(ProblemType::PayloadTooLarge) => "The file is too large.".into(),
        Some(ProblemType::UnsupportedMediaType) => {
            "This type of file is not accepted here. Send a PDF, an image, an Office document \
             or plain text."
                .into()
        }
        Some(ProblemType::QuotaExceeded) => err
            .problem()
            .and_then(|p| p.detail.clone())
            .unwrap_or_else(|| "The portal's storage is full.".into()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use portico_shared::Problem;

    fn problem(kind: ProblemType, status: u16, retry_after: Option<u64>) -> ClientError {
        ClientError::Api {
            status,
            problem: Problem {
                type_: kind.uri(),
                title: String::new(),
                status,
                detail: None,
                errors: Vec::new(),
                retry_after,
                request_id: None,
            },
        }
    }

    #[test]
    fn messages_follow_the_problem_type_and_tell_the_wait() {
        let wrong = problem(ProblemType::InvalidCredentials, 401, None);
        assert!(message(&wrong).contains("do not match"));
        let locked = problem(ProblemType::TooManyRequests, 429, Some(840));
        assert_eq!(
            message(&locked),
            "Too many attempts. Try again in 14 minutes."
        );
        let soon = problem(ProblemType::TooManyRequests, 429, Some(20));
        assert_eq!(message(&soon), "Too many attempts. Try again in a minute.");
    }
}
