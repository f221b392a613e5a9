//! Products sold in variants, in the database: the migration that gave every
//! existing product its one variant, options making the grid, prices and
//! stock per variant through cart, checkout and cancel, and fifty buyers
//! racing for one variant.

use crate::common;

use std::collections::HashMap;
use std::str::FromStr;

use common::{NewProduct, category};
use rust_decimal::Decimal;
use sqlx::PgPool;
use trove::account::{AddressInput, UserId};
use trove::admin::db::{OptionSpec, VariantEdit, define_options, update_variant};
use trove::cart::Pick;
use trove::checkout::db::{NewOrder, place_order};
use trove::config::Config;
use trove::error::AppError;
use trove::orders::PaymentMethod;
use trove::product::{ProductId, VariantId};
use uuid::Uuid;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn spec(name: &str, values: &[&str]) -> OptionSpec {
    OptionSpec { name: name.into(), values: values.iter().map(|v| v.to_string()).collect() }
}

/// A shirt at 19.00 in sizes S, M, L and colours Blue, Black; L costs 21.00
/// (22.00, on offer at 21.00, in black). Stock: S/Blue 0, S/Black 3, M/Blue
/// 10, M/Black 5, L/Blue 2, L/Black 1. Answers the product and its variants
/// by "size/colour".
pub async fn shirt(pool: &PgPool) -> (i64, HashMap<String, i64>) {
    let cat = category(pool, "Clothing").await;
    let product = NewProduct { stock: 7, ..NewProduct::new(cat, "Shirt", "19.00") }.insert(pool).await;
    let mut tx = pool.begin().await.unwrap();
    let ids = define_options(&mut tx, product, &[spec("Size", &["S", "M", "L"]), spec("Colour", &["Blue", "Black"])])
        .await
        .unwrap();
    let names = ["S/Blue", "S/Black", "M/Blue", "M/Black", "L/Blue", "L/Black"];
    let stock = [0, 3, 10, 5, 2, 1];
    let mut variants = HashMap::new();
    for (i, (name, id)) in names.iter().zip(&ids).enumerate() {
        let (price, offer) = match *name {
            "L/Blue" => (Some(dec("21.00")), None),
            "L/Black" => (Some(dec("22.00")), Some(dec("21.00"))),
            _ => (None, None),
        };
        let sku = format!("SHIRT-{}", name.replace('/', "-").to_uppercase());
        let edit = VariantEdit { sku, price, offer_price: offer, stock: stock[i], active: true, images: vec![] };
        update_variant(&mut tx, product, *id, &edit).await.unwrap();
        variants.insert(name.to_string(), *id);
    }
    tx.commit().await.unwrap();
    (product, variants)
}

use super::orders_db::shopper;

async fn add(pool: &PgPool, user: UserId, product: i64, variant: Option<i64>, quantity: i32) -> Result<(), AppError> {
    let cart = trove::cart::db::ensure_user_cart(pool, user).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let pick = Pick { product: ProductId(product), variant: variant.map(VariantId) };
    trove::cart::db::add(&mut conn, cart, pick, quantity).await
}

async fn checkout(pool: &PgPool, config: &Config, user: UserId) -> Result<trove::checkout::db::Placed, AppError> {
    let address = AddressInput {
        full_name: "Sam Shopper".into(),
        line1: "1 Main St".into(),
        line2: String::new(),
        city: "Springfield".into(),
        province: String::new(),
        postal_code: "62701".into(),
        country: "US".into(),
        phone: String::new(),
    };
    let token = Uuid::from_u128(u128::from(common::unique()) + 1 + (u128::from(std::process::id()) << 64));
    let mut tx = pool.begin().await.unwrap();
    let order = NewOrder { user, token, method: PaymentMethod::CashOnDelivery, address: &address, promo: None };
    let placed = place_order(&mut tx, config, order).await?;
    tx.commit().await.unwrap();
    Ok(placed)
}

async fn variant_stock(pool: &PgPool, variant: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM product_variants WHERE id = $1").bind(variant).fetch_one(pool).await.unwrap()
}

