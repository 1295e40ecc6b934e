//! `/documents`: an organisation's documents — folders with breadcrumbs, search, drag-and-drop
//! uploads of many files with a progress bar each, and for one document its details, preview
//! (PDF, images, text), versions and who viewed or downloaded it. Staff also make folders,
//! choose who sees an upload, delete to the bin and restore. Contacts see their current
//! organisation's documents; staff open an organisation's from its page (`?org=`).

use crate::components::form::{ErrorMessage, TextField};
use crate::components::shell::Loading;
use crate::components::upload::{chosen_files, dropped_files, file_body};
use crate::dates::local_time;
use crate::problems;
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use portico_shared::documents::{
    AccessEntry, AccessKind, CreateFileLink, CreateFolder, Document, DocumentFilter,
    DocumentVersion, Folder, FolderCrumb, FolderFilter, UploadParams, Visibility,
};
use portico_shared::{DocumentId, FolderId, OrganizationId};

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

/// What the page shows and how it reloads.
#[derive(Clone, Copy)]
struct Browser {
    org: Memo<Option<OrganizationId>>,
    folder: Memo<Option<FolderId>>,
    crumbs: RwSignal<Vec<FolderCrumb>>,
    folders: RwSignal<Vec<Folder>>,
    documents: RwSignal<Vec<Document>>,
    search: RwSignal<String>,
    bin: RwSignal<bool>,
    selected: RwSignal<Option<Document>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    /// Bumped to reload.
    generation: RwSignal<u64>,
    /// The last load started: an older one finishing later is dropped.
    latest: StoredValue<u64>,
    is_staff: Memo<bool>,
}

impl Browser {
    fn reload(self) {
        self.generation.update(|g| *g += 1);
    }

    fn load(self) {
        let (Some(org), folder) = (self.org.get_untracked(), self.folder.get_untracked()) else {
            return;
        };
        let search = self.search.get_untracked();
        let bin = self.bin.get_untracked();
        self.loading.set(true);
        let mine = self.latest.get_value() + 1;
        self.latest.set_value(mine);
        spawn_local(async move {
            let api = client();
            let filter = DocumentFilter {
                folder_id: folder,
                q: (!search.trim().is_empty()).then_some(search.clone()),
                deleted: bin.then_some(true),
            };
            let result = async {
                let documents = api.list_documents(org, &filter, None).await?;
                let folders = if search.trim().is_empty() && !bin {
                    api.list_folders(org, &FolderFilter { parent_id: folder }, None)
                        .await?
                        .items
                } else {
                    Vec::new()
                };
                let crumbs = match folder {
                    Some(id) => {
                        let here = api.get_folder(id).await?;
                        let mut crumbs = here.ancestors.clone();
                        crumbs.push(FolderCrumb {
                            id: here.id,
                            name: here.name,
                        });
                        crumbs
                    }
                    None => Vec::new(),
                };
                Ok::<_, portico_shared::client::ClientError>((documents.items, folders, crumbs))
            }
            .await;
            if self.latest.get_value() != mine {
                return;
            }
            match result {
                Ok((documents, folders, crumbs)) => {
                    self.documents.set(documents);
                    self.folders.set(folders);
                    self.crumbs.set(crumbs);
                    self.error.set(None);
                }
                Err(e) => {
                    use_session().check(&e);
                    self.error.set(Some(problems::message(&e)));
                }
            }
            self.loading.set(false);
        });
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
    let browser = Browser {
        org,
        folder,
        crumbs: RwSignal::new(Vec::new()),
        folders: RwSignal::new(Vec::new()),
        documents: RwSignal::new(Vec::new()),
        search: RwSignal::new(String::new()),
        bin: RwSignal::new(false),
        selected: RwSignal::new(None),
        loading: RwSignal::new(true),
        error: RwSignal::new(None),
        generation: RwSignal::new(0),
        latest: StoredValue::new(0),
        is_staff,
    };
    Effect::new(move |_| {
        org.track();
        folder.track();
        browser.generation.track();
        browser.load();
    });
    let org_name = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(id) = org.get() {
            spawn_local(async move {
                if let Ok(o) = client().get_organization(id).await {
                    org_name.set(Some(o.name));
                }
            });
        }
    });

    view! {
        <h1>"Documents" {move || org_name.get().map(|n| format!(" — {n}"))}</h1>
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
            <ErrorMessage message=browser.error/>
            <Listing browser=browser/>
            {move || browser.selected.get().map(|doc| view! { <Details browser=browser doc=doc/> })}
        </Show>
    }
}

