//! Card payments through Stripe (server only).
//!
//! The browser turns the card form into a single-use token with Stripe.js; card
//! numbers never reach this server. Here the token becomes a card on the
//! shopper's Stripe customer, which pays the order's PaymentIntent. A card that
//! needs 3-D Secure comes back `requires_action` and the browser completes it
//! with Stripe.js. The order is marked paid by whichever comes first: the
//! webhook (`orders::webhook`) or the browser returning (`orders::api`).
//!
//! Requests are async-stripe's typed builders; answers are decoded into the few
//! fields we read, so an API version that adds or omits other fields (or a test
//! double such as localstripe) cannot break decoding.

pub mod webhook;

use std::collections::HashMap;
use std::time::Duration;

use secrecy::ExposeSecret;
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::customer::CreateCustomer;
use stripe_core::payment_intent::{
    CancelPaymentIntent, ConfirmPaymentIntent, CreatePaymentIntent, RetrievePaymentIntent, UpdatePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use uuid::Uuid;

use crate::config::StripeConfig;
use crate::error::AppError;

/// A PaymentIntent as far as we read it.
#[derive(Debug, Clone, miniserde::Deserialize)]
pub struct Intent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub amount: i64,
}

impl Intent {
    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }

    /// 3-D Secure or another step the shopper must complete in the browser.
    pub fn needs_action(&self) -> bool {
        self.status == "requires_action"
    }
}

#[derive(Debug, miniserde::Deserialize)]
struct Created {
    id: String,
}

/// The Stripe client and the keys the browser needs.
#[derive(Clone)]
pub struct Payments {
    client: stripe::Client,
    pub publishable_key: String,
    pub js_url: String,
    pub webhook_secret: secrecy::SecretString,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments").field("js_url", &self.js_url).finish_non_exhaustive()
    }
}

