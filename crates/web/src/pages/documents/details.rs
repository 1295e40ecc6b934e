//! One document's details: facts, preview, download, versions, who viewed it; for staff also
//! delete and restore, rename, move and publish to other organisations.

use super::{Browser, human_size};
use crate::components::form::{OrganizationPicker, TextField, organization_choices};
use crate::components::upload::{chosen_files, file_body};
use crate::dates::local_time;
use crate::remote::{ActionError, ActionSaid, Failed, act, load};
use crate::session::client;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::OrganizationId;
use portico_shared::documents::{
    AccessEntry, AccessKind, CreateFileLink, Document, PublishDocument, UpdateDocument,
};
use send_wrapper::SendWrapper;

fn previewable(content_type: &str) -> bool {
    content_type == "application/pdf"
        || content_type == "text/plain"
        || (content_type.starts_with("image/") && content_type != "image/tiff")
}

fn access_line(entry: &AccessEntry) -> String {
    let what = match entry.kind {
        AccessKind::View => "Viewed",
        AccessKind::Download => "Downloaded",
    };
    let mut line = format!("{what} by {}, {}", entry.name, local_time(entry.at));
    if entry.version > 1 {
        line.push_str(&format!(" (version {})", entry.version));
    }
    if let Some(ip) = &entry.ip {
        line.push_str(&format!(" from {ip}"));
    }
    line
}

/// What is done to the document from its details; each may leave it changed (shown again),
/// gone from the list, or say something.
#[derive(Clone)]
enum Change {
    Delete,
    Restore,
    NewVersion(SendWrapper<web_sys::File>),
    Update(UpdateDocument),
    Publish(PublishDocument),
}

type ChangeDocument = Action<Change, Result<Option<String>, Failed>>;

fn change_document(browser: Browser, doc: &Document) -> ChangeDocument {
    let id = doc.id;
    act(move |change: Change| async move {
        let client = client();
        let stays = match change {
            Change::Delete => {
                client.delete_document(id).await?;
                None
            }
            Change::Restore => {
                client.restore_document(id).await?;
                None
            }
            Change::NewVersion(file) => Some(
                client
                    .upload_version(id, file_body(&file, |_, _| {}))
                    .await?,
            ),
            Change::Update(body) => Some(client.update_document(id, &body).await?),
            Change::Publish(body) => {
                let copies = client.publish_document(id, &body).await?;
                return Ok(Some(format!(
                    "Published to {} organisation(s).",
                    copies.len()
                )));
            }
        };
        browser.selected.set(stays);
        browser.reload();
        Ok(None)
    })
}

