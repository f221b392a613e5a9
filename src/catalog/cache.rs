//! Catalog data held in memory by each app instance: the category list (every
//! page's header and every category page need it) and the facet counts of
//! every listing. Triggers NOTIFY `catalog_changed` naming what changed; each
//! instance listens and drops the copies the change touches (the category
//! list on category changes, facet counts when a product moved between
//! facet cells), so a change shows at once on every instance. Should the
//! listener lose its connection, copies also expire after a minute.
//!
//! A value missing from memory is loaded once however many requests want it
//! at the same moment: they wait for the one load (no stampede of identical
//! recounts after a change).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::OnceCell;

use super::filters::FacetCell;
use super::{Category, db};
use crate::db::{CatalogChange, CatalogChanges};

const MAX_AGE: Duration = Duration::from_secs(60);

/// Values loaded from the catalog by key, dropped when a change touches them.
pub struct CatalogMemo<K, V> {
    inner: Arc<Inner<K, V>>,
    /// Keys kept at most; past it, new keys are loaded every time until the next change.
    capacity: usize,
    changes: CatalogChanges,
}

struct Inner<K, V> {
    entries: RwLock<HashMap<K, Slot<V>>>,
}

/// One key's value, loaded once: requests that find the slot empty wait for
/// the load in flight. A change removes the slot, so a load that raced the
/// change answers the requests already waiting for it but is not kept.
struct Slot<V> {
    created: Instant,
    value: Arc<OnceCell<Arc<V>>>,
}

impl<V> Clone for Slot<V> {
    fn clone(&self) -> Self {
        Slot { created: self.created, value: Arc::clone(&self.value) }
    }
}

impl<V> Slot<V> {
    fn new() -> Self {
        Slot { created: Instant::now(), value: Arc::new(OnceCell::new()) }
    }

    fn fresh(&self) -> bool {
        self.created.elapsed() < MAX_AGE
    }
}

impl<K, V> Clone for CatalogMemo<K, V> {
    fn clone(&self) -> Self {
        CatalogMemo { inner: Arc::clone(&self.inner), capacity: self.capacity, changes: self.changes.clone() }
    }
}

impl<K, V> CatalogMemo<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A memo of at most `capacity` keys, emptied on every change `changes`
    /// reports for which `touches` says yes.
    pub fn new(capacity: usize, changes: &CatalogChanges, touches: fn(&CatalogChange) -> bool) -> Self {
        let inner = Inner { entries: RwLock::default() };
        let memo = CatalogMemo { inner: Arc::new(inner), capacity, changes: changes.clone() };
        // Weak: the feed must not keep a dropped memo (and itself) alive.
        let subscriber = Arc::downgrade(&memo.inner);
        changes.subscribe(move |change| {
            if let Some(inner) = subscriber.upgrade()
                && touches(change)
            {
                inner.clear();
            }
        });
        memo
    }

    /// The value for `key`, from memory when fresh, else from `load` (once,
    /// however many ask at the same moment).
    pub async fn get<F, Fut>(&self, pool: &PgPool, key: K, load: F) -> sqlx::Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = sqlx::Result<V>>,
    {
        self.changes.start(pool);
        let slot = self.slot(key);
        let value = slot.value.get_or_try_init(|| async { load().await.map(Arc::new) }).await?;
        Ok(Arc::clone(value))
    }

    /// The key's slot: the one in memory while fresh, else a new one, kept
    /// unless the memo is full.
    fn slot(&self, key: K) -> Slot<V> {
        if let Some(slot) = self.inner.entries.read().expect("cache lock").get(&key).filter(|slot| slot.fresh()) {
            return slot.clone();
        }
        let mut entries = self.inner.entries.write().expect("cache lock");
        if let Some(slot) = entries.get(&key).filter(|slot| slot.fresh()) {
            return slot.clone();
        }
        let slot = Slot::new();
        if entries.len() < self.capacity || entries.contains_key(&key) {
            entries.insert(key, slot.clone());
        }
        slot
    }

    /// Drops every value; the next `get` of each reads the database.
    pub fn invalidate(&self) {
        self.inner.clear();
    }
}

impl<K, V> Inner<K, V> {
    fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }
}

/// The catalog's in-memory copies, made for each router and provided to
/// every page render and server function beside `AppState` (which does not
/// hold them, so the state never imports a feature).
#[derive(Clone)]
pub struct CatalogCaches {
    pub categories: CategoryCache,
    pub facets: FacetCache,
}

impl CatalogCaches {
    /// Caches following `changes`.
    pub fn new(changes: &CatalogChanges) -> Self {
        CatalogCaches { categories: CategoryCache::new(changes), facets: FacetCache::new(changes) }
    }

    /// The caches provided to the current render or server function call.
    pub fn current() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<CatalogCaches>().ok_or_else(|| {
            tracing::error!("CatalogCaches missing from the reactive context");
            crate::error::AppError::Internal
        })
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
        CategoryCache(CatalogMemo::new(1, changes, |change| *change == CatalogChange::Everything))
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
        FacetCache(CatalogMemo::new(256, changes, CatalogChange::moves_facets))
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
