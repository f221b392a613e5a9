//! Placing an order: one transaction that re-prices the cart from the
//! database, checks and counts the promo code, takes the stock, writes the order
//! with its snapshots and first event, and empties the cart.

use chrono::Utc;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::PromoQuote;
use super::rules::{self, DiscountKind, PromoTerms, ShippingRates};
use crate::account::{AddressInput, UserId};
use crate::cart::rules::stock_message;
use crate::config::Config;
use crate::error::AppError;
use crate::orders::{OrderNumber, OrderStatus, PaymentMethod};
use crate::product::rules::variant_title;

/// What the shopper asked for at checkout; prices come from the database.
pub struct NewOrder<'a> {
    pub user: UserId,
    /// The checkout token: the same token gives the same order.
    pub token: Uuid,
    pub method: PaymentMethod,
    pub address: &'a AddressInput,
    pub promo: Option<&'a str>,
}

/// An order as placement left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub id: Uuid,
    pub number: OrderNumber,
    pub status: OrderStatus,
    pub method: PaymentMethod,
    pub total: Decimal,
    /// False when the token named an order placed before (a repeated submit).
    pub created: bool,
}

/// The store's shipping rates from its configuration.
pub fn rates(config: &Config) -> ShippingRates {
    ShippingRates { fee: config.shipping_fee, free_from: config.free_shipping_from }
}

/// A promo code's id and terms; with `lock`, the row is locked until commit so
/// concurrent checkouts count its uses one at a time.
async fn promo_terms(conn: &mut PgConnection, code: &str, lock: bool) -> sqlx::Result<Option<(i64, PromoTerms)>> {
    let row = if lock {
        sqlx::query_as!(
            PromoRow,
            r#"SELECT id, code, kind AS "kind: DiscountKind", value, min_subtotal, expires_at, usage_limit, used_count, active
               FROM promo_codes WHERE code = $1 FOR UPDATE"#,
            code
        )
        .fetch_optional(conn)
        .await?
    } else {
        sqlx::query_as!(
            PromoRow,
            r#"SELECT id, code, kind AS "kind: DiscountKind", value, min_subtotal, expires_at, usage_limit, used_count, active
               FROM promo_codes WHERE code = $1"#,
            code
        )
        .fetch_optional(conn)
        .await?
    };
    Ok(row.map(PromoRow::split))
}

struct PromoRow {
    id: i64,
    code: String,
    kind: DiscountKind,
    value: Decimal,
    min_subtotal: Option<Decimal>,
    expires_at: Option<chrono::DateTime<Utc>>,
    usage_limit: Option<i32>,
    used_count: i32,
    active: bool,
}

impl PromoRow {
    fn split(self) -> (i64, PromoTerms) {
        let terms = PromoTerms {
            code: self.code,
            kind: self.kind,
            value: self.value,
            min_subtotal: self.min_subtotal,
            expires_at: self.expires_at,
            usage_limit: self.usage_limit,
            used_count: self.used_count,
            active: self.active,
        };
        (self.id, terms)
    }
}

/// What `code` would take off `subtotal` now, or why it can't be used; with
/// the code's terms when it applies.
pub async fn quote_promo(
    conn: &mut PgConnection,
    code: &str,
    subtotal: Decimal,
    currency: &str,
) -> sqlx::Result<(PromoQuote, Option<PromoTerms>)> {
    let code = rules::normalize_code(code);
    let (outcome, terms) = match promo_terms(conn, &code, false).await? {
        None => (Err(rules::PromoRefusal::Unknown.message(currency)), None),
        Some((_, terms)) => match rules::check_promo(&terms, subtotal, Utc::now()) {
            Ok(()) => (Ok(rules::discount(&terms, subtotal, currency)), Some(terms)),
            Err(refusal) => (Err(refusal.message(currency)), None),
        },
    };
    Ok((PromoQuote { code, outcome }, terms))
}

/// A promo code as an admin (or the seed) creates it.
pub struct NewPromo<'a> {
    pub code: &'a str,
    pub kind: DiscountKind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub expires_at: Option<chrono::DateTime<Utc>>,
    pub usage_limit: Option<i32>,
}

/// Promo codes' named constraints, as form errors.
pub const PROMO_CONSTRAINTS: &[crate::error::ConstraintField] = &[
    ("promo_codes_code_key", "code", "Another promo code already uses this code."),
    ("promo_codes_used_count_check", "usage_limit", "The code has already been used more often than that."),
];

