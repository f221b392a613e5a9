//! The header's server function.

use leptos::prelude::*;

use super::HeaderCounts;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {crate::account::session::Auth, crate::state::AppState};

/// The header's counts: cart items, unread notifications and unread
/// messages from the shop, in one call so
/// each page render pays for one resource, not two.
#[server(prefix = "/api", endpoint = "header/counts")]
pub async fn get_header_counts() -> Result<HeaderCounts, AppError> {
    super::service::counts(&AppState::current()?, &Auth::current()?).await
}
