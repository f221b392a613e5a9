//! `POST /webhooks/stripe`: Stripe's events, outside session auth. The
//! signature is checked on the raw body before anything is parsed; each event
//! id is handled once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::error::AppError;
use crate::state::AppState;

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

#[derive(serde::Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(serde::Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(serde::Deserialize)]
struct EventObject {
    id: Option<String>,
    amount: Option<i64>,
}

pub async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let Some(payments) = &state.payments else {
        return (StatusCode::NOT_FOUND, "card payments are not configured");
    };
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(error) = verify(payments.webhook_secret.expose_secret(), header, &body, now) {
        tracing::warn!(?error, "refused a webhook with a bad signature");
        return (StatusCode::BAD_REQUEST, "bad signature");
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a Stripe event");
    };
    match process(&state, &event).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            // Not recorded as seen: Stripe retries, and we try again.
            tracing::error!(%error, event = %event.id, kind = %event.kind, "webhook processing failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// Applies a verified event through the orders feature; each event id once.
async fn process(state: &AppState, event: &Event) -> Result<(), AppError> {
    match event.kind.as_str() {
        "payment_intent.succeeded" => {
            if let (Some(intent), Some(amount)) = (&event.data.object.id, event.data.object.amount) {
                crate::orders::service::record_payment(state, Some(&event.id), intent, amount).await?;
                // A payment for an order cancelled meanwhile goes back at once.
                crate::orders::service::refund_late_payments(state).await?;
            }
        }
        "payment_intent.payment_failed" => {
            tracing::info!(intent = ?event.data.object.id, "a card payment failed; the order stays pending");
        }
        _ => {}
    }
    Ok(())
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
