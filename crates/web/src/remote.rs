//! How pages talk to the API, the same way everywhere: what a page shows comes from [`load`]
//! (a `LocalResource`) drawn by [`Loaded`]; what a page changes goes through [`act`] (an
//! `Action`) whose failure [`ActionError`] announces. A failed call becomes a [`Failed`] in one
//! place, which also ends the session when the server no longer knows it.

use crate::components::shell::Loading;
use crate::problems;
use crate::session::{Session, use_session};
use leptos::prelude::*;
use portico_shared::Page;
use portico_shared::client::ClientError;
use std::fmt;
use std::future::Future;

/// A call that failed (or a check before it), as the person reading the page should hear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    message: String,
    /// The server no longer accepts our token.
    refused: bool,
    /// What the server found wrong in each field, `(field, message)`, when it said.
    fields: Vec<(String, String)>,
}

impl Failed {
    /// A failure found before calling (the two new passwords differ …).
    pub fn new(message: impl Into<String>) -> Self {
        Failed {
            message: message.into(),
            refused: false,
            fields: Vec::new(),
        }
    }

    /// What the server found wrong, field by field (a CSV import's bad lines …).
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }
}

impl From<ClientError> for Failed {
    fn from(err: ClientError) -> Self {
        let fields = err
            .problem()
            .map(|p| {
                p.errors
                    .iter()
                    .map(|f| (f.field.clone(), f.message.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Failed {
            message: problems::message(&err),
            refused: err.status() == Some(401),
            fields,
        }
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failed {}

/// Ends the session when the server refused our token.
fn noticed<T>(session: Session, result: Result<T, Failed>) -> Result<T, Failed> {
    if let Err(Failed { refused: true, .. }) = &result {
        session.refused();
    }
    result
}

/// A page's data: fetched when the page opens and again whenever a signal the fetch reads
/// changes (or on `refetch`).
pub fn load<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> LocalResource<Result<T, Failed>>
where
    T: 'static,
    Fut: Future<Output = Result<T, Failed>> + 'static,
{
    let session = use_session();
    LocalResource::new(move || {
        let call = fetch();
        async move { noticed(session, call.await) }
    })
}

/// A change a page asks for: `pending()` while it runs, `value()` its outcome.
pub fn act<I, O, Fut>(run: impl Fn(I) -> Fut + 'static) -> Action<I, Result<O, Failed>>
where
    I: Clone + 'static,
    O: 'static,
    Fut: Future<Output = Result<O, Failed>> + 'static,
{
    let session = use_session();
    Action::new_local(move |input: &I| {
        let call = run(input.clone());
        async move { noticed(session, call.await) }
    })
}

/// Whether an action's last run succeeded (for the notice that says so).
pub fn succeeded<I, O>(action: Action<I, Result<O, Failed>>) -> Signal<bool>
where
    I: 'static,
    O: Send + Sync + 'static,
{
    Signal::derive(move || {
        !action.pending().get() && action.value().with(|v| matches!(v, Some(Ok(_))))
    })
}

/// The last run's failure, announced to screen readers; nothing while it runs again or after
/// it succeeds.
#[component]
pub fn ActionError<I, O>(action: Action<I, Result<O, Failed>>) -> impl IntoView
where
    I: Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    let message = move || match action
        .value()
        .with(|v| v.as_ref().map(|r| r.as_ref().err().cloned()))
    {
        Some(Some(Failed { message, .. })) if !action.pending().get() => Some(message),
        _ => None,
    };
    view! {
        {move || message().map(|message| view! { <p class="error" role="alert">{message}</p> })}
    }
}

/// What an action's successful run has to say, if anything.
pub trait Said {
    fn said(&self) -> Option<String>;
}

impl Said for String {
    fn said(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl Said for &'static str {
    fn said(&self) -> Option<String> {
        Some((*self).to_string())
    }
}

impl Said for Option<String> {
    fn said(&self) -> Option<String> {
        self.clone()
    }
}

/// What the last successful run said, announced politely; nothing while it runs again.
#[component]
pub fn ActionSaid<I, O>(action: Action<I, Result<O, Failed>>) -> impl IntoView
where
    I: Send + Sync + 'static,
    O: Said + Send + Sync + 'static,
{
    let text = move || {
        if action.pending().get() {
            return None;
        }
        action.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(Said::said)
        })
    };
    view! {
        {move || text().map(|text| view! { <p class="notice" role="status">{text}</p> })}
    }
}

/// Draws a resource: a loading line the first time, `children` with its value (kept on screen
/// while it reloads), or what went wrong.
#[component]
pub fn Loaded<T, V>(
    data: LocalResource<Result<T, Failed>>,
    #[prop(into)] loading: String,
    children: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || view! { <Loading label=loading.clone()/> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => children(value).into_any(),
                        Err(Failed { message, .. }) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A list read a page at a time: the first page follows the signals `fetch` reads before its
/// `async` part (a new search starts over), "Show more" appends the next.
pub struct Pages<T: Send + Sync + 'static> {
    first: LocalResource<Result<Vec<T>, Failed>>,
    more: Action<String, Result<(), Failed>>,
    rest: RwSignal<Vec<T>>,
    next: RwSignal<Option<String>>,
}

impl<T: Send + Sync + 'static> Clone for Pages<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Pages<T> {}

pub fn pages<T, Fut>(fetch: impl Fn(Option<String>) -> Fut + Clone + 'static) -> Pages<T>
where
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>, ClientError>> + 'static,
{
    let rest = RwSignal::new(Vec::new());
    let next = RwSignal::new(None);
    let first = {
        let fetch = fetch.clone();
        load(move || {
            let call = fetch(None);
            async move {
                let page = call.await?;
                rest.set(Vec::new());
                next.set(page.next_cursor);
                Ok(page.items)
            }
        })
    };
    let more = act(move |after: String| {
        let call = fetch(Some(after));
        async move {
            let page = call.await?;
            rest.update(|r| r.extend(page.items));
            next.set(page.next_cursor);
            Ok(())
        }
    });
    Pages {
        first,
        more,
        rest,
        next,
    }
}

impl<T: Clone + Send + Sync + 'static> Pages<T> {
    /// Starts over from the first page (after a change that adds to or reorders the list).
    pub fn reload(self) {
        self.first.refetch();
    }
}

/// Draws a [`Pages`]: loading, the failure, `empty` when nothing matches, or `children` with
/// every item read so far, then "Show more" while there is more.
#[component]
pub fn Paged<T, V>(
    pages: Pages<T>,
    #[prop(into)] loading: String,
    empty: &'static str,
    children: impl Fn(Signal<Vec<T>>) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let Pages {
        first,
        more,
        rest,
        next,
    } = pages;
    view! {
        <Loaded data=first loading let:items>
            {if items.is_empty() {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                let all = Signal::derive(move || {
                    let mut all = items.clone();
                    all.extend(rest.get());
                    all
                });
                children(all).into_any()
            }}
        </Loaded>
        <ActionError action=more/>
        {move || next.get().map(|after| view! {
            <button type="button" class="button secondary" disabled=more.pending()
                on:click=move |_| { more.dispatch(after.clone()); }>"Show more"</button>
        })}
    }
}
