//! Random tokens for refresh cookies and reset links. Only their SHA-256
//! reaches the database; the token itself goes to the browser once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// A freshly made token and the hash to store for it.
pub struct NewToken {
    pub token: SecretString,
    pub hash: Vec<u8>,
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn generate() -> Result<NewToken, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        tracing::error!(%error, "the system random source failed");
        AppError::Internal
    })?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    Ok(NewToken { token: SecretString::from(token), hash })
}

/// The stored form of a token presented by a browser.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether a presented value could be one of our tokens (cheap rejection of junk).
pub fn looks_valid(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken(..)")
    }
}

impl NewToken {
    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_hashed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert!(looks_valid(a.expose()), "{}", a.expose());
        assert_eq!(a.hash, hash(a.expose()));
        assert_eq!(a.hash.len(), 32);
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&"=".repeat(43)));
    }
}
