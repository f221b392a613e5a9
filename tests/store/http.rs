//! The store over HTTP, through `startup::router`: statuses, headers, pages.

use crate::common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{NewProduct, app, category, get, image, send};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

async fn shop(pool: &PgPool) {
    let fruit = category(pool, "Fresh Fruit").await;
    let bananas =
        NewProduct { featured: true, offer: Some("1.50"), ..NewProduct::new(fruit, "Organic Bananas", "2.00") }
            .insert(pool)
            .await;
    image(pool, bananas, "seed/bananas-1.svg", 0, true).await;
    image(pool, bananas, "seed/bananas-2.svg", 1, false).await;
    NewProduct { stock: 0, ..NewProduct::new(fruit, "Dragon Fruit", "4.00") }.insert(pool).await;
    NewProduct { stock: 2, ..NewProduct::new(fruit, "Lychees", "3.00") }.insert(pool).await;
}

#[sqlx::test]
async fn the_home_page_shows_featured_products_and_categories(pool: PgPool) {
    shop(&pool).await;
    let reply = get(&app(pool), "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Organic Bananas"));
    assert!(reply.body.contains(r#"href="/c/fresh-fruit""#));
    assert!(reply.body.contains("Test Shop"), "the store name is in the header");
    assert!(reply.body.contains("25% off"), "the offer shows as a discount");
    assert!(reply.body.contains("<title>Fresh groceries and tech gear | Test Shop</title>"), "{}", reply.body);
}

#[sqlx::test]
async fn a_category_page_lists_its_products_with_stock_states(pool: PgPool) {
    shop(&pool).await;
    let reply = get(&app(pool), "/c/fresh-fruit").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("<h1>Fresh Fruit"));
    assert!(reply.body.contains("Out of stock"));
    assert!(reply.body.contains("Only 2 left"));
    assert!(reply.body.contains("In stock"));
}

