//! The rules of API tokens, on both targets: which scopes exist and who may
//! hold them, how a secret is written and checked, how long a token lasts.

use super::{Scope, TokenKind};
use crate::account::Role;

/// Every scope, in the order forms list them.
pub const SCOPES: [Scope; 12] = [
    Scope::CatalogRead,
    Scope::AccountRead,
    Scope::AccountWrite,
    Scope::CartWrite,
    Scope::OrdersRead,
    Scope::OrdersWrite,
    Scope::ReviewsWrite,
    Scope::ChatRead,
    Scope::ChatWrite,
    Scope::CatalogWrite,
    Scope::InventoryWrite,
    Scope::CustomersRead,
];

impl Scope {
    /// As tokens, requests and the OpenAPI document name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogRead => "catalog:read",
            Scope::CatalogWrite => "catalog:write",
            Scope::InventoryWrite => "inventory:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::CustomersRead => "customers:read",
            Scope::AccountRead => "account:read",
            Scope::AccountWrite => "account:write",
            Scope::CartWrite => "cart:write",
            Scope::ReviewsWrite => "reviews:write",
            Scope::ChatRead => "chat:read",
            Scope::ChatWrite => "chat:write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        SCOPES.into_iter().find(|scope| scope.as_str() == text)
    }

    /// What the scope lets a token do, as the forms explain it.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::CatalogRead => "Read products, categories and reviews (also open to everyone, at a lower rate)",
            Scope::CatalogWrite => "Create and edit products, their prices and categories",
            Scope::InventoryWrite => "Set stock levels",
            Scope::OrdersRead => "Read orders: your own, or the shop's for staff",
            Scope::OrdersWrite => "Place and cancel your orders; staff: ship, deliver, cancel and refund",
            Scope::CustomersRead => "Read customers and their orders",
            Scope::AccountRead => "Read your profile and addresses",
            Scope::AccountWrite => "Change your profile and addresses",
            Scope::CartWrite => "Read and change your cart",
            Scope::ReviewsWrite => "Write and edit your reviews",
            Scope::ChatRead => "Read your conversations with the shop; staff: the inbox",
            Scope::ChatWrite => "Start conversations and write in them",
        }
    }

    /// Whether the scope acts for one person (a shop's client token has no
    /// person, so it never holds these).
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Scope::AccountRead
                | Scope::AccountWrite
                | Scope::CartWrite
                | Scope::ReviewsWrite
                | Scope::ChatRead
                | Scope::ChatWrite
        )
    }

    /// The least role a person needs for a token of theirs to use the scope.
    /// Checked at every request: a demoted owner's token loses it at once.
    pub fn least_role(self) -> Role {
        match self {
            Scope::CatalogWrite | Scope::InventoryWrite | Scope::CustomersRead => Role::Admin,
            _ => Role::Member,
        }
    }

    /// Whether a token of `kind` (owned by someone of `role`, for USER
    /// tokens) may hold this scope.
    pub fn allowed(self, kind: TokenKind, role: Role) -> bool {
        match kind {
            TokenKind::User => role.includes(self.least_role()),
            TokenKind::Client => !self.is_personal(),
        }
    }
}

/// How secrets begin: scanners find a leaked one by it, people tell the kinds apart.
pub fn secret_prefix(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::User => "trove_pat_",
        TokenKind::Client => "trove_cli_",
    }
}

/// Random characters in a secret (base62: about 190 bits).
pub const SECRET_RANDOM_CHARS: usize = 32;
/// The checksum's characters at the end.
const CHECKSUM_CHARS: usize = 6;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A secret's whole text from its random part: prefix, random, and a
/// checksum of both (so a kind swapped by hand is caught too).
pub fn write_secret(kind: TokenKind, random: &str) -> String {
    let body = format!("{}{random}", secret_prefix(kind));
    let sum = checksum(&body);
    body + &sum
}

