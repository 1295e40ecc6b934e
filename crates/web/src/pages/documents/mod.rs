//! `/documents`: an organisation's documents — folders with breadcrumbs, search, drag-and-drop
//! uploads of many files with a progress bar each, and for one document its details, preview
//! (PDF, images, text), versions and who viewed or downloaded it. Staff also make folders,
//! choose who sees an upload, delete to the bin and restore. Contacts see their current
//! organisation's documents; staff open an organisation's from its page (`?org=`).

mod details;

use crate::components::form::{TextField, given};
use crate::components::shell::Loading;
use crate::components::upload::{chosen_files, dropped_files, file_body};
use crate::dates::local_time;
use crate::remote::{ActionError, Failed, Loaded, act, load};
use crate::session::{client, use_session};
use details::Details;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use portico_shared::documents::{
    CreateFolder, Document, DocumentFilter, Folder, FolderCrumb, FolderFilter, UpdateFolder,
    UploadParams, Visibility,
};
use portico_shared::{FolderId, OrganizationId};

/// "1.2 MB" for a size in bytes (integer arithmetic: no float formatting in the wasm).
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let (mut unit, mut divisor) = (0, 1000i64);
    while bytes / divisor >= 1000 && unit < UNITS.len() - 1 {
        divisor *= 1000;
        unit += 1;
    }
    let tenths = (bytes.saturating_mul(10) + divisor / 2) / divisor;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// One file being uploaded.
#[derive(Clone)]
struct Upload {
    id: usize,
    name: String,
    sent: RwSignal<u64>,
    total: u64,
    outcome: RwSignal<Option<Result<(), String>>>,
}

/// What one folder (or a search, or the bin) holds.
#[derive(Clone, Default)]
struct Listing {
    documents: Vec<Document>,
    folders: Vec<Folder>,
    /// From the top down to the folder shown.
    crumbs: Vec<FolderCrumb>,
}

async fn listing(
    org: OrganizationId,
    folder: Option<FolderId>,
    search: String,
    bin: bool,
) -> Result<Listing, Failed> {
    let api = client();
    let filter = DocumentFilter {
        folder_id: folder,
        q: given(search),
        deleted: bin.then_some(true),
    };
    let documents = api.list_documents(org, &filter, None).await?.items;
    // A search or the bin lists documents only; a folder also shows its folders.
    let folders = if filter.q.is_none() && !bin {
        api.list_folders(org, &FolderFilter { parent_id: folder }, None)
            .await?
            .items
    } else {
        Vec::new()
    };
    let crumbs = match folder {
        Some(id) => {
            let here = api.get_folder(id).await?;
            let mut crumbs = here.ancestors;
            crumbs.push(FolderCrumb {
                id: here.id,
                name: here.name,
            });
            crumbs
        }
        None => Vec::new(),
    };
    Ok(Listing {
        documents,
        folders,
        crumbs,
    })
}

/// What the page shows: the listing follows the organisation, folder, search and bin.
#[derive(Clone, Copy)]
struct Browser {
    org: Memo<Option<OrganizationId>>,
    folder: Memo<Option<FolderId>>,
    search: RwSignal<String>,
    bin: RwSignal<bool>,
    listing: LocalResource<Result<Listing, Failed>>,
    selected: RwSignal<Option<Document>>,
    is_staff: Memo<bool>,
}

impl Browser {
    fn reload(self) {
        self.listing.refetch();
    }

    /// The last listing read (kept while the next one loads).
    fn shown<T>(self, part: impl Fn(&Listing) -> T) -> T
    where
        T: Default,
    {
        self.listing
            .with(|l| l.as_ref().and_then(|l| l.as_ref().ok()).map(&part))
            .unwrap_or_default()
    }

