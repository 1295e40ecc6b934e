//! The `portico` command: serve the portal, and the operator tasks around it.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use portico_api::audit::Actor;
use portico_api::audit::{
    ChainStatus, Checkpoint, Origin, checkpoint, verify_chain, verify_checkpoint,
};
use portico_api::clock::Clock;
use portico_api::config::Config;
use portico_api::passwords::Password;
use portico_api::people::service::NewUser;
use portico_api::tenancy::service::{self as tenancy, NewTenant};
use portico_api::{AppState, Application, demo, openapi, telemetry};
use portico_api::{auth, people};
use portico_shared::tenancy::{StaffRole, UserKind, UserStatus};
use portico_shared::{TenantId, UserId};
use std::io::Read;

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Portico: a self-hostable customer portal."
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and, once built, the web app). Migrates the database first.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Create the demo tenant and its people (idempotent). Password: PORTICO_DEMO_PASSWORD, or
    /// generated and printed.
    SeedDemo {
        #[arg(long, default_value = "demo")]
        tenant: String,
        #[arg(long, env = "PORTICO_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Only the people and organisations, without a month of work (for test servers).
        #[arg(long)]
        bare: bool,
    },
    /// Add ROWS organisations, contacts, documents and requests to a tenant, written straight
    /// into the tables (no audit, events or mail): for benchmarks, never for real data.
    SeedVolume {
        #[arg(long, default_value = "demo")]
        tenant: String,
        #[arg(long)]
        rows: usize,
        /// Names and references start with this word; a second call needs another.
        #[arg(long, default_value = "volume")]
        prefix: String,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users. Passwords are read from standard input, never from arguments.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage the token signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Brand colour, `#rrggbb`.
        #[arg(long)]
        primary_color: Option<String>,
        /// Second brand colour, `#rrggbb`.
        #[arg(long)]
        accent_color: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. With a password on standard input the user is active; without, invited.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make a staff member with this role (owner, admin, agent); otherwise a customer contact.
        #[arg(long, value_parser = parse_role)]
        staff_role: Option<StaffRole>,
    },
    /// Set a user's password (read from standard input); ends their sessions.
    SetPassword {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Disable a user; ends their sessions.
    Disable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Re-enable a disabled user.
    Enable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Change a staff member's role; ends their sessions.
    SetRole {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: StaffRole,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every tenant's hash chain (or one tenant's) and report any break; with
    /// `--checkpoints`, also check the chains against checkpoints exported earlier.
    Verify {
        #[arg(long)]
        tenant: Option<String>,
        /// A file of checkpoints (JSON lines from `portico audit checkpoint`).
        #[arg(long)]
        checkpoints: Option<std::path::PathBuf>,
    },
    /// Print a signed checkpoint of every tenant's chain head (or one tenant's), one JSON line
    /// each: keep them outside the database (append them to a file, a log service, a ticket).
    Checkpoint {
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new signing key current. Tokens of the previous key keep verifying for the grace
    /// period (PORTICO_KEY_GRACE_PERIOD). Restart the servers to pick the new key up.
    Rotate,
}

fn parse_role(s: &str) -> Result<StaffRole, String> {
    use portico_api::db::enums::Stored;
    StaffRole::ALL
        .iter()
        .copied()
        .find(|r| r.stored() == s)
        .ok_or_else(|| "use owner, admin or agent".into())
}

fn read_password_from_stdin() -> anyhow::Result<Option<Password>> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read standard input")?;
    let password = input.trim_end_matches(['\n', '\r']).to_string();
    Ok((!password.is_empty()).then(|| Password::new(password)))
}

async fn tenant_id(state: &AppState, slug: &str) -> anyhow::Result<TenantId> {
    let mut conn = state.db.conn().await?;
    let tenant = tenancy::find_tenant_by_slug(&mut conn, slug)
        .await?
        .with_context(|| format!("no tenant {slug}"))?;
    Ok(TenantId(tenant.id))
}

