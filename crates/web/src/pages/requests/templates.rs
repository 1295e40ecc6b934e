//! `/staff/templates`: request templates — save one, send one to several organisations at
//! once, delete one.

use crate::components::form::{OrganizationPicker, TextField, organization_choices};
use crate::remote::{ActionError, ActionSaid, Failed, Loaded, act, load};
use crate::session::client;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::organizations::Organization;
use portico_shared::requests::{CreateTemplate, ItemKind, NewItem, RequestTemplate, SendTemplate};
use portico_shared::{OrganizationId, TemplateId};

/// What staff do with templates; each says what happened when it worked.
#[derive(Clone)]
enum Change {
    Create(CreateTemplate),
    Send(TemplateId, SendTemplate),
    Delete(TemplateId),
}

type ChangeTemplates = Action<Change, Result<Option<String>, Failed>>;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = load(|| async { Ok(client().list_templates().await?.items) });
    let organizations = organization_choices();
    let name = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let days = RwSignal::new("30".to_string());
    let change: ChangeTemplates = act(move |change: Change| async move {
        let client = client();
        let said = match change {
            Change::Create(body) => {
                client.create_template(&body).await?;
                name.set(String::new());
                title.set(String::new());
                items.set(String::new());
                None
            }
            Change::Send(id, body) => {
                let sent = client.send_template(id, &body).await?;
                return Ok(Some(format!("Sent to {} organisation(s).", sent.len())));
            }
            Change::Delete(id) => {
                client.delete_template(id).await?;
                None
            }
        };
        templates.refetch();
        Ok(said)
    });
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(Change::Create(CreateTemplate {
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
        }));
    };
    view! {
        <h1>"Request templates"</h1>
        <ActionError action=change/>
        <ActionSaid action=change/>
        <section class="card" aria-labelledby="templates-title">
            <h2 id="templates-title">"Templates"</h2>
            <Loaded data=templates loading="Loading templates…" let:list>
                {if list.is_empty() {
                    view! { <p class="empty">"No templates yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="template-list">
                            {list.into_iter().map(|template| view! { <TemplateRow template organizations change/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Loaded>
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
                <button type="submit" class="button primary" disabled=change.pending()>"Save the template"</button>
            </form>
        </section>
    }
}

#[component]
fn TemplateRow(
    template: RequestTemplate,
    organizations: Signal<Vec<Organization>>,
    change: ChangeTemplates,
) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<OrganizationId>::new());
    let id = template.id;
    let send = move |_| {
        change.dispatch(Change::Send(
            id,
            SendTemplate {
                organization_ids: chosen.get_untracked(),
                due_on: None,
            },
        ));
    };
    // A template sent clears its choices.
    Effect::new(move || {
        if let Some(Ok(Some(_))) = change.value().get() {
            chosen.set(Vec::new());
        }
    });
    let name = template.name.clone();
    view! {
        <li class="template">
            <strong>{template.name.clone()}</strong>
            <span class="muted">{format!(" — {} item(s)", template.items.len())}</span>
            <OrganizationPicker legend=format!("Send {name} to") organizations chosen/>
            <div class="actions-row">
                <button type="button" class="button primary" on:click=send>"Send"</button>
                <button type="button" class="button danger"
                    on:click=move |_| { change.dispatch(Change::Delete(id)); }>"Delete"</button>
            </div>
        </li>
    }
}
