//! Checkout: from a cart to an order, priced by the server alone.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::Address;
use crate::cart::Cart;
use crate::orders::Totals;
use rules::ShippingRates;

/// A promo code the shopper typed, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoQuote {
    pub code: String,
    /// The discount it gives, or why it can't be used.
    pub outcome: Result<Decimal, String>,
}

/// Everything the checkout page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub cart: Cart,
    pub addresses: Vec<Address>,
    pub rates: ShippingRates,
    pub promo: Option<PromoQuote>,
    pub totals: Totals,
    /// Card payment is offered only when Stripe is configured.
    pub card_enabled: bool,
    /// Sent back with the order: a repeated submit finds the same order.
    pub token: Uuid,
}
