//! `cargo xtask bench api`: the API's throughput and latency, side by side in one run.
//!
//! H, a bare actix-web binary answering 25 small JSON objects from memory
//! (`crates/api/examples/bench_hello.rs`), sets the bar. Then a release build of Portico on
//! SQLite and on PostgreSQL (when one answers), each with 30, 10,000 and 100,000 rows of every
//! kind in the demo tenant (`portico seed-volume`, written straight into the tables): `/healthz`,
//! `/me`, the 25-row first page of organisations, people, one organisation's documents and
//! requests, and a search of organisations by reference. `wrk` (installed from apt when
//! missing) drives each for a few seconds over 64 connections; the table shows requests per
//! second, p50, p99, the ratio to H, the server's CPU time per request, and its peak RSS.
//! Then sign-ins: their rate against `cores ÷ one argon2id hash`, and the organisation list's
//! p99 while 16 clients sign in without pause. With `perf` installed, the top symbols of a
//! profile of each endpoint at the largest size.
//!
//! Targets (2 cores, loopback, 64 connections) are checked and a miss fails the command:
//! every 25-row page ≥ 10,000 rps on SQLite and ≥ 7,000 on PostgreSQL with p99 ≤ 15 / 25 ms; at
//! 100,000 rows within 1.5× of its 30-row rate; search ≥ 3,000 rps at 100,000 rows; `/me` ≥
//! 15,000 rps; peak RSS ≤ 60 MiB; sign-ins ≥ 90 % of cores ÷ hash time, and the list's p99 at
//! most 1.5× its calm value during a sign-in storm. `BENCH_SECONDS` sets the time per
//! endpoint (default 5); `BENCH_ROWS` the sizes (default `30,10000,100000`).

use crate::bench::{PASSWORD, login, organization_matching, reset_peak, rss_kib, sign_in_storm};
use crate::{LOCAL_POSTGRES, Server, build_portico, cargo, run_cmd, step, target_dir};
use anyhow::{Context, Result, bail};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONNECTIONS: u32 = 64;
// The targets of issue 14, as the issue sets them: a miss is reported and fails the command;
// they are not to be lowered to pass.
const LIST_TARGET_SQLITE: f64 = 10_000.0;
const LIST_TARGET_POSTGRES: f64 = 7_000.0;
const P99_SQLITE_MS: f64 = 15.0;
const P99_POSTGRES_MS: f64 = 25.0;
const GROWTH_LIMIT: f64 = 1.5;
const SEARCH_TARGET: f64 = 3_000.0;
const ME_TARGET: f64 = 15_000.0;
const RSS_LIMIT_MIB: f64 = 60.0;
const SIGN_IN_SHARE: f64 = 0.9;
const STORM_P99_LIMIT: f64 = 1.5;

/// One endpoint measured.
#[derive(Debug, Clone)]
struct Row {
    server: String,
    rows: usize,
    endpoint: &'static str,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_us: f64,
}

