//! The admin area against the database: dashboard figures from known orders,
//! CSV import (all or nothing, problems by line and column), staff order
//! transitions, categories in use, the last admin, and the audit log.

use crate::common;

use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use common::{NewProduct, category};
use rust_decimal::Decimal;
use sqlx::PgPool;
use trove::account::{Role, UserId, Viewer};
use trove::admin::db;
use trove::admin::{ImportReport, OrderFilter, ProductFilter, ProductSort, ProductState};
use trove::error::AppError;
use trove::orders::{OrderNumber, OrderStatus, PaymentMethod, StaffAction};
use trove::state::AppState;
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn state(pool: &PgPool) -> AppState {
    trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone())
        .expect("the test configuration is valid")
}

async fn person(pool: &PgPool, name: &str, role: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, first_name, last_name, password_hash, role)
         VALUES ($1, 'Pat', $1, 'x', $2::user_role) RETURNING id",
    )
    .bind(name)
    .bind(role)
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

fn viewer(id: UserId, role: Role) -> Viewer {
    Viewer { id, username: "staff".into(), first_name: "Staff".into(), role }
}

/// An order written directly, with the status, method, total and time a test needs.
async fn order(pool: &PgPool, user: UserId, status: &str, method: &str, total: &str, at: DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO orders (user_id, status, payment_method, currency, subtotal, total, ship_full_name, ship_line1,
                             ship_city, ship_postal_code, ship_country, idempotency_key, created_at)
         VALUES ($1, $2::order_status, $3::payment_method, 'EUR', $4, $4, 'Pat', '1 Road', 'Town', '1000', 'NL',
                 gen_random_uuid(), $5)
         RETURNING number",
    )
    .bind(user.0)
    .bind(status)
    .bind(method)
    .bind(dec(total))
    .bind(at)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn dashboard_figures_come_from_the_confirmed_orders_of_each_period(pool: PgPool) {
    let shopper = person(&pool, "buyer", "MEMBER").await;
    // Wednesday 2026-11-18, 15:00 UTC.
    let now = Utc.with_ymd_and_hms(2026, 11, 18, 15, 0, 0).unwrap();
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
    order(&pool, shopper, "PROCESSING", "CARD", "30.00", at(18, 9)).await; // today
    order(&pool, shopper, "DELIVERED", "CASH_ON_DELIVERY", "10.00", at(18, 1)).await; // today
    order(&pool, shopper, "SHIPPED", "CARD", "20.00", at(16, 12)).await; // Monday: this week
    order(&pool, shopper, "PROCESSING", "CARD", "40.00", at(15, 12)).await; // Sunday: last week, this month
    order(&pool, shopper, "DELIVERED", "CARD", "100.00", Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap()).await; // last month
    // Not revenue: cancelled, refunded, unpaid, and after `now`.
    order(&pool, shopper, "CANCELLED", "CARD", "500.00", at(18, 10)).await;
    order(&pool, shopper, "REFUNDED", "CARD", "500.00", at(17, 10)).await;
    order(&pool, shopper, "PENDING_PAYMENT", "CARD", "500.00", at(18, 11)).await;
    order(&pool, shopper, "PROCESSING", "CARD", "500.00", at(18, 16)).await;

    let (today, week, month) = db::period_figures(&pool, now).await.unwrap();
    assert_eq!((today.revenue, today.orders), (dec("40.00"), 2));
    assert_eq!(today.average(), dec("20.00"));
    assert_eq!((week.revenue, week.orders), (dec("60.00"), 3));
    assert_eq!((month.revenue, month.orders), (dec("100.00"), 4));
    assert_eq!(month.average(), dec("25.00"));

    let days = db::revenue_by_day(&pool, now, 30).await.unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days.first().unwrap().day, "2026-10-20");
    assert_eq!(days.last().unwrap().day, "2026-11-18");
    let day = |d: &str| days.iter().find(|x| x.day == d).unwrap().clone();
    assert_eq!((day("2026-11-18").revenue, day("2026-11-18").orders), (dec("40.00"), 2));
    assert_eq!(day("2026-11-17").revenue, dec("0"));
    assert_eq!(day("2026-10-31").revenue, dec("100.00"));
    let total: Decimal = days.iter().map(|d| d.revenue).sum();
    assert_eq!(total, dec("200.00"));
}

