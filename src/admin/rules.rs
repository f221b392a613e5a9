//! Validation of the admin forms, on both targets: the server applies these
//! before writing, and the CSV import applies the same to every row.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::{ProductInput, PromoInput};
use crate::catalog::rules::slugify;
use crate::error::{AppError, FieldErrors};

/// A product as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub name: String,
    pub slug: String,
    pub category_id: i64,
    pub description: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub active: bool,
    pub featured: bool,
}

const MAX_MONEY: Decimal = Decimal::from_parts(99_999_999, 0, 0, false, 0);

/// A money amount with at most two decimals, from `9.5`, `9.50` or `1,234.50`.
pub fn parse_money(value: &str) -> Option<Decimal> {
    let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
    let amount = Decimal::from_str(&cleaned).ok()?;
    (amount.scale() <= 2 && amount <= MAX_MONEY).then(|| amount.round_dp(2))
}

/// Checks every field of the product form; the errors name the fields.
pub fn product_draft(input: &ProductInput) -> Result<ProductDraft, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.insert("name".into(), "Enter the product's name.".into());
    } else if name.chars().count() > 200 {
        errors.insert("name".into(), "Use at most 200 characters.".into());
    }
    let slug = if input.slug.trim().is_empty() { slugify(&name) } else { input.slug.trim().to_owned() };
    if !name.is_empty() && !slug_is_valid(&slug) {
        errors.insert("slug".into(), "Use lowercase letters, digits and single hyphens, e.g. red-lentils-1-kg.".into());
    }
    let category_id = input.category_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
    if category_id.is_none() {
        errors.insert("category_id".into(), "Choose a category.".into());
    }
    let price = parse_money(&input.price);
    match price {
        None => {
            errors.insert("price".into(), "Enter a price such as 4.99.".into());
        }
        Some(p) if p <= Decimal::ZERO => {
            errors.insert("price".into(), "The price must be more than zero.".into());
        }
        _ => {}
    }
    let offer_price = if input.offer_price.trim().is_empty() {
        None
    } else {
        match parse_money(&input.offer_price) {
            None => {
                errors.insert("offer_price".into(), "Enter an offer price such as 3.99, or leave it empty.".into());
                None
            }
            Some(offer) if offer <= Decimal::ZERO => {
                errors.insert("offer_price".into(), "The offer price must be more than zero.".into());
                None
            }
            Some(offer) if price.is_some_and(|p| offer >= p) => {
                errors.insert("offer_price".into(), "The offer price must be below the price.".into());
                None
            }
            Some(offer) => Some(offer),
        }
    };
    let stock = match input.stock.trim().parse::<i64>() {
        Ok(n) if n < 0 => {
            errors.insert("stock".into(), "Stock cannot be negative.".into());
            0
        }
        Ok(n) if n > i64::from(i32::MAX) => {
            errors.insert("stock".into(), "That is more stock than the store can count.".into());
            0
        }
        Ok(n) => n as i32,
        Err(_) => {
            errors.insert("stock".into(), "Enter a whole number, 0 or more.".into());
            0
        }
    };
    if input.description.chars().count() > 10_000 {
        errors.insert("description".into(), "Use at most 10,000 characters.".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ProductDraft {
        name,
        slug,
        category_id: category_id.unwrap_or_default(),
        description: input.description.trim().to_owned(),
        price: price.unwrap_or_default(),
        offer_price,
        stock,
        active: checked(&input.active),
        featured: checked(&input.featured),
    })
}

/// A checkbox's value as forms post it (absent when unticked).
pub fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1" | "yes"))
}

pub fn slug_is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 200
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A category as it will be stored.
pub fn category_fields(name: &str, description: &str) -> Result<(String, String, String), AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = FieldErrors::new();
    if name.is_empty() {
        errors.insert("name".into(), "Enter the category's name.".into());
    } else if name.chars().count() > 100 {
        errors.insert("name".into(), "Use at most 100 characters.".into());
    }
    let slug = slugify(&name);
    if !name.is_empty() && slug.is_empty() {
        errors.insert("name".into(), "Use at least one letter or digit.".into());
    }
    if description.chars().count() > 2_000 {
        errors.insert("description".into(), "Use at most 2,000 characters.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((name, slug, description.trim().to_owned()))
}

/// A promo code as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoDraft {
    pub code: String,
    pub percent: bool,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    /// `YYYY-MM-DD`: valid through the end of that day (UTC).
    pub expires_on: Option<String>,
    pub usage_limit: Option<i32>,
}

