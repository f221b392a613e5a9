//! Database set-up shared by every feature: the embedded migrations, LISTEN
//! connections, and the catalog-change feed every in-memory cache follows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgListener, PgPoolOptions};

/// Channel the catalog triggers NOTIFY on, naming what a change to products,
/// their images, reviews or categories touched (see `CatalogChange`).
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

/// Rows written at once past which a bulk load tidies up after itself.
pub const BULK_ROWS: usize = 1_000;

/// Vacuums and analyses the catalog's tables after a bulk load (the seed, a
/// large CSV import). Fresh statistics let the planner see the new size, and
/// the visibility map lets search and listings use index-only scans: right
/// after loading 100,000 products, search took 46 ms until a vacuum, 16 ms
/// after. Runs outside any transaction, as VACUUM must.
pub async fn tidy_after_bulk_load(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::raw_sql("VACUUM (ANALYZE) products, product_images, categories").execute(pool).await?;
    Ok(())
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

/// Calls `changed` with every NOTIFY's payload on `channel`, for as long as
/// the process runs. It is also called (with `None`) once the listener
/// (re)connects, since notifications sent while it was down are lost; after
/// a dropped connection it retries every second, calling `changed` only when
/// it is back.
/// With `replicas`, each change waits until every read replica has replayed
/// it (see `Replicas::settle`): a cache dropped sooner would be filled again
/// from a replica that does not have the change yet.
/// Stops, closing its connection, once `stop` is notified (its feed is gone).
fn on_notify(
    pool: PgPool,
    channel: &'static str,
    stop: Arc<tokio::sync::Notify>,
    replicas: Replicas,
    changed: impl Fn(Option<&str>) + Send + 'static,
) {
    tokio::spawn(async move {
        let listen = async move {
            loop {
                match listener(&pool).await {
                    Ok(mut listener) => {
                        if listener.listen(channel).await.is_ok() {
                            replicas.settle(&mut listener).await;
                            changed(None);
                            while let Ok(Some(first)) = listener.try_recv().await {
                                let mut batch = vec![first];
                                while let Some(next) = listener.next_buffered() {
                                    batch.push(next);
                                }
                                replicas.settle(&mut listener).await;
                                for notification in &batch {
                                    changed(Some(notification.payload()));
                                }
                            }
                        }
                    }
                    Err(error) => tracing::debug!(%error, channel, "listener could not connect"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        tokio::select! {
            () = listen => {}
            () = stop.notified() => {}
        }
    });
}

/// What a change to the catalog touched, as the triggers describe it
/// (migrations/20261130000005_targeted_catalog_changes.sql).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogChange {
    /// Anything may have changed: categories, a bulk edit, a truncate, or
    /// the listener (re)connected and may have missed notifications.
    Everything,
    /// These products changed in a way a shopper can see, in transaction
    /// `xid` (`None` from a trigger that does not say).
    Products { products: Vec<ProductChange>, xid: Option<u64> },
}

/// One product's change: what listings and facet counts knew of it before
/// and after (`None` when it did not exist), and whether its card shows the
/// change (a new description shows only on its page and in search).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ProductChange {
    pub id: i64,
    pub before: Option<Shown>,
    pub after: Option<Shown>,
    pub cards: bool,
    /// Only its stock changed (an order's change, say): nothing a search
    /// matches or ranks by, so results that do not show it are as they were.
    #[serde(default)]
    pub stock_only: bool,
    /// What searches match it by (its words, whether it is on sale) stayed
    /// the same: only results that match it can show the change.
    #[serde(default)]
    pub search_same: bool,
}

/// What listings and facet counts know of a product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Shown {
    pub slug: String,
    pub category_id: i64,
    /// The category's slug.
    pub category: Option<String>,
    /// The price a shopper pays, as the database writes it (`12.50`).
    pub price: String,
    pub in_stock: bool,
    pub offer: bool,
    pub stars: i32,
    pub active: bool,
    /// The filter keys of its option values (`size:m`), sorted.
    #[serde(default)]
    pub options: Vec<String>,
}

/// What places a product in a facet cell: category, price, in stock, on
/// offer, stars, option values.
type CellKey<'a> = (i64, &'a str, bool, bool, i32, &'a [String]);

impl Shown {
    /// The product's facet cell (see `catalog::filters::FacetCell`), when
    /// shoppers see it at all.
    fn facet_cell(&self) -> Option<CellKey<'_>> {
        self.active.then_some((
            self.category_id,
            self.price.as_str(),
            self.in_stock,
            self.offer,
            self.stars,
            self.options.as_slice(),
        ))
    }
}

impl ProductChange {
    /// Whether shoppers saw the product before or see it now (a draft's edits show nowhere).
    pub fn seen_by_shoppers(&self) -> bool {
        self.sides().any(|shown| shown.active)
    }

    /// Whether the product moved between facet cells (so listing counts change).
    pub fn moves_facets(&self) -> bool {
        self.before.as_ref().and_then(Shown::facet_cell) != self.after.as_ref().and_then(Shown::facet_cell)
    }

    /// Whether the change may alter which products a search matches: new
    /// words, put on sale or taken off, made or deleted.
    pub fn rematches(&self) -> bool {
        !self.search_same || self.before.as_ref().map(|s| s.active) != self.after.as_ref().map(|s| s.active)
    }

    /// The product as it was and as it is (one or both).
    pub fn sides(&self) -> impl Iterator<Item = &Shown> {
        self.before.iter().chain(self.after.iter())
    }
}

impl CatalogChange {
    /// The change a NOTIFY payload describes; anything unreadable (an empty
    /// payload from an older trigger) is taken as `Everything`.
    pub fn parse(payload: &str) -> Self {
        #[derive(serde::Deserialize)]
        struct Payload {
            #[serde(default)]
            all: bool,
            #[serde(default)]
            products: Vec<ProductChange>,
            xid: Option<String>,
        }
        match serde_json::from_str::<Payload>(payload) {
            Ok(Payload { all: false, products, xid }) => {
                CatalogChange::Products { products, xid: xid.and_then(|x| x.parse().ok()) }
            }
            _ => CatalogChange::Everything,
        }
    }

    /// Whether facet counts may have changed.
    pub fn moves_facets(&self) -> bool {
        match self {
            CatalogChange::Everything => true,
            CatalogChange::Products { products, .. } => {
                products.iter().any(|p| p.seen_by_shoppers() && p.moves_facets())
            }
        }
    }
}

/// Which transactions' work a read saw: PostgreSQL's snapshot of it
/// (`pg_current_snapshot()`, written `xmin:xmax:xip,…`). A change committed
/// by transaction `xid` is in what was read when the snapshot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    xmin: u64,
    xmax: u64,
    running: Vec<u64>,
}