#[sqlx::test]
async fn the_order_list_filters_by_status_method_dates_and_customer(pool: PgPool) {
    let ann = person(&pool, "ann_smith", "MEMBER").await;
    let bob = person(&pool, "bob_jones", "MEMBER").await;
    let at = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    let a1 = order(&pool, ann, "PROCESSING", "CARD", "10.00", at(1)).await;
    let a2 = order(&pool, ann, "SHIPPED", "CASH_ON_DELIVERY", "11.00", at(5)).await;
    let b1 = order(&pool, bob, "PROCESSING", "CASH_ON_DELIVERY", "12.00", at(10)).await;
    let numbers = |rows: Vec<trove::admin::OrderRow>| rows.into_iter().map(|r| r.number.0).collect::<Vec<_>>();
    let list = |f: OrderFilter| {
        let pool = pool.clone();
        async move { numbers(db::orders(&pool, &f, 25).await.unwrap().0) }
    };
    assert_eq!(list(OrderFilter::default()).await, vec![b1, a2, a1]);
    assert_eq!(list(OrderFilter { status: Some(OrderStatus::Processing), ..Default::default() }).await, vec![b1, a1]);
    assert_eq!(
        list(OrderFilter { method: Some(PaymentMethod::CashOnDelivery), ..Default::default() }).await,
        vec![b1, a2]
    );
    assert_eq!(
        list(OrderFilter { from: Some("2026-11-05".into()), to: Some("2026-11-09".into()), ..Default::default() })
            .await,
        vec![a2]
    );
    assert_eq!(list(OrderFilter { customer: "BOB_jones@EXAMPLE".into(), ..Default::default() }).await, vec![b1]);
    assert_eq!(list(OrderFilter { customer: "ann_".into(), ..Default::default() }).await, vec![a2, a1]);
    // LIKE's wildcards are taken literally.
    assert_eq!(list(OrderFilter { customer: "%".into(), ..Default::default() }).await, Vec::<i64>::new());
}

#[test]
fn staff_actions_follow_the_allowed_transitions() {
    use OrderStatus::*;
    use PaymentMethod::*;
    let allowed = |action: StaffAction, status, method, paid| action.allowed(status, method, paid);
    assert!(allowed(StaffAction::Ship, Processing, Card, true));
    assert!(!allowed(StaffAction::Ship, PendingPayment, Card, false));
    assert!(!allowed(StaffAction::Ship, Shipped, Card, true));
    assert!(allowed(StaffAction::Deliver, Shipped, CashOnDelivery, false));
    assert!(!allowed(StaffAction::Deliver, Processing, Card, true));
    assert!(allowed(StaffAction::Cancel, PendingPayment, Card, false));
    assert!(allowed(StaffAction::Cancel, Processing, CashOnDelivery, false));
    for status in [Shipped, Delivered, Cancelled, Refunded] {
        assert!(!allowed(StaffAction::Cancel, status, Card, true), "cancel from {status:?}");
    }
    assert!(allowed(StaffAction::Refund, Shipped, Card, true));
    assert!(allowed(StaffAction::Refund, Delivered, Card, true));
    assert!(!allowed(StaffAction::Refund, Delivered, CashOnDelivery, true));
    assert!(!allowed(StaffAction::Refund, Delivered, Card, false));
    assert!(!allowed(StaffAction::Refund, Processing, Card, true));
    assert_eq!(StaffAction::Ship.required_role(), Role::Moderator);
    assert_eq!(StaffAction::Refund.required_role(), Role::Admin);
}

