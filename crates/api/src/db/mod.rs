//! The database handle: SQLite (the zero-configuration default, WAL, foreign keys on) or
//! PostgreSQL (production, many replicas), behind one code path.
//!
//! Queries are written once, in the dialect both share (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`), and run on either backend through [`on_db!`], which expands the same query
//! code once per backend so each gets its native types (UUID, TIMESTAMPTZ on PostgreSQL; BLOB,
//! TEXT on SQLite). The few dialect-specific spots are named functions here.

pub mod enums;
pub mod query;

pub use query::{Arg, ListPlan, Query, both_pages};

use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to SQLite or PostgreSQL, with the key that seals the audit chain
/// written through it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    audit_key: Option<AuditKey>,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The key of the audit chain's HMAC: held by the server, never stored in the database.
#[derive(Clone)]
pub struct AuditKey(pub std::sync::Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    inner: TxInner,
    audit_key: Option<AuditKey>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// One pooled connection, for reads outside a transaction. Within a request
/// ([`Db::shared_within`]) a dropped connection waits for the request's next read instead of
/// going back to the pool: sqlx tests a connection with a round trip each time it returns, so a
/// request that identifies its caller and then reads pays for one return, not one per read.
pub struct Conn(Option<Pooled>);

enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

tokio::task_local! {
    /// The connection the reads of the running request share (see [`Db::shared_within`]).
    static REQUEST_CONN: std::cell::RefCell<Option<Conn>>;
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self.0.as_ref().expect("a connection until dropped") {
            Pooled::Sqlite(_) => Backend::Sqlite,
            Pooled::Postgres(_) => Backend::Postgres,
        }
    }

    /// Back to the pool now, not kept for the request.
    fn release(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(pooled) = self.0.take() else {
            return;
        };
        // Kept for the request's next read when it has none waiting; otherwise (outside a
        // request, or one is kept already) it goes back to the pool as it drops here.
        let _ = REQUEST_CONN.try_with(move |kept| {
            if let Ok(mut kept) = kept.try_borrow_mut()
                && kept.is_none()
            {
                *kept = Some(Conn(Some(pooled)));
            }
        });
    }
}

/// A borrowed connection of either backend: what query functions run on.
pub enum Exec<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Anything queries can run on: a [`Tx`] or a [`Conn`].
pub trait AsExec: Send {
    fn exec(&mut self) -> Exec<'_>;
}

impl AsExec for Tx {
    fn exec(&mut self) -> Exec<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Exec::Sqlite(tx),
            TxInner::Postgres(tx) => Exec::Postgres(tx),
        }
    }
}

impl AsExec for Conn {
    fn exec(&mut self) -> Exec<'_> {
        match self.0.as_mut().expect("a connection until dropped") {
            Pooled::Sqlite(c) => Exec::Sqlite(c),
            Pooled::Postgres(c) => Exec::Postgres(c),
        }
    }
}

