//! Carts, promo codes and orders in the database: pricing from the database,
//! promo rules, guest cart merge, stock taken and given back, idempotent
//! submits, payment events once, and what concurrent checkouts leave behind.

use crate::common;

use std::str::FromStr;

use common::{NewProduct, category};
use rust_decimal::Decimal;
use sqlx::PgPool;
use trove::account::{AddressInput, UserId};
use trove::checkout::db::{NewOrder, NewPromo, Placed, create_promo, place_order};
use trove::checkout::rules::DiscountKind;
use trove::config::Config;
use trove::error::AppError;
use trove::orders::{OrderNumber, OrderStatus, PaymentMethod};
use trove::product::ProductId;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn config() -> Config {
    common::config(&common::media_dir())
}

/// A shopper created directly in SQL (no password hashing: these tests make many).
pub(crate) async fn shopper(pool: &PgPool, name: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, first_name, last_name, password_hash) VALUES ($1, 'Sam', 'Shopper', 'x') RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO user_emails (user_id, email, is_primary) VALUES ($1, $2, true)")
        .bind(id)
        .bind(format!("{name}@example.com"))
        .execute(pool)
        .await
        .unwrap();
    UserId(id)
}

fn address() -> AddressInput {
    AddressInput {
        full_name: "Sam Shopper".into(),
        line1: "1 Main St".into(),
        line2: String::new(),
        city: "Springfield".into(),
        province: "IL".into(),
        postal_code: "62701".into(),
        country: "US".into(),
        phone: String::new(),
    }
}

async fn add(pool: &PgPool, user: UserId, product: i64, quantity: i32) -> Result<(), AppError> {
    let cart = trove::cart::db::ensure_user_cart(pool, user).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    trove::cart::db::add(&mut conn, cart, ProductId(product), quantity).await
}

async fn checkout(
    pool: &PgPool,
    config: &Config,
    user: UserId,
    promo: Option<&str>,
    token: Uuid,
) -> Result<Placed, AppError> {
    let address = address();
    let mut tx = pool.begin().await.unwrap();
    let order = NewOrder { user, token, method: PaymentMethod::CashOnDelivery, address: &address, promo };
    let placed = place_order(&mut tx, config, order).await?;
    tx.commit().await.unwrap();
    Ok(placed)
}

