//! The test harness: the real server on 127.0.0.1 (port 0) over a fresh database per test —
//! a temporary SQLite file, or a fresh PostgreSQL database when `PORTICO_TEST_POSTGRES_URL`
//! names a server (`cargo xtask test` runs the suite once per backend).

use actix_web::web;
use portico_api::clock::Clock;
use portico_api::config::{Config, LogFormat};
use portico_api::db::Backend;
use portico_api::jobs::Worker;
use portico_api::startup::Application;
use portico_api::state::AppState;
use portico_api::{demo, on_db, telemetry};
use portico_shared::auth::LoginRequest;
use portico_shared::client::Client;
use portico_shared::people::{InvitePerson, MembershipGrant};
use portico_shared::tenancy::Scope;
use portico_shared::{OrganizationId, TenantId, UserId};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The password every seeded person has in tests.
pub const PASSWORD: &str = "violet-harbour-lantern-1987";

/// Every log line the servers of this test binary wrote (SECURITY.md S24 greps it).
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().expect("log buffer")).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(Default::default)
}

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer()
            .lock()
            .expect("log buffer")
            .extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A PostgreSQL database made for one test and dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> (PgDatabase, String) {
        use sqlx::Connection;
        let name = format!("portico_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("PORTICO_TEST_POSTGRES_URL does not answer");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("cannot create a test database");
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) if server.contains("://") && server.len() > "postgres://".len() => {
                format!("{server}/{name}")
            }
            _ => format!("{}/{name}", admin_url.trim_end_matches('/')),
        };
        let db = PgDatabase {
            admin_url: admin_url.to_string(),
            name,
        };
        (db, url)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join();
    }
}

