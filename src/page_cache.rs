//! Whole pages for anonymous visitors, kept in memory. A signed-out shopper
//! sees the same catalog page as every other signed-out shopper, so it is
//! rendered once and served from memory until the catalog changes in a way
//! it shows: triggers NOTIFY `catalog_changed` naming the products a change
//! touched, and every instance drops the pages that show them (see
//! `Stale`), and after a minute at most, should its listener be down.
//!
//! Each page's script nonce is replaced by a fresh one on every response, so
//! a cached page never repeats a nonce.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;

use crate::db::{CatalogChange, CatalogChanges};
use crate::metrics::{Metrics, PageOutcome};
use sqlx::PgPool;
use tokio::sync::watch;

const MAX_AGE: Duration = Duration::from_secs(60);
/// Memory the pages may take, counted by their bytes. When it is full, the
/// cache keeps the pages asked for most often and lets one-off URLs go.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Pages larger than this are not kept.
const MAX_PAGE_BYTES: usize = 512 * 1024;
/// A search results page knows the products its words match when they are
/// at most this many (else any change to what searches show drops it).
const MAX_MATCHES: i64 = 20_000;
/// Changes remembered for the renders under way (see `Inner::recent`).
const RECENT_CHANGES: usize = 1024;

#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

struct Inner {
    pages: moka::sync::Cache<String, Arc<Page>>,
    /// How many changes have dropped pages.
    generation: AtomicU64,
    /// The latest of those changes, by the generation each made (oldest
    /// first): a page rendered while changes arrived is kept unless one of
    /// them shows on it. Taken by `put` around its check and insert, and by
    /// a change before it drops pages, so no change falls between them.
    recent: Mutex<VecDeque<(u64, Arc<Dropped>)>>,
    /// The feed that empties the cache, started by the first cacheable request.
    changes: CatalogChanges,
    pool: PgPool,
    /// Pages being rendered, by key: whoever asks for one meanwhile waits
    /// for that render (its sender closes when it is done) instead of
    /// starting another, so a dropped page is rendered once, not once per
    /// waiting visitor.
    rendering: Mutex<HashMap<String, watch::Receiver<()>>>,
    metrics: Arc<Metrics>,
}

/// A request's part in rendering a missing page.
enum Turn {
    /// Render it (and keep it); others wait until this is dropped.
    Lead(Rendering),
    /// Another request rendered it: what it kept (nothing when it could not).
    Followed(Option<Arc<Page>>),
}

struct Rendering {
    cache: PageCache,
    key: String,
    _done: watch::Sender<()>,
}

impl Drop for Rendering {
    fn drop(&mut self) {
        // Before the sender closes, so a request after this one leads anew.
        self.cache.inner.rendering.lock().expect("rendering lock").remove(&self.key);
    }
}

struct Page {
    body: Bytes,
    nonce: String,
    headers: HeaderMap,
    shows: Shows,
}

/// What a listing or search results page shows of the catalog, beside
/// its filters and words.
#[derive(Debug, Default)]
struct Shows {
    /// The products it links to, by slug (sorted).
    links: Box<[String]>,
    /// Every product its words match, by id (sorted), when known: only a
    /// change to one of those (or to what searches match) shows on it.
    matches: Option<Box<[i64]>>,
}

/// A page as every guest gets it, for `crate::personal` to answer a visitor
/// with a session from: their own parts put in, and a fresh nonce.
#[derive(Clone)]
pub struct SharedPage(Arc<Page>);

impl SharedPage {
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// The page with `body` (this page's, edited) and a fresh nonce; `None`
    /// if no nonce could be made.
    pub fn respond_with(&self, body: &[u8]) -> Option<Response> {
        respond_body(&self.0, body)
    }
}

impl PageCache {
    /// The cache, emptied on every change `changes` (over `pool`) reports,
    /// counting what it does in `metrics`.
    pub fn new(changes: &CatalogChanges, pool: &PgPool, metrics: &Arc<Metrics>) -> Self {
        PageCache::with_capacity(MAX_BYTES, changes, pool, metrics)
    }

