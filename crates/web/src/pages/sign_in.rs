//! `/sign-in`: the tenant's branded sign-in page. Part of every first load, so its two calls
//! are plain futures: an `Action` would bring Leptos' async machinery (~3 KiB brotli) along.

use crate::Tenant;
use crate::components::form::TextField;
use crate::components::shell::{AuthCard, Loading};
use crate::pages::links::{self, LinkKind};
use crate::session::{Status, client, use_session};
use crate::{branding, problems};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use portico_shared::auth::LoginRequest;

/// Where to go after signing in: only a path on this site (no open redirect).
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| portico_shared::auth::local_path(n).is_some())
        .unwrap_or_else(|| "/".into())
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let tenant = expect_context::<Tenant>();
    let query = use_query_map();
    let navigate = use_navigate();
    let next = move || safe_next(query.get_untracked().get("next"));
    let expired = move || query.get().get("expired").is_some();

    Effect::new(move |_| {
        if session.status.get() == Status::SignedIn {
            navigate(
                &next(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let tenant_field = RwSignal::new(tenant.slug.get_untracked().unwrap_or_default());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let known_tenant = move || tenant.branding.get().is_some();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let slug = tenant
            .branding
            .get_untracked()
            .map(|b| b.slug)
            .unwrap_or_else(|| tenant_field.get_untracked().trim().to_ascii_lowercase());
        let request = LoginRequest {
            tenant: slug.clone(),
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            match client().login(&request).await {
                Ok(token) => {
                    branding::remember(&slug);
                    password.set(String::new());
                    session.signed_in(token.expires_in).await;
                }
                Err(e) => error.set(Some(problems::message(&e))),
            }
            pending.set(false);
        });
    };

    let link_sent = RwSignal::new(None::<String>);
    let email_me_a_link = move |_| {
        if pending.get_untracked() {
            return;
        }
        if email.get_untracked().trim().is_empty() {
            error.set(Some("Enter your email address first.".into()));
            return;
        }
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            match links::request_link(LinkKind::SignIn, tenant, email.get_untracked()).await {
                Ok(message) => link_sent.set(Some(message)),
                Err(failed) => error.set(Some(failed.to_string())),
            }
            pending.set(false);
        });
    };

    view! {
        <AuthCard title="Sign in">
                <Show when=move || session.status.get() == Status::Checking>
                    <Loading label="Checking your session…"/>
                </Show>
                <Show when=expired>
                    <p class="notice" role="status">"Your session has ended. Please sign in again."</p>
                </Show>
                <form on:submit=on_submit novalidate=true>
                    <Show when=move || !tenant.resolved.get()>
                        <Loading label="Opening the portal…"/>
                    </Show>
                    <Show
                        when=known_tenant
                        fallback=move || view! {
                          <Show when=move || tenant.resolved.get()>
                            <div class="field">
                                <label for="tenant">"Portal"</label>
                                <input id="tenant" name="tenant" autocomplete="organization" required=true
                                    placeholder="e.g. acme"
                                    prop:value=move || tenant_field.get()
                                    on:input=move |ev| tenant_field.set(event_target_value(&ev))
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev).trim().to_ascii_lowercase();
                                        tenant.slug.set((!v.is_empty()).then_some(v));
                                    }/>
                                <p class="hint">"The short name of the portal, from your invitation."</p>
                            </div>
                          </Show>
                        }
                    >
                        <p class="tenant-line">
                            "Signing in to "
                            <strong>{move || tenant.branding.get().map(|b| b.name).unwrap_or_default()}</strong>
                            " · "
                            <button type="button" class="link" on:click=move |_| {
                                tenant_field.set(String::new());
                                tenant.slug.set(None);
                            }>"Another portal"</button>
                        </p>
                    </Show>
                    <TextField id="email" label="Email" kind="email" autocomplete="username"
                        required=true value=email/>
                    <TextField id="password" label="Password" kind="password"
                        autocomplete="current-password" required=true value=password/>
                    {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                    <Show when=move || link_sent.get().is_some()>
                        <p class="notice" role="status">{move || link_sent.get().unwrap_or_default()}</p>
                    </Show>
                    <button type="submit" class="button primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                    <div class="auth-alternatives">
                        <A href="/forgot-password">"Forgot your password?"</A>
                        <button type="button" class="link" on:click=email_me_a_link disabled=move || pending.get()>
                            "Email me a sign-in link"
                        </button>
                    </div>
                </form>
        </AuthCard>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/profile?tab=1".into())), "/profile?tab=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad.into())), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
