//! Serving the single-page app: hashed assets with immutable caching (precompressed `.br` and
//! `.gz` siblings when the client accepts them), `index.html` for every client route with
//! `no-cache`, and the strict headers of SECURITY.md S21 on all of it.

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use std::path::{Path, PathBuf};

/// SECURITY.md S21. `wasm-unsafe-eval` lets the page compile its WebAssembly; nothing inline.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Built assets are named `name-<16 hex>.ext` (CSS, the start script) or live in a directory
/// named `app-<16 hex>` (the app's modules and chunks): their content never changes under
/// that name.
fn is_hashed_path(path: &str) -> bool {
    path.split('/').any(is_hashed)
}

fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The file under `dir` that `path` names, if it is a plain relative path (no `..`, no dot
/// files): request paths never reach outside the web directory.
fn file_for(dir: &Path, path: &str) -> Option<PathBuf> {
    let mut file = dir.to_path_buf();
    for part in path.strip_prefix('/').unwrap_or(path).split('/') {
        let plain = !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !plain {
            return None;
        }
        file.push(part);
    }
    Some(file)
}

fn accepts(req: &HttpRequest, encoding: &str) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some(encoding))
        })
}

/// Answers a GET or HEAD that no API route took, from the web directory.
pub async fn serve(req: &HttpRequest, dir: &Path) -> HttpResponse {
    let path = req.path();
    let last = path.rsplit('/').next().unwrap_or_default();
    let asset = last.contains('.');
    let file = if asset {
        file_for(dir, path)
    } else {
        // A client route (`/`, `/profile` …): the app decides what to show.
        Some(dir.join("index.html"))
    };
    let Some(file) = file else {
        return ApiError::NotFound.error_response();
    };
    let mut chosen = None;
    for (encoding, suffix) in [("br", "br"), ("gzip", "gz")] {
        if accepts(req, encoding) {
            let mut name = file.clone().into_os_string();
            name.push(".");
            name.push(suffix);
            if let Ok(bytes) = tokio::fs::read(&name).await {
                chosen = Some((bytes, Some(encoding)));
                break;
            }
        }
    }
    let (body, encoding) = match chosen {
        Some(found) => found,
        None => match tokio::fs::read(&file).await {
            Ok(bytes) => (bytes, None),
            Err(_) => return ApiError::NotFound.error_response(),
        },
    };
    let cache = if asset && is_hashed_path(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, content_type(&file)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"));
    if let Some(encoding) = encoding {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(encoding)));
    }
    // For HEAD, actix sends the headers (with the body's length) and not the body.
    res.body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_inside_the_directory_are_served() {
        let dir = Path::new("/srv/web");
        assert_eq!(
            file_for(dir, "/portico-web-0123456789abcdef.js"),
            Some(PathBuf::from("/srv/web/portico-web-0123456789abcdef.js"))
        );
        for bad in [
            "/../etc/passwd",
            "/.env",
            "/a/../../b.js",
            "/a%2e%2e/b.js",
            "//x.js",
        ] {
            assert_eq!(file_for(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn hashed_names_and_directories_are_recognised() {
        assert!(is_hashed_path("/start-0123456789abcdef.js"));
        assert!(is_hashed_path("/style-0123456789abcdef.css"));
        assert!(is_hashed_path("/app-0123456789abcdef/portico_web_bg.wasm"));
        assert!(is_hashed_path("/app-0123456789abcdef/split_documents.wasm"));
        assert!(!is_hashed_path("/index.html"));
        assert!(!is_hashed_path("/favicon.ico"));
        assert!(!is_hashed_path("/app-latest/portico_web.js"));
    }
}