    /// A cache holding at most `bytes` of pages, each for at most a minute.
    pub fn with_capacity(bytes: u64, changes: &CatalogChanges, pool: &PgPool, metrics: &Arc<Metrics>) -> Self {
        let evictions = metrics.clone();
        let pages = moka::sync::Cache::builder()
            .max_capacity(bytes)
            .weigher(|key: &String, page: &Arc<Page>| {
                let matches = page.shows.matches.as_ref().map_or(0, |ids| ids.len() * 8);
                u32::try_from(key.len() + page.body.len() + page.nonce.len() + matches).unwrap_or(u32::MAX)
            })
            .time_to_live(MAX_AGE)
            .support_invalidation_closures()
            .eviction_listener(move |_key, _page, cause| {
                if cause == moka::notification::RemovalCause::Size {
                    evictions.page(PageOutcome::Evicted);
                }
            })
            .build();
        let inner = Inner {
            pages,
            generation: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::with_capacity(RECENT_CHANGES)),
            changes: changes.clone(),
            pool: pool.clone(),
            rendering: Mutex::new(HashMap::new()),
            metrics: metrics.clone(),
        };
        let cache = PageCache { inner: Arc::new(inner) };
        // Weak: the feed must not keep a replaced cache alive.
        let subscriber = Arc::downgrade(&cache.inner);
        changes.subscribe(move |change| {
            if let Some(inner) = subscriber.upgrade() {
                PageCache { inner }.follow(change);
            }
        });
        cache
    }

    fn get(&self, key: &str) -> Option<Arc<Page>> {
        self.inner.pages.get(key)
    }

    /// Whether this request renders the page at `key`, or waits for the
    /// request already rendering it.
    async fn turn(&self, key: &str) -> Turn {
        let waiting = {
            let mut rendering = self.inner.rendering.lock().expect("rendering lock");
            match rendering.get(key) {
                Some(receiver) => receiver.clone(),
                None => {
                    let (done, receiver) = watch::channel(());
                    rendering.insert(key.to_owned(), receiver);
                    return Turn::Lead(Rendering { cache: self.clone(), key: key.to_owned(), _done: done });
                }
            }
        };
        let mut waiting = waiting;
        // Nothing is ever sent: this ends when the leader's sender closes.
        while waiting.changed().await.is_ok() {}
        Turn::Followed(self.get(key))
    }

    /// The page every guest gets at `key` (a path and query), if it is kept.
    pub fn shared(&self, key: &str) -> Option<SharedPage> {
        self.inner.changes.start(&self.inner.pool);
        self.get(key).map(SharedPage)
    }

    /// Renders the page every guest gets at `key` with `render` (which must
    /// render it for a guest), keeps it unless the catalog changed meanwhile,
    /// and hands it back; `None` when it is not a page to keep (an error, a
    /// redirect, a cookie set).
    pub async fn render_shared(&self, key: String, render: impl Future<Output = Response>) -> Option<SharedPage> {
        self.inner.changes.start(&self.inner.pool);
        let _rendering = match self.turn(&key).await {
            Turn::Lead(rendering) => rendering,
            Turn::Followed(page) => return page.map(SharedPage),
        };
        let generation = self.inner.generation.load(Ordering::Acquire);
        let (_, page) = self.keep(key, render.await, generation).await;
        page.map(SharedPage)
    }

    /// Keeps `response` under `key` when it is a whole page anyone may get,
    /// and gives it back with the page kept.
    async fn keep(&self, key: String, response: Response, generation: u64) -> (Response, Option<Arc<Page>>) {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if response.status() != StatusCode::OK || !html || response.headers().contains_key(header::SET_COOKIE) {
            return (response, None);
        }
        let Some(nonce) = nonce_of(response.headers()) else { return (response, None) };
        let (parts, body) = response.into_parts();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                tracing::warn!(%error, "page body failed");
                return (StatusCode::INTERNAL_SERVER_ERROR.into_response(), None);
            }
        };
        let mut page = None;
        if body.len() <= MAX_PAGE_BYTES {
            // The policy stays: `respond` swaps the nonce in it.
            let mut headers = parts.headers.clone();
            headers.remove(header::CONTENT_LENGTH);
            let shows = match Kept::of(&key) {
                Kept::Search(query) => Shows { links: product_links(&body), matches: self.search_matches(query).await },
                Kept::Listing | Kept::Category(_) => Shows { links: product_links(&body), matches: None },
                Kept::Api(_) | Kept::Product(_) | Kept::Other => Shows::default(),
            };
            let kept = Arc::new(Page { body: body.clone(), nonce, headers, shows });
            self.put(key, kept.clone(), generation);
            page = Some(kept);
        }
        (Response::from_parts(parts, Body::from(body)), page)
    }

    /// The products the words of a results page (its URL's `query`) match.
    async fn search_matches(&self, query: &str) -> Option<Box<[i64]>> {
        let words = axum::extract::Query::<SearchWords>::try_from_uri(&format!("/?{query}").parse().ok()?).ok()?;
        let words = crate::search::rules::clean(words.0.q.as_deref().unwrap_or(""));
        match crate::search::db::matched_ids(&self.inner.pool, &words, MAX_MATCHES).await {
            Ok(matches) => matches,
            Err(error) => {
                tracing::warn!(%error, "could not read what a search matches");
                None
            }
        }
    }

    /// Keeps `page`, rendered since `generation`, unless a change that
    /// arrived meanwhile shows on it (or more arrived than are remembered).
    fn put(&self, key: String, page: Arc<Page>, generation: u64) {
        let recent = self.inner.recent.lock().expect("recent changes lock");
        if self.inner.generation.load(Ordering::Acquire) != generation {
            let mut since = recent.iter().skip_while(|(made, _)| *made <= generation).peekable();
            let complete = since.peek().is_some_and(|(made, _)| *made == generation + 1);
            if !complete || since.any(|(_, dropped)| dropped.covers(&key, &page.shows)) {
                return;
            }
        }
        self.inner.pages.insert(key, page);
    }

    /// Counts a change that drops pages, remembered for the renders under way.
    fn record(&self, dropped: Dropped) -> Arc<Dropped> {
        let dropped = Arc::new(dropped);
        let mut recent = self.inner.recent.lock().expect("recent changes lock");
        let generation = self.inner.generation.fetch_add(1, Ordering::AcqRel) + 1;
        if recent.len() == RECENT_CHANGES {
            recent.pop_front();
        }
        recent.push_back((generation, dropped.clone()));
        dropped
    }

    /// How many pages are kept now (after pending evictions are applied).
    pub fn len(&self) -> u64 {
        self.inner.pages.run_pending_tasks();
        self.inner.pages.entry_count()
    }

    /// Whether no page is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the pages `change` makes stale.
    pub fn follow(&self, change: &CatalogChange) {
        let stale = match change {
            CatalogChange::Everything => return self.invalidate(),
            CatalogChange::Products { products, .. } => Stale::of(products),
        };
        if stale.is_nothing() {
            return;
        }
        let dropped = self.record(Dropped::Pages(stale));
        if let Err(error) = self.inner.pages.invalidate_entries_if(move |key, page| dropped.covers(key, &page.shows)) {
            tracing::error!(%error, "cached pages could not be dropped selectively");
            self.invalidate();
        }
    }

    /// Drops every kept JSON API answer at once, without waiting for the
    /// change's NOTIFY: a caller reading right after its own write through
    /// this instance never gets the answer from before it.
    pub fn invalidate_api(&self) {
        self.record(Dropped::Api);
        if self.inner.pages.invalidate_entries_if(|key, _| key.starts_with(API_KEY)).is_err() {
            self.invalidate();
        }
    }

    /// Drops every page.
    pub fn invalidate(&self) {
        self.record(Dropped::Everything);
        self.inner.pages.invalidate_all();
    }
}

