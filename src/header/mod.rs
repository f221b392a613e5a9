//! The site header's counts, shared by every page: cart items and unread
//! notifications, fetched in one call and shown by the cart link and the
//! bell. The header composes features (cart, notifications); they never
//! import it.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod components;

/// What every page's header counts, fetched in one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderCounts {
    /// Items in the cart (quantities summed).
    pub cart: i32,
    /// Unread notifications (0 when signed out).
    pub unread: i64,
}