/// Creates a promo code: the one way codes come to be, whether an admin
/// makes one, the demo seed or a test. A taken code is a `Conflict` on `code`.
pub async fn create_promo(db: impl PgExecutor<'_>, promo: &NewPromo<'_>) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "INSERT INTO promo_codes (code, kind, value, min_subtotal, expires_at, usage_limit)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        rules::normalize_code(promo.code),
        promo.kind as DiscountKind,
        promo.value,
        promo.min_subtotal,
        promo.expires_at,
        promo.usage_limit
    )
    .fetch_one(db)
    .await
    .map_err(|error| AppError::from_constraint(error, PROMO_CONSTRAINTS))
}

struct Line {
    product_id: i64,
    variant_id: i64,
    quantity: i32,
    name: String,
    options: String,
    sku: String,
    sale_price: Decimal,
    stock: i32,
    active: bool,
}

/// Takes the shopper's checkout lock (their cart row) and answers the order
/// `token` already placed, if a submit of this checkout got there first.
/// Called before anything else a submit writes (a new address among them):
/// a double-clicked "Place order" waits here for the first submit to finish
/// and is then answered with its order.
pub async fn lock_checkout(conn: &mut PgConnection, user: UserId, token: Uuid) -> Result<Checkout, AppError> {
    // The cart lock serialises submits of one user, so the token check below
    // sees an order a concurrent submit of the same checkout just committed.
    let cart = sqlx::query_scalar!("SELECT id FROM carts WHERE user_id = $1 FOR UPDATE", user.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(existing) = sqlx::query!(
        r#"SELECT id, number, user_id, status AS "status: OrderStatus", payment_method AS "method: PaymentMethod", total
           FROM orders WHERE idempotency_key = $1"#,
        token
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Checkout::Open { cart });
    };
    if existing.user_id != user.0 {
        return Err(AppError::BadRequest("This checkout has expired. Please reload the page.".into()));
    }
    Ok(Checkout::Placed(Placed {
        id: existing.id,
        number: OrderNumber(existing.number),
        status: existing.status,
        method: existing.method,
        total: existing.total,
        created: false,
    }))
}

/// Where a checkout stands once its lock is held.
pub enum Checkout {
    /// Not placed yet; the shopper's cart, if they have one.
    Open { cart: Option<Uuid> },
    /// Already placed by an earlier submit of the same checkout.
    Placed(Placed),
}

/// Places the user's cart as an order, inside the caller's transaction (which
/// the caller commits; on any error it must roll back). See the module docs.
pub async fn place_order(conn: &mut PgConnection, config: &Config, order: NewOrder<'_>) -> Result<Placed, AppError> {
    match lock_checkout(conn, order.user, order.token).await? {
        Checkout::Placed(placed) => Ok(placed),
        Checkout::Open { cart } => place_locked(conn, config, order, cart).await,
    }
}

