//! `cargo xtask …`: the project's own commands, so a fresh machine needs nothing but Rust,
//! Python 3 and (for the PostgreSQL half of the tests) a reachable PostgreSQL.
//!
//! - `run`     build the server and the web app, seed the demo tenant, serve it on SQLite
//! - `test`    formatting, lints, the Rust tests on SQLite and on PostgreSQL, the OpenAPI
//!   document through a standard validator and a generated Python client, the web app's
//!   build and size budget, and the browser tests in Chromium
//! - `openapi` regenerate `openapi/portico.json`
//! - `bench`   upload and download a 1 GiB document against a release build: throughput
//!   against `dd` on the same disk and the server's peak memory; the web app's time to
//!   interactive in Chromium, plain and throttled; each checked against its targets

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

mod bench;
mod bench_api;
mod python;
mod web;

/// The PostgreSQL `cargo xtask test` uses when `PORTICO_TEST_POSTGRES_URL` is not set.
const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("openapi") => openapi(),
        Some("e2e") => web::build().and_then(|dist| web::e2e(&dist)),
        Some("web") => web::build().map(drop),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 run [--release]  build, seed the demo tenant and serve it (SQLite, ./data)\n\
                 test             everything CI checks, on SQLite and PostgreSQL\n\
                 e2e              build the web app and run only the browser tests\n\
                 web              build the web app and print what each part weighs\n\
                 openapi          regenerate openapi/portico.json\n\
                 bench [upload|web]  upload and download 1 GiB (throughput against dd, peak\n\
                                  memory); the web app's time to interactive in Chromium"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

/// The workspace root (xtask lives in `crates/xtask`): from `cargo run`'s environment, so a
/// binary built in another checkout never works on that checkout.
fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("crates/xtask is two levels below the root")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn step(title: &str) {
    println!("\n==> {title}");
}

