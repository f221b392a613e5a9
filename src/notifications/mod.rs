//! In-app notifications: what the store tells a user (order changes), read or unread.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;

use serde::{Deserialize, Serialize};

use crate::ui::Moment;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// A local path, or empty.
    pub link: String,
    pub created_at: Moment,
    /// Whether it was unread when the page asked for it.
    pub unread: bool,
}

/// Notifications listed on the page.
pub const PAGE_SIZE: i64 = 50;