    /// The address of a folder of this page's organisation (staff keep `?org=`).
    fn href(self, folder: Option<FolderId>) -> String {
        let mut query = Vec::new();
        if self.is_staff.get_untracked()
            && let Some(org) = self.org.get_untracked()
        {
            query.push(format!("org={org}"));
        }
        if let Some(folder) = folder {
            query.push(format!("folder={folder}"));
        }
        if query.is_empty() {
            "/documents".into()
        } else {
            format!("/documents?{}", query.join("&"))
        }
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let is_staff = Memo::new(move |_| session.me.get().is_some_and(|m| m.staff_role.is_some()));
    let org = Memo::new(move |_| {
        if is_staff.get() {
            query.with(|q| q.get("org").and_then(|o| o.parse().ok()))
        } else {
            session.organization.get()
        }
    });
    let folder = Memo::new(move |_| query.with(|q| q.get("folder").and_then(|f| f.parse().ok())));
    let search = RwSignal::new(String::new());
    let bin = RwSignal::new(false);
    let browser = Browser {
        org,
        folder,
        search,
        bin,
        listing: load(move || {
            let (org, folder, search, bin) = (org.get(), folder.get(), search.get(), bin.get());
            async move {
                let org = org.ok_or_else(|| Failed::new("Choose an organisation."))?;
                listing(org, folder, search, bin).await
            }
        }),
        selected: RwSignal::new(None),
        is_staff,
    };
    let org_name = load(move || {
        let org = org.get();
        async move {
            let org = org.ok_or_else(|| Failed::new("Choose an organisation."))?;
            Ok(client().get_organization(org).await?.name)
        }
    });

    // A transition around the whole page: what the breadcrumbs, the folder's form and the
    // details read from the listing stays on screen while it reloads.
    view! {
        <Transition fallback=|| view! { <Loading label="Loading documents…"/> }>
            <h1>"Documents" {move || org_name.get().and_then(Result::ok).map(|n| format!(" — {n}"))}</h1>
            <Show
                when=move || org.get().is_some()
                fallback=move || view! {
                    <section class="empty-state">
                        <h2>"Choose an organisation"</h2>
                        {move || if is_staff.get() {
                            view! { <p>"Open an organisation from the " <A href="/staff">"staff console"</A> " to see its documents."</p> }.into_any()
                        } else {
                            view! { <p>"You are not part of an organisation with documents yet."</p> }.into_any()
                        }}
                    </section>
                }
            >
                <Breadcrumbs browser=browser/>
                <Toolbar browser=browser/>
                <Uploader browser=browser/>
                <Files browser=browser/>
                {move || browser.selected.get().map(|doc| view! { <Details browser=browser doc=doc/> })}
            </Show>
        </Transition>
    }
}

#[component]
fn Breadcrumbs(browser: Browser) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Folders">
            <ol>
                <li><A href=move || browser.href(None)>"All documents"</A></li>
                {move || {
                    let crumbs = browser.shown(|l| l.crumbs.clone());
                    let last = crumbs.len().saturating_sub(1);
                    crumbs.into_iter().enumerate().map(|(i, c)| {
                        let href = browser.href(Some(c.id));
                        if i == last {
                            view! { <li><span aria-current="page">{c.name}</span></li> }.into_any()
                        } else {
                            view! { <li><A href=href>{c.name}</A></li> }.into_any()
                        }
                    }).collect_view()
                }}
            </ol>
        </nav>
    }
}

#[component]
fn Toolbar(browser: Browser) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let new_folder = RwSignal::new(String::new());
    let search = move |ev: SubmitEvent| {
        ev.prevent_default();
        browser.search.set(words.get_untracked());
    };
    let create = act(move |body: CreateFolder| async move {
        let org = browser
            .org
            .get_untracked()
            .ok_or_else(|| Failed::new("Choose an organisation."))?;
        client().create_folder(org, &body).await?;
        new_folder.set(String::new());
        browser.reload();
        Ok(())
    });
    let on_create = move |ev: SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateFolder {
            name: new_folder.get_untracked(),
            parent_id: browser.folder.get_untracked(),
        });
    };
    view! {
        <section class="card toolbar-card">
            <form class="toolbar" role="search" on:submit=search>
                <TextField id="document-search" label="Find documents by name" kind="search"
                    placeholder="Name" class="grow" value=words/>
                <button type="submit" class="button secondary">"Search"</button>
            </form>
            <Show when=move || browser.is_staff.get()>
                <form class="toolbar" on:submit=on_create>
                    <TextField id="new-folder" label="New folder" class="grow" value=new_folder required=true/>
                    <button type="submit" class="button secondary" disabled=create.pending()>"Create folder"</button>
                </form>
                <ActionError action=create/>
                <Show when=move || browser.folder.get().is_some()>
                    <ThisFolder browser=browser/>
                </Show>
                <label class="check">
                    <input type="checkbox" prop:checked=move || browser.bin.get()
                        on:change=move |ev| {
                            // Another list: the document open from the one left closes.
                            browser.selected.set(None);
                            browser.bin.set(event_target_checked(&ev));
                        }/>
                    " Show the bin (deleted documents, kept 30 days)"
                </label>
            </Show>
        </section>
    }
}

/// What staff do to the folder shown.
#[derive(Clone)]
enum FolderChange {
    Rename(String),
    Delete,
}

/// Staff: rename the folder being shown, or delete it when it is empty (then up one level).
#[component]
fn ThisFolder(browser: Browser) -> impl IntoView {
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(here) = browser.shown(|l| l.crumbs.last().cloned()) {
            name.set(here.name);
        }
    });
    let navigate = use_navigate();
    let change = act(move |change: FolderChange| {
        let navigate = navigate.clone();
        async move {
            let id = browser
                .folder
                .get_untracked()
                .ok_or_else(|| Failed::new("Open a folder first."))?;
            match change {
                FolderChange::Rename(name) => {
                    let body = UpdateFolder {
                        name: Some(name),
                        parent_id: None,
                    };
                    client().update_folder(id, &body).await?;
                    browser.reload();
                }
                FolderChange::Delete => {
                    let crumbs = browser.shown(|l| l.crumbs.clone());
                    let parent = crumbs.len().checked_sub(2).map(|i| crumbs[i].id);
                    client().delete_folder(id).await?;
                    navigate(&browser.href(parent), Default::default());
                }
            }
            Ok(())
        }
    });
    let rename = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(FolderChange::Rename(name.get_untracked()));
    };
    view! {
        <form class="toolbar" on:submit=rename>
            <TextField id="folder-name" label="This folder's name" class="grow" value=name required=true/>
            <button type="submit" class="button secondary">"Rename the folder"</button>
            <button type="button" class="button danger"
                on:click=move |_| { change.dispatch(FolderChange::Delete); }>"Delete the folder"</button>
        </form>
        <ActionError action=change/>
    }
}

