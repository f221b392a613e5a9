//! Products: the admin table, the editor's reads and writes, stock and price edits.

use super::*;

/// One page of the product table, with the number of matching products.
pub async fn products(db: impl PgExecutor<'_>, filter: &ProductFilter) -> sqlx::Result<(Vec<ProductRow>, bool, i64)> {
    let search = filter.search.trim();
    let rows = sqlx::query!(
        r#"SELECT p.id, p.name, p.slug, c.name AS category, p.price, p.offer_price, p.stock, p.active,
                  p.archived_at IS NOT NULL AS "archived!",
                  (SELECT i.storage_key FROM product_images i WHERE i.product_id = p.id
                   ORDER BY i.is_primary DESC, i.position, i.id LIMIT 1) AS image,
                  count(*) OVER () AS "total!"
           FROM products p JOIN categories c ON c.id = p.category_id
           WHERE ($1 = '' OR p.name ILIKE $2 OR p.slug ILIKE $2)
             AND ($3::bigint IS NULL OR p.category_id = $3)
             AND CASE $4
                   WHEN 'active' THEN p.active
                   WHEN 'draft' THEN NOT p.active AND p.archived_at IS NULL
                   WHEN 'archived' THEN p.archived_at IS NOT NULL
                   ELSE p.archived_at IS NULL
                 END
             AND (NOT $5 OR p.stock = 0)
             AND (NOT $6 OR p.offer_price IS NOT NULL)
           ORDER BY CASE WHEN $7 = 'price' THEN p.sale_price END,
                    CASE WHEN $7 = 'stock' THEN p.stock END,
                    CASE WHEN $7 = 'newest' THEN p.created_at END DESC,
                    lower(p.name), p.id
           LIMIT $8 OFFSET $9"#,
        search,
        contains_pattern(search),
        filter.category,
        filter.state.param(),
        filter.out_of_stock,
        filter.on_offer,
        filter.sort.param(),
        PAGE_SIZE + 1,
        offset(filter.page)
    )
    .fetch_all(db)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let (rows, has_next) = crate::db::one_page(rows, PAGE_SIZE);
    let products = rows
        .into_iter()
        .map(|r| ProductRow {
            id: r.id,
            name: r.name,
            slug: r.slug,
            category: r.category,
            price: r.price,
            offer_price: r.offer_price,
            stock: r.stock,
            active: r.active,
            archived: r.archived,
            image: r.image,
        })
        .collect();
    Ok((products, has_next, total))
}

/// The catalog's unique and foreign-key constraints, as form errors.
const PRODUCT_CONSTRAINTS: &[ConstraintField] = &[
    ("products_name_key", "name", "Another product already has this name."),
    ("products_slug_key", "slug", "Another product already uses this slug."),
    ("products_category_id_fkey", "category_id", "That category no longer exists."),
];

fn product_conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, PRODUCT_CONSTRAINTS)
}

/// The editable fields of a product, for the form and the audit log.
pub async fn product_input(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<(ProductInput, bool, bool)>> {
    let row = sqlx::query!(
        r#"SELECT name, slug, category_id, description, price, offer_price, stock, active, featured,
                  archived_at IS NOT NULL AS "archived!",
                  EXISTS (SELECT 1 FROM order_items i WHERE i.product_id = p.id) AS "sold!"
           FROM products p WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let flag = |b: bool| b.then(|| "on".to_owned());
        (
            ProductInput {
                name: r.name,
                slug: r.slug,
                category_id: r.category_id.to_string(),
                description: r.description,
                price: r.price.to_string(),
                offer_price: r.offer_price.map(|p| p.to_string()).unwrap_or_default(),
                stock: r.stock.to_string(),
                active: flag(r.active),
                featured: flag(r.featured),
            },
            r.archived,
            r.sold,
        )
    }))
}

pub fn draft_json(d: &ProductDraft) -> Value {
    json!({
        "name": d.name, "slug": d.slug, "category_id": d.category_id, "description": d.description,
        "price": d.price.to_string(), "offer_price": d.offer_price.map(|p| p.to_string()),
        "stock": d.stock, "active": d.active, "featured": d.featured,
    })
}

pub fn input_json(i: &ProductInput) -> Value {
    json!({
        "name": i.name, "slug": i.slug, "category_id": i.category_id.parse::<i64>().ok(), "description": i.description,
        "price": i.price, "offer_price": (!i.offer_price.is_empty()).then(|| i.offer_price.clone()),
        "stock": i.stock.parse::<i32>().ok(), "active": i.active.is_some(), "featured": i.featured.is_some(),
    })
}