async fn product_row(pool: &PgPool, product: i64) -> (i32, Decimal, bool, i32) {
    sqlx::query_as("SELECT stock, sale_price, price_varies, variant_count FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn options_make_a_grid_and_the_product_row_follows_its_variants(pool: PgPool) {
    let (shirt, variants) = shirt(&pool).await;
    assert_eq!(variants.len(), 6);
    // Stock is the sum; the lowest price is what a shopper pays for the cheapest.
    assert_eq!(product_row(&pool, shirt).await, (21, dec("19.00"), true, 6));
    let sku: String = sqlx::query_scalar("SELECT sku FROM product_variants WHERE id = $1")
        .bind(variants["M/Black"])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sku, "SHIRT-M-BLACK");
    // The dashboard's low stock is per variant: the shirt has 21, its L in black 1.
    let low: Vec<(String, i32)> =
        trove::admin::db::low_stock(&pool, 10).await.unwrap().into_iter().map(|l| (l.name, l.stock)).collect();
    assert_eq!(
        low,
        [
            ("Shirt — S / Blue".to_owned(), 0),
            ("Shirt — L / Black".to_owned(), 1),
            ("Shirt — L / Blue".to_owned(), 2),
            ("Shirt — S / Black".to_owned(), 3),
            ("Shirt — M / Black".to_owned(), 5),
        ]
    );

    // A product's stock is written to its variants, never to it.
    let straight = sqlx::query("UPDATE products SET stock = 99 WHERE id = $1").bind(shirt).execute(&pool).await;
    let error = straight.unwrap_err();
    assert_eq!(error.as_database_error().unwrap().constraint(), Some("products_stock_variants_check"));

    // A cheaper product price moves the variants that have none of their own.
    sqlx::query("UPDATE products SET offer_price = 15.00 WHERE id = $1").bind(shirt).execute(&pool).await.unwrap();
    assert_eq!(product_row(&pool, shirt).await.1, dec("15.00"));
    // Withdrawing variants takes their stock out of the sum.
    sqlx::query("UPDATE product_variants SET active = false WHERE id = $1")
        .bind(variants["M/Blue"])
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(product_row(&pool, shirt).await, (11, dec("15.00"), true, 5));

    // Two SKUs cannot be the same, whatever their case; a second grid is refused.
    let mut tx = pool.begin().await.unwrap();
    let taken = VariantEdit {
        sku: "shirt-m-black".into(),
        price: None,
        offer_price: None,
        stock: 1,
        active: true,
        images: vec![],
    };
    let refused = update_variant(&mut tx, shirt, variants["S/Blue"], &taken).await;
    assert_eq!(
        refused,
        Err(AppError::Conflict { field: "sku".into(), message: "Another variant already has this SKU.".into() })
    );
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    let again = define_options(&mut tx, shirt, &[spec("Fit", &["Slim"])]).await;
    assert_eq!(again, Err(AppError::field("options", "This product has its options already.")));
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    let twice = define_options(&mut tx, shirt, &[spec("Size", &["S", "s"])]).await;
    assert_eq!(twice, Err(AppError::field("options", "Size has s twice.")));
}

