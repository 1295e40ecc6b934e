//! Every list and search walks an index: the planners' own plans for each of them, with
//! representative arguments (`startup::lists`), over a tenant of a few thousand rows, on the
//! database the tests run on. A full scan of a table, a subquery run for each row (where a
//! join on an indexed membership does the job), or a sort the list did not declare bounded
//! fails. PostgreSQL is asked for the generic plan (what a prepared statement settles on),
//! with its statistics; SQLite plans without any, as it runs.

use crate::helpers::TestApp;
use portico_api::db::{Arg, Backend, ListPlan, Query};

/// What is wrong with `plan` (the lines of `EXPLAIN QUERY PLAN` or `EXPLAIN`) for `list`: it
/// may sort only when it says what bounds the sort, and a later page of a list that walks an
/// index in its order starts at its cursor there (not at the start, skipping rows).
fn faults(backend: Backend, plan: &[String], list: &ListPlan) -> Vec<String> {
    let sorts = list.sorts;
    let mut faults = Vec::new();
    if list.from_cursor && sorts.is_none() {
        let starts_at_cursor = plan.iter().any(|l| match backend {
            Backend::Sqlite => {
                l.trim_start().starts_with("SEARCH") && (l.contains(">?") || l.contains("<?"))
            }
            Backend::Postgres => {
                l.contains("Index Cond:") && (l.contains(" > $") || l.contains(" < $"))
            }
        });
        if !starts_at_cursor {
            faults.push("a later page does not start at its cursor in an index".to_string());
        }
    }
    match backend {
        Backend::Sqlite => {
            if list.searches {
                let reads_matches = plan.iter().any(|l| l.contains("_fts VIRTUAL TABLE INDEX"));
                // `(tenant_id=?)`, perhaps with the cursor: every row of the tenant, each
                // tested against the matches.
                let walks_tenant = plan.iter().any(|l| {
                    l.trim_start().starts_with("SEARCH")
                        && [
                            "(tenant_id=?)",
                            "(tenant_id=? AND id>?)",
                            "(tenant_id=? AND id<?)",
                        ]
                        .iter()
                        .any(|c| l.ends_with(c))
                });
                if !reads_matches || walks_tenant {
                    faults.push("a search walks the tenant instead of its matches".to_string());
                }
            }
            for line in plan {
                let line = line.trim();
                // `SCAN t` reads a whole table, `SCAN t USING INDEX i` a whole index; a
                // trigram table's `SCAN … VIRTUAL TABLE INDEX` is its index lookup, and a
                // subquery's result (`MATERIALIZE x`, `CO-ROUTINE x`) is read as a whole.
                let subquery = |name: &str| {
                    plan.iter().any(|l| {
                        l.trim() == format!("MATERIALIZE {name}")
                            || l.trim() == format!("CO-ROUTINE {name}")
                    })
                };
                let scanned = line
                    .strip_prefix("SCAN ")
                    .map(|rest| rest.split_whitespace().next().unwrap_or_default());
                if let Some(table) = scanned
                    && !line.contains("VIRTUAL TABLE INDEX")
                    && !subquery(table)
                {
                    faults.push(format!("reads every row: {line}"));
                }
                if line.starts_with("CORRELATED") {
                    faults.push(format!("runs a subquery per row: {line}"));
                }
                if line.starts_with("USE TEMP B-TREE FOR")
                    && line.contains("ORDER BY")
                    && sorts.is_none()
                {
                    faults.push(format!("sorts: {line}"));
                }
            }
        }
        Backend::Postgres => {
            // A hashed subplan runs once; another runs for each row it is tested against.
            let hashed = |name: &str| plan.iter().any(|l| l.contains(&format!("hashed {name}")));
            for line in plan {
                let node = line.trim_start().trim_start_matches("-> ").trim_start();
                if node.starts_with("SubPlan") && !hashed(node) {
                    faults.push(format!("runs a subquery per row: {node}"));
                }
                if node.starts_with("Seq Scan") {
                    faults.push(format!("reads every row: {node}"));
                }
                if (node.starts_with("Sort") || node.starts_with("Incremental Sort"))
                    && sorts.is_none()
                {
                    faults.push(format!("sorts: {node}"));
                }
            }
        }
    }
    faults
}

