//! A product's options and variants: defining the options makes the grid of
//! variants (one per combination of values), and each variant's SKU, price,
//! stock and picture are then set one by one.

use rust_decimal::Decimal;
use sqlx::PgConnection;

pub use crate::admin::rules::{MAX_OPTIONS, MAX_VALUES, MAX_VARIANTS, OptionSpec, VariantEdit, check_options};
use crate::catalog::rules::slugify;
use crate::error::{AppError, ConstraintField};

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
            let id = insert_value(conn, option_id, value, position).await?;
            ids.push((id, slugify(value).to_uppercase()));
        }
        value_ids.push(ids);
    }
    let grid = combinations(&value_ids);
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

/// Adds values to a product's options ("Colour: Green", one option a line,
/// named as the product names them in any letter case), each after the
/// option's values, and a variant for every new combination: no stock and
/// not on sale until the grid sets them, their SKUs the product's slug and
/// their values (`SHIRT-XL-GREEN`), after the product's other variants.
/// Refused with one message for the box when an option is not the
/// product's, a value is there already, or the limits would be passed.
/// Answers how many variants were made.
pub async fn add_option_values(
    conn: &mut PgConnection,
    product: i64,
    additions: &[OptionSpec],
) -> Result<usize, AppError> {
    sqlx::query!("SELECT lock_products(ARRAY[$1::bigint])", product).execute(&mut *conn).await?;
    let slug = sqlx::query_scalar!("SELECT slug FROM products WHERE id = $1", product)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (options, _) = crate::catalog::db::product_variants(conn, product).await?;
    if options.is_empty() {
        return Err(AppError::field("options", "This product has no options yet: give it some first."));
    }
    let refuse = |message: String| Err(AppError::field("options", message));
    // Every option's values after the additions, as the limits check them.
    let mut merged: Vec<OptionSpec> = options
        .iter()
        .map(|o| OptionSpec { name: o.name.clone(), values: o.values.iter().map(|v| v.value.clone()).collect() })
        .collect();
    for addition in additions {
        let Some(at) = options.iter().position(|o| o.slug == slugify(&addition.name)) else {
            let names: Vec<&str> = options.iter().map(|o| o.name.as_str()).collect();
            return refuse(format!(
                "{} is not an option of this product: add values to {}.",
                addition.name.trim(),
                names.join(" or ")
            ));
        };
        for value in &addition.values {
            if merged[at].values.iter().any(|v| slugify(v) == slugify(value)) {
                return refuse(format!("{} has {} already.", options[at].name, value.trim()));
            }
            merged[at].values.push(value.trim().to_owned());
        }
    }
    check_options(&merged)?;
    // The new values, then every combination holding one of them.
    let mut grid: Vec<Vec<(i64, String, bool)>> = Vec::with_capacity(options.len());
    for (option, spec) in options.iter().zip(&merged) {
        let option_id = sqlx::query_scalar!(
            "SELECT id FROM product_options WHERE product_id = $1 AND slug = $2",
            product,
            option.slug
        )
        .fetch_one(&mut *conn)
        .await?;
        let mut values: Vec<(i64, String, bool)> =
            option.values.iter().map(|v| (v.id, v.slug.to_uppercase(), false)).collect();
        for (position, value) in spec.values.iter().enumerate().skip(option.values.len()) {
            let id = insert_value(conn, option_id, value, position).await?;
            values.push((id, slugify(value).to_uppercase(), true));
        }
        grid.push(values);
    }
    let combos = combinations(&grid);
    let next = sqlx::query_scalar!(
        r#"SELECT COALESCE(max(position) + 1, 0) AS "next!" FROM product_variants WHERE product_id = $1"#,
        product
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut made = 0;
    for combo in combos.iter().filter(|combo| combo.iter().any(|(_, _, new)| *new)) {
        let values: Vec<i64> = combo.iter().map(|(id, _, _)| *id).collect();
        let suffix: Vec<&str> = combo.iter().map(|(_, slug, _)| slug.as_str()).collect();
        let sku = format!("{}-{}", slug.to_uppercase(), suffix.join("-"));
        sqlx::query!(
            "INSERT INTO product_variants (product_id, option_values, sku, stock, active, position)
             VALUES ($1, $2, $3, 0, false, $4)",
            product,
            &values,
            sku,
            next + made as i32
        )
        .execute(&mut *conn)
        .await
        .map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?;
        made += 1;
    }
    Ok(made)
}

/// Adds `value` (trimmed) to an option at `position`; answers its id.
async fn insert_value(conn: &mut PgConnection, option: i64, value: &str, position: usize) -> sqlx::Result<i64> {
    let value = value.trim();
    sqlx::query_scalar!(
        "INSERT INTO product_option_values (option_id, value, slug, position) VALUES ($1, $2, $3, $4) RETURNING id",
        option,
        value,
        slugify(value),
        position as i32
    )
    .fetch_one(conn)
    .await
}

/// Every combination of one value from each list, the last list changing fastest.
fn combinations<T>(lists: &[Vec<T>]) -> Vec<Vec<&T>> {
    let mut combos: Vec<Vec<&T>> = vec![Vec::new()];
    for values in lists {
        combos = combos
            .into_iter()
            .flat_map(|combo| values.iter().map(move |v| [combo.clone(), vec![v]].concat()))
            .collect();
    }
    combos
}

/// Variants' named constraints, as errors on the grid's fields.
pub const VARIANT_CONSTRAINTS: &[ConstraintField] = &[
    ("product_variants_sku_key", "sku", "Another variant already has this SKU."),
    ("product_variants_sku_check", "sku", "A SKU is 1 to 100 letters, digits, dots, dashes, underscores or slashes."),
    ("product_variants_price_check", "price", "The price must be above 0."),
    ("product_variants_offer_price_check", "offer_price", "The offer price must be below the price."),
    ("product_variants_own_price_check", "offer_price", "An offer needs a price of the variant's own."),
    ("product_variants_stock_check", "stock", "Stock must be 0 or more."),
    ("product_variant_images_image_fkey", "images", "That picture no longer exists."),
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
         SET sku = $3, price = $4, offer_price = $5, stock = $6, active = $7, updated_at = now()
         WHERE id = $2 AND product_id = $1",
        product,
        variant,
        edit.sku.trim(),
        edit.price,
        edit.offer_price,
        edit.stock,
        edit.active
    )
    .execute(&mut *conn)
    .await
    .map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    set_pictures(conn, product, variant, &edit.images).await
}