/// What `wrk` reports.
struct Load {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

pub fn run() -> Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .unwrap_or_else(|_| "30,10000,100000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .context("BENCH_ROWS: numbers, comma-separated")
        })
        .collect::<Result<_>>()?;
    ensure_wrk()?;
    step("Building the release server and H");
    let portico = build_portico(true)?;
    run_cmd(
        cargo().args([
            "build",
            "--locked",
            "--release",
            "--package",
            "portico-api",
            "--example",
            "bench_hello",
        ]),
        "cargo build (H)",
    )?;
    let hello = target_dir()
        .join("release")
        .join("examples")
        .join("bench_hello");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let duration = Duration::from_secs(seconds);
    let mut rows = Vec::new();
    let mut missed = Vec::new();

    step("H: a bare actix-web server, 25 objects from memory");
    let h = measure_hello(&hello, duration)?;
    println!("    H: {:.0} requests/s, p99 {:.2} ms", h.rps, h.p99_ms);
    rows.push(h.clone());

    let postgres = std::env::var("PORTICO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| LOCAL_POSTGRES.to_string());
    let backends: Vec<&str> = if postgres_answers(&postgres) {
        vec!["sqlite", "postgres"]
    } else {
        println!("    (no PostgreSQL at {postgres}: SQLite only)");
        vec!["sqlite"]
    };
    let mut peaks = Vec::new();
    let mut sign_ins = Vec::new();
    for backend in &backends {
        for &size in &sizes {
            step(&format!("Portico on {backend}, {size} rows of each kind"));
            let database = Database::new(backend, &postgres, size)?;
            let rows_arg = size.to_string();
            let server = Server::launch_after(
                &portico,
                PASSWORD,
                &database.env(),
                &[&["seed-volume", "--rows", &rows_arg]],
            )?;
            let address = server.url.trim_start_matches("http://").to_string();
            let token = login(&address)?;
            // The organisation `seed-volume` put every document in.
            let org = organization_matching(&address, &token, "VOLUME-000000")?;
            let endpoints = endpoints(&org);
            let pid = server.pid();
            reset_peak(pid)?;
            for (name, path, authorised) in &endpoints {
                let auth = authorised.then_some(token.as_str());
                let row = measure(&server.url, pid, name, path, auth, duration)?;
                let row = Row {
                    server: format!("portico/{backend}"),
                    rows: size,
                    ..row
                };
                println!("{}", table_line(&row, &h));
                rows.push(row);
            }
            peaks.push((
                format!("{backend}, {size} rows"),
                rss_kib(pid, "VmHWM")? as f64 / 1024.0,
            ));
            if size == sizes[0] {
                sign_ins.push((
                    backend.to_string(),
                    sign_in_figures(&server, &token, cores, duration)?,
                ));
            }
            if size == *sizes.last().expect("a size") {
                profile(&server.url, pid, &endpoints, &token)?;
            }
            drop(server);
            database.drop_it();
        }
    }

    println!("\n==> The API against H ({CONNECTIONS} connections, {cores} cores)");
    println!(
        "{:<18} {:>7}  {:<28} {:>9} {:>8} {:>8} {:>7} {:>8}",
        "server", "rows", "endpoint", "req/s", "p50 ms", "p99 ms", "vs H", "CPU µs"
    );
    for row in &rows {
        println!("{}", table_line(row, &h));
    }
    println!("\n==> Peak resident memory under that load");
    for (what, mib) in &peaks {
        let ok = *mib <= RSS_LIMIT_MIB;
        if !ok {
            missed.push(format!(
                "peak RSS {mib:.1} MiB on {what} (≤ {RSS_LIMIT_MIB})"
            ));
        }
        println!("[{}] {what:<28} {mib:>6.1} MiB", mark(ok));
    }
    println!("\n==> Sign-ins");
    for (backend, s) in &sign_ins {
        let ideal = cores as f64 / s.hash_seconds;
        let ok = s.rate >= SIGN_IN_SHARE * ideal;
        if !ok {
            missed.push(format!(
                "{backend}: {:.1} sign-ins/s, under 90 % of {ideal:.1}",
                s.rate
            ));
        }
        println!(
            "[{}] {backend:<9} {:.1} sign-ins/s with 16 clients; one hash {:.1} ms, so {cores} \
             cores allow {ideal:.1}/s ({:.0} %)",
            mark(ok),
            s.rate,
            s.hash_seconds * 1000.0,
            100.0 * s.rate / ideal
        );
        let ratio = s.storm_p99_ms / s.calm_p99_ms;
        let ok = ratio <= STORM_P99_LIMIT;
        if !ok {
            missed.push(format!(
                "{backend}: the list's p99 is {ratio:.2}× its calm value during a sign-in storm"
            ));
        }
        println!(
            "[{}] {backend:<9} organisations list p99 {:.2} ms calm, {:.2} ms during a sign-in \
             storm ({ratio:.2}×, target ≤ {STORM_P99_LIMIT}×); {:.1} sign-ins/s meanwhile",
            mark(ok),
            s.calm_p99_ms,
            s.storm_p99_ms,
            s.storm_sign_ins
        );
    }
    missed.extend(check_targets(&rows, &sizes));
    if missed.is_empty() {
        println!("\nEvery target met.");
        Ok(())
    } else {
        println!("\n==> Targets missed");
        for m in &missed {
            println!("  - {m}");
        }
        bail!("{} API targets missed", missed.len())
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// What each size is asked: `(name, path, signed in)`.
fn endpoints(org: &str) -> Vec<(&'static str, String, bool)> {
    vec![
        ("/healthz", "/healthz".into(), false),
        ("/me", "/api/v1/me".into(), true),
        (
            "organisations",
            "/api/v1/organizations?limit=25".into(),
            true,
        ),
        ("people", "/api/v1/users?limit=25".into(), true),
        (
            "documents",
            format!("/api/v1/organizations/{org}/documents?limit=25"),
            true,
        ),
        ("requests", "/api/v1/requests?limit=25".into(), true),
        (
            "organisations ?q=VOLUME-00004",
            "/api/v1/organizations?limit=25&q=VOLUME-00004".into(),
            true,
        ),
    ]
}

fn is_list(endpoint: &str) -> bool {
    matches!(
        endpoint,
        "organisations" | "people" | "documents" | "requests"
    )
}

fn check_targets(rows: &[Row], sizes: &[usize]) -> Vec<String> {
    let mut missed = Vec::new();
    let (smallest, largest) = (sizes[0], *sizes.last().expect("a size"));
    for row in rows.iter().filter(|r| r.server.starts_with("portico")) {
        let postgres = row.server.ends_with("postgres");
        let what = format!("{} {} at {} rows", row.server, row.endpoint, row.rows);
        if is_list(row.endpoint) {
            let (rps, p99) = if postgres {
                (LIST_TARGET_POSTGRES, P99_POSTGRES_MS)
            } else {
                (LIST_TARGET_SQLITE, P99_SQLITE_MS)
            };
            if row.rps < rps {
                missed.push(format!("{what}: {:.0} req/s (≥ {rps:.0})", row.rps));
            }
            if row.p99_ms > p99 {
                missed.push(format!("{what}: p99 {:.1} ms (≤ {p99})", row.p99_ms));
            }
            if row.rows == largest && largest != smallest {
                let small = rows.iter().find(|r| {
                    r.server == row.server && r.endpoint == row.endpoint && r.rows == smallest
                });
                if let Some(small) = small
                    && small.rps > GROWTH_LIMIT * row.rps
                {
                    missed.push(format!(
                        "{what}: {:.0} req/s, {:.2}× slower than at {smallest} rows (≤ {GROWTH_LIMIT}×)",
                        row.rps,
                        small.rps / row.rps
                    ));
                }
            }
        }
        if row.endpoint.contains("?q=") && row.rows == largest && row.rps < SEARCH_TARGET {
            missed.push(format!(
                "{what}: {:.0} req/s (≥ {SEARCH_TARGET:.0})",
                row.rps
            ));
        }
        if row.endpoint == "/me" && row.rps < ME_TARGET {
            missed.push(format!("{what}: {:.0} req/s (≥ {ME_TARGET:.0})", row.rps));
        }
    }
    missed
}

/// One row of the table: the server, the rows, the endpoint and its figures.
fn table_line(row: &Row, h: &Row) -> String {
    format!(
        "{:<18} {:>7}  {:<28} {:>9.0} {:>8.2} {:>8.2} {:>6.1}% {:>8.0}",
        row.server,
        row.rows,
        row.endpoint,
        row.rps,
        row.p50_ms,
        row.p99_ms,
        100.0 * row.rps / h.rps,
        row.cpu_us
    )
}

/// Loads `path` for `duration` and reads the server's CPU time around it.
fn measure(
    url: &str,
    pid: u32,
    endpoint: &'static str,
    path: &str,
    token: Option<&str>,
    duration: Duration,
) -> Result<Row> {
    // Warm up: pools, caches and prepared statements are not per-request costs.
    wrk(url, path, token, Duration::from_secs(1))?;
    let cpu_before = cpu_seconds(pid)?;
    let load = wrk(url, path, token, duration)?;
    let cpu = cpu_seconds(pid)? - cpu_before;
    if load.errors > 0 {
        bail!("{endpoint}: {} responses were errors", load.errors);
    }
    Ok(Row {
        server: String::new(),
        rows: 0,
        endpoint,
        rps: load.rps,
        p50_ms: load.p50_ms,
        p99_ms: load.p99_ms,
        cpu_us: cpu * 1e6 / load.requests.max(1) as f64,
    })
}

fn measure_hello(hello: &Path, duration: Duration) -> Result<Row> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = KillOnDrop(
        Command::new(hello)
            .env("BENCH_BIND", format!("127.0.0.1:{port}"))
            .spawn()
            .context("cannot start H")?,
    );
    wait_for_port(port)?;
    let row = measure(
        &format!("http://127.0.0.1:{port}"),
        child.0.id(),
        "25 objects",
        "/",
        None,
        duration,
    );
    let _ = child.0.kill();
    Ok(Row {
        server: "H".into(),
        ..row?
    })
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// User plus system CPU time of process `pid`, all threads, in seconds.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) close with ')'.
    let after = stat
        .rsplit_once(')')
        .context("unreadable /proc/<pid>/stat")?
        .1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64> { Ok(fields.get(i).context("short stat")?.parse()?) };
    // utime and stime are fields 14 and 15 of stat; `after` starts at field 3.
    let hz = clock_ticks_per_second();
    Ok((ticks(11)? + ticks(12)?) / hz)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// `wrk` over [`CONNECTIONS`] connections on two threads for `duration`.
fn wrk(url: &str, path: &str, token: Option<&str>, duration: Duration) -> Result<Load> {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        "--latency",
        "--timeout",
        "10s",
    ])
    .arg(format!("-d{}s", duration.as_secs().max(1)));
    if let Some(token) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let out = cmd
        .arg(format!("{url}{path}"))
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run wrk")?;
    crate::check(out.status, "wrk")?;
    parse_wrk(&String::from_utf8_lossy(&out.stdout))
}

