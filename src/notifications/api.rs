//! Notification server functions; each is the signed-in user's own.

use leptos::prelude::*;

use super::Notification;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::db, crate::account::guard::require_user, crate::state::AppState};

/// Unread notifications, for the header's bell; 0 when signed out.
#[server(prefix = "/api", endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let Some(viewer) = crate::session::Auth::current()?.viewer() else { return Ok(0) };
    let state = AppState::current()?;
    Ok(db::unread_count(&state.pool, viewer.id).await?)
}

/// The newest notifications; reading them marks them read.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn read_notifications() -> Result<Vec<Notification>, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(db::take_recent(&state.pool, viewer.id, super::PAGE_SIZE).await?)
}
