// Starts the app (the CSP allows no inline script; `cargo xtask` fills in the app's folder).
// While the app downloads, it also asks for the session — an access token for the refresh
// cookie, then who is signed in — so the landing page does not wait for two more round trips
// once the wasm runs. `src/session.rs` takes these answers, once.
window.__porticoSession = fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' })
  .then(async (refresh) => {
    const early = { refresh: { status: refresh.status, body: await refresh.text() } };
    if (refresh.ok) {
      const token = JSON.parse(early.refresh.body).access_token;
      const me = await fetch('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
      early.me = { status: me.status, body: await me.text() };
    }
    return early;
  })
  .catch(() => null);
import('/APP_DIR/portico_web.js').then((app) =>
  app.default({ module_or_path: '/APP_DIR/portico_web_bg.wasm' }),
);