/// Runs `$body` with `$c` bound to the backend's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`); the body is written once and compiled for both.
#[macro_export]
macro_rules! on_db {
    ($exec:expr, $c:ident => $body:expr) => {
        match $crate::db::AsExec::exec($exec) {
            $crate::db::Exec::Sqlite($c) => $body,
            $crate::db::Exec::Postgres($c) => $body,
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Db {
                pool: Pool::Postgres(pool),
                audit_key: None,
            })
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("invalid SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // The database is a file in this process: a connection cannot have gone away, so
            // the pool hands it out without the round trip that tests it first.
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot open the SQLite database")?;
            Ok(Db {
                pool: Pool::Sqlite(pool),
                audit_key: None,
            })
        } else {
            anyhow::bail!("the database URL must start with sqlite:// or postgres://")
        }
    }

    /// This handle, writing audit events chained with `key`.
    pub fn with_audit_key(mut self, key: [u8; 32]) -> Db {
        self.audit_key = Some(AuditKey(std::sync::Arc::new(key)));
        self
    }

    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_ref()
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
        .context("database migration failed")
    }

    /// Starts a read-write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads, then writes, can fail with
    /// SQLITE_BUSY when another writer got in between, whatever the busy timeout.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        // A request writes on a connection of its own: the one its reads keep goes back first,
        // so requests waiting to write never hold every connection between them.
        if let Some(kept) = take_request_conn() {
            kept.release();
        }
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            audit_key: self.audit_key.clone(),
        })
    }

    /// A connection for reads: the running request's, if it has one waiting.
    pub async fn conn(&self) -> sqlx::Result<Conn> {
        if let Some(kept) = take_request_conn() {
            return Ok(kept);
        }
        Ok(Conn(Some(match &self.pool {
            Pool::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })))
    }

    /// Runs `request` with one connection its reads share ([`Conn`]), returned to the pool
    /// when it ends. Every HTTP request runs this way (`telemetry::request_context`).
    pub async fn shared_within<F: std::future::Future>(request: F) -> F::Output {
        REQUEST_CONN
            .scope(std::cell::RefCell::new(None), request)
            .await
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        let Ok(mut conn) = self.conn().await else {
            return false;
        };
        on_db!(&mut conn, c => sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()).is_ok())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// Every application table with its columns, sorted (the migrations' bookkeeping table
    /// left out), each column as `name TYPE [null]` in SQLite's terms (PostgreSQL's types
    /// named as the SQLite migrations write them: see [`sqlite_type_of`]); a column in a
    /// primary key ends with `key`. What the schema-parity test compares between the backends.
    pub async fn schema(&self) -> anyhow::Result<Vec<(String, Vec<String>)>> {
        let rows: Vec<(String, String, String, bool, bool)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name, UPPER(p.type), p.\"notnull\" = 0 AND p.pk = 0, p.pk > 0 \
                     FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name <> '_sqlx_migrations' AND m.name NOT LIKE '%\\_fts' ESCAPE '\\' \
                     AND m.name NOT LIKE '%\\_fts\\_%' ESCAPE '\\' ORDER BY m.name, p.name",
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
                   c.is_nullable = 'YES', EXISTS (SELECT 1 FROM information_schema.key_column_usage k \
                     JOIN information_schema.table_constraints t \
                       ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema \
                     WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema \
                       AND k.table_name = c.table_name AND k.column_name = c.column_name) \
                 FROM information_schema.columns c \
                 WHERE c.table_schema = current_schema() AND c.table_name <> '_sqlx_migrations' \
                 ORDER BY c.table_name, c.column_name",
            )
            .fetch_all(pool)
            .await?,
        };
        let mut tables: Vec<(String, Vec<String>)> = Vec::new();
        for (table, column, kind, nullable, key) in rows {
            let kind = match self.backend() {
                Backend::Sqlite => kind,
                Backend::Postgres => sqlite_type_of(&kind).to_string(),
            };
            let mut column = format!("{column} {kind}");
            if nullable {
                column.push_str(" null");
            }
            if key {
                column.push_str(" key");
            }
            match tables.last_mut() {
                Some((t, cols)) if *t == table => cols.push(column),
                _ => tables.push((table, vec![column])),
            }
        }
        Ok(tables)
    }

    /// Every index the migrations name (not those backing a primary key or an inline
    /// `UNIQUE`), as `table.index`, and every foreign key as `table.column -> table`, sorted.
    /// A search index is `table.table_fts` on both: SQLite's FTS5 table (whose own tables the
    /// schema leaves out), PostgreSQL's trigram index.
    pub async fn constraints(&self) -> anyhow::Result<Vec<String>> {
        let rows: Vec<(String,)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'index' \
                       AND name NOT LIKE 'sqlite_autoindex%' \
                     UNION ALL \
                     SELECT substr(name, 1, length(name) - 4) || '.' || name FROM sqlite_master \
                       WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%' \
                     UNION ALL \
                     SELECT m.name || '.' || f.\"from\" || ' -> ' || f.\"table\" \
                       FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                       WHERE m.type = 'table' \
                     ORDER BY 1",
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT (t.relname || '.' || i.relname)::text FROM pg_index x \
                   JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
                   JOIN pg_namespace n ON n.oid = t.relnamespace \
                   WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
                 UNION ALL \
                 SELECT (cl.relname || '.' || a.attname || ' -> ' || rf.relname)::text \
                   FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
                   JOIN pg_class rf ON rf.oid = c.confrelid \
                   JOIN pg_namespace n ON n.oid = cl.relnamespace \
                   JOIN LATERAL unnest(c.conkey) AS k(attnum) ON true \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                   WHERE c.contype = 'f' AND n.nspname = current_schema() \
                 ORDER BY 1",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }
}

/// The SQLite type the migrations write for a PostgreSQL column type: UUIDs and bytes are
/// BLOBs, times and dates TEXT (RFC 3339), every integer and boolean INTEGER.
pub fn sqlite_type_of(postgres: &str) -> &'static str {
    match postgres {
        "uuid" | "bytea" => "BLOB",
        "text" | "timestamp with time zone" | "date" => "TEXT",
        "integer" | "bigint" | "smallint" => "INTEGER",
        "boolean" => "INTEGER",
        "double precision" | "real" => "REAL",
        _ => "UNMAPPED",
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await,
            TxInner::Postgres(tx) => tx.commit().await,
        }
    }

    /// The key audit events written in this transaction are chained with.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_ref()
    }
}

