//! All of the orders' SQL after placement: history, detail, and every status
//! change, each of which writes its event, an in-app notification and an email
//! in the caller's transaction.

use std::fmt::Write;

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::Totals;
use super::{
    HISTORY_PAGE_SIZE, OrderDetail, OrderEvent, OrderHistory, OrderLine, OrderNumber, OrderStatus, OrderSummary,
    PaymentMethod,
};
use crate::account::{AddressInput, UserId};
use crate::config::Config;
use crate::error::AppError;
use crate::money::format_money;
use crate::product::ProductId;

/// One page (from 1) of the user's orders, newest first.
pub async fn history(db: impl PgExecutor<'_>, user: UserId, page: u32) -> sqlx::Result<OrderHistory> {
    let page = page.max(1);
    let offset = i64::from(page - 1) * HISTORY_PAGE_SIZE;
    let rows = sqlx::query!(
        r#"SELECT o.number, o.created_at, o.status AS "status: OrderStatus", o.total, o.currency,
                  (SELECT COALESCE(sum(quantity), 0) FROM order_items i WHERE i.order_id = o.id)::bigint AS "items!"
           FROM orders o
           WHERE o.user_id = $1
           ORDER BY o.created_at DESC, o.number DESC
           LIMIT $2 OFFSET $3"#,
        user.0,
        HISTORY_PAGE_SIZE + 1,
        offset
    )
    .fetch_all(db)
    .await?;
    let (rows, has_next) = crate::db::one_page(rows, HISTORY_PAGE_SIZE);
    let orders = rows
        .into_iter()
        .map(|r| OrderSummary {
            number: OrderNumber(r.number),
            placed_at: r.created_at.into(),
            status: r.status,
            total: r.total,
            currency: r.currency,
            items: r.items,
        })
        .collect();
    Ok(OrderHistory { orders, page, has_next })
}

/// The order's id and everything its page shows; `owner` limits it to one user's orders.
pub async fn detail(
    conn: &mut PgConnection,
    owner: Option<UserId>,
    number: OrderNumber,
) -> sqlx::Result<Option<(Uuid, OrderDetail)>> {
    let Some(o) = sqlx::query!(
        r#"SELECT id, number, created_at, status AS "status: OrderStatus",
                  payment_method AS "payment_method: PaymentMethod", paid_at, currency,
                  subtotal, discount, shipping, total, promo_code,
                  ship_full_name, ship_line1, ship_line2, ship_city, ship_province, ship_postal_code,
                  ship_country, ship_phone
           FROM orders WHERE number = $1 AND ($2::uuid IS NULL OR user_id = $2)"#,
        number.0,
        owner.map(|u| u.0)
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lines = sqlx::query!(
        "SELECT product_id, variant_id, name, options, sku, unit_price, quantity
         FROM order_items WHERE order_id = $1 ORDER BY name, options, variant_id",
        o.id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| OrderLine {
        product: ProductId(r.product_id),
        variant: crate::product::VariantId(r.variant_id),
        name: r.name,
        options: r.options,
        sku: r.sku,
        unit_price: r.unit_price,
        quantity: r.quantity,
    })
    .collect();
    let events = sqlx::query!(
        r#"SELECT from_status AS "from_status: OrderStatus", to_status AS "to_status: OrderStatus", created_at, note
           FROM order_events WHERE order_id = $1 ORDER BY id"#,
        o.id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| OrderEvent { from: r.from_status, to: r.to_status, at: r.created_at.into(), note: r.note })
    .collect();
    let detail = OrderDetail {
        number: OrderNumber(o.number),
        placed_at: o.created_at.into(),
        status: o.status,
        payment_method: o.payment_method,
        paid_at: o.paid_at.map(Into::into),
        currency: o.currency,
        totals: Totals { subtotal: o.subtotal, discount: o.discount, shipping: o.shipping, total: o.total },
        promo_code: o.promo_code,
        address: AddressInput {
            full_name: o.ship_full_name,
            line1: o.ship_line1,
            line2: o.ship_line2,
            city: o.ship_city,
            province: o.ship_province,
            postal_code: o.ship_postal_code,
            country: o.ship_country,
            phone: o.ship_phone,
        },
        lines,
        events,
    };
    Ok(Some((o.id, detail)))
}

/// Records a status change: its event, the customer's notification and email.
/// The caller has already changed `orders.status` in the same transaction.
pub async fn record_status(
    conn: &mut PgConnection,
    config: &Config,
    order: Uuid,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: Option<UserId>,
    note: &str,
) -> sqlx::Result<()> {
    // The event and what its messages say, in one statement (the items as
    // arrays, in the mail's order).
    let o = sqlx::query!(
        r#"WITH event AS (
               INSERT INTO order_events (order_id, from_status, to_status, actor_id, note) VALUES ($1, $2, $3, $4, $5)
           )
           SELECT o.number, o.user_id, o.total, o.currency, o.payment_method AS "payment_method: PaymentMethod",
                  u.first_name,
                  (SELECT e.email FROM user_emails e WHERE e.user_id = o.user_id AND e.is_primary) AS email,
                  COALESCE(items.names, '{}') AS "item_names!", COALESCE(items.options, '{}') AS "item_options!",
                  COALESCE(items.prices, '{}') AS "item_prices!", COALESCE(items.quantities, '{}') AS "item_quantities!"
           FROM orders o
           JOIN users u ON u.id = o.user_id
           CROSS JOIN LATERAL (
               SELECT array_agg(i.name ORDER BY i.name, i.options, i.variant_id) AS names,
                      array_agg(i.options ORDER BY i.name, i.options, i.variant_id) AS options,
                      array_agg(i.unit_price ORDER BY i.name, i.options, i.variant_id) AS prices,
                      array_agg(i.quantity ORDER BY i.name, i.options, i.variant_id) AS quantities
               FROM order_items i WHERE i.order_id = o.id
           ) items
           WHERE o.id = $1"#,
        order,
        from as Option<OrderStatus>,
        to as OrderStatus,
        actor.map(|a| a.0),
        note
    )
    .fetch_one(&mut *conn)
    .await?;
    let number = OrderNumber(o.number);
    let total = format_money(o.total, &o.currency);
    let (title, body) =
        super::rules::status_message(number, to, &total, o.payment_method, config.unpaid_order_minutes, note);
    let link = number.href();
    crate::notifications::db::create(&mut *conn, UserId(o.user_id), &title, &body, &link).await?;
    let Some(email) = o.email else { return Ok(()) };
    let mut text = format!("Hello {},\n\n{body}\n\n", o.first_name);
    let lines = o.item_names.iter().zip(&o.item_options).zip(o.item_prices.iter().zip(&o.item_quantities));
    for ((name, options), (price, quantity)) in lines {
        let title = crate::product::rules::variant_title(name, options);
        let _ = writeln!(text, "  {quantity} x {title}  {}", format_money(*price, &o.currency));
    }
    let _ = write!(text, "\nTotal: {total}\n\nSee your order: {}{link}\n\n{}\n", config.public_url, config.store_name);
    crate::mail::enqueue(conn, &email, &title, &text).await?;
    Ok(())
}