impl Snapshot {
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, ':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let running = match parts.next()? {
            "" => Vec::new(),
            list => list.split(',').map(str::parse).collect::<Result<_, _>>().ok()?,
        };
        Some(Snapshot { xmin, xmax, running })
    }

    /// Whether the work of committed transaction `xid` was visible to the read.
    pub fn sees(&self, xid: u64) -> bool {
        xid < self.xmin || (xid < self.xmax && !self.running.contains(&xid))
    }
}

/// The NOTIFY payloads of one channel, each routed to the subscribers of
/// the key it names (a JSON string field, e.g. a chat's `to`), so a
/// payload wakes only those who follow that key. One LISTEN connection
/// outside the request pool, opened by the first subscriber and closed when
/// the feed is dropped. An empty payload goes to every subscriber when the
/// listener (re)connects, since what was notified while it was down is
/// lost: subscribers then catch up from the database, as they do when they
/// fall behind (`RecvError::Lagged`).
#[derive(Clone)]
pub struct NotifyFeed {
    inner: Arc<FeedInner>,
}

type Followers = std::collections::HashMap<String, tokio::sync::broadcast::Sender<Arc<str>>>;

struct FeedInner {
    channel: &'static str,
    key: &'static str,
    started: AtomicBool,
    followers: std::sync::Mutex<Followers>,
    gone: Arc<tokio::sync::Notify>,
}

impl Drop for FeedInner {
    fn drop(&mut self) {
        self.gone.notify_one();
    }
}

impl NotifyFeed {
    /// The feed of `channel`, whose payloads name their key in the field `key`.
    pub fn new(channel: &'static str, key: &'static str) -> Self {
        let inner = FeedInner {
            channel,
            key,
            started: AtomicBool::new(false),
            followers: std::sync::Mutex::default(),
            gone: Arc::default(),
        };
        NotifyFeed { inner: Arc::new(inner) }
    }