#[sqlx::test]
async fn the_product_page_shows_gallery_breadcrumb_and_price(pool: PgPool) {
    shop(&pool).await;
    let reply = get(&app(pool), "/p/organic-bananas").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("<h1>Organic Bananas"));
    assert!(reply.body.contains(r#"src="/media/seed/bananas-1.svg""#));
    assert!(reply.body.contains("Show image 2 of 2"));
    assert!(reply.body.contains(r#"aria-label="Breadcrumb""#));
    assert!(reply.body.contains("$1.50") && reply.body.contains("$2.00"));
    assert!(reply.body.contains("<p>Second paragraph."));
}

#[sqlx::test]
async fn prices_are_in_the_stores_currency_and_the_page_names_it_for_hydration(pool: PgPool) {
    shop(&pool).await;
    let app = common::app_with(pool, &[("TROVE_CURRENCY", "EUR")]);
    let product = get(&app, "/p/organic-bananas").await;
    assert_eq!(product.status, StatusCode::OK);
    assert!(product.body.contains(r#"<html lang="en" data-currency="EUR""#), "the browser reads it when it hydrates");
    assert!(product.body.contains("€1.50") && product.body.contains("€2.00"), "offer beside the regular price");
    assert!(product.body.contains(r#""priceCurrency":"EUR""#));
    let listing = get(&app, "/products").await;
    assert!(listing.body.contains("€3.00") && !listing.body.contains("$3.00"));
    assert!(listing.body.contains("Under €5"), "the price filter's ranges");
}

#[sqlx::test]
async fn unknown_products_categories_and_paths_answer_404(pool: PgPool) {
    shop(&pool).await;
    let app = app(pool);
    for uri in ["/p/no-such-thing", "/c/no-such-category", "/no/such/path"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.body.contains("Page not found"), "{uri}");
    }
}

#[sqlx::test]
async fn a_malformed_listing_link_answers_400(pool: PgPool) {
    shop(&pool).await;
    let app = app(pool);
    let reply = get(&app, "/products?sort=cheapest").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("invalid sort order"));
    assert_eq!(get(&app, "/c/fresh-fruit?after=xyz").await.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test]
async fn a_malformed_search_link_answers_400_as_a_page_and_as_a_server_function(pool: PgPool) {
    shop(&pool).await;
    let app = app(pool);
    for uri in ["/search?q=fruit&sort=bogus", "/api/search?q=fruit&sort=bogus"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.body.contains("invalid sort order"), "{uri}: {}", reply.body);
    }
    assert_eq!(get(&app, "/api/search?q=fruit&category=no-such-aisle").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/api/search?q=fruit&sort=price-asc").await.status, StatusCode::OK);
}

#[sqlx::test]
async fn the_listing_sorts_by_price(pool: PgPool) {
    shop(&pool).await;
    let body = get(&app(pool), "/products?sort=price-desc").await.body;
    let (dragon, lychees, bananas) =
        (body.find("Dragon Fruit").unwrap(), body.find("Lychees").unwrap(), body.find("Organic Bananas").unwrap());
    assert!(dragon < lychees && lychees < bananas);
}

#[sqlx::test]
async fn server_functions_answer_with_the_error_status(pool: PgPool) {
    shop(&pool).await;
    let request = Request::post("/api/catalog/product")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("slug=no-such-thing"))
        .unwrap();
    let reply = send(&app(pool.clone()), request).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("NotFound"), "{}", reply.body);

    let request = Request::post("/api/catalog/product")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("slug=organic-bananas"))
        .unwrap();
    let reply = send(&app(pool), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("\"name\":\"Organic Bananas\""), "{}", reply.body);
}

#[sqlx::test]
async fn healthz_answers_200_when_the_database_is_reachable(pool: PgPool) {
    let reply = get(&app(pool), "/healthz").await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "ok"));
}

/// A pool for a database that is down: nothing listens on port 1, so every
/// connection attempt is refused.
fn unreachable_pool() -> PgPool {
    PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy("postgres://trove:secret-password@127.0.0.1:1/trove")
        .unwrap()
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_down() {
    let reply = get(&app(unreachable_pool()), "/healthz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn pages_answer_503_without_leaking_database_errors_when_it_is_down() {
    let reply = get(&app(unreachable_pool()), "/p/anything").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("unavailable for a moment"), "{}", reply.body);
    assert!(!reply.body.contains("secret-password") && !reply.body.contains("refused"));
}

#[sqlx::test]
async fn pages_are_compressed_for_browsers_that_accept_it(pool: PgPool) {
    shop(&pool).await;
    let app = app(pool);
    for encoding in ["br", "gzip"] {
        let request = Request::get("/products").header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap();
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers[header::CONTENT_ENCODING], encoding);
    }
}

#[sqlx::test]
async fn media_is_served_with_cache_headers(pool: PgPool) {
    let media = common::media_dir();
    std::fs::create_dir_all(media.join("seed")).unwrap();
    std::fs::write(media.join("seed/x.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let app = trove::startup::router(
        trove::startup::state_with_pool(common::config(&media), pool).expect("the test configuration is valid"),
    );
    let reply = get(&app, "/media/seed/x.svg").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(reply.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age="));
    assert_eq!(get(&app, "/media/seed/missing.svg").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/media/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn anonymous_pages_come_from_memory_with_fresh_nonces_and_follow_catalog_changes(pool: PgPool) {
    shop(&pool).await;
    let app = app(pool.clone());
    let first = get(&app, "/c/fresh-fruit").await;
    // Let the cache's listener connect before changing anything.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = get(&app, "/c/fresh-fruit").await;
    let second = get(&app, "/c/fresh-fruit").await;
    let nonce = |reply: &common::Reply| {
        let csp = reply.headers.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
        csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned()
    };
    let (n1, n2) = (nonce(&first), nonce(&second));
    assert_ne!(n1, n2, "a cached page never repeats a nonce");
    assert!(second.body.contains(&format!("nonce=\"{n2}\"")) && !second.body.contains(&n1));
    assert_eq!(first.body.replace(&n1, "N"), second.body.replace(&n2, "N"), "the same page");

    // With the trigger off, a change goes unnoticed: the page really is from memory.
    sqlx::query("ALTER TABLE products DISABLE TRIGGER products_changed").execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET price = 7.77, offer_price = NULL WHERE name = 'Lychees'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!get(&app, "/c/fresh-fruit").await.body.contains("$7.77"));
    sqlx::query("ALTER TABLE products ENABLE TRIGGER products_changed").execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET price = 9.99, offer_price = NULL WHERE name = 'Lychees'")
        .execute(&pool)
        .await
        .unwrap();
    let page = common::get_until(&app, "/c/fresh-fruit", |reply| reply.body.contains("$9.99")).await;
    assert!(page.body.contains("$9.99"), "a price change shows within a second");
}

#[sqlx::test]
async fn the_page_cache_stays_within_its_memory_and_keeps_caching_after_a_flood_of_urls(pool: PgPool) {
    shop(&pool).await;
    let media = common::media_dir();
    let state = trove::startup::state_with_pool(common::config(&media), pool.clone()).expect("valid configuration");
    // Room for a handful of pages, and many more distinct URLs than that.
    let state = state.with_pages(trove::page_cache::PageCache::with_capacity(
        256 * 1024,
        &state.changes,
        &state.pool,
        &state.metrics,
    ));
    let pages = state.pages.clone();
    let app = trove::startup::router(state);
    for i in 0..150 {
        assert_eq!(get(&app, &format!("/p/organic-bananas?ref={i}")).await.status, StatusCode::OK);
    }
    let kept = pages.len();
    assert!(kept > 0 && kept < 40, "bounded by memory, not by URLs: {kept} pages kept");

    // A page people keep reading is still cached after the flood.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..4 {
        get(&app, "/c/fresh-fruit").await;
    }
    sqlx::query("ALTER TABLE products DISABLE TRIGGER products_changed").execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET price = 7.77, offer_price = NULL WHERE name = 'Lychees'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!get(&app, "/c/fresh-fruit").await.body.contains("$7.77"), "answered from memory");
}

#[sqlx::test]
async fn robots_and_the_sitemap_list_what_shoppers_may_find(pool: PgPool) {
    shop(&pool).await;
    let fruit: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'fresh-fruit'").fetch_one(&pool).await.unwrap();
    NewProduct { active: false, ..NewProduct::new(fruit, "Secret Melon", "9.00") }.insert(&pool).await;
    let app = common::app_with(pool.clone(), &[("TROVE_PUBLIC_URL", "https://shop.example.com")]);

    let robots = get(&app, "/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(
        robots.body.contains("Disallow: /account") && robots.body.contains("Disallow: /checkout"),
        "{}",
        robots.body
    );
    assert!(robots.body.contains("Sitemap: https://shop.example.com/sitemap.xml"));

    let index = get(&app, "/sitemap.xml").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/xml"));
    assert!(index.body.contains("<loc>https://shop.example.com/sitemaps/pages.xml</loc>"));
    assert!(index.body.contains("<loc>https://shop.example.com/sitemaps/products-1.xml</loc>"));
    assert!(!index.body.contains("products-2.xml"), "three products fit in one file");

    let pages = get(&app, "/sitemaps/pages.xml").await;
    assert!(pages.body.contains("<loc>https://shop.example.com/c/fresh-fruit</loc>"), "{}", pages.body);
    let products = get(&app, "/sitemaps/products-1.xml").await;
    assert_eq!(products.status, StatusCode::OK);
    assert!(
        products.body.contains("<loc>https://shop.example.com/p/organic-bananas</loc><lastmod>"),
        "{}",
        products.body
    );
    assert_eq!(products.body.matches("<url>").count(), 3, "active products only");
    assert!(!products.body.contains("secret-melon"));
    for missing in ["/sitemaps/products-2.xml", "/sitemaps/products-0.xml", "/sitemaps/other.xml"] {
        assert_eq!(get(&app, missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

/// The JSON-LD of a page, parsed.
fn json_ld(body: &str) -> serde_json::Value {
    let start = body.find(r#"<script type="application/ld+json">"#).expect("a JSON-LD script") + 35;
    let end = start + body[start..].find("</script>").unwrap();
    serde_json::from_str(&body[start..end].replace("<\\/", "</")).expect("valid JSON")
}

#[sqlx::test]
async fn a_product_page_tells_search_engines_and_link_previews_what_it_sells(pool: PgPool) {
    let app = common::app_with(pool.clone(), &[("TROVE_PUBLIC_URL", "https://shop.example.com")]);
    let cat = category(&pool, "Lights").await;
    let lamp = NewProduct { offer: Some("49.00"), stock: 3, ..NewProduct::new(cat, "Desk Lamp </script>", "60.00") }
        .insert(&pool)
        .await;
    common::image(&pool, lamp, "seed/lamp-1.svg", 0, true).await;
    let slug = trove::catalog::rules::slugify("Desk Lamp </script>");
    let page = get(&app, &format!("/p/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let url = format!("https://shop.example.com/p/{slug}");
    assert!(page.body.contains(&format!(r#"<link href="{url}" rel="canonical">"#)), "{}", page.body);
    // The name is text in the title, never markup.
    assert!(page.body.contains("<title>Desk Lamp &lt;/script&gt; | Trove</title>"), "{}", page.body);
    assert!(page.body.contains(r#"<meta property="og:type" content="product">"#));
    assert!(
        page.body.contains(r#"<meta property="og:image" content="https://shop.example.com/media/seed/lamp-1.svg">"#)
    );
    assert!(page.body.contains(r#"<meta property="og:title" content="Desk Lamp &lt;/script&gt;">"#), "{}", page.body);

    let data = json_ld(&page.body);
    let product = &data["@graph"][0];
    assert_eq!(product["@type"], "Product");
    assert_eq!(product["name"], "Desk Lamp </script>");
    assert_eq!(product["offers"]["price"], "49.00");
    assert_eq!(product["offers"]["availability"], "https://schema.org/InStock");
    assert_eq!(product["image"][0], "https://shop.example.com/media/seed/lamp-1.svg");
    assert!(product.get("aggregateRating").is_none(), "no rating before reviews");
    let crumbs = &data["@graph"][1];
    assert_eq!(crumbs["@type"], "BreadcrumbList");
    assert_eq!(crumbs["itemListElement"][1]["item"], "https://shop.example.com/c/lights");
    assert_eq!(crumbs["itemListElement"][2]["item"], url.as_str());

    // Reviews give it an aggregate rating.
    let buyer: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, first_name, last_name, password_hash) VALUES ('rev', 'R', 'V', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO reviews (product_id, user_id, rating, title) VALUES ($1, $2, 4, 'Bright')")
        .bind(lamp)
        .bind(buyer)
        .execute(&pool)
        .await
        .unwrap();
    // The page for anonymous visitors follows once the change is announced.
    let page = common::get_until(&app, &format!("/p/{slug}"), |reply| reply.body.contains("aggregateRating")).await;
    let data = json_ld(&page.body);
    assert_eq!(data["@graph"][0]["aggregateRating"]["ratingValue"], "4.0");
    assert_eq!(data["@graph"][0]["aggregateRating"]["reviewCount"], 1);

    let listing = get(&app, "/c/lights?sort=price-asc").await.body;
    assert!(
        listing.contains(r#"<link href="https://shop.example.com/c/lights?sort=price-asc" rel="canonical">"#),
        "{listing}"
    );
}

#[sqlx::test]
async fn a_pool_of_one_connection_still_serves_pages_while_the_caches_listen(pool: PgPool) {
    shop(&pool).await;
    let one = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let app = app(one.clone());
    // The first anonymous page starts the catalog listener; it must not take the pool's only connection.
    assert_eq!(get(&app, "/c/fresh-fruit").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for uri in ["/", "/products", "/p/organic-bananas", "/search?q=lychees", "/healthz"] {
        assert_eq!(get(&app, uri).await.status, StatusCode::OK, "{uri}");
    }
    // And the listener works: a change reaches the cached page.
    sqlx::query("UPDATE products SET price = 9.99, offer_price = NULL WHERE name = 'Lychees'")
        .execute(&pool)
        .await
        .unwrap();
    let page = common::get_until(&app, "/c/fresh-fruit", |reply| reply.body.contains("$9.99")).await;
    assert!(page.body.contains("$9.99"));
}

#[tokio::test]
async fn a_listener_that_cannot_reach_the_database_does_not_empty_the_caches_again_and_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Nothing listens on port 9 of this machine: every connection attempt fails.
    let unreachable = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(200))
        .connect_lazy("postgres://trove:trove@127.0.0.1:9/trove")
        .unwrap();
    let changes = trove::db::CatalogChanges::default();
    let emptied = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = emptied.clone();
    changes.subscribe(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    changes.start(&unreachable);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(emptied.load(Ordering::SeqCst), 0, "failed reconnects changed nothing, so they empty nothing");
}

/// Two instances of the store on one database, each with its own caches and listener.
pub(crate) async fn two_instances(pool: &PgPool) -> [axum::Router; 2] {
    let instances = [app(pool.clone()), app(pool.clone())];
    for app in &instances {
        get(app, "/products").await;
    }
    // Let both listeners connect before anything changes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    instances
}

/// Reads each page on each instance, so every cache holds it.
pub(crate) async fn read_everywhere(instances: &[axum::Router], pages: &[&str]) {
    for app in instances {
        for page in pages {
            assert_eq!(get(app, page).await.status, StatusCode::OK, "{page}");
        }
    }
}

#[sqlx::test]
async fn a_sold_out_product_and_a_new_price_are_never_served_stale_by_either_instance(pool: PgPool) {
    shop(&pool).await;
    let instances = two_instances(&pool).await;
    let pages = ["/p/lychees", "/c/fresh-fruit", "/products", "/", "/search?q=lychees", "/products?stock=1"];
    read_everywhere(&instances, &pages).await;
    // What an order does to the last two in stock.
    sqlx::query("UPDATE product_variants SET stock = stock - 2 WHERE product_id = (SELECT id FROM products WHERE slug = 'lychees')").execute(&pool).await.unwrap();
    for app in &instances {
        let product = common::get_until(app, "/p/lychees", |r| r.body.contains("Out of stock")).await;
        assert!(product.body.contains("Sold out"), "the button says so too");
        let listing = common::get_until(app, "/c/fresh-fruit", |r| !r.body.contains("Only 2 left")).await;
        assert!(!listing.body.contains("Only 2 left"), "the card follows");
        // The in-stock filter's count and list drop it on every listing.
        let in_stock = common::get_until(app, "/products?stock=1", |r| !r.body.contains("Lychees")).await;
        assert!(!in_stock.body.contains("Lychees"));
    }
    read_everywhere(&instances, &pages).await;
    sqlx::query("UPDATE products SET price = 8.25 WHERE slug = 'lychees'").execute(&pool).await.unwrap();
    for app in &instances {
        for page in ["/p/lychees", "/c/fresh-fruit", "/products", "/search?q=lychees"] {
            let reply = common::get_until(app, page, |r| r.body.contains("$8.25")).await;
            assert!(reply.body.contains("$8.25") && !reply.body.contains("$3.00"), "{page} shows the new price");
        }
    }
}

#[sqlx::test]
async fn a_hidden_review_leaves_the_product_page_on_both_instances(pool: PgPool) {
    shop(&pool).await;
    let buyer = common::user(&pool, "reviewer", trove::account::Role::Member).await;
    sqlx::query(
        "INSERT INTO reviews (product_id, user_id, rating, title, body)
         SELECT id, $1, 1, 'Spam title', 'Buy cheap watches at spam.example' FROM products WHERE slug = 'lychees'",
    )
    .bind(buyer.0)
    .execute(&pool)
    .await
    .unwrap();
    let instances = two_instances(&pool).await;
    for app in &instances {
        let page = common::get_until(app, "/p/lychees", |r| r.body.contains("spam.example")).await;
        assert!(page.body.contains("spam.example"));
    }
    sqlx::query("UPDATE reviews SET hidden_at = now(), hidden_reason = 'spam'").execute(&pool).await.unwrap();
    for app in &instances {
        let page = common::get_until(app, "/p/lychees", |r| !r.body.contains("spam.example")).await;
        assert!(!page.body.contains("spam.example") && !page.body.contains("Spam title"));
    }
}

#[sqlx::test]
async fn a_stock_change_no_shopper_can_see_keeps_the_cached_pages(pool: PgPool) {
    shop(&pool).await;
    NewProduct { stock: 57, ..NewProduct::new(category(&pool, "Tea").await, "Green Tea", "4.00") }.insert(&pool).await;
    let instances = two_instances(&pool).await;
    read_everywhere(&instances, &["/p/green-tea", "/c/tea"]).await;
    // 57 -> 56: still "In stock". The cached page (rendered with 57 in its
    // quantity field) stays; a recount or re-render for every order is what
    // made a busy shop slow.
    sqlx::query(
        "UPDATE product_variants SET stock = 56 WHERE product_id = (SELECT id FROM products WHERE slug = 'green-tea')",
    )
    .execute(&pool)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for app in &instances {
        assert!(get(app, "/p/green-tea").await.body.contains(r#"data-stock="57""#), "served from memory");
    }
    // 56 -> 3: "Only 3 left" shows at once.
    sqlx::query(
        "UPDATE product_variants SET stock = 3 WHERE product_id = (SELECT id FROM products WHERE slug = 'green-tea')",
    )
    .execute(&pool)
    .await
    .unwrap();
    for app in &instances {
        for page in ["/p/green-tea", "/c/tea"] {
            let reply = common::get_until(app, page, |r| r.body.contains("Only 3 left")).await;
            assert!(reply.body.contains("Only 3 left"), "{page}");
        }
    }
}

#[sqlx::test]
async fn a_products_change_drops_only_the_search_results_that_match_it(pool: PgPool) {
    let tea = category(&pool, "Tea").await;
    NewProduct { stock: 4, ..NewProduct::new(tea, "Green Tea", "4.00") }.insert(&pool).await;
    NewProduct { stock: 40, ..NewProduct::new(tea, "Black Tea", "3.00") }.insert(&pool).await;
    let states: Vec<_> = (0..2)
        .map(|_| trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone()).unwrap())
        .collect();
    let instances: Vec<_> = states.iter().map(|state| trove::startup::router(state.clone())).collect();
    let searches = ["/search?q=green", "/search?q=black", "/search?q=tea"];
    read_everywhere(&instances, &searches).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    read_everywhere(&instances, &searches).await;
    let set_stock = |stock: i32| {
        sqlx::query(
            "UPDATE product_variants SET stock = $1 WHERE product_id = (SELECT id FROM products WHERE slug = 'green-tea')",
        )
        .bind(stock)
        .execute(&pool)
    };
    // An order takes one: "Only 3 left" on every search showing it, at once.
    set_stock(3).await.unwrap();
    for app in &instances {
        for page in ["/search?q=green", "/search?q=tea"] {
            let reply = common::get_until(app, page, |r| r.body.contains("Only 3 left")).await;
            assert!(reply.body.contains("Only 3 left"), "{page}");
        }
    }
    // Results without it are kept (a busy shop's orders would empty them all).
    for state in &states {
        assert!(state.pages.shared("/search?q=black").is_some(), "kept");
    }
    // Its last one sold: the in-stock counts of the searches that match it
    // change, and only those.
    set_stock(0).await.unwrap();
    for (app, state) in instances.iter().zip(&states) {
        common::get_until(app, "/search?q=green", |r| r.body.contains("Sold out")).await;
        let tea = common::get_until(app, "/search?q=tea", |r| r.body.contains("Sold out")).await;
        assert!(tea.body.contains("Sold out"));
        assert!(state.pages.shared("/search?q=black").is_some(), "kept");
    }
    // A new price of black tea: the results matching it go, the rest stay.
    sqlx::query("UPDATE products SET price = 2.50 WHERE slug = 'black-tea'").execute(&pool).await.unwrap();
    for (app, state) in instances.iter().zip(&states) {
        let black = common::get_until(app, "/search?q=black", |r| r.body.contains("2.50")).await;
        assert!(black.body.contains("2.50"));
        for _ in 0..100 {
            if state.pages.shared("/search?q=tea").is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(state.pages.shared("/search?q=tea").is_none(), "dropped: it matches black tea");
        assert!(state.pages.shared("/search?q=green").is_some(), "kept: it does not");
    }
    // A new name changes what searches find: all of them go.
    read_everywhere(&instances, &searches).await;
    sqlx::query("UPDATE products SET name = 'Green Oolong' WHERE slug = 'green-tea'").execute(&pool).await.unwrap();
    for app in &instances {
        let reply = common::get_until(app, "/search?q=oolong", |r| r.body.contains("Green Oolong")).await;
        assert!(reply.body.contains("Green Oolong"));
        let tea = common::get_until(app, "/search?q=tea", |r| r.body.contains("Green Oolong")).await;
        assert!(tea.body.contains("Green Oolong"), "the results for another word follow too");
    }
}

#[sqlx::test]
async fn an_orders_stock_change_drops_only_the_listings_that_show_its_card(pool: PgPool) {
    let tea = category(&pool, "Tea").await;
    // Newest first: "Tea 0" is the oldest, on page 2 of 24 a page.
    let names: Vec<String> = (0..30).map(|n| format!("Tea {n}")).collect();
    for (n, name) in names.iter().enumerate() {
        NewProduct { stock: 40, age: 1000 - n as i64, ..NewProduct::new(tea, name, "4.00") }.insert(&pool).await;
    }
    let states: Vec<_> = (0..2)
        .map(|_| trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone()).unwrap())
        .collect();
    let instances: Vec<_> = states.iter().map(|state| trove::startup::router(state.clone())).collect();
    let listings = ["/products", "/c/tea", "/"];
    let pages = ["/products", "/c/tea", "/", "/p/tea-0"];
    read_everywhere(&instances, &pages).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    read_everywhere(&instances, &pages).await;
    let set_stock = |slug: &'static str, stock: i32| {
        sqlx::query(
            "UPDATE product_variants SET stock = $1 WHERE product_id = (SELECT id FROM products WHERE slug = $2)",
        )
        .bind(stock)
        .bind(slug)
        .execute(&pool)
    };
    // "Only 3 left" for a product on page 2: its own page follows at once
    // (the change has reached the instance); the first pages do not show
    // it and are kept.
    set_stock("tea-0", 3).await.unwrap();
    for (app, state) in instances.iter().zip(&states) {
        let own = common::get_until(app, "/p/tea-0", |r| r.body.contains("Only 3 left")).await;
        assert!(own.body.contains("Only 3 left"));
        for listing in listings {
            assert!(state.pages.shared(listing).is_some(), "{listing} kept");
        }
    }
    // On page 1: it shows there at once, on both instances.
    set_stock("tea-29", 2).await.unwrap();
    for app in &instances {
        for listing in ["/products", "/c/tea"] {
            let reply = common::get_until(app, listing, |r| r.body.contains("Only 2 left")).await;
            assert!(reply.body.contains("Only 2 left"), "{listing}");
        }
    }
    // A new price may move a product in a listing sorted by price: every
    // listing that may show it goes.
    read_everywhere(&instances, &pages).await;
    sqlx::query("UPDATE products SET price = 1.00 WHERE slug = 'tea-0'").execute(&pool).await.unwrap();
    for app in &instances {
        let cheapest = common::get_until(app, "/p/tea-0", |r| r.body.contains("1.00")).await;
        assert!(cheapest.body.contains("1.00"));
    }
    for state in &states {
        for _ in 0..100 {
            if state.pages.shared("/products").is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(state.pages.shared("/products").is_none(), "dropped");
    }
}

#[sqlx::test]
async fn concurrent_requests_for_missing_counts_share_one_load(pool: PgPool) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let changes = trove::db::CatalogChanges::default();
    let memo = trove::catalog::cache::CatalogMemo::<(), u64>::new(4, &changes, |_| true);
    let loads = std::sync::Arc::new(AtomicUsize::new(0));
    let mut waiting = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (memo, pool, loads) = (memo.clone(), pool.clone(), loads.clone());
        waiting.spawn(async move {
            let value = memo
                .get(&pool, (), || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok(42)
                })
                .await
                .unwrap();
            *value
        });
    }
    while let Some(value) = waiting.join_next().await {
        assert_eq!(value.unwrap(), 42);
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1, "one load for 32 requests");
    memo.invalidate();
    memo.get(&pool, (), || async { Ok(7) }).await.unwrap();
    assert_eq!(*memo.get(&pool, (), || async { Ok(8) }).await.unwrap(), 7, "kept until the next change");
}
