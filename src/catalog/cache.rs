//! Catalog data held in memory by each app instance: the category list (every
//! page's header and every category page need it) and the facet counts of
//! every listing. Triggers NOTIFY `catalog_changed` on any catalog change;
//! each instance listens and drops its copies, so a change shows at once on
//! every instance. Should the listener lose its connection, copies also
//! expire after a minute.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sqlx::PgPool;

use super::filters::FacetCell;
use super::{Category, db};
use crate::db::CatalogChanges;

const MAX_AGE: Duration = Duration::from_secs(60);

/// Values loaded from the catalog by key, dropped whenever the catalog changes.
pub struct CatalogMemo<K, V> {
    inner: Arc<Inner<K, V>>,
    /// Keys kept at most; past it, new keys are loaded every time until the next change.
    capacity: usize,
    changes: CatalogChanges,
}

struct Inner<K, V> {
    entries: RwLock<HashMap<K, (Instant, Arc<V>)>>,
    /// Moves on at every invalidation, so a load that raced one is not kept.
    generation: AtomicU64,
}

impl<K, V> Clone for CatalogMemo<K, V> {
    fn clone(&self) -> Self {
        CatalogMemo { inner: Arc::clone(&self.inner), capacity: self.capacity, changes: self.changes.clone() }
    }
}

impl<K, V> CatalogMemo<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A memo of at most `capacity` keys, emptied on every change `changes` reports.
    pub fn new(capacity: usize, changes: &CatalogChanges) -> Self {
        let inner = Inner { entries: RwLock::default(), generation: AtomicU64::new(0) };
        let memo = CatalogMemo { inner: Arc::new(inner), capacity, changes: changes.clone() };
        // Weak: the feed must not keep a dropped memo (and itself) alive.
        let subscriber = Arc::downgrade(&memo.inner);
        changes.subscribe(move || {
            if let Some(inner) = subscriber.upgrade() {
                inner.clear();
            }
        });
        memo
    }

    /// The value for `key`, from memory when fresh, else from `load`.
    pub async fn get<F, Fut>(&self, pool: &PgPool, key: K, load: F) -> sqlx::Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = sqlx::Result<V>>,
    {
        self.changes.start(pool);
        if let Some((loaded, value)) = self.inner.entries.read().expect("cache lock").get(&key)
            && loaded.elapsed() < MAX_AGE
        {
            return Ok(Arc::clone(value));
        }
        let generation = self.inner.generation.load(Ordering::Acquire);
        let value = Arc::new(load().await?);
        let mut entries = self.inner.entries.write().expect("cache lock");
        if self.inner.generation.load(Ordering::Acquire) == generation
            && (entries.len() < self.capacity || entries.contains_key(&key))
        {
            entries.insert(key, (Instant::now(), Arc::clone(&value)));
        }
        Ok(value)
    }

    /// Drops every value; the next `get` of each reads the database.
    pub fn invalidate(&self) {
        self.inner.clear();
    }
}

impl<K, V> Inner<K, V> {
    fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.write().expect("cache lock").clear();
    }
}

/// Every category, by name.
#[derive(Clone)]
pub struct CategoryCache(CatalogMemo<(), Vec<Category>>);

impl Default for CategoryCache {
    /// A cache following a feed of its own.
    fn default() -> Self {
        CategoryCache::new(&CatalogChanges::default())
    }
}

impl CategoryCache {
    pub fn new(changes: &CatalogChanges) -> Self {
        CategoryCache(CatalogMemo::new(1, changes))
    }

    /// Every category by name, from memory when the copy is fresh.
    pub async fn get(&self, pool: &PgPool) -> sqlx::Result<Arc<Vec<Category>>> {
        self.0.get(pool, (), || db::categories(pool)).await
    }

    /// The category with this slug.
    pub async fn by_slug(&self, pool: &PgPool, slug: &str) -> sqlx::Result<Option<Category>> {
        Ok(self.get(pool).await?.iter().find(|c| c.slug == slug).cloned())
    }

    /// Drops the copy; the next `get` reads the database.
    pub fn invalidate(&self) {
        self.0.invalidate();
    }
}

/// The facet cells of all active products, by the shopper's price range:
/// every listing page's counts come from one of these.
#[derive(Clone)]
pub struct FacetCache(CatalogMemo<(Option<Decimal>, Option<Decimal>), Vec<FacetCell>>);

impl FacetCache {
    pub fn new(changes: &CatalogChanges) -> Self {
        FacetCache(CatalogMemo::new(256, changes))
    }

    pub async fn get(
        &self,
        pool: &PgPool,
        min: Option<Decimal>,
        max: Option<Decimal>,
    ) -> sqlx::Result<Arc<Vec<FacetCell>>> {
        self.0.get(pool, (min, max), || db::facet_cells(pool, min, max)).await
    }
}