    /// Every payload naming `key` from now on (the listener starts on the first call).
    pub fn subscribe(&self, pool: &PgPool, key: &str) -> tokio::sync::broadcast::Receiver<Arc<str>> {
        let receiver = {
            let mut followers = self.inner.followers.lock().expect("feed lock");
            followers.retain(|_, sender| sender.receiver_count() > 0);
            match followers.get(key) {
                Some(sender) => sender.subscribe(),
                None => {
                    let (sender, receiver) = tokio::sync::broadcast::channel(64);
                    followers.insert(key.to_owned(), sender);
                    receiver
                }
            }
        };
        if !self.inner.started.swap(true, Ordering::AcqRel) {
            // Weak: the listener must not keep its feed alive.
            let feed = Arc::downgrade(&self.inner);
            let gone = Arc::clone(&self.inner.gone);
            on_notify(pool.clone(), self.inner.channel, gone, Replicas::default(), move |payload| {
                if let Some(inner) = feed.upgrade() {
                    inner.route(payload.unwrap_or_default());
                }
            });
        }
        receiver
    }
}

impl FeedInner {
    fn route(&self, payload: &str) {
        let value = serde_json::from_str::<serde_json::Value>(payload).ok();
        let key = value.as_ref().and_then(|v| v[self.key].as_str());
        let followers = self.followers.lock().expect("feed lock");
        let payload: Arc<str> = Arc::from(payload);
        match key {
            Some(key) => {
                if let Some(sender) = followers.get(key) {
                    let _ = sender.send(payload);
                }
            }
            // A reconnection (or a payload without a key) may concern anyone.
            None => {
                for sender in followers.values() {
                    let _ = sender.send(Arc::clone(&payload));
                }
            }
        }
    }
}

type Subscriber = Box<dyn Fn(&CatalogChange) + Send + Sync>;

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
    /// Read replicas every change waits for before it is applied.
    replicas: Replicas,
    subscribers: RwLock<Vec<Subscriber>>,
    /// Told when the feed is dropped (its app is gone): the listener closes
    /// its connection then, rather than holding it for the process's life.
    gone: Arc<tokio::sync::Notify>,
}

impl Drop for ChangesInner {
    fn drop(&mut self) {
        self.gone.notify_one();
    }
}

impl CatalogChanges {
    /// A feed whose changes are applied once `replicas` have them too.
    pub fn after(replicas: &Replicas) -> Self {
        let inner = ChangesInner {
            started: AtomicBool::new(false),
            replicas: replicas.clone(),
            subscribers: RwLock::default(),
            gone: Arc::default(),
        };
        CatalogChanges { inner: Arc::new(inner) }
    }

    /// A feed that never listens, whose changes a test sends (`changed`).
    #[cfg(test)]
    pub fn by_hand() -> Self {
        let feed = CatalogChanges::default();
        feed.inner.started.store(true, Ordering::Release);
        feed
    }

    /// Sends `change` to every subscriber, as a NOTIFY would.
    #[cfg(test)]
    pub fn send(&self, change: &CatalogChange) {
        self.changed(change);
    }

    /// Calls `on_change` with every change to the catalog.
    pub fn subscribe(&self, on_change: impl Fn(&CatalogChange) + Send + Sync + 'static) {
        self.inner.subscribers.write().expect("subscribers lock").push(Box::new(on_change));
    }

    /// Starts listening, once; later calls do nothing.
    pub fn start(&self, pool: &PgPool) {
        if !self.inner.started.swap(true, Ordering::AcqRel) {
            // Weak: the listener must not keep its feed alive.
            let feed = Arc::downgrade(&self.inner);
            let replicas = self.inner.replicas.clone();
            on_notify(pool.clone(), CATALOG_CHANGED, Arc::clone(&self.inner.gone), replicas, move |payload| {
                if let Some(inner) = feed.upgrade() {
                    CatalogChanges { inner }.changed(&payload.map_or(CatalogChange::Everything, CatalogChange::parse));
                }
            });
        }
    }

