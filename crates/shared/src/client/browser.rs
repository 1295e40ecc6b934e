//! The browser transport: `fetch` through `web-sys`, or `XMLHttpRequest` when a body reports
//! its upload progress (fetch cannot). Dropping a call's future aborts it, so a page that goes
//! away leaves no request behind. The refresh cookie is the browser's business (HttpOnly).

use super::call::{Answer, Body, Content, Outgoing};
use super::{ClientError, ClientResult};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub(super) struct Transport;

impl Transport {
    pub(super) fn new() -> Self {
        Transport
    }

    pub(super) async fn carry(&self, out: Outgoing) -> ClientResult<Answer> {
        match out.body.as_ref().and_then(|b| b.progress.clone()) {
            Some(progress) => xhr(out, progress).await,
            None => fetch(out).await,
        }
    }
}

fn js_error(e: JsValue) -> ClientError {
    let message = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the request failed".into());
    ClientError::Transport(message)
}

fn body_value(body: &Body) -> JsValue {
    match &body.content {
        Content::Bytes(bytes) => js_sys::Uint8Array::from(bytes.as_slice()).into(),
        Content::Blob(blob) => blob.clone().into(),
    }
}

/// Aborts the request unless it finished.
struct AbortOnDrop<F: FnMut()>(Option<F>);

impl<F: FnMut()> AbortOnDrop<F> {
    fn finished(&mut self) {
        self.0 = None;
    }
}

impl<F: FnMut()> Drop for AbortOnDrop<F> {
    fn drop(&mut self) {
        if let Some(abort) = self.0.as_mut() {
            abort();
        }
    }
}

async fn fetch(out: Outgoing) -> ClientResult<Answer> {
    let window = web_sys::window().ok_or_else(|| ClientError::Transport("no window".into()))?;
    let headers = web_sys::Headers::new().map_err(js_error)?;
    if let Some(token) = &out.bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    if let Some(content_type) = &out.content_type {
        headers
            .set("Content-Type", content_type)
            .map_err(js_error)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(out.method);
    init.set_headers(&headers);
    if let Some(body) = &out.body {
        init.set_body(&body_value(body));
    }
    let controller = web_sys::AbortController::new().map_err(js_error)?;
    init.set_signal(Some(&controller.signal()));
    let mut guard = AbortOnDrop(Some(move || controller.abort()));
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&out.url, &init))
            .await
            .map_err(js_error)?
            .unchecked_into();
    let status = response.status();
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    guard.finished();
    Ok(Answer {
        status,
        body: js_sys::Uint8Array::new(&buffer).to_vec(),
        refresh_cookie: None,
    })
}

async fn xhr(out: Outgoing, progress: Rc<dyn Fn(u64, u64)>) -> ClientResult<Answer> {
    let xhr = web_sys::XmlHttpRequest::new().map_err(js_error)?;
    xhr.open(out.method, &out.url).map_err(js_error)?;
    xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Arraybuffer);
    if let Some(token) = &out.bearer {
        xhr.set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    if let Some(content_type) = &out.content_type {
        xhr.set_request_header("Content-Type", content_type)
            .map_err(js_error)?;
    }
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            progress(e.loaded() as u64, e.total() as u64)
        });
    xhr.upload()
        .map_err(js_error)?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // `loadend` follows success, failure and abort alike.
    let ended = js_sys::Promise::new(&mut |resolve, _reject| {
        xhr.set_onloadend(Some(&resolve));
    });
    match out.body.as_ref().map(|b| &b.content) {
        Some(Content::Blob(blob)) => xhr.send_with_opt_blob(Some(blob)),
        Some(Content::Bytes(bytes)) => xhr.send_with_opt_u8_array(Some(bytes)),
        None => xhr.send(),
    }
    .map_err(js_error)?;
    let aborting = xhr.clone();
    let mut guard = AbortOnDrop(Some(move || {
        let _ = aborting.abort();
    }));
    JsFuture::from(ended).await.map_err(js_error)?;
    guard.finished();
    drop(on_progress);
    let status = xhr.status().map_err(js_error)?;
    if status == 0 {
        return Err(ClientError::Transport(
            "the connection was lost during the upload".into(),
        ));
    }
    let body = xhr
        .response()
        .ok()
        .filter(|r| r.is_instance_of::<js_sys::ArrayBuffer>())
        .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
        .unwrap_or_default();
    Ok(Answer {
        status,
        body,
        refresh_cookie: None,
    })
}