/// Refuses a name another product has (any letter case) before the write, so
/// the form names the field a person chose rather than the derived slug.
async fn check_name_free(conn: &mut PgConnection, id: Option<i64>, name: &str) -> Result<(), AppError> {
    let taken = sqlx::query_scalar!(
        "SELECT id FROM products WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2",
        name,
        id
    )
    .fetch_optional(conn)
    .await?;
    match taken {
        Some(_) => {
            Err(AppError::Conflict { field: "name".into(), message: "Another product already has this name.".into() })
        }
        None => Ok(()),
    }
}

pub async fn create_product(conn: &mut PgConnection, d: &ProductDraft) -> Result<i64, AppError> {
    check_name_free(conn, None, &d.name).await?;
    sqlx::query_scalar!(
        "INSERT INTO products (category_id, name, slug, description, price, offer_price, stock, active, featured)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        d.category_id,
        d.name,
        d.slug,
        d.description,
        d.price,
        d.offer_price,
        d.stock,
        d.active,
        d.featured
    )
    .fetch_one(conn)
    .await
    .map_err(product_conflict)
}

/// Writes every field; an archived product stays archived (and inactive).
pub async fn update_product(conn: &mut PgConnection, id: i64, d: &ProductDraft) -> Result<bool, AppError> {
    check_name_free(conn, Some(id), &d.name).await?;
    let done = sqlx::query!(
        "UPDATE products SET category_id = $2, name = $3, slug = $4, description = $5, price = $6, offer_price = $7,
                active = $8 AND archived_at IS NULL, featured = $9, updated_at = now()
         WHERE id = $1",
        id,
        d.category_id,
        d.name,
        d.slug,
        d.description,
        d.price,
        d.offer_price,
        d.active,
        d.featured
    )
    .execute(&mut *conn)
    .await
    .map_err(product_conflict)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    // A product in variants shows its stock (their sum) without taking it.
    let variants = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM product_variants WHERE product_id = $1"#, id)
        .fetch_one(&mut *conn)
        .await?;
    if variants == 1 {
        write_stocks(conn, &[id], &[d.stock], "stock").await?;
    }
    Ok(true)
}