fn parse_wrk(out: &str) -> Result<Load> {
    let millis = |v: &str| -> Option<f64> {
        let (n, unit) = v
            .find(|c: char| c.is_ascii_alphabetic())
            .map(|i| v.split_at(i))?;
        let n: f64 = n.parse().ok()?;
        Some(match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => return None,
        })
    };
    let percentile = |p: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(p).map(str::trim))
            .and_then(millis)
            .with_context(|| format!("no {p} latency in wrk's output:\n{out}"))
    };
    let requests = out
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ").map(|(n, _)| n.trim()))
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no request count in wrk's output:\n{out}"))?;
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{out}"))?;
    let errors = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(Load {
        requests,
        rps,
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
        errors,
    })
}

fn ensure_wrk() -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    crate::web::apt_install("wrk")
}

/// The database one server of the bench runs on: a file in its data directory, or a fresh
/// PostgreSQL database dropped afterwards.
struct Database {
    postgres: Option<(String, String)>,
}

impl Database {
    fn new(backend: &str, admin_url: &str, size: usize) -> Result<Database> {
        if backend == "sqlite" {
            return Ok(Database { postgres: None });
        }
        let name = format!("portico_bench_{size}");
        psql(
            admin_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .context("a PostgreSQL URL ends with /database")?;
        Ok(Database {
            postgres: Some((admin_url.to_string(), format!("{base}/{name}"))),
        })
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("PORTICO_AUTH_RATE_LIMIT", "100000000".to_string())];
        if let Some((_, url)) = &self.postgres {
            env.push(("PORTICO_DATABASE_URL", url.clone()));
        }
        env
    }

