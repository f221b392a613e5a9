//! The cart's rules, on both targets: what a line costs, what stops it from
//! being ordered, how quantities and stock are worded.

use rust_decimal::Decimal;

use super::{Cart, CartLine};
use crate::error::AppError;
use crate::money::Currency;
use crate::product::VariantId;

/// The most of one product a cart line may hold.
pub const MAX_QUANTITY: i32 = 999;

impl CartLine {
    pub fn href(&self) -> String {
        match self.query.as_str() {
            "" => format!("/p/{}", self.slug),
            query => format!("/p/{}?{query}", self.slug),
        }
    }

    /// "Shirt — M / Blue", or the name alone.
    pub fn title(&self) -> String {
        crate::product::rules::variant_title(&self.name, &self.options)
    }

    pub fn line_total(&self) -> Decimal {
        self.unit_price * Decimal::from(self.quantity)
    }

    /// What stops this line from being ordered as it is, if anything.
    pub fn problem(&self) -> Option<String> {
        if !self.available {
            Some("This product is no longer sold. Remove it to check out.".into())
        } else if self.stock == 0 {
            Some("Sold out. Remove it to check out.".into())
        } else if self.quantity > self.stock {
            Some(format!("Only {} left: lower the quantity to check out.", self.stock))
        } else {
            None
        }
    }

    /// A note when the price moved since the product was added.
    pub fn price_note(&self, currency: Currency) -> Option<String> {
        (self.unit_price != self.seen_price).then(|| {
            let direction = if self.unit_price < self.seen_price { "dropped" } else { "went up" };
            format!(
                "The price {direction} from {} to {} since you added it.",
                currency.format(self.seen_price),
                currency.format(self.unit_price)
            )
        })
    }
}

impl Cart {
    pub fn count(&self) -> i32 {
        self.lines.iter().map(|line| line.quantity).sum()
    }

    pub fn subtotal(&self) -> Decimal {
        self.lines.iter().map(CartLine::line_total).sum()
    }

    /// True when every line can be ordered as it stands.
    pub fn ready(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|line| line.problem().is_none())
    }
}

/// The message for a quantity above what is in stock.
pub fn stock_message(name: &str, stock: i32) -> String {
    match stock {
        0 => format!("{name} is sold out."),
        1 => format!("Only 1 {name} is left."),
        n => format!("Only {n} of {name} are left."),
    }
}

/// A quantity a cart line may hold, or the field error saying which may.
pub fn check_quantity(quantity: i32) -> Result<(), AppError> {
    if (1..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(AppError::field("quantity", format!("Choose a quantity from 1 to {MAX_QUANTITY}.")))
    }
}

/// A quantity as typed in a form (a number field the browser could not read
/// posts nothing), checked: forms take it as text so that `abc` gets a field
/// message rather than a parser's.
pub fn parse_quantity(text: &str) -> Result<i32, AppError> {
    let text = text.trim();
    if text.is_empty() || !text.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::field("quantity", "Enter a whole number."));
    }
    // Digits too many for an i32 are far above the most a line may hold.
    let quantity = text.parse::<i32>().unwrap_or(if text.starts_with('-') { i32::MIN } else { i32::MAX });
    check_quantity(quantity)?;
    Ok(quantity)
}

/// The field a cart line's quantity errors are reported under: the cart
/// page shows a line's error beside that line's field.
pub fn line_field(variant: VariantId) -> String {
    format!("quantity-{}", variant.0)
}

/// `error` from changing `variant`'s line, reported beside that line's field
/// when it is about the quantity (out of range, more than is in stock).
pub fn for_line(variant: VariantId, error: AppError) -> AppError {
    match &error {
        AppError::Validation(_) | AppError::OutOfStock(_) => {
            let message = error.message_for("quantity").unwrap_or_else(|| error.to_string());
            AppError::field(&line_field(variant), message)
        }
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::{ProductId, VariantId};
    use rust_decimal_macros::dec;

    fn line(quantity: i32, stock: i32) -> CartLine {
        CartLine {
            product: ProductId(1),
            variant: VariantId(1),
            options: String::new(),
            query: String::new(),
            slug: "tea".into(),
            name: "Tea".into(),
            image: None,
            unit_price: dec!(3.50),
            seen_price: dec!(3.50),
            quantity,
            stock,
            available: true,
        }
    }

    #[test]
    fn typed_quantities_are_whole_numbers_in_range_or_say_what_is_wrong() {
        let number = Err(AppError::field("quantity", "Enter a whole number."));
        let range = Err(AppError::field("quantity", "Choose a quantity from 1 to 999."));
        assert_eq!(parse_quantity(" 3 "), Ok(3));
        assert_eq!(parse_quantity("abc"), number);
        assert_eq!(parse_quantity(""), number);
        assert_eq!(parse_quantity("1.5"), number);
        for bad in ["0", "-1", "999999", "99999999999999999999", "-99999999999999999999"] {
            assert_eq!(parse_quantity(bad), range, "{bad}");
        }
        let stock = for_line(VariantId(7), AppError::OutOfStock("Only 2 of Tea are left.".into()));
        assert_eq!(stock, AppError::field("quantity-7", "Only 2 of Tea are left."));
        assert_eq!(for_line(VariantId(7), AppError::NotFound), AppError::NotFound);
    }

    #[test]
    fn a_line_says_what_stops_it_from_being_ordered() {
        assert_eq!(line(2, 5).problem(), None);
        assert_eq!(line(2, 1).problem().as_deref(), Some("Only 1 left: lower the quantity to check out."));
        assert_eq!(line(1, 0).problem().as_deref(), Some("Sold out. Remove it to check out."));
        let withdrawn = CartLine { available: false, ..line(1, 5) };
        assert!(withdrawn.problem().unwrap().contains("no longer sold"));
        let cart = Cart { lines: vec![line(2, 5), line(1, 0)] };
        assert!(!cart.ready());
        assert_eq!((cart.count(), cart.subtotal()), (3, dec!(10.50)));
    }

    #[test]
    fn a_price_change_since_adding_is_noted_both_ways() {
        assert_eq!(line(1, 5).price_note(Currency::USD), None);
        let dearer = CartLine { seen_price: dec!(3.00), ..line(1, 5) };
        assert_eq!(
            dearer.price_note(Currency::USD).as_deref(),
            Some("The price went up from $3.00 to $3.50 since you added it.")
        );
        let cheaper = CartLine { seen_price: dec!(4.00), ..line(1, 5) };
        assert!(cheaper.price_note(Currency::USD).unwrap().starts_with("The price dropped from $4.00"));
    }

    #[test]
    fn quantities_run_from_one_to_the_maximum() {
        assert_eq!(check_quantity(1), Ok(()));
        assert_eq!(check_quantity(MAX_QUANTITY), Ok(()));
        for bad in [0, -1, MAX_QUANTITY + 1] {
            assert_eq!(check_quantity(bad), Err(AppError::field("quantity", "Choose a quantity from 1 to 999.")));
        }
        assert_eq!(stock_message("Tea", 0), "Tea is sold out.");
        assert_eq!(stock_message("Tea", 2), "Only 2 of Tea are left.");
    }
}