/// Puts an order's items back on the shelf, each on its variant's. The
/// products' rows are locked first, the order every writer of variants keeps.
pub async fn restore_stock(conn: &mut PgConnection, order: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT lock_products(ARRAY(SELECT product_id FROM order_items WHERE order_id = $1 ORDER BY product_id))",
        order
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE product_variants v SET stock = LEAST(v.stock::bigint + i.quantity, 2147483647)::int, updated_at = now()
         FROM order_items i WHERE i.order_id = $1 AND v.id = i.variant_id",
        order
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An order locked for a status change.
#[derive(Debug, Clone)]
pub struct Locked {
    pub id: Uuid,
    pub number: OrderNumber,
    pub user: UserId,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub paid: bool,
    pub payment_intent: Option<String>,
    pub total: rust_decimal::Decimal,
}

/// Locks the order (`FOR UPDATE`) so concurrent changes apply one at a time.
pub async fn lock(conn: &mut PgConnection, number: OrderNumber) -> sqlx::Result<Option<Locked>> {
    let row = sqlx::query!(
        r#"SELECT id, number, user_id, status AS "status: OrderStatus",
                  payment_method AS "payment_method: PaymentMethod", paid_at, stripe_payment_intent_id, total
           FROM orders WHERE number = $1 FOR UPDATE"#,
        number.0
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Locked {
        id: r.id,
        number: OrderNumber(r.number),
        user: UserId(r.user_id),
        status: r.status,
        payment_method: r.payment_method,
        paid: r.paid_at.is_some(),
        payment_intent: r.stripe_payment_intent_id,
        total: r.total,
    }))
}

/// Moves a locked order to `to` and records it.
pub async fn change_status(
    conn: &mut PgConnection,
    config: &Config,
    order: &Locked,
    to: OrderStatus,
    actor: Option<UserId>,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query!("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1", order.id, to as OrderStatus)
        .execute(&mut *conn)
        .await?;
    record_status(conn, config, order.id, Some(order.status), to, actor, note).await
}

/// Cancels a locked order that has not shipped: its stock comes back. A paid
/// card order must be refunded by the caller first (see `orders::api`).
pub async fn cancel(
    conn: &mut PgConnection,
    config: &Config,
    order: &Locked,
    actor: Option<UserId>,
    note: &str,
) -> Result<(), AppError> {
    if !order.status.cancellable() {
        return Err(AppError::BadRequest(format!(
            "Order {} is {} and can no longer be cancelled.",
            order.number,
            order.status.label().to_lowercase()
        )));
    }
    restore_stock(conn, order.id).await?;
    release_promo_use(conn, order.id).await?;
    change_status(conn, config, order, OrderStatus::Cancelled, actor, note).await?;
    Ok(())
}

