//! Everything a request handler, page render or server function needs, built once.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::{LeptosOptions, use_context};
use sqlx::PgPool;

use crate::config::Config;
use crate::error::AppError;

/// Shared application state, behind one `Arc`: axum clones the state of
/// every middleware and route for every request it passes through, so a
/// clone must be a single count, not one per field (the handles below
/// cloned field by field, with the `LeptosOptions` strings, were half the
/// server's time on a cached page).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What `AppState` holds. Every field is a handle.
#[derive(Clone)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    /// Catalog changes, which every in-memory copy follows (the page cache
    /// below; the catalog's caches, made by `startup::router`).
    pub changes: crate::db::CatalogChanges,
    /// Whole pages for anonymous visitors.
    pub pages: crate::page_cache::PageCache,
    /// Card payments, when Stripe is configured.
    pub payments: Option<crate::payments::Payments>,
    /// Uploaded images.
    pub media: crate::media::Media,
    /// Rate limits counted in memory and shared in batches (the JSON API's).
    pub limits: crate::rate_limit::SharedCounts,
    /// NOTIFY `chat`: new messages, streamed to the conversations open here.
    pub chat: crate::db::NotifyFeed,
    /// This instance's figures, served at `/metrics` on `metrics_addr`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Streaming replicas for catalog reads (`DATABASE_READ_URL`), if any.
    pub replicas: crate::db::Replicas,
    /// Whether the database answers, watched in the background: while it
    /// does not, requests that need it are refused at once with 503.
    pub database: crate::db::Health,
    /// Set once the instance is shutting down: open streams end so their
    /// browsers reconnect to another instance.
    pub stopping: Stopping,
}

/// The instance's shutdown, as long-lived responses see it.
#[derive(Clone)]
pub struct Stopping(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Stopping {
    fn default() -> Self {
        Stopping(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Stopping {
    /// Tells every waiter the instance is shutting down.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn started(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the shutdown has begun.
    pub async fn wait(&self) {
        let mut watch = self.0.subscribe();
        let _ = watch.wait_for(|stopping| *stopping).await;
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

// What leptos_axum's handlers and the routes extract from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for crate::media::Media {
    fn from_ref(state: &AppState) -> Self {
        state.media.clone()
    }
}

impl AppState {
    /// This state with another page cache (a test's smaller one).
    pub fn with_pages(&self, pages: crate::page_cache::PageCache) -> Self {
        AppState::from(Shared { pages, ..Shared::clone(self) })
    }

    /// The state provided to the current render or server function call.
    pub fn current() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| missing_context("AppState"))
    }

    /// The pool a catalog read (listings, product pages, search, facets,
    /// categories) uses: a read replica for guests and for the pages
    /// rendered once for every guest, the primary for anyone signed in, who
    /// must see their own writes at once (an admin's saved product, a
    /// shopper's review, an integration's stock update).
    pub fn catalog_reads(&self, signed_in: bool) -> &PgPool {
        if signed_in { &self.pool } else { self.replicas.pick(&self.pool) }
    }

    /// `catalog_reads` for the person the current render or server function is for.
    pub fn catalog_pool(&self) -> &PgPool {
        if self.replicas.is_empty() {
            return &self.pool;
        }
        let signed_in = crate::account::session::Auth::current().is_ok_and(|auth| auth.signed_in().is_some());
        self.catalog_reads(signed_in)
    }
}

/// The error for a context a render or server function lacks, logged as a
/// bug, unless the render was abandoned (its client went away and the
/// request went with it): then nobody sees the page and nothing is wrong.
pub fn missing_context(what: &str) -> AppError {
    if use_context::<axum::http::request::Parts>().is_some() {
        tracing::error!("{what} missing from the reactive context");
    } else {
        tracing::debug!("{what} missing from an abandoned render");
    }
    AppError::Internal
}
