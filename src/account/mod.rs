//! Accounts: sign-up and sign-in, sessions backed by refresh tokens, roles, and
//! the account area (profile, avatar, emails, phones, addresses, security).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ui::Moment;

pub mod api;
pub mod components;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod avatar;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod setup;
#[cfg(feature = "ssr")]
pub mod tokens;

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct UserId(pub Uuid);

/// What a user may do. Every shopper is a member; staff are moderators or admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(type_name = "user_role", rename_all = "UPPERCASE"))]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Member => "Member",
            Role::Moderator => "Moderator",
            Role::Admin => "Admin",
        }
    }

    /// Whether this role includes everything `required` may do.
    pub fn includes(self, required: Role) -> bool {
        self >= required
    }
}

/// The signed-in user as every page sees them (the header, guards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: UserId,
    pub username: String,
    pub first_name: String,
    pub role: Role,
}

/// The account area's overview: profile, avatar, emails, phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    /// `/media/...` URL of the avatar, when one was uploaded.
    pub avatar_url: Option<String>,
    pub emails: Vec<ContactEntry>,
    pub phones: Vec<ContactEntry>,
}

/// One email address or phone number of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEntry {
    pub id: i64,
    pub value: String,
    pub is_primary: bool,
    /// Its owner opened the confirmation link (phones are not confirmed).
    pub verified: bool,
}

/// Which contact list a change is about. Both share their rules: one primary,
/// the first added becomes primary, removing the primary promotes the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Email,
    Phone,
}

/// An address-book entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: i64,
    pub fields: AddressInput,
    pub is_primary: bool,
}

/// The fields of an address as a form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AddressInput {
    pub full_name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub province: String,
    pub postal_code: String,
    pub country: String,
    #[serde(default)]
    pub phone: String,
}

/// A place the user is signed in: one refresh-token family's newest token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInDevice {
    pub id: Uuid,
    pub device: String,
    pub signed_in_at: Moment,
    pub last_used_at: Moment,
    /// The session this page was loaded in.
    pub current: bool,
}
