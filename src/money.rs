//! Money, shared by every feature on both targets: how many decimals the
//! store's currency has, amounts in its minor unit for the payment provider,
//! and amounts written for people.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Digits after the decimal point of `currency`'s minor unit, as the payment
/// provider counts them (Stripe's lists): none for the yen or the won, three
/// for the Kuwaiti or Bahraini dinar, two for the rest.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "JPY" | "KMF" | "KRW" | "MGA" | "PYG" | "RWF" | "UGX" | "VND" | "VUV"
        | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "JOD" | "KWD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `amount` rounded (half away from zero) to what `currency` can be paid in.
pub fn round(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp_with_strategy(exponent(currency), RoundingStrategy::MidpointAwayFromZero)
}

/// The amount in `currency`'s minor unit, as payment providers take it: 1,500
/// yen is 1500, $28.40 is 2840, 1.250 dinar is 1250. `None` when the amount
/// has a finer fraction than the currency (it was never rounded to it), is
/// negative, or is too large.
pub fn minor_units(amount: Decimal, currency: &str) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::from(10_i64.pow(exponent(currency))))?;
    if scaled.is_sign_negative() || scaled.fract() != Decimal::ZERO {
        return None;
    }
    scaled.to_i64()
}

/// `amount` as shoppers read it: the currency's sign or code, thousands
/// grouped, and as many decimals as the currency has.
pub fn format_money(amount: Decimal, currency: &str) -> String {
    let places = exponent(currency);
    let rounded = round(amount, currency);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    let sign = if negative { "-" } else { "" };
    match currency {
        "USD" => format!("{sign}${grouped}"),
        "EUR" => format!("{sign}€{grouped}"),
        "GBP" => format!("{sign}£{grouped}"),
        code => format!("{sign}{code} {grouped}"),
    }
}

/// The store's currency (an ISO 4217 code), given to views once: `App`
/// provides it at the root, every price in a view formats through it, and
/// the data views load carries amounts only. Orders carry their own
/// currency, the one they were placed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    /// `code` when it is three capital letters.
    pub fn parse(code: &str) -> Option<Self> {
        let bytes: [u8; 3] = code.as_bytes().try_into().ok()?;
        bytes.iter().all(u8::is_ascii_uppercase).then_some(Currency(bytes))
    }

    pub fn code(&self) -> &str {
        // Three ASCII capitals, checked in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("USD")
    }

    /// `amount` as shoppers read it (see `format_money`).
    pub fn format(self, amount: Decimal) -> String {
        format_money(amount, self.code())
    }

    /// In the browser, makes the store's currency the one `use_currency`
    /// answers: the `data-currency` the server wrote on `<html>` (on the
    /// server, `startup::router` provides it from the configuration).
    pub fn provide() {
        #[cfg(not(feature = "ssr"))]
        {
            let code = leptos::prelude::document()
                .document_element()
                .and_then(|html| html.get_attribute("data-currency"))
                .and_then(|code| Self::parse(&code));
            leptos::prelude::provide_context(code.unwrap_or(Self::USD));
        }
    }
}

/// The store's currency, as provided to the render.
pub fn use_currency() -> Currency {
    leptos::prelude::use_context::<Currency>().unwrap_or(Currency::USD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_is_grouped_and_has_the_currencys_decimals() {
        assert_eq!(format_money(dec!(1299), "USD"), "$1,299.00");
        assert_eq!(format_money(dec!(4.5), "EUR"), "€4.50");
        assert_eq!(format_money(dec!(1234567.891), "CHF"), "CHF 1,234,567.89");
        assert_eq!(format_money(dec!(999.99), "GBP"), "£999.99");
        assert_eq!(format_money(dec!(-3.5), "USD"), "-$3.50");
        assert_eq!(format_money(dec!(1500), "JPY"), "JPY 1,500");
        assert_eq!(format_money(dec!(1.25), "KWD"), "KWD 1.250");
    }

    #[test]
    fn minor_units_follow_the_currencys_exponent() {
        assert_eq!(minor_units(dec!(28.40), "USD"), Some(2840));
        assert_eq!(minor_units(dec!(28.4), "EUR"), Some(2840));
        assert_eq!(minor_units(dec!(1500), "JPY"), Some(1500), "zero-decimal: not 150000");
        assert_eq!(minor_units(dec!(1500.00), "KRW"), Some(1500));
        assert_eq!(minor_units(dec!(1.25), "KWD"), Some(1250), "three-decimal: not 125");
        assert_eq!(minor_units(dec!(12.345), "BHD"), Some(12345));
        assert_eq!(minor_units(dec!(155.5), "JPY"), None, "half a yen cannot be charged");
        assert_eq!(minor_units(dec!(0.005), "USD"), None);
        assert_eq!(minor_units(dec!(-1), "USD"), None);
        assert_eq!(minor_units(Decimal::MAX, "USD"), None);
    }

    #[test]
    fn a_currency_is_three_capitals() {
        assert_eq!(Currency::parse("EUR").map(|c| c.format(dec!(4.5))), Some("€4.50".to_owned()));
        assert_eq!(Currency::parse("JPY").map(|c| c.code().to_owned()), Some("JPY".to_owned()));
        assert_eq!(Currency::parse("eur"), None);
        assert_eq!(Currency::parse("EURO"), None);
        assert_eq!(Currency::parse("€"), None);
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_the_currency() {
        assert_eq!(round(dec!(155.5), "JPY"), dec!(156));
        assert_eq!(round(dec!(2.345), "USD"), dec!(2.35));
        assert_eq!(round(dec!(1.2345), "KWD"), dec!(1.235));
    }
}
