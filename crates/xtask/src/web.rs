//! Building the single-page app and running the browser tests.
//!
//! Every tool comes from a package registry and is installed here when missing: Trunk and
//! wasm-bindgen-cli from crates.io (the latter at exactly the version in Cargo.lock, or Trunk
//! would try to download one), wasm-opt from npm's `binaryen` (Debian's is too old), Playwright
//! and axe-core from npm, Chromium from Debian.

use crate::{Server, cargo, check, ensure_wasm_target, root, run_cmd, step, target_dir};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRUNK_VERSION: &str = "0.21.14";
/// First-load budget (wasm + JS + CSS that sign-in and the landing page need, brotli). It was
/// raised three times while every page shipped in one wasm (300 → 400 → 560 KiB); since issue 13
/// only sign-in, the shell and the landing page are in the first load and every other page is
/// a chunk loaded when first visited.
const FIRST_LOAD_BUDGET_BYTES: u64 = 200 * 1024;
/// Budget of each chunk loaded later (brotli).
const CHUNK_BUDGET_BYTES: u64 = 120 * 1024;
pub const CHROMIUM: &str = "/usr/bin/chromium";

fn cargo_bin(tool: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(tool)
}

/// The version a tool prints for `--version`, if it runs.
fn version_of(tool: &Path) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn ensure_cargo_tool(krate: &str, bin: &str, version: &str, locked: bool) -> Result<PathBuf> {
    let path = cargo_bin(bin);
    if version_of(&path).is_some_and(|v| v.split_whitespace().nth(1) == Some(version)) {
        return Ok(path);
    }
    step(&format!(
        "Installing {krate} {version} from crates.io (once)"
    ));
    let mut install = cargo();
    install.args(["install", krate, "--version", version, "--force"]);
    if locked {
        install.arg("--locked");
    }
    // Tools build in their own target directory, never the project's.
    install.env("CARGO_TARGET_DIR", target_dir().join("tools"));
    run_cmd(&mut install, &format!("cargo install {krate}"))?;
    Ok(path)
}

/// The wasm-bindgen version Cargo.lock holds: the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    bail!("Cargo.lock holds no wasm-bindgen")
}

/// `npm ci` in `e2e/` when its packages are missing or the lock file changed.
fn ensure_npm_packages() -> Result<PathBuf> {
    let e2e = root().join("e2e");
    let modules = e2e.join("node_modules");
    let stamp = modules.join(".portico-lock");
    let lock = std::fs::read_to_string(e2e.join("package-lock.json"))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        step("Installing Playwright, axe-core and binaryen from npm (e2e/package-lock.json)");
        run_cmd(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&e2e),
            "npm ci (install Node.js and npm)",
        )?;
        std::fs::write(&stamp, lock)?;
    }
    Ok(modules.join(".bin"))
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    apt_install("chromium")
}