#[sqlx::test]
async fn each_variant_is_sold_at_its_price_from_its_stock_and_cancelling_puts_it_back(pool: PgPool) {
    let (shirt, v) = shirt(&pool).await;
    let config = common::config(&common::media_dir());
    let sam = shopper(&pool, "sam").await;

    // A product with several variants needs one chosen.
    let unchosen = add(&pool, sam, shirt, None, 1).await;
    assert_eq!(unchosen, Err(AppError::field("variant", "Choose a size and colour first.")));
    // More than the variant has is refused, naming it.
    let greedy = add(&pool, sam, shirt, Some(v["L/Black"]), 2).await;
    assert_eq!(greedy, Err(AppError::OutOfStock("Only 1 Shirt — L / Black is left.".into())));
    let sold_out = add(&pool, sam, shirt, Some(v["S/Blue"]), 1).await;
    assert_eq!(sold_out, Err(AppError::OutOfStock("Shirt — S / Blue is sold out.".into())));
    // Another product's variant is not this product's.
    let other = NewProduct::new(category(&pool, "Tea").await, "Tea", "3.00").insert(&pool).await;
    let mismatched = add(&pool, sam, other, Some(v["M/Blue"]), 1).await;
    assert_eq!(mismatched, Err(AppError::BadRequest("That product is not for sale.".into())));

    add(&pool, sam, shirt, Some(v["M/Blue"]), 2).await.unwrap();
    add(&pool, sam, shirt, Some(v["L/Black"]), 1).await.unwrap();
    let cart = trove::cart::db::user_cart(&pool, sam).await.unwrap().unwrap();
    let lines = trove::cart::db::lines(&pool, cart).await.unwrap();
    let shown: Vec<(String, Decimal, String)> = lines.iter().map(|l| (l.title(), l.unit_price, l.href())).collect();
    assert_eq!(
        shown,
        [
            ("Shirt — M / Blue".to_owned(), dec("19.00"), "/p/shirt?size=m&colour=blue".to_owned()),
            ("Shirt — L / Black".to_owned(), dec("21.00"), "/p/shirt?size=l&colour=black".to_owned()),
        ]
    );

    let placed = checkout(&pool, &config, sam).await.unwrap();
    let subtotal: Decimal = sqlx::query_scalar("SELECT subtotal FROM orders WHERE number = $1")
        .bind(placed.number.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(subtotal, dec("59.00"), "2 x 19.00 + 21.00 (L in black, on offer)");
    let items: Vec<(String, String, String, Decimal, i32)> = sqlx::query_as(
        "SELECT name, options, sku, unit_price, quantity FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE o.number = $1 ORDER BY unit_price",
    )
    .bind(placed.number.0)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        items,
        [
            ("Shirt".into(), "M / Blue".into(), "SHIRT-M-BLUE".into(), dec("19.00"), 2),
            ("Shirt".into(), "L / Black".into(), "SHIRT-L-BLACK".into(), dec("21.00"), 1),
        ]
    );
    assert_eq!((variant_stock(&pool, v["M/Blue"]).await, variant_stock(&pool, v["L/Black"]).await), (8, 0));
    assert_eq!(product_row(&pool, shirt).await.0, 18);
    // The snapshot stays when the variant changes.
    sqlx::query("UPDATE product_variants SET sku = 'NEW-SKU', price = 30.00 WHERE id = $1")
        .bind(v["M/Blue"])
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let (_, detail) = trove::orders::db::detail(&mut conn, Some(sam), placed.number).await.unwrap().unwrap();
    drop(conn);
    let titles: Vec<(String, String)> = detail.lines.iter().map(|l| (l.title(), l.sku.clone())).collect();
    assert!(titles.contains(&("Shirt — M / Blue".into(), "SHIRT-M-BLUE".into())), "{titles:?}");

    // Cancelling gives each variant its own stock back.
    let mut tx = pool.begin().await.unwrap();
    let order = trove::orders::db::lock(&mut tx, placed.number).await.unwrap().unwrap();
    trove::orders::db::cancel(&mut tx, &config, &order, Some(sam), "").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((variant_stock(&pool, v["M/Blue"]).await, variant_stock(&pool, v["L/Black"]).await), (10, 1));
    assert_eq!(product_row(&pool, shirt).await.0, 21);
}