/// What a change dropped.
#[derive(Debug)]
enum Dropped {
    Everything,
    /// Every JSON API answer (a write through the API).
    Api,
    Pages(Stale),
}

impl Dropped {
    fn covers(&self, key: &str, shows: &Shows) -> bool {
        match self {
            Dropped::Everything => true,
            Dropped::Api => key.starts_with(API_KEY),
            Dropped::Pages(stale) => stale.covers(key, shows),
        }
    }
}

/// The URL's search words.
#[derive(serde::Deserialize)]
struct SearchWords {
    q: Option<String>,
}

/// The pages a change to some products makes stale, by their URL: each
/// product's own page; the search results; the home page, every product
/// listing and its categories' listings when a card shows the change (only
/// those showing the card, when the change can neither move the product
/// in a listing's order nor in or out of its filters); and every listing
/// when a product moved between facet cells (the counts beside each filter
/// choice, shown on every listing, change).
#[derive(Debug, Default)]
struct Stale {
    products: Vec<String>,
    ids: Vec<String>,
    categories: Vec<String>,
    /// A card shows a change that may move its product in the listings
    /// (a price, a rating, a name): the listings that may show it go.
    listings: bool,
    /// A card shows the change (for the API's product lists).
    cards: bool,
    /// Products whose card alone shows the change (an order's "Only 4
    /// left"): the listings linking to them go.
    cards_only: Vec<String>,
    every_category: bool,
    /// Every search's results whose matches are not known: a change to
    /// what searches match, rank or count. A stock change that does not
    /// sell a product out (or bring it back) drops only the results that
    /// show the product.
    every_search: bool,
    /// What searches match changed: every search's results go.
    rematches: bool,
    /// The products' ids, for results that know their matches.
    changed: Vec<i64>,
}

