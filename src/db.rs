//! Database set-up shared by every feature: the embedded migrations, LISTEN
//! connections, and the catalog-change feed every in-memory cache follows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgListener, PgPoolOptions};

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

/// A LISTEN connection of its own, outside the request pool: a listener holds
/// its connection for good, and the pool's connections are for requests (a
/// small pool would otherwise be used up by listeners and hang every request).
pub async fn listener(pool: &PgPool) -> sqlx::Result<PgListener> {
    let own = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with((*pool.connect_options()).clone())
        .await?;
    PgListener::connect_with(&own).await
}

/// Calls `changed` on every NOTIFY on `channel`, for as long as the process
/// runs. It is also called once the listener (re)connects, since
/// notifications sent while it was down are lost; after a dropped connection
/// it retries every second, calling `changed` only when it is back.
fn on_notify(pool: PgPool, channel: &'static str, changed: impl Fn() + Send + 'static) {
    tokio::spawn(async move {
        loop {
            match listener(&pool).await {
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
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

type Subscriber = Box<dyn Fn() + Send + Sync>;

/// The catalog-change feed of one app instance, which every in-memory copy of
/// the catalog (categories, facet counts, anonymous pages) subscribes to: one
/// LISTEN connection, opened on first use outside the request pool, calling
/// each subscriber on every NOTIFY `catalog_changed` and when it (re)connects.
#[derive(Clone, Default)]
pub struct CatalogChanges {
    inner: Arc<ChangesInner>,
}

#[derive(Default)]
struct ChangesInner {
    started: AtomicBool,
    subscribers: RwLock<Vec<Subscriber>>,
}

impl CatalogChanges {
    /// Calls `on_change` whenever the catalog may have changed.
    pub fn subscribe(&self, on_change: impl Fn() + Send + Sync + 'static) {
        self.inner.subscribers.write().expect("subscribers lock").push(Box::new(on_change));
    }

    /// Starts listening, once; later calls do nothing.
    pub fn start(&self, pool: &PgPool) {
        if !self.inner.started.swap(true, Ordering::AcqRel) {
            let feed = self.clone();
            on_notify(pool.clone(), CATALOG_CHANGED, move || feed.changed());
        }
    }

    fn changed(&self) {
        for subscriber in self.inner.subscribers.read().expect("subscribers lock").iter() {
            subscriber();
        }
    }
}