#[component]
fn Breadcrumbs(browser: Browser) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Folders">
            <ol>
                <li><A href=move || browser.href(None)>"All documents"</A></li>
                {move || {
                    let crumbs = browser.crumbs.get();
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
        browser.reload();
    };
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Some(org), parent) = (browser.org.get_untracked(), browser.folder.get_untracked())
        else {
            return;
        };
        let name = new_folder.get_untracked();
        spawn_local(async move {
            match client()
                .create_folder(
                    org,
                    &CreateFolder {
                        name,
                        parent_id: parent,
                    },
                )
                .await
            {
                Ok(_) => {
                    new_folder.set(String::new());
                    browser.reload();
                }
                Err(e) => browser.error.set(Some(problems::message(&e))),
            }
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
                <form class="toolbar" on:submit=create>
                    <TextField id="new-folder" label="New folder" class="grow" value=new_folder required=true/>
                    <button type="submit" class="button secondary">"Create folder"</button>
                </form>
                <Show when=move || browser.folder.get().is_some()>
                    <ThisFolder browser=browser/>
                </Show>
                <label class="check">
                    <input type="checkbox" prop:checked=move || browser.bin.get()
                        on:change=move |ev| {
                            // Another list: no row of the one left may be opened meanwhile.
                            browser.bin.set(event_target_checked(&ev));
                            browser.selected.set(None);
                            browser.documents.set(Vec::new());
                            browser.reload();
                        }/>
                    " Show the bin (deleted documents, kept 30 days)"
                </label>
            </Show>
        </section>
    }
}