async fn explain(app: &TestApp, lists: Vec<ListPlan>) -> Vec<String> {
    let mut conn = app.state.db.conn().await.unwrap();
    if app.backend() == Backend::Postgres {
        // Tables this small are cheaper to read whole; an index must still be there to use.
        for setting in ["SET enable_seqscan = off", "SET enable_sort = off"] {
            Query::new(Backend::Postgres, setting)
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
    let mut report = Vec::new();
    for list in lists {
        let plan = list.query.plan(&mut conn).await.unwrap_or_else(|e| {
            panic!(
                "{} cannot be explained: {e}\n{}",
                list.name,
                list.query.text()
            )
        });
        let faults = faults(app.backend(), &plan, &list);
        if !faults.is_empty() {
            report.push(format!(
                "{}: {}\n  {}\n  plan:\n    {}",
                list.name,
                faults.join("; "),
                list.query.text(),
                plan.join("\n    ")
            ));
        }
    }
    report
}

#[tokio::test]
async fn every_list_and_search_walks_an_index_in_its_order() {
    let app = TestApp::spawn().await;
    // Enough rows that reading them all costs more than an index; PostgreSQL plans from
    // statistics (SQLite, as it runs, without).
    let tenant = app.tenant("acme").await;
    portico_api::demo::volume::seed(&app.state.db, tenant.id, 3_000, "volume")
        .await
        .unwrap();
    if app.backend() == Backend::Postgres {
        app.execute("ANALYZE").await.unwrap();
    }
    let lists = portico_api::startup::lists(app.backend());
    assert!(
        lists.len() > 100,
        "every list with each filter: {}",
        lists.len()
    );
    let report = explain(&app, lists).await;
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

/// The test above sees what the lists were before they were built with only the filters in
/// use: one SQL text for every filter and every way of seeing, whose `$4 IS NULL OR …`
/// predicates no index can serve.
#[tokio::test]
async fn a_catch_all_predicate_fails_the_plan_test() {
    let app = TestApp::spawn().await;
    let backend = app.backend();
    let some = uuid::Uuid::now_v7();
    let catch_all = Query::with_args(
        backend,
        "SELECT o.id, o.tenant_id, o.name, o.external_ref, o.status, o.custom_fields, \
         o.created_at FROM organizations o WHERE o.tenant_id = $1 AND ($2 = 'all' \
         OR ($2 = 'member' AND EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = \
         o.tenant_id AND m.organization_id = o.id AND m.user_id = $3)) \
         OR ($2 = 'assigned' AND EXISTS (SELECT 1 FROM staff_assignments a \
         WHERE a.tenant_id = o.tenant_id AND a.organization_id = o.id AND a.user_id = $3))) \
         AND ($4 IS NULL OR o.id > $4) AND ($6 IS NULL OR LOWER(o.name) LIKE $6 \
         OR LOWER(COALESCE(o.external_ref, '')) LIKE $6 OR LOWER(o.custom_fields) LIKE $6) \
         AND ($7 IS NULL OR o.status = $7) ORDER BY o.id LIMIT $5",
        // A later page of a search among active organisations, seeing all.
        vec![
            Arg::Uuid(some),
            Arg::Text("all".into()),
            Arg::Uuid(some),
            Arg::Uuid(some),
            Arg::Int(26),
            Arg::Text("%nor%".into()),
            Arg::Text("active".into()),
        ],
    );
    let report = explain(&app, vec![ListPlan::new("catch-all", catch_all)]).await;
    assert_eq!(report.len(), 1, "the catch-all list passed: {report:?}");
}
