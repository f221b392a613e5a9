//! Stripe's webhook signature: `verify` checks a `Stripe-Signature` header
//! against the raw body (the route is `orders::webhook`); `sign` makes one,
//! as Stripe does, for tests and local tools.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed timestamp may be from our clock (Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Stale,
    Mismatch,
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) against the raw body.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // abs_diff: an extreme timestamp must not overflow into "within tolerance".
    if now.abs_diff(timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let mut expected = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Malformed)?;
    expected.update(timestamp.to_string().as_bytes());
    expected.update(b".");
    expected.update(body);
    // verify_slice compares in constant time.
    if signatures.iter().any(|signature| expected.clone().verify_slice(signature).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Signs `body` as Stripe does (for tests and tools that send events).
pub fn sign(secret: &str, body: &[u8], timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_made_with_the_secret_verifies_and_anything_else_does_not() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign("whsec_test", body, 1_000);
        assert_eq!(verify("whsec_test", Some(&header), body, 1_010), Ok(()));
        assert_eq!(verify("whsec_other", Some(&header), body, 1_010), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_test", Some(&header), br#"{"id":"evt_2"}"#, 1_010), Err(SignatureError::Mismatch));
        assert_eq!(verify("whsec_test", Some(&header), body, 1_000 + TOLERANCE_SECS + 1), Err(SignatureError::Stale));
        assert_eq!(verify("whsec_test", None, body, 1_000), Err(SignatureError::Missing));
        assert_eq!(verify("whsec_test", Some("t=1000"), body, 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify("whsec_test", Some("t=1000,v1=zz"), body, 1_000), Err(SignatureError::Malformed));
        let two = format!("{header},v1={}", "00".repeat(32));
        assert_eq!(verify("whsec_test", Some(&two), body, 1_000), Ok(()));
    }

    #[test]
    fn an_extreme_timestamp_is_stale_not_an_overflow() {
        let body = br#"{"id":"evt_1"}"#;
        let now: i64 = 1_700_000_000;
        for t in [i64::MIN, i64::MAX, now.wrapping_add(i64::MIN)] {
            let header = sign("whsec_test", body, t);
            assert_eq!(verify("whsec_test", Some(&header), body, now), Err(SignatureError::Stale), "t = {t}");
        }
    }
}
