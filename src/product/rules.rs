//! What shoppers are told about a product's stock and offer, on both targets.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{ProductOption, Variant};

/// At or below this many, a product shows "Only N left" (the catalog's
/// change triggers know it too: `shown_stock` in
/// migrations/20261130000005_targeted_catalog_changes.sql).
pub const LOW_STOCK: i32 = 5;

/// How much of a product is left, as a shopper is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockState {
    InStock,
    Low(i32),
    OutOfStock,
}

impl StockState {
    pub fn of(stock: i32) -> Self {
        match stock {
            s if s <= 0 => StockState::OutOfStock,
            s if s <= LOW_STOCK => StockState::Low(s),
            _ => StockState::InStock,
        }
    }

    pub fn label(self) -> String {
        match self {
            StockState::InStock => "In stock".into(),
            StockState::Low(n) => format!("Only {n} left"),
            StockState::OutOfStock => "Out of stock".into(),
        }
    }
}

/// "Shirt — M / Blue": a product's name with its variant's option values, or
/// the name alone for a product without options.
pub fn variant_title(name: &str, options: &str) -> String {
    if options.is_empty() { name.to_owned() } else { format!("{name} — {options}") }
}

/// What a product page shows as chosen: one value (or none) per option, and
/// the variant those values name, if the product sells that combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub values: Vec<Option<i64>>,
    pub variant: Option<Variant>,
}

/// How a value reads in its option's picker, the other choices kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueState {
    Available,
    SoldOut,
    /// No variant on sale has it with the other values chosen.
    Unavailable,
}

impl Choice {
    /// The choice a page's address makes (`get` reads a query parameter):
    /// each option's value by its slug. Values left out are filled from the
    /// first variant in stock that has the ones given (or the first that
    /// has them), so a plain `/p/shirt` shows a variant that can be bought.
    pub fn from_query(options: &[ProductOption], variants: &[Variant], get: impl Fn(&str) -> Option<String>) -> Self {
        let asked: Vec<Option<i64>> = options
            .iter()
            .map(|option| {
                let slug = get(&option.slug)?;
                option.values.iter().find(|v| v.slug == slug).map(|v| v.id)
            })
            .collect();
        let fits = |variant: &&Variant| {
            asked.iter().enumerate().all(|(i, value)| value.is_none_or(|id| variant.values.get(i) == Some(&id)))
        };
        let fill = variants.iter().filter(fits).find(|v| v.stock > 0).or_else(|| variants.iter().find(fits));
        let values = match fill {
            Some(variant) if asked.iter().any(Option::is_none) => variant.values.iter().copied().map(Some).collect(),
            _ => asked,
        };
        let variant = variants
            .iter()
            .find(|v| v.values.len() == values.len() && v.values.iter().zip(&values).all(|(a, b)| Some(*a) == *b))
            .cloned();
        Choice { values, variant }
    }

    /// How `value` of option `index` reads with the other values as chosen.
    pub fn state_of(&self, variants: &[Variant], index: usize, value: i64) -> ValueState {
        let fits = |variant: &&Variant| {
            variant.values.get(index) == Some(&value)
                && self
                    .values
                    .iter()
                    .enumerate()
                    .all(|(i, chosen)| i == index || chosen.is_none_or(|id| variant.values.get(i) == Some(&id)))
        };
        match variants.iter().filter(fits).map(|v| v.stock).max() {
            None => ValueState::Unavailable,
            Some(0) => ValueState::SoldOut,
            Some(_) => ValueState::Available,
        }
    }

