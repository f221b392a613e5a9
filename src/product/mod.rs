//! A product as every feature shows it: its id, pictures, rating and card,
//! and how its price and stock read. The catalog lists and pages products;
//! the cart, wishlist, reviews and search show them with these types, so
//! none of them needs the catalog (which composes their widgets on its pages).

pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
pub mod rules;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A product's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProductId(pub i64);

/// A variant's database id: what a cart line and an order item hold. Every
/// product has at least one (a product without options has exactly one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VariantId(pub i64);

/// One of a product's options, "Size", with its values in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    /// Its name in a product page's address: `size` in `?size=m`.
    pub slug: String,
    pub values: Vec<OptionValue>,
}

/// A value of an option: "M", named `m` in a product page's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionValue {
    pub id: i64,
    pub value: String,
    pub slug: String,
}

/// A variant on sale, as its product's page shows it: its option values (one
/// per option, in the options' order), what it costs, how many are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: VariantId,
    pub sku: String,
    pub values: Vec<i64>,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    /// Its pictures (their keys), from the product's gallery, in order;
    /// empty: the whole gallery shows.
    pub images: Vec<String>,
    /// The query that selects it on its product's page: `size=m&colour=blue`.
    pub query: String,
}

/// An image in media storage, with the text a screen reader speaks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    pub key: String,
    pub alt: String,
}

/// The widths an uploaded picture is stored at: the gallery's, a card's and
/// a thumbnail's (each twice its width on the page, for sharp screens).
pub const IMAGE_WIDTHS: [u32; 3] = [800, 400, 200];

/// The key of an uploaded picture names its largest rendition,
/// `products/12/ab12cd@800.jpg`; the others sit beside it with their width in
/// place of 800. Keys without it (seed drawings, which scale by themselves)
/// have one file for every size.
fn rendition(key: &str, width: u32) -> Option<String> {
    let largest = format!("@{}.jpg", IMAGE_WIDTHS[0]);
    key.strip_suffix(&largest).map(|stem| format!("{stem}@{width}.jpg"))
}

/// The key of the largest rendition of the picture stored from `stem`.
pub fn image_key(stem: &str) -> String {
    format!("{stem}@{}.jpg", IMAGE_WIDTHS[0])
}

/// The URL of the smallest rendition of the picture under `key` that is at
/// least `width` pixels wide (the largest when none is).
pub fn image_url(key: &str, width: u32) -> String {
    let fitting = IMAGE_WIDTHS.iter().rev().copied().find(|&w| w >= width).unwrap_or(IMAGE_WIDTHS[0]);
    format!("/media/{}", rendition(key, fitting).as_deref().unwrap_or(key))
}

/// Every file stored for the picture under `key`, its largest first.
pub fn image_files(key: &str) -> Vec<String> {
    match rendition(key, IMAGE_WIDTHS[0]) {
        Some(_) => IMAGE_WIDTHS.iter().filter_map(|&width| rendition(key, width)).collect(),
        None => vec![key.to_owned()],
    }
}

impl ImageRef {
    /// The largest rendition: the gallery's.
    pub fn url(&self) -> String {
        format!("/media/{}", self.key)
    }

    /// See [`image_url`].
    pub fn url_at(&self, width: u32) -> String {
        image_url(&self.key, width)
    }

    /// A `srcset` of every rendition, for images whose shown size varies.
    pub fn srcset(&self) -> Option<String> {
        rendition(&self.key, IMAGE_WIDTHS[0]).map(|_| {
            IMAGE_WIDTHS.iter().map(|&width| format!("{} {width}w", self.url_at(width))).collect::<Vec<_>>().join(", ")
        })
    }
}

/// A product's visible ratings: how many, and their sum (1–5 each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub count: i32,
    pub sum: i32,
}

impl Rating {
    /// The average to one decimal, e.g. `4.3`; `None` without reviews.
    pub fn average(self) -> Option<Decimal> {
        (self.count > 0).then(|| {
            let mut average = (Decimal::from(self.sum) / Decimal::from(self.count)).round_dp(1);
            average.rescale(1);
            average
        })
    }

    /// "4.3 out of 5 from 12 reviews"
    pub fn describe(self) -> Option<String> {
        self.average().map(|avg| {
            format!("Rated {avg} out of 5 from {} review{}", self.count, if self.count == 1 { "" } else { "s" })
        })
    }
}

/// What a product card in a listing shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub image: Option<ImageRef>,
    pub rating: Rating,
    /// The lowest price of its variants when they do not all cost the
    /// product's own price ("from $19.00").
    pub from: Option<Decimal>,
    /// Several variants are on sale: a shopper chooses one on its page.
    pub choices: bool,
}

impl ProductSummary {
    pub fn href(&self) -> String {
        format!("/p/{}", self.slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(key: &str) -> ImageRef {
        ImageRef { key: key.into(), alt: String::new() }
    }

    #[test]
    fn an_uploaded_picture_is_linked_at_the_smallest_width_that_fits() {
        let picture = image(&image_key("products/12/ab12"));
        assert_eq!(picture.key, "products/12/ab12@800.jpg");
        assert_eq!(picture.url(), "/media/products/12/ab12@800.jpg");
        assert_eq!(picture.url_at(72), "/media/products/12/ab12@200.jpg");
        assert_eq!(picture.url_at(201), "/media/products/12/ab12@400.jpg");
        assert_eq!(picture.url_at(2000), "/media/products/12/ab12@800.jpg");
        assert_eq!(
            picture.srcset().as_deref(),
            Some(
                "/media/products/12/ab12@800.jpg 800w, /media/products/12/ab12@400.jpg 400w, \
                 /media/products/12/ab12@200.jpg 200w"
            )
        );
        assert_eq!(
            image_files(&picture.key),
            ["products/12/ab12@800.jpg", "products/12/ab12@400.jpg", "products/12/ab12@200.jpg"]
        );
    }

    #[test]
    fn a_picture_stored_once_is_linked_the_same_at_every_width() {
        for key in ["seed/tea.svg", "products/3/old.jpg"] {
            let picture = image(key);
            assert_eq!(picture.url_at(200), format!("/media/{key}"));
            assert_eq!(picture.srcset(), None);
            assert_eq!(image_files(key), [key]);
        }
    }
}
