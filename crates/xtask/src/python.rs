//! Checks of `openapi/portico.json` with standard Python tools from PyPI, in a virtualenv under
//! the target directory: `openapi-spec-validator` validates the document, and a client generated
//! by `openapi-python-client` signs in to a real server and calls `GET /api/v1/me`.

use crate::{Server, check, run_cmd, step};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned so the checks do not change under us.
const PACKAGES: &[&str] = &[
    "openapi-spec-validator==0.9.0",
    "openapi-python-client==0.29.1",
];

/// The password of the throwaway demo tenant the generated client signs in to.
const CHECK_PASSWORD: &str = "generated-client-check-2026";

const CLIENT_CHECK: &str = r#"
import os, sys
sys.path.insert(0, os.environ["CLIENT_DIR"])
from portico_client import AuthenticatedClient, Client
from portico_client.api.auth import login, me
from portico_client.models import LoginRequest, TokenResponse, Me

url, password = os.environ["SERVER_URL"], os.environ["DEMO_PASSWORD"]
signed_in = login.sync(client=Client(base_url=url),
                       body=LoginRequest(tenant="demo", email="alice@demo.test", password=password))
assert isinstance(signed_in, TokenResponse), f"login answered {signed_in!r}"
who = me.sync(client=AuthenticatedClient(base_url=url, token=signed_in.access_token))
assert isinstance(who, Me), f"/me answered {who!r}"
assert who.user.email == "alice@demo.test" and who.tenant.slug == "demo"
print(f"generated client: signed in as {who.user.email} of {who.tenant.name}, "
      f"member of {[m.organization.name for m in who.memberships]}")
"#;

pub fn check_openapi(root: &Path, target: &Path) -> Result<()> {
    let work = target.join("xtask");
    let python = virtualenv(&work)?;
    let document = root.join("openapi").join("portico.json");

    run_cmd(
        Command::new(&python)
            .args(["-m", "openapi_spec_validator"])
            .arg(&document),
        "openapi-spec-validator",
    )?;

    let client_dir = work.join("python-client");
    let _ = std::fs::remove_dir_all(&client_dir);
    std::fs::create_dir_all(&client_dir)?;
    let config = work.join("openapi-python-client.yaml");
    // No post-hooks: the generated code is only imported, never formatted or committed.
    std::fs::write(&config, "post_hooks: []\n")?;
    let generated = Command::new(bin_of(&python, "openapi-python-client"))
        .args(["generate", "--meta", "none", "--fail-on-warning", "--path"])
        .arg(&document)
        .arg("--output-path")
        .arg(client_dir.join("portico_client"))
        .arg("--config")
        .arg(&config)
        .status()
        .context("cannot run openapi-python-client")?;
    check(generated, "openapi-python-client generate")?;

    let server = Server::start(CHECK_PASSWORD)?;
    run_cmd(
        Command::new(&python)
            .args(["-c", CLIENT_CHECK])
            .env("CLIENT_DIR", &client_dir)
            .env("SERVER_URL", &server.url)
            .env("DEMO_PASSWORD", CHECK_PASSWORD),
        "the generated Python client",
    )
}

/// A virtualenv with [`PACKAGES`]; installed once, reinstalled when the pins change.
fn virtualenv(work: &Path) -> Result<PathBuf> {
    let venv = work.join("venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join("portico-packages.txt");
    let wanted = PACKAGES.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    step("Installing the OpenAPI checkers from PyPI into a virtualenv");
    let _ = std::fs::remove_dir_all(&venv);
    run_cmd(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv (install python3 and python3-venv)",
    )?;
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES),
        "pip install",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

fn bin_of(python: &Path, tool: &str) -> PathBuf {
    python.with_file_name(tool)
}
