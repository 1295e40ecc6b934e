//! `/magic-link`: signs in with the link at once.

use super::{DeadLink, missing_link, signed_in_by_link, take_link_token};
use crate::components::shell::{AuthCard, Loading};
use crate::remote::{Failed, load};
use crate::session::{client, use_session};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// `/magic-link`: signs in with the link at once.
#[component]
pub fn MagicLink() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let token = take_link_token();
    let signing_in = load(move || {
        let (token, navigate) = (token.clone(), navigate.clone());
        async move {
            let token = token.ok_or_else(|| Failed::new(missing_link()))?;
            let tokens = client().redeem_magic_link(&token).await?;
            signed_in_by_link(session, tokens, navigate).await;
            Ok(())
        }
    });
    view! {
        <AuthCard title="Signing you in">
            {move || match signing_in.get() {
                Some(Err(failed)) => view! { <DeadLink message=failed.to_string()/> }.into_any(),
                _ => view! { <Loading label="Checking your sign-in link…"/> }.into_any(),
            }}
        </AuthCard>
    }
}