fn token() -> Uuid {
    Uuid::from_u128(u128::from(common::unique()) + 1 + (u128::from(std::process::id()) << 64))
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn an_order_is_priced_from_the_database_with_snapshots_and_its_first_event(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let honey = NewProduct { stock: 5, ..NewProduct::new(cat, "Honey", "12.00") }.insert(&pool).await;
    let tea = NewProduct { offer: Some("3.50"), ..NewProduct::new(cat, "Tea", "4.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    add(&pool, amy, honey, 2).await.unwrap();
    add(&pool, amy, tea, 3).await.unwrap();
    // The price changes after the cart was filled: the order takes today's price.
    sqlx::query("UPDATE products SET price = 13.00 WHERE id = $1").bind(honey).execute(&pool).await.unwrap();

    let placed = checkout(&pool, &config, amy, None, token()).await.unwrap();
    assert!(placed.created);
    assert_eq!(placed.status, OrderStatus::Processing, "cash on delivery goes straight to processing");
    // 2 × 13.00 + 3 × 3.50 = 36.50, below the 50.00 threshold: 4.90 shipping.
    assert_eq!(placed.total, dec("41.40"));

    let (subtotal, shipping, total): (Decimal, Decimal, Decimal) =
        sqlx::query_as("SELECT subtotal, shipping, total FROM orders WHERE id = $1")
            .bind(placed.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((subtotal, shipping, total), (dec("36.50"), dec("4.90"), dec("41.40")));
    let items: Vec<(String, Decimal, i32)> =
        sqlx::query_as("SELECT name, unit_price, quantity FROM order_items WHERE order_id = $1 ORDER BY name")
            .bind(placed.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(items, vec![("Honey".into(), dec("13.00"), 2), ("Tea".into(), dec("3.50"), 3)]);
    // Renaming the product later does not rewrite the order.
    sqlx::query("UPDATE products SET name = 'Wild Honey' WHERE id = $1").bind(honey).execute(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let (_, detail) = trove::orders::db::detail(&mut conn, Some(amy), placed.number).await.unwrap().unwrap();
    assert_eq!(detail.lines[0].name, "Honey");
    assert_eq!(detail.address.city, "Springfield");
    assert_eq!(detail.events.len(), 1);
    assert_eq!((detail.events[0].from, detail.events[0].to), (None, OrderStatus::Processing));

    assert_eq!(stock(&pool, honey).await, 3);
    assert_eq!(stock(&pool, tea).await, 7);
    assert_eq!(count(&pool, "SELECT count(*) FROM cart_items").await, 0, "the cart is emptied");
    assert_eq!(count(&pool, "SELECT count(*) FROM notifications WHERE title LIKE 'Order #% confirmed'").await, 1);
    let (to, body): (String, String) =
        sqlx::query_as("SELECT recipient, body_text FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(to, "amy@example.com");
    assert!(body.contains("2 x Honey") && body.contains("$41.40"), "{body}");
    // Another shopper cannot see it.
    let bob = shopper(&pool, "bob").await;
    assert!(trove::orders::db::detail(&mut conn, Some(bob), placed.number).await.unwrap().is_none());
}

#[sqlx::test]
async fn shipping_is_free_from_the_threshold_and_an_empty_cart_is_refused(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let oil = NewProduct::new(cat, "Olive Oil", "25.00").insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let empty = checkout(&pool, &config, amy, None, token()).await.unwrap_err();
    assert_eq!(empty, AppError::BadRequest("Your cart is empty.".into()));
    add(&pool, amy, oil, 2).await.unwrap();
    let placed = checkout(&pool, &config, amy, None, token()).await.unwrap();
    assert_eq!(placed.total, dec("50.00"));
}

#[sqlx::test]
async fn promo_codes_are_refused_with_their_reason_and_counted_when_used(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let jam = NewProduct { stock: 100, ..NewProduct::new(cat, "Jam", "10.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let promo = |code, kind, value: &str| NewPromo {
        code,
        kind,
        value: dec(value),
        min_subtotal: None,
        expires_at: None,
        usage_limit: None,
    };
    create_promo(&pool, &promo("TENOFF", DiscountKind::Percent, "10")).await.unwrap();
    create_promo(&pool, &NewPromo { min_subtotal: Some(dec("100")), ..promo("BIGSPEND", DiscountKind::Fixed, "15") })
        .await
        .unwrap();
    create_promo(
        &pool,
        &NewPromo {
            expires_at: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
            ..promo("OLD", DiscountKind::Fixed, "5")
        },
    )
    .await
    .unwrap();
    create_promo(&pool, &NewPromo { usage_limit: Some(1), ..promo("ONCE", DiscountKind::Fixed, "5") }).await.unwrap();
    let off = create_promo(&pool, &promo("PAUSED", DiscountKind::Fixed, "5")).await.unwrap();
    sqlx::query("UPDATE promo_codes SET active = false WHERE id = $1").bind(off).execute(&pool).await.unwrap();
    sqlx::query("UPDATE promo_codes SET used_count = 1 WHERE code = 'ONCE'").execute(&pool).await.unwrap();

    add(&pool, amy, jam, 3).await.unwrap();
    for (code, reason) in [
        ("nope", "We don't know that promo code. Check the spelling."),
        ("old", "That promo code has expired."),
        ("paused", "That promo code is not active."),
        ("once", "That promo code has been used up."),
        ("bigspend", "That promo code needs a subtotal of at least $100.00."),
    ] {
        let refused = checkout(&pool, &config, amy, Some(code), token()).await.unwrap_err();
        assert_eq!(refused.message_for("promo").as_deref(), Some(reason), "{code}");
    }
    assert_eq!(stock(&pool, jam).await, 100, "a refused checkout takes no stock");

    // Lower case and spaces are fine; 10% of 30.00 is 3.00; 27.00 + 4.90 shipping.
    let placed = checkout(&pool, &config, amy, Some(" tenoff "), token()).await.unwrap();
    assert_eq!(placed.total, dec("31.90"));
    let (discount, code): (Decimal, String) = sqlx::query_as("SELECT discount, promo_code FROM orders WHERE id = $1")
        .bind(placed.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((discount, code.as_str()), (dec("3.00"), "TENOFF"));
    assert_eq!(count(&pool, "SELECT used_count::bigint FROM promo_codes WHERE code = 'TENOFF'").await, 1);
}

#[sqlx::test]
async fn a_repeated_submit_returns_the_same_order_and_takes_stock_once(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let rice = NewProduct::new(cat, "Rice", "3.00").insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    add(&pool, amy, rice, 4).await.unwrap();
    let submit = token();
    let first = checkout(&pool, &config, amy, None, submit).await.unwrap();
    // The shopper fills the cart again and the browser re-sends the old submit.
    add(&pool, amy, rice, 1).await.unwrap();
    let again = checkout(&pool, &config, amy, None, submit).await.unwrap();
    assert_eq!((again.id, again.created), (first.id, false));
    assert_eq!(stock(&pool, rice).await, 6, "10 - 4: the repeat took nothing");
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM cart_items").await, 1, "the new cart is kept");
}

#[sqlx::test]
async fn the_cart_refuses_more_than_is_in_stock_and_checkout_refuses_what_sold_out_since(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let salt = NewProduct { stock: 3, ..NewProduct::new(cat, "Salt", "1.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    add(&pool, amy, salt, 2).await.unwrap();
    let refused = add(&pool, amy, salt, 2).await.unwrap_err();
    assert_eq!(refused, AppError::OutOfStock("Only 3 of Salt are left. Your cart already has 2.".into()));
    common::set_stock(&pool, salt, 1).await;
    let sold = checkout(&pool, &config, amy, None, token()).await.unwrap_err();
    assert_eq!(sold, AppError::OutOfStock("Only 1 Salt is left.".into()));
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 0);
    assert_eq!(stock(&pool, salt).await, 1);
}

#[sqlx::test]
async fn signing_in_merges_the_guest_cart_adding_quantities_capped_by_stock(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let flour = NewProduct { stock: 5, ..NewProduct::new(cat, "Flour", "2.00") }.insert(&pool).await;
    let sugar = NewProduct::new(cat, "Sugar", "2.50").insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    add(&pool, amy, flour, 3).await.unwrap();

    let guest = trove::cart::db::create_guest_cart(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    trove::cart::db::add(&mut conn, guest, ProductId(flour), 4).await.unwrap();
    trove::cart::db::add(&mut conn, guest, ProductId(sugar), 2).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let cart = trove::cart::db::merge_into_user(&mut tx, guest, amy).await.unwrap();
    tx.commit().await.unwrap();

    let lines = trove::cart::db::lines(&pool, cart).await.unwrap();
    let quantities: Vec<(&str, i32)> = lines.iter().map(|l| (l.name.as_str(), l.quantity)).collect();
    assert_eq!(quantities, vec![("Flour", 5), ("Sugar", 2)], "3 + 4 flour capped at the 5 in stock");
    assert!(!trove::cart::db::guest_cart_exists(&pool, guest).await.unwrap(), "the guest cart is gone");
    // Merging again (a second tab signing in) changes nothing.
    let mut tx = pool.begin().await.unwrap();
    trove::cart::db::merge_into_user(&mut tx, guest, amy).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(trove::cart::db::count(&pool, cart).await.unwrap(), 7);
}

#[sqlx::test]
async fn cancelling_gives_the_stock_back_and_a_shipped_order_cannot_be_cancelled(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let beans = NewProduct::new(cat, "Beans", "2.00").insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    add(&pool, amy, beans, 4).await.unwrap();
    let placed = checkout(&pool, &config, amy, None, token()).await.unwrap();
    assert_eq!(stock(&pool, beans).await, 6);

    let mut tx = pool.begin().await.unwrap();
    let order = trove::orders::db::lock(&mut tx, placed.number).await.unwrap().unwrap();
    trove::orders::db::cancel(&mut tx, &config, &order, Some(amy), "").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stock(&pool, beans).await, 10);
    let mut conn = pool.acquire().await.unwrap();
    let (_, detail) = trove::orders::db::detail(&mut conn, Some(amy), placed.number).await.unwrap().unwrap();
    let steps: Vec<_> = detail.events.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(steps, vec![(None, OrderStatus::Processing), (Some(OrderStatus::Processing), OrderStatus::Cancelled)]);
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE subject LIKE 'Order #% cancelled%'").await, 1);

    add(&pool, amy, beans, 1).await.unwrap();
    let second = checkout(&pool, &config, amy, None, token()).await.unwrap();
    sqlx::query("UPDATE orders SET status = 'SHIPPED' WHERE id = $1").bind(second.id).execute(&pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let order = trove::orders::db::lock(&mut tx, second.number).await.unwrap().unwrap();
    let refused = trove::orders::db::cancel(&mut tx, &config, &order, Some(amy), "").await.unwrap_err();
    assert_eq!(refused.to_string(), format!("Order {} is shipped and can no longer be cancelled.", second.number));
}

#[sqlx::test]
async fn cancelling_an_order_or_the_unpaid_sweep_gives_its_promo_use_back(pool: PgPool) {
    let config = config();
    let state = trove::startup::state_with_pool(config.clone(), pool.clone()).expect("the test configuration is valid");
    let cat = category(&pool, "Pantry").await;
    let jam = NewProduct { stock: 100, ..NewProduct::new(cat, "Jam", "10.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let promo = NewPromo {
        code: "ONCE",
        kind: DiscountKind::Fixed,
        value: dec("2"),
        min_subtotal: None,
        expires_at: None,
        usage_limit: Some(1),
    };
    create_promo(&pool, &promo).await.unwrap();
    let used = || count(&pool, "SELECT used_count::bigint FROM promo_codes WHERE code = 'ONCE'");

    // Place and cancel: the single use comes back, and the code works again.
    add(&pool, amy, jam, 1).await.unwrap();
    let placed = checkout(&pool, &config, amy, Some("ONCE"), token()).await.unwrap();
    assert_eq!(used().await, 1);
    trove::orders::service::cancel_by_shopper(&state, &viewer(&pool, amy).await, placed.number).await.unwrap();
    assert_eq!(used().await, 0, "cancelling gave the use back");

    // A card order left unpaid is swept: its use comes back too.
    add(&pool, amy, jam, 1).await.unwrap();
    let address = address();
    let mut tx = pool.begin().await.unwrap();
    let order =
        NewOrder { user: amy, token: token(), method: PaymentMethod::Card, address: &address, promo: Some("ONCE") };
    let unpaid = place_order(&mut tx, &config, order).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(used().await, 1);
    sqlx::query("UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = $1")
        .bind(unpaid.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(trove::orders::service::sweep_unpaid(&state).await.unwrap(), 1);
    assert_eq!(used().await, 0, "the sweep gave the use back");
    add(&pool, amy, jam, 1).await.unwrap();
    checkout(&pool, &config, amy, Some("ONCE"), token()).await.expect("the code can be used again");
}

async fn viewer(pool: &PgPool, user: UserId) -> trove::account::Viewer {
    let mut conn = pool.acquire().await.unwrap();
    trove::account::db::viewer(&mut *conn, user).await.unwrap().unwrap()
}

#[sqlx::test]
async fn a_shopper_cannot_hold_more_open_orders_than_the_shop_allows(pool: PgPool) {
    let config = Config::from_lookup(|name| (name == "TROVE_MAX_OPEN_ORDERS").then(|| "2".to_owned())).unwrap();
    let cat = category(&pool, "Pantry").await;
    let jam = NewProduct { stock: 100, ..NewProduct::new(cat, "Jam", "10.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let mut placed = Vec::new();
    for _ in 0..2 {
        add(&pool, amy, jam, 1).await.unwrap();
        let token = token();
        placed.push((token, checkout(&pool, &config, amy, None, token).await.unwrap()));
    }
    add(&pool, amy, jam, 1).await.unwrap();
    let refused = checkout(&pool, &config, amy, None, token()).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(refused.to_string().contains("You have 2 orders waiting to ship"), "{refused}");
    assert_eq!(stock(&pool, jam).await, 98, "nothing more was taken");
    // A repeated submit of a placed order still answers with it.
    let again = checkout(&pool, &config, amy, None, placed[0].0).await.unwrap();
    assert_eq!(again.number, placed[0].1.number);
    // Once one has shipped, another can be placed.
    sqlx::query("UPDATE orders SET status = 'SHIPPED' WHERE id = $1")
        .bind(placed[0].1.id)
        .execute(&pool)
        .await
        .unwrap();
    checkout(&pool, &config, amy, None, token()).await.expect("room for one more");
}

/// A card order and its PaymentIntent id, as checkout and the pay step leave it.
async fn card_order(pool: &PgPool, config: &Config, user: UserId, product: i64, intent: &str) -> Placed {
    add(pool, user, product, 1).await.unwrap();
    let address = address();
    let mut tx = pool.begin().await.unwrap();
    let order = NewOrder { user, token: token(), method: PaymentMethod::Card, address: &address, promo: None };
    let placed = place_order(&mut tx, config, order).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(placed.status, OrderStatus::PendingPayment);
    trove::orders::db::set_payment_intent(pool, placed.id, intent).await.unwrap();
    placed
}

#[sqlx::test]
async fn a_payment_marks_its_order_paid_once_and_a_replayed_event_is_ignored(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Gadgets").await;
    let lamp = NewProduct::new(cat, "Lamp", "60.00").insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let placed = card_order(&pool, &config, amy, lamp, "pi_test_1").await;

    assert!(trove::orders::db::first_payment_event(&pool, "evt_1", "payment_intent.succeeded").await.unwrap());
    assert!(!trove::orders::db::first_payment_event(&pool, "evt_1", "payment_intent.succeeded").await.unwrap());

    // A wrong amount is not a payment of this order.
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(trove::orders::db::mark_paid(&mut tx, &config, "pi_test_1", 100).await.unwrap(), None);
    tx.commit().await.unwrap();
    for _ in 0..2 {
        let mut tx = pool.begin().await.unwrap();
        let number = trove::orders::db::mark_paid(&mut tx, &config, "pi_test_1", 6000).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(number, Some(placed.number));
    }
    let mut conn = pool.acquire().await.unwrap();
    let (_, detail) = trove::orders::db::detail(&mut conn, Some(amy), placed.number).await.unwrap().unwrap();
    assert_eq!(detail.status, OrderStatus::Processing);
    assert!(detail.paid_at.is_some());
    assert_eq!(detail.events.len(), 2, "pending payment, then processing once");
}

#[sqlx::test]
async fn unpaid_card_orders_are_cancelled_after_the_configured_time_and_their_stock_returns(pool: PgPool) {
    let config = config();
    let state = trove::startup::state_with_pool(config.clone(), pool.clone()).expect("the test configuration is valid");
    let cat = category(&pool, "Gadgets").await;
    let fan = NewProduct { stock: 2, ..NewProduct::new(cat, "Fan", "30.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    let stale = card_order(&pool, &config, amy, fan, "pi_stale").await;
    let fresh = card_order(&pool, &config, amy, fan, "pi_fresh").await;
    assert_eq!(stock(&pool, fan).await, 0);
    sqlx::query("UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = $1")
        .bind(stale.id)
        .execute(&pool)
        .await
        .unwrap();

    assert_eq!(trove::orders::service::sweep_unpaid(&state).await.unwrap(), 1);
    assert_eq!(stock(&pool, fan).await, 1);
    let status = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT status::text FROM orders WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(status(stale.id).await, "CANCELLED");
    assert_eq!(status(fresh.id).await, "PENDING_PAYMENT");
    assert_eq!(trove::orders::service::sweep_unpaid(&state).await.unwrap(), 0, "nothing twice");
}

/// `count` shoppers, each with one of `product` in the cart, check out at the
/// same moment (with `promo`); answers how many orders were placed and the refusals.
async fn simultaneous_checkouts(
    pool: &PgPool,
    product: i64,
    count: usize,
    promo: Option<&'static str>,
) -> (usize, Vec<AppError>) {
    let config = std::sync::Arc::new(config());
    let mut buyers = Vec::new();
    for i in 0..count {
        let buyer = shopper(pool, &format!("buyer{i}")).await;
        add(pool, buyer, product, 1).await.unwrap();
        buyers.push(buyer);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(count));
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|buyer| {
            let (pool, config, start) = (pool.clone(), config.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                checkout(&pool, &config, buyer, promo, token()).await
            })
        })
        .collect();
    let mut placed = 0;
    let mut refused = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => placed += 1,
            Err(error) => refused.push(error),
        }
    }
    (placed, refused)
}

#[sqlx::test]
async fn fifty_buyers_for_ten_in_stock_give_ten_orders_and_forty_clear_refusals(pool: PgPool) {
    let cat = category(&pool, "Limited").await;
    let watch = NewProduct { stock: 10, ..NewProduct::new(cat, "Watch", "99.00") }.insert(&pool).await;
    let (placed, refused) = simultaneous_checkouts(&pool, watch, 50, None).await;
    assert_eq!(placed, 10);
    assert_eq!(refused.len(), 40);
    assert!(refused.iter().all(|e| *e == AppError::OutOfStock("Watch is sold out.".into())), "{refused:?}");
    assert_eq!(stock(&pool, watch).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders").await, 10);
}

#[sqlx::test]
async fn a_promo_code_limited_to_five_uses_is_used_five_times_under_concurrent_checkouts(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let coffee = NewProduct { stock: 1000, ..NewProduct::new(cat, "Coffee", "8.00") }.insert(&pool).await;
    create_promo(
        &pool,
        &NewPromo {
            code: "FIVE",
            kind: DiscountKind::Fixed,
            value: dec("2"),
            min_subtotal: None,
            expires_at: None,
            usage_limit: Some(5),
        },
    )
    .await
    .unwrap();
    let (placed, refused) = simultaneous_checkouts(&pool, coffee, 20, Some("FIVE")).await;
    assert!(
        refused.iter().all(|e| e.message_for("promo").as_deref() == Some("That promo code has been used up.")),
        "{refused:?}"
    );
    assert_eq!(placed, 5);
    assert_eq!(count(&pool, "SELECT used_count::bigint FROM promo_codes WHERE code = 'FIVE'").await, 5);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders WHERE promo_code = 'FIVE'").await, 5);
    assert_eq!(stock(&pool, coffee).await, 995);
}

#[sqlx::test]
async fn history_is_newest_first_and_paginated(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let oats = NewProduct { stock: 100, ..NewProduct::new(cat, "Oats", "1.00") }.insert(&pool).await;
    let amy = shopper(&pool, "amy").await;
    // Twelve orders are waiting to ship at once here: more than the default cap.
    let config = Config { max_open_orders: 100, ..config };
    let mut numbers = Vec::new();
    for _ in 0..12 {
        add(&pool, amy, oats, 1).await.unwrap();
        numbers.push(checkout(&pool, &config, amy, None, token()).await.unwrap().number);
    }
    let first = trove::orders::db::history(&pool, amy, 1).await.unwrap();
    assert_eq!(first.orders.len(), 10);
    assert!(first.has_next);
    assert_eq!(first.orders[0].number, *numbers.last().unwrap());
    let second = trove::orders::db::history(&pool, amy, 2).await.unwrap();
    let rest: Vec<OrderNumber> = second.orders.iter().map(|o| o.number).collect();
    assert_eq!(rest, vec![numbers[1], numbers[0]]);
    assert!(!second.has_next);
}

#[sqlx::test]
async fn two_instances_sweeping_at_once_cancel_each_unpaid_order_once(pool: PgPool) {
    let config = config();
    let cat = category(&pool, "Pantry").await;
    let jam = NewProduct { stock: 100, ..NewProduct::new(cat, "Jam", "3.00") }.insert(&pool).await;
    for i in 0..20 {
        let user = shopper(&pool, &format!("sam{i}")).await;
        add(&pool, user, jam, 2).await.unwrap();
        let address = address();
        let mut tx = pool.begin().await.unwrap();
        let order = NewOrder { user, token: token(), method: PaymentMethod::Card, address: &address, promo: None };
        place_order(&mut tx, &config, order).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(stock(&pool, jam).await, 60);
    sqlx::query("UPDATE orders SET created_at = now() - interval '31 minutes'").execute(&pool).await.unwrap();

    // Two instances: each with its own pool on the one database, sweeping at the same moment.
    let instance = || async {
        let own = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with((*pool.connect_options()).clone())
            .await
            .unwrap();
        trove::startup::state_with_pool(config.clone(), own).unwrap()
    };
    let (a, b) = (instance().await, instance().await);
    let (swept_a, swept_b) =
        tokio::join!(trove::orders::service::sweep_unpaid(&a), trove::orders::service::sweep_unpaid(&b));
    assert_eq!(swept_a.unwrap() + swept_b.unwrap(), 20, "each order cancelled by one instance");
    assert_eq!(stock(&pool, jam).await, 100, "the stock came back once");
    let cancellations = count(&pool, "SELECT count(*) FROM order_events WHERE to_status = 'CANCELLED'").await;
    assert_eq!(cancellations, 20);
    let doubled = count(&pool, "SELECT count(*) - count(DISTINCT (recipient, subject)) FROM email_outbox").await;
    assert_eq!(doubled, 0, "no mail queued twice");
}