/// Gives a variant these pictures of its product's, in this order (others
/// are left out); untouched when they are what it has.
async fn set_pictures(conn: &mut PgConnection, product: i64, variant: i64, images: &[i64]) -> Result<(), AppError> {
    let mut wanted: Vec<i64> = Vec::with_capacity(images.len());
    for id in images {
        if !wanted.contains(id) {
            wanted.push(*id);
        }
    }
    let current = sqlx::query_scalar!(
        r#"SELECT ARRAY(SELECT image_id FROM product_variant_images WHERE variant_id = $1 ORDER BY position, image_id)
           AS "images!""#,
        variant
    )
    .fetch_one(&mut *conn)
    .await?;
    if current == wanted {
        return Ok(());
    }
    sqlx::query!("DELETE FROM product_variant_images WHERE variant_id = $1", variant).execute(&mut *conn).await?;
    sqlx::query!(
        "INSERT INTO product_variant_images (variant_id, product_id, image_id, position)
         SELECT $1, $2, i.id, (t.place - 1)::int
         FROM unnest($3::bigint[]) WITH ORDINALITY AS t(id, place)
         JOIN product_images i ON i.id = t.id AND i.product_id = $2",
        variant,
        product,
        &wanted
    )
    .execute(&mut *conn)
    .await
    .map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?;
    Ok(())
}

/// A product's options and the grid of its variants, for the editor.
pub async fn admin_variants(conn: &mut PgConnection, product: i64) -> sqlx::Result<crate::admin::AdminVariants> {
    let (options, _) = crate::catalog::db::product_variants(conn, product).await?;
    let rows = sqlx::query!(
        r#"SELECT v.id, variant_label(v.option_values) AS "label!", v.sku, v.price, v.offer_price, v.stock, v.active,
                  ARRAY(SELECT x.image_id FROM product_variant_images x WHERE x.variant_id = v.id
                        ORDER BY x.position, x.image_id) AS "images!"
           FROM product_variants v WHERE v.product_id = $1 ORDER BY v.position, v.id"#,
        product
    )
    .fetch_all(&mut *conn)
    .await?;
    let money = |amount: Option<Decimal>| amount.map(|a| a.to_string()).unwrap_or_default();
    Ok(crate::admin::AdminVariants {
        options: options
            .into_iter()
            .map(|o| OptionSpec { name: o.name, values: o.values.into_iter().map(|v| v.value).collect() })
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| crate::admin::AdminVariant {
                id: r.id,
                label: r.label,
                sku: r.sku,
                price: money(r.price),
                offer_price: money(r.offer_price),
                stock: r.stock,
                active: r.active,
                images: r.images,
            })
            .collect(),
    })
}

/// A variant as the warehouse knows it, by SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuStock {
    pub variant: i64,
    pub product: i64,
    pub sku: String,
    /// "Shirt — M / Blue".
    pub title: String,
    pub stock: i32,
    /// What a shopper pays for it now.
    pub price: Decimal,
}

