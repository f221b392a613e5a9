//! Catalog data held in memory by each app instance: the category list (every
//! page's header and every category page need it) and the facet counts of
//! every listing. Triggers NOTIFY `catalog_changed` naming what changed; each
//! instance listens and updates the copies the change touches (the category
//! list is dropped on category changes; facet counts are adjusted, one
//! product at a time, when products move between facet cells), so a change
//! shows at once on every instance. Should the listener lose its
//! connection, copies are dropped, and they also expire after a minute.
//!
//! A value missing from memory is loaded once however many requests want it
//! at the same moment: they wait for the one load (no stampede of identical
//! recounts after a change). A value past its minute is read again by the
//! first request to find it so, while every other request keeps getting it
//! meanwhile: nobody waits for the once-a-minute recount (at 100,000
//! products a facet recount under load took a third of a second, during
//! which every listing request waited, the listings' p99 in a busy shop).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::OnceCell;

use super::filters::{FacetCell, OptionLabel, price_edges};
use super::{Category, db};
use crate::db::{CatalogChange, CatalogChanges, Shown, Snapshot};

const MAX_AGE: Duration = Duration::from_secs(60);
/// A value this old is not served while it is read again (its reads kept failing).
const MAX_STALE: Duration = Duration::from_secs(300);

/// Values loaded from the catalog by key, dropped when a change touches them.
pub struct CatalogMemo<K, V> {
    inner: Arc<Inner<K, V>>,
    /// Keys kept at most; past it, new keys are loaded every time until the next change.
    capacity: usize,
    changes: CatalogChanges,
}

struct Inner<K, V> {
    entries: RwLock<HashMap<K, Slot<V>>>,
    /// Counts the changes applied (under the entries' write lock): a value
    /// read again while one arrived is not kept, as it may have missed it.
    changes_seen: AtomicU64,
}

/// One key's value, loaded once: requests that find the slot empty wait for
/// the load in flight. A change removes the slot, so a load that raced the
/// change answers the requests already waiting for it but is not kept.
struct Slot<V> {
    created: Instant,
    value: Arc<OnceCell<Arc<V>>>,
    /// A request is reading the value again (it is past `MAX_AGE`).
    refreshing: Arc<AtomicBool>,
}

impl<V> Clone for Slot<V> {
    fn clone(&self) -> Self {
        Slot { created: self.created, value: Arc::clone(&self.value), refreshing: Arc::clone(&self.refreshing) }
    }
}

impl<V> Slot<V> {
    fn new() -> Self {
        Slot::holding(OnceCell::new())
    }

    fn holding(value: OnceCell<Arc<V>>) -> Self {
        Slot { created: Instant::now(), value: Arc::new(value), refreshing: Arc::default() }
    }

    fn fresh(&self) -> bool {
        self.created.elapsed() < MAX_AGE
    }

    /// Past its minute but still served while it is read again.
    fn servable(&self) -> bool {
        self.created.elapsed() < MAX_STALE && self.value.initialized()
    }
}

/// What a request finds for its key.
enum Found<V> {
    /// A slot to wait on (loaded, or loading, or to load).
    Slot(Slot<V>),
    /// A value past its minute: the request reads it again and keeps it in
    /// the slot's place (unless `refreshing` says another request does).
    Stale(Slot<V>, Arc<V>),
}

impl<K, V> Clone for CatalogMemo<K, V> {
    fn clone(&self) -> Self {
        CatalogMemo { inner: Arc::clone(&self.inner), capacity: self.capacity, changes: self.changes.clone() }
    }
}

/// What a change does to one value in memory.
pub enum Update<V> {
    Keep,
    Replace(V),
    Drop,
}

/// How a memo follows changes: what each change does to the value of a key.
pub type Follow<K, V> = fn(&CatalogChange, &K, &V) -> Update<V>;

