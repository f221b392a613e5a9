//! Catalog pages for visitors with a session, made from the page every guest
//! shares (`trove::personal`): byte for byte the page rendered for them, and
//! never one visitor's parts on another's page.

use crate::common;

use axum::http::header;
use common::{Jar, NewProduct, Reply, call, category, page, signed_in, user};
use sqlx::PgPool;
use trove::account::{Role, Viewer};
use trove::header::HeaderCounts;
use trove::personal::{Personal, ShopPage};
use trove::wishlist::Saved;

/// Fails with where two pages part, when they do.
fn assert_same(made: &str, full: &str, what: &str) {
    if made != full {
        let at = made.bytes().zip(full.bytes()).take_while(|(a, b)| a == b).count();
        let around = |page: &str| page.get(at.saturating_sub(200)..(at + 200).min(page.len())).unwrap_or("").to_owned();
        panic!("{what}: the pages part at byte {at}\nmade: …{}…\nfull: …{}…", around(made), around(full));
    }
}

/// The page with its script nonce (fresh on every response) made constant.
fn without_nonce(reply: &Reply) -> String {
    let policy = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    reply.body.replace(nonce, "NONCE")
}

const PAGES: [&str; 9] = [
    "/",
    "/products",
    "/products?sort=price-asc",
    "/c/pantry",
    "/c/pantry?stock=1",
    "/search?q=tea",
    // Reviewed by someone else; amy has not bought it.
    "/p/green-tea",
    "/p/green-tea?image=1",
    // Delivered to amy: her review form is hers, so her page is rendered.
    "/p/black-tea",
];

/// What `personal` takes the page at `uri` for.
fn shop_page(uri: &str) -> ShopPage {
    match uri.strip_prefix("/p/") {
        Some(rest) => ShopPage::Product(rest.split('?').next().unwrap().to_owned()),
        None => ShopPage::Catalog,
    }
}

/// A delivered order of `product` for `user`.
async fn delivered(pool: &PgPool, user: trove::account::UserId, product: i64) {
    sqlx::query(
        "WITH o AS (
             INSERT INTO orders (user_id, status, payment_method, currency, subtotal, total, ship_full_name,
                                 ship_line1, ship_city, ship_postal_code, ship_country, idempotency_key)
             VALUES ($1, 'DELIVERED', 'CASH_ON_DELIVERY', 'USD', 5, 5, 'A', '1 Road', 'Town', '1000', 'NL',
                     gen_random_uuid())
             RETURNING id)
         INSERT INTO order_items (order_id, product_id, variant_id, name, unit_price, quantity)
         SELECT o.id, v.product_id, v.id, 'x', 5, 1 FROM o, product_variants v WHERE v.product_id = $2",
    )
    .bind(user.0)
    .bind(product)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test]
