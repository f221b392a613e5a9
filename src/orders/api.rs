//! Order server functions: the shopper's own orders only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{OrderDetail, OrderHistory, PayOutcome};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::OrderNumber, super::db, super::service, crate::account::guard::require_user, crate::state::AppState};

/// What the browser needs to show Stripe's card form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardForm {
    pub publishable_key: String,
    pub js_url: String,
}

/// The order page: the order, and the card form while it awaits payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub order: OrderDetail,
    pub card: Option<CardForm>,
}

#[server(prefix = "/api", endpoint = "orders/list")]
pub async fn get_orders(page: Option<u32>) -> Result<OrderHistory, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(db::history(&state.pool, viewer.id, page.unwrap_or(1)).await?)
}

/// One of the user's orders. A card order still pending that has a payment
/// under way is checked with Stripe first: the return page confirms payment
/// when it arrives before the webhook.
#[server(prefix = "/api", endpoint = "orders/get")]
pub async fn get_order(number: i64) -> Result<OrderPage, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let number = OrderNumber(number);
    let mut conn = state.pool.acquire().await?;
    let (_, mut order) = db::detail(&mut conn, Some(viewer.id), number).await?.ok_or(AppError::NotFound)?;
    if order.awaiting_card_payment() && state.payments.is_some() {
        drop(conn);
        // Nothing paid yet, or not paid after all: the page offers the form.
        if let Ok(PayOutcome::Paid) = service::confirm(&state, &viewer, number).await {
            let mut conn = state.pool.acquire().await?;
            order = db::detail(&mut conn, Some(viewer.id), number).await?.ok_or(AppError::NotFound)?.1;
        }
    }
    let card = match (&state.payments, order.awaiting_card_payment()) {
        (Some(payments), true) => {
            Some(CardForm { publishable_key: payments.publishable_key.clone(), js_url: payments.js_url.clone() })
        }
        _ => None,
    };
    Ok(OrderPage { order, card })
}

/// Pays a pending card order with a card token from Stripe.js.
#[server(prefix = "/api", endpoint = "orders/pay")]
pub async fn pay_order(number: i64, token: String) -> Result<PayOutcome, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::pay(&state, &viewer, OrderNumber(number), &token).await
}

/// After 3-D Secure in the browser: asks Stripe whether the order is paid now.
#[server(prefix = "/api", endpoint = "orders/confirm")]
pub async fn confirm_payment(number: i64) -> Result<PayOutcome, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::confirm(&state, &viewer, OrderNumber(number)).await
}

/// Cancels one of the user's orders that has not shipped.
#[server(prefix = "/api", endpoint = "orders/cancel")]
pub async fn cancel_order(number: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::cancel_by_shopper(&state, &viewer, OrderNumber(number)).await
}