/// Whether `e` is a unique-constraint violation (the caller turns it into a 409).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The connection the running request keeps for its next read, if any.
fn take_request_conn() -> Option<Conn> {
    REQUEST_CONN
        .try_with(|kept| kept.try_borrow_mut().ok().and_then(|mut k| k.take()))
        .ok()
        .flatten()
}

/// Which backend a connection talks to.
pub fn backend_of(c: &mut impl AsExec) -> Backend {
    match c.exec() {
        Exec::Sqlite(_) => Backend::Sqlite,
        Exec::Postgres(_) => Backend::Postgres,
    }
}

/// Whether a search of `words` on `backend` can start from the trigram index's matches:
/// on SQLite, a term of three characters or more (FTS5's trigram tokenizer has nothing to
/// look up in a shorter one; pg_trgm serves `LIKE` itself, inside any plan).
fn starts_at_matches(backend: Backend, words: Option<&str>) -> Option<&str> {
    words
        .map(str::trim)
        .filter(|w| backend == Backend::Sqlite && w.chars().count() >= 3)
}

/// Appends the table a list reads, `<table> <alias> WHERE `, or — for a search SQLite serves
/// from its trigram index — `<table>_fts CROSS JOIN <table> <alias> WHERE <table>_fts MATCH $n
/// AND <alias>.rowid = <table>_fts.rowid AND `: the matches first, then their rows, so a
/// search reads what it finds, not every row of the tenant (CROSS JOIN fixes SQLite's order).
/// The caller goes on with its own predicates, then [`push_search`] given what this answered
/// (whether the list starts from the matches).
pub fn push_source(q: &mut Query, table: &str, alias: &str, words: Option<&str>) -> bool {
    match starts_at_matches(q.backend(), words) {
        Some(words) => {
            let fts = format!("{table}_fts");
            q.sql(&format!(
                "{fts} CROSS JOIN {table} {alias} WHERE {fts} MATCH "
            ))
            .arg(trigram_phrase(words))
            .sql(&format!(" AND {alias}.rowid = {fts}.rowid AND "));
            true
        }
        None => {
            q.sql(&format!("{table} {alias} WHERE "));
            false
        }
    }
}

/// `words` as one FTS5 phrase: the trigram tokenizer matches it anywhere in a column.
fn trigram_phrase(words: &str) -> String {
    format!("\"{}\"", words.replace('"', "\"\""))
}

/// Appends `AND` a case-insensitive substring search for `words` in any of `columns` (SQL
/// expressions over the row aliased `alias`, already lower-cased: `lower(o.name)`), served by
/// the trigram index of `table` (migration `list_indexes`): on PostgreSQL pg_trgm's index over
/// exactly these expressions; on SQLite the FTS5 table `<table>_fts`, whose trigram tokenizer
/// matches a quoted term of three characters or more anywhere in a column — when the list
/// started from its matches ([`push_source`]) there is nothing left to add. A shorter term has
/// no trigram to look up: SQLite then tests each row the list walks (in key order, so a page
/// stops after its rows are found).
pub fn push_search(
    q: &mut Query,
    from_matches: bool,
    table: &str,
    alias: &str,
    columns: &[&str],
    words: &str,
) {
    let words = words.trim();
    if starts_at_matches(q.backend(), Some(words)).is_some() {
        if !from_matches {
            let fts = format!("{table}_fts");
            q.sql(&format!(
                " AND {alias}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH "
            ))
            .arg(trigram_phrase(words))
            .sql(")");
        }
        return;
    }
    push_like(q, columns, words);
}

/// Appends `AND` a case-insensitive substring test of `words` against any of `columns`, row
/// by row (no index): for lists already narrowed to a few rows, and for terms too short for a
/// trigram.
pub fn push_like(q: &mut Query, columns: &[&str], words: &str) {
    let pattern = contains_pattern(words.trim());
    let escape = match q.backend() {
        // PostgreSQL's LIKE escapes with a backslash by default (and an explicit ESCAPE
        // would hide the pattern from the trigram index).
        Backend::Postgres => "",
        Backend::Sqlite => " ESCAPE '\\'",
    };
    q.sql(" AND (");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            q.sql(" OR ");
        }
        q.sql(&format!("{column} LIKE "))
            .arg(pattern.clone())
            .sql(escape);
    }
    q.sql(")");
}

/// A `LIKE` pattern finding `words` anywhere, with `%`, `_` and `\` taken literally.
pub fn contains_pattern(words: &str) -> String {
    let mut p = String::from("%");
    for ch in words.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_words_are_matched_literally() {
        assert_eq!(contains_pattern(" North "), "%north%");
        assert_eq!(contains_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
