//! `/requests/:id`: one request. A contact fulfils each item in one step (drop the files,
//! approve, sign, answer); staff accept items or ask for changes, and may cancel the request.

use super::{item_status_label, kind_label, status_label};
use crate::components::form::{TextField, given};
use crate::components::upload::{chosen_files, dropped_files, file_body};
use crate::dates::{calendar_date, local_time};
use crate::remote::{ActionError, Failed, Loaded, act, load};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portico_shared::documents::CreateFileLink;
use portico_shared::requests::{
    AnswerItem, Answers, ApproveItem, ItemKind, ItemResponse, ItemStatus, QuestionKind, Request,
    RequestItem, RequestStatus, ReviewDecision, ReviewItem, SignItem,
};
use portico_shared::{RequestId, RequestItemId};

/// The request page's state, owned by the page (the request's view is rebuilt whenever the
/// request changes; nothing it creates may outlive that): the request, and the files being
/// uploaded, so each progress bar stays to the end.
#[derive(Clone, Copy)]
struct Page {
    request: LocalResource<Result<Request, Failed>>,
    uploads: RwSignal<Vec<UploadRow>>,
}

#[derive(Clone, PartialEq)]
struct UploadRow {
    item: RequestItemId,
    name: String,
    sent: u64,
    total: u64,
    outcome: Option<Result<(), String>>,
}

impl Page {
    /// Shows the request as a change left it.
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

/// An item's change, answered with the request as it now is.
fn change_item<I: Clone + 'static, Fut>(
    run: impl Fn(I) -> Fut + 'static,
) -> Action<I, Result<(), Failed>>
where
    Fut: Future<Output = Result<Request, portico_shared::client::ClientError>> + 'static,
{
    let page = expect_context::<Page>();
    act(move |input: I| {
        let call = run(input);
        async move {
            page.show(call.await?);
            Ok(())
        }
    })
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let request = load(move || {
        let id = params.with(|p| p.get("id").and_then(|i| i.parse::<RequestId>().ok()));
        async move {
            let id = id.ok_or_else(|| Failed::new("We could not find that."))?;
            Ok(client().get_request(id).await?)
        }
    });
    provide_context(Page {
        request,
        uploads: RwSignal::new(Vec::new()),
    });
    view! {
        <Loaded data=request loading="Loading the request…" let:r>
            <RequestView request=r/>
        </Loaded>
    }
}

#[component]
fn RequestView(request: Request) -> impl IntoView {
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
    let id = request.id;
    let cancel = change_item(move |()| async move { client().cancel_request(id).await });
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
            <ActionError action=cancel/>
            {(is_staff && live).then(|| view! {
                <button type="button" class="button danger" on:click=move |_| { cancel.dispatch(()); }>"Cancel the request"</button>
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
    let title_id = format!("item-{}", item.id);
    let labelled_by = title_id.clone();
    let signed = matches!(item.response, Some(ItemResponse::Sign { .. }));
    let item_id = item.id;
    let certificate = act(move |()| async move {
        let html = client().signature_certificate(request, item_id).await?;
        save_as("signature-certificate.html", &html);
        Ok(())
    });
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
                <button type="button" class="button secondary"
                    on:click=move |_| { certificate.dispatch(()); }>"Download the signature certificate"</button>
            })}
            <ActionError action=certificate/>
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
    let document = load(move || async move { Ok(client().get_document(id).await?) });
    let open = act(move |()| async move {
        let which = CreateFileLink {
            version,
            ..Default::default()
        };
        let link = client().create_file_link(id, &which).await?;
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target(&link.url, "_blank");
        }
        Ok(())
    });
    let name = move || document.get().and_then(Result::ok).map(|d| d.name);
    view! {
        <button type="button" class="link" on:click=move |_| { open.dispatch(()); }>
            {move || name().map(|n| format!("{label}: {n}")).unwrap_or_else(|| label.to_string())}
        </button>
        <ActionError action=open/>
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
            // Not an action: the row and its progress outlive this view, which the answer
            // rebuilds; each upload settles its own row.
            spawn_local(async move {
                let result = client()
                    .upload_item(request, item_id, &file.name(), body)
                    .await
                    .map_err(Failed::from);
                let fresh = result.as_ref().ok().cloned();
                page.upload_changed(index, |row| {
                    row.outcome = Some(result.map(|_| ()).map_err(|f| f.to_string()))
                });
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
    let comment = RwSignal::new(String::new());
    let item_id = item.id;
    let decide = change_item(move |approved: bool| async move {
        let body = ApproveItem {
            approved,
            comment: given(comment.get_untracked()),
        };
        client().approve_item(request, item_id, &body).await
    });
    view! {
        <TextField id=format!("comment-{item_id}") label="Comment (needed to reject)" value=comment/>
        <ActionError action=decide/>
        <div class="actions-row">
            <button type="button" class="button primary" on:click=move |_| { decide.dispatch(true); }>"Approve"</button>
            <button type="button" class="button danger" on:click=move |_| { decide.dispatch(false); }>"Reject"</button>
        </div>
    }
}

#[component]
fn SignAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let item_id = item.id;
    let consent_text = item.consent_text.clone().unwrap_or_else(|| {
        "I agree that typing my name below is my electronic signature on this document, with \
         the same effect as a handwritten one, and that I have read the document."
            .into()
    });
    let sign = change_item(move |body: SignItem| async move {
        client().sign_item(request, item_id, &body).await
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        sign.dispatch(SignItem {
            typed_name: typed.get_untracked(),
            consent: consent.get_untracked(),
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
            <ActionError action=sign/>
            <button type="submit" class="button primary" disabled=sign.pending()>"Sign"</button>
        </form>
    }
}

#[component]
fn QuestionAnswer(request: RequestId, item: RequestItem) -> impl IntoView {
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
    let item_id = item.id;
    let answer = change_item(move |body: AnswerItem| async move {
        client().answer_item(request, item_id, &body).await
    });
    let values = fields.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let answers = values
            .iter()
            .map(|(q, v)| (q.key.clone(), v.get_untracked()))
            .collect();
        answer.dispatch(AnswerItem {
            answers: Answers(answers),
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
            <ActionError action=answer/>
            <button type="submit" class="button primary" disabled=answer.pending()>"Send the answers"</button>
        </form>
    }
}

#[component]
fn Review(request: RequestId, item: RequestItem) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let item_id = item.id;
    let decide = change_item(move |decision: ReviewDecision| async move {
        let body = ReviewItem {
            decision,
            comment: given(comment.get_untracked()),
        };
        client().review_item(request, item_id, &body).await
    });
    view! {
        <div class="review">
            <TextField id=format!("review-{item_id}") label="Comment for the client (needed to ask for changes)" value=comment/>
            <ActionError action=decide/>
            <div class="actions-row">
                <button type="button" class="button primary" on:click=move |_| { decide.dispatch(ReviewDecision::Accept); }>
                    {format!("Accept {}", item.title)}
                </button>
                <button type="button" class="button secondary" on:click=move |_| { decide.dispatch(ReviewDecision::RequestChanges); }>"Ask for changes"</button>
            </div>
        </div>
    }
}
