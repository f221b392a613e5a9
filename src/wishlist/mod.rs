//! Wishlists: a heart on cards and product pages keeps a product for later;
//! the wishlist page moves products to the cart. Guests are sent to sign in
//! and come back to the product.

pub mod api;
pub mod components;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::product::ProductSummary;

/// The wishlist page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wishlist {
    pub products: Vec<ProductSummary>,
}

/// The products on the viewer's wishlist, by id, in ascending order (none
/// for guests): every heart on a page reads its state from here, so the
/// catalog's own data is the same for every visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub products: Vec<i64>,
}

impl Saved {
    pub fn contains(&self, product: i64) -> bool {
        self.products.binary_search(&product).is_ok()
    }
}

/// A product's place on the wishlist after a heart was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishState {
    pub product: i64,
    pub wished: bool,
}
