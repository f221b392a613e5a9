//! Email: every message the store sends is written to the `email_outbox`
//! table in the same transaction as the change that causes it, and a
//! background sender delivers it over SMTP (`sender`). Admins read the
//! newest messages at `/admin/outbox` (`admin/pages/outbox.rs`, with links'
//! secrets hidden): without `SMTP_URL`, development's inbox.

use serde::{Deserialize, Serialize};

use crate::ui::Moment;

#[cfg(feature = "ssr")]
mod sender;
#[cfg(feature = "ssr")]
pub use sender::{
    MAX_ATTEMPTS, Transport, backoff_seconds, enqueue, queue, recent, redact_link_tokens, send_due, spawn_sender,
};

/// An email waiting in, or sent from, the outbox (admin view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: Moment,
    pub sent_at: Option<Moment>,
    pub attempts: i32,
    pub last_error: Option<String>,
}
