//! The category list, held in memory by each app instance: every page's
//! header and every category page need it, and it rarely changes. Triggers
//! NOTIFY `catalog_changed` on any catalog change; each instance listens and
//! drops its copy, so a change shows at once on every instance. Should the listener
//! lose its connection, copies also expire after a minute.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Category, db};

const CHANNEL: &str = crate::db::CATALOG_CHANGED;
const MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Clone, Default)]
pub struct CategoryCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    current: RwLock<Option<(Instant, Arc<Vec<Category>>)>>,
    /// Moves on at every invalidation, so a load that raced one is not kept.
    generation: AtomicU64,
    listening: AtomicBool,
}

impl CategoryCache {
    /// Every category by name, from memory when the copy is fresh.
    pub async fn get(&self, pool: &PgPool) -> sqlx::Result<Arc<Vec<Category>>> {
        if !self.inner.listening.swap(true, Ordering::AcqRel) {
            let cache = self.clone();
            crate::db::on_notify(pool.clone(), CHANNEL, move || cache.invalidate());
        }
        if let Some((loaded, list)) = self.inner.current.read().expect("cache lock").as_ref()
            && loaded.elapsed() < MAX_AGE
        {
            return Ok(Arc::clone(list));
        }
        let generation = self.inner.generation.load(Ordering::Acquire);
        let list = Arc::new(db::categories(pool).await?);
        if self.inner.generation.load(Ordering::Acquire) == generation {
            *self.inner.current.write().expect("cache lock") = Some((Instant::now(), Arc::clone(&list)));
        }
        Ok(list)
    }

    /// The category with this slug.
    pub async fn by_slug(&self, pool: &PgPool, slug: &str) -> sqlx::Result<Option<Category>> {
        Ok(self.get(pool).await?.iter().find(|c| c.slug == slug).cloned())
    }

    /// Drops the copy; the next `get` reads the database.
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        *self.inner.current.write().expect("cache lock") = None;
    }
}