/// Staff: rename the folder being shown, or delete it when it is empty (then up one level).
#[component]
fn ThisFolder(browser: Browser) -> impl IntoView {
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(here) = browser.crumbs.get().last() {
            name.set(here.name.clone());
        }
    });
    let navigate = leptos_router::hooks::use_navigate();
    let rename = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(id) = browser.folder.get_untracked() else {
            return;
        };
        let change = portico_shared::documents::UpdateFolder {
            name: Some(name.get_untracked()),
            parent_id: None,
        };
        spawn_local(async move {
            match client().update_folder(id, &change).await {
                Ok(_) => browser.reload(),
                Err(e) => browser.error.set(Some(problems::message(&e))),
            }
        });
    };
    let remove = move |_| {
        let Some(id) = browser.folder.get_untracked() else {
            return;
        };
        let crumbs = browser.crumbs.get_untracked();
        let parent = crumbs.len().checked_sub(2).map(|i| crumbs[i].id);
        let navigate = navigate.clone();
        spawn_local(async move {
            match client().delete_folder(id).await {
                Ok(()) => navigate(&browser.href(parent), Default::default()),
                Err(e) => browser.error.set(Some(problems::message(&e))),
            }
        });
    };
    view! {
        <form class="toolbar" on:submit=rename>
            <TextField id="folder-name" label="This folder's name" class="grow" value=name required=true/>
            <button type="submit" class="button secondary">"Rename the folder"</button>
            <button type="button" class="button danger" on:click=remove>"Delete the folder"</button>
        </form>
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
            spawn_local(async move {
                let result = client().upload_document(org, &params, body).await;
                outcome.set(Some(result.map(|_| ()).map_err(|e| problems::message(&e))));
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

#[component]
fn Listing(browser: Browser) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="listing-title">
            <h2 id="listing-title">{move || if browser.bin.get() { "The bin" } else { "Files" }}</h2>
            <Show when=move || browser.loading.get()><Loading label="Loading documents…"/></Show>
            <Show when=move || !browser.loading.get() && browser.folders.with(Vec::is_empty) && browser.documents.with(Vec::is_empty)>
                <p class="empty">"Nothing here yet."</p>
            </Show>
            <ul class="folder-list">
                {move || browser.folders.get().into_iter().map(|f| view! {
                    <li><A href=browser.href(Some(f.id))>
                        <span aria-hidden="true">"📁 "</span>{f.name}
                    </A></li>
                }).collect_view()}
            </ul>
            <Show when=move || !browser.documents.with(Vec::is_empty)>
                <div class="table-wrap">
                    <table>
                        <thead><tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Size"</th>
                            <th scope="col">"Uploaded"</th>
                        </tr></thead>
                        <tbody>
                            {move || browser.documents.get().into_iter().map(|d| {
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
            </Show>
        </section>
    }
}

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

/// Opens a short-lived link to a version's content: downloads go through the browser's own
/// download handling.
fn download(id: DocumentId, version: Option<i32>, error: RwSignal<Option<String>>) {
    spawn_local(async move {
        match client()
            .create_file_link(
                id,
                &CreateFileLink {
                    version,
                    download: true,
                },
            )
            .await
        {
            Ok(link) => {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().set_href(&link.url);
                }
            }
            Err(e) => error.set(Some(problems::message(&e))),
        }
    });
}

#[component]
fn Details(browser: Browser, doc: Document) -> impl IntoView {
    let versions = RwSignal::new(Vec::<DocumentVersion>::new());
    let log = RwSignal::new(Vec::<AccessEntry>::new());
    let preview = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let id = doc.id;
    let reload_log = move || {
        spawn_local(async move {
            if let Ok(page) = client().access_log(id, None).await {
                log.set(page.items);
            }
        });
    };
    spawn_local(async move {
        match client().list_versions(id).await {
            Ok(v) => versions.set(v),
            Err(e) => error.set(Some(problems::message(&e))),
        }
    });
    reload_log();
    let show_preview = move |_| {
        spawn_local(async move {
            match client()
                .create_file_link(id, &CreateFileLink::default())
                .await
            {
                Ok(link) => preview.set(Some(link.url)),
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match client().delete_document(id).await {
                Ok(()) => {
                    browser.selected.set(None);
                    browser.reload();
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let restore = move |_| {
        spawn_local(async move {
            match client().restore_document(id).await {
                Ok(_) => {
                    browser.selected.set(None);
                    browser.reload();
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let new_version = move |ev: leptos::ev::Event| {
        for file in chosen_files(&ev) {
            spawn_local(async move {
                match client()
                    .upload_version(id, file_body(&file, |_, _| {}))
                    .await
                {
                    Ok(updated) => {
                        browser.selected.set(Some(updated));
                        browser.reload();
                    }
                    Err(e) => error.set(Some(problems::message(&e))),
                }
            });
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
            <ErrorMessage message=error/>
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
                    <button type="button" class="button secondary" on:click=show_preview>"Preview"</button>
                })}
                <button type="button" class="button primary" on:click=move |_| download(id, None, error)>"Download"</button>
                {(!deleted).then(|| view! {
                    <label class="button secondary" for="version-file">"Upload a new version"</label>
                    <input id="version-file" class="visually-hidden" type="file" on:change=new_version/>
                })}
                <Show when=move || is_staff.get() && !deleted>
                    <button type="button" class="button danger" on:click=remove>"Delete"</button>
                </Show>
                <Show when=move || is_staff.get() && deleted>
                    <button type="button" class="button primary" on:click=restore>"Restore"</button>
                </Show>
            </div>
            <Show when=move || is_staff.get() && !deleted>
                <Manage browser=browser doc=doc_for_manage.clone() error=error/>
            </Show>
            {move || preview.get().map(|url| if kind.starts_with("image/") {
                // Opening it is a view: the log shows it once it has loaded.
                view! { <img class="preview" src=url alt=format!("Preview of {}", doc.name)
                    on:load=move |_| reload_log()/> }.into_any()
            } else {
                view! { <iframe class="preview" src=url title=format!("Preview of {}", doc.name)
                    on:load=move |_| reload_log()></iframe> }.into_any()
            })}
            <h3>"Versions"</h3>
            <ul class="versions">
                {move || versions.get().into_iter().map(|v| {
                    let number = v.version;
                    view! {
                        <li>
                            {format!("Version {} — {}, {} by {}", v.version, human_size(v.size), local_time(v.uploaded_at), v.uploaded_by_name)}
                            " "
                            <button type="button" class="link" on:click=move |_| download(id, Some(number), error)
                                aria-label=format!("Download version {number}")>"Download"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>"Who viewed it"</h3>
            <Show when=move || log.with(Vec::is_empty)>
                <p class="muted">"Nobody has opened it yet."</p>
            </Show>
            <ul class="access-log">
                {move || log.get().iter().map(|e| view! { <li>{access_line(e)}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// Staff: rename a document, move it to the top level or a folder shown here, or publish it to
/// other organisations.
#[component]
fn Manage(browser: Browser, doc: Document, error: RwSignal<Option<String>>) -> impl IntoView {
    let id = doc.id;
    let name = RwSignal::new(doc.name.clone());
    let target = RwSignal::new(String::new());
    let organizations = RwSignal::new(Vec::<portico_shared::organizations::Organization>::new());
    let chosen = RwSignal::new(Vec::<OrganizationId>::new());
    let notice = RwSignal::new(None::<String>);
    let own = doc.organization_id;
    spawn_local(async move {
        if let Ok(page) = client().list_organizations(Some(100), None).await {
            organizations.set(page.items.into_iter().filter(|o| o.id != own).collect());
        }
    });
    let save = move |change: portico_shared::documents::UpdateDocument| {
        spawn_local(async move {
            match client().update_document(id, &change).await {
                Ok(updated) => {
                    browser.selected.set(Some(updated));
                    browser.reload();
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
    let rename = move |ev: SubmitEvent| {
        ev.prevent_default();
        save(portico_shared::documents::UpdateDocument {
            name: Some(name.get_untracked()),
            ..Default::default()
        });
    };
    let move_to = move |_| {
        let to = target.get_untracked();
        let folder = if to.is_empty() { None } else { to.parse().ok() };
        save(portico_shared::documents::UpdateDocument {
            folder_id: Some(folder),
            ..Default::default()
        });
    };
    let publish = move |_| {
        let body = portico_shared::documents::PublishDocument {
            organization_ids: chosen.get_untracked(),
        };
        spawn_local(async move {
            match client().publish_document(id, &body).await {
                Ok(copies) => {
                    chosen.set(Vec::new());
                    notice.set(Some(format!(
                        "Published to {} organisation(s).",
                        copies.len()
                    )));
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
        });
    };
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
                        {move || browser.crumbs.get().into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                        {move || browser.folders.get().into_iter().map(|f| view! { <option value=f.id.to_string()>{f.name}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="button secondary" on:click=move_to>"Move"</button>
            </div>
            <fieldset class="scope-picker">
                <legend>"Publish a copy to"</legend>
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
            <button type="button" class="button secondary" on:click=publish>"Publish"</button>
            <Show when=move || notice.get().is_some()>
                <p class="notice" role="status">{move || notice.get().unwrap_or_default()}</p>
            </Show>
        </details>
    }
}
