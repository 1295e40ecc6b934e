//! Requests in the portal. `/requests`: for a contact, what is asked of them (with due dates
//! and progress); for staff, the review queue and every request. `/requests/:id`: one request —
//! a contact fulfils each item in one step (drop the files, approve, sign, answer), staff
//! accept items or ask for changes. `/staff/organizations/:id/requests/new`: the request
//! builder. `/staff/templates`: templates, sent to many organisations at once.

use crate::components::form::{ErrorMessage, TextField};
use crate::components::shell::Loading;
use crate::components::upload::{chosen_files, dropped_files, file_body};
use crate::dates::{calendar_date, local_time};
use crate::problems;
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use portico_shared::documents::{CreateFileLink, Document, DocumentFilter};
use portico_shared::organizations::Organization;
use portico_shared::requests::{
    AnswerItem, Answers, ApproveItem, CreateRequest, CreateTemplate, ItemKind, ItemResponse,
    ItemStatus, NewItem, QuestionKind, Request, RequestFilter, RequestItem, RequestStatus,
    RequestSummary, RequestTemplate, ReviewDecision, ReviewItem, SendTemplate, SignItem,
};
use portico_shared::{OrganizationId, RequestId};

fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "Open",
        RequestStatus::Submitted => "Submitted",
        RequestStatus::ChangesRequested => "Changes requested",
        RequestStatus::Completed => "Completed",
        RequestStatus::Cancelled => "Cancelled",
    }
}

fn item_status_label(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Pending => "To do",
        ItemStatus::Submitted => "Sent",
        ItemStatus::Accepted => "Accepted",
        ItemStatus::ChangesRequested => "Changes requested",
    }
}

fn kind_label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Upload => "Upload a document",
        ItemKind::Approve => "Approve a document",
        ItemKind::Sign => "Sign a document",
        ItemKind::Question => "Answer questions",
    }
}

/// One request in a list: title, organisation, due date, status and progress.
#[component]
pub fn RequestCard(request: RequestSummary) -> impl IntoView {
    let due = request.due_on.map(calendar_date);
    let progress = format!(
        "{} of {} done",
        request.progress.done, request.progress.total
    );
    view! {
        <li class="request-card">
            <A href=format!("/requests/{}", request.id)>{request.title.clone()}</A>
            <span class="muted">{request.organization_name.clone()}</span>
            <span class=format!("status status-{}", request.status.as_str())>{status_label(request.status)}</span>
            {due.map(|d| view! { <span>"Due " {d}</span> })}
            {request.overdue.then(|| view! { <span class="badge overdue">"Overdue"</span> })}
            <span class="muted">{progress}</span>
        </li>
    }
}

