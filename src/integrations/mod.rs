//! The JSON API's tokens: a person's own (USER, made in the account area,
//! acting as them) and the shop's (CLIENT, made by an admin for an
//! integration such as a warehouse sync). Secrets are shown once and kept
//! only as a SHA-256; every request checks revocation, expiry, the owner's
//! role and whether they are disabled, so a change takes effect at once.

use serde::{Deserialize, Serialize};

use crate::ui::Moment;

pub mod api;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod bearer;
#[cfg(feature = "ssr")]
pub mod db;

/// Whom a token acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "api_token_kind", rename_all = "UPPERCASE"))]
pub enum TokenKind {
    /// A person's own token.
    User,
    /// The shop's, for an integration.
    Client,
}

/// What a token may do (`rules::SCOPES` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    CatalogRead,
    CatalogWrite,
    InventoryWrite,
    OrdersRead,
    OrdersWrite,
    CustomersRead,
    AccountRead,
    AccountWrite,
    CartWrite,
    ReviewsWrite,
    ChatRead,
    ChatWrite,
}

/// A token as lists show it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: i64,
    pub kind: TokenKind,
    pub name: String,
    /// CLIENT: the integration; USER: the owner's username (admin lists).
    pub owner: String,
    pub display: String,
    pub scopes: Vec<String>,
    pub created: Moment,
    pub expires: Option<Moment>,
    pub expired: bool,
    pub last_used: Option<Moment>,
    pub last_used_from: Option<String>,
    pub revoked: Option<Moment>,
}

/// A token just made: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub secret: String,
    pub token: TokenSummary,
}
