//! Serving the single-page app (SECURITY.md S21): strict headers, caching by name, precompressed
//! assets, `index.html` for client routes, and nothing outside the web directory.

use crate::helpers::{TestApp, assert_problem};
use portico_api::web_app::CONTENT_SECURITY_POLICY;

const WASM: &str = "portico-web-0123456789abcdef_bg.wasm";

/// A server whose web directory (inside its data directory) holds a tiny built app.
async fn app_with_web_dir() -> TestApp {
    let app = TestApp::spawn_with(|c| c.web_dir = c.data_dir.join("web")).await;
    let dir = app.state.config.web_dir.clone();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Portico</title>",
    )
    .unwrap();
    std::fs::write(dir.join(WASM), b"\0asm raw").unwrap();
    std::fs::write(dir.join(format!("{WASM}.br")), b"brotli bytes").unwrap();
    std::fs::write(app.data_dir.join("secret.txt"), "outside").unwrap();
    app
}

#[tokio::test]
async fn s21_client_routes_get_index_html_with_a_strict_csp_and_no_cache() {
    let app = app_with_web_dir().await;

    for path in ["/", "/profile", "/staff/organisations"] {
        let res = app.http().get(app.url(path)).send().await.unwrap();

        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers();
        assert_eq!(h["content-security-policy"], CONTENT_SECURITY_POLICY);
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self' 'wasm-unsafe-eval'"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-cache");
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(res.text().await.unwrap().contains("<title>Portico</title>"));
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_sent_precompressed_when_accepted() {
    let app = app_with_web_dir().await;
    let url = app.url(&format!("/{WASM}"));

    let br = app
        .http()
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    let plain = app
        .http()
        .get(&url)
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();

    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli bytes");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"\0asm raw");
}

#[tokio::test]
async fn missing_assets_and_paths_outside_the_web_directory_are_404_problems() {
    let app = app_with_web_dir().await;

    for path in [
        "/missing-0123456789abcdef.js",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/.env",
    ] {
        let res = app.http().get(app.url(path)).send().await.unwrap();
        let body = assert_problem(res, 404).await;
        assert!(!body.to_string().contains("outside"));
    }
    // The API keeps its own answers.
    let res = app
        .http()
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn head_requests_get_the_headers_and_length_without_the_body() {
    let app = app_with_web_dir().await;

    let res = app.http().head(app.url("/profile")).send().await.unwrap();

    assert_eq!(res.status(), 200);
    let expected = "<!doctype html><title>Portico</title>".len().to_string();
    assert_eq!(res.headers()["content-length"], expected.as_str());
    assert!(res.bytes().await.unwrap().is_empty());
}