impl<K, V> CatalogMemo<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A memo of at most `capacity` keys, emptied on every change `changes`
    /// reports for which `touches` says yes.
    pub fn new(capacity: usize, changes: &CatalogChanges, touches: fn(&CatalogChange) -> bool) -> Self {
        let inner = Inner { entries: RwLock::default(), changes_seen: AtomicU64::new(0) };
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

    /// A memo of at most `capacity` keys, each value kept, replaced or
    /// dropped on every change as `follow` says. A value still loading when
    /// a change arrives is dropped (its read may have missed the change).
    pub fn following(capacity: usize, changes: &CatalogChanges, follow: Follow<K, V>) -> Self {
        let inner = Inner { entries: RwLock::default(), changes_seen: AtomicU64::new(0) };
        let memo = CatalogMemo { inner: Arc::new(inner), capacity, changes: changes.clone() };
        let subscriber = Arc::downgrade(&memo.inner);
        changes.subscribe(move |change| {
            if let Some(inner) = subscriber.upgrade() {
                inner.follow(change, follow);
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
        let slot = match self.slot(&key) {
            Found::Slot(slot) => slot,
            Found::Stale(old, value) => {
                if old.refreshing.swap(true, Ordering::AcqRel) {
                    return Ok(value);
                }
                return self.refresh(key, &old, value, load).await;
            }
        };
        let value = slot.value.get_or_try_init(|| async { load().await.map(Arc::new) }).await?;
        Ok(Arc::clone(value))
    }

    /// Reads `old`'s value again and puts it in `old`'s place, unless a
    /// change arrived meanwhile (the old value, kept up to date by the
    /// changes, stays) or the read fails (likewise; the next request tries).
    async fn refresh<F, Fut>(&self, key: K, old: &Slot<V>, value: Arc<V>, load: F) -> sqlx::Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = sqlx::Result<V>>,
    {
        let seen = self.inner.changes_seen.load(Ordering::Acquire);
        let fresh = match load().await {
            Ok(fresh) => Arc::new(fresh),
            Err(error) => {
                tracing::warn!(%error, "catalog copy could not be read again; the old one serves meanwhile");
                old.refreshing.store(false, Ordering::Release);
                return Ok(value);
            }
        };
        let mut entries = self.inner.entries.write().expect("cache lock");
        let unchanged = self.inner.changes_seen.load(Ordering::Acquire) == seen;
        if let Some(slot) = entries.get_mut(&key).filter(|slot| Arc::ptr_eq(&slot.value, &old.value))
            && unchanged
        {
            *slot = Slot::holding(OnceCell::new_with(Some(Arc::clone(&fresh))));
        } else {
            old.refreshing.store(false, Ordering::Release);
        }
        Ok(fresh)
    }

    /// The key's slot: the one in memory while fresh (or past its minute
    /// and servable, to read again), else a new one, kept unless the memo is full.
    fn slot(&self, key: &K) -> Found<V> {
        let found = |slot: &Slot<V>| {
            if slot.fresh() {
                return Some(Found::Slot(slot.clone()));
            }
            let value = slot.value.get().filter(|_| slot.servable())?;
            Some(Found::Stale(slot.clone(), Arc::clone(value)))
        };
        if let Some(found) = self.inner.entries.read().expect("cache lock").get(key).and_then(found) {
            return found;
        }
        let mut entries = self.inner.entries.write().expect("cache lock");
        if let Some(found) = entries.get(key).and_then(found) {
            return found;
        }
        let slot = Slot::new();
        if entries.len() < self.capacity || entries.contains_key(key) {
            entries.insert(key.clone(), slot.clone());
        }
        Found::Slot(slot)
    }

    /// Drops every value; the next `get` of each reads the database.
    pub fn invalidate(&self) {
        self.inner.clear();
    }
}

impl<K: Eq + Hash, V> Inner<K, V> {
    fn clear(&self) {
        let mut entries = self.entries.write().expect("cache lock");
        self.changes_seen.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    fn follow(&self, change: &CatalogChange, follow: Follow<K, V>) {
        let mut entries = self.entries.write().expect("cache lock");
        self.changes_seen.fetch_add(1, Ordering::AcqRel);
        entries.retain(|key, slot| {
            let Some(value) = slot.value.get() else { return false };
            match follow(change, key, value) {
                Update::Keep => true,
                Update::Drop => false,
                Update::Replace(value) => {
                    slot.value = Arc::new(OnceCell::new_with(Some(Arc::new(value))));
                    true
                }
            }
        });
    }
}

/// The catalog's in-memory copies, made for each router and provided to
/// every page render and server function beside `AppState` (which does not
/// hold them, so the state never imports a feature).
#[derive(Clone)]
pub struct CatalogCaches {
    pub categories: CategoryCache,
    pub facets: FacetCache,
    pub option_labels: OptionLabels,
}

impl CatalogCaches {
    /// Caches following `changes`.
    pub fn new(changes: &CatalogChanges) -> Self {
        CatalogCaches {
            categories: CategoryCache::new(changes),
            facets: FacetCache::new(changes),
            option_labels: OptionLabels::new(changes),
        }
    }

    /// The caches provided to the current render or server function call.
    pub fn current() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<CatalogCaches>().ok_or_else(|| crate::state::missing_context("CatalogCaches"))
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

/// What every option value is called (`catalog::db::option_labels`). Names
/// change only by renaming (which notifies everything); a product taking a
/// value it did not have may bring a new one, so the copy goes then too.
#[derive(Clone)]
pub struct OptionLabels(CatalogMemo<(), Vec<OptionLabel>>);

impl OptionLabels {
    pub fn new(changes: &CatalogChanges) -> Self {
        OptionLabels(CatalogMemo::new(1, changes, |change| match change {
            CatalogChange::Everything => true,
            CatalogChange::Products { products, .. } => products.iter().any(|p| {
                fn keys(shown: &Option<crate::db::Shown>) -> &[String] {
                    shown.as_ref().map_or(&[], |s| &s.options)
                }
                let before = keys(&p.before);
                keys(&p.after).iter().any(|key| !before.contains(key))
            }),
        }))
    }

    pub async fn get(&self, pool: &PgPool) -> sqlx::Result<Arc<Vec<OptionLabel>>> {
        self.0.get(pool, (), || db::option_labels(pool)).await
    }
}

/// The facet cells of all active products, by the shopper's price range:
/// every listing page's counts come from one of these. A change that moves
/// products between cells adjusts the counts in place (one product out of
/// its old cell, into its new one), unless the counts were read after it.
#[derive(Clone)]
pub struct FacetCache(CatalogMemo<PriceRange, FacetCounts>);

/// A shopper's price range: at least, under.
type PriceRange = (Option<Decimal>, Option<Decimal>);

/// Facet cells, and the snapshot they were counted in.
pub struct FacetCounts {
    pub cells: Vec<FacetCell>,
    pub seen: Snapshot,
}

impl FacetCache {
    pub fn new(changes: &CatalogChanges) -> Self {
        FacetCache(CatalogMemo::following(256, changes, adjust))
    }

    pub async fn get(
        &self,
        pool: &PgPool,
        min: Option<Decimal>,
        max: Option<Decimal>,
    ) -> sqlx::Result<Arc<FacetCounts>> {
        self.0
            .get(pool, (min, max), || async move {
                let (cells, seen) = db::facet_cells(pool, min, max).await?;
                let seen = Snapshot::parse(&seen).ok_or_else(|| sqlx::Error::Protocol(format!("snapshot {seen}")))?;
                Ok(FacetCounts { cells, seen })
            })
            .await
    }
}

/// The cell a product as `shown` falls in for `range`, when shoppers see it.
fn cell_of(shown: &Shown, (min, max): &PriceRange) -> Option<FacetCell> {
    if !shown.active {
        return None;
    }
    let price: Decimal = shown.price.parse().ok()?;
    Some(FacetCell {
        category_id: shown.category_id,
        // As SQL's `width_bucket` numbers them: how many edges are at or below the price.
        bucket: i32::try_from(price_edges().iter().take_while(|edge| price >= **edge).count()).ok()?,
        in_range: min.is_none_or(|min| price >= min) && max.is_none_or(|max| price < max),
        in_stock: shown.in_stock,
        on_offer: shown.offer,
        stars: shown.stars,
        options: shown.options.clone(),
        count: 1,
    })
}

fn same_cell(a: &FacetCell, b: &FacetCell) -> bool {
    (a.category_id, a.bucket, a.in_range, a.in_stock, a.on_offer, a.stars, &a.options)
        == (b.category_id, b.bucket, b.in_range, b.in_stock, b.on_offer, b.stars, &b.options)
}

/// What a change does to the counts of `range`: each product that moved
/// leaves its old cell and joins its new one, unless the counts were read
/// after the change committed (they have it already). A change that does
/// not say its transaction, or does not add up, drops the counts instead.
fn adjust(change: &CatalogChange, range: &PriceRange, counts: &FacetCounts) -> Update<FacetCounts> {
    let CatalogChange::Products { products, xid } = change else { return Update::Drop };
    let moved: Vec<_> = products.iter().filter(|p| p.moves_facets()).collect();
    if moved.is_empty() {
        return Update::Keep;
    }
    let Some(xid) = xid else { return Update::Drop };
    if counts.seen.sees(*xid) {
        return Update::Keep;
    }
    let mut cells = counts.cells.clone();
    for product in moved {
        if let Some(before) = product.before.as_ref() {
            let Some(old) = cell_of(before, range) else {
                if before.active {
                    return Update::Drop;
                }
                continue;
            };
            let Some(at) = cells.iter().position(|c| same_cell(c, &old)) else { return Update::Drop };
            cells[at].count -= 1;
            if cells[at].count == 0 {
                cells.swap_remove(at);
            }
        }
        if let Some(after) = product.after.as_ref() {
            let Some(new) = cell_of(after, range) else {
                if after.active {
                    return Update::Drop;
                }
                continue;
            };
            match cells.iter_mut().find(|c| same_cell(c, &new)) {
                Some(cell) => cell.count += 1,
                None => cells.push(new),
            }
        }
    }
    Update::Replace(FacetCounts { cells, seen: counts.seen.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ProductChange;

    fn shown(price: &str, in_stock: bool) -> Shown {
        Shown {
            slug: "tea".into(),
            category_id: 1,
            category: Some("drinks".into()),
            price: price.into(),
            in_stock,
            offer: false,
            stars: 0,
            active: true,
            options: Vec::new(),
        }
    }

    fn cell(bucket: i32, in_stock: bool, count: i64) -> FacetCell {
        FacetCell {
            category_id: 1,
            bucket,
            in_range: true,
            in_stock,
            on_offer: false,
            stars: 0,
            options: vec![],
            count,
        }
    }

    fn change(before: Shown, after: Shown, xid: u64) -> CatalogChange {
        let product = ProductChange {
            id: 7,
            before: Some(before),
            after: Some(after),
            cards: true,
            stock_only: false,
            search_same: false,
        };
        CatalogChange::Products { products: vec![product], xid: Some(xid) }
    }

    /// Makes the value kept for `key` look `age` old.
    fn age<K: Eq + Hash, V>(memo: &CatalogMemo<K, V>, key: &K, age: Duration) {
        let mut entries = memo.inner.entries.write().unwrap();
        let slot = entries.get_mut(key).unwrap();
        slot.created = Instant::now().checked_sub(age).unwrap();
    }

    #[tokio::test]
    async fn a_value_past_its_minute_is_served_while_one_request_reads_it_again() {
        let pool = PgPool::connect_lazy("postgres://nobody@127.0.0.1:9/none").unwrap();
        let changes = CatalogChanges::by_hand();
        let memo: CatalogMemo<(), u32> = CatalogMemo::new(4, &changes, |_| true);
        assert_eq!(*memo.get(&pool, (), || async { Ok(1) }).await.unwrap(), 1);
        assert_eq!(*memo.get(&pool, (), || async { Ok(99) }).await.unwrap(), 1, "fresh: kept");

        // Past its minute: the first request reads it again; one asking
        // meanwhile gets the old value at once instead of waiting.
        age(&memo, &(), MAX_AGE + Duration::from_secs(1));
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let reading = memo.get(&pool, (), || async {
            wait.await.unwrap();
            Ok(2)
        });
        let meanwhile = async {
            tokio::task::yield_now().await;
            let got = *memo.get(&pool, (), || async { panic!("a second read") }).await.unwrap();
            release.send(()).unwrap();
            got
        };
        let (read, meanwhile) = tokio::join!(reading, meanwhile);
        assert_eq!((*read.unwrap(), meanwhile), (2, 1));
        assert_eq!(*memo.get(&pool, (), || async { Ok(99) }).await.unwrap(), 2, "the new value is kept");

        // A change while it is read again: the value read may have missed it, so it is not kept.
        age(&memo, &(), MAX_AGE + Duration::from_secs(1));
        let read = memo.get(&pool, (), || async {
            changes.send(&CatalogChange::Everything);
            Ok(3)
        });
        assert_eq!(*read.await.unwrap(), 3);
        assert_eq!(*memo.get(&pool, (), || async { Ok(4) }).await.unwrap(), 4, "read anew after the change");

        // A failed read keeps serving the old value; the next request tries again.
        age(&memo, &(), MAX_AGE + Duration::from_secs(1));
        let failed = memo.get(&pool, (), || async { Err(sqlx::Error::PoolTimedOut) }).await.unwrap();
        assert_eq!(*failed, 4);
        assert_eq!(*memo.get(&pool, (), || async { Ok(5) }).await.unwrap(), 5);

        // Too old to serve (its reads kept failing): read while the request waits.
        age(&memo, &(), MAX_STALE);
        assert!(memo.get(&pool, (), || async { Err(sqlx::Error::PoolTimedOut) }).await.is_err());
    }

    #[test]
    fn a_product_leaves_its_old_cell_for_its_new_one_unless_the_counts_already_have_it() {
        let counts = FacetCounts {
            cells: vec![cell(2, true, 2), cell(2, false, 1)],
            seen: Snapshot::parse("100:104:102").unwrap(),
        };
        let everything = (None, None);
        // Sold out in transaction 102, running when the counts were read: applied.
        let Update::Replace(after) =
            adjust(&change(shown("12.00", true), shown("12.00", false), 102), &everything, &counts)
        else {
            panic!("adjusted")
        };
        assert_eq!(after.cells, [cell(2, true, 1), cell(2, false, 2)]);
        // Committed before they were read (101): already counted.
        assert!(matches!(
            adjust(&change(shown("12.00", true), shown("12.00", false), 101), &everything, &counts),
            Update::Keep
        ));
        // A price into another range, where nothing was: a new cell; the old one, emptied, goes.
        let one = FacetCounts { cells: vec![cell(2, false, 1)], seen: counts.seen.clone() };
        let Update::Replace(moved) =
            adjust(&change(shown("12.00", false), shown("60.00", false), 200), &everything, &one)
        else {
            panic!("adjusted")
        };
        assert_eq!(moved.cells, [cell(4, false, 1)]);
        // Counts that do not add up (no such cell), a change without its transaction, or everything: read again.
        assert!(matches!(
            adjust(&change(shown("999.00", true), shown("12.00", true), 200), &everything, &one),
            Update::Drop
        ));
        let unnamed = CatalogChange::Products {
            products: vec![ProductChange {
                id: 7,
                before: None,
                after: Some(shown("1.00", true)),
                cards: true,
                stock_only: false,
                search_same: false,
            }],
            xid: None,
        };
        assert!(matches!(adjust(&unnamed, &everything, &counts), Update::Drop));
        assert!(matches!(adjust(&CatalogChange::Everything, &everything, &counts), Update::Drop));
    }

    #[test]
    fn a_price_range_counts_a_product_in_or_out_of_it() {
        let range = (Some(Decimal::from(10)), Some(Decimal::from(50)));
        assert!(cell_of(&shown("10.00", true), &range).unwrap().in_range);
        assert!(!cell_of(&shown("50.00", true), &range).unwrap().in_range, "under the top");
        assert!(cell_of(&Shown { active: false, ..shown("20.00", true) }, &range).is_none(), "drafts are not counted");
    }
}