    fn changed(&self, change: &CatalogChange) {
        for subscriber in self.inner.subscribers.read().expect("subscribers lock").iter() {
            subscriber(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_the_products_or_says_everything() {
        let payload = r#"{"products": [{"id": 1, "after": {"slug": "apple", "offer": false, "price": "2.00", "stars": 0,
            "active": true, "category": "fruit", "in_stock": false, "category_id": 1}, "cards": true,
            "before": {"slug": "apple", "offer": false, "price": "2.00", "stars": 0, "active": true,
            "category": "fruit", "in_stock": true, "category_id": 1}}]}"#;
        let CatalogChange::Products { products, xid } = CatalogChange::parse(payload) else { panic!("products") };
        assert_eq!((products.len(), xid), (1, None));
        assert!(products[0].cards && products[0].seen_by_shoppers() && products[0].moves_facets(), "sold out");
        assert_eq!(CatalogChange::parse(r#"{"all":true}"#), CatalogChange::Everything);
        assert_eq!(CatalogChange::parse(""), CatalogChange::Everything, "an older trigger's empty payload");
        assert_eq!(CatalogChange::parse("{not json"), CatalogChange::Everything);
        let named = CatalogChange::parse(r#"{"products": [], "xid": "7731"}"#);
        assert_eq!(named, CatalogChange::Products { products: Vec::new(), xid: Some(7731) });
    }

    #[test]
    fn a_snapshot_sees_what_committed_before_it_and_nothing_running_or_later() {
        let snapshot = Snapshot::parse("100:105:101,103").unwrap();
        assert!(snapshot.sees(99) && snapshot.sees(102) && snapshot.sees(104));
        assert!(!snapshot.sees(101) && !snapshot.sees(103), "running when it was taken");
        assert!(!snapshot.sees(105) && !snapshot.sees(200), "began after");
        assert_eq!(Snapshot::parse("7:7:"), Some(Snapshot { xmin: 7, xmax: 7, running: Vec::new() }));
        assert_eq!(Snapshot::parse("7:x:"), None);
    }
}

/// Whether `error` means the database could not be reached (down,
/// restarting, refusing connections), rather than a query's own failure.
pub fn unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        // Class 08: connection exceptions; 57P01–57P03: shut down by an
        // administrator, crashed, or not yet accepting connections.
        sqlx::Error::Database(error) => {
            error.code().is_some_and(|code| code.starts_with("08") || ["57P01", "57P02", "57P03"].contains(&&*code))
        }
        _ => false,
    }
}

/// How often the health probe asks the database while it answers, and how
/// often it tries again while it does not.
const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_RETRY: Duration = Duration::from_millis(200);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether the database answers, as a probe on a connection of its own finds
/// it twice a second. While it does not, requests that need the database are
/// refused at once with 503 instead of each waiting out the pool's acquire
/// timeout, and `/healthz` says so; the probe notices the database's return
/// within a fifth of a second.
#[derive(Clone)]
pub struct Health {
    inner: Arc<HealthInner>,
}

struct HealthInner {
    up: AtomicBool,
    started: AtomicBool,
    pool: PgPool,
}

impl Health {
    pub fn new(pool: &PgPool) -> Self {
        let inner = HealthInner { up: AtomicBool::new(true), started: AtomicBool::new(false), pool: pool.clone() };
        Health { inner: Arc::new(inner) }
    }

    /// Whether the database answered the last probe (starting the probe on
    /// first use).
    pub fn up(&self) -> bool {
        // A read on every request; the one write only the first time.
        if !self.inner.started.load(Ordering::Relaxed) && !self.inner.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(probe(Arc::downgrade(&self.inner)));
        }
        self.inner.up.load(Ordering::Acquire)
    }

    /// Another check found the database out of reach (the pool's own
    /// connection failed): requests are refused until the probe finds it
    /// answering again, within half a second if it does.
    pub fn found_down(&self) {
        if self.inner.up.swap(false, Ordering::AcqRel) {
            tracing::warn!("the database does not answer: refusing requests that need it with 503");
        }
    }
}

/// Probes until the health it reports on is dropped.
async fn probe(health: std::sync::Weak<HealthInner>) {
    use sqlx::{ConnectOptions, Connection};
    let mut conn: Option<sqlx::PgConnection> = None;
    loop {
        let Some(inner) = health.upgrade() else { return };
        let answered = match conn.as_mut() {
            Some(open) => tokio::time::timeout(PROBE_TIMEOUT, open.ping()).await.is_ok_and(|pinged| pinged.is_ok()),
            None => {
                let options = (*inner.pool.connect_options()).clone();
                match tokio::time::timeout(PROBE_TIMEOUT, options.connect()).await {
                    Ok(Ok(open)) => {
                        conn = Some(open);
                        true
                    }
                    _ => false,
                }
            }
        };
        if !answered {
            conn = None;
        }
        let was = inner.up.swap(answered, Ordering::AcqRel);
        if was != answered {
            if answered {
                tracing::info!("the database answers again");
            } else {
                tracing::warn!("the database does not answer: refusing requests that need it with 503");
            }
        }
        drop(inner);
        tokio::time::sleep(if answered { PROBE_EVERY } else { PROBE_RETRY }).await;
    }
}

/// How long a change waits for a replica to replay it before that replica
/// is set aside (its reads go to the primary) until it has caught up.
const REPLICA_PATIENCE: Duration = Duration::from_secs(2);

/// Streaming replicas for catalog reads (`DATABASE_READ_URL`). Reads go to
/// them in turn, skipping one that does not answer or has fallen behind;
/// with none fit (or none configured) they go to the primary.
#[derive(Clone, Default)]
pub struct Replicas {
    inner: Arc<Vec<Replica>>,
    turn: Arc<std::sync::atomic::AtomicUsize>,
}

