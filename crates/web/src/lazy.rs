//! Pages that load when first visited. Each `lazy_page!` is a split point: the build
//! (`cargo xtask`, wasm-split) moves everything only that page reaches into a chunk of its own,
//! fetched the first time the route renders. The first load keeps sign-in, the shell and the
//! landing page.
//!
//! A chunk that fails to download (offline, a deploy in between) shows a message with a retry;
//! wasm-split does not cache failures, so the retry fetches again.

use crate::components::shell::Loading;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use std::future::Future;

/// A page's code could not be fetched.
#[derive(Debug, Clone, Copy)]
pub struct ChunkFailed;

impl From<SplitLoaderError> for ChunkFailed {
    fn from(_: SplitLoaderError) -> Self {
        ChunkFailed
    }
}

/// Declares `fn $name() -> impl Future<Output = Result<AnyView, ChunkFailed>>` whose view comes
/// from the chunk `$chunk` (pages named by the same chunk share one download).
macro_rules! lazy_page {
    ($chunk:ident, $name:ident, $page:path) => {
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        pub fn $name() -> Result<::leptos::prelude::AnyView, $crate::lazy::ChunkFailed> {
            use ::leptos::prelude::IntoAny;
            Ok(::leptos::prelude::view! { <$page/> }.into_any())
        }
    };
}
pub(crate) use lazy_page;

/// Renders a lazily loaded page: a loading state while its chunk downloads (and the data the
/// page reads first), the page once it is there, and a retry if the download fails. A
/// `Suspense`, not a `Transition` (whose machinery would join the first load): a page whose
/// data reloads keeps it on screen meanwhile by drawing it inside `remote::Loaded`.
pub fn lazy<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, ChunkFailed>> + Send + 'static,
{
    let attempt = RwSignal::new(0_u32);
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading…"/> }>
            {move || {
                attempt.track();
                Suspend::new(async move {
                    match load().await {
                        Ok(page) => page,
                        Err(ChunkFailed) => view! { <ChunkError attempt/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ChunkError(attempt: RwSignal<u32>) -> impl IntoView {
    view! {
        <section class="card" role="alert" aria-labelledby="chunk-error-title">
            <h1 id="chunk-error-title">"This page could not be loaded"</h1>
            <p>
                "Check your connection, then try again. If the portal was updated since you "
                "opened it, reloading brings the new version."
            </p>
            <div class="actions">
                <button class="button primary" on:click=move |_| attempt.update(|n| *n += 1)>
                    "Try again"
                </button>
                <button class="button secondary" on:click=|_| {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }>"Reload the portal"</button>
            </div>
        </section>
    }
}