/// Installs a Debian package with apt-get (through sudo unless root).
pub fn apt_install(package: &str) -> Result<()> {
    step(&format!("Installing {package} from Debian (apt-get)"));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    for args in [
        &["apt-get", "update"][..],
        &["apt-get", "install", "-y", package][..],
    ] {
        let all: Vec<&str> = sudo.iter().chain(args).copied().collect();
        run_cmd(
            Command::new(all[0])
                .args(&all[1..])
                .env("DEBIAN_FRONTEND", "noninteractive"),
            &format!("apt-get install {package}"),
        )?;
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Builds the app into `<target>/web`: Trunk turns `index.html` and the CSS into hashed assets;
/// the wasm is built here, because Trunk cannot split it: cargo (with relocations kept), then
/// wasm-split cuts every `lazy_page!` into a chunk of its own, wasm-bindgen writes the JS glue,
/// wasm-opt shrinks every module and terser the JS. Everything the app loads lives in one
/// directory named by the hash of its contents, so nothing is ever served stale. Checks the
/// first load and every chunk against their budgets.
pub fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let trunk = ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, true)?;
    let wasm_bindgen = ensure_cargo_tool(
        "wasm-bindgen-cli",
        "wasm-bindgen",
        &locked_wasm_bindgen()?,
        false,
    )?;
    let npm_bin = ensure_npm_packages()?;

    step("Building the web app: HTML and CSS (Trunk)");
    // Trunk runs offline (Trunk.toml), which makes its cargo offline too: fetch first.
    run_cmd(cargo().args(["fetch", "--locked"]), "cargo fetch")?;
    let dist = target_dir().join("web");
    run_cmd(
        Command::new(trunk)
            .args(["build", "--release", "--dist"])
            .arg(&dist)
            .current_dir(root()),
        "trunk build",
    )?;

    step("Building the web app: wasm (cargo, wasm-split, wasm-bindgen, wasm-opt, terser)");
    run_cmd(
        cargo()
            .args([
                "build",
                "-p",
                "portico-web",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "wasm-release",
            ])
            // wasm-split needs the linker's relocations to move functions between modules.
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                "-Clink-args=--emit-relocs",
            ),
        "cargo build (wasm)",
    )?;
    let linked = target_dir().join("wasm32-unknown-unknown/wasm-release/portico-web.wasm");
    let staging = target_dir().join("web-app");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    let main_split = staging.join("main.wasm");
    let input = std::fs::read(&linked).with_context(|| format!("reading {}", linked.display()))?;
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &staging;
        opts.main_out_path = &main_split;
        opts.main_module = "./portico_web.js";
        opts.link_name = "./__wasm_split.js";
        opts
    })
    .map_err(|e| anyhow::anyhow!("wasm-split: {e}"))?;
    run_cmd(
        Command::new(wasm_bindgen)
            .args([
                "--target",
                "web",
                "--keep-lld-exports",
                "--no-demangle",
                "--out-name",
                "portico_web",
                "--out-dir",
            ])
            .arg(&staging)
            .arg(&main_split),
        "wasm-bindgen",
    )?;
    std::fs::write(
        target_dir().join("web-chunks.json"),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    // Kept beside the build, with its function names, for size analysis (twiggy and the like).
    std::fs::rename(&main_split, target_dir().join("web-first-load.wasm"))?;
    let wasm_opt = npm_bin.join("wasm-opt");
    let modules = std::iter::once(staging.join("portico_web_bg.wasm")).chain(split.split_modules);
    for module in modules {
        // Its output is only warnings about the linker's name subsections (not binaryen's to
        // read): shown when it fails.
        let out = Command::new(&wasm_opt)
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
            ])
            .arg(&module)
            .arg("-o")
            .arg(&module)
            .output()
            .context("cannot run wasm-opt")?;
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            bail!("wasm-opt failed on {}", module.display());
        }
    }
    let terser = npm_bin.join("terser");
    for script in ["portico_web.js", "__wasm_split.js"] {
        minify(&terser, &staging.join(script))?;
    }
    let app_dir = format!("app-{}", digest_of_dir(&staging)?);
    let served = dist.join(&app_dir);
    let _ = std::fs::remove_dir_all(&served);
    std::fs::rename(&staging, &served)?;
    start_script(&dist, &app_dir, &terser)?;
    precompress(&dist)?;
    report(&dist, &app_dir)?;
    Ok(dist)
}

/// A short content hash (FNV-1a): names that change whenever their content does, so the
/// server may let browsers cache them for good.
fn digest(bytes: impl IntoIterator<Item = u8>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn digest_of_dir(dir: &Path) -> Result<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.sort();
    let mut all = Vec::new();
    for file in files {
        all.extend(file.file_name().unwrap_or_default().as_encoded_bytes());
        all.extend(std::fs::read(&file)?);
    }
    Ok(digest(all))
}

/// Starts the app from a hashed script file (the CSP allows no inline script):
/// `crates/web/assets/start.js` with the app's folder filled in and minified. The page asks
/// the browser to fetch the main module and its wasm at once, in parallel with the CSS.
fn start_script(dist: &Path, app_dir: &str, terser: &Path) -> Result<()> {
    let template = std::fs::read_to_string(root().join("crates/web/assets/start.js"))?;
    let staged = target_dir().join("web-start.js");
    std::fs::write(&staged, template.replace("APP_DIR", app_dir))?;
    minify(terser, &staged)?;
    let script = std::fs::read(&staged)?;
    let name = format!("start-{}.js", digest(script.iter().copied()));
    std::fs::rename(&staged, dist.join(&name))?;
    let index_path = dist.join("index.html");
    let html = std::fs::read_to_string(&index_path)?;
    let head = format!(
        "<link rel=\"modulepreload\" href=\"/{app_dir}/portico_web.js\">\
         <link rel=\"modulepreload\" href=\"/{app_dir}/__wasm_split.js\">\
         <link rel=\"preload\" href=\"/{app_dir}/portico_web_bg.wasm\" as=\"fetch\" \
         type=\"application/wasm\" crossorigin>\
         <script type=\"module\" src=\"/{name}\"></script></head>"
    );
    let html = html.replacen("</head>", &head, 1);
    std::fs::write(index_path, html)?;
    Ok(())
}

