//! File uploads the browser sends itself (`XMLHttpRequest`), so each file's progress can be
//! shown: the typed client's fetch cannot report it. The URL and the answer's types still come
//! from `portico-shared`.

use crate::problems;
use crate::session::client;
use portico_shared::Problem;
use portico_shared::client::ClientError;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Sends `file` as the body of a POST to `path` with the session's token. `progress` gets
/// (bytes sent, total) as they go; `done` gets the decoded answer or a message to show.
pub fn send_file<T: DeserializeOwned + 'static>(
    file: &web_sys::File,
    path: &str,
    progress: impl Fn(u64, u64) + 'static,
    done: impl FnOnce(Result<T, String>) + 'static,
) {
    let failed = |what: &str| Err::<T, String>(format!("The upload could not start: {what}."));
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return done(failed("no XMLHttpRequest"));
    };
    let url = format!("{}{path}", client().base_url());
    if xhr.open("POST", &url).is_err() {
        return done(failed("bad address"));
    }
    if let Some(token) = client().access_token() {
        let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
    }
    let _ = xhr.set_request_header("Content-Type", "application/octet-stream");
    if let Ok(upload) = xhr.upload() {
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                progress(e.loaded() as u64, e.total() as u64)
            });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        // Lives as long as the request: one small closure per upload.
        on_progress.forget();
    }
    let answer = xhr.clone();
    let on_end = Closure::once(move || {
        let status = answer.status().unwrap_or(0);
        let text = answer.response_text().ok().flatten().unwrap_or_default();
        done(decode(status, &text));
    });
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    on_end.forget();
    if xhr.send_with_opt_blob(Some(file)).is_err() {
        // `loadend` still fires and reports the failure.
    }
}

fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, String> {
    if status == 0 {
        return Err("The connection was lost during the upload. Try again.".into());
    }
    if (200..300).contains(&status) {
        return serde_json::from_str(text)
            .map_err(|_| "The server's answer was unreadable.".into());
    }
    let err = match serde_json::from_str::<Problem>(text) {
        Ok(problem) => ClientError::Api { status, problem },
        Err(e) => ClientError::Decode {
            status,
            message: e.to_string(),
        },
    };
    Err(problems::message(&err))
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
