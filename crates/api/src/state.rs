//! What infrastructure every part of the server shares, built once at start: the database,
//! object storage, the mailer, the clock, the signing keys, the password hasher, the address
//! limiter, the data key and the configuration. It lives on the ground floor: nothing here
//! knows a capability, and every capability may take the piece it uses.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::limiter::IpLimiter;
use crate::mail::Mailer;
use crate::passwords::Passwords;
use crate::storage::Storage;
use crate::tokens::KeyRing;
use anyhow::Context;
use chrono::Duration;
use std::sync::Arc;

/// Everything handlers share. Cheap to clone.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub clock: Clock,
    pub keys: Arc<KeyRing>,
    pub passwords: Passwords,
    pub ip_limiter: IpLimiter,
    pub mailer: Arc<Mailer>,
    pub storage: Storage,
    /// Seals secrets stored in the database; keys the audit chain.
    pub data_key: crate::secrets::DataKey,
}

impl AppState {
    /// Connects to the database, applies migrations and loads (or creates) the signing keys.
    pub async fn new(config: Config, clock: Clock) -> anyhow::Result<AppState> {
        let url = config.database_url();
        crate::config::owner_only_files();
        crate::config::private_dir(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
        let data_key = crate::secrets::DataKey::load_or_create(
            config.data_key.as_deref(),
            &config.data_dir.join("data.key"),
        )?;
        let db = Db::connect(&url, config.database_max_connections)
            .await?
            .with_audit_key(data_key.derive("audit-chain"));
        db.migrate().await?;
        let keys = KeyRing::load_or_create(
            &config.signing_keys_file(),
            config.public_url(),
            Duration::seconds(config.key_grace_period as i64),
            clock.now(),
        )?;
        let mailer = Mailer::from_config(&config)?;
        tracing::info!("mail: {}", mailer.describe());
        let storage = Storage::from_config(&config)?;
        tracing::info!("documents: {}", storage.describe());
        Ok(AppState {
            mailer: Arc::new(mailer),
            storage,
            passwords: Passwords::new(config.hash_concurrency())?,
            ip_limiter: IpLimiter::new(config.auth_rate_limit),
            keys: Arc::new(keys),
            data_key,
            db,
            clock,
            config,
        })
    }
}

/// What a service that changes data needs, and only that: the database and the clock.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
}

impl AppState {
    /// The database and the clock, for a service.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            db: &self.db,
            clock: &self.clock,
        }
    }
}