#[sqlx::test]
async fn fifty_buyers_for_one_variant_with_ten_in_stock_give_ten_orders(pool: PgPool) {
    let (shirt, v) = shirt(&pool).await;
    let config = std::sync::Arc::new(common::config(&common::media_dir()));
    let mut buyers = Vec::new();
    for i in 0..50 {
        let buyer = shopper(&pool, &format!("buyer{i}")).await;
        add(&pool, buyer, shirt, Some(v["M/Blue"]), 1).await.unwrap();
        // Every tenth also wants another variant of the same shirt.
        if i % 10 == 0 {
            add(&pool, buyer, shirt, Some(v["M/Black"]), 1).await.unwrap();
        }
        buyers.push(buyer);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(buyers.len()));
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|buyer| {
            let (pool, config, start) = (pool.clone(), config.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                checkout(&pool, &config, buyer).await
            })
        })
        .collect();
    let (mut placed, mut refused) = (0, Vec::new());
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => placed += 1,
            Err(error) => refused.push(error),
        }
    }
    assert_eq!(placed, 10);
    assert_eq!(refused.len(), 40);
    assert!(
        refused.iter().all(|e| matches!(e, AppError::OutOfStock(m) if m.contains("Shirt — M / Blue is sold out.")
            || m == "Some items sold out while you were checking out.")),
        "{refused:?}"
    );
    assert_eq!(variant_stock(&pool, v["M/Blue"]).await, 0);
    let black_sold: i64 =
        sqlx::query_scalar("SELECT COALESCE(sum(quantity), 0) FROM order_items WHERE variant_id = $1")
            .bind(v["M/Black"])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        i64::from(variant_stock(&pool, v["M/Black"]).await),
        5 - black_sold,
        "the other variant lost only what sold"
    );
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(orders, 10);
    assert_eq!(
        product_row(&pool, shirt).await.0,
        3 + 5 - black_sold as i32 + 2 + 1,
        "S/Black, M/Black, L/Blue, L/Black"
    );
}

