//! Files the person chose or dropped; the typed client uploads them (`Body::file`), with
//! progress.

use portico_shared::client::Body;
use wasm_bindgen::JsCast;

/// The body that uploads `file`, reporting (bytes sent, total) to `progress` as it goes.
pub fn file_body(file: &web_sys::File, progress: impl Fn(u64, u64) + 'static) -> Body {
    #[cfg(target_arch = "wasm32")]
    {
        Body::file(file).on_progress(progress)
    }
    // The app's unit tests build natively; nothing there uploads.
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (file, progress);
        unreachable!("files are uploaded from the browser only")
    }
}

/// The files of a drop.
pub fn dropped_files(ev: &web_sys::DragEvent) -> Vec<web_sys::File> {
    ev.data_transfer()
        .and_then(|d| d.files())
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default()
}

/// The files chosen in a file input, from its `change` event.
pub fn chosen_files(ev: &leptos::ev::Event) -> Vec<web_sys::File> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default()
}
