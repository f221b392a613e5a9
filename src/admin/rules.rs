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

/// One option as an admin names it: "Size" with "S", "M", "L".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OptionSpec {
    pub name: String,
    pub values: Vec<String>,
}

/// The most options a product may have, values an option may have, and
/// variants they may make together.
pub const MAX_OPTIONS: usize = 3;
pub const MAX_VALUES: usize = 30;
pub const MAX_VARIANTS: usize = 200;

/// What separates options and values where they are written as text: the
/// editor's box ("Size: S, M") and the CSV ("Size=M; Colour=Blue").
const SEPARATORS: [char; 4] = [',', ';', '=', ':'];

/// What is wrong with `options`, if anything, as one message for the form.
pub fn check_options(options: &[OptionSpec]) -> Result<(), AppError> {
    let refuse = |message: String| Err(AppError::field("options", message));
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return refuse(format!("Give from 1 to {MAX_OPTIONS} options."));
    }
    let mut names = std::collections::HashSet::new();
    let mut combinations = 1usize;
    for option in options {
        let name = option.name.trim();
        if name.is_empty() || name.chars().count() > 40 || slugify(name).is_empty() {
            return refuse("Name each option in 1 to 40 letters or digits.".into());
        }
        if name.contains(SEPARATORS) {
            return refuse("Option names and values cannot hold , ; = or :.".into());
        }
        if !names.insert(slugify(name)) {
            return refuse(format!("Two options are called {name}."));
        }
        if ["image", "review", "reviews"].contains(&slugify(name).as_str()) {
            return refuse(format!("{name} is a word the product page uses itself: choose another name."));
        }
        if option.values.is_empty() || option.values.len() > MAX_VALUES {
            return refuse(format!("Give {name} from 1 to {MAX_VALUES} values."));
        }
        let mut values = std::collections::HashSet::new();
        for value in &option.values {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > 40 || slugify(value).is_empty() {
                return refuse(format!("Each value of {name} needs 1 to 40 letters or digits."));
            }
            if value.contains(SEPARATORS) {
                return refuse("Option names and values cannot hold , ; = or :.".into());
            }
            if !values.insert(slugify(value)) {
                return refuse(format!("{name} has {value} twice."));
            }
        }
        combinations *= option.values.len();
    }
    if combinations > MAX_VARIANTS {
        return refuse(format!(
            "These options make {combinations} variants; a product may have at most {MAX_VARIANTS}."
        ));
    }
    Ok(())
}

/// Options as the editor's box holds them, one a line: "Size: S, M, L".
pub fn parse_options(text: &str) -> Result<Vec<OptionSpec>, AppError> {
    let mut options = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, values)) = line.split_once(':') else {
            return Err(AppError::field(
                "options",
                format!("Write \"{line}\" as its name, a colon, then its values: Size: S, M, L."),
            ));
        };
        let values = values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
        options.push(OptionSpec { name: name.trim().to_owned(), values });
    }
    check_options(&options)?;
    Ok(options)
}

/// Values to add to a product's options, written as the options box writes
/// options ("Colour: Green", one a line); checked with the product's own
/// options by `admin::db::add_option_values`.
pub fn parse_option_additions(text: &str) -> Result<Vec<OptionSpec>, AppError> {
    let mut additions = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, values)) = line.split_once(':') else {
            return Err(AppError::field(
                "options",
                format!("Write \"{line}\" as the option's name, a colon, then the new values: Colour: Green."),
            ));
        };
        let values: Vec<String> =
            values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
        if values.is_empty() {
            return Err(AppError::field("options", format!("Give {} at least one new value.", name.trim())));
        }
        additions.push(OptionSpec { name: name.trim().to_owned(), values });
    }
    if additions.is_empty() {
        return Err(AppError::field("options", "Name an option and its new values: Colour: Green.".to_owned()));
    }
    Ok(additions)
}

/// A variant row as the grid posts it; `id` names the variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VariantInput {
    pub id: String,
    pub sku: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub offer_price: String,
    pub stock: String,
    #[serde(default)]
    pub active: Option<String>,
    /// The pictures ticked, by their place in the gallery: `images[2]=41`.
    #[serde(default)]
    pub images: std::collections::BTreeMap<String, String>,
}

/// A variant as the admin's grid (or a CSV line) sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantEdit {
    pub sku: String,
    /// Both `None`: the product's price and offer.
    pub price: Option<Decimal>,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub active: bool,
    /// Pictures of the product's, by id, in the order shown.
    pub images: Vec<i64>,
}

/// The field a grid cell's error is reported under: `stock-12`.
pub fn cell(field: &str, variant: i64) -> String {
    format!("{field}-{variant}")
}