/// The migrations before variants came, then the rest: what a shop that ran
/// the previous release goes through on upgrade.
#[sqlx::test(migrations = false)]
async fn the_migration_gives_every_existing_product_its_one_variant_and_keeps_carts_and_orders(pool: PgPool) {
    let migrator = sqlx::migrate!();
    let (before, after): (Vec<_>, Vec<_>) = migrator.iter().partition(|m| m.version < 20261203000001);
    for migration in &before {
        sqlx::raw_sql(&migration.sql).execute(&pool).await.unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO categories (name, slug) VALUES ('Tea', 'tea');
         INSERT INTO products (category_id, name, slug, price, stock) VALUES (1, 'Green Tea', 'green-tea', 4.00, 12), (1, 'Black Tea', 'black-tea', 3.00, 0);
         INSERT INTO users (username, first_name, last_name, password_hash) VALUES ('sam', 'Sam', 'Shopper', 'x');
         INSERT INTO carts (user_id) SELECT id FROM users;
         INSERT INTO cart_items (cart_id, product_id, quantity, seen_price) SELECT c.id, 1, 2, 4.00 FROM carts c;
         INSERT INTO orders (user_id, status, payment_method, currency, subtotal, total, ship_full_name, ship_line1,
                             ship_city, ship_postal_code, ship_country, idempotency_key)
         SELECT id, 'PROCESSING', 'CASH_ON_DELIVERY', 'USD', 3.00, 3.00, 'Sam', '1 Road', 'Town', '1000', 'NL', gen_random_uuid() FROM users;
         INSERT INTO order_items (order_id, product_id, name, unit_price, quantity) SELECT id, 2, 'Black Tea', 3.00, 1 FROM orders;",
    )
    .execute(&pool)
    .await
    .unwrap();
    for migration in &after {
        sqlx::raw_sql(&migration.sql).execute(&pool).await.unwrap();
    }
    let variants: Vec<(i64, String, i32, Vec<i64>)> =
        sqlx::query_as("SELECT product_id, sku, stock, option_values FROM product_variants ORDER BY product_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(variants, [(1, "GREEN-TEA".into(), 12, vec![]), (2, "BLACK-TEA".into(), 0, vec![])]);
    let cart: (i64, i32) = sqlx::query_as(
        "SELECT v.product_id, c.quantity FROM cart_items c JOIN product_variants v ON v.id = c.variant_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cart, (1, 2));
    let item: (i64, String, String) = sqlx::query_as(
        "SELECT v.product_id, i.sku, i.options FROM order_items i JOIN product_variants v ON v.id = i.variant_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(item, (2, "BLACK-TEA".into(), String::new()));
    let products: Vec<(i32, Decimal, bool, i32)> =
        sqlx::query_as("SELECT stock, sale_price, price_varies, variant_count FROM products ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(products, [(12, dec("4.00"), false, 1), (0, dec("3.00"), false, 1)]);
    // A product made after the upgrade starts with its one variant too.
    sqlx::query(
        "INSERT INTO products (category_id, name, slug, price, stock) VALUES (1, 'Oolong', 'green-tea-2', 5.00, 4)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let sku: (String, i32) =
        sqlx::query_as("SELECT sku, stock FROM product_variants WHERE product_id = 3").fetch_one(&pool).await.unwrap();
    assert_eq!(sku, ("GREEN-TEA-2".into(), 4));
}

#[sqlx::test]
async fn search_finds_a_product_by_an_option_value_or_a_variant_s_sku(pool: PgPool) {
    shirt(&pool).await;
    let cat = category(&pool, "Kitchen").await;
    let jug = NewProduct::new(cat, "Water Jug", "12.00").insert(&pool).await;
    let categories = trove::catalog::db::categories(&pool).await.unwrap();
    let found = |query: &'static str| {
        let (pool, categories) = (pool.clone(), categories.clone());
        async move {
            let request = trove::search::SearchRequest { query: query.to_owned(), page: 1, ..Default::default() };
            let results = trove::search::db::search(&pool, &request, None, &categories, &[]).await.unwrap();
            (results.products.into_iter().map(|p| p.name).collect::<Vec<_>>(), results.fuzzy)
        }
    };
    assert_eq!(found("black").await, (vec!["Shirt".to_owned()], false), "an option value");
    assert_eq!(found("SHIRT-L-BLUE").await.0, ["Shirt"], "a variant's SKU");
    // A SKU the admin gives a product sold one way finds it too.
    sqlx::query("UPDATE product_variants SET sku = 'JUG-2040' WHERE product_id = $1")
        .bind(jug)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(found("JUG-2040").await.0, ["Water Jug"]);
    // A renamed value changes what finds it.
    assert_eq!(found("navy").await.0, Vec::<String>::new());
    sqlx::query("UPDATE product_option_values SET value = 'Navy' WHERE value = 'Blue'").execute(&pool).await.unwrap();
    assert_eq!(found("navy").await, (vec!["Shirt".to_owned()], false));
}

/// The CSV export, as text.
async fn exported(state: &trove::state::AppState) -> String {
    String::from_utf8(trove::admin::csv::export_csv(state).await.unwrap()).unwrap()
}

#[sqlx::test]
async fn the_csv_has_a_line_a_variant_and_an_import_makes_and_sets_variants_or_names_every_problem(pool: PgPool) {
    use trove::admin::ImportReport;
    let (shirt, v) = shirt(&pool).await;
    let state = trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone()).unwrap();
    let admin = shopper(&pool, "boss").await;

    // One line a variant, the product's columns repeated.
    let csv = exported(&state).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "name,slug,category,description,price,offer_price,stock,active,featured,options,sku,variant_price,variant_offer_price,variant_active"
        )
    );
    assert_eq!(csv.matches("\",19.00,,").count(), 6, "six lines for the shirt: {csv}");
    assert!(csv.contains(",19.00,,1,yes,no,Size=L; Colour=Black,SHIRT-L-BLACK,22.00,21.00,yes\n"), "{csv}");
    assert!(csv.contains(",19.00,,0,yes,no,Size=S; Colour=Blue,SHIRT-S-BLUE,,,yes\n"), "{csv}");
    // Read back as it is, nothing changes.
    let report = trove::admin::csv::apply(&state, admin, csv.as_bytes()).await.unwrap();
    assert_eq!(report, ImportReport::Applied { created: 0, updated: 1 });
    assert_eq!(exported(&state).await, csv, "an export imported is the same catalog");

    // Stock and prices per variant, a new product in sizes, one sold one way with a SKU.
    let file = "name,slug,category,price,stock,options,sku,variant_price,variant_active
Shirt,shirt,clothing,19.00,40,Size=M; Colour=Blue,,,yes
Shirt,shirt,clothing,19.00,0,size=s; colour=black,SHIRT-S-BK,,no
Scarf,,clothing,15.00,4,Colour=Red,SCARF-RED,,
Scarf,,clothing,15.00,2,Colour=Green,SCARF-GREEN,16.50,
Mug,,clothing,9.00,12,,MUG-001,,
";
    let report = trove::admin::csv::apply(&state, admin, file.as_bytes()).await.unwrap();
    assert_eq!(report, ImportReport::Applied { created: 2, updated: 1 });
    let variant = |id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, i32, bool)>("SELECT sku, stock, active FROM product_variants WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(variant(v["M/Blue"]).await, ("SHIRT-M-BLUE".into(), 40, true), "an empty SKU keeps it");
    assert_eq!(variant(v["S/Black"]).await, ("SHIRT-S-BK".into(), 0, false));
    assert_eq!(variant(v["L/Black"]).await, ("SHIRT-L-BLACK".into(), 1, true), "lines left out are left alone");
    let scarf: Vec<(String, String, Option<Decimal>, i32)> = sqlx::query_as(
        "SELECT variant_label(v.option_values), v.sku, v.price, v.stock FROM product_variants v
         JOIN products p ON p.id = v.product_id WHERE p.name = 'Scarf' ORDER BY v.position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        scarf,
        [("Red".into(), "SCARF-RED".into(), None, 4), ("Green".into(), "SCARF-GREEN".into(), Some(dec("16.50")), 2)]
    );
    let mug: (String, i32) = sqlx::query_as(
        "SELECT v.sku, v.stock FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.name = 'Mug'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mug, ("MUG-001".into(), 12));
    let total: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(shirt).fetch_one(&pool).await.unwrap();
    assert_eq!(total, 40 + 5 + 2 + 1, "S/Black is off sale; the others sum (S/Blue has none)");

    // Every problem by line and column, and nothing applied.
    let bad = "name,slug,category,price,stock,options,sku,variant_price
Shirt,shirt,clothing,19.00,1,Size=XXL; Colour=Blue,,
Shirt,shirt,clothing,19.00,1,Colour=Blue; Size=M,,
Shirt,shirt,clothing,21.00,1,Size=M; Colour=Black,,
Shirt,shirt,clothing,19.00,1,,,
Hat,,clothing,10.00,1,Size,,
Hat2,,clothing,10.00,1,,MUG-001,
Hat2,,clothing,10.00,1,,,
Cap,,clothing,10.00,-1,Size=S,,0
";
    let report = trove::admin::csv::apply(&state, admin, bad.as_bytes()).await.unwrap();
    let ImportReport::Refused { problems } = report else { panic!("applied: {report:?}") };
    let found: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(
        found,
        [
            (2, "options"),
            (3, "options"),
            (4, "name"),
            (5, "name"),
            (6, "options"),
            (8, "name"),
            (9, "stock"),
            (9, "variant_price")
        ],
        "{problems:#?}"
    );
    assert_eq!(
        problems[0].message,
        "Shirt has no variant Size=XXL; Colour=Blue: add its options' values in the admin first."
    );
    assert_eq!(problems[1].message, "Name the same options in the same order as line 2.");
    assert_eq!(problems[2].message, "The product's columns differ from line 2, where it first appears.");
    assert_eq!(problems[4].message, "Write \"Size\" as an option, an equals sign and its value, like Size=M.");
    assert_eq!(variant(v["M/Blue"]).await.1, 40, "nothing was applied");

    // A SKU another product has is refused on its line, all rolled back.
    let taken = "name,slug,category,price,stock,options,sku\nShirt,shirt,clothing,19.00,7,Size=M; Colour=Blue,\nScarf,,clothing,15.00,1,Colour=Red,SHIRT-L-BLACK\n";
    let report = trove::admin::csv::apply(&state, admin, taken.as_bytes()).await.unwrap();
    let ImportReport::Refused { problems } = report else { panic!("applied: {report:?}") };
    assert_eq!((problems[0].line, problems[0].column.as_str()), (3, "sku"), "{problems:#?}");
    assert_eq!(variant(v["M/Blue"]).await.1, 40);
}