/// Sets products' stock, which is their one variant's: a product with several
/// variants has its stock set per variant, and a change to its total is
/// refused (under `field`) naming it. The products' rows must be locked (an
/// update of them, or `FOR UPDATE`) before: products before variants.
async fn write_stocks(conn: &mut PgConnection, ids: &[i64], stocks: &[i32], field: &str) -> Result<(), AppError> {
    let several = sqlx::query_scalar!(
        "SELECT p.name FROM products p JOIN unnest($1::bigint[], $2::int[]) AS s(id, stock) ON s.id = p.id
         WHERE p.stock <> s.stock AND (SELECT count(*) FROM product_variants v WHERE v.product_id = p.id) > 1
         ORDER BY p.id",
        ids,
        stocks
    )
    .fetch_all(&mut *conn)
    .await?;
    if !several.is_empty() {
        return Err(AppError::field(
            field,
            format!("{} has several variants: set the stock of each variant instead.", several.join(", ")),
        ));
    }
    sqlx::query!(
        "UPDATE product_variants v SET stock = s.stock, updated_at = now()
         FROM unnest($1::bigint[], $2::int[]) AS s(id, stock)
         WHERE v.product_id = s.id AND v.stock <> s.stock",
        ids,
        stocks
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The quick edit from the table (and the API's stock and price changes):
/// the stock, the price or both (the offer is cleared if it would no longer
/// be below the price). Answers the stock and price before, or `None` when
/// there is no such product.
pub async fn quick_edit(
    conn: &mut PgConnection,
    id: i64,
    stock: Option<i32>,
    price: Option<rust_decimal::Decimal>,
) -> Result<Option<(i32, rust_decimal::Decimal)>, AppError> {
    let before = sqlx::query!("SELECT stock, price FROM products WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(before) = before else { return Ok(None) };
    if let Some(price) = price {
        sqlx::query!(
            "UPDATE products SET price = $2,
                    offer_price = CASE WHEN offer_price < $2 THEN offer_price END, updated_at = now()
             WHERE id = $1",
            id,
            price
        )
        .execute(&mut *conn)
        .await?;
    }
    if let Some(stock) = stock {
        write_stocks(conn, &[id], &[stock], "stock").await?;
    }
    Ok(Some((before.stock, before.price)))
}

/// Sets the stock of many products at once (the API's bulk update), in the
/// caller's transaction, locking them in id order. Answers each product's
/// stock before, for the ids that exist; the caller refuses the whole change
/// when any id is missing.
pub async fn set_stocks(conn: &mut PgConnection, ids: &[i64], stocks: &[i32]) -> Result<Vec<(i64, i32)>, AppError> {
    let before = sqlx::query!("SELECT id, stock FROM products WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
        .fetch_all(&mut *conn)
        .await?;
    write_stocks(conn, ids, stocks, "items").await?;
    Ok(before.into_iter().map(|r| (r.id, r.stock)).collect())
}

pub async fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE products SET active = $2, archived_at = CASE WHEN $2 THEN NULL ELSE archived_at END, updated_at = now()
         WHERE id = $1",
        id,
        active
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What removing a product did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// It has sold: kept for the orders, hidden from everyone but staff.
    Archived,
}

/// Deletes a product that never sold (its images' keys are returned so the
/// caller can remove the files after commit); archives one that did. Carts
/// lose it either way.
pub async fn remove_product(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(Removal, Vec<String>)>> {
    let sold = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM order_items WHERE product_id = $1) AS "sold!" FROM products WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(sold) = sold else { return Ok(None) };
    sqlx::query!("DELETE FROM cart_items WHERE product_id = $1", id).execute(&mut *conn).await?;
    if sold {
        sqlx::query!("UPDATE products SET active = false, featured = false, archived_at = now(), updated_at = now() WHERE id = $1", id)
            .execute(&mut *conn)
            .await?;
        return Ok(Some((Removal::Archived, Vec::new())));
    }
    let keys = sqlx::query_scalar!("DELETE FROM product_images WHERE product_id = $1 RETURNING storage_key", id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM products WHERE id = $1", id).execute(&mut *conn).await?;
    Ok(Some((Removal::Deleted, keys)))
}

pub async fn product_name(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT name FROM products WHERE id = $1", id).fetch_optional(db).await
}

/// The version of a product's row: it changes with every write to it (an
/// order taking stock included), so a client that read version N can ask to
/// change it only if it is still N. Locks the row in `conn`'s transaction.
pub async fn lock_version(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(r#"SELECT xmin::text::int8 AS "version!" FROM products WHERE id = $1 FOR UPDATE"#, id)
        .fetch_optional(conn)
        .await
}

/// The version of a product's row (see `lock_version`), without a lock.
pub async fn version(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(r#"SELECT xmin::text::int8 AS "version!" FROM products WHERE id = $1"#, id)
        .fetch_optional(db)
        .await
}

/// A variant as the CSV export writes it, with its product's columns.
pub struct CsvRow {
    pub name: String,
    pub slug: String,
    pub category: String,
    pub description: String,
    pub price: rust_decimal::Decimal,
    pub offer_price: Option<rust_decimal::Decimal>,
    /// The variant's.
    pub stock: i32,
    pub active: bool,
    pub featured: bool,
    /// "Size=M; Colour=Blue" (empty for a product sold one way).
    pub options: String,
    pub sku: String,
    pub variant_price: Option<rust_decimal::Decimal>,
    pub variant_offer_price: Option<rust_decimal::Decimal>,
    pub variant_active: bool,
}

/// Every variant of every product not archived, in product id order then the
/// variants' own, for the CSV export.
pub async fn csv_rows(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CsvRow>> {
    sqlx::query_as!(
        CsvRow,
        r#"SELECT p.name, p.slug, c.slug AS category, p.description, p.price, p.offer_price, v.stock, p.active, p.featured,
                  COALESCE((SELECT string_agg(o.name || '=' || ov.value, '; ' ORDER BY o.position, o.id)
                            FROM product_option_values ov JOIN product_options o ON o.id = ov.option_id
                            WHERE ov.id = ANY(v.option_values)), '') AS "options!",
                  v.sku, v.price AS variant_price, v.offer_price AS variant_offer_price, v.active AS variant_active
           FROM products p
           JOIN categories c ON c.id = p.category_id
           JOIN product_variants v ON v.product_id = p.id
           WHERE p.archived_at IS NULL ORDER BY p.id, v.position, v.id"#
    )
    .fetch_all(db)
    .await
}

/// A product's id, slug and lower-cased name: how an import finds existing products.
pub struct ProductKey {
    pub id: i64,
    pub slug: String,
    pub lower_name: String,
}

pub async fn product_keys(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<ProductKey>> {
    sqlx::query_as!(ProductKey, r#"SELECT id, slug, lower(name) AS "lower_name!" FROM products"#).fetch_all(db).await
}
