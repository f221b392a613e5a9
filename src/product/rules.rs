//! What shoppers are told about a product's stock and offer, on both targets.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

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

    #[test]
    fn discounts_round_to_whole_percent() {
        assert_eq!(discount_percent(dec!(10.00), dec!(7.50)), 25);
        assert_eq!(discount_percent(dec!(3.00), dec!(2.00)), 33);
        assert_eq!(discount_percent(dec!(10.00), dec!(10.00)), 0);
    }
}