/// The variant with this SKU (any letter case), if any.
pub async fn stock_by_sku(db: impl sqlx::PgExecutor<'_>, sku: &str) -> sqlx::Result<Option<SkuStock>> {
    let row = sqlx::query!(
        r#"SELECT v.id, v.product_id, v.sku, p.name, variant_label(v.option_values) AS "options!", v.stock,
                  variant_sale_price(v.price, v.offer_price, p.price, p.offer_price) AS "price!"
           FROM product_variants v JOIN products p ON p.id = v.product_id
           WHERE lower(v.sku) = lower($1)"#,
        sku
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SkuStock {
        variant: r.id,
        product: r.product_id,
        sku: r.sku,
        title: crate::product::rules::variant_title(&r.name, &r.options),
        stock: r.stock,
        price: r.price,
    }))
}

/// Sets the stock of the variant with this SKU: its product's row is locked
/// first (products before variants). Answers it before and after, or `None`
/// when no variant has the SKU.
pub async fn set_stock_by_sku(
    conn: &mut PgConnection,
    sku: &str,
    stock: i32,
) -> Result<Option<(SkuStock, SkuStock)>, AppError> {
    let Some(before) = stock_by_sku(&mut *conn, sku).await? else { return Ok(None) };
    sqlx::query!("SELECT lock_products(ARRAY[$1::bigint])", before.product).execute(&mut *conn).await?;
    sqlx::query!("UPDATE product_variants SET stock = $2, updated_at = now() WHERE id = $1", before.variant, stock)
        .execute(&mut *conn)
        .await?;
    let after = stock_by_sku(&mut *conn, &before.sku).await?.ok_or(AppError::NotFound)?;
    Ok(Some((before, after)))
}

/// A variant as an import finds it: by its options' names and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantKey {
    pub id: i64,
    pub sku: String,
    /// ("Size", "M"), in the options' order; empty for a product sold one way.
    pub values: Vec<(String, String)>,
    pub price: Option<Decimal>,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub active: bool,
    pub images: Vec<i64>,
}

impl VariantKey {
    /// Whether `options` name this variant (names and values in any letter case).
    pub fn is(&self, options: &[(String, String)]) -> bool {
        self.values.len() == options.len()
            && options.iter().all(|(name, value)| {
                self.values.iter().any(|(n, v)| n.eq_ignore_ascii_case(name) && v.eq_ignore_ascii_case(value))
            })
    }

    /// The variant as it is, as an edit to start from.
    pub fn edit(&self) -> VariantEdit {
        VariantEdit {
            sku: self.sku.clone(),
            price: self.price,
            offer_price: self.offer_price,
            stock: self.stock,
            active: self.active,
            images: self.images.clone(),
        }
    }
}

/// A product's variants with their options' names and values.
pub async fn variant_keys(db: impl sqlx::PgExecutor<'_>, product: i64) -> sqlx::Result<Vec<VariantKey>> {
    let rows = sqlx::query!(
        r#"SELECT v.id, v.sku, v.price, v.offer_price, v.stock, v.active,
                  ARRAY(SELECT x.image_id FROM product_variant_images x WHERE x.variant_id = v.id
                        ORDER BY x.position, x.image_id) AS "images!",
                  ARRAY(SELECT o.name FROM product_option_values ov JOIN product_options o ON o.id = ov.option_id
                        WHERE ov.id = ANY(v.option_values) ORDER BY o.position, o.id) AS "names!",
                  ARRAY(SELECT ov.value FROM product_option_values ov JOIN product_options o ON o.id = ov.option_id
                        WHERE ov.id = ANY(v.option_values) ORDER BY o.position, o.id) AS "values!"
           FROM product_variants v WHERE v.product_id = $1 ORDER BY v.position, v.id"#,
        product
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| VariantKey {
            id: r.id,
            sku: r.sku,
            values: r.names.into_iter().zip(r.values).collect(),
            price: r.price,
            offer_price: r.offer_price,
            stock: r.stock,
            active: r.active,
            images: r.images,
        })
        .collect())
}

/// Gives a product sold one way's variant `sku`.
pub async fn set_only_variant_sku(conn: &mut PgConnection, product: i64, sku: &str) -> Result<(), AppError> {
    sqlx::query!("SELECT lock_products(ARRAY[$1::bigint])", product).execute(&mut *conn).await?;
    sqlx::query!(
        "UPDATE product_variants SET sku = $2, updated_at = now() WHERE product_id = $1 AND sku <> $2",
        product,
        sku
    )
    .execute(&mut *conn)
    .await
    .map_err(|error| AppError::from_constraint(error, VARIANT_CONSTRAINTS))?;
    Ok(())
}
