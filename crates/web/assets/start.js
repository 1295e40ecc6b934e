// Starts the app (the CSP allows no inline script; `cargo xtask` fills in the app's folder).
// While the app downloads, it also asks for the session — an access token for the refresh
// cookie, with who is signed in — so the landing page does not wait for that round trip once
// the wasm runs. `src/session.rs` takes the answer, once.
window.__porticoSession = fetch('/api/v1/auth/refresh?include=me', {
  method: 'POST',
  credentials: 'same-origin',
})
  .then(async (refresh) => ({ status: refresh.status, body: await refresh.text() }))
  .catch(() => null);
import('/APP_DIR/portico_web.js').then((app) =>
  app.default({ module_or_path: '/APP_DIR/portico_web_bg.wasm' }),
);
