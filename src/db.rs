//! Database set-up shared by every feature: the embedded migrations, and
//! change notifications for in-memory caches.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgListener;

/// Channel the catalog triggers NOTIFY on any change to products, product
/// images or categories.
pub const CATALOG_CHANGED: &str = "catalog_changed";

/// Every migration under `migrations/`, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// A page from rows fetched with one more than `size`: the page, and whether
/// another follows.
pub fn one_page<T>(mut rows: Vec<T>, size: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    (rows, more)
}

/// Applies pending migrations; safe to run on every start.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(pool).await
}

/// Calls `changed` on every NOTIFY on `channel`, for as long as the process
/// runs. It is also called whenever the listener (re)connects, since
/// notifications sent while it was down are lost; after a dropped connection
/// it retries every second.
pub fn on_notify(pool: PgPool, channel: &'static str, changed: impl Fn() + Send + 'static) {
    tokio::spawn(async move {
        loop {
            match PgListener::connect_with(&pool).await {
                Ok(mut listener) => {
                    if listener.listen(channel).await.is_ok() {
                        changed();
                        while listener.try_recv().await.ok().flatten().is_some() {
                            changed();
                        }
                    }
                }
                Err(error) => tracing::debug!(%error, channel, "listener could not connect"),
            }
            changed();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
