//! Checkout server functions. The browser sends what the shopper chose (an
//! address, a payment method, a promo code); every amount is worked out here.

use leptos::prelude::*;
use uuid::Uuid;

use super::CheckoutView;
use crate::account::AddressInput;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::service::{self, ShipTo},
    super::{db, rules},
    crate::account::guard::require_user,
    crate::orders::PaymentMethod,
    crate::state::AppState,
};

/// The checkout page: the cart re-priced, saved addresses, and totals with the
/// promo code `promo` if one was entered.
#[server(prefix = "/api", endpoint = "checkout/get")]
pub async fn get_checkout(promo: Option<String>) -> Result<CheckoutView, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let cart = crate::cart::service::load_cart(&state, &crate::account::session::Auth::current()?).await?;
    let mut conn = state.pool.acquire().await?;
    let addresses = crate::account::db::addresses(&mut *conn, viewer.id).await?;
    let subtotal = cart.subtotal();
    let (promo, terms) = match promo.as_deref().map(str::trim).filter(|code| !code.is_empty()) {
        Some(code) => {
            let (quote, terms) = db::quote_promo(&mut conn, code, subtotal, &state.config.currency).await?;
            (Some(quote), terms)
        }
        None => (None, None),
    };
    let rates = db::rates(&state.config);
    let totals = rules::totals(
        cart.lines.iter().map(|l| (l.unit_price, l.quantity)),
        terms.as_ref(),
        rates,
        &state.config.currency,
    );
    Ok(CheckoutView {
        cart,
        addresses,
        rates,
        promo,
        totals,
        card_enabled: state.payments.is_some(),
        token: random_token()?,
    })
}

/// Places the order and goes to its page (where a card order is paid).
/// `address` is a saved address id or `new` (then `new_address` is used, and
/// kept in the address book when `save_address` is on).
#[server(prefix = "/api", endpoint = "checkout/place")]
pub async fn place_order(
    token: Uuid,
    payment: String,
    address: String,
    new_address: Option<AddressInput>,
    save_address: Option<String>,
    promo: Option<String>,
) -> Result<i64, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let method = PaymentMethod::from_param(&payment)
        .ok_or_else(|| AppError::field("payment", "Choose how you would like to pay."))?;
    let ship_to = if address == "new" {
        ShipTo::New { address: new_address.unwrap_or_default(), save: save_address.is_some() }
    } else {
        ShipTo::Saved(address.parse().map_err(|_| AppError::field("address", "Choose an address to ship to."))?)
    };
    let placed = service::place(&state, viewer.id, token, method, ship_to, promo.as_deref()).await?;
    leptos_axum::redirect(&placed.number.href());
    Ok(placed.number.0)
}

/// A fresh checkout token (a random v4 UUID).
#[cfg(feature = "ssr")]
fn random_token() -> Result<Uuid, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| {
        tracing::error!(%error, "no randomness for a checkout token");
        AppError::Internal
    })?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}
