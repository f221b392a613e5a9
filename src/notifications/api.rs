//! Notification server functions; each is the signed-in user's own.

use leptos::prelude::*;

use super::Notification;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::db, crate::account::guard::require_user, crate::state::AppState};

/// The newest notifications; reading them marks them read.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn read_notifications() -> Result<Vec<Notification>, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(db::take_recent(&state.pool, viewer.id, super::PAGE_SIZE).await?)
}
