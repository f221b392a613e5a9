//! The shopping cart: one per user, or one per browser until sign-in merges it.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::product::{ImageRef, ProductId, VariantId};

/// One variant of a product in the cart, priced as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product: ProductId,
    pub variant: VariantId,
    pub slug: String,
    pub name: String,
    /// The variant's option values, "M / Blue" (empty without options).
    pub options: String,
    /// The query that selects the variant on the product's page ("size=m").
    pub query: String,
    pub image: Option<ImageRef>,
    /// What one costs now (the offer price when there is one).
    pub unit_price: Decimal,
    /// What one cost when it was put in the cart.
    pub seen_price: Decimal,
    pub quantity: i32,
    pub stock: i32,
    /// False once the product is withdrawn from sale.
    pub available: bool,
}

/// What a shopper puts in the cart: a product, and which of its variants
/// (needed only when it has more than one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub product: ProductId,
    pub variant: Option<VariantId>,
}

impl From<ProductId> for Pick {
    fn from(product: ProductId) -> Self {
        Pick { product, variant: None }
    }
}

/// The cart as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}