/// Reads every row of the grid as (variant, edit), or every cell's problem
/// (keyed by `cell`).
pub fn variant_rows(rows: &[VariantInput]) -> Result<Vec<(i64, VariantEdit)>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut read = Vec::new();
    for row in rows {
        let Ok(id) = row.id.trim().parse::<i64>() else {
            errors.insert("variants".into(), "The table is out of date: reload the page.".into());
            continue;
        };
        let sku = row.sku.trim().to_owned();
        if sku.is_empty()
            || sku.chars().count() > 100
            || !sku.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
            || !sku.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            errors.insert(
                cell("sku", id),
                "A SKU is 1 to 100 letters, digits, dots, dashes, underscores or slashes.".into(),
            );
        }
        let money = |text: &str, field: &str, errors: &mut FieldErrors| -> Option<Decimal> {
            if text.trim().is_empty() {
                return None;
            }
            let amount = parse_money(text).filter(|a| *a > Decimal::ZERO);
            if amount.is_none() {
                errors.insert(cell(field, id), "Enter an amount above zero, like 19.99.".into());
            }
            amount
        };
        let price = money(&row.price, "price", &mut errors);
        let offer_price = money(&row.offer_price, "offer_price", &mut errors);
        match (price, offer_price) {
            (None, Some(_)) if row.price.trim().is_empty() => {
                errors
                    .insert(cell("offer_price", id), "Give the variant a price of its own to put it on offer.".into());
            }
            (Some(price), Some(offer)) if offer >= price => {
                errors.insert(cell("offer_price", id), "The offer price must be below the price.".into());
            }
            _ => {}
        }
        let stock = row.stock.trim().parse::<i32>().ok().filter(|s| *s >= 0);
        if stock.is_none() {
            errors.insert(cell("stock", id), "Stock must be a whole number, 0 or more.".into());
        }
        let mut ticked: Vec<(usize, i64)> = row
            .images
            .iter()
            .filter_map(|(place, image)| Some((place.parse().ok()?, image.trim().parse().ok()?)))
            .collect();
        ticked.sort();
        let images = ticked.into_iter().map(|(_, image)| image).collect();
        read.push((
            id,
            VariantEdit { sku, price, offer_price, stock: stock.unwrap_or(0), active: row.active.is_some(), images },
        ));
    }
    if errors.is_empty() { Ok(read) } else { Err(errors) }
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

    #[test]
    fn options_are_read_one_a_line_and_refused_with_what_is_wrong() {
        let read = parse_options("Size: S, M, L\n\n Colour : Blue,Black ").unwrap();
        assert_eq!(
            read,
            vec![
                OptionSpec { name: "Size".into(), values: vec!["S".into(), "M".into(), "L".into()] },
                OptionSpec { name: "Colour".into(), values: vec!["Blue".into(), "Black".into()] },
            ]
        );
        let message = |text: &str| parse_options(text).unwrap_err().message_for("options").unwrap();
        assert_eq!(message(""), "Give from 1 to 3 options.");
        assert_eq!(message("Size: S\nsize: M"), "Two options are called size.");
        assert_eq!(message("Image: A"), "Image is a word the product page uses itself: choose another name.");
        assert_eq!(message("Size:"), "Give Size from 1 to 30 values.");
        let many = format!(
            "A: {}\nB: {}",
            (0..20).map(|n| n.to_string()).collect::<Vec<_>>().join(","),
            (0..20).map(|n| n.to_string()).collect::<Vec<_>>().join(",")
        );
        assert_eq!(message(&many), "These options make 400 variants; a product may have at most 200.");
    }

    #[test]
    fn a_grid_row_is_read_whole_or_every_bad_cell_is_named() {
        let row = |sku: &str, price: &str, offer: &str, stock: &str| VariantInput {
            id: "7".into(),
            sku: sku.into(),
            price: price.into(),
            offer_price: offer.into(),
            stock: stock.into(),
            active: Some("on".into()),
            images: Default::default(),
        };
        let good = variant_rows(&[row("TEE-M", "", "", "4")]).unwrap();
        assert_eq!(
            good[0],
            (
                7,
                VariantEdit {
                    sku: "TEE-M".into(),
                    price: None,
                    offer_price: None,
                    stock: 4,
                    active: true,
                    images: vec![]
                }
            )
        );
        // Pictures ticked come back in the gallery's order, whatever order the form sent them in.
        let pictured = VariantInput {
            images: [
                ("10".to_owned(), "55".to_owned()),
                ("2".to_owned(), "41".to_owned()),
                ("x".to_owned(), "9".to_owned()),
            ]
            .into(),
            ..row("TEE-L", "", "", "1")
        };
        assert_eq!(variant_rows(&[pictured]).unwrap()[0].1.images, [41, 55]);
        let errors = variant_rows(&[row("-bad sku", "0", "", "-1")]).unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["price-7", "sku-7", "stock-7"]);
        let offer = variant_rows(&[row("A", "", "3.00", "1")]).unwrap_err();
        assert_eq!(offer["offer_price-7"], "Give the variant a price of its own to put it on offer.");
        let above = variant_rows(&[row("A", "3.00", "3.00", "1")]).unwrap_err();
        assert_eq!(above["offer_price-7"], "The offer price must be below the price.");
    }
}
