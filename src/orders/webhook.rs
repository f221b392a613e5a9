//! `POST /webhooks/stripe`: Stripe's events, outside session auth. The
//! signature is checked on the raw body (`payments::webhook::verify`) before
//! anything is parsed; a payment is applied through `orders::service`, each
//! event id once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;

use crate::error::AppError;
use crate::payments::webhook::verify;
use crate::state::AppState;

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
    let answer = answer(&state, &headers, &body).await;
    state.metrics.webhook(answer.1);
    answer
}

async fn answer(state: &AppState, headers: &HeaderMap, body: &[u8]) -> (StatusCode, &'static str) {
    let Some(payments) = &state.payments else {
        return (StatusCode::NOT_FOUND, "card payments are not configured");
    };
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(error) = verify(payments.webhook_secret.expose_secret(), header, body, now) {
        tracing::warn!(?error, "refused a webhook with a bad signature");
        return (StatusCode::BAD_REQUEST, "bad signature");
    }
    let Ok(event) = serde_json::from_slice::<Event>(body) else {
        return (StatusCode::BAD_REQUEST, "not a Stripe event");
    };
    match process(state, &event).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            // Not recorded as seen: Stripe retries, and we try again.
            tracing::error!(%error, event = %event.id, kind = %event.kind, "webhook processing failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// Applies a verified event; each event id once.
async fn process(state: &AppState, event: &Event) -> Result<(), AppError> {
    match event.kind.as_str() {
        "payment_intent.succeeded" => {
            if let (Some(intent), Some(amount)) = (&event.data.object.id, event.data.object.amount) {
                super::service::record_payment(state, Some(&event.id), intent, amount).await?;
                // A payment for an order cancelled meanwhile goes back at once.
                super::service::refund_late_payments(state).await?;
            }
        }
        "payment_intent.payment_failed" => {
            tracing::info!(intent = ?event.data.object.id, "a card payment failed; the order stays pending");
        }
        _ => {}
    }
    Ok(())
}
