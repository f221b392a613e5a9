//! All of the cart's SQL. A cart is addressed by its id; whose it is (a user's,
//! or the guest cart a browser's cookie names) is decided by the caller.

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::rules::{check_quantity, stock_message};
use super::{CartLine, Pick};
use crate::account::UserId;
use crate::error::AppError;
use crate::product::rules::variant_title;
use crate::product::{ImageRef, ProductId, VariantId};

/// The user's cart id, if they have one.
pub async fn user_cart(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!("SELECT id FROM carts WHERE user_id = $1", user.0).fetch_optional(db).await
}

/// The user's cart id, created on first use.
pub async fn ensure_user_cart(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO carts (user_id) VALUES ($1)
         ON CONFLICT (user_id) DO UPDATE SET updated_at = now()
         RETURNING id",
        user.0
    )
    .fetch_one(db)
    .await
}

/// A new cart for a guest's browser.
pub async fn create_guest_cart(db: impl PgExecutor<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!("INSERT INTO carts (user_id) VALUES (NULL) RETURNING id").fetch_one(db).await
}

/// Whether `cart` is a guest cart that still exists.
pub async fn guest_cart_exists(db: impl PgExecutor<'_>, cart: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT true AS "found!" FROM carts WHERE id = $1 AND user_id IS NULL"#, cart)
        .fetch_optional(db)
        .await?
        .is_some())
}

/// The cart's lines priced as they are now, in the order they were added.
pub async fn lines(db: impl PgExecutor<'_>, cart: Uuid) -> sqlx::Result<Vec<CartLine>> {
    let rows = sqlx::query!(
        r#"SELECT p.id, v.id AS variant_id, p.slug, p.name,
                  variant_label(v.option_values) AS "options!", variant_query(v.option_values) AS "query!",
                  variant_sale_price(v.price, v.offer_price, p.price, p.offer_price) AS "unit_price!",
                  v.stock, p.active AND v.active AS "available!",
                  c.quantity, c.seen_price,
                  COALESCE(vi.storage_key, i.storage_key) AS "image_key?", COALESCE(vi.alt_text, i.alt_text) AS "image_alt?"
           FROM cart_items c
           JOIN product_variants v ON v.id = c.variant_id
           JOIN products p ON p.id = v.product_id
           LEFT JOIN LATERAL (
               SELECT i.storage_key, i.alt_text FROM product_variant_images x JOIN product_images i ON i.id = x.image_id
               WHERE x.variant_id = v.id ORDER BY x.position, x.image_id LIMIT 1) vi ON true
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           -- By id = ANY(…): never a walk along the products' primary key (see checkout::db).
           WHERE c.cart_id = $1 AND p.id = ANY(ARRAY(SELECT product_id FROM cart_items WHERE cart_id = $1))
           ORDER BY c.added_at, v.id"#,
        cart
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CartLine {
            product: ProductId(r.id),
            variant: VariantId(r.variant_id),
            slug: r.slug,
            name: r.name,
            options: r.options,
            query: r.query,
            image: r.image_key.map(|key| ImageRef { key, alt: r.image_alt.unwrap_or_default() }),
            unit_price: r.unit_price,
            seen_price: r.seen_price,
            quantity: r.quantity,
            stock: r.stock,
            available: r.available,
        })
        .collect())
}

/// How many items (quantities summed) the cart holds.
pub async fn count(db: impl PgExecutor<'_>, cart: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(quantity), 0)::int AS "count!" FROM cart_items WHERE cart_id = $1"#,
        cart
    )
    .fetch_one(db)
    .await
}

/// A variant a shopper may put in the cart: its product's name with its
/// option values, its price now and its stock.
struct ForSale {
    variant: i64,
    product: i64,
    title: String,
    sale_price: Decimal,
    stock: i32,
    /// How many of it the cart asked about already holds (0 without one).
    held: i32,
}

/// The variant `pick` names, when it is on sale: the one given, or the
/// product's only variant. A product with several needs one chosen.
async fn variant_for_sale(conn: &mut PgConnection, cart: Option<Uuid>, pick: Pick) -> Result<ForSale, AppError> {
    let rows = sqlx::query!(
        r#"SELECT v.id, p.id AS product_id, p.name, variant_label(v.option_values) AS "options!",
                  variant_sale_price(v.price, v.offer_price, p.price, p.offer_price) AS "sale_price!",
                  v.stock, p.active AND v.active AS "on_sale!",
                  COALESCE((SELECT c.quantity FROM cart_items c WHERE c.cart_id = $3 AND c.variant_id = v.id), 0)
                      AS "held!"
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE p.id = $1 AND ($2::bigint IS NULL OR v.id = $2)
           ORDER BY v.position, v.id"#,
        pick.product.0,
        pick.variant.map(|v| v.0),
        cart
    )
    .fetch_all(&mut *conn)
    .await?;
    let not_for_sale = || AppError::BadRequest("That product is not for sale.".into());
    let on_sale: Vec<_> = rows.into_iter().filter(|r| r.on_sale).collect();
    match on_sale.as_slice() {
        [] => Err(not_for_sale()),
        [row] => Ok(ForSale {
            variant: row.id,
            product: row.product_id,
            title: variant_title(&row.name, &row.options),
            sale_price: row.sale_price,
            stock: row.stock,
            held: row.held,
        }),
        [..] => {
            let names = sqlx::query_scalar!(
                "SELECT lower(name) AS \"name!\" FROM product_options WHERE product_id = $1 ORDER BY position, id",
                pick.product.0
            )
            .fetch_all(&mut *conn)
            .await?;
            Err(AppError::field("variant", format!("Choose a {} first.", names.join(" and "))))
        }
    }
}

