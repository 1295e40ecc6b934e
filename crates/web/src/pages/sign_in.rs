//! `/sign-in`: the tenant's branded sign-in page.

use crate::Tenant;
use crate::branding;
use crate::components::form::TextField;
use crate::components::shell::{AuthCard, Loading};
use crate::pages::links::{self, LinkKind};
use crate::remote::{ActionError, Failed, act};
use crate::session::{Status, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use portico_shared::auth::LoginRequest;

/// How someone signs in here: with their password, or with a link emailed to them.
#[derive(Clone)]
enum Attempt {
    Password(LoginRequest),
    Link(String),
}

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
    let known_tenant = move || tenant.branding.get().is_some();
    // Signing in answers nothing (the session takes over); a link asked for says where it went.
    let attempt = act(move |how: Attempt| async move {
        match how {
            Attempt::Password(request) => {
                let token = client().login(&request).await?;
                branding::remember(&request.tenant);
                password.set(String::new());
                session.signed_in(token.expires_in).await;
                Ok(None)
            }
            Attempt::Link(email) if email.trim().is_empty() => {
                Err(Failed::new("Enter your email address first."))
            }
            Attempt::Link(email) => Ok(Some(
                links::request_link(LinkKind::SignIn, tenant, email).await?,
            )),
        }
    });
    let pending = attempt.pending();
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
        attempt.dispatch(Attempt::Password(LoginRequest {
            tenant: slug,
            email: email.get_untracked(),
            password: password.get_untracked(),
        }));
    };
    let email_me_a_link = move |_| {
        if !pending.get_untracked() {
            attempt.dispatch(Attempt::Link(email.get_untracked()));
        }
    };
    let link_sent = move || attempt.value().get().and_then(Result::ok).flatten();

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
                    <ActionError action=attempt/>
                    {move || link_sent().map(|text| view! { <p class="notice" role="status">{text}</p> })}
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