pub fn promo_draft(input: &PromoInput) -> Result<PromoDraft, FieldErrors> {
    let mut errors = FieldErrors::new();
    let code = crate::checkout::rules::normalize_code(&input.code);
    if code.len() < 3 || code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        errors.insert("code".into(), "Use 3 to 32 letters, digits, hyphens or underscores.".into());
    }
    let percent = match input.kind.as_str() {
        "percent" => true,
        "fixed" => false,
        _ => {
            errors.insert("kind".into(), "Choose a percentage or a fixed amount.".into());
            false
        }
    };
    let value = parse_money(&input.value);
    match value {
        None => {
            errors.insert("value".into(), "Enter the discount, e.g. 10 or 5.00.".into());
        }
        Some(v) if v <= Decimal::ZERO => {
            errors.insert("value".into(), "The discount must be more than zero.".into());
        }
        Some(v) if percent && v > Decimal::ONE_HUNDRED => {
            errors.insert("value".into(), "A percentage is at most 100.".into());
        }
        _ => {}
    }
    let min_subtotal = if input.min_subtotal.trim().is_empty() {
        None
    } else {
        let parsed = parse_money(&input.min_subtotal).filter(|m| *m >= Decimal::ZERO);
        if parsed.is_none() {
            errors.insert("min_subtotal".into(), "Enter an amount such as 30.00, or leave it empty.".into());
        }
        parsed
    };
    let expires_on = input.expires_on.trim();
    let expires_on = if expires_on.is_empty() {
        None
    } else if is_date(expires_on) {
        Some(expires_on.to_owned())
    } else {
        errors.insert("expires_on".into(), "Enter a date as YYYY-MM-DD, or leave it empty.".into());
        None
    };
    let usage_limit = if input.usage_limit.trim().is_empty() {
        None
    } else {
        let parsed = input.usage_limit.trim().parse::<i32>().ok().filter(|n| *n > 0);
        if parsed.is_none() {
            errors.insert("usage_limit".into(), "Enter a whole number above zero, or leave it empty.".into());
        }
        parsed
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PromoDraft { code, percent, value: value.unwrap_or_default(), min_subtotal, expires_on, usage_limit })
}

/// `YYYY-MM-DD` with a plausible month and day (the database checks the rest).
pub fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
            && [y, m, d].iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
            && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&d.parse::<u32>().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn input() -> ProductInput {
        ProductInput {
            name: "  Smoked   Paprika ".into(),
            slug: String::new(),
            category_id: "3".into(),
            description: "Sweet and smoky.".into(),
            price: "4.50".into(),
            offer_price: String::new(),
            stock: "12".into(),
            active: Some("on".into()),
            featured: None,
        }
    }

    #[test]
    fn a_good_product_is_cleaned_and_gets_a_slug() {
        let draft = product_draft(&input()).unwrap();
        assert_eq!(draft.name, "Smoked Paprika");
        assert_eq!(draft.slug, "smoked-paprika");
        assert_eq!(draft.price, dec!(4.50));
        assert!(draft.active && !draft.featured);
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = ProductInput {
            name: String::new(),
            category_id: String::new(),
            price: "0".into(),
            offer_price: "abc".into(),
            stock: "-1".into(),
            ..input()
        };
        let errors = product_draft(&bad).unwrap_err();
        for field in ["name", "category_id", "price", "offer_price", "stock"] {
            assert!(errors.contains_key(field), "{field} missing from {errors:?}");
        }
        let offer_too_high = ProductInput { offer_price: "4.50".into(), ..input() };
        assert_eq!(
            product_draft(&offer_too_high).unwrap_err()["offer_price"],
            "The offer price must be below the price."
        );
        let bad_slug = ProductInput { slug: "Not A Slug".into(), ..input() };
        assert!(product_draft(&bad_slug).unwrap_err().contains_key("slug"));
        let three_decimals = ProductInput { price: "1.005".into(), ..input() };
        assert!(product_draft(&three_decimals).unwrap_err().contains_key("price"));
    }

    #[test]
    fn promo_codes_are_checked() {
        let good = PromoInput {
            code: " spring-25 ".into(),
            kind: "percent".into(),
            value: "25".into(),
            min_subtotal: String::new(),
            expires_on: "2027-03-31".into(),
            usage_limit: "100".into(),
        };
        let draft = promo_draft(&good).unwrap();
        assert_eq!(draft.code, "SPRING-25");
        assert_eq!(draft.expires_on.as_deref(), Some("2027-03-31"));
        let bad = PromoInput {
            code: "x".into(),
            value: "150".into(),
            expires_on: "31/03/2027".into(),
            usage_limit: "0".into(),
            ..good
        };
        let errors = promo_draft(&bad).unwrap_err();
        for field in ["code", "value", "expires_on", "usage_limit"] {
            assert!(errors.contains_key(field), "{field} missing from {errors:?}");
        }
    }
}
