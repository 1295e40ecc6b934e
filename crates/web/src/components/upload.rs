//! Files the person chose or dropped; the typed client uploads them (`Body::file`), with
//! progress.

use wasm_bindgen::JsCast;

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
