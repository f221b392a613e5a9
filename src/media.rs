//! Where uploaded images live: one interface over the storage backend. The
//! local media directory (served at `/media`) is the default.

use std::path::PathBuf;

use crate::error::AppError;

/// Media storage. Keys are relative paths such as `products/12/ab12cd.jpg`.
#[derive(Debug, Clone)]
pub struct Media {
    dir: PathBuf,
}

impl Media {
    pub fn local(dir: PathBuf) -> Self {
        Media { dir }
    }

    /// A key we wrote ourselves: no `..`, no absolute paths.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let safe = !key.is_empty()
            && !key.starts_with('/')
            && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
        safe.then(|| self.dir.join(key))
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), AppError> {
        let path = self.path(key).ok_or(AppError::Internal)?;
        let written = async {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::write(&path, bytes).await
        };
        written.await.map_err(|error| {
            tracing::error!(%error, key, "could not store media");
            AppError::Internal
        })
    }

    /// Removes `key`; a failure is logged (an orphaned file harms no one).
    pub async fn remove(&self, key: &str) {
        let Some(path) = self.path(key) else { return };
        if let Err(error) = tokio::fs::remove_file(&path).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, key, "could not remove media");
        }
    }
}
