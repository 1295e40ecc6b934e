//! `/join`: an existing person accepts an invitation to join another organisation — only
//! when they press Accept.

use super::{DeadLink, missing_link, take_link_token};
use crate::components::shell::AuthCard;
use crate::remote::act;
use crate::session::{client, use_session};
use leptos::prelude::*;
use leptos_router::components::A;

/// `/join`: an existing person accepts an invitation to join another organisation — only
/// when they press Accept.
#[component]
pub fn JoinOrganization() -> impl IntoView {
    let session = use_session();
    let token = take_link_token();
    let missing = token.is_none();
    let accept = act(move |token: String| async move {
        let joined = client().accept_membership_offer(&token).await?;
        if session.me.get_untracked().is_some()
            && let Ok(me) = client().me().await
        {
            session.me.set(Some(me));
        }
        Ok(joined.organization.name)
    });
    view! {
        <AuthCard title="Join an organisation">
            {move || match accept.value().get() {
                None if missing => view! { <DeadLink message=missing_link() retry=("/", "Go to the portal")/> }.into_any(),
                None => {
                    let token = token.clone();
                    view! {
                        <p>"You were invited to join an organisation in this portal with your existing account. Nothing changes unless you accept."</p>
                        <button type="button" class="button primary" disabled=accept.pending()
                            on:click=move |_| { accept.dispatch(token.clone().unwrap_or_default()); }>"Accept the invitation"</button>
                    }.into_any()
                }
                Some(Ok(name)) => view! {
                    <p class="notice" role="status">{format!("You are now a member of {name}.")}</p>
                    <p><A href="/" attr:class="button primary">"Go to the portal"</A></p>
                }.into_any(),
                Some(Err(failed)) => view! { <DeadLink message=failed.to_string() retry=("/", "Go to the portal")/> }.into_any(),
            }}
        </AuthCard>
    }
}
