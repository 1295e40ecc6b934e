//! `/staff/settings`: the portal's name, colours, logo, support address and custom domain,
//! for staff admins and owners. Changes show at once: the page re-applies the branding.

use crate::Tenant;
use crate::components::form::{ErrorMessage, TextField, chosen_file, read_file};
use crate::components::shell::Loading;
use crate::session::{client, use_session};
use crate::{branding, problems};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portico_shared::tenancy::{StaffRole, TenantSettings, UpdateTenant};

/// The largest logo the server takes.
const MAX_LOGO_BYTES: f64 = 512.0 * 1024.0;
const LOGO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    let tenant = expect_context::<Tenant>();
    let can_manage = move || session.is_staff_admin();
    let loaded = RwSignal::new(None::<TenantSettings>);
    let name = RwSignal::new(String::new());
    let primary = RwSignal::new(String::new());
    let accent = RwSignal::new(String::new());
    let support = RwSignal::new(String::new());
    let domain = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    // Shows saved settings in the form and across the app.
    let show = move |s: TenantSettings| {
        name.set(s.tenant.branding.name.clone());
        primary.set(s.tenant.branding.primary_color.clone().unwrap_or_default());
        accent.set(s.tenant.branding.accent_color.clone().unwrap_or_default());
        support.set(s.support_email.clone().unwrap_or_default());
        domain.set(s.custom_domain.clone().unwrap_or_default());
        branding::apply(&s.tenant.branding);
        tenant.branding.set(Some(s.tenant.branding.clone()));
        loaded.set(Some(s));
    };
    let settle = move |result: Result<TenantSettings, portico_shared::client::ClientError>,
                       message: &'static str| {
        match result {
            Ok(s) => {
                error.set(None);
                notice.set(Some(message.into()));
                show(s);
            }
            Err(e) => {
                session.check(&e);
                notice.set(None);
                error.set(Some(problems::message(&e)));
            }
        }
    };
    spawn_local(async move {
        match client().tenant_settings().await {
            Ok(s) => show(s),
            Err(e) => {
                session.check(&e);
                error.set(Some(problems::message(&e)));
            }
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = UpdateTenant {
            name: Some(name.get_untracked()),
            primary_color: Some(primary.get_untracked()),
            accent_color: Some(accent.get_untracked()),
            support_email: Some(support.get_untracked()),
            custom_domain: Some(domain.get_untracked()),
        };
        pending.set(true);
        spawn_local(async move {
            settle(
                client().update_tenant(&body).await,
                "The settings are saved.",
            );
            pending.set(false);
        });
    };
    let on_logo = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        let kind = file.type_();
        if !LOGO_TYPES.contains(&kind.as_str()) {
            error.set(Some("Choose a PNG, JPEG or WebP image.".into()));
            return;
        }
        if file.size() > MAX_LOGO_BYTES {
            error.set(Some("The logo can be at most 512 KB.".into()));
            return;
        }
        spawn_local(async move {
            match read_file(&file).await {
                Ok(bytes) => settle(
                    client().upload_logo(bytes, &kind).await,
                    "The logo is uploaded.",
                ),
                Err(message) => error.set(Some(message)),
            }
        });
    };
    let remove_logo = move |_| {
        spawn_local(async move { settle(client().delete_logo().await, "The logo is removed.") });
    };

    view! {
        <h1>"Portal settings"</h1>
        <StorageLine/>
        <ErrorMessage message=error/>
        <Show when=move || notice.get().is_some()>
            <p class="notice" role="status">{move || notice.get().unwrap_or_default()}</p>
        </Show>
        <Show when=move || loaded.get().is_some() fallback=|| view! { <Loading label="Loading the settings…"/> }>
            <section class="card" aria-labelledby="logo-title">
                <h2 id="logo-title">"Logo"</h2>
                <div class="logo-row">
                    {move || match loaded.get().and_then(|s| s.tenant.branding.logo_url) {
                        Some(src) => view! { <img class="logo-preview" src=src alt="The current logo"/> }.into_any(),
                        None => view! { <p class="muted">"No logo: the portal shows its initial."</p> }.into_any(),
                    }}
                </div>
                <Show when=can_manage>
                    <div class="field">
                        <label for="logo-file">"Upload a logo"</label>
                        <input id="logo-file" type="file" accept="image/png,image/jpeg,image/webp"
                            aria-describedby="logo-hint" on:change=on_logo/>
                        <p class="hint" id="logo-hint">"PNG, JPEG or WebP, at most 512 KB. About 3:1, at least 96 pixels high, looks best."</p>
                    </div>
                    <Show when=move || loaded.get().is_some_and(|s| s.tenant.branding.logo_url.is_some())>
                        <button type="button" class="button danger small" on:click=remove_logo>"Remove the logo"</button>
                    </Show>
                </Show>
            </section>
            <section class="card narrow" aria-labelledby="look-title">
                <h2 id="look-title">"Name, colours and contact"</h2>
                <form on:submit=on_submit>
                    <fieldset class="plain" disabled=move || !can_manage()>
                        <TextField id="tenant-name" label="Portal name" required=true value=name/>
                        <ColorField id="primary-color" label="Main colour" value=primary/>
                        <ColorField id="accent-color" label="Accent colour" value=accent/>
                        <TextField id="support-email" label="Support email" kind="email"
                            placeholder="help@your-firm.example" value=support/>
                        <TextField id="custom-domain" label="Custom domain" placeholder="portal.your-firm.example" value=domain/>
                        <p class="hint">"Prove the domain is yours with a DNS record, then point it at this server; the portal opens there with your branding."</p>
                        <button type="submit" class="button primary" disabled=move || pending.get()>"Save settings"</button>
                    </fieldset>
                </form>
                {move || loaded.get().and_then(|s| {
                    let domain = s.custom_domain.clone()?;
                    Some(match s.custom_domain_record.clone() {
                        None => view! {
                            <p class="notice" role="status">{format!("{domain} is verified.")}</p>
                        }.into_any(),
                        Some(record) => view! {
                            <div class="domain-check" role="group" aria-labelledby="domain-check-title">
                                <h3 id="domain-check-title">{format!("{domain} is waiting for verification")}</h3>
                                <p>"Add this TXT record at your DNS provider; we check for a while after you save, or check now."</p>
                                <dl class="facts">
                                    <dt>"Name"</dt><dd><code class="hash">{record.name}</code></dd>
                                    <dt>"Type"</dt><dd>{record.kind}</dd>
                                    <dt>"Value"</dt><dd><code class="hash">{record.value}</code></dd>
                                </dl>
                                <Show when=can_manage>
                                    <button type="button" class="button secondary" on:click=move |_| {
                                        spawn_local(async move {
                                            settle(client().verify_custom_domain().await, "The domain is verified.");
                                        });
                                    }>"Check now"</button>
                                </Show>
                            </div>
                        }.into_any(),
                    })
                })}
            </section>
            <HandoffSection enabled=Signal::derive(move || loaded.get().is_some_and(|s| s.handoff_enabled))
                shown=loaded/>
        </Show>
    }
}