struct Replica {
    pool: PgPool,
    health: Health,
    /// Set aside until it has replayed the primary's log up to `target`.
    behind: AtomicBool,
    target: std::sync::Mutex<String>,
}

impl Replicas {
    pub fn new(pools: Vec<PgPool>) -> Self {
        let replicas = pools
            .into_iter()
            .map(|pool| Replica {
                health: Health::new(&pool),
                pool,
                behind: AtomicBool::new(false),
                target: std::sync::Mutex::default(),
            })
            .collect();
        Replicas { inner: Arc::new(replicas), turn: Arc::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many replicas take reads, are set aside as behind, and do not answer.
    pub fn states(&self) -> (usize, usize, usize) {
        self.inner.iter().fold((0, 0, 0), |(in_turn, behind, down), replica| {
            if !replica.health.up() {
                (in_turn, behind, down + 1)
            } else if replica.behind.load(Ordering::Acquire) {
                (in_turn, behind + 1, down)
            } else {
                (in_turn + 1, behind, down)
            }
        })
    }

    /// The pool for the next catalog read: a fit replica in turn, else `primary`.
    pub fn pick<'a>(&'a self, primary: &'a PgPool) -> &'a PgPool {
        let count = self.inner.len();
        if count == 0 {
            return primary;
        }
        let start = self.turn.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|i| &self.inner[(start + i) % count])
            .find(|replica| replica.health.up() && !replica.behind.load(Ordering::Acquire))
            .map_or(primary, |replica| &replica.pool)
    }

    /// Waits until every replica has replayed the primary's log as far as
    /// it reaches now (asked on `primary`, the listener's connection, after
    /// the change's NOTIFY arrived, so past the change's commit). A replica
    /// that does not within `REPLICA_PATIENCE` is set aside until it has; one
    /// that does not answer is skipped (`pick` skips it too).
    async fn settle(&self, primary: &mut PgListener) {
        if self.is_empty() {
            return;
        }
        let lsn: String = match sqlx::query_scalar("SELECT pg_current_wal_lsn()::text").fetch_one(&mut *primary).await {
            Ok(lsn) => lsn,
            Err(error) => {
                // Then nobody knows how far they must get: set aside until
                // a later change names a position.
                tracing::warn!(%error, "could not read the primary's log position");
                for index in 0..self.inner.len() {
                    self.set_aside(index, String::new());
                }
                return;
            }
        };
        let waits = self.inner.iter().enumerate().map(|(index, replica)| {
            let lsn = lsn.clone();
            async move {
                // One already aside, or not answering, waits for this change too.
                if replica.behind.load(Ordering::Acquire) || !replica.health.up() {
                    return self.set_aside(index, lsn);
                }
                if tokio::time::timeout(REPLICA_PATIENCE, replayed(&replica.pool, &lsn)).await.is_err() {
                    self.set_aside(index, lsn);
                }
            }
        });
        futures_util::future::join_all(waits).await;
    }

    /// Takes a replica out of turn until it has replayed the log to `lsn`
    /// (empty: to a position a later change will name); its watcher puts it
    /// back. The target and the flag change under one lock, so a watcher
    /// never puts it back short of a newer target.
    fn set_aside(&self, index: usize, lsn: String) {
        let replica = &self.inner[index];
        let mut target = replica.target.lock().expect("replica lock");
        *target = lsn;
        if !replica.behind.swap(true, Ordering::AcqRel) {
            tracing::warn!(replica = index, "a read replica is behind or away: its reads go to the primary");
            let replicas = self.clone();
            tokio::spawn(async move { replicas.watch(index).await });
        }
    }

    /// Puts a replica set aside back in turn once it has replayed its target.
    async fn watch(&self, index: usize) {
        let replica = &self.inner[index];
        loop {
            let target = replica.target.lock().expect("replica lock").clone();
            if target.is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            replayed(&replica.pool, &target).await;
            let current = replica.target.lock().expect("replica lock");
            if *current == target {
                replica.behind.store(false, Ordering::Release);
                tracing::info!(replica = index, "a read replica has caught up and takes reads again");
                return;
            }
        }
    }
}

/// Resolves once the server behind `pool` has replayed the log up to `lsn`
/// (at once on a server that is not a replica), asking every 5 ms.
async fn replayed(pool: &PgPool, lsn: &str) {
    loop {
        let done: sqlx::Result<Option<bool>> =
            sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn OR NOT pg_is_in_recovery()")
                .bind(lsn)
                .fetch_one(pool)
                .await;
        if let Ok(Some(true)) = done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