impl Stale {
    fn of(products: &[crate::db::ProductChange]) -> Self {
        let mut stale = Stale::default();
        for product in products.iter().filter(|p| p.seen_by_shoppers()) {
            stale.ids.push(product.id.to_string());
            let in_place = product.stock_only && !product.moves_facets();
            for shown in product.sides() {
                stale.products.push(shown.slug.clone());
                if product.cards && in_place {
                    stale.cards_only.push(shown.slug.clone());
                } else if product.cards {
                    stale.categories.extend(shown.category.clone());
                }
            }
            stale.listings |= product.cards && !in_place;
            stale.cards |= product.cards;
            stale.every_category |= product.moves_facets();
            stale.every_search |= !product.stock_only || product.moves_facets();
            stale.rematches |= product.rematches();
            stale.changed.push(product.id);
        }
        stale
    }

    fn is_nothing(&self) -> bool {
        self.products.is_empty()
    }

    /// Whether the page kept under `key` (showing `shows`, if search
    /// results) is stale.
    fn covers(&self, key: &str, shows: &Shows) -> bool {
        let shows_card = || self.cards_only.iter().any(|p| shows.links.binary_search(p).is_ok());
        match Kept::of(key) {
            Kept::Api(path) => self.covers_api(path),
            Kept::Search(_) => match &shows.matches {
                Some(matches) => self.rematches || self.changed.iter().any(|id| matches.binary_search(id).is_ok()),
                None => self.every_search || self.products.iter().any(|p| shows.links.binary_search(p).is_ok()),
            },
            Kept::Product(slug) => self.products.iter().any(|p| p == slug),
            Kept::Category(slug) => {
                self.every_category || (self.listings && self.categories.iter().any(|c| c == slug)) || shows_card()
            }
            Kept::Listing => self.listings || self.every_category || shows_card(),
            Kept::Other => false,
        }
    }

    /// The JSON API's catalog reads (paths under `/api/v1`): a product by its
    /// id or slug, search and suggestions, and every product list when a card
    /// or a count shows the change (the category list changes only with
    /// `Everything`).
    fn covers_api(&self, path: &str) -> bool {
        if let Some(product) = path.strip_prefix("/products/") {
            return self.products.iter().chain(&self.ids).any(|p| p == product);
        }
        match path {
            "/search" | "/suggestions" => true,
            "/products" => self.cards || self.every_category,
            _ => false,
        }
    }
}