    fn drop_it(self) {
        if let Some((admin, url)) = &self.postgres {
            let name = url.rsplit('/').next().unwrap_or_default();
            let _ = psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .context("cannot run psql")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn postgres_answers(url: &str) -> bool {
    Command::new("psql")
        .args([url, "-qtAc", "SELECT 1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

struct SignIns {
    hash_seconds: f64,
    rate: f64,
    calm_p99_ms: f64,
    storm_p99_ms: f64,
    storm_sign_ins: f64,
}

/// The sign-in rate of a storm against what the cores allow, and what a storm does to the
/// organisation list's p99.
fn sign_in_figures(
    server: &Server,
    token: &str,
    _cores: usize,
    duration: Duration,
) -> Result<SignIns> {
    let address = server.url.trim_start_matches("http://").to_string();
    // One sign-in at a time: the hash dominates it.
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let started = Instant::now();
            login(&address).map(|_| started.elapsed().as_secs_f64())
        })
        .collect::<Result<_>>()?;
    times.sort_by(f64::total_cmp);
    let hash_seconds = times[times.len() / 2];
    let storm = Duration::from_secs(10);
    let rate = sign_in_storm(&address, 16, storm)? as f64 / storm.as_secs_f64();

    let list = "/api/v1/organizations?limit=25";
    let calm = wrk(&server.url, list, Some(token), duration)?;
    let stormer = {
        let address = address.clone();
        let time = duration + Duration::from_secs(2);
        std::thread::spawn(move || sign_in_storm(&address, 16, time))
    };
    std::thread::sleep(Duration::from_secs(1));
    let during = wrk(&server.url, list, Some(token), duration)?;
    let storm_sign_ins = stormer
        .join()
        .map_err(|_| anyhow::anyhow!("the storm panicked"))?? as f64
        / (duration.as_secs_f64() + 2.0);
    Ok(SignIns {
        hash_seconds,
        rate,
        calm_p99_ms: calm.p99_ms,
        storm_p99_ms: during.p99_ms,
        storm_sign_ins,
    })
}

/// With `perf` installed: the top symbols of each endpoint's profile under load.
fn profile(
    url: &str,
    pid: u32,
    endpoints: &[(&'static str, String, bool)],
    token: &str,
) -> Result<()> {
    if Command::new("perf").arg("--version").output().is_err() {
        println!("    (perf is not installed: no profiles)");
        return Ok(());
    }
    let dir = target_dir().join("xtask").join("bench-api");
    std::fs::create_dir_all(&dir)?;
    for (name, path, authorised) in endpoints.iter().filter(|(n, _, _)| *n != "/healthz") {
        let data = dir.join("perf.data");
        let mut recorder = Command::new("perf")
            .args([
                "record",
                "-q",
                "-F",
                "499",
                "-g",
                "-p",
                &pid.to_string(),
                "-o",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run perf record")?;
        wrk(
            url,
            path,
            authorised.then_some(token),
            Duration::from_secs(3),
        )?;
        // perf writes its file when interrupted.
        let _ = Command::new("kill")
            .args(["-INT", &recorder.id().to_string()])
            .status();
        let _ = recorder.wait();
        let report = Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "-q",
                "--percent-limit",
                "2",
                "--sort",
                "dso,symbol",
                "-g",
                "none",
                "-i",
            ])
            .arg(&data)
            .stderr(Stdio::null())
            .output()
            .context("cannot run perf report")?;
        let text = String::from_utf8_lossy(&report.stdout);
        let top: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .take(8)
            .collect();
        if top.is_empty() {
            println!("    perf: no samples for {name} (perf_event_paranoid may forbid it)");
            continue;
        }
        println!("    top costs, {name}:");
        for line in top {
            println!("      {}", line.trim());
        }
    }
    Ok(())
}
