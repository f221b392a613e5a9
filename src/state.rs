//! Everything a request handler, page render or server function needs, built once.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::{LeptosOptions, use_context};
use sqlx::PgPool;

use crate::config::Config;
use crate::error::AppError;

/// Shared application state. Cloning is cheap: every field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
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
}

impl AppState {
    /// The state provided to the current render or server function call.
    pub fn current() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| missing_context("AppState"))
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
