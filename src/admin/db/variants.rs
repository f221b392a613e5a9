//! A product's options and variants: defining the options makes the grid of
//! variants (one per combination of values), and each variant's SKU, price,
//! stock and picture are then set one by one.

use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::catalog::rules::slugify;
use crate::error::{AppError, ConstraintField};

/// One option as an admin names it: "Size" with "S", "M", "L".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    pub name: String,
    pub values: Vec<String>,
}

/// The most options a product may have, values an option may have, and
/// variants they may make together.
pub const MAX_OPTIONS: usize = 3;
pub const MAX_VALUES: usize = 30;
pub const MAX_VARIANTS: usize = 200;

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

/// Gives a product sold one way its options and a variant for every
/// combination of their values (the last option changing fastest). Its one
/// variant becomes the first combination and keeps its stock and SKU (with
/// the values added); the others start with no stock and the product's price.
/// Refused for a product that has options already. Answers the variants' ids
/// in grid order.
pub async fn define_options(
    conn: &mut PgConnection,
    product: i64,
    options: &[OptionSpec],
) -> Result<Vec<i64>, AppError> {
    check_options(options)?;
    // The product's row first: products before variants.
    let row = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM product_options WHERE product_id = p.id) AS "options!"
           FROM products p WHERE p.id = $1 FOR UPDATE"#,
        product
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    if row.options > 0 {
        return Err(AppError::field("options", "This product has its options already."));
    }
    let mut value_ids: Vec<Vec<(i64, String)>> = Vec::new();
    for (position, option) in options.iter().enumerate() {
        let name = option.name.trim();
        let option_id = sqlx::query_scalar!(
            "INSERT INTO product_options (product_id, name, slug, position) VALUES ($1, $2, $3, $4) RETURNING id",
            product,
            name,
            slugify(name),
            position as i32
        )
        .fetch_one(&mut *conn)
        .await?;
        let mut ids = Vec::new();
        for (position, value) in option.values.iter().enumerate() {
            let value = value.trim();
            let id = sqlx::query_scalar!(
                "INSERT INTO product_option_values (option_id, value, slug, position) VALUES ($1, $2, $3, $4) RETURNING id",
                option_id,
                value,
                slugify(value),
                position as i32
            )
            .fetch_one(&mut *conn)
            .await?;
            ids.push((id, slugify(value).to_uppercase()));
        }
        value_ids.push(ids);
    }
    let mut grid: Vec<Vec<&(i64, String)>> = vec![Vec::new()];
    for values in &value_ids {
        grid =
            grid.into_iter().flat_map(|combo| values.iter().map(move |v| [combo.clone(), vec![v]].concat())).collect();
    }
    let first =
        sqlx::query!("SELECT id, sku FROM product_variants WHERE product_id = $1 ORDER BY position, id", product)
            .fetch_one(&mut *conn)
            .await?;
    let mut ids = Vec::with_capacity(grid.len());
    for (position, combo) in grid.iter().enumerate() {
        let values: Vec<i64> = combo.iter().map(|(id, _)| *id).collect();
        let suffix: Vec<&str> = combo.iter().map(|(_, slug)| slug.as_str()).collect();
        let sku = format!("{}-{}", first.sku, suffix.join("-"));
        let id = if position == 0 {
            sqlx::query_scalar!(
                "UPDATE product_variants SET option_values = $2, sku = $3, updated_at = now() WHERE id = $1 RETURNING id",
                first.id,
                &values,
                sku
            )
            .fetch_one(&mut *conn)
            .await
        } else {
            sqlx::query_scalar!(
                "INSERT INTO product_variants (product_id, option_values, sku, stock, position)
                 VALUES ($1, $2, $3, 0, $4) RETURNING id",
                product,
                &values,
                sku,
                position as i32
            )
            .fetch_one(&mut *conn)
            .await
        };
        ids.push(id.map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?);
    }
    Ok(ids)
}

/// A variant as the admin's grid sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantEdit {
    pub sku: String,
    /// Both `None`: the product's price and offer.
    pub price: Option<Decimal>,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub active: bool,
    /// A picture of the product's, by its id.
    pub image: Option<i64>,
}

/// Variants' named constraints, as errors on the grid's fields.
pub const VARIANT_CONSTRAINTS: &[ConstraintField] = &[
    ("product_variants_sku_key", "sku", "Another variant already has this SKU."),
    ("product_variants_sku_check", "sku", "A SKU is 1 to 100 letters, digits, dots, dashes, underscores or slashes."),
    ("product_variants_price_check", "price", "The price must be above 0."),
    ("product_variants_offer_price_check", "offer_price", "The offer price must be below the price."),
    ("product_variants_own_price_check", "offer_price", "An offer needs a price of the variant's own."),
    ("product_variants_stock_check", "stock", "Stock must be 0 or more."),
    ("product_variants_image_id_fkey", "image", "That picture no longer exists."),
];

/// Sets one variant of `product`. `NotFound` when it is not one of its.
pub async fn update_variant(
    conn: &mut PgConnection,
    product: i64,
    variant: i64,
    edit: &VariantEdit,
) -> Result<(), AppError> {
    sqlx::query!("SELECT lock_products(ARRAY[$1::bigint])", product).execute(&mut *conn).await?;
    let done = sqlx::query!(
        "UPDATE product_variants
         SET sku = $3, price = $4, offer_price = $5, stock = $6, active = $7,
             image_id = (SELECT id FROM product_images WHERE id = $8 AND product_id = $1), updated_at = now()
         WHERE id = $2 AND product_id = $1",
        product,
        variant,
        edit.sku.trim(),
        edit.price,
        edit.offer_price,
        edit.stock,
        edit.active,
        edit.image
    )
    .execute(&mut *conn)
    .await
    .map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
