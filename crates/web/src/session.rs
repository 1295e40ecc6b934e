//! The signed-in session: the access token lives in this tab's memory only (the refresh token
//! is an HttpOnly cookie scripts never see). On load the app asks for a fresh access token
//! with the cookie; it refreshes again shortly before each token expires.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portico_shared::OrganizationId;
use portico_shared::auth::TokenResponse;
use portico_shared::client::Client;
use portico_shared::tenancy::{Me, StaffRole, ViewAsStarted};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;

thread_local! {
    static CLIENT: Rc<Client> = Rc::new(Client::new(origin()));
}

/// The one API client of the app (the page's own origin).
pub fn client() -> Rc<Client> {
    CLIENT.with(Rc::clone)
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECONDS: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Asking the server whether the refresh cookie still holds a session.
    Checking,
    SignedIn,
    SignedOut,
    /// The session ended on its own (expired, revoked elsewhere).
    Expired,
}

/// Shared through context; `Copy`, so every component can hold it.
#[derive(Clone, Copy)]
pub struct Session {
    pub status: RwSignal<Status>,
    pub me: RwSignal<Option<Me>>,
    /// The organisation a contact is looking at (for someone in several).
    pub organization: RwSignal<Option<OrganizationId>>,
    /// Bumped on every new token, so stale refresh timers stand down.
    generation: RwSignal<u64>,
}

impl Session {
    pub fn new() -> Self {
        Session {
            status: RwSignal::new(Status::Checking),
            me: RwSignal::new(None),
            organization: RwSignal::new(None),
            generation: RwSignal::new(0),
        }
    }

    /// On start-up: trade the refresh cookie (if any) for an access token — the start script
    /// has usually asked already, while the app downloaded (see [`early_session`]).
    pub fn resume(self) {
        spawn_local(async move {
            let (refreshed, me) = match early_session().await {
                Some(early) => early,
                None => (client().refresh().await.ok(), None),
            };
            match refreshed {
                Some(token) => self.signed_in_as(token.expires_in, me).await,
                None => self.status.set(Status::SignedOut),
            }
        });
    }

    /// After a successful sign-in or refresh: load who we are and plan the next refresh.
    pub async fn signed_in(self, expires_in: u64) {
        self.signed_in_as(expires_in, None).await
    }

    /// As [`Session::signed_in`], with who we are when it is already known.
    async fn signed_in_as(self, expires_in: u64, known: Option<Me>) {
        let me = match known {
            Some(me) => Ok(me),
            None => client().me().await,
        };
        match me {
            Ok(me) => {
                let first = me.memberships.first().map(|m| m.organization.id);
                if self
                    .organization
                    .get_untracked()
                    .is_none_or(|o| !me.memberships.iter().any(|m| m.organization.id == o))
                {
                    self.organization.set(first);
                }
                self.me.set(Some(me));
                self.status.set(Status::SignedIn);
                self.schedule_refresh(expires_in);
            }
            Err(_) => self.ended(Status::SignedOut),
        }
    }

    fn schedule_refresh(self, expires_in: u64) {
        self.generation.update(|g| *g += 1);
        let generation = self.generation.get_untracked();
        let wait = expires_in.saturating_sub(REFRESH_MARGIN_SECONDS).max(5);
        set_timeout(
            move || {
                if self.generation.get_untracked() != generation {
                    return;
                }
                spawn_local(async move {
                    match client().refresh().await {
                        Ok(token) => self.signed_in(token.expires_in).await,
                        Err(_) => self.ended(Status::Expired),
                    }
                });
            },
            Duration::from_secs(wait),
        );
    }

    /// The server refused our token mid-use: the session is over (a view-as session falls
    /// back to the staff member's own).
    pub fn refused(self) {
        // Only a live session can end: while it is being re-established a stray refusal of an
        // older call is moot, and signed out a refusal is the answer itself (a wrong password).
        if self.status.get_untracked() == Status::SignedIn {
            if self.viewing() {
                self.exit_view_as();
            } else {
                self.ended(Status::Expired);
            }
        }
    }

    /// Whether the signed-in person is a staff admin or owner (they manage people, teams and
    /// settings). Tracked: views using it follow the session.
    pub fn is_staff_admin(self) -> bool {
        self.me
            .get()
            .and_then(|m| m.staff_role)
            .is_some_and(|r| r <= StaffRole::Admin)
    }

    /// Whether a staff member is looking through a contact's eyes.
    pub fn viewing(self) -> bool {
        self.me.get_untracked().is_some_and(|m| m.view_as.is_some())
    }

    /// Switches to a read-only view as a contact until `started.expires_at`. The staff
    /// member's own session stays in its cookie for [`Session::exit_view_as`].
    pub async fn view_as(self, started: ViewAsStarted) {
        client().set_access_token(Some(started.access_token));
        self.generation.update(|g| *g += 1);
        let generation = self.generation.get_untracked();
        match client().me().await {
            Ok(me) => {
                self.organization
                    .set(me.memberships.first().map(|m| m.organization.id));
                self.me.set(Some(me));
            }
            Err(_) => return self.exit_view_as(),
        }
        let left = (started.expires_at.timestamp_millis() - js_sys::Date::now() as i64).max(1000);
        set_timeout(
            move || {
                if self.generation.get_untracked() == generation {
                    self.exit_view_as();
                }
            },
            Duration::from_millis(left as u64),
        );
    }

    /// Ends the view (audited by the server) and returns to the staff member's own session.
    pub fn exit_view_as(self) {
        if !self.viewing() {
            return;
        }
        // Once only: two refreshes with one cookie would look like a stolen refresh token.
        self.generation.update(|g| *g += 1);
        self.me.set(None);
        self.status.set(Status::Checking);
        spawn_local(async move {
            let _ = client().end_view_as().await;
            client().set_access_token(None);
            match client().refresh().await {
                Ok(token) => self.signed_in(token.expires_in).await,
                Err(_) => self.ended(Status::SignedOut),
            }
        });
    }

    pub fn sign_out(self) {
        spawn_local(async move {
            let _ = client().logout().await;
            self.ended(Status::SignedOut);
        });
    }

    fn ended(self, status: Status) {
        client().set_access_token(None);
        self.generation.update(|g| *g += 1);
        self.me.set(None);
        self.status.set(status);
    }
}

/// The answer the start script (`assets/start.js`) got while the app downloaded: the token for
/// the refresh cookie (`None`: no session) with who is signed in. Taken once: the refresh it
/// made rotated the cookie, so asking again would look like a stolen token. `None` when the
/// script did not ask or got no answer; the app then asks itself.
async fn early_session() -> Option<(Option<TokenResponse>, Option<Me>)> {
    let window: wasm_bindgen::JsValue = web_sys::window()?.into();
    let key = wasm_bindgen::JsValue::from_str("__porticoSession");
    let promise = js_sys::Reflect::get(&window, &key).ok()?;
    let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    let promise = promise.dyn_into::<js_sys::Promise>().ok()?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let field = |name: &str| js_sys::Reflect::get(&answer, &name.into()).ok();
    let status = field("status")?.as_f64()? as u16;
    let body = field("body")?.as_string()?;
    let tokens = (200..300)
        .contains(&status)
        .then(|| serde_json::from_slice::<TokenResponse>(body.as_bytes()).ok())
        .flatten();
    let Some(mut tokens) = tokens else {
        return Some((None, None));
    };
    client().set_access_token(Some(tokens.access_token.clone()));
    let me = tokens.me.take();
    Some((Some(tokens), me))
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
