//! Queries built with only the predicates in use.
//!
//! A list with optional filters written as one SQL text (`$4 IS NULL OR o.id > $4`) gives the
//! planner a statement it must plan for every combination at once: it scans and sorts the
//! tenant's rows. A [`Query`] is the SQL of one combination, its arguments numbered as they are
//! pushed, so each filter in use becomes an indexable predicate and each one not in use is not
//! there at all. The same value runs on either backend and can be explained: the plan test
//! (`tests/api/plans.rs`) runs every list's queries through [`Query::plan`].

use super::{AsExec, Backend, Exec};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use std::fmt::Write;
use uuid::Uuid;

/// One bound argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Uuid(Uuid),
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Arg {
        Arg::Uuid(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}
impl From<NaiveDate> for Arg {
    fn from(v: NaiveDate) -> Arg {
        Arg::Date(v)
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Arg {
        Arg::Time(v)
    }
}

impl Arg {
    fn postgres_type(&self) -> &'static str {
        match self {
            Arg::Uuid(_) => "uuid",
            Arg::Text(_) => "text",
            Arg::Int(_) => "bigint",
            Arg::Bool(_) => "boolean",
            Arg::Date(_) => "date",
            Arg::Time(_) => "timestamptz",
        }
    }

    /// The value as a PostgreSQL literal (for `EXPLAIN EXECUTE`, whose arguments are SQL).
    fn postgres_literal(&self) -> String {
        let quoted = |v: &str| format!("'{}'", v.replace('\'', "''"));
        match self {
            Arg::Uuid(v) => quoted(&v.to_string()),
            Arg::Text(v) => quoted(v),
            Arg::Int(v) => v.to_string(),
            Arg::Bool(v) => v.to_string(),
            Arg::Date(v) => quoted(&v.to_string()),
            Arg::Time(v) => quoted(&v.to_rfc3339()),
        }
    }
}

/// A statement for one backend, with its arguments.
#[derive(Debug, Clone)]
pub struct Query {
    backend: Backend,
    sql: String,
    args: Vec<Arg>,
}

/// Binds `$args` onto the sqlx query `$q` (the same text for both backends).
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Uuid(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs `$query` as rows of a type on connection `$c` with the sqlx method `$fetch`.
macro_rules! run {
    ($query:expr, $c:expr, $fetch:ident) => {{
        $query.check($c);
        let args = $query.args.iter().cloned();
        let sql = sqlx::AssertSqlSafe($query.sql.clone());
        match $c.exec() {
            Exec::Sqlite(e) => bind_all!(sqlx::query_as(sql), args).$fetch(e).await,
            Exec::Postgres(e) => bind_all!(sqlx::query_as(sql), args).$fetch(e).await,
        }
    }};
}

impl Query {
    pub fn new(backend: Backend, sql: &str) -> Query {
        Query {
            backend,
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// A statement written with its own placeholders (`$1` …) for `args`, in order.
    pub fn with_args(backend: Backend, sql: &str, args: Vec<Arg>) -> Query {
        Query {
            backend,
            sql: sql.to_owned(),
            args,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends SQL text (never a value: values go through [`Query::arg`]).
    pub fn sql(&mut self, text: &str) -> &mut Query {
        self.sql.push_str(text);
        self
    }

    /// Appends the placeholder of a new argument.
    pub fn arg(&mut self, value: impl Into<Arg>) -> &mut Query {
        self.args.push(value.into());
        write!(self.sql, "${}", self.args.len()).expect("writing to a String");
        self
    }

    /// Appends `(a, b, …)`, each a placeholder.
    pub fn args<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Query {
        self.sql.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.arg(v);
        }
        self.sql.push(')');
        self
    }

    /// Ends a list: the rows after the cursor `after` in ascending `key` order, one more than
    /// `limit` (the extra row only says there is a next page: `pagination::page`).
    pub fn page_after(&mut self, key: &str, after: Option<Uuid>, limit: u32) -> &mut Query {
        self.keyset(key, ">", "", after, limit)
    }

    /// Ends a list read newest first: the rows before the cursor in descending `key` order.
    pub fn page_before(&mut self, key: &str, before: Option<Uuid>, limit: u32) -> &mut Query {
        self.keyset(key, "<", " DESC", before, limit)
    }

    fn keyset(
        &mut self,
        key: &str,
        beyond: &str,
        order: &str,
        cursor: Option<Uuid>,
        limit: u32,
    ) -> &mut Query {
        if let Some(cursor) = cursor {
            self.sql(&format!(" AND {key} {beyond} ")).arg(cursor);
        }
        self.sql(&format!(" ORDER BY {key}{order} LIMIT "))
            .arg(i64::from(limit) + 1)
    }

    pub fn text(&self) -> &str {
        &self.sql
    }

    pub async fn fetch_all<R>(&self, c: &mut impl AsExec) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        run!(self, c, fetch_all)
    }

    pub async fn fetch_optional<R>(&self, c: &mut impl AsExec) -> sqlx::Result<Option<R>>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        run!(self, c, fetch_optional)
    }

    pub async fn execute(&self, c: &mut impl AsExec) -> sqlx::Result<u64> {
        self.check(c);
        let args = self.args.iter().cloned();
        let sql = sqlx::AssertSqlSafe(self.sql.clone());
        match c.exec() {
            Exec::Sqlite(e) => bind_all!(sqlx::query(sql), args)
                .execute(e)
                .await
                .map(|r| r.rows_affected()),
            Exec::Postgres(e) => bind_all!(sqlx::query(sql), args)
                .execute(e)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// The planner's plan for this statement with these arguments, one line per step:
    /// `EXPLAIN QUERY PLAN` on SQLite (whose plans never depend on the values bound); on
    /// PostgreSQL the generic plan, the one a prepared statement settles on after a few runs
    /// and that cannot lean on the values (`EXPLAIN EXECUTE` with `force_generic_plan`).
    pub async fn plan(&self, c: &mut impl AsExec) -> sqlx::Result<Vec<String>> {
        self.check(c);
        match c.exec() {
            Exec::Sqlite(e) => {
                let sql = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", self.sql));
                let rows: Vec<(i64, i64, i64, String)> =
                    bind_all!(sqlx::query_as(sql), self.args.iter().cloned())
                        .fetch_all(e)
                        .await?;
                Ok(rows.into_iter().map(|r| r.3).collect())
            }
            Exec::Postgres(e) => {
                let types: Vec<&str> = self.args.iter().map(Arg::postgres_type).collect();
                let values: Vec<String> = self.args.iter().map(Arg::postgres_literal).collect();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "SET plan_cache_mode = force_generic_plan; \
                     PREPARE portico_plan ({}) AS {}",
                    types.join(", "),
                    self.sql
                )))
                .execute(&mut *e)
                .await?;
                let rows: sqlx::Result<Vec<(String,)>> = sqlx::query_as(sqlx::AssertSqlSafe(
                    format!("EXPLAIN EXECUTE portico_plan ({})", values.join(", ")),
                ))
                .fetch_all(&mut *e)
                .await;
                sqlx::raw_sql("DEALLOCATE portico_plan; RESET plan_cache_mode")
                    .execute(&mut *e)
                    .await?;
                Ok(rows?.into_iter().map(|r| r.0).collect())
            }
        }
    }

    fn check(&self, c: &mut impl AsExec) {
        debug_assert_eq!(
            self.backend,
            super::backend_of(c),
            "a query built for one backend ran on the other"
        );
    }
}

/// One list or search a capability runs, with representative arguments: what the plan test
/// explains. Every capability's `lists()` names all of its lists, each filter alone and each
/// way of seeing (all, assigned, member), first page and later ones.
#[derive(Debug, Clone)]
pub struct ListPlan {
    pub name: String,
    pub query: Query,
    /// Why a sort in its plan stays small, for a list that starts from a narrow set (a search's
    /// matches, the organisations assigned to someone) and must order it; `None`: the plan
    /// walks an index in the list's order and may not sort.
    pub sorts: Option<&'static str>,
    /// A later page: its plan must start at the cursor in the index it walks.
    pub from_cursor: bool,
    /// A search with a term a trigram index serves: its plan must read that index's matches,
    /// not walk the tenant's rows testing each.
    pub searches: bool,
}

impl ListPlan {
    pub fn new(name: impl Into<String>, query: Query) -> ListPlan {
        ListPlan {
            name: name.into(),
            query,
            sorts: None,
            from_cursor: false,
            searches: false,
        }
    }

    /// This list searches by a term of three characters or more.
    pub fn searching(mut self) -> ListPlan {
        self.searches = true;
        self
    }

    /// This plan may sort what it narrowed to: `bounded_by` says what bounds it.
    pub fn sorting(mut self, bounded_by: &'static str) -> ListPlan {
        self.sorts = Some(bounded_by);
        self
    }
}

/// A first page and a later one of `build(cursor)`, each a [`ListPlan`] named `name`.
pub fn both_pages(name: &str, build: impl Fn(Option<Uuid>) -> Query) -> [ListPlan; 2] {
    [
        ListPlan::new(format!("{name}, first page"), build(None)),
        ListPlan {
            from_cursor: true,
            ..ListPlan::new(format!("{name}, later page"), build(Some(Uuid::now_v7())))
        },
    ]
}