async fn a_shared_page_made_for_a_shopper_equals_the_page_rendered_for_them(pool: PgPool) {
    let shared = common::app_with(pool.clone(), &[("TROVE_SHARED_PAGES", "true")]);
    let rendered = common::app_with(pool.clone(), &[("TROVE_SHARED_PAGES", "false")]);
    let pantry = category(&pool, "Pantry").await;
    let mut teas = Vec::new();
    for (name, price) in [("Green Tea", "4.00"), ("Black Tea", "3.50"), ("White Tea", "7.25"), ("Mint Tea", "2.00")] {
        teas.push(NewProduct { featured: true, ..NewProduct::new(pantry, name, price) }.insert(&pool).await);
    }
    let amy = user(&pool, "amy", Role::Member).await;
    let boss = user(&pool, "boss", Role::Admin).await;
    let cat = user(&pool, "cat", Role::Member).await;
    delivered(&pool, amy, teas[1]).await;
    sqlx::query(
        "INSERT INTO reviews (product_id, user_id, rating, title, body) VALUES ($1, $2, 4, 'Fresh', 'Good <b>tea</b>')",
    )
    .bind(teas[0])
    .bind(cat.0)
    .execute(&pool)
    .await
    .unwrap();
    let mut jar = signed_in(&rendered, "amy").await;
    // Two teas on her wishlist, three items in her cart, a notification unread.
    for tea in [teas[0], teas[2]] {
        call(&rendered, &mut jar, "wishlist/toggle", &format!("product={tea}&slug=x")).await;
    }
    call(&rendered, &mut jar, "cart/add", &format!("product={}&quantity=3", teas[1])).await;
    sqlx::query("INSERT INTO notifications (user_id, title) VALUES ($1, 'Your order shipped')")
        .bind(amy.0)
        .execute(&pool)
        .await
        .unwrap();
    let mut staff = signed_in(&rendered, "boss").await;
    let mut guest_with_cart = Jar::default();
    call(&rendered, &mut guest_with_cart, "cart/add", &format!("product={}&quantity=2", teas[3])).await;
    assert!(guest_with_cart.get("trove_cart").is_some());

    for uri in PAGES {
        let guest = common::get(&shared, uri).await;
        assert_eq!(guest.status, 200, "{uri}");
        for (who, jar) in [("amy", &mut jar), ("boss", &mut staff), ("a guest with a cart", &mut guest_with_cart)] {
            let made = page(&shared, jar, uri).await;
            let full = page(&rendered, jar, uri).await;
            assert_eq!(made.status, full.status);
            assert_same(&without_nonce(&made), &without_nonce(&full), &format!("{uri} for {who}"));
            assert_eq!(
                made.headers[header::CONTENT_SECURITY_POLICY].len(),
                full.headers[header::CONTENT_SECURITY_POLICY].len()
            );
        }
        // What each saw is theirs: her hearts, her count, her name.
        let hers = page(&shared, &mut jar, uri).await.body;
        assert!(
            hers.contains(r#"data-count="3""#) && hers.contains("amy") && hers.contains(r#"href="/wishlist""#),
            "{uri}: {hers}"
        );
        let wished = !uri.starts_with("/search") && uri != "/p/black-tea";
        assert!(hers.contains(r#"aria-pressed="true""#) || !wished, "{uri}: {hers}");
        if let ShopPage::Product(slug) = shop_page(uri) {
            // She may review what was delivered to her, and only that.
            let bought = slug == "black-tea";
            assert_eq!(hers.contains("Write a review"), bought, "{uri}: {hers}");
            assert_eq!(hers.contains("Only shoppers who bought this product"), !bought, "{uri}: {hers}");
        }
        let his = page(&shared, &mut staff, uri).await.body;
        assert!(!his.contains(r#"aria-pressed="true""#) && !his.contains("amy") && his.contains(r#"href="/admin""#));
        let anyone = common::get(&shared, uri).await.body;
        assert!(!anyone.contains(r#"aria-pressed="true""#) && !anyone.contains("amy") && anyone.contains("Sign in"));
    }

    // The edit itself is made, not given up for a full render: amy's parts
    // put into the guests' page give her page exactly.
    let viewer = Viewer { id: amy, username: "amy".into(), first_name: "Test".into(), role: Role::Member };
    let counts = HeaderCounts { cart: 3, unread: 1, messages: 0 };
    let mut saved = Saved { products: vec![teas[0], teas[2]] };
    saved.products.sort();
    let personal = Personal { viewer: Some(viewer), counts, saved, review_form: false };
    for uri in PAGES.into_iter().filter(|uri| *uri != "/p/black-tea") {
        let guest = common::get(&shared, uri).await;
        let edited = personal
            .edit(guest.body.as_bytes(), &shop_page(uri))
            .unwrap_or_else(|| panic!("{uri}: no guest parts found"));
        let edited = Reply { body: String::from_utf8(edited).unwrap(), ..guest };
        let full = page(&rendered, &mut jar, uri).await;
        assert_same(&without_nonce(&edited), &without_nonce(&full), uri);
    }
    let _ = boss;
}

#[sqlx::test]
async fn a_signed_in_page_follows_the_catalog_and_the_shoppers_own_changes(pool: PgPool) {
    let app = common::app(pool.clone());
    let pantry = category(&pool, "Pantry").await;
    let tea = NewProduct::new(pantry, "Green Tea", "4.00").insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let mut jar = signed_in(&app, "amy").await;
    let before = page(&app, &mut jar, "/c/pantry").await.body;
    assert!(before.contains("$4.00") && !before.contains(r#"aria-pressed="true""#));

    // Her own change shows on her next page, from the same shared page.
    call(&app, &mut jar, "wishlist/toggle", &format!("product={tea}&slug=green-tea")).await;
    call(&app, &mut jar, "cart/add", &format!("product={tea}&quantity=2")).await;
    let after = page(&app, &mut jar, "/c/pantry").await.body;
    assert!(after.contains(r#"aria-pressed="true""#) && after.contains(r#"data-count="2""#), "{after}");

    // A price change shows on the next page (the shared page was dropped).
    sqlx::query("UPDATE products SET price = 5.00 WHERE id = $1").bind(tea).execute(&pool).await.unwrap();
    let repriced = common::get_until(&app, "/c/pantry", |reply| reply.body.contains("$5.00")).await;
    assert!(repriced.body.contains("$5.00"));
    let hers = page(&app, &mut jar, "/c/pantry").await.body;
    assert!(hers.contains("$5.00") && !hers.contains("$4.00") && hers.contains(r#"aria-pressed="true""#), "{hers}");

    // Signed out, she is a guest again.
    call(&app, &mut jar, "account/sign_out", "").await;
    let out = page(&app, &mut jar, "/c/pantry").await.body;
    assert!(out.contains("Sign in") && !out.contains(r#"aria-pressed="true""#) && !out.contains("amy"), "{out}");
}

/// The page as the browser holding `jar` gets it, asked again until `fresh`
/// holds (the change's notice takes a moment to reach an instance).
async fn page_until(app: &axum::Router, jar: &mut Jar, uri: &str, fresh: impl Fn(&Reply) -> bool) -> Reply {
    for _ in 0..100 {
        let reply = page(app, jar, uri).await;
        if fresh(&reply) {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    page(app, jar, uri).await
}

#[sqlx::test]
async fn a_signed_in_shopper_never_gets_a_stale_shared_page_from_either_instance(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    let tea = NewProduct { stock: 2, ..NewProduct::new(pantry, "Green Tea", "4.00") }.insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let instances = [common::app(pool.clone()), common::app(pool.clone())];
    let mut jar = signed_in(&instances[0], "amy").await;
    call(&instances[0], &mut jar, "wishlist/toggle", &format!("product={tea}&slug=green-tea")).await;
    let pages = ["/", "/products", "/c/pantry", "/search?q=tea", "/p/green-tea"];
    // Both instances keep the guests' pages, and make hers from them.
    for app in &instances {
        for uri in pages {
            common::get(app, uri).await;
            assert!(page(app, &mut jar, uri).await.body.contains("Only 2 left"), "{uri}");
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // What an order does to the last two in stock, then a new price.
    common::set_stock(&pool, tea, 0).await;
    for app in &instances {
        for uri in pages {
            let reply = page_until(app, &mut jar, uri, |r| !r.body.contains("Only 2 left")).await;
            assert!(reply.body.contains("Sold out") && reply.body.contains(r#"aria-pressed="true""#), "{uri}");
        }
    }
    sqlx::query("UPDATE products SET price = 8.25 WHERE id = $1").bind(tea).execute(&pool).await.unwrap();
    for app in &instances {
        for uri in pages {
            let reply = page_until(app, &mut jar, uri, |r| r.body.contains("$8.25")).await;
            assert!(reply.body.contains("$8.25") && !reply.body.contains("$4.00"), "{uri}");
            assert!(reply.body.contains("amy"), "still hers");
        }
    }
}