fn check(status: ExitStatus, what: &str) -> Result<()> {
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn run_cmd(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    check(status, what)
}

// ---------------------------------------------------------------------------------------------
// cargo xtask run

fn run(args: &[String]) -> Result<()> {
    let release = args.iter().any(|a| a == "--release");
    step("Building the server");
    let portico = build_portico(release)?;
    let web_dir = web::build()?;

    let data_dir = std::env::var_os("PORTICO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("data"));
    std::fs::create_dir_all(&data_dir)?;
    let password_file = data_dir.join("demo-password");

    step("Seeding the demo tenant");
    let mut seed = Command::new(&portico);
    seed.arg("seed-demo").env("PORTICO_DATA_DIR", &data_dir);
    if std::env::var_os("PORTICO_DEMO_PASSWORD").is_none() && password_file.exists() {
        let kept = std::fs::read_to_string(&password_file)?;
        seed.env("PORTICO_DEMO_PASSWORD", kept.trim());
    }
    let output = seed.output().context("cannot run portico seed-demo")?;
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        bail!("portico seed-demo failed");
    }
    print!("{printed}");
    // Keep a generated password so the next `cargo xtask run` shows the same one.
    let generated = printed
        .lines()
        .find_map(|l| l.strip_prefix("Password for every demo user: "));
    match generated {
        Some(password) => {
            write_private(&password_file, password.trim())?;
            println!("(kept in {})", password_file.display());
        }
        None if password_file.exists() && std::env::var_os("PORTICO_DEMO_PASSWORD").is_none() => {
            println!(
                "Password for every demo user: {} (kept in {})",
                std::fs::read_to_string(&password_file)?.trim(),
                password_file.display()
            );
        }
        None => {}
    }

    let bind = std::env::var("PORTICO_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
    step(&format!(
        "Serving http://{bind} — the portal at http://{bind}/, the API explorer at http://{bind}/api/docs (Ctrl-C stops)"
    ));
    let mut serve = Command::new(&portico);
    serve
        .arg("serve")
        .env("PORTICO_DATA_DIR", &data_dir)
        .env("PORTICO_WEB_DIR", &web_dir);
    if std::env::var_os("PORTICO_DEFAULT_TENANT").is_none() {
        // The demo is the portal's only tenant: `/` shows its sign-in page.
        serve.env("PORTICO_DEFAULT_TENANT", "demo");
    }
    run_cmd(&mut serve, "portico serve")
}

/// Builds the `portico` binary (dev or release profile) and returns its path.
fn build_portico(release: bool) -> Result<PathBuf> {
    let mut build = cargo();
    build.args([
        "build",
        "--locked",
        "--package",
        "portico-api",
        "--bin",
        "portico",
    ]);
    if release {
        build.arg("--release");
    }
    run_cmd(&mut build, "cargo build")?;
    let profile = if release { "release" } else { "debug" };
    Ok(target_dir().join(profile).join("portico"))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, format!("{text}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// cargo xtask test

fn test() -> Result<()> {
    let started = Instant::now();
    let ci = std::env::var_os("CI").is_some();

    step("Formatting (cargo fmt --check)");
    run_cmd(cargo().args(["fmt", "--all", "--check"]), "cargo fmt")?;

    step("Lints (clippy, warnings are errors)");
    // The web app only builds for the browser: it is linted for wasm32 below.
    run_cmd(
        cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "portico-web",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
        "cargo clippy",
    )?;
    ensure_wasm_target()?;
    run_cmd(
        cargo().args([
            "clippy",
            "--package",
            "portico-web",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
        "cargo clippy for wasm32",
    )?;

    // The API tests are one test binary (`crates/api/tests/api`), run once per backend.
    const API_TESTS: &[&str] = &["test", "--package", "portico-api", "--test", "api"];
    step("Unit tests");
    let unit = cargo_test(&["test", "--workspace", "--exclude", "portico-api"], &[])?
        + cargo_test(
            &["test", "--package", "portico-api", "--lib", "--bins"],
            &[],
        )?;

    // Mail in the API tests goes over SMTP to a real server that keeps it in a Maildir; the
    // S3 storage test talks to a real S3-protocol server.
    step("Starting the SMTP and S3 test servers");
    let smtp = python::SmtpServer::start(&target_dir())?;
    let s3 = python::S3Server::start(&target_dir())?;
    let test_env = |postgres: Option<&str>| {
        let mut env = vec![
            ("PORTICO_TEST_SMTP_URL", smtp.url.clone()),
            ("PORTICO_TEST_MAILDIR", smtp.maildir.display().to_string()),
            ("PORTICO_TEST_S3_ENDPOINT", s3.endpoint.clone()),
        ];
        env.extend(postgres.map(|url| ("PORTICO_TEST_POSTGRES_URL", url.to_string())));
        env
    };

    step("API tests on SQLite");
    let sqlite = cargo_test(API_TESTS, &test_env(None))?;

    let postgres_url = std::env::var("PORTICO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| LOCAL_POSTGRES.to_string());
    let postgres = if answers(&postgres_url) {
        step("API tests on PostgreSQL");
        Some(cargo_test(API_TESTS, &test_env(Some(&postgres_url)))?)
    } else if ci {
        bail!("CI is set but no PostgreSQL answers at {postgres_url}");
    } else {
        println!("\nNo PostgreSQL answers at {postgres_url}: the PostgreSQL run is skipped.");
        None
    };

    drop(smtp);
    drop(s3);

    step("OpenAPI document: standard validator and a generated client");
    python::check_openapi(&root(), &target_dir())?;

    step("API fuzzing against the document (schemathesis, S20)");
    python::fuzz_api(&target_dir())?;

    let dist = web::build()?;
    web::e2e(&dist)?;

    println!("\n==> Summary");
    println!("Unit tests:              {unit} passed");
    println!("API tests on SQLite:     {sqlite} passed");
    match postgres {
        Some(n) => println!("API tests on PostgreSQL: {n} passed"),
        None => println!("API tests on PostgreSQL: not run (no PostgreSQL answered)"),
    }
    println!("Took {:.0?}", started.elapsed());
    Ok(())
}

fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the wasm32 target")?;
    if !String::from_utf8_lossy(&installed.stdout).contains("wasm32-unknown-unknown") {
        step("Installing the wasm32-unknown-unknown target");
        run_cmd(
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
            "rustup target add",
        )?;
    }
    Ok(())
}

/// Runs `cargo test` with `env` (and no test settings inherited from the caller), echoing its
/// output, and returns how many tests passed.
fn cargo_test(args: &[&str], env: &[(&str, String)]) -> Result<u32> {
    let mut cmd = cargo();
    cmd.args(args)
        .arg("--locked")
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped());
    for name in [
        "PORTICO_TEST_POSTGRES_URL",
        "PORTICO_TEST_SMTP_URL",
        "PORTICO_TEST_MAILDIR",
        "PORTICO_TEST_S3_ENDPOINT",
    ] {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let mut child = cmd.spawn().context("cannot start cargo test")?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut passed = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if line.starts_with("test result:") {
            passed += parse_passed(&line).unwrap_or(0);
        }
    }
    check(child.wait()?, "cargo test")?;
    Ok(passed)
}

fn parse_passed(line: &str) -> Option<u32> {
    line.split(';')
        .find_map(|part| part.trim().strip_suffix(" passed"))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
}

/// Whether something listens at the URL's host and port.
fn answers(url: &str) -> bool {
    let Some(rest) = url.split("://").nth(1) else {
        return false;
    };
    let host_port = rest
        .rsplit('@')
        .next()
        .unwrap_or(rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok())
}

// ---------------------------------------------------------------------------------------------
// cargo xtask openapi

fn openapi() -> Result<()> {
    let output = cargo()
        .args([
            "run",
            "--quiet",
            "--package",
            "portico-api",
            "--bin",
            "portico",
            "--",
            "openapi",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run portico openapi")?;
    check(output.status, "portico openapi")?;
    let path = root().join("openapi").join("portico.json");
    std::fs::create_dir_all(path.parent().expect("a parent"))?;
    std::fs::write(&path, &output.stdout)?;
    println!("wrote {}", path.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A server for checks that need one (the generated client).

/// A `portico serve` on a free port with its own data directory; stopped on drop.
pub struct Server {
    child: Child,
    pub url: String,
    data_dir: PathBuf,
    portico: PathBuf,
}

impl Server {
    /// Builds `portico`, seeds the demo tenant with `password` and serves it.
    pub fn start(password: &str) -> Result<Server> {
        Self::start_with(password, &[])
    }

    /// As [`Server::start`], with more environment for `portico serve`.
    pub fn start_with(password: &str, extra_env: &[(&str, String)]) -> Result<Server> {
        Self::launch(&build_portico(false)?, password, extra_env)
    }

    /// Seeds and serves with the `portico` binary at `portico`.
    pub fn launch(portico: &Path, password: &str, extra_env: &[(&str, String)]) -> Result<Server> {
        Self::launch_after(portico, password, extra_env, &[])
    }

    /// As [`Server::launch`], running `portico <setup…>` after the demo seed and before
    /// serving; `extra_env` applies to every command.
    pub fn launch_after(
        portico: &Path,
        password: &str,
        extra_env: &[(&str, String)],
        setup: &[&[&str]],
    ) -> Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let data_dir = target_dir().join("xtask").join(format!("server-{port}"));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir)?;
        let env = [
            ("PORTICO_DATA_DIR", data_dir.display().to_string()),
            ("PORTICO_BIND", format!("127.0.0.1:{port}")),
            ("PORTICO_DEMO_PASSWORD", password.to_string()),
            ("PORTICO_LOG", "warn".to_string()),
            // Checks of custom domains a test sets stay on this machine.
            ("PORTICO_DNS_RESOLVER", "127.0.0.1:1".to_string()),
        ];
        let extra = extra_env.iter().map(|(k, v)| (*k, v.as_str()));
        for args in std::iter::once(&["seed-demo", "--bare"][..]).chain(setup.iter().copied()) {
            let done = Command::new(portico)
                .args(args)
                .envs(env.clone())
                .envs(extra.clone())
                .stdout(Stdio::null())
                .status()?;
            check(done, &format!("portico {}", args.join(" ")))?;
        }
        let child = Command::new(portico)
            .arg("serve")
            .envs(env)
            .envs(extra)
            .spawn()?;
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            data_dir,
            portico: portico.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("portico serve did not start listening");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where the server writes mail (it has no SMTP server).
    pub fn mailbox(&self) -> PathBuf {
        self.data_dir.join("mailbox")
    }

    /// Runs `portico <args>` against this server's database, with `stdin` as its input.
    pub fn portico(&self, args: &[&str], stdin: &str) -> Result<()> {
        use std::io::Write;
        let mut child = Command::new(&self.portico)
            .args(args)
            .env("PORTICO_DATA_DIR", &self.data_dir)
            .env("PORTICO_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(stdin.as_bytes())?;
        check(child.wait()?, &format!("portico {}", args.join(" ")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
