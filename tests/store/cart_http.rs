//! The cart over HTTP: a guest's cart cookie, the merge at sign-in, cookies that
//! name carts they may not use, and checkout's refusals.

use crate::common;

use axum::http::StatusCode;
use common::{Jar, NewProduct, call, category, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

/// How many items the header says the cart holds.
async fn cart_count(app: &axum::Router, jar: &mut Jar) -> i64 {
    let counts: serde_json::Value = serde_json::from_str(&call(app, jar, "header/counts", "").await.body).unwrap();
    counts["cart"].as_i64().unwrap()
}

async fn products(pool: &PgPool) -> (i64, i64) {
    let cat = category(pool, "Pantry").await;
    let tea = NewProduct { stock: 4, ..NewProduct::new(cat, "Green Tea", "3.00") }.insert(pool).await;
    let jam = NewProduct::new(cat, "Plum Jam", "4.00").insert(pool).await;
    (tea, jam)
}

#[sqlx::test]
async fn a_guest_cart_lives_in_an_http_only_cookie_and_joins_the_account_at_sign_in(pool: PgPool) {
    let (tea, jam) = products(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut guest = Jar::default();
    let added = call(&app, &mut guest, "cart/add", &format!("product={tea}&quantity=3")).await;
    assert_eq!((added.status, added.body.as_str()), (StatusCode::OK, "3"));
    let cookie =
        added.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("trove_cart="));
    let cookie = cookie.expect("a guest cart cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(cart_count(&app, &mut guest).await, 3);

    // Amy already has a cart with tea and jam in it.
    let mut amy = signed_in(&app, "amy").await;
    call(&app, &mut amy, "cart/add", &format!("product={tea}&quantity=2")).await;
    call(&app, &mut amy, "cart/add", &format!("product={jam}")).await;

    // The guest browser signs in as amy: 3 + 2 tea is capped at the 4 in stock.
    let signed = call(
        &app,
        &mut guest,
        "account/sign_in",
        &format!("login=amy&password={}", common::PASSWORD.replace(' ', "+")),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert!(guest.get("trove_cart").is_none(), "the guest cart cookie is cleared");
    let cart: serde_json::Value = serde_json::from_str(&call(&app, &mut guest, "cart/get", "").await.body).unwrap();
    let lines: Vec<(String, i64)> = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, vec![("Green Tea".to_owned(), 4), ("Plum Jam".to_owned(), 1)]);
    // The header's one call: cart items, unread notifications and unread answers.
    let counts: serde_json::Value =
        serde_json::from_str(&call(&app, &mut guest, "header/counts", "").await.body).unwrap();
    assert_eq!(counts, serde_json::json!({ "cart": 5, "unread": 0, "messages": 0 }));
    let guest_carts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM carts WHERE user_id IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(guest_carts, 0);

    // The jam goes on offer: the cart shows today's price and the price it was added at.
    sqlx::query("UPDATE products SET offer_price = 3.20 WHERE id = $1").bind(jam).execute(&pool).await.unwrap();
    let cart: serde_json::Value = serde_json::from_str(&call(&app, &mut guest, "cart/get", "").await.body).unwrap();
    assert_eq!(
        (cart["lines"][1]["unit_price"].as_str(), cart["lines"][1]["seen_price"].as_str()),
        (Some("3.20"), Some("4.00"))
    );
    let page = common::page(&app, &mut guest, "/cart").await;
    assert!(page.body.contains("The price dropped from $4.00 to $3.20 since you added it."), "the cart page warns");
}

#[sqlx::test]
async fn a_cart_cookie_cannot_open_someone_else_s_cart(pool: PgPool) {
    let (tea, _) = products(&pool).await;
    let amy_id = user(&pool, "amy", Role::Member).await;
    let line = common::variant_of(&pool, tea).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    call(&app, &mut amy, "cart/add", &format!("product={tea}&quantity=2")).await;
    let amy_cart: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM carts WHERE user_id = $1").bind(amy_id.0).fetch_one(&pool).await.unwrap();

    // A guest presenting amy's cart id (or a made-up one) gets an empty cart of their own.
    for presented in [amy_cart.to_string(), "00000000-0000-4000-8000-000000000000".to_owned(), "not-a-uuid".to_owned()]
    {
        let mut guest = Jar::default();
        guest.0.insert("trove_cart".into(), presented.clone());
        assert_eq!(cart_count(&app, &mut guest).await, 0, "{presented}");
        let removed = call(&app, &mut guest, "cart/remove", &format!("variant={line}")).await;
        assert_eq!(removed.status, StatusCode::OK);
    }
    assert_eq!(cart_count(&app, &mut amy).await, 2, "amy's cart is untouched");
}

#[sqlx::test]
async fn cart_changes_are_checked(pool: PgPool) {
    let (tea, _) = products(&pool).await;
    let app = common::app(pool.clone());
    let mut guest = Jar::default();
    let too_many = call(&app, &mut guest, "cart/add", &format!("product={tea}&quantity=5")).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT);
    assert!(too_many.body.contains("Only 4 of Green Tea are left."), "{}", too_many.body);
    let nonsense = call(&app, &mut guest, "cart/add", &format!("product={tea}&quantity=0")).await;
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = call(&app, &mut guest, "cart/add", "product=999999").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("not for sale"));
    sqlx::query("UPDATE products SET active = false WHERE id = $1").bind(tea).execute(&pool).await.unwrap();
    assert_eq!(call(&app, &mut guest, "cart/add", &format!("product={tea}")).await.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test]
async fn checkout_needs_a_signed_in_shopper_and_offers_cards_only_with_stripe(pool: PgPool) {
    let (tea, _) = products(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let token = "00000000-0000-4000-8000-000000000001";
    let address = "address=new&new_address[full_name]=Amy&new_address[line1]=1+Main+St&new_address[city]=Town&new_address[postal_code]=12345&new_address[country]=US";
    let signed_out =
        call(&app, &mut Jar::default(), "checkout/place", &format!("token={token}&payment=cash&{address}")).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, &mut Jar::default(), "checkout/get", "").await.status, StatusCode::UNAUTHORIZED);

    let mut amy = signed_in(&app, "amy").await;
    call(&app, &mut amy, "cart/add", &format!("product={tea}")).await;
    let view: serde_json::Value = serde_json::from_str(&call(&app, &mut amy, "checkout/get", "").await.body).unwrap();
    assert_eq!(view["card_enabled"], false);
    let card = call(&app, &mut amy, "checkout/place", &format!("token={token}&payment=card&{address}")).await;
    assert_eq!(card.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(card.body.contains("Card payments are not available"), "{}", card.body);
    let bad_address = call(&app, &mut amy, "checkout/place", &format!("token={token}&payment=cash&address=new")).await;
    assert_eq!(bad_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    let someone_elses =
        call(&app, &mut amy, "checkout/place", &format!("token={token}&payment=cash&address=999999")).await;
    assert_eq!(someone_elses.status, StatusCode::UNPROCESSABLE_ENTITY);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(orders, 0, "no refused checkout left an order");

    let placed =
        call(&app, &mut amy, "checkout/place", &format!("token={token}&payment=cash&{address}&save_address=on")).await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    // Submitted twice (a double click): the same order.
    let again = call(&app, &mut amy, "checkout/place", &format!("token={token}&payment=cash&{address}")).await;
    assert_eq!(again.body, placed.body);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(orders, 1);

    // The new address was kept; the next checkout ships to it by its id.
    let view: serde_json::Value = serde_json::from_str(&call(&app, &mut amy, "checkout/get", "").await.body).unwrap();
    assert_eq!(view["addresses"].as_array().map(Vec::len), Some(1));
    sqlx::query("UPDATE addresses SET city = 'Saved City'").execute(&pool).await.unwrap();
    let saved: i64 = sqlx::query_scalar("SELECT id FROM addresses").fetch_one(&pool).await.unwrap();
    call(&app, &mut amy, "cart/add", &format!("product={tea}")).await;
    let second = "00000000-0000-4000-8000-000000000002";
    let placed = call(&app, &mut amy, "checkout/place", &format!("token={second}&payment=cash&address={saved}")).await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let city: String = sqlx::query_scalar("SELECT ship_city FROM orders WHERE number = $1")
        .bind(placed.body.parse::<i64>().unwrap())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(city, "Saved City");
}

#[sqlx::test]
async fn a_client_that_never_keeps_its_cart_cookie_cannot_fill_the_database_with_carts(pool: PgPool) {
    let (tea, _) = products(&pool).await;
    let app = common::app(pool.clone());
    for _ in 0..200 {
        let added = call(&app, &mut Jar::default(), "cart/add", &format!("product={tea}")).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let refused = call(&app, &mut Jar::default(), "cart/add", &format!("product={tea}")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    let carts: i64 = sqlx::query_scalar("SELECT count(*) FROM carts").fetch_one(&pool).await.unwrap();
    assert_eq!(carts, 200);
    // A browser that keeps its cookie goes on using the cart it has.
    let mut browser = Jar::default();
    browser.0.insert("trove_cart".into(), {
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM carts LIMIT 1").fetch_one(&pool).await.unwrap();
        id.to_string()
    });
    assert_eq!(call(&app, &mut browser, "cart/add", &format!("product={tea}")).await.status, StatusCode::OK);
}
