//! Live support chat: a shopper asks (for help, or about one of their
//! orders) and staff answer in the same conversation, live. Rooms, their
//! members and messages are in PostgreSQL; every change (a message posted,
//! edited or removed, one read) is announced with NOTIFY `chat`, and every
//! instance streams it to the open pages of that room's members and to
//! their unread counts (Server-Sent Events, `live.rs`); a page resumes after
//! the last change it has when it reconnects. Everything also works
//! with plain forms and reloading.

pub mod api;
pub mod follow;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ui::Moment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoomId(pub i64);

/// A conversation as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub id: RoomId,
    pub subject: String,
    /// The shopper's name (staff lists show it).
    pub customer: String,
    /// The order it is about.
    pub order: Option<i64>,
    pub last_activity: Moment,
    /// Messages from others the viewer has not read.
    pub unread: i64,
    pub closed: bool,
    /// The staff member looking after it.
    pub assigned_to: Option<String>,
}

/// One message as a member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub author: String,
    /// "Staff" for moderators and admins, else empty.
    pub staff: bool,
    /// Written by the viewer.
    pub mine: bool,
    /// Empty once removed.
    pub body: String,
    /// Why it is gone: "Removed by staff: …" or "Removed by its author".
    pub removed: Option<String>,
    pub edited: bool,
    pub at: Moment,
}

/// Someone in a conversation, as the others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// "Customer", "Moderator" or "Admin".
    pub role: String,
    /// The viewer themselves.
    pub you: bool,
    /// The newest message they have read (0: none).
    pub read_up_to: i64,
}

/// A staff member a conversation can be given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
}

/// A conversation page: the room, who is in it, and its newest messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub room: RoomSummary,
    pub members: Vec<Member>,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// When older messages exist: the id to ask for those before.
    pub earlier: Option<i64>,
    /// The viewer is staff (the inbox's view, with the shopper's orders).
    pub staff_view: bool,
    /// The viewer is a member (staff who have not joined are not).
    pub member: bool,
    /// Staff only: the shopper's recent orders.
    pub recent_orders: Vec<crate::orders::OrderSummary>,
    /// Staff only: who it can be given to, and who has it.
    pub staff: Vec<StaffMember>,
    pub assigned: Option<String>,
    /// The room's revision when it was read: the page follows changes after it.
    pub revision: i64,
}

/// Which conversations the staff inbox shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InboxFilter {
    /// Every open conversation.
    #[default]
    Open,
    /// Open ones with messages the viewer has not read.
    Unread,
    /// Open ones no staff member looks after.
    Unassigned,
    /// Open ones the viewer looks after.
    Mine,
    Closed,
}

impl InboxFilter {
    pub const ALL: [InboxFilter; 5] =
        [InboxFilter::Open, InboxFilter::Unread, InboxFilter::Unassigned, InboxFilter::Mine, InboxFilter::Closed];

    pub fn param(self) -> &'static str {
        match self {
            InboxFilter::Open => "open",
            InboxFilter::Unread => "unread",
            InboxFilter::Unassigned => "unassigned",
            InboxFilter::Mine => "mine",
            InboxFilter::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InboxFilter::Open => "Open",
            InboxFilter::Unread => "Unread",
            InboxFilter::Unassigned => "Unassigned",
            InboxFilter::Mine => "Mine",
            InboxFilter::Closed => "Closed",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.param() == value)
    }
}