/// Hand-off sign-in for the tenant's own web app: owners issue the secret (shown once) or
/// turn hand-off off.
#[component]
fn HandoffSection(
    enabled: Signal<bool>,
    /// The page's settings, whose `handoff_enabled` follows.
    shown: RwSignal<Option<TenantSettings>>,
) -> impl IntoView {
    let session = use_session();
    let is_owner = move || {
        session
            .me
            .get()
            .and_then(|m| m.staff_role)
            .is_some_and(|r| r == StaffRole::Owner)
    };
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let set_enabled = move |on: bool| {
        shown.update(|s| {
            if let Some(s) = s {
                s.handoff_enabled = on;
            }
        })
    };
    let issue = move |_| {
        spawn_local(async move {
            match client().issue_handoff_secret().await {
                Ok(issued) => {
                    error.set(None);
                    secret.set(Some(issued.secret));
                    set_enabled(true);
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
        })
    };
    let turn_off = move |_| {
        spawn_local(async move {
            match client().delete_handoff_secret().await {
                Ok(()) => {
                    error.set(None);
                    secret.set(None);
                    set_enabled(false);
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
        })
    };
    view! {
        <section class="card narrow" aria-labelledby="handoff-title">
            <h2 id="handoff-title">"Hand-off sign-in"</h2>
            <p class="muted">"Your own web app can sign its users straight into the portal with a token signed by this secret (JWT, HS256, at most 60 seconds, used once). The README shows how."</p>
            <p>{move || if enabled.get() { "Hand-off sign-in is on." } else { "Hand-off sign-in is off." }}</p>
            <ErrorMessage message=error/>
            <Show when=move || secret.get().is_some()>
                <div class="notice" role="status">
                    <p>"The new secret. Store it in your web app now: it is not shown again."</p>
                    <code class="secret">{move || secret.get().unwrap_or_default()}</code>
                </div>
            </Show>
            <Show when=is_owner fallback=|| view! { <p class="muted">"Only owners manage the secret."</p> }>
                <div class="toolbar">
                    <button type="button" class="button secondary" on:click=issue>
                        {move || if enabled.get() { "Issue a new secret" } else { "Turn on and issue a secret" }}
                    </button>
                    <Show when=move || enabled.get()>
                        <button type="button" class="button danger" on:click=turn_off>"Turn off"</button>
                    </Show>
                </div>
            </Show>
        </section>
    }
}

/// A colour as `#rrggbb`, with a picker beside the text field.
#[component]
fn ColorField(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    let picker_label = format!("{label} picker");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="color-field">
                <input type="color" aria-label=picker_label
                    prop:value=move || { let v = value.get(); if v.len() == 7 { v } else { "#3b5bdb".into() } }
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                <input id=id type="text" placeholder="#3b5bdb" maxlength="7"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        </div>
    }
}

/// How much of the portal's document storage is used, and the largest upload.
#[component]
fn StorageLine() -> impl IntoView {
    let usage = RwSignal::new(None::<portico_shared::documents::StorageUsage>);
    leptos::task::spawn_local(async move {
        if let Ok(u) = crate::session::client().storage_usage().await {
            usage.set(Some(u));
        }
    });
    move || {
        usage.get().map(|u| {
            use crate::pages::documents::human_size;
            view! {
                <p class="muted" data-testid="storage">
                    {format!(
                        "Document storage: {} of {} used; uploads up to {} each.",
                        human_size(u.used_bytes),
                        human_size(u.quota_bytes),
                        human_size(u.max_upload_bytes)
                    )}
                </p>
            }
        })
    }
}