/// The kind a secret claims to be, if it is well formed and its checksum
/// matches: a mistyped or made-up secret is refused before any lookup.
pub fn read_secret(secret: &str) -> Option<TokenKind> {
    let (kind, rest) = [TokenKind::User, TokenKind::Client]
        .into_iter()
        .find_map(|kind| secret.strip_prefix(secret_prefix(kind)).map(|rest| (kind, rest)))?;
    if rest.len() != SECRET_RANDOM_CHARS + CHECKSUM_CHARS || !rest.bytes().all(|b| BASE62.contains(&b)) {
        return None;
    }
    let body = &secret[..secret.len() - CHECKSUM_CHARS];
    (checksum(body) == rest[SECRET_RANDOM_CHARS..]).then_some(kind)
}

/// What lists show of a secret: its prefix and first four random characters.
pub fn display(secret: &str, kind: TokenKind) -> String {
    let prefix = secret_prefix(kind);
    let start = secret.get(prefix.len()..prefix.len() + 4).unwrap_or_default();
    format!("{prefix}{start}…")
}

/// CRC-32 (IEEE) of `text`, written in six base62 characters.
fn checksum(text: &str) -> String {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in text.bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    let mut value = u64::from(!crc);
    let mut out = [b'0'; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Base62 characters from random bytes (one character a byte, without bias:
/// bytes 248 and above are skipped).
pub fn base62(bytes: &[u8]) -> String {
    bytes.iter().filter(|b| **b < 248).map(|b| BASE62[(*b % 62) as usize] as char).collect()
}

/// The expiry choices forms offer, in days (none: never expires).
pub const EXPIRY_DAYS: [Option<u32>; 5] = [Some(7), Some(30), Some(90), Some(365), None];

/// A token's name, trimmed, or why it cannot be one.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err("Give the token a name, so you know later what uses it."),
        1..=80 => Ok(name),
        _ => Err("Use at most 80 characters."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_their_kind_and_a_checksum_that_catches_a_typo() {
        let random = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
        let secret = write_secret(TokenKind::User, random);
        assert!(secret.starts_with("trove_pat_AbCd"));
        assert_eq!(secret.len(), "trove_pat_".len() + 32 + 6);
        assert_eq!(read_secret(&secret), Some(TokenKind::User));
        assert_eq!(read_secret(&write_secret(TokenKind::Client, random)), Some(TokenKind::Client));
        // One character changed, a kind swapped, cut short, or made up.
        let typo = secret.replacen("AbCd", "AbCe", 1);
        assert_eq!(read_secret(&typo), None);
        assert_eq!(read_secret(&secret.replacen("trove_pat_", "trove_cli_", 1)), None);
        assert_eq!(read_secret(&secret[..secret.len() - 1]), None);
        assert_eq!(read_secret("Bearer abc"), None);
        assert_eq!(display(&secret, TokenKind::User), "trove_pat_AbCd…");
    }

    #[test]
    fn scopes_round_trip_and_follow_the_owners_role() {
        for scope in SCOPES {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("orders:delete"), None);
        assert!(Scope::InventoryWrite.allowed(TokenKind::User, Role::Admin));
        assert!(!Scope::InventoryWrite.allowed(TokenKind::User, Role::Moderator));
        assert!(Scope::OrdersRead.allowed(TokenKind::User, Role::Member));
        assert!(Scope::InventoryWrite.allowed(TokenKind::Client, Role::Member));
        assert!(!Scope::CartWrite.allowed(TokenKind::Client, Role::Admin), "a shop has no cart");
    }

    #[test]
    fn base62_has_no_bias_and_names_are_tidied() {
        assert_eq!(base62(&[0, 61, 62, 247, 248, 255]), "0z0z");
        assert_eq!(check_name("  my   script "), Ok("my script".into()));
        assert!(check_name(" ").is_err());
        assert!(check_name(&"x".repeat(81)).is_err());
    }
}