/// [`place_order`] once [`lock_checkout`] has answered `Open` with `cart` in
/// the same transaction (a caller that writes before placing, as checkout's
/// new address does, takes the lock first and needn't take it twice).
pub async fn place_locked(
    conn: &mut PgConnection,
    config: &Config,
    order: NewOrder<'_>,
    cart: Option<Uuid>,
) -> Result<Placed, AppError> {
    let empty = || AppError::BadRequest("Your cart is empty.".into());
    let cart = cart.ok_or_else(empty)?;
    let open = sqlx::query_scalar!(
        r#"SELECT count(*) AS "open!" FROM orders
           WHERE user_id = $1 AND status IN ('PENDING_PAYMENT', 'PROCESSING')"#,
        order.user.0
    )
    .fetch_one(&mut *conn)
    .await?;
    if open >= i64::from(config.max_open_orders) {
        return Err(AppError::Conflict {
            field: "order".into(),
            message: format!(
                "You have {open} orders waiting to ship. You can place another once one of them has shipped."
            ),
        });
    }
    // Locks the products and their variants in (product, variant) order, the
    // order every writer of variants keeps: concurrent checkouts of
    // overlapping carts queue on the same rows instead of deadlocking. The
    // products are found by `id = ANY(…)`: a plain join was planned as a
    // merge join that walked the primary key from the lowest id up to the
    // cart's products (86 orders/s instead of 530 on the benchmark's newest
    // products).
    let lines = sqlx::query_as!(
        Line,
        r#"SELECT p.id AS product_id, v.id AS variant_id, c.quantity, p.name,
                  variant_label(v.option_values) AS "options!", v.sku,
                  variant_sale_price(v.price, v.offer_price, p.price, p.offer_price) AS "sale_price!",
                  v.stock, p.active AND v.active AS "active!"
           FROM products p
           JOIN product_variants v ON v.product_id = p.id
           JOIN cart_items c ON c.variant_id = v.id AND c.cart_id = $1
           WHERE p.id = ANY(ARRAY(SELECT product_id FROM cart_items WHERE cart_id = $1))
           ORDER BY p.id, v.id
           FOR UPDATE OF p, v"#,
        cart
    )
    .fetch_all(&mut *conn)
    .await?;
    if lines.is_empty() {
        return Err(empty());
    }
    let problems: Vec<String> = lines
        .iter()
        .filter_map(|line| {
            let title = variant_title(&line.name, &line.options);
            if !line.active {
                Some(format!("{title} is no longer sold."))
            } else if line.quantity > line.stock {
                Some(stock_message(&title, line.stock))
            } else {
                None
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(AppError::OutOfStock(problems.join(" ")));
    }
    let subtotal: Decimal = lines.iter().map(|l| l.sale_price * Decimal::from(l.quantity)).sum();
    let promo = match order.promo.map(rules::normalize_code).filter(|code| !code.is_empty()) {
        None => None,
        Some(code) => {
            let Some((id, terms)) = promo_terms(conn, &code, true).await? else {
                return Err(AppError::field("promo", rules::PromoRefusal::Unknown.message(&config.currency)));
            };
            if let Err(refusal) = rules::check_promo(&terms, subtotal, Utc::now()) {
                return Err(AppError::field("promo", refusal.message(&config.currency)));
            }
            Some((id, terms))
        }
    };
    let totals = rules::totals(
        lines.iter().map(|l| (l.sale_price, l.quantity)),
        promo.as_ref().map(|(_, terms)| terms),
        rates(config),
        &config.currency,
    );

    let variants: Vec<i64> = lines.iter().map(|l| l.variant_id).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    let taken = sqlx::query!(
        "UPDATE product_variants v SET stock = v.stock - q.quantity, updated_at = now()
         FROM unnest($1::bigint[], $2::int[]) AS q(id, quantity)
         WHERE v.id = q.id AND v.stock >= q.quantity",
        &variants,
        &quantities
    )
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() != lines.len() as u64 {
        return Err(AppError::OutOfStock("Some items sold out while you were checking out.".into()));
    }
    if let Some((id, _)) = &promo {
        let counted = sqlx::query!(
            "UPDATE promo_codes SET used_count = used_count + 1, updated_at = now()
             WHERE id = $1 AND (usage_limit IS NULL OR used_count < usage_limit)",
            id
        )
        .execute(&mut *conn)
        .await?;
        if counted.rows_affected() != 1 {
            return Err(AppError::field("promo", rules::PromoRefusal::UsedUp.message(&config.currency)));
        }
    }

    let status = match order.method {
        PaymentMethod::CashOnDelivery => OrderStatus::Processing,
        PaymentMethod::Card => OrderStatus::PendingPayment,
    };
    let a = order.address;
    let created = sqlx::query!(
        "INSERT INTO orders (user_id, status, payment_method, currency, subtotal, discount, shipping, total,
                             promo_code_id, promo_code, ship_full_name, ship_line1, ship_line2, ship_city,
                             ship_province, ship_postal_code, ship_country, ship_phone, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         RETURNING id, number",
        order.user.0,
        status as OrderStatus,
        order.method as PaymentMethod,
        config.currency,
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.total,
        promo.as_ref().map(|(id, _)| *id),
        promo.as_ref().map(|(_, terms)| terms.code.clone()),
        a.full_name,
        a.line1,
        a.line2,
        a.city,
        a.province,
        a.postal_code,
        a.country,
        a.phone,
        order.token
    )
    .fetch_one(&mut *conn)
    .await?;
    let products: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let names: Vec<String> = lines.iter().map(|l| l.name.clone()).collect();
    let options: Vec<String> = lines.iter().map(|l| l.options.clone()).collect();
    let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    let prices: Vec<Decimal> = lines.iter().map(|l| l.sale_price).collect();
    sqlx::query!(
        "INSERT INTO order_items (order_id, product_id, variant_id, name, options, sku, unit_price, quantity)
         SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::int[])",
        created.id,
        &products,
        &variants,
        &names,
        &options,
        &skus,
        &prices,
        &quantities
    )
    .execute(&mut *conn)
    .await?;
    crate::orders::db::record_status(conn, config, created.id, None, status, Some(order.user), "").await?;
    sqlx::query!("DELETE FROM cart_items WHERE cart_id = $1", cart).execute(&mut *conn).await?;
    Ok(Placed {
        id: created.id,
        number: OrderNumber(created.number),
        status,
        method: order.method,
        total: totals.total,
        created: true,
    })
}
