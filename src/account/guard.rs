//! Authorisation guards: the first line of every server function that needs a
//! signed-in user or a role. Hiding a link is a convenience; these are the check.

use super::{Role, Viewer};
use crate::account::session::{Auth, SignedIn};
use crate::error::AppError;

/// The signed-in user, or `Unauthorized` (401).
pub fn require_user() -> Result<Viewer, AppError> {
    require_session().map(|signed_in| signed_in.viewer)
}

/// The signed-in user and their session's token, or `Unauthorized` (401).
pub fn require_session() -> Result<SignedIn, AppError> {
    Auth::current()?.signed_in().ok_or(AppError::Unauthorized)
}

/// The signed-in user if their role includes `role`; `Unauthorized` when
/// signed out, `Forbidden` (403) when the role falls short.
pub fn require_role(role: Role) -> Result<Viewer, AppError> {
    let viewer = require_user()?;
    if viewer.role.includes(role) { Ok(viewer) } else { Err(AppError::Forbidden) }
}