/// What a kept page is, by its key (a path and query, or an API answer's).
enum Kept<'k> {
    /// A JSON API answer, by its path under `/api/v1`.
    Api(&'k str),
    /// Search results, by their URL's query.
    Search(&'k str),
    /// A product's page, by its slug.
    Product(&'k str),
    /// A category's listing, by its slug.
    Category(&'k str),
    /// The home page or the all-products listing.
    Listing,
    Other,
}

impl<'k> Kept<'k> {
    fn of(key: &'k str) -> Self {
        let (path, query) = key.split_once('?').unwrap_or((key, ""));
        if let Some(path) = path.strip_prefix(API_KEY) {
            return Kept::Api(path);
        }
        match path {
            "/search" => Kept::Search(query),
            "/" | "/products" => Kept::Listing,
            _ => match (path.strip_prefix("/p/"), path.strip_prefix("/c/")) {
                (Some(slug), _) => Kept::Product(slug),
                (_, Some(slug)) => Kept::Category(slug),
                _ => Kept::Other,
            },
        }
    }
}

/// The slugs of the products `body` links to (`href="/p/{slug}"`, a query
/// or fragment aside), sorted and without repeats.
fn product_links(body: &[u8]) -> Box<[String]> {
    const HREF: &[u8] = b"href=\"/p/";
    let mut slugs: Vec<String> = memchr::memmem::find_iter(body, HREF)
        .filter_map(|at| {
            let rest = &body[at + HREF.len()..];
            let end = rest.iter().position(|b| matches!(b, b'"' | b'?' | b'#'))?;
            std::str::from_utf8(&rest[..end]).ok().map(str::to_owned)
        })
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    slugs.into_boxed_slice()
}

/// What JSON API answers are keyed by, beside pages' paths.
const API_KEY: &str = "api:";

/// Middleware on the JSON API, inside its authentication, rate limits and
/// scope check: answers its catalog reads (the same for every caller
/// allowed them) from memory, with their ETag (304 when the caller has it), and keeps the
/// answers it makes for them.
pub async fn serve_cached_json(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let catalog_read = matches!(path, "/categories" | "/products" | "/search" | "/suggestions")
        || path.strip_prefix("/products/").is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    if request.method() != Method::GET {
        let response = next.run(request).await;
        if response.status().is_success() {
            cache.invalidate_api();
        }
        return response;
    }
    if !catalog_read {
        return next.run(request).await;
    }
    cache.inner.changes.start(&cache.inner.pool);
    let key = format!("{API_KEY}{}", request.uri());
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(page) = cache.get(&key) {
        let tag = page.headers.get(header::ETAG);
        if let (Some(asked), Some(tag)) = (&asked, tag)
            && asked.to_str().is_ok_and(|asked| asked.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
        {
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag.clone())]).into_response();
        }
        let mut response = Response::new(Body::from(page.body.clone()));
        *response.headers_mut() = page.headers.clone();
        return response;
    }
    let generation = cache.inner.generation.load(Ordering::Acquire);
    let response = next.run(request).await;
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == "application/json");
    if response.status() != StatusCode::OK || !json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::warn!(%error, "API body failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if body.len() <= MAX_PAGE_BYTES {
        let mut headers = parts.headers.clone();
        headers.remove(header::CONTENT_LENGTH);
        cache.put(
            key,
            Arc::new(Page { body: body.clone(), nonce: String::new(), headers, shows: Shows::default() }),
            generation,
        );
    }
    Response::from_parts(parts, Body::from(body))
}

/// Whether a request may be answered from, and fill, the cache: a plain GET
/// of a page by a visitor who carries none of our cookies.
pub fn cacheable(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && !["/api/", "/pkg/", "/media/", "/account", "/admin", "/healthz", "/sign-", "/forgot-", "/reset-"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
        && !request
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .any(|value| value.to_str().map_or(true, |v| v.contains("trove_")))
}

fn fresh_nonce() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let csp = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let rest = csp.split("'nonce-").nth(1)?;
    Some(rest.split('\'').next()?.to_owned())
}

/// `body` with every `from` replaced by `to` (both the same length).
fn replace_all(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(body, from) {
        out.extend_from_slice(&body[last..at]);
        out.extend_from_slice(to);
        last = at + from.len();
    }
    out.extend_from_slice(&body[last..]);
    out
}

fn respond(page: &Page) -> Option<Response> {
    respond_body(page, &page.body)
}

/// `page`'s headers with `body`, its nonce made fresh in both.
fn respond_body(page: &Page, body: &[u8]) -> Option<Response> {
    let nonce = fresh_nonce()?;
    if nonce.len() != page.nonce.len() {
        return None;
    }
    let body = replace_all(body, page.nonce.as_bytes(), nonce.as_bytes());
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = page.headers.clone();
    // The policy the page was rendered with, with the new nonce in it.
    let policy = page.headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?.replace(&page.nonce, &nonce);
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).ok()?);
    Some(response)
}

