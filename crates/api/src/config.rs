//! Settings. Zero configuration works; every setting can be given as a `PORTICO_*` environment
//! variable or a command-line flag (`portico serve --help` lists them all).

use clap::Args;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "PORTICO_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Directory for the SQLite database, signing keys and local files.
    #[arg(
        long,
        env = "PORTICO_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://path` or `postgres://user@host/db`. Default: SQLite in the data
    /// directory (`<data dir>/portico.db`).
    #[arg(
        long,
        env = "PORTICO_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum database connections per process.
    #[arg(
        long,
        env = "PORTICO_DATABASE_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub database_max_connections: u32,

    /// The public base URL of this portal; the issuer (`iss`) of its tokens. Default:
    /// `http://<bind>`.
    #[arg(long, env = "PORTICO_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// File holding the Ed25519 signing keys (created on first start if missing). Default:
    /// `<data dir>/signing-keys.json`. Share it between replicas.
    #[arg(long, env = "PORTICO_SIGNING_KEYS_FILE", global = true)]
    pub signing_keys_file: Option<PathBuf>,

    /// Lifetime of access tokens, in seconds (at most 900).
    #[arg(long, env = "PORTICO_ACCESS_TOKEN_TTL", default_value_t = 900, global = true,
          value_parser = clap::value_parser!(u64).range(30..=900))]
    pub access_token_ttl: u64,

    /// Lifetime of a sign-in session without use, in days; each refresh starts it again.
    #[arg(
        long,
        env = "PORTICO_SESSION_TTL_DAYS",
        default_value_t = 14,
        global = true
    )]
    pub session_ttl_days: u32,

    /// How long a retired signing key still verifies tokens, in seconds. Keep it at least the
    /// access-token lifetime.
    #[arg(
        long,
        env = "PORTICO_KEY_GRACE_PERIOD",
        default_value_t = 900,
        global = true
    )]
    pub key_grace_period: u64,

    /// Failed sign-ins allowed per account in one throttling window before it is locked
    /// until the window ends.
    #[arg(
        long,
        env = "PORTICO_LOGIN_FAILURE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub login_failure_limit: u32,

    /// Failed sign-ins one client address may make, across every account, in one window.
    #[arg(
        long,
        env = "PORTICO_LOGIN_SOURCE_FAILURE_LIMIT",
        default_value_t = 50,
        global = true
    )]
    pub login_source_failure_limit: u32,

    /// Length of the per-account throttling window, in seconds.
    #[arg(
        long,
        env = "PORTICO_LOGIN_FAILURE_WINDOW",
        default_value_t = 900,
        global = true
    )]
    pub login_failure_window: u64,

    /// Requests per minute one client address may make to the sign-in endpoints.
    #[arg(
        long,
        env = "PORTICO_AUTH_RATE_LIMIT",
        default_value_t = 60,
        global = true
    )]
    pub auth_rate_limit: u32,

    /// Reverse proxies whose `X-Forwarded-For` is believed (comma-separated addresses). Others'
    /// headers are ignored.
    #[arg(
        long,
        env = "PORTICO_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<IpAddr>,

    /// The tenant whose sign-in page `/` shows when neither the link (`?tenant=`) nor the host
    /// name (`<slug>.portal.example`) names one: set it for a single-tenant portal.
    #[arg(long, env = "PORTICO_DEFAULT_TENANT", global = true)]
    pub default_tenant: Option<String>,

    /// The domain under which each tenant has its own host name, `<slug>.<base domain>`
    /// (e.g. `portal.example` for `acme.portal.example`). Without it, any host name of three or
    /// more labels names a tenant by its first label.
    #[arg(long, env = "PORTICO_BASE_DOMAIN", global = true)]
    pub base_domain: Option<String>,

    /// Run background jobs (emails, reminders, webhooks) in this process. Every replica may.
    #[arg(long, env = "PORTICO_RUN_JOBS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub run_jobs: bool,

    /// SMTP server for outgoing mail, e.g. `smtp://user:pass@mail.example:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@mail.example` (TLS). Without it, mail is written to the
    /// mailbox folder instead.
    #[arg(long, env = "PORTICO_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of outgoing mail; the tenant's name is shown as its display name.
    #[arg(
        long,
        env = "PORTICO_MAIL_FROM",
        default_value = "portal@portico.localhost",
        global = true
    )]
    pub mail_from: String,

    /// Where mail goes when no SMTP server is set, one `.eml` file per message. Default:
    /// `<data dir>/mailbox`.
    #[arg(long, env = "PORTICO_MAILBOX_DIR", global = true)]
    pub mailbox_dir: Option<PathBuf>,

    /// Where documents' bytes go when no S3 bucket is set. Default: `<data dir>/files`.
    #[arg(long, env = "PORTICO_FILES_DIR", global = true)]
    pub files_dir: Option<PathBuf>,

    /// Keep documents in this S3 bucket (any S3-compatible service) instead of the files
    /// directory. Every replica then serves the same files.
    #[arg(long, env = "PORTICO_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,

    /// The S3 service's address, for S3-compatible services (e.g. `http://127.0.0.1:9000`).
    /// Default: AWS.
    #[arg(long, env = "PORTICO_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// The bucket's region.
    #[arg(
        long,
        env = "PORTICO_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,

    /// S3 access key id. Default: the AWS_* variables or the instance's role.
    #[arg(long, env = "PORTICO_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,

    /// S3 secret access key.
    #[arg(
        long,
        env = "PORTICO_S3_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<String>,

    /// The largest single upload, in bytes (enforced while the file streams in).
    #[arg(long, env = "PORTICO_MAX_UPLOAD", default_value_t = 2 << 30, global = true)]
    pub max_upload: u64,

    /// Storage each tenant may use, in bytes (every version of every document counts,
    /// including those in the bin).
    #[arg(long, env = "PORTICO_STORAGE_QUOTA", default_value_t = 50 << 30, global = true)]
    pub storage_quota: u64,

    /// Directory of the built web app (Trunk's output), served at `/`. Without it only the API
    /// is served.
    #[arg(long, env = "PORTICO_WEB_DIR", default_value = "web", global = true)]
    pub web_dir: PathBuf,

    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "PORTICO_JSON_LIMIT", default_value_t = 64 * 1024, global = true)]
    pub json_limit: usize,

    /// Seconds a client has to send a request's headers.
    #[arg(
        long,
        env = "PORTICO_REQUEST_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub request_timeout: u64,

    /// The key that seals secrets kept in the database (tenants' hand-off secrets) and keys
    /// the audit chain: 32 random bytes, base64 (`openssl rand -base64 32`). Keep it out of
    /// the database and its backups. Default: made once in `<data dir>/data.key`.
    #[arg(long, env = "PORTICO_DATA_KEY", global = true, hide_env_values = true)]
    pub data_key: Option<String>,

    /// The DNS resolver custom domains' TXT records are read from (`host[:port]`). Default:
    /// the first `nameserver` of `/etc/resolv.conf`.
    #[arg(long, env = "PORTICO_DNS_RESOLVER", global = true)]
    pub dns_resolver: Option<String>,

    /// Seconds a client may pause between the chunks of a request body before it is cut off.
    #[arg(
        long,
        env = "PORTICO_BODY_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub body_timeout: u64,

    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, env = "PORTICO_KEEP_ALIVE", default_value_t = 30, global = true)]
    pub keep_alive: u64,

    /// Password hashes computed at once (each takes 19 MiB and one core for ~50 ms).
    #[arg(long, env = "PORTICO_HASH_CONCURRENCY", global = true)]
    pub hash_concurrency: Option<usize>,

    /// HTTP worker threads. Default: one per core.
    #[arg(long, env = "PORTICO_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Log format: `text` or `json`.
    #[arg(
        long,
        env = "PORTICO_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `portico_api=debug,info`.
    #[arg(long, env = "PORTICO_LOG", default_value = "info", global = true)]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Defaults, as if no flag or variable were given (tests start from here).
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        <Only as clap::Parser>::try_parse_from(["portico"])
            .map(|o| o.config)
            .unwrap_or_else(|e| panic!("default configuration does not parse: {e}"))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("portico.db").display()))
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }

    /// The address of a tenant's portal, for links in mail: its custom domain, else
    /// `<slug>.<base domain>`, else the public URL (links then name the tenant in `?tenant=`).
    pub fn portal_url(&self, slug: &str, custom_domain: Option<&str>) -> String {
        let public = self.public_url();
        let scheme = public.split("://").next().unwrap_or("https").to_string();
        match (custom_domain, &self.base_domain) {
            (Some(domain), _) => format!("{scheme}://{domain}"),
            (None, Some(base)) => format!("{scheme}://{slug}.{}", base.trim_matches('.')),
            (None, None) => public,
        }
    }

    pub fn mailbox_dir(&self) -> PathBuf {
        self.mailbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mailbox"))
    }

    pub fn files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    pub fn signing_keys_file(&self) -> PathBuf {
        self.signing_keys_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("signing-keys.json"))
    }

    pub fn hash_concurrency(&self) -> usize {
        self.hash_concurrency
            .unwrap_or_else(default_parallelism)
            .max(1)
    }

    pub fn workers(&self) -> usize {
        self.workers.unwrap_or_else(default_parallelism).max(1)
    }
}

fn default_parallelism() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// A page of a tenant's portal, for links in mail: `<portal url><path>?tenant=<slug>` (the
/// query names the tenant wherever the host name does not; see [`Config::portal_url`]).
pub fn page_url(portal_url: &str, slug: &str, path: &str) -> String {
    format!("{portal_url}{path}?tenant={slug}")
}

/// Creates `dir` (and its parents) readable by the server's user only — the data directory
/// holds the SQLite database, the signing keys, stored files and mail with live sign-in links —
/// and makes an existing one owner-only too.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// From now on, files and folders the process creates are its user's only (umask 077): the
/// SQLite files, keys, stored documents and mail.
pub fn owner_only_files() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}
