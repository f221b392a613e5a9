//! Whole pages for anonymous visitors, kept in memory. A signed-out shopper
//! sees the same catalog page as every other signed-out shopper, so it is
//! rendered once and served from memory until the catalog changes: triggers
//! NOTIFY `catalog_changed` on any change to products, images or categories,
//! and every instance drops its pages at once (and after a minute at most,
//! should its listener be down).
//!
//! Each page's script nonce is replaced by a fresh one on every response, so
//! a cached page never repeats a nonce.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;

use crate::db::CatalogChanges;
use sqlx::PgPool;

const MAX_AGE: Duration = Duration::from_secs(60);
/// Memory the pages may take, counted by their bytes. When it is full, the
/// cache keeps the pages asked for most often and lets one-off URLs go.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Pages larger than this are not kept.
const MAX_PAGE_BYTES: usize = 512 * 1024;

#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

struct Inner {
    pages: moka::sync::Cache<String, Arc<Page>>,
    generation: AtomicU64,
    /// The feed that empties the cache, started by the first cacheable request.
    changes: CatalogChanges,
    pool: PgPool,
}

struct Page {
    body: Bytes,
    nonce: String,
    headers: HeaderMap,
}

impl PageCache {
    /// The cache, emptied on every change `changes` (over `pool`) reports.
    pub fn new(changes: &CatalogChanges, pool: &PgPool) -> Self {
        PageCache::with_capacity(MAX_BYTES, changes, pool)
    }

    /// A cache holding at most `bytes` of pages, each for at most a minute.
    pub fn with_capacity(bytes: u64, changes: &CatalogChanges, pool: &PgPool) -> Self {
        let pages = moka::sync::Cache::builder()
            .max_capacity(bytes)
            .weigher(|key: &String, page: &Arc<Page>| {
                u32::try_from(key.len() + page.body.len() + page.nonce.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(MAX_AGE)
            .build();
        let inner = Inner { pages, generation: AtomicU64::new(0), changes: changes.clone(), pool: pool.clone() };
        let cache = PageCache { inner: Arc::new(inner) };
        // Weak: the feed must not keep a replaced cache alive.
        let subscriber = Arc::downgrade(&cache.inner);
        changes.subscribe(move || {
            if let Some(inner) = subscriber.upgrade() {
                PageCache { inner }.invalidate();
            }
        });
        cache
    }

    fn get(&self, key: &str) -> Option<Arc<Page>> {
        self.inner.pages.get(key)
    }

    fn put(&self, key: String, page: Page, generation: u64) {
        // A change arrived while this page rendered: it may be stale already.
        if self.inner.generation.load(Ordering::Acquire) == generation {
            self.inner.pages.insert(key, Arc::new(page));
        }
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

    /// Drops every page.
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        self.inner.pages.invalidate_all();
    }
}

/// Whether a request may be answered from, and fill, the cache: a plain GET
/// of a page by a visitor who carries none of our cookies.
fn cacheable(request: &Request) -> bool {
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
    let mut rest = body;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn respond(page: &Page) -> Option<Response> {
    let nonce = fresh_nonce()?;
    if nonce.len() != page.nonce.len() {
        return None;
    }
    let body = replace_all(&page.body, page.nonce.as_bytes(), nonce.as_bytes());
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
        return response;
    }
    let generation = cache.inner.generation.load(Ordering::Acquire);
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK || !html || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let Some(nonce) = nonce_of(response.headers()) else { return response };
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::warn!(%error, "page body failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if body.len() <= MAX_PAGE_BYTES {
        // The policy stays: `respond` swaps the nonce in it.
        let mut headers = parts.headers.clone();
        headers.remove(header::CONTENT_LENGTH);
        cache.put(key, Page { body: body.clone(), nonce, headers }, generation);
    }
    Response::from_parts(parts, Body::from(body))
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

    #[test]
    fn fresh_nonces_are_unique_and_as_long_as_leptos_ones() {
        let (a, b) = (fresh_nonce().unwrap(), fresh_nonce().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
    }
}
