//! The outbox's server function.

use leptos::prelude::*;

use super::OutboxEmail;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {crate::account::Role, crate::account::guard::require_role, crate::state::AppState};

/// The newest outgoing emails (admins only): how development reads mail when
/// no SMTP server is configured.
#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn get_outbox() -> Result<Vec<OutboxEmail>, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(super::recent(&state.pool, 50).await?)
}