#[component]
pub(super) fn Details(browser: Browser, doc: Document) -> impl IntoView {
    let id = doc.id;
    let versions = load(move || async move { Ok(client().list_versions(id).await?) });
    let log = load(move || async move { Ok(client().access_log(id, None).await?.items) });
    let preview = RwSignal::new(None::<String>);
    // A short-lived file link: a preview shown here, or a download (of a version), which goes
    // through the browser's own download handling.
    let open = act(move |(download, version): (bool, Option<i32>)| async move {
        let which = CreateFileLink { version, download };
        let link = client().create_file_link(id, &which).await?;
        if !download {
            preview.set(Some(link.url));
        } else if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(&link.url);
        }
        Ok(())
    });
    let change = change_document(browser, &doc);
    let new_version = move |ev: leptos::ev::Event| {
        for file in chosen_files(&ev) {
            change.dispatch(Change::NewVersion(SendWrapper::new(file)));
        }
    };
    let kind = doc.content_type.clone();
    let deleted = doc.deleted_at.is_some();
    let is_staff = browser.is_staff;
    let doc_for_manage = doc.clone();
    view! {
        <section class="card document-details" aria-labelledby="details-title">
            <div class="card-head">
                <h2 id="details-title">{doc.name.clone()}</h2>
                <button type="button" class="button secondary" on:click=move |_| browser.selected.set(None)>"Close"</button>
            </div>
            <ActionError action=open/>
            <ActionError action=change/>
            <dl class="facts">
                <dt>"Type"</dt><dd>{doc.content_type.clone()}</dd>
                <dt>"Size"</dt><dd>{human_size(doc.size)}</dd>
                <dt>"Version"</dt><dd>{doc.version}</dd>
                <dt>"Uploaded by"</dt><dd>{format!("{}, {}", doc.uploaded_by_name, local_time(doc.updated_at))}</dd>
                <dt>"SHA-256"</dt><dd class="mono">{doc.sha256.clone()}</dd>
                {doc.purge_at.map(|at| view! { <dt>"In the bin until"</dt><dd>{local_time(at)}</dd> })}
            </dl>
            <div class="actions">
                {(!deleted && previewable(&kind)).then(|| view! {
                    <button type="button" class="button secondary" on:click=move |_| { open.dispatch((false, None)); }>"Preview"</button>
                })}
                <button type="button" class="button primary" on:click=move |_| { open.dispatch((true, None)); }>"Download"</button>
                {(!deleted).then(|| view! {
                    <label class="button secondary" for="version-file">"Upload a new version"</label>
                    <input id="version-file" class="visually-hidden" type="file" on:change=new_version/>
                })}
                <Show when=move || is_staff.get() && !deleted>
                    <button type="button" class="button danger" on:click=move |_| { change.dispatch(Change::Delete); }>"Delete"</button>
                </Show>
                <Show when=move || is_staff.get() && deleted>
                    <button type="button" class="button primary" on:click=move |_| { change.dispatch(Change::Restore); }>"Restore"</button>
                </Show>
            </div>
            <Show when=move || is_staff.get() && !deleted>
                <Manage browser=browser doc=doc_for_manage.clone() change/>
            </Show>
            {move || preview.get().map(|url| if kind.starts_with("image/") {
                // Opening it is a view: the log shows it once it has loaded.
                view! { <img class="preview" src=url alt=format!("Preview of {}", doc.name)
                    on:load=move |_| log.refetch()/> }.into_any()
            } else {
                view! { <iframe class="preview" src=url title=format!("Preview of {}", doc.name)
                    on:load=move |_| log.refetch()></iframe> }.into_any()
            })}
            <h3>"Versions"</h3>
            <ul class="versions">
                {move || versions.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|v| {
                    let number = v.version;
                    view! {
                        <li>
                            {format!("Version {} — {}, {} by {}", v.version, human_size(v.size), local_time(v.uploaded_at), v.uploaded_by_name)}
                            " "
                            <button type="button" class="link" on:click=move |_| { open.dispatch((true, Some(number))); }
                                aria-label=format!("Download version {number}")>"Download"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>"Who viewed it"</h3>
            {move || {
                let entries = log.get().and_then(Result::ok).unwrap_or_default();
                if entries.is_empty() {
                    view! { <p class="muted">"Nobody has opened it yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="access-log">
                            {entries.iter().map(|e| view! { <li>{access_line(e)}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Staff: rename a document, move it to the top level or a folder shown here, or publish it to
/// other organisations.
#[component]
fn Manage(browser: Browser, doc: Document, change: ChangeDocument) -> impl IntoView {
    let name = RwSignal::new(doc.name.clone());
    let target = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<OrganizationId>::new());
    let own = doc.organization_id;
    let all = organization_choices();
    let organizations = Signal::derive(move || {
        let mut others = all.get();
        others.retain(|o| o.id != own);
        others
    });
    let rename = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(Change::Update(UpdateDocument {
            name: Some(name.get_untracked()),
            ..Default::default()
        }));
    };
    let move_to = move |_| {
        let to = target.get_untracked();
        let folder = if to.is_empty() { None } else { to.parse().ok() };
        change.dispatch(Change::Update(UpdateDocument {
            folder_id: Some(folder),
            ..Default::default()
        }));
    };
    let publish = move |_| {
        change.dispatch(Change::Publish(PublishDocument {
            organization_ids: chosen.get_untracked(),
        }));
    };
    let published = move || change.value().get().and_then(Result::ok).flatten();
    Effect::new(move || {
        if published().is_some() {
            chosen.set(Vec::new());
        }
    });
    view! {
        <details class="manage">
            <summary>"Rename, move or publish"</summary>
            <form class="toolbar" on:submit=rename>
                <TextField id="rename-document" label="Name" class="grow" value=name required=true/>
                <button type="submit" class="button secondary">"Rename"</button>
            </form>
            <div class="toolbar">
                <div class="field grow">
                    <label for="move-document">"Move to"</label>
                    <select id="move-document" on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value="">"All documents (top level)"</option>
                        {move || browser.shown(|l| l.crumbs.clone()).into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                        {move || browser.shown(|l| l.folders.clone()).into_iter().map(|f| view! { <option value=f.id.to_string()>{f.name}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="button secondary" on:click=move_to>"Move"</button>
            </div>
            <OrganizationPicker legend="Publish a copy to" organizations chosen/>
            <button type="button" class="button secondary" on:click=publish>"Publish"</button>
            <ActionSaid action=change/>
        </details>
    }
}
