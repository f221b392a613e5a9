//! Checkout server functions. The browser sends what the shopper chose (an
//! address, a payment method, a promo code); every amount is worked out here.

use leptos::prelude::*;
use uuid::Uuid;

use super::CheckoutView;
use crate::account::AddressInput;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
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
    if method == PaymentMethod::Card && state.payments.is_none() {
        return Err(AppError::field("payment", "Card payments are not available. Please choose cash on delivery."));
    }
    let mut tx = state.pool.begin().await?;
    // A second submit of this checkout (a double click) waits for the first
    // and goes to the order it placed, having written nothing.
    if let db::Checkout::Placed(placed) = db::lock_checkout(&mut tx, viewer.id, token).await? {
        tx.commit().await?;
        leptos_axum::redirect(&placed.number.href());
        return Ok(placed.number.0);
    }
    let shipping = if address == "new" {
        let fields = new_address.unwrap_or_default().checked()?;
        if save_address.is_some() {
            crate::account::db::add_address(&mut tx, viewer.id, &fields).await?;
        }
        fields
    } else {
        let id: i64 = address.parse().map_err(|_| AppError::field("address", "Choose an address to ship to."))?;
        crate::account::db::address(&mut *tx, viewer.id, id)
            .await?
            .ok_or_else(|| AppError::field("address", "Choose an address to ship to."))?
    };
    let order = db::NewOrder { user: viewer.id, token, method, address: &shipping, promo: promo.as_deref() };
    let placed = db::place_order(&mut tx, &state.config, order).await?;
    tx.commit().await?;
    if placed.created {
        tracing::info!(order = placed.number.0, method = ?placed.method, "order placed");
    }
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
