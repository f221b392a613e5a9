//! The site header's counts, shared by every page: cart items, unread
//! notifications and unread answers, fetched in one call and shown by the
//! cart link, the bell and "Help". The header composes features (cart,
//! notifications, chat); they never import it.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

/// What every page's header counts, fetched in one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderCounts {
    /// Items in the cart (quantities summed).
    pub cart: i32,
    /// Unread notifications (0 when signed out).
    pub unread: i64,
    /// Answers from the shop in the shopper's conversations not read yet.
    pub messages: i64,
}
