//! Money rules of checkout, compiled for both targets: the checkout page shows
//! exactly the totals the server will charge, and the server never takes them
//! from the browser.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::format_money;
use crate::orders::Totals;

/// How a promo code takes money off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "discount_kind", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum DiscountKind {
    /// `value` percent of the subtotal.
    Percent,
    /// `value` in the store's currency, never more than the subtotal.
    Fixed,
}

/// A promo code as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoTerms {
    pub code: String,
    pub kind: DiscountKind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub expires_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i32>,
    pub used_count: i32,
    pub active: bool,
}

/// Why a promo code cannot be used, in words a shopper understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PromoRefusal {
    Unknown,
    Inactive,
    Expired,
    UsedUp,
    MinimumNotMet { minimum: Decimal },
}

impl PromoRefusal {
    pub fn message(&self, currency: &str) -> String {
        match self {
            PromoRefusal::Unknown => "We don't know that promo code. Check the spelling.".into(),
            PromoRefusal::Inactive => "That promo code is not active.".into(),
            PromoRefusal::Expired => "That promo code has expired.".into(),
            PromoRefusal::UsedUp => "That promo code has been used up.".into(),
            PromoRefusal::MinimumNotMet { minimum } => {
                format!("That promo code needs a subtotal of at least {}.", format_money(*minimum, currency))
            }
        }
    }
}

/// Codes are matched without regard to case or surrounding spaces.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Whether `promo` can be applied to `subtotal` at `now`.
pub fn check_promo(promo: &PromoTerms, subtotal: Decimal, now: DateTime<Utc>) -> Result<(), PromoRefusal> {
    if !promo.active {
        return Err(PromoRefusal::Inactive);
    }
    if promo.expires_at.is_some_and(|expires| expires <= now) {
        return Err(PromoRefusal::Expired);
    }
    if promo.usage_limit.is_some_and(|limit| promo.used_count >= limit) {
        return Err(PromoRefusal::UsedUp);
    }
    if let Some(minimum) = promo.min_subtotal
        && subtotal < minimum
    {
        return Err(PromoRefusal::MinimumNotMet { minimum });
    }
    Ok(())
}

/// The discount `promo` gives on `subtotal`: percentages round half away from
/// zero to the currency's smallest unit (the cent, the yen); neither kind
/// ever exceeds the subtotal.
pub fn discount(promo: &PromoTerms, subtotal: Decimal, currency: &str) -> Decimal {
    let amount = match promo.kind {
        DiscountKind::Percent => crate::money::round(subtotal * promo.value / Decimal::ONE_HUNDRED, currency),
        DiscountKind::Fixed => promo.value,
    };
    amount.min(subtotal).max(Decimal::ZERO)
}

/// The store's delivery charge: a flat fee, waived from a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingRates {
    pub fee: Decimal,
    /// Orders whose discounted subtotal reaches this ship free; `None`: never.
    pub free_from: Option<Decimal>,
}

/// Totals for lines of (unit price, quantity) with an optional applicable promo.
pub fn totals(
    lines: impl IntoIterator<Item = (Decimal, i32)>,
    promo: Option<&PromoTerms>,
    rates: ShippingRates,
    currency: &str,
) -> Totals {
    let subtotal: Decimal = lines.into_iter().map(|(price, quantity)| price * Decimal::from(quantity)).sum();
    let discount = promo.map_or(Decimal::ZERO, |promo| discount(promo, subtotal, currency));
    let after_discount = subtotal - discount;
    let shipping = if subtotal.is_zero() || rates.free_from.is_some_and(|from| after_discount >= from) {
        Decimal::ZERO
    } else {
        rates.fee
    };
    Totals { subtotal, discount, shipping, total: after_discount + shipping }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn promo(kind: DiscountKind, value: Decimal) -> PromoTerms {
        PromoTerms {
            code: "SAVE".into(),
            kind,
            value,
            min_subtotal: None,
            expires_at: None,
            usage_limit: None,
            used_count: 0,
            active: true,
        }
    }

    const RATES: ShippingRates = ShippingRates { fee: dec!(4.90), free_from: Some(dec!(50)) };

    #[test]
    fn totals_add_lines_and_charge_shipping_below_the_threshold() {
        let t = totals([(dec!(10.00), 2), (dec!(3.50), 1)], None, RATES, "USD");
        assert_eq!(t, Totals { subtotal: dec!(23.50), discount: dec!(0), shipping: dec!(4.90), total: dec!(28.40) });
    }

    #[test]
    fn shipping_is_free_from_the_threshold_after_discount() {
        assert_eq!(totals([(dec!(50.00), 1)], None, RATES, "USD").shipping, dec!(0));
        let ten_off = promo(DiscountKind::Fixed, dec!(10));
        let t = totals([(dec!(55.00), 1)], Some(&ten_off), RATES, "USD");
        assert_eq!((t.discount, t.shipping, t.total), (dec!(10), dec!(4.90), dec!(49.90)));
    }

    #[test]
    fn percent_discounts_round_to_the_cent_and_fixed_never_exceed_the_subtotal() {
        let third = promo(DiscountKind::Percent, dec!(15));
        assert_eq!(discount(&third, dec!(10.10), "USD"), dec!(1.52));
        let big = promo(DiscountKind::Fixed, dec!(100));
        assert_eq!(discount(&big, dec!(20), "USD"), dec!(20));
        let t = totals([(dec!(20), 1)], Some(&big), RATES, "USD");
        assert_eq!(t.total, dec!(4.90));
    }

    #[test]
    fn promo_refusals_name_the_reason() {
        let now = Utc::now();
        let mut p = promo(DiscountKind::Percent, dec!(10));
        assert_eq!(check_promo(&p, dec!(5), now), Ok(()));
        p.min_subtotal = Some(dec!(30));
        assert_eq!(check_promo(&p, dec!(29.99), now), Err(PromoRefusal::MinimumNotMet { minimum: dec!(30) }));
        p.usage_limit = Some(5);
        p.used_count = 5;
        assert_eq!(check_promo(&p, dec!(40), now), Err(PromoRefusal::UsedUp));
        p.expires_at = Some(now - chrono::Duration::seconds(1));
        assert_eq!(check_promo(&p, dec!(40), now), Err(PromoRefusal::Expired));
        p.active = false;
        assert_eq!(check_promo(&p, dec!(40), now), Err(PromoRefusal::Inactive));
        assert!(PromoRefusal::MinimumNotMet { minimum: dec!(30) }.message("USD").contains("$30.00"));
    }

    #[test]
    fn codes_are_normalized() {
        assert_eq!(normalize_code("  save10 "), "SAVE10");
    }

    #[test]
    fn a_percent_discount_rounds_to_the_currencys_smallest_unit() {
        let p = promo(DiscountKind::Percent, dec!(10));
        assert_eq!(discount(&p, dec!(1555), "JPY"), dec!(156));
        assert_eq!(discount(&p, dec!(15.55), "USD"), dec!(1.56));
        assert_eq!(totals([(dec!(1555), 1)], Some(&p), RATES, "JPY").total.fract(), dec!(0));
    }
}