/// Middleware: answers anonymous page requests from memory, and keeps the
/// pages it renders for them.
pub async fn serve_cached(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    if !cacheable(&request) {
        return next.run(request).await;
    }
    cache.inner.changes.start(&cache.inner.pool);
    let key = request.uri().to_string();
    if let Some(response) = cache.get(&key).and_then(|page| respond(&page)) {
        cache.inner.metrics.page(PageOutcome::Hit);
        return response;
    }
    let _rendering = match cache.turn(&key).await {
        Turn::Lead(rendering) => Some(rendering),
        Turn::Followed(page) => match page.and_then(|page| respond(&page)) {
            Some(response) => {
                cache.inner.metrics.page(PageOutcome::Followed);
                return response;
            }
            None => None,
        },
    };
    cache.inner.metrics.page(PageOutcome::Miss);
    let generation = cache.inner.generation.load(Ordering::Acquire);
    cache.keep(key, next.run(request).await, generation).await.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_the_nonce_is_replaced() {
        let body = b"<script nonce=\"AAAA\">x</script><link crossorigin=\"AAAA\">";
        assert_eq!(
            replace_all(body, b"AAAA", b"BBBB"),
            b"<script nonce=\"BBBB\">x</script><link crossorigin=\"BBBB\">"
        );
    }

    fn change(cards: bool, before: (&str, bool), after: (&str, bool)) -> crate::db::ProductChange {
        let shown = |(price, in_stock): (&str, bool)| crate::db::Shown {
            slug: "apple".into(),
            category_id: 1,
            category: Some("fruit".into()),
            price: price.into(),
            in_stock,
            offer: false,
            stars: 0,
            active: true,
            options: Vec::new(),
        };
        crate::db::ProductChange {
            id: 1,
            before: Some(shown(before)),
            after: Some(shown(after)),
            cards,
            stock_only: false,
            search_same: false,
        }
    }

    #[test]
    fn a_change_drops_the_pages_that_show_it_and_keeps_the_rest() {
        let pages = [
            "/p/apple",
            "/p/apple?image=2",
            "/p/pear",
            "/c/fruit",
            "/c/fruit?sort=price",
            "/c/tea",
            "/",
            "/products?page=2",
            "/search?q=a",
            "/cart",
        ];
        let dropped =
            |stale: Stale| pages.iter().filter(|key| stale.covers(key, &Shows::default())).copied().collect::<Vec<_>>();
        // A new description: its page and the search results.
        let description = Stale::of(&[change(false, ("2.00", true), ("2.00", true))]);
        assert_eq!(dropped(description), ["/p/apple", "/p/apple?image=2", "/search?q=a"]);
        // "Only 3 left" on its card: the listings that may show the card, not other categories.
        let low = Stale::of(&[change(true, ("2.00", true), ("2.00", true))]);
        assert_eq!(
            dropped(low),
            ["/p/apple", "/p/apple?image=2", "/c/fruit", "/c/fruit?sort=price", "/", "/products?page=2", "/search?q=a"]
        );
        // An order's "Only 3 left": the listings and search results that show
        // its card, not others (it moves in no listing's order or filters).
        let ordered =
            Stale::of(&[crate::db::ProductChange { stock_only: true, ..change(true, ("2.00", true), ("2.00", true)) }]);
        let links = |slugs: &[&str]| Shows { links: slugs.iter().map(|s| s.to_string()).collect(), matches: None };
        for key in ["/search?q=a", "/c/fruit", "/c/fruit?sort=price", "/", "/products?page=2"] {
            assert!(ordered.covers(key, &links(&["apple", "pear"])), "{key}");
            assert!(!ordered.covers(key, &links(&["pear"])), "{key}");
        }
        assert!(ordered.covers("/p/apple", &links(&[])) && !ordered.covers("/search?q=b", &links(&[])));
        assert!(ordered.covers_api("/products"), "the API's lists show stock");
        // Its last one sold: every search's counts change.
        let last = crate::db::ProductChange { stock_only: true, ..change(true, ("2.00", true), ("2.00", false)) };
        assert!(Stale::of(&[last]).covers("/search?q=b", &links(&[])));
        // Sold out: every listing's counts change.
        let sold_out = Stale::of(&[change(true, ("2.00", true), ("2.00", false))]);
        assert_eq!(dropped(sold_out).len(), pages.len() - 2, "all but another product's page and the cart");
        // A draft's edits show nowhere.
        let mut draft = change(true, ("2.00", true), ("3.00", true));
        draft.before.as_mut().unwrap().active = false;
        draft.after.as_mut().unwrap().active = false;
        assert!(Stale::of(&[draft]).is_nothing());
    }

    #[test]
    fn search_results_that_know_their_matches_follow_only_those() {
        let matches = |ids: &[i64]| Shows { links: Box::default(), matches: Some(ids.into()) };
        let (apple, others) = (matches(&[1, 5]), matches(&[2, 3]));
        // A sale, an order's sell-out, a new price of apple (id 1): the results matching it.
        for after in [("2.00", false), ("3.00", true)] {
            let change = crate::db::ProductChange { search_same: true, ..change(true, ("2.00", true), after) };
            let stale = Stale::of(&[change]);
            assert!(stale.covers("/search?q=apple", &apple) && !stale.covers("/search?q=tea", &others), "{after:?}");
        }
        // New words, or taken off sale: what every search matches may change.
        let renamed = Stale::of(&[change(false, ("2.00", true), ("2.00", true))]);
        assert!(renamed.covers("/search?q=tea", &others));
        let mut off_sale =
            crate::db::ProductChange { search_same: true, ..change(true, ("2.00", true), ("2.00", true)) };
        off_sale.after.as_mut().unwrap().active = false;
        assert!(Stale::of(&[off_sale]).covers("/search?q=tea", &others));
    }

    #[tokio::test]
    async fn a_page_rendered_while_changes_arrive_is_kept_unless_one_shows_on_it() {
        let pool = PgPool::connect_lazy("postgres://localhost/unused").unwrap();
        let metrics = Metrics::new();
        let cache = PageCache::with_capacity(1 << 20, &CatalogChanges::default(), &pool, &metrics);
        let page = || {
            Arc::new(Page {
                body: Bytes::from_static(b"x"),
                nonce: String::new(),
                headers: HeaderMap::new(),
                shows: Shows::default(),
            })
        };
        let apple =
            || CatalogChange::Products { products: vec![change(false, ("2.00", true), ("3.00", true))], xid: None };
        let now = || cache.inner.generation.load(Ordering::Acquire);
        let rendering = now();
        cache.follow(&apple());
        cache.put("/p/pear".into(), page(), rendering);
        cache.put("/p/apple".into(), page(), rendering);
        assert!(cache.get("/p/pear").is_some(), "a change elsewhere leaves the render to be kept");
        assert!(cache.get("/p/apple").is_none(), "a change to what it shows does not");
        // More changes than are remembered: nothing rendered before them is kept.
        let rendering = now();
        for _ in 0..=RECENT_CHANGES {
            cache.follow(&apple());
        }
        cache.put("/c/tea".into(), page(), rendering);
        assert!(cache.get("/c/tea").is_none());
        cache.put("/c/tea".into(), page(), now());
        assert!(cache.get("/c/tea").is_some());
        cache.invalidate();
        cache.put("/p/pear".into(), page(), rendering);
        assert!(cache.get("/p/pear").is_none());
    }

    #[test]
    fn search_results_know_the_products_they_link_to() {
        let body = br#"<a href="/p/pear">Pear</a><a href="/p/apple?size=m">Apple</a><a href="/p/pear#reviews">x</a><a href="/c/fruit">"#;
        assert_eq!(&*product_links(body), ["apple".to_owned(), "pear".to_owned()]);
    }

    #[test]
    fn a_change_drops_the_api_answers_that_show_it() {
        let keys = [
            "api:/products/apple",
            "api:/products/1",
            "api:/products/pear",
            "api:/products?category=fruit",
            "api:/search?q=a",
            "api:/suggestions?q=ap",
            "api:/categories",
        ];
        let dropped =
            |stale: Stale| keys.iter().filter(|key| stale.covers(key, &Shows::default())).copied().collect::<Vec<_>>();
        let description = Stale::of(&[change(false, ("2.00", true), ("2.00", true))]);
        assert_eq!(
            dropped(description),
            ["api:/products/apple", "api:/products/1", "api:/search?q=a", "api:/suggestions?q=ap"]
        );
        let sold_out = Stale::of(&[change(true, ("2.00", true), ("2.00", false))]);
        assert_eq!(dropped(sold_out).len(), keys.len() - 2, "all but another product and the categories");
    }

    #[test]
    fn fresh_nonces_are_unique_and_as_long_as_leptos_ones() {
        let (a, b) = (fresh_nonce().unwrap(), fresh_nonce().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
    }
}