/// Drop files here, or choose them: each uploads with its own progress bar.
#[component]
fn Uploader(browser: Browser) -> impl IntoView {
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let hovering = RwSignal::new(false);
    let visibility = RwSignal::new(Visibility::Organization);
    let start = move |files: Vec<web_sys::File>| {
        let Some(org) = browser.org.get_untracked() else {
            return;
        };
        for file in files {
            let params = UploadParams {
                name: file.name(),
                folder_id: browser.folder.get_untracked(),
                visibility: browser
                    .is_staff
                    .get_untracked()
                    .then(|| visibility.get_untracked()),
                scope: None,
            };
            let upload = Upload {
                id: uploads.with_untracked(Vec::len),
                name: file.name(),
                sent: RwSignal::new(0),
                total: file.size() as u64,
                outcome: RwSignal::new(None),
            };
            uploads.update(|u| u.push(upload.clone()));
            let (sent, outcome) = (upload.sent, upload.outcome);
            let body = file_body(&file, move |loaded, _| sent.set(loaded));
            // Not an action: every file uploads at once, each settling its own row.
            spawn_local(async move {
                let result = client().upload_document(org, &params, body).await;
                outcome.set(Some(
                    result.map(|_| ()).map_err(|e| Failed::from(e).to_string()),
                ));
                browser.reload();
            });
        }
    };
    view! {
        <section class="card" aria-labelledby="upload-title">
            <h2 id="upload-title">"Upload"</h2>
            <Show when=move || browser.is_staff.get()>
                <div class="field">
                    <label for="upload-visibility">"Who sees new uploads"</label>
                    <select id="upload-visibility" on:change=move |ev| visibility.set(
                        if event_target_value(&ev) == "staff" { Visibility::Staff } else { Visibility::Organization })>
                        <option value="organization">"The organisation"</option>
                        <option value="staff">"Staff only"</option>
                    </select>
                </div>
            </Show>
            <div
                class=move || if hovering.get() { "drop-zone hover" } else { "drop-zone" }
                data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); hovering.set(true); }
                on:dragleave=move |_| hovering.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    hovering.set(false);
                    start(dropped_files(&ev));
                }
            >
                <p>"Drag files here, or"</p>
                <label class="button secondary" for="upload-files">"Choose files"</label>
                <input id="upload-files" class="visually-hidden" type="file" multiple=true
                    on:change=move |ev| start(chosen_files(&ev))/>
            </div>
            <ul class="uploads">
                <For each=move || uploads.get() key=|u| u.id let:upload>
                    <li>
                        <span class="upload-name">{upload.name.clone()}</span>
                        <progress max=upload.total value=move || upload.sent.get()
                            aria-label=format!("Uploading {}", upload.name)></progress>
                        {move || match upload.outcome.get() {
                            None => view! { <span class="muted">"Uploading…"</span> }.into_any(),
                            Some(Ok(())) => view! { <span class="ok">"Uploaded"</span> }.into_any(),
                            Some(Err(message)) => view! { <span class="error" role="alert">{message}</span> }.into_any(),
                        }}
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// The folders and documents shown, each document opening its details.
#[component]
fn Files(browser: Browser) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="listing-title">
            <h2 id="listing-title">{move || if browser.bin.get() { "The bin" } else { "Files" }}</h2>
            <Loaded data=browser.listing loading="Loading documents…" let:listing>
                {(listing.folders.is_empty() && listing.documents.is_empty()).then(|| view! {
                    <p class="empty">"Nothing here yet."</p>
                })}
                <ul class="folder-list">
                    {listing.folders.into_iter().map(|f| view! {
                        <li><A href=browser.href(Some(f.id))>
                            <span aria-hidden="true">"📁 "</span>{f.name}
                        </A></li>
                    }).collect_view()}
                </ul>
                {(!listing.documents.is_empty()).then(|| view! {
                    <div class="table-wrap">
                        <table>
                            <thead><tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Size"</th>
                                <th scope="col">"Uploaded"</th>
                            </tr></thead>
                            <tbody>
                                {listing.documents.into_iter().map(|d| {
                                    let doc = d.clone();
                                    view! {
                                        <tr>
                                            <td><button type="button" class="link" on:click=move |_| browser.selected.set(Some(doc.clone()))>
                                                {d.name.clone()}
                                            </button>
                                            {(d.visibility == Visibility::Staff).then(|| view! { <span class="badge">"Staff only"</span> })}
                                            </td>
                                            <td>{human_size(d.size)}</td>
                                            <td>{format!("{}, {}", d.uploaded_by_name, local_time(d.updated_at))}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })}
            </Loaded>
        </section>
    }
}
