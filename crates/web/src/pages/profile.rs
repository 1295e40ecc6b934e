//! `/profile`: who is signed in, and where: the open sessions, each of which can be ended.

use crate::components::form::{Notice, TextField};
use crate::components::shell::role_label;
use crate::remote::{ActionError, ActionSaid, Failed, Loaded, act, load, succeeded};
use crate::session::{Session, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::SessionId;
use portico_shared::auth::{ChangePassword, SessionInfo};
use portico_shared::people::{ChangeEmail, UpdateProfile};
use portico_shared::tenancy::{User, UserKind};

#[component]
pub fn Profile() -> impl IntoView {
    let session = use_session();
    view! {
        {move || {
            session.me.get().map(|me| {
                let kind = match (me.user.kind, me.staff_role) {
                    (UserKind::Staff, Some(role)) => format!("Staff · {}", role_label(role)),
                    (UserKind::Staff, None) => "Staff".to_string(),
                    (UserKind::Customer, _) => "Customer contact".to_string(),
                };
                view! {
                    <h1>"Your profile"</h1>
                    <dl class="details card">
                        <dt>"Name"</dt><dd>{me.user.name}</dd>
                        <dt>"Email"</dt><dd>{me.user.email}</dd>
                        <dt>"Portal"</dt><dd>{me.tenant.branding.name}</dd>
                        <dt>"Account"</dt><dd>{kind}</dd>
                        <dt>"Member since"</dt><dd>{crate::dates::local_day(me.user.created_at)}</dd>
                    </dl>
                }
            })
        }}
        <ProfileForm session=session/>
        <ChangeEmailForm/>
        <ChangePasswordForm/>
        <Sessions/>
    }
}

/// Name, phone, language and time zone.
#[component]
fn ProfileForm(session: Session) -> impl IntoView {
    let user = session.me.get_untracked().map(|m| m.user);
    let field = |f: fn(&User) -> Option<String>| {
        RwSignal::new(user.as_ref().and_then(f).unwrap_or_default())
    };
    let name = field(|u| Some(u.name.clone()));
    let phone = field(|u| u.phone.clone());
    let locale = field(|u| u.locale.clone());
    let time_zone = field(|u| u.time_zone.clone());
    let save = act(move |body: UpdateProfile| async move {
        let user = client().update_profile(&body).await?;
        session.me.update(|me| {
            if let Some(me) = me {
                me.user = user;
            }
        });
        Ok(())
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save.dispatch(UpdateProfile {
            name: Some(name.get_untracked()),
            phone: Some(phone.get_untracked()),
            locale: Some(locale.get_untracked()),
            time_zone: Some(time_zone.get_untracked()),
        });
    };
    view! {
        <section class="card narrow" aria-labelledby="details-title">
            <h2 id="details-title">"Your details"</h2>
            <form on:submit=on_submit>
                <TextField id="profile-name" label="Name" autocomplete="name" required=true value=name/>
                <TextField id="profile-phone" label="Phone" kind="tel" autocomplete="tel"
                    placeholder="+44 20 7946 0958" value=phone/>
                <TextField id="profile-locale" label="Language" placeholder="en-GB" value=locale/>
                <TextField id="profile-time-zone" label="Time zone" placeholder="Europe/London" value=time_zone/>
                <ActionError action=save/>
                <Notice when=succeeded(save) text="Your details are saved."/>
                <button type="submit" class="button primary" disabled=save.pending()>"Save details"</button>
            </form>
        </section>
    }
}

/// A new email address: the password again, then a link to the new address confirms it.
#[component]
fn ChangeEmailForm() -> impl IntoView {
    let new_email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let send = act(move |body: ChangeEmail| async move {
        client().change_email(&body).await?;
        password.set(String::new());
        Ok(format!(
            "We have sent a link to {}. Your address changes when you open it.",
            body.new_email.trim()
        ))
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send.dispatch(ChangeEmail {
            new_email: new_email.get_untracked(),
            password: password.get_untracked(),
        });
    };
    view! {
        <section class="card narrow" aria-labelledby="email-title">
            <h2 id="email-title">"Change your email address"</h2>
            <form on:submit=on_submit>
                <TextField id="new-email" label="New email address" kind="email" autocomplete="email"
                    required=true value=new_email/>
                <TextField id="email-password" label="Your password" kind="password"
                    autocomplete="current-password" required=true value=password/>
                <ActionError action=send/>
                <ActionSaid action=send/>
                <button type="submit" class="button primary" disabled=send.pending()>"Send confirmation link"</button>
            </form>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let change = act(move |body: ChangePassword| async move {
        if body.new_password != confirm.get_untracked() {
            return Err(Failed::new("The new passwords do not match."));
        }
        client().change_password(&body).await?;
        for field in [current, new, confirm] {
            field.set(String::new());
        }
        Ok(())
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangePassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        });
    };
    view! {
        <section class="card narrow" aria-labelledby="password-title">
            <h2 id="password-title">"Change your password"</h2>
            <p class="muted">"At least 12 characters. Your other devices will be signed out."</p>
            <form on:submit=on_submit>
                <TextField id="current-password" label="Current password" kind="password"
                    autocomplete="current-password" required=true value=current/>
                <TextField id="new-password" label="New password" kind="password"
                    autocomplete="new-password" required=true value=new/>
                <TextField id="confirm-password" label="New password again" kind="password"
                    autocomplete="new-password" required=true value=confirm/>
                <ActionError action=change/>
                <Notice when=succeeded(change) text="Your password has been changed. Other devices are signed out."/>
                <button type="submit" class="button primary" disabled=change.pending()>"Change password"</button>
            </form>
        </section>
    }
}

/// A readable name for a browser's user agent.
fn device(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or_default();
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|b| ua.contains(**b))
        .map(|b| match *b {
            "Edg/" => "Edge",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        });
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.is_empty() => "Unknown device".to_string(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let sessions = load(|| async { Ok(client().my_sessions().await?) });
    let end = act(move |id: SessionId| async move {
        client().end_session(id).await?;
        sessions.refetch();
        Ok(())
    });
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Where you are signed in"</h2>
            <ActionError action=end/>
            <Loaded data=sessions loading="Loading your sessions…" let:list>
                <ul class="session-list">
                    {list.into_iter().map(|s| view! { <SessionRow session=s end/> }).collect_view()}
                </ul>
            </Loaded>
        </section>
    }
}

#[component]
fn SessionRow(session: SessionInfo, end: Action<SessionId, Result<(), Failed>>) -> impl IntoView {
    let name = device(session.user_agent.as_deref());
    let label = format!("End the session on {name}");
    let id = session.id;
    view! {
        <li>
            <div>
                <strong>{name.clone()}</strong>
                {session.current.then(|| view! { <span class="badge">"This device"</span> })}
                <div class="muted">
                    {format!(
                        "Last active {} · {}",
                        crate::dates::local_time(session.last_used_at),
                        session.ip.unwrap_or_else(|| "unknown address".into())
                    )}
                </div>
            </div>
            {(!session.current).then(|| view! {
                <button type="button" class="button secondary small" aria-label=label
                    on:click=move |_| { end.dispatch(id); }>
                    "End session"
                </button>
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(device(Some(chrome_linux)), "Chrome on Linux");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Some(safari_iphone)), "Safari on iPhone");
        assert_eq!(device(None), "Unknown device");
    }
}
