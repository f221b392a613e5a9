//! Where uploaded images live, behind one interface: the local media
//! directory by default, or an S3-compatible bucket (AWS, MinIO, R2…) when
//! `TROVE_S3_BUCKET` is set. Either way pages link to `/media/{key}`; with a
//! bucket, Trove reads the object and answers with it, so URLs, caching and
//! the Content-Security-Policy stay the same.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::ExposeSecret;

use crate::config::S3Config;
use crate::error::AppError;

/// Pixels an uploaded picture may have. Decoding takes three or four bytes a
/// pixel whatever the file's size (a few kilobytes of PNG can claim
/// 8000×8000), so the header is read first and a larger one is refused
/// before any decoding: 40 megapixels covers any phone's camera.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Pictures decoded at once: each may take a hundred megabytes or more.
static DECODING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(2));

/// Whether a picture's header claims more pixels than `MAX_PIXELS` (or more
/// than `max_side` on a side); read without decoding the picture.
pub fn too_many_pixels(bytes: &[u8], format: image::ImageFormat, max_side: u32) -> Result<bool, image::ImageError> {
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format).into_dimensions()?;
    Ok(width > max_side || height > max_side || u64::from(width) * u64::from(height) > MAX_PIXELS)
}

/// Pictures being decoded now, and the most ever at once.
static DECODES_RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static DECODES_PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The most pictures this process ever decoded at the same time.
pub fn peak_concurrent_decodes() -> usize {
    DECODES_PEAK.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs picture decoding off the executor, a couple at a time, so that many
/// uploads at once queue instead of exhausting the server's memory.
pub async fn decode_bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    use std::sync::atomic::Ordering;
    let _slot = DECODING.acquire().await.map_err(|_| AppError::Internal)?;
    Ok(tokio::task::spawn_blocking(move || {
        let running = DECODES_RUNNING.fetch_add(1, Ordering::AcqRel) + 1;
        DECODES_PEAK.fetch_max(running, Ordering::AcqRel);
        let result = work();
        DECODES_RUNNING.fetch_sub(1, Ordering::AcqRel);
        result
    })
    .await?)
}

/// Media storage. Keys are relative paths such as `products/12/ab12cd.jpg`.
#[derive(Debug, Clone)]
pub enum Media {
    Local(PathBuf),
    Bucket(Arc<dyn ObjectStore>),
}

/// A key we wrote ourselves: no `..`, no absolute paths, no empty parts.
fn safe(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

impl Media {
    pub fn local(dir: PathBuf) -> Self {
        Media::Local(dir)
    }

    /// The bucket when one is configured, else the media directory.
    pub fn from_config(config: &crate::config::Config) -> Result<Self, object_store::Error> {
        match &config.s3 {
            Some(s3) => Self::bucket(s3),
            None => Ok(Self::local(config.media_dir.clone())),
        }
    }

    /// Stores what `contents` makes under `key` unless something is there already.
    pub async fn put_if_missing(&self, key: &str, contents: impl FnOnce() -> Vec<u8>) -> Result<(), AppError> {
        let present = match self {
            Media::Local(dir) => tokio::fs::try_exists(dir.join(key)).await.unwrap_or(false),
            Media::Bucket(store) => store.head(&Path::from(key)).await.is_ok(),
        };
        if present { Ok(()) } else { self.put(key, contents()).await }
    }

    /// The bucket named in the configuration.
    pub fn bucket(config: &S3Config) -> Result<Self, object_store::Error> {
        // reqwest's TLS takes rustls's process-wide provider: ring, as for mail and Stripe.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        Ok(Media::Bucket(Arc::new(builder.build()?)))
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        if !safe(key) {
            return Err(AppError::Internal);
        }
        let stored = match self {
            Media::Local(dir) => {
                let path = dir.join(key);
                let written = async {
                    if let Some(parent) = path.parent() {
                        tokio::fs::create_dir_all(parent).await?;
                    }
                    tokio::fs::write(&path, bytes).await
                };
                written.await.map_err(|error| error.to_string())
            }
            Media::Bucket(store) => store
                .put(&Path::from(key), PutPayload::from(bytes))
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
        };
        stored.map_err(|error| {
            tracing::error!(%error, key, "could not store media");
            AppError::Internal
        })
    }

    /// Removes `key`; a failure is logged (an orphaned file harms no one).
    pub async fn remove(&self, key: &str) {
        if !safe(key) {
            return;
        }
        let removed = match self {
            Media::Local(dir) => match tokio::fs::remove_file(dir.join(key)).await {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.to_string()),
                _ => Ok(()),
            },
            Media::Bucket(store) => match store.delete(&Path::from(key)).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
                Err(error) => Err(error.to_string()),
            },
        };
        if let Err(error) = removed {
            tracing::warn!(%error, key, "could not remove media");
        }
    }
}

/// `GET /media/{*key}` when media live in a bucket (the local directory is
/// served by `ServeDir`).
pub async fn serve_from_bucket(State(media): State<Media>, UrlPath(key): UrlPath<String>) -> Response {
    let Media::Bucket(store) = &media else { return StatusCode::NOT_FOUND.into_response() };
    if !safe(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let object = match store.get(&Path::from(key.as_str())).await {
        Ok(object) => object,
        Err(object_store::Error::NotFound { .. }) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, key, "could not read media from the bucket");
            return StatusCode::BAD_GATEWAY.into_response();
        }
    };
    let bytes = match object.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, key, "could not read media from the bucket");
            return StatusCode::BAD_GATEWAY.into_response();
        }
    };
    let content_type = match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response()
}

#[cfg(test)]
mod tests {
    use super::{decode_bounded, peak_concurrent_decodes, safe};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn at_most_two_pictures_are_decoded_at_once() {
        let decodes: Vec<_> = (0..8)
            .map(|_| tokio::spawn(decode_bounded(|| std::thread::sleep(std::time::Duration::from_millis(50)))))
            .collect();
        for decode in decodes {
            decode.await.unwrap().unwrap();
        }
        assert_eq!(peak_concurrent_decodes(), 2);
    }

    #[test]
    fn only_plain_relative_keys_are_used() {
        assert!(safe("products/12/abc.jpg"));
        for bad in ["", "/etc/passwd", "../secret", "products/../../x", "a//b", "./a"] {
            assert!(!safe(bad), "{bad}");
        }
    }
}
