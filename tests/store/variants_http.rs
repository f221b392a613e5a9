//! Product pages of products sold in variants, as a browser without
//! JavaScript gets them: the address chooses (`?size=m&colour=blue`), the
//! page says what the choice costs and whether it can be had, and the cart
//! takes exactly that variant. Cached pages follow a variant's stock.

use crate::common;

use axum::http::StatusCode;
use common::{Jar, call, get, get_until};
use sqlx::PgPool;

use super::http::{read_everywhere, two_instances};
use super::variants_db::shirt;

/// The `value` of the hidden `variant` field of the page's add-to-cart form.
fn chosen_variant(body: &str) -> Option<i64> {
    let at = body.find(r#"name="variant" value=""#)? + r#"name="variant" value=""#.len();
    body[at..].split('"').next()?.parse().ok()
}

/// Whether the radio for `value` of `option` is checked.
fn checked(body: &str, option: &str, value: &str) -> bool {
    body.contains(&format!(r#"name="{option}" value="{value}" checked"#))
}

/// The text of the value's label after its name: " (sold out)" and the like.
fn note(body: &str, option: &str, value: &str) -> String {
    let at = body.find(&format!(r#"name="{option}" value="{value}""#)).expect("the radio");
    let rest = &body[at..];
    let rest = &rest[rest.find(r#"class="option-note">"#).unwrap() + r#"class="option-note">"#.len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

#[sqlx::test]
async fn the_address_chooses_a_variant_and_the_page_says_what_it_costs_and_whether_it_can_be_had(pool: PgPool) {
    let (_, v) = shirt(&pool).await;
    let app = common::app(pool.clone());

    // No choice yet: the first variant in stock (S in blue is sold out).
    let page = get(&app, "/p/shirt").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(checked(&page.body, "size", "s") && checked(&page.body, "colour", "black"), "{}", page.body);
    assert_eq!(chosen_variant(&page.body), Some(v["S/Black"]));
    assert!(page.body.contains("Only 3 left"));
    assert!(page.body.contains(r#"<form method="get" action="/p/shirt""#), "a plain GET form chooses");
    assert!(page.body.contains("<legend>Size"), "each option is a labelled group");

    // An exact choice: its own price, on offer, and its stock.
    let large = get(&app, "/p/shirt?size=l&colour=black").await;
    assert!(checked(&large.body, "size", "l") && checked(&large.body, "colour", "black"));
    assert_eq!(chosen_variant(&large.body), Some(v["L/Black"]));
    assert!(large.body.contains("$21.00") && large.body.contains("$22.00"), "the offer beside the price");
    assert!(large.body.contains("Only 1 left"));
    // The other values say how they go with black.
    assert_eq!(note(&large.body, "size", "m"), " ");
    assert_eq!(note(&large.body, "colour", "blue"), " ");

    // A sold-out choice shows, and cannot be added.
    let sold_out = get(&app, "/p/shirt?size=s&colour=blue").await;
    assert!(sold_out.body.contains("Out of stock"));
    assert!(sold_out.body.contains("disabled") && sold_out.body.contains(">Sold out<"), "the button says so");
    assert_eq!(note(&sold_out.body, "size", "s"), " (sold out)");

    // A combination the shop does not sell says so.
    sqlx::query("UPDATE product_variants SET active = false WHERE id = $1")
        .bind(v["L/Blue"])
        .execute(&pool)
        .await
        .unwrap();
    let missing = get_until(&app, "/p/shirt?size=l&colour=blue", |r| r.body.contains("Not available in this")).await;
    assert!(missing.body.contains("Not available in this combination"), "{}", missing.body);
    assert_eq!(chosen_variant(&missing.body), None, "nothing to add");
    assert!(missing.body.contains(">Not available<"));
    assert_eq!(note(&missing.body, "size", "l"), " (not available)");
    // Only the values it sells count: an unknown one is as if left out.
    let unknown = get(&app, "/p/shirt?size=huge&colour=blue").await;
    assert_eq!(chosen_variant(&unknown.body), Some(v["M/Blue"]), "the first blue in stock");

    // Search engines read an offer per variant, each at its own address.
    let page = get(&app, "/p/shirt").await;
    assert!(page.body.contains(r#""sku":"SHIRT-M-BLUE""#), "JSON-LD offers per variant");
    assert!(page.body.contains(r#"/p/shirt?size=m\u0026colour=blue"#), "each offer's address");
}

#[sqlx::test]
async fn the_cart_takes_the_chosen_variant_and_asks_for_one_when_none_is(pool: PgPool) {
    let (shirt, v) = shirt(&pool).await;
    let app = common::app(pool.clone());
    let mut guest = Jar::default();
    let none = call(&app, &mut guest, "cart/add", &format!("product={shirt}")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", none.body);
    assert!(none.body.contains("Choose a size and colour first."), "{}", none.body);
    let blue = call(&app, &mut guest, "cart/add", &format!("product={shirt}&variant={}&quantity=2", v["M/Blue"])).await;
    assert_eq!(blue.status, StatusCode::OK, "{}", blue.body);
    let black = call(&app, &mut guest, "cart/add", &format!("product={shirt}&variant={}", v["L/Black"])).await;
    assert_eq!(black.body, "3", "the cart's count");
    // Too many of one variant is refused with its name.
    let more = call(&app, &mut guest, "cart/add", &format!("product={shirt}&variant={}", v["L/Black"])).await;
    assert_eq!(more.status, StatusCode::CONFLICT);
    assert!(more.body.contains("Only 1 Shirt — L / Black is left."), "{}", more.body);

    let cart = common::page(&app, &mut guest, "/cart").await;
    assert!(cart.body.contains("M / Blue") && cart.body.contains("L / Black"), "each line names its variant");
    assert!(cart.body.contains(r#"href="/p/shirt?size=m&amp;colour=blue""#), "and links to it");
    // A line is changed and removed by its variant.
    let update = call(&app, &mut guest, "cart/update", &format!("variant={}&quantity=4", v["M/Blue"])).await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.body);
    let removed = call(&app, &mut guest, "cart/remove", &format!("variant={}", v["L/Black"])).await;
    assert_eq!(removed.status, StatusCode::OK);
    let cart: serde_json::Value = serde_json::from_str(&call(&app, &mut guest, "cart/get", "").await.body).unwrap();
    let lines: Vec<(i64, String, i64)> = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (l["variant"].as_i64().unwrap(), l["options"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(lines, [(v["M/Blue"], "M / Blue".to_owned(), 4)]);
}

#[sqlx::test]
async fn a_variant_selling_out_is_never_served_stale_by_either_instance(pool: PgPool) {
    let (_, v) = shirt(&pool).await;
    let instances = two_instances(&pool).await;
    let pages = ["/p/shirt?size=m&colour=black", "/p/shirt", "/c/clothing"];
    read_everywhere(&instances, &pages).await;
    // What orders do to the last five: the product is still in stock, the variant is not.
    sqlx::query("UPDATE product_variants SET stock = 0 WHERE id = $1").bind(v["M/Black"]).execute(&pool).await.unwrap();
    for app in &instances {
        let page = get_until(app, "/p/shirt?size=m&colour=black", |r| r.body.contains("Out of stock")).await;
        assert!(page.body.contains("Out of stock") && page.body.contains(">Sold out<"));
        let other = get_until(app, "/p/shirt?size=m&colour=blue", |r| r.body.contains("(sold out)")).await;
        assert_eq!(note(&other.body, "colour", "black"), " (sold out)", "the other choice's picker knows");
    }
    // A variant's own new price shows on its page and in the card's "from".
    sqlx::query("UPDATE product_variants SET price = 12.50 WHERE id = $1")
        .bind(v["S/Black"])
        .execute(&pool)
        .await
        .unwrap();
    for app in &instances {
        let page = get_until(app, "/p/shirt?size=s&colour=black", |r| r.body.contains("$12.50")).await;
        assert!(page.body.contains("$12.50"));
        let listing = get_until(app, "/c/clothing", |r| r.body.contains("$12.50")).await;
        assert!(listing.body.contains("from ") && listing.body.contains("$12.50"), "the card's lowest price");
    }
}

#[sqlx::test]
async fn an_admin_makes_the_grid_and_sets_each_variant_with_every_bad_cell_named(pool: PgPool) {
    let cat = common::category(&pool, "Clothing").await;
    let socks = common::NewProduct { stock: 9, ..common::NewProduct::new(cat, "Socks", "8.00") }.insert(&pool).await;
    common::user(&pool, "boss", trove::account::Role::Admin).await;
    let app = common::app(pool.clone());
    let mut admin = common::signed_in(&app, "boss").await;

    // Options as typed, one a line; a bad box is refused whole.
    let bad = call(&app, &mut admin, "admin/products/options", &format!("product={socks}&options=Size")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("as its name, a colon, then its values"), "{}", bad.body);
    let made = call(
        &app,
        &mut admin,
        "admin/products/options",
        &format!("product={socks}&options=Size%3A+S%2C+M%0AColour%3A+Red"),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("now comes in 2 variants"), "{}", made.body);

    let page = common::page(&app, &mut admin, &format!("/admin/products/{socks}")).await;
    assert!(page.body.contains("S / Red") && page.body.contains("M / Red"), "the grid lists each variant");
    assert!(page.body.contains("SOCKS-S-RED"), "the SKUs made from the product's");
    assert!(page.body.contains("readonly"), "the product's stock is their sum, set per variant");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM product_variants WHERE product_id = $1 ORDER BY position")
        .bind(socks)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let (s, m) = (ids[0], ids[1]);

    // Every bad cell is named, and nothing is saved.
    let body = format!(
        "product={socks}&variants[0][id]={s}&variants[0][sku]=SOCK S&variants[0][price]=-1&variants[0][stock]=3&variants[0][active]=on\
         &variants[1][id]={m}&variants[1][sku]=SOCK-M&variants[1][price]=9.00&variants[1][offer_price]=9.50&variants[1][stock]=x"
    );
    let refused = call(&app, &mut admin, "admin/products/variants", &body).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    for cell in [format!("sku-{s}"), format!("price-{s}"), format!("offer_price-{m}"), format!("stock-{m}")] {
        assert!(errors["Validation"][&cell].is_string(), "{cell}: {}", refused.body);
    }
    let skus: Vec<String> =
        sqlx::query_scalar("SELECT sku FROM product_variants WHERE product_id = $1 ORDER BY position")
            .bind(socks)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(skus, ["SOCKS-S-RED", "SOCKS-M-RED"], "nothing changed");

    // A SKU another product's variant has is named on its cell.
    let tea = common::NewProduct::new(cat, "Tea", "3.00").insert(&pool).await;
    let taken =
        format!("product={socks}&variants[0][id]={s}&variants[0][sku]=tea&variants[0][stock]=3&variants[0][active]=on");
    let conflict = call(&app, &mut admin, "admin/products/variants", &taken).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert!(
        conflict.body.contains(&format!("sku-{s}")) && conflict.body.contains("Another variant already has this SKU.")
    );

    let good = format!(
        "product={socks}&variants[0][id]={s}&variants[0][sku]=SOCK-S&variants[0][stock]=3&variants[0][active]=on\
         &variants[1][id]={m}&variants[1][sku]=SOCK-M&variants[1][price]=10.00&variants[1][offer_price]=9.00&variants[1][stock]=4"
    );
    let saved = call(&app, &mut admin, "admin/products/variants", &good).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let rows: Vec<(String, Option<rust_decimal::Decimal>, i32, bool)> = sqlx::query_as(
        "SELECT sku, offer_price, stock, active FROM product_variants WHERE product_id = $1 ORDER BY position",
    )
    .bind(socks)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows, [("SOCK-S".into(), None, 3, true), ("SOCK-M".into(), Some("9.00".parse().unwrap()), 4, false)]);
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(socks).fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 3, "only what is on sale counts");
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action IN ('product.options', 'product.variants')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audit, 2, "both changes are in the audit log");
    // A second set of options is refused: the grid is edited instead.
    let again = call(&app, &mut admin, "admin/products/options", &format!("product={socks}&options=Fit%3A+Slim")).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Pictures: S shows its two (ticked in the gallery's order, whatever the
    // form's order), M the whole gallery; another product's picture is ignored.
    let mut gallery = Vec::new();
    for (n, key) in ["socks-front.svg", "socks-red.svg", "socks-back.svg"].iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
             VALUES ($1, $2, $2, $3, $3 = 0) RETURNING id",
        )
        .bind(socks)
        .bind(key)
        .bind(n as i32)
        .fetch_one(&pool)
        .await
        .unwrap();
        gallery.push(id);
    }
    let elsewhere: i64 = sqlx::query_scalar(
        "INSERT INTO product_images (product_id, storage_key, alt_text) VALUES ($1, 'tea.svg', 'Tea') RETURNING id",
    )
    .bind(tea)
    .fetch_one(&pool)
    .await
    .unwrap();
    let editor = common::page(&app, &mut admin, &format!("/admin/products/{socks}")).await;
    assert!(editor.body.contains(r#"name="variants[0][images][2]""#), "a box a picture: {}", editor.body);
    let pictured = format!(
        "product={socks}&variants[0][id]={s}&variants[0][sku]=SOCK-S&variants[0][stock]=3&variants[0][active]=on\
         &variants[0][images][2]={}&variants[0][images][0]={}&variants[0][images][3]={elsewhere}\
         &variants[1][id]={m}&variants[1][sku]=SOCK-M&variants[1][price]=10.00&variants[1][offer_price]=9.00&variants[1][stock]=4&variants[1][active]=on",
        gallery[2], gallery[0]
    );
    let saved = call(&app, &mut admin, "admin/products/variants", &pictured).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let editor = common::page(&app, &mut admin, &format!("/admin/products/{socks}")).await;
    assert!(editor.body.contains(&format!(r#"name="variants[0][images][2]" value="{}" checked"#, gallery[2])));
    let small = get_until(&app, "/p/socks?size=s&colour=red", |r| !r.body.contains("socks-red.svg")).await;
    assert!(small.body.contains("socks-front.svg") && small.body.contains("socks-back.svg"), "{}", small.body);
    assert!(small.body.contains("Show image 2 of 2"), "the variant's own two");
    assert!(small.body.find("socks-front").unwrap() < small.body.find("socks-back").unwrap());
    let medium = get(&app, "/p/socks?size=m&colour=red").await;
    assert!(medium.body.contains("Show image 3 of 3"), "no pictures of its own: the whole gallery");
    let api = get(&app, "/api/v1/products/socks").await;
    let product: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let small = product["variants"].as_array().unwrap().iter().find(|v| v["sku"] == "SOCK-S").unwrap();
    assert_eq!(small["images"].as_array().unwrap().len(), 2);
    assert!(small["image"].as_str().unwrap().contains("socks-front"));

    // A size added later: a variant for it, not on sale until the grid says so.
    let unknown =
        call(&app, &mut admin, "admin/products/option-values", &format!("product={socks}&options=Fit%3A+Slim")).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("Fit is not an option of this product: add values to Size or Colour."),
        "{}",
        unknown.body
    );
    let twice =
        call(&app, &mut admin, "admin/products/option-values", &format!("product={socks}&options=size%3A+s")).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("Size has s already."), "{}", twice.body);
    let added =
        call(&app, &mut admin, "admin/products/option-values", &format!("product={socks}&options=Size%3A+L")).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("1 new variant"), "{}", added.body);
    let large: (String, i32, bool) = sqlx::query_as(
        "SELECT sku, stock, active FROM product_variants WHERE product_id = $1 ORDER BY position DESC LIMIT 1",
    )
    .bind(socks)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(large, ("SOCKS-L-RED".to_owned(), 0, false));
    let page = get_until(&app, "/p/socks?size=l&colour=red", |r| r.body.contains(r#"name="size" value="l""#)).await;
    assert_eq!(note(&page.body, "size", "l"), " (not available)", "offered, not yet sold");
    let editor = common::page(&app, &mut admin, &format!("/admin/products/{socks}")).await;
    assert!(editor.body.contains("L / Red") && editor.body.contains("Size: S, M, L"), "in the grid and the summary");
}

#[sqlx::test]
async fn the_api_shows_variants_counts_stock_by_sku_and_fills_a_cart_by_variant(pool: PgPool) {
    use super::api_http::{api, json, personal_token, problem};
    use axum::http::Method;
    let (shirt, v) = shirt(&pool).await;
    common::user(&pool, "boss", trove::account::Role::Admin).await;
    common::user(&pool, "amy", trove::account::Role::Member).await;
    let app = common::app(pool.clone());

    let product = json(&api(&app, Method::GET, "/api/v1/products/shirt", None, None).await);
    assert_eq!(
        product["options"],
        serde_json::json!([
            { "name": "Size", "values": ["S", "M", "L"] },
            { "name": "Colour", "values": ["Blue", "Black"] },
        ])
    );
    let variants = product["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 6);
    let large = variants.iter().find(|x| x["sku"] == "SHIRT-L-BLACK").unwrap();
    assert_eq!(large["options"], serde_json::json!({ "Size": "L", "Colour": "Black" }));
    assert_eq!(large["price"]["amount"], "22.00");
    assert_eq!(large["offer_price"]["amount"], "21.00");
    assert_eq!((large["availability"].as_str(), large["only_left"].as_i64()), (Some("low"), Some(1)));

    // The warehouse counts by SKU.
    let mut boss = common::signed_in(&app, "boss").await;
    let form = "integration=Warehouse&name=stock&expires=90&scopes[inventory:write]=on";
    let created = call(&app, &mut boss, "admin/tokens/create", form).await;
    let secret = json(&created)["secret"].as_str().unwrap().to_owned();
    let set = api(&app, Method::PUT, "/api/v1/inventory/shirt-m-blue", Some(&secret), Some(r#"{"stock": 12}"#)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(json(&set)["name"], "Shirt — M / Blue");
    assert_eq!(json(&set)["stock"], 12);
    let read = json(&api(&app, Method::GET, "/api/v1/inventory/SHIRT-M-BLUE", Some(&secret), None).await);
    assert_eq!((read["variant"].as_i64(), read["stock"].as_i64()), (Some(v["M/Blue"]), Some(12)));
    let total: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(shirt).fetch_one(&pool).await.unwrap();
    assert_eq!(total, 23, "the product's stock follows");
    let unknown = api(&app, Method::PUT, "/api/v1/inventory/NOPE", Some(&secret), Some(r#"{"stock": 1}"#)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let negative =
        api(&app, Method::PUT, "/api/v1/inventory/SHIRT-M-BLUE", Some(&secret), Some(r#"{"stock": -1}"#)).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The product's own stock is theirs: set per variant.
    let whole =
        api(&app, Method::PUT, &format!("/api/v1/products/{shirt}/stock"), Some(&secret), Some(r#"{"stock": 5}"#))
            .await;
    assert_eq!(whole.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", whole.body);
    assert!(problem(&whole)["errors"]["stock"].as_str().unwrap().contains("set the stock of each variant"));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'variant.stock'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 1);

    // A shopper's token names the variant when the product has several.
    let mut amy = common::signed_in(&app, "amy").await;
    let (cart, _) = personal_token(&app, &mut amy, &["cart:write"], "30").await;
    let line = format!("/api/v1/cart/lines/{shirt}");
    let unnamed = api(&app, Method::PUT, &line, Some(&cart), Some(r#"{"quantity": 1}"#)).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(&unnamed)["errors"]["variant"], "Choose a size and colour first.");
    let body = format!(r#"{{"quantity": 2, "variant": {}}}"#, v["L/Blue"]);
    let named = json(&api(&app, Method::PUT, &line, Some(&cart), Some(&body)).await);
    assert_eq!(
        (named["lines"][0]["options"].as_str(), named["lines"][0]["quantity"].as_i64()),
        (Some("L / Blue"), Some(2))
    );
    assert_eq!(named["subtotal"]["amount"], "42.00");
}

#[sqlx::test]
async fn option_values_narrow_listings_and_search_and_their_counts_follow_the_variants(pool: PgPool) {
    use trove::admin::db::{OptionSpec, define_options};
    shirt(&pool).await;
    let clothing: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'clothing'").fetch_one(&pool).await.unwrap();
    let tee = common::NewProduct::new(clothing, "Tee", "9.00").insert(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    let sizes = OptionSpec { name: "Size".into(), values: vec!["M".into(), "XL".into()] };
    let tee_variants = define_options(&mut tx, tee, &[sizes]).await.unwrap();
    tx.commit().await.unwrap();
    common::NewProduct::new(clothing, "Socks", "4.00").insert(&pool).await;
    let instances = two_instances(&pool).await;
    let app = &instances[0];

    // The panel offers each option's values, in the shop's order, with counts.
    let listing = get(app, "/c/clothing").await;
    let body = &listing.body;
    assert!(body.contains(r#"<h3 id="facet-option-size">Size"#), "{body}");
    let (s, m, xl) = (body.find(">S (1)<").unwrap(), body.find(">M (2)<").unwrap(), body.find(">XL (1)<").unwrap());
    assert!(s < m && m < xl, "S, M, then XL");
    assert!(body.contains(r#"href="/c/clothing?opt=size:xl""#), "a plain link: {body}");
    assert!(body.contains(">Blue (1)<") && body.contains(">Black (1)<"));

    // Following a value narrows the page; values of one option are alternatives, options combine.
    let extra_large = get(app, "/c/clothing?opt=size:xl").await;
    assert!(extra_large.body.contains(r#"href="/p/tee?size=xl""#), "the card leads to the size asked for");
    assert!(!extra_large.body.contains(r#"href="/p/shirt"#));
    assert!(extra_large.body.contains("1 product"));
    assert!(extra_large.body.contains(r#"aria-current="true" rel="nofollow">XL (1)<"#), "marked as chosen");
    assert!(extra_large.body.contains(">M (2)<"), "the other sizes still count without the size filter");
    assert!(extra_large.body.contains(r#"href="/c/clothing?opt=size:m,xl""#), "a second size adds to the first");
    let either = get(app, "/c/clothing?opt=size:m,xl").await;
    assert!(either.body.contains("2 products"));
    let blue_m = get(app, "/c/clothing?opt=size:m;colour:blue").await;
    assert!(blue_m.body.contains(r#"href="/p/shirt?colour=blue&amp;size=m""#), "{}", blue_m.body);
    assert!(!blue_m.body.contains(r#"href="/p/tee"#) && !blue_m.body.contains(r#"href="/p/socks"#));
    let chosen = get(app, "/p/shirt?colour=blue&size=m").await;
    assert!(checked(&chosen.body, "size", "m") && checked(&chosen.body, "colour", "blue"));
    let search = get(app, "/search?q=tee&opt=size:xl").await;
    assert!(search.body.contains(r#"href="/p/tee?size=xl""#), "{}", search.body);
    assert!(get(app, "/search?q=shirt&opt=size:xl").await.body.contains("with these filters"));
    let api = get(app, "/api/v1/products?opt=size:xl").await;
    assert!(api.body.contains(r#""slug":"tee""#) && !api.body.contains(r#""slug":"shirt""#), "{}", api.body);
    for bad in ["/c/clothing?opt=size", "/products?opt=size:m/l", "/api/v1/products?opt=:m"] {
        assert_eq!(get(app, bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The tee's XL goes off sale: no instance offers XL or lists the tee under it.
    read_everywhere(&instances, &["/c/clothing", "/c/clothing?opt=size:xl", "/products", "/search?q=tee"]).await;
    sqlx::query("UPDATE product_variants SET active = false WHERE id = $1")
        .bind(tee_variants[1])
        .execute(&pool)
        .await
        .unwrap();
    for app in &instances {
        let listing = get_until(app, "/c/clothing", |r| !r.body.contains(">XL (")).await;
        assert!(!listing.body.contains(">XL (") && listing.body.contains(">M (2)<"), "{}", listing.body);
        let narrowed = get_until(app, "/c/clothing?opt=size:xl", |r| !r.body.contains(r#"href="/p/tee"#)).await;
        assert!(narrowed.body.contains(">XL (0)<"), "the chosen value stays, to be undone");
        let all = get_until(app, "/products", |r| !r.body.contains(">XL (")).await;
        assert!(!all.body.contains(">XL ("));
        let search = get_until(app, "/search?q=tee", |r| !r.body.contains(">XL (")).await;
        assert!(search.body.contains(">M (1)<"));
    }
}