    /// The page's query with option `index` set to `value` (a slug).
    pub fn query_with(&self, options: &[ProductOption], index: usize, value: &str) -> String {
        options
            .iter()
            .enumerate()
            .filter_map(|(i, option)| {
                let slug = if i == index {
                    Some(value.to_owned())
                } else {
                    let id = self.values.get(i).copied().flatten()?;
                    option.values.iter().find(|v| v.id == id).map(|v| v.slug.clone())
                }?;
                Some(format!("{}={slug}", option.slug))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// The whole-percent saving an offer gives, rounded to the nearest percent.
pub fn discount_percent(price: Decimal, offer: Decimal) -> u32 {
    if price <= Decimal::ZERO || offer >= price {
        return 0;
    }
    ((price - offer) / price * Decimal::ONE_HUNDRED).round().to_u32().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn stock_levels_read_as_a_shopper_expects() {
        assert_eq!(StockState::of(0).label(), "Out of stock");
        assert_eq!(StockState::of(1).label(), "Only 1 left");
        assert_eq!(StockState::of(LOW_STOCK).label(), format!("Only {LOW_STOCK} left"));
        assert_eq!(StockState::of(LOW_STOCK + 1).label(), "In stock");
    }

    fn shirt() -> (Vec<ProductOption>, Vec<Variant>) {
        let value = |id, slug: &str| super::super::OptionValue { id, value: slug.to_uppercase(), slug: slug.into() };
        let options = vec![
            ProductOption {
                name: "Size".into(),
                slug: "size".into(),
                values: vec![value(1, "s"), value(2, "m"), value(3, "xl")],
            },
            ProductOption {
                name: "Colour".into(),
                slug: "colour".into(),
                values: vec![value(4, "blue"), value(5, "black")],
            },
        ];
        let variant = |id, values: [i64; 2], stock| Variant {
            id: super::super::VariantId(id),
            sku: format!("SHIRT-{id}"),
            values: values.to_vec(),
            price: dec!(19.00),
            offer_price: None,
            stock,
            images: vec![],
            query: String::new(),
        };
        // S blue sold out; XL only in black.
        let variants = vec![
            variant(10, [1, 4], 0),
            variant(11, [1, 5], 3),
            variant(12, [2, 4], 8),
            variant(13, [2, 5], 2),
            variant(14, [3, 5], 1),
        ];
        (options, variants)
    }

    #[test]
    fn an_address_chooses_a_variant_and_fills_what_it_leaves_out_with_one_in_stock() {
        let (options, variants) = shirt();
        let query = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
        };
        let plain = Choice::from_query(&options, &variants, query(&[]));
        assert_eq!(plain.variant.map(|v| v.id.0), Some(11), "the first variant in stock");
        let exact = Choice::from_query(&options, &variants, query(&[("size", "m"), ("colour", "black")]));
        assert_eq!(exact.variant.map(|v| v.id.0), Some(13));
        let partial = Choice::from_query(&options, &variants, query(&[("size", "xl")]));
        assert_eq!(partial.values, vec![Some(3), Some(5)]);
        let missing = Choice::from_query(&options, &variants, query(&[("size", "xl"), ("colour", "blue")]));
        assert_eq!(missing.variant, None, "XL blue is not sold");
        assert_eq!(missing.values, vec![Some(3), Some(4)]);
        let sold_out = Choice::from_query(&options, &variants, query(&[("size", "s"), ("colour", "blue")]));
        assert_eq!(sold_out.variant.map(|v| (v.id.0, v.stock)), Some((10, 0)));
        let unknown = Choice::from_query(&options, &variants, query(&[("size", "huge")]));
        assert_eq!(unknown.variant.map(|v| v.id.0), Some(11), "an unknown value is as if left out");
    }

    #[test]
    fn each_value_says_whether_it_can_be_had_with_the_others_chosen() {
        let (options, variants) = shirt();
        let blue = Choice::from_query(&options, &variants, |key| (key == "colour").then(|| "blue".into()));
        assert_eq!(blue.state_of(&variants, 0, 1), ValueState::SoldOut, "S in blue");
        assert_eq!(blue.state_of(&variants, 0, 2), ValueState::Available, "M in blue");
        assert_eq!(blue.state_of(&variants, 0, 3), ValueState::Unavailable, "XL in blue");
        assert_eq!(blue.query_with(&options, 0, "xl"), "size=xl&colour=blue");
    }

    #[test]
    fn discounts_round_to_whole_percent() {
        assert_eq!(discount_percent(dec!(10.00), dec!(7.50)), 25);
        assert_eq!(discount_percent(dec!(3.00), dec!(2.00)), 33);
        assert_eq!(discount_percent(dec!(10.00), dec!(10.00)), 0);
    }
}
