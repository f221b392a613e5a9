//! All of the cart's SQL. A cart is addressed by its id; whose it is (a user's,
//! or the guest cart a browser's cookie names) is decided by the caller.

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::CartLine;
use super::rules::{check_quantity, stock_message};
use crate::account::UserId;
use crate::error::AppError;
use crate::product::{ImageRef, ProductId};

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
        r#"SELECT p.id, p.slug, p.name, p.sale_price, p.stock, p.active,
                  c.quantity, c.seen_price,
                  i.storage_key AS "image_key?", i.alt_text AS "image_alt?"
           FROM cart_items c
           JOIN products p ON p.id = c.product_id
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           -- By id = ANY(…): never a walk along the products' primary key (see checkout::db).
           WHERE c.cart_id = $1 AND p.id = ANY(ARRAY(SELECT product_id FROM cart_items WHERE cart_id = $1))
           ORDER BY c.added_at, p.id"#,
        cart
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CartLine {
            product: ProductId(r.id),
            slug: r.slug,
            name: r.name,
            image: r.image_key.map(|key| ImageRef { key, alt: r.image_alt.unwrap_or_default() }),
            unit_price: r.sale_price,
            seen_price: r.seen_price,
            quantity: r.quantity,
            stock: r.stock,
            available: r.active,
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

struct Stocked {
    name: String,
    sale_price: Decimal,
    stock: i32,
    active: bool,
}

async fn product_for_sale(conn: &mut PgConnection, product: ProductId) -> Result<Stocked, AppError> {
    let row = sqlx::query_as!(Stocked, "SELECT name, sale_price, stock, active FROM products WHERE id = $1", product.0)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) if row.active => Ok(row),
        _ => Err(AppError::BadRequest("That product is not for sale.".into())),
    }
}

/// Puts `quantity` more of `product` in the cart. Refused, changing nothing,
/// when the cart would then hold more than is in stock.
pub async fn add(conn: &mut PgConnection, cart: Uuid, product: ProductId, quantity: i32) -> Result<(), AppError> {
    check_quantity(quantity)?;
    // The cart row first, then its lines: the order checkout locks them in,
    // so a change racing a checkout of the same cart waits instead of deadlocking.
    touch(conn, cart).await?;
    let item = product_for_sale(conn, product).await?;
    let held: i32 =
        sqlx::query_scalar!("SELECT quantity FROM cart_items WHERE cart_id = $1 AND product_id = $2", cart, product.0)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0);
    let wanted = held + quantity;
    if wanted > item.stock {
        let mut message = stock_message(&item.name, item.stock);
        if held > 0 && item.stock > 0 {
            message.push_str(&format!(" Your cart already has {held}."));
        }
        return Err(AppError::OutOfStock(message));
    }
    check_quantity(wanted)?;
    sqlx::query!(
        "INSERT INTO cart_items (cart_id, product_id, quantity, seen_price) VALUES ($1, $2, $3, $4)
         ON CONFLICT (cart_id, product_id) DO UPDATE
         SET quantity = cart_items.quantity + excluded.quantity, seen_price = excluded.seen_price",
        cart,
        product.0,
        quantity,
        item.sale_price
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets how many of `product` the cart holds (0 removes it). The line's price
/// counts as seen again.
pub async fn set_quantity(
    conn: &mut PgConnection,
    cart: Uuid,
    product: ProductId,
    quantity: i32,
) -> Result<(), AppError> {
    if quantity == 0 {
        return remove(conn, cart, product).await;
    }
    check_quantity(quantity)?;
    touch(conn, cart).await?;
    let item = product_for_sale(conn, product).await?;
    if quantity > item.stock {
        return Err(AppError::OutOfStock(stock_message(&item.name, item.stock)));
    }
    let updated = sqlx::query!(
        "UPDATE cart_items SET quantity = $3, seen_price = $4 WHERE cart_id = $1 AND product_id = $2",
        cart,
        product.0,
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

/// Takes `product` out of the cart.
pub async fn remove(conn: &mut PgConnection, cart: Uuid, product: ProductId) -> Result<(), AppError> {
    touch(conn, cart).await?;
    sqlx::query!("DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2", cart, product.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn touch(conn: &mut PgConnection, cart: Uuid) -> sqlx::Result<()> {
    sqlx::query!("UPDATE carts SET updated_at = now() WHERE id = $1", cart).execute(conn).await?;
    Ok(())
}

/// Moves a guest cart into the user's cart and deletes it: quantities of the
/// same product are added, capped by what is in stock (a sold-out line keeps
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
        "INSERT INTO cart_items (cart_id, product_id, quantity, seen_price, added_at)
         SELECT $2, g.product_id, g.quantity, g.seen_price, g.added_at
         FROM cart_items g WHERE g.cart_id = $1
         ON CONFLICT (cart_id, product_id) DO UPDATE
         SET quantity = GREATEST(1, LEAST(
                 cart_items.quantity + excluded.quantity,
                 (SELECT p.stock FROM products p WHERE p.id = excluded.product_id),
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