/// Gives back the use of a promo code that a cancelled order counted, so a
/// limited code is not used up by orders that never went through.
async fn release_promo_use(conn: &mut PgConnection, order: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE promo_codes p SET used_count = p.used_count - 1
         FROM orders o WHERE o.id = $1 AND p.id = o.promo_code_id AND p.used_count > 0",
        order
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a cash-on-delivery order's money was collected.
pub async fn record_cash_payment(conn: &mut PgConnection, order: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE orders SET paid_at = now(), updated_at = now() WHERE id = $1 AND paid_at IS NULL AND payment_method = 'CASH_ON_DELIVERY'",
        order
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the card order paid by `payment_intent` as paid and processing, once:
/// later calls (webhook after return page, or a replayed event) change nothing.
/// An amount that is not the order's total is refused and logged.
pub async fn mark_paid(
    conn: &mut PgConnection,
    config: &Config,
    payment_intent: &str,
    amount_minor: i64,
) -> sqlx::Result<Option<OrderNumber>> {
    let Some(row) = sqlx::query!(r#"SELECT number FROM orders WHERE stripe_payment_intent_id = $1"#, payment_intent)
        .fetch_optional(&mut *conn)
        .await?
    else {
        tracing::warn!(payment_intent, "a payment succeeded for no order of ours");
        return Ok(None);
    };
    let Some(order) = lock(conn, OrderNumber(row.number)).await? else { return Ok(None) };
    if order.paid {
        return Ok(Some(order.number));
    }
    if crate::money::minor_units(order.total, &config.currency) != Some(amount_minor) {
        tracing::error!(order = order.number.0, amount_minor, "a payment's amount differs from the order total");
        return Ok(None);
    }
    sqlx::query!("UPDATE orders SET paid_at = now() WHERE id = $1", order.id).execute(&mut *conn).await?;
    match order.status {
        OrderStatus::PendingPayment => {
            change_status(conn, config, &order, OrderStatus::Processing, None, "").await?;
        }
        status => {
            // Paid after it was cancelled (by the unpaid sweep, or while the
            // shopper paid): `orders::service::refund_late_payments` refunds it.
            tracing::warn!(order = order.number.0, ?status, "payment arrived for an order that is no longer pending");
        }
    }
    Ok(Some(order.number))
}

/// Remembers the PaymentIntent created for an order; if another request stored
/// one first, that one is returned and `intent` should be abandoned.
pub async fn set_payment_intent(db: impl PgExecutor<'_>, order: Uuid, intent: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "UPDATE orders SET stripe_payment_intent_id = COALESCE(stripe_payment_intent_id, $2), updated_at = now()
         WHERE id = $1 RETURNING stripe_payment_intent_id",
        order,
        intent
    )
    .fetch_one(db)
    .await
}

/// Cancelled card orders holding a payment: they are owed a refund. With
/// each, whether the payment arrived after the order was cancelled.
pub async fn paid_but_cancelled(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(OrderNumber, bool)>> {
    let rows = sqlx::query!(
        r#"SELECT o.number,
                  COALESCE(o.paid_at > (SELECT max(e.created_at) FROM order_events e
                                        WHERE e.order_id = o.id AND e.to_status = 'CANCELLED'), false) AS "late!"
           FROM orders o
           WHERE o.status = 'CANCELLED' AND o.payment_method = 'CARD' AND o.paid_at IS NOT NULL
           ORDER BY o.updated_at LIMIT 100"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (OrderNumber(r.number), r.late)).collect())
}

/// Card orders left unpaid for longer than `minutes`.
pub async fn unpaid_since(db: impl PgExecutor<'_>, minutes: u32) -> sqlx::Result<Vec<OrderNumber>> {
    let rows = sqlx::query_scalar!(
        "SELECT number FROM orders
         WHERE status = 'PENDING_PAYMENT' AND created_at < now() - make_interval(mins => $1)
         ORDER BY created_at LIMIT 100",
        minutes as i32
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OrderNumber).collect())
}

/// Records a provider event id; false when it was seen before.
pub async fn first_payment_event(db: impl PgExecutor<'_>, id: &str, kind: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query!("INSERT INTO payment_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", id, kind)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Ties a recorded payment event to the order it paid.
pub async fn link_payment_event(db: impl PgExecutor<'_>, event: &str, order: OrderNumber) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE payment_events SET order_id = (SELECT id FROM orders WHERE number = $2) WHERE id = $1",
        event,
        order.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The user's Stripe customer id, if one was created.
pub async fn stripe_customer(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT stripe_customer_id FROM users WHERE id = $1", user.0).fetch_one(db).await
}

/// Stores the user's Stripe customer id unless one is stored already; answers the stored one.
pub async fn set_stripe_customer(db: impl PgExecutor<'_>, user: UserId, customer: &str) -> sqlx::Result<String> {
    sqlx::query_scalar!(
        r#"UPDATE users SET stripe_customer_id = COALESCE(stripe_customer_id, $2) WHERE id = $1
           RETURNING stripe_customer_id AS "id!""#,
        user.0,
        customer
    )
    .fetch_one(db)
    .await
}
