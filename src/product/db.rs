//! The product card's row, the one shape every card query selects.

use rust_decimal::Decimal;

use super::{ImageRef, ProductId, ProductSummary, Rating};

/// A product card as a row, the one shape every card query (listings,
/// search, the wishlist) selects: the primary image's columns are absent
/// when it has none.
#[derive(sqlx::FromRow)]
pub struct CardRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    /// The lowest price of its variants, and whether they differ.
    pub sale_price: Decimal,
    pub price_varies: bool,
    pub variant_count: i32,
    pub stock: i32,
    pub image_key: Option<String>,
    pub image_alt: Option<String>,
    pub rating_count: i32,
    pub rating_sum: i32,
}

impl From<CardRow> for ProductSummary {
    fn from(row: CardRow) -> Self {
        let image = row.image_key.map(|key| ImageRef { key, alt: row.image_alt.unwrap_or_default() });
        // Variants that cost different amounts, or all the same but not the
        // product's own price (each has a price of its own), show the lowest.
        let own = row.offer_price.unwrap_or(row.price) == row.sale_price && !row.price_varies;
        ProductSummary {
            id: ProductId(row.id),
            slug: row.slug,
            name: row.name,
            price: row.price,
            offer_price: row.offer_price,
            from: (!own).then_some(row.sale_price),
            choices: row.variant_count > 1,
            stock: row.stock,
            image,
            rating: Rating { count: row.rating_count, sum: row.rating_sum },
        }
    }
}
