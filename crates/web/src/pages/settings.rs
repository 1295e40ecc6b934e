//! `/staff/settings`: the portal's name, colours, logo, support address and custom domain,
//! for staff admins and owners. Changes show at once: the page re-applies the branding.

use crate::Tenant;
use crate::branding;
use crate::components::form::{TextField, chosen_file, read_file};
use crate::remote::{ActionError, ActionSaid, Failed, Loaded, act, load};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::tenancy::{StaffRole, TenantSettings, UpdateTenant};
use send_wrapper::SendWrapper;

/// The largest logo the server takes.
const MAX_LOGO_BYTES: f64 = 512.0 * 1024.0;
const LOGO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = load(|| async { Ok(client().tenant_settings().await?) });
    view! {
        <h1>"Portal settings"</h1>
        <StorageLine/>
        <Loaded data=settings loading="Loading the settings…" let:settings>
            <SettingsForm settings/>
        </Loaded>
    }
}

/// What an admin changes here; each answers with the settings as they now are.
#[derive(Clone)]
enum Change {
    Save(UpdateTenant),
    Logo(SendWrapper<web_sys::File>),
    RemoveLogo,
    VerifyDomain,
}

impl Change {
    fn done(&self) -> &'static str {
        match self {
            Change::Save(_) => "The settings are saved.",
            Change::Logo(_) => "The logo is uploaded.",
            Change::RemoveLogo => "The logo is removed.",
            Change::VerifyDomain => "The domain is verified.",
        }
    }
}

async fn upload_logo(file: &web_sys::File) -> Result<TenantSettings, Failed> {
    let kind = file.type_();
    if !LOGO_TYPES.contains(&kind.as_str()) {
        return Err(Failed::new("Choose a PNG, JPEG or WebP image."));
    }
    if file.size() > MAX_LOGO_BYTES {
        return Err(Failed::new("The logo can be at most 512 KB."));
    }
    let bytes = read_file(file).await.map_err(Failed::new)?;
    Ok(client().upload_logo(bytes, &kind).await?)
}

#[component]
fn SettingsForm(settings: TenantSettings) -> impl IntoView {
    let session = use_session();
    let tenant = expect_context::<Tenant>();
    let can_manage = move || session.is_staff_admin();
    let text = |value: &Option<String>| RwSignal::new(value.clone().unwrap_or_default());
    let branding = &settings.tenant.branding;
    let name = RwSignal::new(branding.name.clone());
    let primary = text(&branding.primary_color);
    let accent = text(&branding.accent_color);
    let support = text(&settings.support_email);
    let domain = text(&settings.custom_domain);
    let shown = RwSignal::new(settings);

    let change = act(move |change: Change| async move {
        let client = client();
        let s = match &change {
            Change::Save(body) => client.update_tenant(body).await?,
            Change::Logo(file) => upload_logo(file).await?,
            Change::RemoveLogo => client.delete_logo().await?,
            Change::VerifyDomain => client.verify_custom_domain().await?,
        };
        // Shows the saved settings in the form and across the app.
        name.set(s.tenant.branding.name.clone());
        primary.set(s.tenant.branding.primary_color.clone().unwrap_or_default());
        accent.set(s.tenant.branding.accent_color.clone().unwrap_or_default());
        support.set(s.support_email.clone().unwrap_or_default());
        domain.set(s.custom_domain.clone().unwrap_or_default());
        branding::apply(&s.tenant.branding);
        tenant.branding.set(Some(s.tenant.branding.clone()));
        shown.set(s);
        Ok(change.done())
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(Change::Save(UpdateTenant {
            name: Some(name.get_untracked()),
            primary_color: Some(primary.get_untracked()),
            accent_color: Some(accent.get_untracked()),
            support_email: Some(support.get_untracked()),
            custom_domain: Some(domain.get_untracked()),
        }));
    };
    let on_logo = move |ev: leptos::ev::Event| {
        if let Some(file) = chosen_file(&ev) {
            change.dispatch(Change::Logo(SendWrapper::new(file)));
        }
    };
    let logo = move || shown.with(|s| s.tenant.branding.logo_url.clone());

    view! {
        <ActionError action=change/>
        <ActionSaid action=change/>
        <section class="card" aria-labelledby="logo-title">
            <h2 id="logo-title">"Logo"</h2>
            <div class="logo-row">
                {move || match logo() {
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
                <Show when=move || logo().is_some()>
                    <button type="button" class="button danger small"
                        on:click=move |_| { change.dispatch(Change::RemoveLogo); }>"Remove the logo"</button>
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
                    <button type="submit" class="button primary" disabled=change.pending()>"Save settings"</button>
                </fieldset>
            </form>
            {move || shown.with(|s| {
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
                                <button type="button" class="button secondary"
                                    on:click=move |_| { change.dispatch(Change::VerifyDomain); }>"Check now"</button>
                            </Show>
                        </div>
                    }.into_any(),
                })
            })}
        </section>
        <HandoffSection shown/>
    }
}

/// Hand-off sign-in for the tenant's own web app: owners issue the secret (shown once) or
/// turn hand-off off.
#[component]
fn HandoffSection(
    /// The page's settings, whose `handoff_enabled` follows.
    shown: RwSignal<TenantSettings>,
) -> impl IntoView {
    let session = use_session();
    let is_owner = move || {
        session
            .me
            .get()
            .and_then(|m| m.staff_role)
            .is_some_and(|r| r == StaffRole::Owner)
    };
    let enabled = move || shown.with(|s| s.handoff_enabled);
    // `true` issues a (new) secret, `false` turns hand-off off; the answer is the secret shown once.
    let set = act(move |on: bool| async move {
        let secret = match on {
            true => Some(client().issue_handoff_secret().await?.secret),
            false => {
                client().delete_handoff_secret().await?;
                None
            }
        };
        shown.update(|s| s.handoff_enabled = on);
        Ok(secret)
    });
    let secret = move || set.value().get().and_then(Result::ok).flatten();
    view! {
        <section class="card narrow" aria-labelledby="handoff-title">
            <h2 id="handoff-title">"Hand-off sign-in"</h2>
            <p class="muted">"Your own web app can sign its users straight into the portal with a token signed by this secret (JWT, HS256, at most 60 seconds, used once). The README shows how."</p>
            <p>{move || if enabled() { "Hand-off sign-in is on." } else { "Hand-off sign-in is off." }}</p>
            <ActionError action=set/>
            {move || secret().map(|secret| view! {
                <div class="notice" role="status">
                    <p>"The new secret. Store it in your web app now: it is not shown again."</p>
                    <code class="secret">{secret}</code>
                </div>
            })}
            <Show when=is_owner fallback=|| view! { <p class="muted">"Only owners manage the secret."</p> }>
                <div class="toolbar">
                    <button type="button" class="button secondary" on:click=move |_| { set.dispatch(true); }>
                        {move || if enabled() { "Issue a new secret" } else { "Turn on and issue a secret" }}
                    </button>
                    <Show when=enabled>
                        <button type="button" class="button danger" on:click=move |_| { set.dispatch(false); }>"Turn off"</button>
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
    let usage = load(|| async { Ok(client().storage_usage().await?) });
    move || {
        usage.get().and_then(Result::ok).map(|u| {
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