/// The variant `pick` names, when it is on sale (see `variant_for_sale`).
pub async fn resolve(conn: &mut PgConnection, pick: Pick) -> Result<VariantId, AppError> {
    Ok(VariantId(variant_for_sale(conn, None, pick).await?.variant))
}

/// Takes every variant of `product` out of the cart.
pub async fn remove_product(conn: &mut PgConnection, cart: Uuid, product: ProductId) -> Result<(), AppError> {
    touch(conn, cart).await?;
    sqlx::query!("DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2", cart, product.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Puts `quantity` more of the picked variant in the cart. Refused, changing
/// nothing, when the cart would then hold more than is in stock.
pub async fn add(conn: &mut PgConnection, cart: Uuid, pick: impl Into<Pick>, quantity: i32) -> Result<(), AppError> {
    check_quantity(quantity)?;
    // The cart row first, then its lines: the order checkout locks them in,
    // so a change racing a checkout of the same cart waits instead of deadlocking.
    touch(conn, cart).await?;
    let item = variant_for_sale(conn, Some(cart), pick.into()).await?;
    let held = item.held;
    let wanted = held + quantity;
    if wanted > item.stock {
        let mut message = stock_message(&item.title, item.stock);
        if held > 0 && item.stock > 0 {
            message.push_str(&format!(" Your cart already has {held}."));
        }
        return Err(AppError::OutOfStock(message));
    }
    check_quantity(wanted)?;
    sqlx::query!(
        "INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, seen_price) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cart_id, variant_id) DO UPDATE
         SET quantity = cart_items.quantity + excluded.quantity, seen_price = excluded.seen_price",
        cart,
        item.product,
        item.variant,
        quantity,
        item.sale_price
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets how many of `variant` the cart holds (0 removes it). The line's price
/// counts as seen again.
pub async fn set_quantity(
    conn: &mut PgConnection,
    cart: Uuid,
    variant: VariantId,
    quantity: i32,
) -> Result<(), AppError> {
    if quantity == 0 {
        return remove(conn, cart, variant).await;
    }
    check_quantity(quantity)?;
    touch(conn, cart).await?;
    let product = sqlx::query_scalar!("SELECT product_id FROM product_variants WHERE id = $1", variant.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = variant_for_sale(conn, Some(cart), Pick { product: ProductId(product), variant: Some(variant) }).await?;
    if quantity > item.stock {
        return Err(AppError::OutOfStock(stock_message(&item.title, item.stock)));
    }
    let updated = sqlx::query!(
        "UPDATE cart_items SET quantity = $3, seen_price = $4 WHERE cart_id = $1 AND variant_id = $2",
        cart,
        variant.0,
        quantity,
        item.sale_price
    )
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Takes `variant` out of the cart.
pub async fn remove(conn: &mut PgConnection, cart: Uuid, variant: VariantId) -> Result<(), AppError> {
    touch(conn, cart).await?;
    sqlx::query!("DELETE FROM cart_items WHERE cart_id = $1 AND variant_id = $2", cart, variant.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn touch(conn: &mut PgConnection, cart: Uuid) -> sqlx::Result<()> {
    sqlx::query!("UPDATE carts SET updated_at = now() WHERE id = $1", cart).execute(conn).await?;
    Ok(())
}

/// Moves a guest cart into the user's cart and deletes it: quantities of the
/// same variant are added, capped by what is in stock (a sold-out line keeps
/// one, so the cart can say it sold out). Returns the user's cart.
pub async fn merge_into_user(conn: &mut PgConnection, guest: Uuid, user: UserId) -> sqlx::Result<Uuid> {
    let cart = ensure_user_cart(&mut *conn, user).await?;
    // Lock the guest cart so two simultaneous sign-ins merge it once.
    let locked = sqlx::query_scalar!("SELECT id FROM carts WHERE id = $1 AND user_id IS NULL FOR UPDATE", guest)
        .fetch_optional(&mut *conn)
        .await?;
    if locked.is_none() {
        return Ok(cart);
    }
    sqlx::query!(
        "INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, seen_price, added_at)
         SELECT $2, g.product_id, g.variant_id, g.quantity, g.seen_price, g.added_at
         FROM cart_items g WHERE g.cart_id = $1
         ON CONFLICT (cart_id, variant_id) DO UPDATE
         SET quantity = GREATEST(1, LEAST(
                 cart_items.quantity + excluded.quantity,
                 (SELECT v.stock FROM product_variants v WHERE v.id = excluded.variant_id),
                 999))",
        guest,
        cart
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("DELETE FROM carts WHERE id = $1", guest).execute(&mut *conn).await?;
    touch(conn, cart).await?;
    Ok(cart)
}

/// Deletes guest carts untouched for `days`.
pub async fn delete_abandoned_guest_carts(db: impl PgExecutor<'_>, days: i32) -> sqlx::Result<u64> {
    Ok(sqlx::query!("DELETE FROM carts WHERE user_id IS NULL AND updated_at < now() - make_interval(days => $1)", days)
        .execute(db)
        .await?
        .rows_affected())
}