/// A cash order of two units of a product with `stock` left, placed through checkout.
async fn cash_order(pool: &PgPool, shopper: UserId) -> (OrderNumber, i64) {
    let cat = category(pool, "Pantry").await;
    let product = NewProduct { stock: 5, ..NewProduct::new(cat, "Tea", "4.00") }.insert(pool).await;
    sqlx::query("INSERT INTO carts (user_id) VALUES ($1)").bind(shopper.0).execute(pool).await.unwrap();
    sqlx::query(
        "INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, seen_price)
         SELECT c.id, $2, v.id, 2, 4.00 FROM carts c, product_variants v WHERE c.user_id = $1 AND v.product_id = $2",
    )
    .bind(shopper.0)
    .bind(product)
    .execute(pool)
    .await
    .unwrap();
    let address = trove::account::AddressInput {
        full_name: "Pat".into(),
        line1: "1 Road".into(),
        city: "Town".into(),
        postal_code: "1000".into(),
        country: "NL".into(),
        ..Default::default()
    };
    let config = common::config(&common::media_dir());
    let mut conn = pool.acquire().await.unwrap();
    let placed = trove::checkout::db::place_order(
        &mut conn,
        &config,
        trove::checkout::db::NewOrder {
            user: shopper,
            token: Uuid::from_u128(u128::from(common::unique()) + 1 + (u128::from(std::process::id()) << 64)),
            method: PaymentMethod::CashOnDelivery,
            address: &address,
            promo: None,
        },
    )
    .await
    .unwrap();
    (placed.number, product)
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn staff_ship_and_deliver_a_cash_order_which_is_then_paid_and_notified(pool: PgPool) {
    let app = state(&pool);
    let shopper = person(&pool, "shopper", "MEMBER").await;
    let moderator = viewer(person(&pool, "mod", "MODERATOR").await, Role::Moderator);
    let (number, product) = cash_order(&pool, shopper).await;
    assert_eq!(stock(&pool, product).await, 3);

    // Delivering before shipping is refused with the reason.
    let early = trove::orders::service::staff_action(&app, &moderator, number, StaffAction::Deliver, "").await;
    assert!(
        matches!(&early, Err(AppError::Conflict { message, .. }) if message == "An order that is processing cannot be marked delivered."),
        "{early:?}"
    );
    // Moderators may not cancel.
    let cancel = trove::orders::service::staff_action(&app, &moderator, number, StaffAction::Cancel, "").await;
    assert_eq!(cancel, Err(AppError::Forbidden));

    let shipped = trove::orders::service::staff_action(&app, &moderator, number, StaffAction::Ship, "").await.unwrap();
    assert_eq!(shipped, OrderStatus::Shipped);
    let delivered =
        trove::orders::service::staff_action(&app, &moderator, number, StaffAction::Deliver, "").await.unwrap();
    assert_eq!(delivered, OrderStatus::Delivered);

    let paid: bool = sqlx::query_scalar("SELECT paid_at IS NOT NULL FROM orders WHERE number = $1")
        .bind(number.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(paid, "a delivered cash order is recorded as paid");
    let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM notifications WHERE user_id = $1 ORDER BY id")
        .bind(shopper.0)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        titles,
        vec![
            format!("Order {number} confirmed"),
            format!("Order {number} shipped"),
            format!("Order {number} delivered")
        ]
    );
    let mails: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE recipient = 'shopper@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mails, 3);
    let events: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT e.to_status::text, e.actor_id FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE o.number = $1 ORDER BY e.id",
    )
    .bind(number.0)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(events[1..], [("SHIPPED".into(), Some(moderator.id.0)), ("DELIVERED".into(), Some(moderator.id.0))]);
    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'order' ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audit, vec!["order.ship", "order.deliver"]);
    // Stock stays sold.
    assert_eq!(stock(&pool, product).await, 3);
}

