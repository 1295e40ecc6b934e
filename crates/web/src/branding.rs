//! The tenant's look: which tenant a visitor means, and its colours as CSS variables.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portico_shared::tenancy::Branding;
use wasm_bindgen::JsCast;

const REMEMBERED_TENANT: &str = "portico.tenant";

/// The tenant this page names: `?tenant=` in the link, else the tenant last signed in to on
/// this browser. Without either, the server resolves it from the host name
/// (`acme.portal.example`) or its default tenant.
pub fn tenant_hint() -> Option<String> {
    let location = web_sys::window()?.location();
    let from_link = location.search().ok().and_then(|q| {
        q.trim_start_matches('?')
            .split('&')
            .find_map(|kv| kv.strip_prefix("tenant=").map(str::to_string))
    });
    from_link.or_else(remembered).filter(|s| !s.is_empty())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn remembered() -> Option<String> {
    storage()?.get_item(REMEMBERED_TENANT).ok()?
}

/// Remembers the tenant (a public slug, not a secret) for the next visit's sign-in page.
pub fn remember(slug: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(REMEMBERED_TENANT, slug);
    }
}

/// Only `#rrggbb` reaches a CSS variable.
fn safe_color(c: &Option<String>) -> Option<&str> {
    c.as_deref().filter(|c| {
        c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit())
    })
}

/// Applies the tenant's colours to the whole page.
pub fn apply(branding: &Branding) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let style = root.unchecked_into::<web_sys::HtmlElement>().style();
    for (var, value) in [
        ("--brand", safe_color(&branding.primary_color)),
        ("--accent", safe_color(&branding.accent_color)),
    ] {
        if let Some(v) = value {
            let _ = style.set_property(var, v);
        }
    }
}

/// The branding of the tenant the visitor means, loaded when the slug changes. With no slug
/// the server names the tenant (host name or default), if it can.
pub fn load(tenant: crate::Tenant) {
    let (slug, branding, resolved) = (tenant.slug, tenant.branding, tenant.resolved);
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let named = slug.get();
        // Clearing the slug ("Another portal") means: ask the visitor, not the server.
        let ask_server = named.is_none() && first.get_value();
        first.set_value(false);
        if named.is_none() && !ask_server {
            branding.set(None);
            resolved.set(true);
            return;
        }
        let known = branding
            .with_untracked(|b| b.as_ref().is_some_and(|b| Some(&b.slug) == named.as_ref()));
        if known {
            return;
        }
        spawn_local(async move {
            let found = crate::session::client()
                .branding(named.as_deref())
                .await
                .ok();
            // A newer choice of tenant (a sign-in) wins over a slower, older answer.
            if slug.get_untracked() != named {
                return;
            }
            if let Some(b) = &found {
                apply(b);
            }
            branding.set(found);
            resolved.set(true);
        });
    });
}

/// Shows `known` (the signed-in tenant's branding, from `Me`) without asking the server.
pub fn adopt(tenant: crate::Tenant, known: Branding) {
    apply(&known);
    let slug = known.slug.clone();
    tenant.branding.set(Some(known));
    tenant.resolved.set(true);
    tenant.slug.set(Some(slug));
}