/// One running server with its own database, data directory and clock.
pub struct TestApp {
    pub address: String,
    pub state: web::Data<AppState>,
    pub clock: Clock,
    pub data_dir: PathBuf,
    _pg: Option<PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server whose configuration `adjust` may change first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        telemetry::init_with_writer(LogFormat::Json, "info,portico_api=debug", || LogWriter);
        let data_dir =
            std::env::temp_dir().join(format!("portico-test-{}", uuid::Uuid::now_v7().simple()));
        let mut config = Config::defaults();
        config.bind = "127.0.0.1:0".into();
        config.data_dir = data_dir.clone();
        config.workers = Some(2);
        config.database_max_connections = 5;
        // Tests drive job workers themselves, with the manual clock.
        config.run_jobs = false;
        // `cargo xtask test` runs an SMTP server (aiosmtpd) that keeps what it receives in a
        // Maildir; without one, mail goes to the data directory's mailbox folder.
        if let Ok(url) = std::env::var("PORTICO_TEST_SMTP_URL")
            && !url.is_empty()
        {
            config.smtp_url = Some(url);
        }
        let pg = match std::env::var("PORTICO_TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let (db, url) = PgDatabase::create(&admin_url).await;
                config.database_url = Some(url);
                Some(db)
            }
            _ => None,
        };
        adjust(&mut config);
        let clock = Clock::manual();
        let app = Application::build(config, clock.clone())
            .await
            .expect("the application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run());
        TestApp {
            address,
            state,
            clock,
            data_dir,
            _pg: pg,
        }
    }

    pub fn backend(&self) -> Backend {
        self.state.db.backend()
    }

    /// Seeds the demo people into tenant `slug` with [`PASSWORD`].
    pub async fn tenant(&self, slug: &str) -> TestTenant {
        let seeded = demo::seed(&self.state, slug, Some(PASSWORD.into()))
            .await
            .expect("seeding works");
        // The seed's own events are handed out now, so a test counts only its own jobs.
        self.run_jobs().await;
        TestTenant {
            address: self.address.clone(),
            slug: seeded.slug,
            id: seeded.tenant_id,
            users: seeded.users,
            organizations: seeded.organizations,
        }
    }

    /// A client that has not signed in.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.address)
    }

    /// A plain HTTP client for requests the typed client cannot make (malformed ones).
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// How many rows each application table holds (to show a refused request changed nothing).
    pub async fn row_counts(&self) -> Vec<(String, i64)> {
        let mut counts = Vec::new();
        for (table, _) in self.state.db.schema().await.expect("schema") {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let mut conn = self.state.db.conn().await.expect("connection");
            let n: i64 =
                on_db!(&mut conn, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_one(c).await)
                .expect("count");
            counts.push((table, n));
        }
        counts
    }

    /// Row counts of the tables a request could change, leaving out what signing in writes
    /// (sessions, refresh tokens, audit events), so tests can show a refused request changed
    /// nothing.
    pub async fn data_row_counts(&self) -> Vec<(String, i64)> {
        const SIGN_IN_TABLES: &[&str] = &[
            "sessions",
            "refresh_tokens",
            "audit_events",
            "audit_chain_heads",
            "login_throttle",
        ];
        let mut counts = self.row_counts().await;
        counts.retain(|(table, _)| !SIGN_IN_TABLES.contains(&table.as_str()));
        counts
    }

    /// One string column of one row, read straight from the database.
    pub async fn read_text(&self, sql: &str, id: uuid::Uuid) -> String {
        let mut conn = self.state.db.conn().await.expect("connection");
        on_db!(&mut conn, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(id).fetch_one(c).await)
        .expect("row")
    }

    /// Runs every due job (mail delivery among them), as the server's worker would.
    pub async fn run_jobs(&self) -> usize {
        let worker = Worker::new(
            self.state.db.clone(),
            self.clock.clone(),
            portico_api::startup::job_handlers(&self.state),
        );
        let mut ran = 0;
        while worker.run_once().await.expect("the worker runs") {
            ran += 1;
        }
        ran
    }

    /// The mail delivered so far to `to` for `tenant`, oldest first, after running due jobs.
    /// Read from the test SMTP server's Maildir when there is one, else the mailbox folder.
    pub async fn mail_to(&self, tenant: &TestTenant, to: &str) -> Vec<ReceivedMail> {
        self.run_jobs().await;
        let dir = match std::env::var("PORTICO_TEST_MAILDIR") {
            Ok(maildir) if self.state.config.smtp_url.is_some() => {
                PathBuf::from(maildir).join("new")
            }
            _ => self.state.config.mailbox_dir(),
        };
        let mut found: Vec<(std::time::SystemTime, ReceivedMail)> = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let mail = ReceivedMail::parse(&raw);
            let ours = mail.header("x-portico-tenant") == Some(&tenant.id.0.to_string());
            if ours && mail.header("to").is_some_and(|t| t.contains(to)) {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                found.push((modified, mail));
            }
        }
        found.sort_by_key(|(t, m)| (*t, m.header("message-id").map(str::to_owned)));
        found.into_iter().map(|(_, m)| m).collect()
    }

    /// The one link secret in the last mail to `to` whose subject contains `subject`.
    pub async fn link_sent_to(&self, tenant: &TestTenant, to: &str, subject: &str) -> String {
        let mails = self.mail_to(tenant, to).await;
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.subject().contains(subject))
            .unwrap_or_else(|| {
                panic!(
                    "no mail \"{subject}\" to {to}; got {:?}",
                    mails.iter().map(|m| m.subject()).collect::<Vec<_>>()
                )
            });
        mail.token()
            .unwrap_or_else(|| panic!("no link in {}", mail.text))
    }

    /// The data of the events of `kind` in `tenant`, newest first.
    pub async fn events(&self, tenant: &TestTenant, kind: &str) -> Vec<Value> {
        let mut conn = self.state.db.conn().await.expect("connection");
        portico_api::events::queries::list(&mut conn, tenant.id, Some(kind), 1000)
            .await
            .expect("events")
            .into_iter()
            .map(|row| {
                let event = portico_api::events::decode(&row).expect("a known event");
                serde_json::to_value(&event).expect("serialises")["data"].clone()
            })
            .collect()
    }

    /// From now on, a transaction that emits an event of `kind` fails at commit (a deferred
    /// foreign key its insert breaks), so the whole change rolls back; [`mend_commits`] ends it.
    pub async fn break_commits_emitting(&self, kind: &str) {
        let statements = match self.backend() {
            Backend::Sqlite => vec![
                "CREATE TABLE IF NOT EXISTS test_commit_breaker_parent (id INTEGER PRIMARY KEY)"
                    .to_string(),
                "CREATE TABLE IF NOT EXISTS test_commit_breaker (parent INTEGER REFERENCES \
                 test_commit_breaker_parent (id) DEFERRABLE INITIALLY DEFERRED)"
                    .to_string(),
                format!(
                    "CREATE TRIGGER test_break_commit AFTER INSERT ON events \
                     WHEN NEW.kind = '{kind}' BEGIN \
                     INSERT INTO test_commit_breaker (parent) VALUES (1); END"
                ),
            ],
            Backend::Postgres => vec![
                "CREATE TABLE IF NOT EXISTS test_commit_breaker_parent (id INTEGER PRIMARY KEY)"
                    .to_string(),
                "CREATE TABLE IF NOT EXISTS test_commit_breaker (parent INTEGER REFERENCES \
                 test_commit_breaker_parent (id) DEFERRABLE INITIALLY DEFERRED)"
                    .to_string(),
                "CREATE OR REPLACE FUNCTION test_break_commit() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 INSERT INTO test_commit_breaker (parent) VALUES (1); RETURN NEW; END $$"
                    .to_string(),
                format!(
                    "CREATE TRIGGER test_break_commit AFTER INSERT ON events FOR EACH ROW \
                     WHEN (NEW.kind = '{kind}') EXECUTE FUNCTION test_break_commit()"
                ),
            ],
        };
        for sql in statements {
            self.execute(&sql)
                .await
                .expect("the commit breaker installs");
        }
    }

    /// Commits work again (see [`break_commits_emitting`]).
    pub async fn mend_commits(&self) {
        let sql = match self.backend() {
            Backend::Sqlite => "DROP TRIGGER test_break_commit",
            Backend::Postgres => "DROP TRIGGER test_break_commit ON events",
        };
        self.execute(sql).await.expect("the commit breaker goes");
    }

    /// Runs statements in order on one connection (for per-connection settings).
    pub async fn execute_on_one_connection(&self, statements: &[String]) {
        let mut conn = self.state.db.conn().await.expect("connection");
        for sql in statements {
            on_db!(&mut conn, c => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(c).await.map(|_| ()))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    /// Runs a statement straight on the database.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let mut conn = self.state.db.conn().await.expect("connection");
        on_db!(&mut conn, c => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(c).await.map(|r| r.rows_affected()))
    }
}

