//! Object storage for documents' bytes, through `object_store`: a local directory by default,
//! any S3-compatible service when a bucket is configured. Keys are made here, never from a
//! user's input (SECURITY.md S15: no path traversal), and bytes always stream: uploads go in
//! parts, downloads come out as a stream, so memory stays flat whatever the file size.

use crate::config::Config;
use anyhow::Context;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart,
};
use portico_shared::TenantId;
use std::ops::Range;
use std::sync::Arc;
use uuid::Uuid;

/// Bytes buffered per part of an upload (S3 needs at least 5 MiB per part but the last).
const PART_SIZE: usize = 8 << 20;
/// Parts in flight at once: with the part being filled, at most `(1 + PARTS_IN_FLIGHT)` parts
/// of one upload are in memory.
const PARTS_IN_FLIGHT: usize = 2;
/// Bytes read at a time from a local file for a download (object_store's own stream reads
/// 8 KiB at a time, which caps a download at a few hundred MiB/s).
const READ_CHUNK: usize = 256 << 10;

/// Where documents' bytes live. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl Storage {
    pub fn from_config(config: &Config) -> anyhow::Result<Storage> {
        if let Some(bucket) = &config.s3_bucket {
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_region(&config.s3_region);
            if let Some(endpoint) = &config.s3_endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            if let Some(key) = &config.s3_access_key_id {
                builder = builder.with_access_key_id(key);
            }
            if let Some(secret) = &config.s3_secret_access_key {
                builder = builder.with_secret_access_key(secret);
            }
            let store = builder.build().context("invalid S3 settings")?;
            let at = config.s3_endpoint.as_deref().unwrap_or("AWS");
            return Ok(Storage {
                store: Arc::new(store),
                description: format!("S3 bucket {bucket} at {at}"),
            });
        }
        let dir = config.files_dir();
        crate::config::private_dir(&dir)
            .with_context(|| format!("cannot create the files directory {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(&dir)
            .context("cannot use the files directory")?
            .with_automatic_cleanup(true);
        Ok(Storage {
            store: Arc::new(store),
            description: format!("files in {}", dir.display()),
        })
    }

    pub fn describe(&self) -> &str {
        &self.description
    }

    /// A fresh key for new bytes of `tenant`: made here, never from a name a user gave.
    pub fn new_key(tenant: TenantId) -> String {
        format!("tenants/{}/{}", tenant.0.simple(), Uuid::now_v7().simple())
    }

    /// Starts writing an object in parts.
    pub async fn writer(&self, key: &str) -> anyhow::Result<Writer> {
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        Ok(Writer(WriteMultipart::new_with_chunk_size(
            upload, PART_SIZE,
        )))
    }

    /// The object's bytes, or the `range` of them, as a stream.
    pub async fn read(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> anyhow::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self.store.get_opts(&Path::from(key), options).await?;
        let range = result.range.clone();
        match result.payload {
            GetResultPayload::File(file, _) => Ok(file_stream(file, range)),
            GetResultPayload::Stream(stream) => Ok(stream
                .map(|chunk| chunk.map_err(std::io::Error::other))
                .boxed()),
        }
    }

    /// Removes an object; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// `range` of a local file, read on the blocking pool in [`READ_CHUNK`] pieces.
fn file_stream(
    file: std::fs::File,
    range: Range<u64>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    use std::io::{Read, Seek, SeekFrom};
    let state = (Some(file), range.start, range.end);
    futures_util::stream::try_unfold(state, |(file, at, end)| async move {
        let Some(mut file) = file.filter(|_| at < end) else {
            return Ok(None);
        };
        let want = READ_CHUNK.min((end - at) as usize);
        let (file, chunk) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; want];
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(std::io::Error::other)??;
        let next = at + chunk.len() as u64;
        Ok(Some((Bytes::from(chunk), (Some(file), next, end))))
    })
    .boxed()
}

/// An object being written. Dropping it without [`Writer::finish`] leaves nothing behind once
/// [`Writer::abort`] ran; callers abort on every error path.
pub struct Writer(WriteMultipart);

impl Writer {
    /// Adds bytes (without copying them), waiting while too many parts are in flight (so
    /// memory stays bounded).
    pub async fn write(&mut self, bytes: Bytes) -> anyhow::Result<()> {
        self.0.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.0.put(bytes);
        Ok(())
    }

    pub async fn finish(self) -> anyhow::Result<()> {
        self.0.finish().await?;
        Ok(())
    }

    pub async fn abort(self) {
        if let Err(e) = self.0.abort().await {
            tracing::warn!(error = %e, "could not abort an upload");
        }
    }
}
