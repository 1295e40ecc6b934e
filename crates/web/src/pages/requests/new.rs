//! `/staff/organizations/:id/requests/new`: staff build a request for one organisation —
//! title, instructions, due date and items.

use crate::components::form::{TextField, given};
use crate::remote::{ActionError, Failed, act, load};
use crate::session::client;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use portico_shared::OrganizationId;
use portico_shared::documents::{Document, DocumentFilter};
use portico_shared::requests::{CreateRequest, ItemKind, NewItem, QuestionKind};

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
    let found = move || {
        org.get()
            .ok_or_else(|| Failed::new("We could not find that."))
    };
    let organization = load(move || {
        let id = found();
        async move { Ok(client().get_organization(id?).await?) }
    });
    // Documents to sign or approve: those at the top of the organisation's documents.
    let documents = load(move || {
        let id = found();
        async move {
            let page = client()
                .list_documents(id?, &DocumentFilter::default(), None)
                .await?;
            Ok(page.items)
        }
    });
    let documents =
        Signal::derive(move || documents.get().and_then(Result::ok).unwrap_or_default());
    let title = RwSignal::new(String::new());
    let instructions = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let drafts = RwSignal::new(vec![Draft::new(0)]);
    let navigate = use_navigate();
    let send = act(move |body: CreateRequest| {
        let navigate = navigate.clone();
        async move {
            let request = client()
                .create_request(
                    org.get_untracked()
                        .ok_or_else(|| Failed::new("We could not find that."))?,
                    &body,
                )
                .await?;
            navigate(&format!("/requests/{}", request.id), Default::default());
            Ok(())
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send.dispatch(CreateRequest {
            title: title.get_untracked(),
            instructions: given(instructions.get_untracked()),
            due_on: due.get_untracked().parse().ok(),
            assignee_ids: vec![],
            items: drafts.get_untracked().iter().map(Draft::item).collect(),
        });
    };
    view! {
        <h1>"New request" {move || organization.get().and_then(Result::ok).map(|o| format!(" for {}", o.name))}</h1>
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
            <ActionError action=send/>
            <button type="submit" class="button primary" disabled=send.pending()>"Send the request"</button>
        </form>
    }
}

#[component]
fn DraftItem(draft: Draft, documents: Signal<Vec<Document>>) -> impl IntoView {
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