#[sqlx::test]
async fn an_admin_cancelling_before_shipping_gives_the_stock_back(pool: PgPool) {
    let app = state(&pool);
    let shopper = person(&pool, "shopper", "MEMBER").await;
    let admin = viewer(person(&pool, "boss", "ADMIN").await, Role::Admin);
    let (number, product) = cash_order(&pool, shopper).await;
    let ended =
        trove::orders::service::staff_action(&app, &admin, number, StaffAction::Cancel, "Out of delivery range.")
            .await
            .unwrap();
    assert_eq!(ended, OrderStatus::Cancelled);
    assert_eq!(stock(&pool, product).await, 5);
    let body: String = sqlx::query_scalar("SELECT body FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(shopper.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(body.ends_with("Out of delivery range."), "{body}");
    // Nothing more can happen to it.
    for action in StaffAction::ALL {
        assert!(trove::orders::service::staff_action(&app, &admin, number, action, "").await.is_err(), "{action:?}");
    }
    // A refund of an unpaid cash order is refused before reaching any payment provider.
    assert_eq!(stock(&pool, product).await, 5);
}

const GOOD_CSV: &str = "name,slug,category,description,price,offer_price,stock,active,featured
Green Tea,,pantry,Loose leaf.,4.50,,20,yes,no
\"Oolong, Roasted\",oolong-roasted,Pantry,\"Dark, toasty.\",7.00,6.50,5,,yes
";

#[sqlx::test]
async fn a_good_csv_creates_and_then_updates_products(pool: PgPool) {
    let app = state(&pool);
    let admin = person(&pool, "boss", "ADMIN").await;
    category(&pool, "Pantry").await;
    let report = trove::admin::csv::apply(&app, admin, GOOD_CSV.as_bytes()).await.unwrap();
    assert_eq!(report, ImportReport::Applied { created: 2, updated: 0 });
    let (price, offer, featured): (Decimal, Option<Decimal>, bool) =
        sqlx::query_as("SELECT price, offer_price, featured FROM products WHERE slug = 'oolong-roasted'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((price, offer, featured), (dec("7.00"), Some(dec("6.50")), true));

    // The same file with new stock and a price: updates by name and by slug.
    let again = GOOD_CSV.replace(",20,yes", ",25,yes").replace("7.00,6.50", "8.00,");
    let report = trove::admin::csv::apply(&app, admin, again.as_bytes()).await.unwrap();
    assert_eq!(report, ImportReport::Applied { created: 0, updated: 2 });
    let tea: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE slug = 'green-tea'").fetch_one(&pool).await.unwrap();
    assert_eq!(tea, 25);
    let (price, offer): (Decimal, Option<Decimal>) =
        sqlx::query_as("SELECT price, offer_price FROM products WHERE slug = 'oolong-roasted'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((price, offer), (dec("8.00"), None));

    // The export reads back as the same catalog.
    let exported = String::from_utf8(trove::admin::csv::export_csv(&app).await.unwrap()).unwrap();
    assert!(exported.starts_with(
        "name,slug,category,description,price,offer_price,stock,active,featured,options,sku,variant_price,variant_offer_price,variant_active\n"
    ));
    assert!(
        exported.contains(
            "\"Oolong, Roasted\",oolong-roasted,pantry,\"Dark, toasty.\",8.00,,5,yes,yes,,OOLONG-ROASTED,,,yes"
        ),
        "{exported}"
    );
    let report = trove::admin::csv::apply(&app, admin, exported.as_bytes()).await.unwrap();
    assert_eq!(report, ImportReport::Applied { created: 0, updated: 2 });
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'product.import'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 3);
}

#[sqlx::test]
async fn a_csv_with_bad_rows_changes_nothing_and_lists_each_problem(pool: PgPool) {
    let app = state(&pool);
    let admin = person(&pool, "boss", "ADMIN").await;
    let cat = category(&pool, "Pantry").await;
    NewProduct { stock: 3, ..NewProduct::new(cat, "Black Tea", "3.00") }.insert(&pool).await;
    let file = "name,category,price,offer_price,stock,active
Black Tea,pantry,3.50,,9,yes
White Tea,nowhere,4.00,,1,yes
,pantry,0,,-2,maybe
Herbal,pantry,2.00,2.50,1,
black tea,pantry,2.00,,1,
";
    let report = trove::admin::csv::apply(&app, admin, file.as_bytes()).await.unwrap();
    let ImportReport::Refused { problems } = report else { panic!("applied: {report:?}") };
    let found: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(found, vec![(3, "category"), (4, "active"), (5, "offer_price"), (6, "name")], "{problems:#?}");
    assert_eq!(problems[0].message, "There is no category \"nowhere\".");
    assert_eq!(problems[3].message, "The name is also on line 2.");
    // Line 2 was fine, but nothing was applied.
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE name = 'Black Tea'").fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 3);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);

    // Missing and unknown columns are reported on the header line.
    let report = trove::admin::csv::apply(&app, admin, b"name,colour\nTea,red\n").await.unwrap();
    let ImportReport::Refused { problems } = report else { panic!() };
    let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, vec!["colour", "category", "price", "stock"]);
    assert!(problems.iter().all(|p| p.line == 1));

    // A row whose new name belongs to another product is refused at apply time, all rolled back.
    NewProduct::new(cat, "Green Tea", "3.00").insert(&pool).await;
    let clash = "name,slug,category,price,stock\nRooibos,,pantry,2.00,1\nGreen Tea,black-tea,pantry,3.00,1\n";
    let report = trove::admin::csv::apply(&app, admin, clash.as_bytes()).await.unwrap();
    let ImportReport::Refused { problems } = report else { panic!() };
    assert_eq!((problems[0].line, problems[0].column.as_str()), (3, "name"));
    let rooibos: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE name = 'Rooibos'").fetch_one(&pool).await.unwrap();
    assert_eq!(rooibos, 0);
}

#[sqlx::test]
async fn a_category_in_use_is_deleted_only_after_its_products_move(pool: PgPool) {
    let from = category(&pool, "Old").await;
    let to = category(&pool, "New").await;
    let product = NewProduct::new(from, "Jam", "3.00").insert(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    let refused = db::delete_category(&mut tx, from, None).await;
    assert!(
        matches!(&refused, Err(AppError::Conflict { message, .. }) if message == "Old still has 1 product. Move them to another category first."),
        "{refused:?}"
    );
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(db::delete_category(&mut tx, from, Some(to)).await.unwrap(), Some("Old".into()));
    tx.commit().await.unwrap();
    let now: i64 = sqlx::query_scalar("SELECT category_id FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(now, to);
}

#[sqlx::test]
async fn the_last_admin_cannot_be_demoted_or_disabled(pool: PgPool) {
    let only = person(&pool, "only", "ADMIN").await;
    let mut tx = pool.begin().await.unwrap();
    let refused = db::change_role(&mut tx, only, Role::Member).await;
    assert_eq!(
        refused.unwrap_err().message_for("role").unwrap(),
        "This is the only admin account; make another admin first."
    );
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    assert!(db::set_disabled(&mut tx, only, true).await.is_err());
    drop(tx);

    let second = person(&pool, "second", "MEMBER").await;
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(db::change_role(&mut tx, second, Role::Admin).await.unwrap(), Some(Role::Member));
    assert_eq!(db::change_role(&mut tx, only, Role::Moderator).await.unwrap(), Some(Role::Admin));
    tx.commit().await.unwrap();
}

#[sqlx::test]
async fn removing_a_product_deletes_it_unless_it_sold(pool: PgPool) {
    let shopper = person(&pool, "shopper", "MEMBER").await;
    let cat = category(&pool, "Spares").await;
    let unsold = NewProduct::new(cat, "Unsold", "1.00").insert(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(db::remove_product(&mut tx, unsold).await.unwrap().map(|r| r.0), Some(db::Removal::Deleted));
    tx.commit().await.unwrap();
    let (_, sold) = cash_order(&pool, shopper).await;
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(db::remove_product(&mut tx, sold).await.unwrap().map(|r| r.0), Some(db::Removal::Archived));
    tx.commit().await.unwrap();
    let (active, archived): (bool, bool) =
        sqlx::query_as("SELECT active, archived_at IS NOT NULL FROM products WHERE id = $1")
            .bind(sold)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((active, archived), (false, true));
    let gone: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE id = $1").bind(unsold).fetch_one(&pool).await.unwrap();
    assert_eq!(gone, 0);
}

#[sqlx::test]
async fn the_product_table_searches_filters_sorts_and_pages(pool: PgPool) {
    let bakery = category(&pool, "Bakery").await;
    let drinks = category(&pool, "Drinks").await;
    NewProduct { stock: 0, ..NewProduct::new(bakery, "Rye Bread", "3.20") }.insert(&pool).await;
    NewProduct { offer: Some("1.50"), age: 10, ..NewProduct::new(bakery, "Oat Flakes", "2.10") }.insert(&pool).await;
    NewProduct { active: false, age: 20, ..NewProduct::new(drinks, "Green Tea", "4.00") }.insert(&pool).await;
    NewProduct { stock: 3, age: 30, ..NewProduct::new(drinks, "Black Tea", "3.50") }.insert(&pool).await;
    let shopper = person(&pool, "shopper", "MEMBER").await;
    let (_, sold) = cash_order(&pool, shopper).await; // "Tea", sold, so archived when removed
    let mut tx = pool.begin().await.unwrap();
    db::remove_product(&mut tx, sold).await.unwrap();
    tx.commit().await.unwrap();

    let names = |filter: ProductFilter| {
        let pool = pool.clone();
        async move {
            let (rows, _, total) = db::products(&pool, &filter).await.unwrap();
            assert_eq!(total, rows.len() as i64, "{filter:?}");
            rows.into_iter().map(|r| r.name).collect::<Vec<_>>()
        }
    };
    let all = ProductFilter::default;
    // By name, case-insensitively, in part; archived products only when asked.
    assert_eq!(names(all()).await, ["Black Tea", "Green Tea", "Oat Flakes", "Rye Bread"]);
    assert_eq!(names(ProductFilter { search: "TEA".into(), ..all() }).await, ["Black Tea", "Green Tea"]);
    assert_eq!(names(ProductFilter { category: Some(bakery), ..all() }).await, ["Oat Flakes", "Rye Bread"]);
    assert_eq!(names(ProductFilter { state: ProductState::Draft, ..all() }).await, ["Green Tea"]);
    assert_eq!(
        names(ProductFilter { state: ProductState::Active, ..all() }).await,
        ["Black Tea", "Oat Flakes", "Rye Bread"]
    );
    assert_eq!(names(ProductFilter { state: ProductState::Archived, ..all() }).await, ["Tea"]);
    assert_eq!(names(ProductFilter { out_of_stock: true, ..all() }).await, ["Rye Bread"]);
    assert_eq!(names(ProductFilter { on_offer: true, ..all() }).await, ["Oat Flakes"]);
    assert_eq!(
        names(ProductFilter { search: "tea".into(), category: Some(drinks), state: ProductState::Active, ..all() })
            .await,
        ["Black Tea"]
    );
    // Sorted by the price a shopper pays (the offer when there is one), stock, or newest first.
    assert_eq!(
        names(ProductFilter { sort: ProductSort::Price, ..all() }).await,
        ["Oat Flakes", "Rye Bread", "Black Tea", "Green Tea"]
    );
    assert_eq!(
        names(ProductFilter { sort: ProductSort::Stock, ..all() }).await,
        ["Rye Bread", "Black Tea", "Green Tea", "Oat Flakes"]
    );
    assert_eq!(
        names(ProductFilter { sort: ProductSort::Newest, ..all() }).await,
        ["Rye Bread", "Oat Flakes", "Green Tea", "Black Tea"]
    );
}

#[sqlx::test]
async fn the_product_table_pages_by_twenty_five_and_counts_every_match(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    let names: Vec<String> = (1..=30).map(|n| format!("Jar {n:02}")).collect();
    for name in &names {
        NewProduct::new(pantry, name, "1.00").insert(&pool).await;
    }
    let (first, has_next, total) = db::products(&pool, &ProductFilter::default()).await.unwrap();
    assert_eq!((first.len(), has_next, total), (25, true, 30));
    let page = ProductFilter { page: 2, ..ProductFilter::default() };
    let (second, has_next, total) = db::products(&pool, &page).await.unwrap();
    assert_eq!((second.len(), has_next, total), (5, false, 30));
    let shown: Vec<String> = first.into_iter().chain(second).map(|r| r.name).collect();
    assert_eq!(shown, names);
}

#[sqlx::test]
async fn staff_find_low_stock_users_with_their_orders_and_audit_entries(pool: PgPool) {
    let cat = category(&pool, "Bakery").await;
    NewProduct { stock: 0, ..NewProduct::new(cat, "Rye", "1.00") }.insert(&pool).await;
    NewProduct { stock: 5, ..NewProduct::new(cat, "Oats", "1.00") }.insert(&pool).await;
    NewProduct { stock: 6, ..NewProduct::new(cat, "Spelt", "1.00") }.insert(&pool).await;
    NewProduct { stock: 1, active: false, ..NewProduct::new(cat, "Draft Loaf", "1.00") }.insert(&pool).await;
    let low: Vec<(String, i32)> =
        db::low_stock(&pool, 10).await.unwrap().into_iter().map(|p| (p.name, p.stock)).collect();
    assert_eq!(low, [("Rye".to_owned(), 0), ("Oats".to_owned(), 5)]);

    let ann = person(&pool, "ann_smith", "MEMBER").await;
    let bob = person(&pool, "bob_jones", "ADMIN").await;
    sqlx::query("INSERT INTO user_emails (user_id, email, is_primary) VALUES ($1, 'ann@work.example', false)")
        .bind(ann.0)
        .execute(&pool)
        .await
        .unwrap();
    let at = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    let first = order(&pool, ann, "DELIVERED", "CARD", "10.00", at(1)).await;
    let second = order(&pool, ann, "PROCESSING", "CASH_ON_DELIVERY", "12.00", at(3)).await;
    let found = |search: &'static str| {
        let pool = pool.clone();
        async move {
            let list = db::users(&pool, search, 1).await.unwrap();
            list.users.into_iter().map(|u| (u.username, u.orders)).collect::<Vec<_>>()
        }
    };
    let ann_row = vec![("ann_smith".to_owned(), 2)];
    assert_eq!(found("ANN_").await, ann_row, "by username");
    assert_eq!(found("work.example").await, ann_row, "by any of the account's emails");
    assert_eq!(found("pat bob").await, vec![("bob_jones".to_owned(), 0)], "by name");
    assert_eq!(found("nobody").await, vec![]);
    let mut conn = pool.acquire().await.unwrap();
    let detail = db::user(&mut conn, ann).await.unwrap().unwrap();
    assert_eq!(detail.user.email, "ann_smith@example.com");
    let orders: Vec<(i64, OrderStatus)> = detail.orders.iter().map(|o| (o.number.0, o.status)).collect();
    assert_eq!(orders, [(second, OrderStatus::Processing), (first, OrderStatus::Delivered)]);

    let mut tx = pool.begin().await.unwrap();
    trove::audit::Audit::new(bob, "product.quick_edit", "product", 1)
        .summary("Rye: stock 0 → 4")
        .write(&mut tx)
        .await
        .unwrap();
    trove::audit::Audit::new(bob, "user.role", "user", ann.0)
        .summary("ann_smith: member → moderator")
        .write(&mut tx)
        .await
        .unwrap();
    trove::audit::Audit::new(ann, "order.ship", "order", second).summary("Shipped").write(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    let actions = |entity: &'static str, actor: &'static str| {
        let pool = pool.clone();
        async move {
            let page = db::audit_log(&pool, entity, actor, 1).await.unwrap();
            page.entries.into_iter().map(|e| e.action).collect::<Vec<_>>()
        }
    };
    assert_eq!(actions("", "").await, ["order.ship", "user.role", "product.quick_edit"]);
    assert_eq!(actions("product", "").await, ["product.quick_edit"]);
    assert_eq!(actions("", "BOB").await, ["user.role", "product.quick_edit"]);
    assert_eq!(actions("user", "bob_jones").await, ["user.role"]);
    assert_eq!(actions("", "ann%").await, Vec::<String>::new(), "wildcards are taken literally");

    // An entry whose actor's account is gone still shows in the unfiltered log.
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, entity, entity_id, summary) VALUES (NULL, 'product.delete', 'product', '9', 'Deleted Rye')",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(actions("", "").await, ["product.delete", "order.ship", "user.role", "product.quick_edit"]);
    let page = db::audit_log(&pool, "", "", 1).await.unwrap();
    assert_eq!(page.entries[0].actor, "deleted user");
    assert_eq!(actions("", "bob").await, ["user.role", "product.quick_edit"], "a filter by person leaves it out");
}
