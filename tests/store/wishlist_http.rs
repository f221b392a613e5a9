//! The wishlist over HTTP: a guest is sent to sign in and back to the
//! product; a heart toggles; cards and product pages know what is saved; the
//! wishlist moves a product to the cart.

use crate::common;

use axum::http::{StatusCode, header};
use common::{Jar, NewProduct, call, category, page, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

#[sqlx::test]
async fn a_wishlist_keeps_products_and_moves_them_to_the_cart(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Green Tea", "4.00").insert(&pool).await;
    let gone = NewProduct { stock: 0, ..NewProduct::new(cat, "Rare Tea", "9.00") }.insert(&pool).await;

    // A guest pressing the heart is asked to sign in and comes back to the product.
    let guest = call(&app, &mut Jar::default(), "wishlist/toggle", &format!("product={tea}&slug=green-tea")).await;
    assert_eq!(guest.status, StatusCode::OK);
    assert_eq!(guest.headers[header::LOCATION], "/sign-in?next=/p/green-tea");
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM wishlist_items").fetch_one(&pool).await.unwrap();
    assert_eq!(saved, 0);

    user(&pool, "amy", Role::Member).await;
    let mut jar = signed_in(&app, "amy").await;
    for product in [tea, gone] {
        let reply = call(&app, &mut jar, "wishlist/toggle", &format!("product={product}&slug=x")).await;
        assert_eq!(reply.body, format!(r#"{{"product":{product},"wished":true}}"#));
    }
    // Cards and the product page show it as saved, for this shopper only.
    let listing = page(&app, &mut jar, "/c/pantry").await;
    assert_eq!(listing.body.matches(r#"aria-pressed="true""#).count(), 2, "{}", listing.body);
    let product = page(&app, &mut jar, "/p/green-tea").await;
    assert!(product.body.contains(r#"aria-pressed="true""#));
    assert!(!common::get(&app, "/c/pantry").await.body.contains(r#"aria-pressed="true""#));

    let list = call(&app, &mut jar, "wishlist/list", "").await;
    assert!(list.body.find("Rare Tea").unwrap() < list.body.find("Green Tea").unwrap(), "newest first: {}", list.body);

    // Moving a sold-out product is refused and it stays on the list.
    let refused = call(&app, &mut jar, "wishlist/move_to_cart", &format!("product={gone}")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let moved = call(&app, &mut jar, "wishlist/move_to_cart", &format!("product={tea}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let counts = call(&app, &mut jar, "header/counts", "").await;
    assert!(counts.body.contains(r#""cart":1"#), "{}", counts.body);
    let list = call(&app, &mut jar, "wishlist/list", "").await;
    assert!(!list.body.contains("Green Tea") && list.body.contains("Rare Tea"), "{}", list.body);

    // Pressing again takes it off.
    let off = call(&app, &mut jar, "wishlist/toggle", &format!("product={gone}&slug=x")).await;
    assert_eq!(off.body, format!(r#"{{"product":{gone},"wished":false}}"#));
    assert_eq!(call(&app, &mut Jar::default(), "wishlist/list", "").await.status, StatusCode::UNAUTHORIZED);
}
