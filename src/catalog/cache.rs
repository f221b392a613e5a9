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
//! recounts after a change).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::OnceCell;

use super::filters::{FacetCell, OptionLabel, price_edges};
use super::{Category, db};
use crate::db::{CatalogChange, CatalogChanges, Shown, Snapshot};

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

    /// A memo of at most `capacity` keys, each value kept, replaced or
    /// dropped on every change as `follow` says. A value still loading when
    /// a change arrives is dropped (its read may have missed the change).
    pub fn following(capacity: usize, changes: &CatalogChanges, follow: Follow<K, V>) -> Self {
        let inner = Inner { entries: RwLock::default() };
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

impl<K: Eq + Hash, V> Inner<K, V> {
    fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }

    fn follow(&self, change: &CatalogChange, follow: Follow<K, V>) {
        let mut entries = self.entries.write().expect("cache lock");
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