/// A seeded demo tenant (see `demo::PEOPLE`): owner, agent, alice, bob, carol, dave.
pub struct TestTenant {
    address: String,
    pub slug: String,
    pub id: TenantId,
    users: Vec<(String, UserId)>,
    organizations: Vec<(String, OrganizationId)>,
}

impl TestTenant {
    pub fn email(&self, who: &str) -> String {
        demo::email_of(who, &self.slug)
    }

    pub fn user(&self, who: &str) -> UserId {
        let email = self.email(who);
        self.users
            .iter()
            .find(|(e, _)| *e == email)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no seeded user {who}"))
    }

    pub fn organization(&self, name: &str) -> OrganizationId {
        self.organizations
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no seeded organisation {name}"))
    }

    pub fn northwind(&self) -> OrganizationId {
        self.organization(demo::NORTHWIND)
    }

    pub fn contoso(&self) -> OrganizationId {
        self.organization(demo::CONTOSO)
    }

    pub fn credentials(&self, who: &str, password: &str) -> LoginRequest {
        LoginRequest {
            tenant: self.slug.clone(),
            email: self.email(who),
            password: password.into(),
        }
    }

    /// A client signed in as `who`.
    pub async fn login(&self, who: &str) -> Client {
        let client = Client::new(&self.address);
        client
            .login(&self.credentials(who, PASSWORD))
            .await
            .unwrap_or_else(|e| panic!("{who} cannot sign in: {e}"));
        client
    }
}

/// An invitation of a customer contact to one organisation with `scopes`.
pub fn contact(email: &str, name: &str, org: OrganizationId, scopes: &[Scope]) -> InvitePerson {
    InvitePerson {
        email: email.into(),
        name: name.into(),
        staff_role: None,
        memberships: vec![MembershipGrant {
            organization_id: org,
            scopes: scopes.to_vec(),
        }],
    }
}