/// An organisation's requests at a glance: open, overdue and completed requests, items done
/// of all ("3 of 5 done"), and the requests themselves.
#[component]
pub fn OrganizationProgressCard(org: OrganizationId) -> impl IntoView {
    let progress = RwSignal::new(None::<portico_shared::requests::OrganizationProgress>);
    let requests = RwSignal::new(None::<Vec<RequestSummary>>);
    spawn_local(async move {
        if let Ok(p) = client().organization_progress(org).await {
            progress.set(Some(p));
        }
        if let Ok(page) = client().organization_request_summaries(org, None).await {
            requests.set(Some(page.items));
        }
    });
    move || {
        progress.get().filter(|p| p.items.total > 0).map(|p| {
            let summary = format!(
                "{} open request(s), {} overdue, {} completed",
                p.open_requests, p.overdue_requests, p.completed_requests
            );
            view! {
                <section class="card" aria-labelledby="progress-title">
                    <h2 id="progress-title">"Requests"</h2>
                    <p data-testid="organization-progress">
                        <strong>{format!("{} of {} done", p.items.done, p.items.total)}</strong>
                        {format!(" · {summary}")}
                    </p>
                    <progress max=p.items.total value=p.items.done aria-label="Items done"></progress>
                    {move || match requests.get() {
                        Some(list) if !list.is_empty() => view! {
                            <ul class="request-list">
                                {list.into_iter().map(|r| view! { <RequestCard request=r/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        _ => view! { <p><A href="/requests">"See the requests"</A></p> }.into_any(),
                    }}
                </section>
            }
        })
    }
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    let session = use_session();
    let is_staff = Memo::new(move |_| session.me.get().is_some_and(|m| m.staff_role.is_some()));
    let waiting = RwSignal::new(None::<Result<Vec<RequestSummary>, String>>);
    let all = RwSignal::new(None::<Result<Vec<RequestSummary>, String>>);
    Effect::new(move |_| {
        let staff = is_staff.get();
        spawn_local(async move {
            let api = client();
            // Contacts: what waits for them; staff: the review queue.
            let first = RequestFilter {
                status: Some(if staff {
                    RequestStatus::Submitted
                } else {
                    RequestStatus::Open
                }),
                ..Default::default()
            };
            let mut first_list = api.request_summaries(&first, None).await.map(|p| p.items);
            if !staff {
                let changes = RequestFilter {
                    status: Some(RequestStatus::ChangesRequested),
                    ..Default::default()
                };
                if let (Ok(list), Ok(more)) =
                    (&mut first_list, api.request_summaries(&changes, None).await)
                {
                    list.extend(more.items);
                }
            }
            waiting.set(Some(first_list.map_err(|e| problems::message(&e))));
            let everything = api.request_summaries(&RequestFilter::default(), None).await;
            all.set(Some(
                everything
                    .map(|p| p.items)
                    .map_err(|e| problems::message(&e)),
            ));
        });
    });
    let list = move |state: RwSignal<Option<Result<Vec<RequestSummary>, String>>>,
                     empty: &'static str| {
        move || match state.get() {
            None => view! { <Loading label="Loading requests…"/> }.into_any(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(items)) if items.is_empty() => {
                view! { <p class="empty">{empty}</p> }.into_any()
            }
            Some(Ok(items)) => view! {
                <ul class="request-list">
                    {items.into_iter().map(|r| view! { <RequestCard request=r/> }).collect_view()}
                </ul>
            }
            .into_any(),
        }
    };
    view! {
        <h1>{move || if is_staff.get() { "Requests" } else { "What is asked of you" }}</h1>
        <Show when=move || is_staff.get()>
            <p><A href="/staff/templates" attr:class="button secondary">"Templates"</A></p>
        </Show>
        <section class="card" aria-labelledby="waiting-title">
            <h2 id="waiting-title">{move || if is_staff.get() { "Waiting for your review" } else { "Waiting for you" }}</h2>
            {list(waiting, "Nothing is waiting. Well done.")}
        </section>
        <section class="card" aria-labelledby="all-title">
            <h2 id="all-title">"All requests"</h2>
            {list(all, "No requests yet.")}
        </section>
    }
}

/// The request page's state, owned by the page (the request's view is rebuilt whenever the
/// request changes; nothing it creates may outlive that): the request, and the files being
/// uploaded, so each progress bar stays to the end.
#[derive(Clone, Copy)]
struct Page {
    id: Memo<Option<RequestId>>,
    request: RwSignal<Option<Result<Request, String>>>,
    uploads: RwSignal<Vec<UploadRow>>,
}

#[derive(Clone, PartialEq)]
struct UploadRow {
    item: portico_shared::RequestItemId,
    name: String,
    sent: u64,
    total: u64,
    outcome: Option<Result<(), String>>,
}

impl Page {
    fn reload(self) {
        if let Some(id) = self.id.get_untracked() {
            spawn_local(async move {
                let fresh = client()
                    .get_request(id)
                    .await
                    .map_err(|e| problems::message(&e));
                self.request.set(Some(fresh));
            });
        }
    }

    fn show(self, request: Request) {
        self.request.set(Some(Ok(request)));
    }

    fn upload_changed(self, index: usize, change: impl FnOnce(&mut UploadRow)) {
        self.uploads.update(|rows| {
            if let Some(row) = rows.get_mut(index) {
                change(row);
            }
        });
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let page = Page {
        id: Memo::new(move |_| {
            params.with(|p| p.get("id").and_then(|i| i.parse::<RequestId>().ok()))
        }),
        request: RwSignal::new(None),
        uploads: RwSignal::new(Vec::new()),
    };
    provide_context(page);
    Effect::new(move |_| {
        page.id.track();
        page.reload();
    });
    move || match page.request.get() {
        None => view! { <Loading label="Loading the request…"/> }.into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(Ok(r)) => view! { <RequestView request=r/> }.into_any(),
    }
}

#[component]
fn RequestView(request: Request) -> impl IntoView {
    let page = expect_context::<Page>();
    let session = use_session();
    let me = session.me.get_untracked();
    let is_staff = me.as_ref().is_some_and(|m| m.staff_role.is_some());
    let assigned = me
        .as_ref()
        .is_some_and(|m| request.assignees.iter().any(|a| a.id == m.user.id));
    let live = matches!(
        request.status,
        RequestStatus::Open | RequestStatus::Submitted | RequestStatus::ChangesRequested
    );
    let error = RwSignal::new(None::<String>);
    let id = request.id;
    let cancel = move |_| {
        spawn_local(async move {
            match client().cancel_request(id).await {
                Ok(r) => page.show(r),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let due = request.due_on.map(calendar_date);
    view! {
        <p><A href="/requests">"← All requests"</A></p>
        <h1>{request.title.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Organisation"</dt><dd>{request.organization_name.clone()}</dd>
                <dt>"Status"</dt><dd><span class=format!("status status-{}", request.status.as_str()) data-testid="request-status">{status_label(request.status)}</span></dd>
                {due.map(|d| view! { <dt>"Due"</dt><dd>{d} {request.overdue.then_some(" (overdue)")}</dd> })}
                <dt>"Progress"</dt><dd>{format!("{} of {} done", request.progress.done, request.progress.total)}</dd>
                <dt>"Asked of"</dt><dd>{request.assignees.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", ")}</dd>
            </dl>
            {request.instructions.clone().map(|i| view! { <p class="instructions">{i}</p> })}
            <ErrorMessage message=error/>
            {(is_staff && live).then(|| view! {
                <button type="button" class="button danger" on:click=cancel>"Cancel the request"</button>
            })}
        </section>
        <ol class="items">
            {request.items.iter().cloned().map(|item| {
                // Files can be added and answers corrected until review; a signature or a
                // decision is given once, unless staff ask for changes.
                let open_again = matches!(item.status, ItemStatus::Pending | ItemStatus::ChangesRequested);
                let can_answer = assigned && live && match item.kind {
                    ItemKind::Sign | ItemKind::Approve => open_again,
                    ItemKind::Upload | ItemKind::Question => item.status != ItemStatus::Accepted,
                };
                let can_review = is_staff && live && item.status == ItemStatus::Submitted;
                view! { <ItemView request=id item=item can_answer=can_answer can_review=can_review/> }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn ItemView(
    request: RequestId,
    item: RequestItem,
    can_answer: bool,
    can_review: bool,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let title_id = format!("item-{}", item.id);
    let labelled_by = title_id.clone();
    let signed = matches!(item.response, Some(ItemResponse::Sign { .. }));
    let item_id = item.id;
    let certificate = move |_| {
        spawn_local(async move {
            match client().signature_certificate(request, item_id).await {
                Ok(html) => save_as("signature-certificate.html", &html),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <li class="card item" aria-labelledby=labelled_by>
            <div class="card-head">
                <h2 id=title_id>{item.title.clone()}</h2>
                <span class=format!("status status-{}", item.status.as_str())>{item_status_label(item.status)}</span>
            </div>
            <p class="muted">{kind_label(item.kind)}</p>
            {item.description.clone().map(|d| view! { <p>{d}</p> })}
            {item.review_comment.clone().filter(|_| item.status == ItemStatus::ChangesRequested).map(|c| view! {
                <p class="notice" role="status"><strong>"Changes requested: "</strong>{c}</p>
            })}
            <Answered item=item.clone()/>
            {signed.then(|| view! {
                <button type="button" class="button secondary" on:click=certificate>"Download the signature certificate"</button>
            })}
            <ErrorMessage message=error/>
            {can_answer.then(|| match item.kind {
                ItemKind::Upload => view! { <UploadAnswer request=request item=item.clone()/> }.into_any(),
                ItemKind::Approve => view! { <ApproveAnswer request=request item=item.clone()/> }.into_any(),
                ItemKind::Sign => view! { <SignAnswer request=request item=item.clone()/> }.into_any(),
                ItemKind::Question => view! { <QuestionAnswer request=request item=item.clone()/> }.into_any(),
            })}
            {can_review.then(|| view! { <Review request=request item=item.clone()/> })}
        </li>
    }
}

/// Offers `text` as a download named `name` (an HTML page).
fn save_as(name: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/html");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(link) = document
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// What was given for an item, for everyone who sees the request.
#[component]
fn Answered(item: RequestItem) -> impl IntoView {
    let by = item
        .submitted_by
        .clone()
        .map(|p| p.name)
        .unwrap_or_default();
    let when = item.submitted_at.map(local_time).unwrap_or_default();
    let response = item.response.clone();
    let target = item.document_id;
    let version = item.document_version;
    // Approve and sign items name the exact version asked about, with its fingerprint.
    let bound = version.zip(item.document_sha256.clone()).map(|(v, sha)| view! {
        <p class="muted bound-version">{format!("Version {v} · SHA-256 ")}<code class="hash">{sha}</code></p>
    });
    view! {
        {target.map(|doc| view! { <DocumentLink id=doc version=version label="Open the document"/> })}
        {bound}
        {response.map(|r| {
            let what = match r {
                ItemResponse::Upload { document_ids } => view! {
                    <ul class="answer">{document_ids.into_iter().map(|d| view! { <li><DocumentLink id=d label="View the uploaded file"/></li> }).collect_view()}</ul>
                }.into_any(),
                ItemResponse::Approve { approved, comment } => view! {
                    <p class="answer">{if approved { "Approved" } else { "Rejected" }}{comment.map(|c| format!(": {c}"))}</p>
                }.into_any(),
                ItemResponse::Sign { signature } => view! {
                    <p class="answer">{format!("Signed as “{}” on {} (SHA-256 {}…)", signature.typed_name, local_time(signature.signed_at), &signature.sha256[..12])}</p>
                }.into_any(),
                ItemResponse::Question { answers } => view! {
                    <dl class="facts answer">{answers.0.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
                }.into_any(),
            };
            view! { {what}<p class="muted">{format!("By {by}, {when}")}</p> }
        })}
    }
}

/// A document's name, which opens it in a new tab through a short-lived file link.
#[component]
fn DocumentLink(
    id: portico_shared::DocumentId,
    label: &'static str,
    /// A particular version (default: the current one).
    #[prop(default = None)]
    version: Option<i32>,
) -> impl IntoView {
    let name = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(doc) = client().get_document(id).await {
            name.set(Some(doc.name));
        }
    });
    let open = move |_| {
        spawn_local(async move {
            let which = CreateFileLink {
                version,
                ..Default::default()
            };
            if let Ok(link) = client().create_file_link(id, &which).await
                && let Some(window) = web_sys::window()
            {
                let _ = window.open_with_url_and_target(&link.url, "_blank");
            }
        });
    };
    view! {
        <button type="button" class="link" on:click=open>
            {move || name.get().map(|n| format!("{label}: {n}")).unwrap_or_else(|| label.to_string())}
        </button>
    }
}

/// Drop files (or choose them) for an upload item: each with its progress bar.
#[component]
fn UploadAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let item_id = item.id;
    let start = move |files: Vec<web_sys::File>| {
        for file in files {
            let index = page.uploads.with_untracked(Vec::len);
            page.uploads.update(|rows| {
                rows.push(UploadRow {
                    item: item_id,
                    name: file.name(),
                    sent: 0,
                    total: file.size() as u64,
                    outcome: None,
                })
            });
            let body = file_body(&file, move |loaded, _| {
                page.upload_changed(index, |row| row.sent = loaded)
            });
            spawn_local(async move {
                let result = client()
                    .upload_item(request, item_id, &file.name(), body)
                    .await
                    .map_err(|e| problems::message(&e));
                let fresh = result.as_ref().ok().cloned();
                page.upload_changed(index, |row| row.outcome = Some(result.map(|_| ())));
                if let Some(fresh) = fresh {
                    page.show(fresh);
                }
            });
        }
    };
    let input_id = format!("files-{item_id}");
    let accepts = if item.accepted_types.is_empty() {
        String::new()
    } else {
        format!("Accepted: {}", item.accepted_types.join(", "))
    };
    view! {
        <div class="drop-zone" data-testid=format!("drop-{}", item.title)
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); start(dropped_files(&ev)); }>
            <p>"Drag the file here, or"</p>
            <label class="button secondary" for=input_id.clone()>{format!("Choose a file for {}", item.title)}</label>
            <input id=input_id class="visually-hidden" type="file" multiple=true accept=item.accepted_types.join(",")
                on:change=move |ev| start(chosen_files(&ev))/>
            <p class="hint">{accepts}</p>
        </div>
        <ul class="uploads">
            {move || page.uploads.get().into_iter().filter(|u| u.item == item_id).map(|row| view! {
                <li>
                    <span class="upload-name">{row.name.clone()}</span>
                    <progress max=row.total value=row.sent aria-label=format!("Uploading {}", row.name)></progress>
                    {match row.outcome {
                        None => view! { <span class="muted">"Uploading…"</span> }.into_any(),
                        Some(Ok(())) => view! { <span class="ok">"Uploaded"</span> }.into_any(),
                        Some(Err(m)) => view! { <span class="error" role="alert">{m}</span> }.into_any(),
                    }}
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn ApproveAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let item_id = item.id;
    let decide = move |approved: bool| {
        let comment = comment.get_untracked();
        spawn_local(async move {
            let body = ApproveItem {
                approved,
                comment: (!comment.trim().is_empty()).then_some(comment),
            };
            match client().approve_item(request, item_id, &body).await {
                Ok(r) => page.show(r),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <TextField id=format!("comment-{item_id}") label="Comment (needed to reject)" value=comment/>
        <ErrorMessage message=error/>
        <div class="actions-row">
            <button type="button" class="button primary" on:click=move |_| decide(true)>"Approve"</button>
            <button type="button" class="button danger" on:click=move |_| decide(false)>"Reject"</button>
        </div>
    }
}

#[component]
fn SignAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let typed = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let item_id = item.id;
    let consent_text = item.consent_text.clone().unwrap_or_else(|| {
        "I agree that typing my name below is my electronic signature on this document, with \
         the same effect as a handwritten one, and that I have read the document."
            .into()
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = SignItem {
            typed_name: typed.get_untracked(),
            consent: consent.get_untracked(),
        };
        spawn_local(async move {
            match client().sign_item(request, item_id, &body).await {
                Ok(r) => page.show(r),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <form class="sign-form" on:submit=submit>
            <blockquote class="consent">{consent_text}</blockquote>
            <label class="check">
                <input type="checkbox" prop:checked=move || consent.get() on:change=move |ev| consent.set(event_target_checked(&ev))/>
                " I accept"
            </label>
            <TextField id=format!("typed-name-{item_id}") label="Type your full name to sign" value=typed required=true autocomplete="name"/>
            <ErrorMessage message=error/>
            <button type="submit" class="button primary">"Sign"</button>
        </form>
    }
}

#[component]
fn QuestionAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let previous = match &item.response {
        Some(ItemResponse::Question { answers }) => answers.0.clone(),
        _ => Default::default(),
    };
    let fields: Vec<(portico_shared::requests::Question, RwSignal<String>)> = item
        .questions
        .iter()
        .map(|q| {
            (
                q.clone(),
                RwSignal::new(previous.get(&q.key).cloned().unwrap_or_default()),
            )
        })
        .collect();
    let error = RwSignal::new(None::<String>);
    let item_id = item.id;
    let values = fields.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let answers = values
            .iter()
            .map(|(q, v)| (q.key.clone(), v.get_untracked()))
            .collect();
        spawn_local(async move {
            match client()
                .answer_item(
                    request,
                    item_id,
                    &AnswerItem {
                        answers: Answers(answers),
                    },
                )
                .await
            {
                Ok(r) => page.show(r),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <form on:submit=submit>
            {fields.into_iter().map(|(q, value)| {
                let id = format!("q-{item_id}-{}", q.key);
                let label = if q.required { format!("{} (required)", q.label) } else { q.label.clone() };
                let input = match q.kind {
                    QuestionKind::Text | QuestionKind::Date => view! {
                        <input id=id.clone() type=if q.kind == QuestionKind::Date { "date" } else { "text" }
                            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                    }.into_any(),
                    QuestionKind::Choice | QuestionKind::YesNo => {
                        let choices = if q.kind == QuestionKind::YesNo {
                            vec!["yes".to_string(), "no".to_string()]
                        } else {
                            q.choices.clone()
                        };
                        view! {
                            <select id=id.clone() on:change=move |ev| value.set(event_target_value(&ev))>
                                <option value="">"Choose…"</option>
                                {choices.into_iter().map(|c| view! { <option value=c.clone() selected=value.get_untracked() == c>{c.clone()}</option> }).collect_view()}
                            </select>
                        }.into_any()
                    }
                };
                view! { <div class="field"><label for=id>{label}</label>{input}</div> }
            }).collect_view()}
            <ErrorMessage message=error/>
            <button type="submit" class="button primary">"Send the answers"</button>
        </form>
    }
}

#[component]
fn Review(request: RequestId, item: RequestItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let item_id = item.id;
    let decide = move |decision: ReviewDecision| {
        let comment = comment.get_untracked();
        spawn_local(async move {
            let body = ReviewItem {
                decision,
                comment: (!comment.trim().is_empty()).then_some(comment),
            };
            match client().review_item(request, item_id, &body).await {
                Ok(r) => page.show(r),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <div class="review">
            <TextField id=format!("review-{item_id}") label="Comment for the client (needed to ask for changes)" value=comment/>
            <ErrorMessage message=error/>
            <div class="actions-row">
                <button type="button" class="button primary" on:click=move |_| decide(ReviewDecision::Accept)>
                    {format!("Accept {}", item.title)}
                </button>
                <button type="button" class="button secondary" on:click=move |_| decide(ReviewDecision::RequestChanges)>"Ask for changes"</button>
            </div>
        </div>
    }
}

/// One item being built.
#[derive(Clone)]
struct Draft {
    key: usize,
    kind: RwSignal<ItemKind>,
    title: RwSignal<String>,
    document: RwSignal<String>,
    pdf_only: RwSignal<bool>,
    question: RwSignal<String>,
    answer_kind: RwSignal<QuestionKind>,
    choices: RwSignal<String>,
}

impl Draft {
    fn new(key: usize) -> Self {
        Draft {
            key,
            kind: RwSignal::new(ItemKind::Upload),
            title: RwSignal::new(String::new()),
            document: RwSignal::new(String::new()),
            pdf_only: RwSignal::new(false),
            question: RwSignal::new(String::new()),
            answer_kind: RwSignal::new(QuestionKind::Text),
            choices: RwSignal::new(String::new()),
        }
    }

    fn item(&self) -> NewItem {
        let kind = self.kind.get_untracked();
        let needs_document = matches!(kind, ItemKind::Approve | ItemKind::Sign);
        NewItem {
            kind,
            title: self.title.get_untracked(),
            description: None,
            accepted_types: if kind == ItemKind::Upload && self.pdf_only.get_untracked() {
                vec!["application/pdf".into()]
            } else {
                vec![]
            },
            document_id: needs_document
                .then(|| self.document.get_untracked().parse().ok())
                .flatten(),
            questions: if kind == ItemKind::Question {
                let answer_kind = self.answer_kind.get_untracked();
                vec![portico_shared::requests::Question {
                    key: "answer".into(),
                    label: self.question.get_untracked(),
                    kind: answer_kind,
                    choices: if answer_kind == QuestionKind::Choice {
                        self.choices
                            .get_untracked()
                            .split(',')
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .map(str::to_string)
                            .collect()
                    } else {
                        vec![]
                    },
                    required: true,
                }]
            } else {
                vec![]
            },
            consent_text: None,
        }
    }
}

fn answer_kind_of(value: &str) -> QuestionKind {
    match value {
        "yes_no" => QuestionKind::YesNo,
        "date" => QuestionKind::Date,
        "choice" => QuestionKind::Choice,
        _ => QuestionKind::Text,
    }
}

fn kind_of(value: &str) -> ItemKind {
    match value {
        "approve" => ItemKind::Approve,
        "sign" => ItemKind::Sign,
        "question" => ItemKind::Question,
        _ => ItemKind::Upload,
    }
}

/// Staff build a request for one organisation: title, instructions, due date and items.
#[component]
pub fn NewRequestPage() -> impl IntoView {
    let params = use_params_map();
    let org = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<OrganizationId>().ok()))
    });
    let organization = RwSignal::new(None::<Organization>);
    let documents = RwSignal::new(Vec::<Document>::new());
    Effect::new(move |_| {
        if let Some(id) = org.get() {
            spawn_local(async move {
                if let Ok(o) = client().get_organization(id).await {
                    organization.set(Some(o));
                }
                // Documents to sign or approve: those at the top of the organisation's documents.
                if let Ok(page) = client()
                    .list_documents(id, &DocumentFilter::default(), None)
                    .await
                {
                    documents.set(page.items);
                }
            });
        }
    });
    let title = RwSignal::new(String::new());
    let instructions = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let drafts = RwSignal::new(vec![Draft::new(0)]);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(id) = org.get_untracked() else {
            return;
        };
        let body = CreateRequest {
            title: title.get_untracked(),
            instructions: Some(instructions.get_untracked()).filter(|i| !i.trim().is_empty()),
            due_on: due.get_untracked().parse().ok(),
            assignee_ids: vec![],
            items: drafts.get_untracked().iter().map(Draft::item).collect(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match client().create_request(id, &body).await {
                Ok(r) => navigate(&format!("/requests/{}", r.id), Default::default()),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <h1>"New request" {move || organization.get().map(|o| format!(" for {}", o.name))}</h1>
        <form class="card" on:submit=submit>
            <TextField id="request-title" label="Title" value=title required=true/>
            <div class="field">
                <label for="request-instructions">"Instructions"</label>
                <textarea id="request-instructions" rows="3" prop:value=move || instructions.get()
                    on:input=move |ev| instructions.set(event_target_value(&ev))></textarea>
            </div>
            <TextField id="request-due" label="Due date" kind="date" value=due/>
            <p class="hint">"Every active contact of the organisation is asked and gets an email; reminders go two days before the due date and the day after it."</p>
            <ol class="draft-items">
                <For each=move || drafts.get() key=|d| d.key let:draft>
                    <DraftItem draft=draft documents=documents/>
                </For>
            </ol>
            <button type="button" class="button secondary" on:click=move |_| drafts.update(|d| { let key = d.len(); d.push(Draft::new(key)); })>
                "Add an item"
            </button>
            <ErrorMessage message=error/>
            <button type="submit" class="button primary">"Send the request"</button>
        </form>
    }
}

#[component]
fn DraftItem(draft: Draft, documents: RwSignal<Vec<Document>>) -> impl IntoView {
    let n = draft.key + 1;
    let kind = draft.kind;
    view! {
        <li class="draft-item">
            <div class="field">
                <label for=format!("item-kind-{n}")>{format!("Item {n}: kind")}</label>
                <select id=format!("item-kind-{n}") on:change=move |ev| kind.set(kind_of(&event_target_value(&ev)))>
                    <option value="upload">"Upload a document"</option>
                    <option value="sign">"Sign a document"</option>
                    <option value="approve">"Approve a document"</option>
                    <option value="question">"Answer a question"</option>
                </select>
            </div>
            <TextField id=format!("item-title-{n}") label="What is asked" value=draft.title required=true/>
            <Show when=move || kind.get() == ItemKind::Upload>
                <label class="check">
                    <input type="checkbox" prop:checked=move || draft.pdf_only.get() on:change=move |ev| draft.pdf_only.set(event_target_checked(&ev))/>
                    " PDF only"
                </label>
            </Show>
            <Show when=move || matches!(kind.get(), ItemKind::Sign | ItemKind::Approve)>
                <div class="field">
                    <label for=format!("item-document-{n}")>"Document"</label>
                    <select id=format!("item-document-{n}") on:change=move |ev| draft.document.set(event_target_value(&ev))>
                        <option value="">"Choose a document…"</option>
                        {move || documents.get().into_iter().map(|d| view! { <option value=d.id.to_string()>{d.name}</option> }).collect_view()}
                    </select>
                </div>
            </Show>
            <Show when=move || kind.get() == ItemKind::Question>
                <TextField id=format!("item-question-{n}") label="The question" value=draft.question/>
                <div class="field">
                    <label for=format!("item-answer-kind-{n}")>"Answer"</label>
                    <select id=format!("item-answer-kind-{n}") on:change=move |ev| draft.answer_kind.set(answer_kind_of(&event_target_value(&ev)))>
                        <option value="text">"Text"</option>
                        <option value="yes_no">"Yes or no"</option>
                        <option value="date">"A date"</option>
                        <option value="choice">"One of several choices"</option>
                    </select>
                </div>
                <Show when=move || draft.answer_kind.get() == QuestionKind::Choice>
                    <TextField id=format!("item-choices-{n}") label="Choices, separated by commas" value=draft.choices/>
                </Show>
            </Show>
        </li>
    }
}

/// Templates: save one, send one to several organisations, delete one.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = RwSignal::new(Vec::<RequestTemplate>::new());
    let organizations = RwSignal::new(Vec::<Organization>::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match client().list_templates().await {
                Ok(page) => templates.set(page.items),
                Err(e) => error.set(Some(problems::message(&e))),
            }
            if let Ok(page) = client().list_organizations(Some(100), None).await {
                organizations.set(page.items);
            }
        });
    };
    load();
    let name = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let days = RwSignal::new("30".to_string());
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = CreateTemplate {
            name: name.get_untracked(),
            title: title.get_untracked(),
            instructions: None,
            due_in_days: days.get_untracked().trim().parse().ok(),
            items: items
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| NewItem {
                    kind: ItemKind::Upload,
                    title: l.into(),
                    description: None,
                    accepted_types: vec![],
                    document_id: None,
                    questions: vec![],
                    consent_text: None,
                })
                .collect(),
        };
        spawn_local(async move {
            match client().create_template(&body).await {
                Ok(_) => {
                    name.set(String::new());
                    title.set(String::new());
                    items.set(String::new());
                    load();
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <h1>"Request templates"</h1>
        <ErrorMessage message=error/>
        <Show when=move || notice.get().is_some()>
            <p class="notice" role="status">{move || notice.get().unwrap_or_default()}</p>
        </Show>
        <section class="card" aria-labelledby="templates-title">
            <h2 id="templates-title">"Templates"</h2>
            <Show when=move || templates.with(Vec::is_empty)><p class="empty">"No templates yet."</p></Show>
            <ul class="template-list">
                {move || templates.get().into_iter().map(|t| view! {
                    <TemplateRow template=t organizations=organizations notice=notice error=error reload=Callback::new(move |_| load())/>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="new-template-title">
            <h2 id="new-template-title">"New template"</h2>
            <form on:submit=create>
                <TextField id="template-name" label="Template name" value=name required=true placeholder="Tax season checklist"/>
                <TextField id="template-title" label="Request title" value=title required=true/>
                <TextField id="template-days" label="Due after (days)" kind="number" value=days/>
                <div class="field">
                    <label for="template-items">"Documents to ask for, one per line"</label>
                    <textarea id="template-items" rows="4" prop:value=move || items.get()
                        on:input=move |ev| items.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="button primary">"Save the template"</button>
            </form>
        </section>
    }
}

#[component]
fn TemplateRow(
    template: RequestTemplate,
    organizations: RwSignal<Vec<Organization>>,
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<OrganizationId>::new());
    let id = template.id;
    let send = move |_| {
        let body = SendTemplate {
            organization_ids: chosen.get_untracked(),
            due_on: None,
        };
        spawn_local(async move {
            match client().send_template(id, &body).await {
                Ok(sent) => {
                    notice.set(Some(format!("Sent to {} organisation(s).", sent.len())));
                    chosen.set(Vec::new());
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match client().delete_template(id).await {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let name = template.name.clone();
    view! {
        <li class="template">
            <strong>{template.name.clone()}</strong>
            <span class="muted">{format!(" — {} item(s)", template.items.len())}</span>
            <fieldset class="scope-picker">
                <legend>{format!("Send {name} to")}</legend>
                {move || organizations.get().into_iter().map(|o| {
                    let oid = o.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || chosen.get().contains(&oid)
                                on:change=move |ev| chosen.update(|c| if event_target_checked(&ev) { c.push(oid) } else { c.retain(|x| *x != oid) })/>
                            {format!(" {}", o.name)}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="actions-row">
                <button type="button" class="button primary" on:click=send>"Send"</button>
                <button type="button" class="button danger" on:click=remove>"Delete"</button>
            </div>
        </li>
    }
}