async fn user_id(state: &AppState, tenant: TenantId, email: &str) -> anyhow::Result<UserId> {
    let mut conn = state.db.conn().await?;
    let email = email.trim().to_lowercase();
    let user = tenancy::find_user_by_email(&mut conn, tenant, &email)
        .await?
        .with_context(|| format!("no user {email}"))?;
    Ok(UserId(user.id))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format, &cli.config.log);
    if let Command::Openapi = cli.command {
        print!("{}", openapi::document_json());
        return Ok(());
    }
    if let Command::Serve = cli.command {
        let app = Application::build(cli.config.clone(), Clock::System).await?;
        tracing::info!(address = %cli.config.bind, url = %cli.config.public_url(), "Portico is serving");
        app.run().await?;
        return Ok(());
    }

    let state = portico_api::startup::open(cli.config.clone(), Clock::System).await?;
    let actor = Actor::system("cli");
    let origin = Origin::cli();
    match cli.command {
        Command::Serve | Command::Openapi => unreachable!("handled above"),
        Command::Migrate => println!("migrations applied"),
        Command::SeedDemo {
            tenant,
            password,
            bare,
        } => {
            let seeded = demo::seed(&state, &tenant, password.clone()).await?;
            println!("Demo tenant \"{}\" (slug: {})", seeded.name, seeded.slug);
            let password = password.or_else(|| seeded.generated_password.clone());
            if let Some(password) = password.filter(|_| !bare)
                && demo::lived_in::fill(&cli.config, &seeded.slug, &password).await?
            {
                println!("Filled with a month of the firm's work");
            }
            match &seeded.generated_password {
                Some(p) => println!("Password for every demo user: {p}"),
                None => println!("Every demo user has the password in PORTICO_DEMO_PASSWORD"),
            }
            for (email, _) in &seeded.users {
                println!("  {email}");
            }
        }
        Command::SeedVolume {
            tenant,
            rows,
            prefix,
        } => {
            let mut conn = state.db.conn().await?;
            let tenant = tenancy::find_tenant_by_slug(&mut conn, &tenant)
                .await?
                .with_context(|| format!("no tenant {tenant}"))?;
            drop(conn);
            let volume = demo::volume::seed(&state.db, TenantId(tenant.id), rows, &prefix).await?;
            println!(
                "added {} organisations, contacts, documents (in {}) and requests",
                volume.organizations, volume.first_organization
            );
        }
        Command::Tenant(TenantCommand::Create {
            slug,
            name,
            primary_color,
            accent_color,
        }) => {
            let new = NewTenant {
                slug,
                name,
                primary_color,
                accent_color,
            };
            let t = tenancy::create_tenant(state.ctx(), &actor, &origin, new).await?;
            println!("created tenant {} ({})", t.slug, t.id);
        }
        Command::Tenant(TenantCommand::List) => {
            let mut conn = state.db.conn().await?;
            for t in tenancy::list_tenants(&mut conn).await? {
                println!("{}\t{}\t{}", t.slug, t.id, t.name);
            }
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            name,
            staff_role,
        }) => {
            let tenant = tenant_id(&state, &tenant).await?;
            let password = read_password_from_stdin()?;
            let kind = if staff_role.is_some() {
                UserKind::Staff
            } else {
                UserKind::Customer
            };
            let new = NewUser {
                email,
                name,
                kind,
                staff_role,
                password,
            };
            let u = people::service::create_user(
                state.ctx(),
                &state.passwords,
                &actor,
                &origin,
                tenant,
                new,
            )
            .await?;
            println!("created {} {} ({}), {}", u.kind, u.email, u.id, u.status);
        }
        Command::User(UserCommand::SetPassword { tenant, email }) => {
            let tenant = tenant_id(&state, &tenant).await?;
            let user = user_id(&state, tenant, &email).await?;
            let Some(password) = read_password_from_stdin()? else {
                bail!("no password on standard input")
            };
            auth::service::change_password(
                state.ctx(),
                &state.passwords,
                &actor,
                &origin,
                tenant,
                user,
                password,
            )
            .await?;
            println!("password set; sessions ended");
        }
        Command::User(UserCommand::Disable { tenant, email }) => {
            let tenant = tenant_id(&state, &tenant).await?;
            let user = user_id(&state, tenant, &email).await?;
            people::service::set_status(
                state.ctx(),
                &actor,
                &origin,
                tenant,
                user,
                UserStatus::Disabled,
            )
            .await?;
            println!("disabled; sessions ended");
        }
        Command::User(UserCommand::Enable { tenant, email }) => {
            let tenant = tenant_id(&state, &tenant).await?;
            let user = user_id(&state, tenant, &email).await?;
            people::service::set_status(
                state.ctx(),
                &actor,
                &origin,
                tenant,
                user,
                UserStatus::Active,
            )
            .await?;
            println!("enabled");
        }
        Command::User(UserCommand::SetRole {
            tenant,
            email,
            role,
        }) => {
            let tenant = tenant_id(&state, &tenant).await?;
            let user = user_id(&state, tenant, &email).await?;
            people::service::set_staff_role(state.ctx(), &actor, &origin, tenant, user, role)
                .await?;
            println!("role changed; sessions ended");
        }
        Command::Audit(AuditCommand::Checkpoint { tenant }) => {
            let mut conn = state.db.conn().await?;
            let tenants = tenancy::list_tenants(&mut conn).await?;
            drop(conn);
            for t in tenants
                .iter()
                .filter(|t| tenant.as_ref().is_none_or(|s| *s == t.slug))
            {
                let cp = checkpoint(&state.db, TenantId(t.id), state.clock.now()).await?;
                println!("{}", serde_json::to_string(&cp)?);
            }
        }
        Command::Audit(AuditCommand::Verify {
            tenant,
            checkpoints,
        }) => {
            let mut conn = state.db.conn().await?;
            let tenants = tenancy::list_tenants(&mut conn).await?;
            drop(conn);
            let mut broken = false;
            if let Some(file) = checkpoints {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let cp: Checkpoint = serde_json::from_str(line)
                        .with_context(|| format!("not a checkpoint: {line}"))?;
                    let Some(t) = tenants.iter().find(|t| t.id == cp.tenant_id) else {
                        broken = true;
                        println!("{}: BROKEN: the checkpoint's tenant is gone", cp.tenant_id);
                        continue;
                    };
                    if tenant.as_ref().is_some_and(|s| *s != t.slug) {
                        continue;
                    }
                    if let ChainStatus::Broken { seq, reason } =
                        verify_checkpoint(&state.db, &cp).await?
                    {
                        broken = true;
                        println!("{}: BROKEN at event {seq}: {reason}", t.slug);
                    }
                }
            }
            for t in tenants
                .iter()
                .filter(|t| tenant.as_ref().is_none_or(|s| *s == t.slug))
            {
                match verify_chain(&state.db, TenantId(t.id)).await? {
                    ChainStatus::Intact { events } => {
                        println!("{}: intact ({events} events)", t.slug)
                    }
                    ChainStatus::Broken { seq, reason } => {
                        broken = true;
                        println!("{}: BROKEN at event {seq}: {reason}", t.slug);
                    }
                }
            }
            if broken {
                bail!("the audit log has been tampered with");
            }
        }
        Command::Keys(KeysCommand::Rotate) => {
            let kid = state.keys.rotate(state.clock.now())?;
            println!("new signing key {kid}; restart the servers to sign with it");
        }
    }
    state.db.close().await;
    Ok(())
}