/// Asserts neither the access token nor the refresh token of `client` works any more.
pub async fn assert_signed_out(client: &Client) {
    assert_eq!(
        client.me().await.unwrap_err().status(),
        Some(401),
        "access token lives on"
    );
    assert_eq!(
        client.refresh().await.unwrap_err().status(),
        Some(401),
        "refresh token lives on"
    );
}

/// Asserts `res` is an RFC 9457 problem with `status`, and returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("a JSON problem body");
    assert!(body["type"].is_string(), "problem without type: {body}");
    assert!(body["title"].is_string(), "problem without title: {body}");
    assert_eq!(body["status"], status, "problem status: {body}");
    body
}

/// The `field` of every entry of a validation problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The problem `type` slug of a body, e.g. `not-found`.
pub fn problem_type(body: &Value) -> &str {
    body["type"]
        .as_str()
        .and_then(|t| t.strip_prefix("/problems/"))
        .unwrap_or_default()
}

/// A delivered message, parsed just enough for tests: headers, and the decoded text and HTML
/// parts (Portico sends multipart/alternative, quoted-printable).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl ReceivedMail {
    pub fn parse(raw: &str) -> ReceivedMail {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let headers = parse_headers(head);
        let boundary = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .and_then(|(_, v)| v.split("boundary=").nth(1))
            .map(|b| b.trim_matches('"').to_string());
        let (mut text, mut html) = (String::new(), String::new());
        if let Some(boundary) = boundary {
            for part in body.split(&format!("--{boundary}")) {
                let Some((part_head, part_body)) = part.trim_start_matches('\n').split_once("\n\n")
                else {
                    continue;
                };
                let part_headers = parse_headers(part_head);
                let kind = part_headers
                    .iter()
                    .find(|(k, _)| k == "content-type")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let decoded = decode_quoted_printable(part_body);
                if kind.starts_with("text/plain") {
                    text = decoded;
                } else if kind.starts_with("text/html") {
                    html = decoded;
                }
            }
        }
        ReceivedMail {
            headers,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn subject(&self) -> &str {
        self.header("subject").unwrap_or_default()
    }

    /// The link secret (`#token=…`) in the text part.
    pub fn token(&self) -> Option<String> {
        let start = self.text.find("#token=")? + "#token=".len();
        Some(self.text[start..].split_whitespace().next()?.to_string())
    }
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    headers
}

/// Decodes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX` escapes.
fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
            out.push(u8::from_str_radix(hex, 16).expect("hex digits"));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).trim_end().to_string()
}

/// A DNS server on loopback that answers TXT queries from `records` (name → value) and with
/// NXDOMAIN otherwise: what a tenant's DNS provider would publish.
pub struct DnsServer {
    pub address: std::net::SocketAddr,
    pub records: Arc<Mutex<std::collections::HashMap<String, String>>>,
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = socket.local_addr().unwrap();
        let records: Arc<Mutex<std::collections::HashMap<String, String>>> = Default::default();
        let served = records.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let query = &buf[..n];
                // The question's name: labels from byte 12 to the root label.
                let (mut at, mut labels) = (12, Vec::new());
                while at < n && query[at] != 0 {
                    let len = query[at] as usize;
                    labels.push(String::from_utf8_lossy(&query[at + 1..at + 1 + len]).to_string());
                    at += 1 + len;
                }
                let question_end = at + 5;
                let name = labels.join(".").to_ascii_lowercase();
                let value = served.lock().unwrap().get(&name).cloned();
                let mut answer = query[..question_end].to_vec();
                answer[2] = 0x81;
                answer[3] = if value.is_some() { 0x80 } else { 0x83 };
                if let Some(value) = value {
                    answer[7] = 1;
                    answer.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60]);
                    answer.extend_from_slice(&((value.len() + 1) as u16).to_be_bytes());
                    answer.push(value.len() as u8);
                    answer.extend_from_slice(value.as_bytes());
                }
                let _ = socket.send_to(&answer, from).await;
            }
        });
        DnsServer { address, records }
    }

    pub fn publish(&self, name: &str, value: &str) {
        self.records
            .lock()
            .unwrap()
            .insert(name.to_ascii_lowercase(), value.to_string());
    }
}