fn minify(terser: &Path, script: &Path) -> Result<()> {
    run_cmd(
        Command::new(terser)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(script)
            .arg(script),
        "terser",
    )
}

/// Prints what the first load and each chunk weigh, and fails over a budget.
fn report(dist: &Path, app_dir: &str) -> Result<()> {
    let brotli_size =
        |path: &Path| -> Result<u64> { Ok(std::fs::metadata(with_suffix(path, "br"))?.len()) };
    let app = dist.join(app_dir);
    let mut first = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if ["js", "css"].contains(&ext) {
            first.push(path);
        }
    }
    for name in ["portico_web_bg.wasm", "portico_web.js", "__wasm_split.js"] {
        first.push(app.join(name));
    }
    let mut chunks: Vec<PathBuf> = std::fs::read_dir(&app)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wasm") && !first.contains(p))
        .collect();
    chunks.sort();
    println!("{:<48} {:>10} {:>10}", "first load", "raw", "brotli");
    let (mut raw, mut compressed) = (0, 0);
    for path in &first {
        let (r, c) = (std::fs::metadata(path)?.len(), brotli_size(path)?);
        raw += r;
        compressed += c;
        println!(
            "  {:<46} {:>7} KiB {:>6.1} KiB",
            name_of(path),
            r / 1024,
            c as f64 / 1024.0
        );
    }
    println!(
        "  {:<46} {:>7} KiB {:>6.1} KiB (budget {} KiB)",
        "total",
        raw / 1024,
        compressed as f64 / 1024.0,
        FIRST_LOAD_BUDGET_BYTES / 1024
    );
    println!("chunks (loaded when a page needs them)");
    let mut over = Vec::new();
    for path in &chunks {
        let (r, c) = (std::fs::metadata(path)?.len(), brotli_size(path)?);
        println!(
            "  {:<46} {:>7} KiB {:>6.1} KiB",
            name_of(path),
            r / 1024,
            c as f64 / 1024.0
        );
        if c > CHUNK_BUDGET_BYTES {
            over.push(name_of(path));
        }
    }
    if compressed > FIRST_LOAD_BUDGET_BYTES {
        bail!("the first load is over its budget");
    }
    if !over.is_empty() {
        bail!(
            "chunks over their budget of {} KiB: {}",
            CHUNK_BUDGET_BYTES / 1024,
            over.join(", ")
        );
    }
    Ok(())
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Writes `.br` and `.gz` next to every text and wasm asset (the server sends them to browsers
/// that accept them).
fn precompress(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !["wasm", "js", "css", "html", "svg", "json"].contains(&ext) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
            w.write_all(&bytes)?;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes)?;
        let gz = gz.finish()?;
        std::fs::write(with_suffix(&path, "br"), &br)?;
        std::fs::write(with_suffix(&path, "gz"), &gz)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The browser tests: Playwright and Chromium against the real binary serving `dist`.
pub fn e2e(dist: &Path) -> Result<()> {
    ensure_chromium()?;
    ensure_npm_packages()?;
    step("Browser tests (Playwright, Chromium)");
    let password = "browser-tests-passphrase-2026";
    let server = Server::start_with(
        password,
        &[
            ("PORTICO_WEB_DIR", dist.display().to_string()),
            // Each test signs in and each page load refreshes: more than a person would.
            ("PORTICO_AUTH_RATE_LIMIT", "1000".into()),
        ],
    )?;
    // A person of their own for tests that change a password, so no other test's sign-in
    // races with the change.
    server.portico(
        &[
            "user",
            "create",
            "--tenant",
            "demo",
            "--email",
            "erin@demo.test",
            "--name",
            "Erin Example",
        ],
        &format!("{password}\n"),
    )?;
    let output = target_dir().join("e2e");
    let _ = std::fs::remove_dir_all(&output);
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(root().join("e2e"))
        .env("PORTICO_URL", &server.url)
        .env("DEMO_PASSWORD", password)
        .env("E2E_OUTPUT", &output)
        .env("PORTICO_MAILBOX", server.mailbox())
        .env("CHROMIUM", CHROMIUM)
        .status()
        .context("cannot run npx playwright")?;
    check(status, "the browser tests")?;
    println!("Screenshots: {}", output.join("screenshots").display());
    Ok(())
}
