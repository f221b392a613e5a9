//! Reviews: a rating from 1 to 5 with a title and text, one per shopper and
//! product, from shoppers who bought the product; staff can hide one with a
//! reason, and a hidden review no longer counts towards the average.

pub mod api;
pub mod components;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::product::Rating;
use crate::ui::Moment;

/// A visible review as shoppers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub author: String,
    pub rating: i16,
    pub title: String,
    pub body: String,
    pub written: Moment,
    /// Changed after it was first written.
    pub edited: bool,
}

/// The signed-in shopper's own review, as the form edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnReview {
    pub rating: i16,
    pub title: String,
    pub body: String,
    /// Hidden by staff, with their reason.
    pub hidden_reason: Option<String>,
}

/// Whether the viewer may write a review, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Eligibility {
    SignInFirst,
    NotBought,
    May,
}

/// The reviews part of a product page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReviews {
    pub product: i64,
    pub rating: Rating,
    /// The newest visible reviews.
    pub reviews: Vec<Review>,
    pub own: Option<OwnReview>,
    pub eligibility: Eligibility,
}

/// A review in the moderation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeratedReview {
    pub id: i64,
    pub product: String,
    pub product_slug: String,
    pub author: String,
    pub rating: i16,
    pub title: String,
    pub body: String,
    pub written: Moment,
    pub hidden_reason: Option<String>,
}