impl Payments {
    pub fn new(config: &StripeConfig) -> Result<Self, StripeError> {
        let client = stripe::ClientBuilder::new(config.secret_key.expose_secret())
            .url(config.api_url.clone())
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Payments {
            client,
            publishable_key: config.publishable_key.clone(),
            js_url: config.js_url.clone(),
            webhook_secret: config.webhook_secret.clone(),
        })
    }

    /// A new Stripe customer for a user (the caller stores its id).
    pub async fn create_customer(&self, user: Uuid, email: &str, name: &str) -> Result<String, AppError> {
        let created: Created = CreateCustomer::new()
            .email(email)
            .name(name)
            .metadata(HashMap::from([("user_id".to_owned(), user.to_string())]))
            .build()
            .customize()
            .request_strategy(idempotent(&format!("customer-{user}"))?)
            .send(&self.client)
            .await
            .map_err(failure)?;
        Ok(created.id)
    }

    /// The PaymentIntent for an order: its amount comes from the order, its
    /// idempotency key from the order id.
    pub async fn create_intent(
        &self,
        order: Uuid,
        number: i64,
        amount_minor: i64,
        currency: &str,
        customer: &str,
    ) -> Result<Intent, AppError> {
        let currency = currency.to_ascii_lowercase().parse::<stripe_types::Currency>().map_err(|_| {
            tracing::error!(currency, "Stripe does not know the store's currency");
            AppError::Internal
        })?;
        CreatePaymentIntent::new(amount_minor, currency)
            .customer(customer)
            .metadata(HashMap::from([
                ("order_id".to_owned(), order.to_string()),
                ("order_number".to_owned(), number.to_string()),
            ]))
            .build()
            .customize()
            .request_strategy(idempotent(&format!("order-{order}"))?)
            .send(&self.client)
            .await
            .map_err(failure)
    }

    pub async fn retrieve_intent(&self, intent: &str) -> Result<Intent, AppError> {
        RetrievePaymentIntent::new(intent).build().customize().send(&self.client).await.map_err(failure)
    }

    /// Saves a Stripe.js card token on the customer; answers the card's id.
    pub async fn add_card(&self, customer: &str, token: &str) -> Result<String, AppError> {
        if !token.starts_with("tok_")
            || token.len() > 255
            || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(AppError::BadRequest("The card details were not received. Please try again.".into()));
        }
        #[derive(serde::Serialize)]
        struct Source<'a> {
            source: &'a str,
        }
        let path = format!("/customers/{customer}/sources");
        let card: Created = stripe_client_core::RequestBuilder::new(stripe_client_core::StripeMethod::Post, path)
            .form(&Source { source: token })
            .customize()
            .send(&self.client)
            .await
            .map_err(failure)?;
        Ok(card.id)
    }

    /// Pays `intent` with `card`. A declined card is `PaymentFailed` with the
    /// bank's reason; the intent stays open for another card.
    pub async fn pay(&self, intent: &str, card: &str) -> Result<Intent, AppError> {
        let _: Created = UpdatePaymentIntent::new(intent)
            .payment_method(card)
            .build()
            .customize()
            .send(&self.client)
            .await
            .map_err(failure)?;
        ConfirmPaymentIntent::new(intent).build().customize().send(&self.client).await.map_err(failure)
    }

    /// Cancels an unpaid intent so it can no longer be paid.
    pub async fn cancel_intent(&self, intent: &str) -> Result<Intent, AppError> {
        CancelPaymentIntent::new(intent).build().customize().send(&self.client).await.map_err(failure)
    }

    /// Refunds an order's payment in full, once (idempotency key from the order).
    pub async fn refund(&self, order: Uuid, intent: &str) -> Result<(), AppError> {
        let _: Created = CreateRefund::new()
            .payment_intent(intent)
            .build()
            .customize()
            .request_strategy(idempotent(&format!("refund-{order}"))?)
            .send(&self.client)
            .await
            .map_err(failure)?;
        Ok(())
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, AppError> {
    IdempotencyKey::new(key).map(RequestStrategy::Idempotent).map_err(|_| AppError::Internal)
}

/// Card problems (402, or a card error) reach the shopper in our own words,
/// chosen by Stripe's code (never Stripe's text, which is meant for
/// developers); anything else is logged and stays on the server.
fn failure(error: StripeError) -> AppError {
    match &error {
        StripeError::Stripe(api, status) if *status == 402 || api.type_.as_str() == "card_error" => {
            let code = api.code.as_ref().map(|code| code.as_str());
            tracing::info!(status, code, decline_code = api.decline_code.as_deref(), "card payment refused");
            AppError::PaymentFailed(card_refusal(code, api.decline_code.as_deref()).to_owned())
        }
        _ => {
            tracing::error!(%error, "Stripe request failed");
            AppError::Internal
        }
    }
}

/// What a shopper is told when their card is refused.
fn card_refusal(code: Option<&str>, decline_code: Option<&str>) -> &'static str {
    match decline_code.or(code) {
        Some("insufficient_funds") => "Your card has insufficient funds.",
        Some("expired_card") => "Your card has expired.",
        Some("incorrect_cvc" | "invalid_cvc") => "Your card's security code is incorrect.",
        Some("incorrect_number" | "invalid_number") => "Your card number is incorrect.",
        Some("processing_error") => "Your card could not be processed. Please try again.",
        _ => "Your card was declined.",
    }
}

#[cfg(test)]
mod tests {
    use super::card_refusal;

    #[test]
    fn shoppers_are_told_about_their_card_in_our_words() {
        assert_eq!(
            card_refusal(Some("card_declined"), Some("insufficient_funds")),
            "Your card has insufficient funds."
        );
        assert_eq!(card_refusal(Some("expired_card"), None), "Your card has expired.");
        assert_eq!(card_refusal(Some("card_declined"), Some("do_not_honor")), "Your card was declined.");
        assert_eq!(card_refusal(None, None), "Your card was declined.");
    }
}
