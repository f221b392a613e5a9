//! The JSON API's writes over HTTP: staff making and changing products,
//! pictures, categories and promo codes (with the editor's rules, the audit
//! log and Idempotency-Key retries), and a shopper's address book,
//! wishlist, reviews, search and orders through their own token.

use crate::api_http::{api, client_token, json, personal_token, problem};
use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{NewProduct, category, signed_in, user};
use serde_json::{Value, json};
use sqlx::PgPool;
use trove::account::Role;

/// POSTs a new product as `token`, with an Idempotency-Key when given.
async fn create(app: &axum::Router, token: &str, key: Option<&str>, body: &Value) -> common::Reply {
    let mut request = Request::post("/api/v1/products")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    common::send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn staff_make_change_picture_and_remove_products_as_the_editor_does(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    NewProduct::new(pantry, "Green Tea", "3.00").insert(&pool).await;
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let mut boss = signed_in(&app, "boss").await;
    let token = client_token(&app, &mut boss, &["catalog:write", "catalog:read"]).await;
    let beans = json!({"name": "Espresso Beans", "category_id": pantry, "description": "Dark roast.",
        "price": "24.00", "stock": 40});

    // Made once, whatever the retries.
    let made = create(&app, &token, Some("beans-1"), &beans).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let product = json(&made);
    let id = product["id"].as_i64().unwrap();
    assert_eq!(made.headers.get(header::LOCATION).unwrap(), &format!("/api/v1/products/{id}"));
    assert_eq!(product["slug"], "espresso-beans");
    assert_eq!(product["price"], json!({"amount": "24.00", "currency": "USD"}));
    assert_eq!((product["active"].clone(), product["stock"].clone()), (json!(true), json!(40)));
    let retry = create(&app, &token, Some("beans-1"), &beans).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(json(&retry), product, "a retry answers with the first product");
    let other = json!({"name": "Decaf Beans", "category_id": pantry, "price": "20.00", "stock": 1});
    let reused = create(&app, &token, Some("beans-1"), &other).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reused.body);
    assert!(problem(&reused)["detail"].as_str().unwrap().contains("Idempotency-Key"));
    assert_eq!(count(&pool, "SELECT count(*) FROM products").await, 2, "nothing made twice");
    // A retry racing the first: one product.
    let racing = json!({"name": "Oolong", "category_id": pantry, "price": "6.00", "stock": 3});
    let (a, b) = tokio::join!(create(&app, &token, Some("race"), &racing), create(&app, &token, Some("race"), &racing));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED]);
    assert_eq!(json(&a)["id"], json(&b)["id"]);
    assert_eq!(count(&pool, "SELECT count(*) FROM products WHERE name = 'Oolong'").await, 1);

    // The editor's rules: each bad field named; a taken name is a conflict.
    let bad =
        create(&app, &token, None, &json!({"name": "", "category_id": pantry, "price": "cheap", "stock": -2})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let errors = problem(&bad)["errors"].clone();
    for field in ["name", "price", "stock"] {
        assert!(errors[field].is_string(), "{field} in {errors}");
    }
    let taken =
        create(&app, &token, None, &json!({"name": "Green Tea", "category_id": pantry, "price": "1.00", "stock": 1}))
            .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert!(problem(&taken)["errors"]["name"].is_string());
    let unknown_field = create(
        &app,
        &token,
        None,
        &json!({"name": "X", "category_id": pantry, "price": "1", "stock": 1, "colour": "red"}),
    )
    .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Changed: the storefront's own read shows it.
    let uri = format!("/api/v1/products/{id}");
    let changed = json!({"name": "Espresso Beans", "category_id": pantry, "price": "26.00", "offer_price": "22.00", "stock": 35, "featured": true});
    let updated = api(&app, Method::PUT, &uri, Some(&token), Some(&changed.to_string())).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(json(&updated)["offer_price"]["amount"], "22.00");
    let shown = json(&api(&app, Method::GET, "/api/v1/products/espresso-beans", None, None).await);
    assert_eq!(shown["price"]["amount"], "26.00");
    assert_eq!((shown["availability"].clone(), shown["only_left"].clone()), (json!("in_stock"), Value::Null));
    let exact = api(&app, Method::GET, &format!("/api/v1/products/{id}/stock"), Some(&token), None).await;
    assert_eq!(problem(&exact)["scope"], "inventory:write", "exact stock is the warehouse's");
    let by_id = api(&app, Method::GET, &uri, None, None).await;
    assert_eq!(json(&by_id)["slug"], "espresso-beans", "a product is read by id as well as slug");
    let missing = api(&app, Method::PUT, "/api/v1/products/999999", Some(&token), Some(&changed.to_string())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Off sale and back.
    let off = api(&app, Method::PUT, &format!("{uri}/active"), Some(&token), Some(r#"{"active": false}"#)).await;
    assert_eq!(json(&off)["active"], false);
    assert_eq!(
        api(&app, Method::GET, &uri, None, None).await.status,
        StatusCode::NOT_FOUND,
        "shoppers no longer see it"
    );
    api(&app, Method::PUT, &format!("{uri}/active"), Some(&token), Some(r#"{"active": true}"#)).await;
    assert_eq!(api(&app, Method::GET, &uri, None, None).await.status, StatusCode::OK);

    // A picture: the body is the image; anything else is refused by its content.
    let picture = |bytes: Vec<u8>, product: i64| {
        let request = Request::post(format!("/api/v1/products/{product}/images?alt=A+bag+of+beans"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "image/png")
            .body(Body::from(bytes))
            .unwrap();
        common::send(&app, request)
    };
    let added = picture(common::png(900, 600), id).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(json(&added)["added"], 1);
    let images = json(&api(&app, Method::GET, &uri, None, None).await)["images"].clone();
    assert_eq!(images.as_array().unwrap().len(), 1, "{images}");
    let served = common::get_bytes(&app, images[0].as_str().unwrap()).await;
    assert_eq!(served.0, StatusCode::OK, "the picture is served");
    let alt: String = sqlx::query_scalar("SELECT alt_text FROM product_images").fetch_one(&pool).await.unwrap();
    assert_eq!(alt, "A bag of beans");
    let not_image = picture(b"<svg onload=alert(1)>".to_vec(), id).await;
    assert_eq!(not_image.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", not_image.body);
    let bomb = picture(common::png_claiming(100_000, 100_000), id).await;
    assert_eq!(bomb.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bomb.body);
    assert_eq!(picture(common::png(10, 10), 999_999).await.status, StatusCode::NOT_FOUND);

    // Removed: never sold, so deleted.
    let removed = api(&app, Method::DELETE, &uri, Some(&token), None).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(json(&removed)["removed"], "deleted");
    assert_eq!(api(&app, Method::DELETE, &uri, Some(&token), None).await.status, StatusCode::NOT_FOUND);

    // Each change is in the audit log, saying it came through the API.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'product' AND summary LIKE '%API token%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for action in ["product.create", "product.update", "product.deactivate", "product.image_upload", "product.delete"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }

    // Only what the token's scopes allow.
    let warehouse = client_token(&app, &mut boss, &["inventory:write"]).await;
    let refused = create(&app, &warehouse, None, &beans).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&refused)["scope"], "catalog:write");
}

#[sqlx::test]
async fn staff_keep_categories_and_promo_codes(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    NewProduct::new(pantry, "Green Tea", "3.00").insert(&pool).await;
    user(&pool, "boss", Role::Admin).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut boss = signed_in(&app, "boss").await;
    let token = client_token(&app, &mut boss, &["catalog:write"]).await;

    let made = api(
        &app,
        Method::POST,
        "/api/v1/categories",
        Some(&token),
        Some(r#"{"name": "Tea", "description": "Leaves."}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let tea = json(&made)["id"].as_i64().unwrap();
    assert_eq!(json(&made)["slug"], "tea");
    let twice = api(&app, Method::POST, "/api/v1/categories", Some(&token), Some(r#"{"name": "Tea"}"#)).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    let blank = api(&app, Method::POST, "/api/v1/categories", Some(&token), Some(r#"{"name": "  "}"#)).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&blank)["errors"]["name"].is_string());
    let renamed =
        api(&app, Method::PUT, &format!("/api/v1/categories/{tea}"), Some(&token), Some(r#"{"name": "Teas"}"#)).await;
    assert_eq!(json(&renamed)["name"], "Teas", "{}", renamed.body);
    let listed = json(&api(&app, Method::GET, "/api/v1/categories", None, None).await);
    assert!(listed.as_array().unwrap().iter().any(|c| c["name"] == "Teas"), "{listed}");
    // A category with products goes only when they have somewhere to go.
    let full = api(&app, Method::DELETE, &format!("/api/v1/categories/{pantry}"), Some(&token), None).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{}", full.body);
    let moved =
        api(&app, Method::DELETE, &format!("/api/v1/categories/{pantry}?move_to={tea}"), Some(&token), None).await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.body);
    let category_now: i64 = sqlx::query_scalar("SELECT category_id FROM products").fetch_one(&pool).await.unwrap();
    assert_eq!(category_now, tea);

    let promo =
        r#"{"code": "spring10", "kind": "percent", "value": "10", "expires_on": "2030-05-31", "usage_limit": 100}"#;
    let made = api(&app, Method::POST, "/api/v1/promos", Some(&token), Some(promo)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = json(&made);
    assert_eq!(
        (made["code"].clone(), made["kind"].clone(), made["used"].clone()),
        (json!("SPRING10"), json!("percent"), json!(0))
    );
    let id = made["id"].as_i64().unwrap();
    let again = api(&app, Method::POST, "/api/v1/promos", Some(&token), Some(promo)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let wrong = api(
        &app,
        Method::POST,
        "/api/v1/promos",
        Some(&token),
        Some(r#"{"code": "x", "kind": "free", "value": "lots"}"#),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = problem(&wrong)["errors"].clone();
    assert!(errors["code"].is_string() && errors["value"].is_string(), "{errors}");
    let changed = api(
        &app,
        Method::PUT,
        &format!("/api/v1/promos/{id}"),
        Some(&token),
        Some(r#"{"code": "SPRING15", "kind": "fixed", "value": "15.00"}"#),
    )
    .await;
    assert_eq!(json(&changed)["value"], "15", "{}", changed.body);
    let off =
        api(&app, Method::PUT, &format!("/api/v1/promos/{id}/active"), Some(&token), Some(r#"{"active": false}"#))
            .await;
    assert_eq!(json(&off)["active"], false);
    let all = json(&api(&app, Method::GET, "/api/v1/promos", Some(&token), None).await);
    assert_eq!(all[0]["code"], "SPRING15");
    assert_eq!(
        api(&app, Method::PUT, "/api/v1/promos/999999/active", Some(&token), Some(r#"{"active": true}"#)).await.status,
        StatusCode::NOT_FOUND
    );
    let audited = count(
        &pool,
        "SELECT count(*) FROM audit_log WHERE entity IN ('category', 'promo_code') AND summary LIKE '%API token%'",
    )
    .await;
    assert_eq!(audited, 6, "every change is in the audit log");

    // A shopper's token cannot hold the scope.
    let mut amy = signed_in(&app, "amy").await;
    let (own, _) = personal_token(&app, &mut amy, &["account:read"], "30").await;
    let refused = api(&app, Method::GET, "/api/v1/promos", Some(&own), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn a_shopper_keeps_addresses_a_wishlist_and_reviews_through_their_token(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    let tea = NewProduct { stock: 5, ..NewProduct::new(pantry, "Green Tea", "3.00") }.insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "bob", Role::Member).await;
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let scopes = ["account:read", "account:write", "reviews:write", "cart:write", "orders:write", "orders:read"];
    let (token, _) = personal_token(&app, &mut amy, &scopes, "30").await;

    // Addresses.
    let home = r#"{"full_name": "Amy Pond", "line1": "1 Main St", "city": "Leadworth", "postal_code": "12345", "country": "GB"}"#;
    let added = api(&app, Method::POST, "/api/v1/addresses", Some(&token), Some(home)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let address = json(&added);
    assert_eq!(address["primary"], true, "the first address is the primary one");
    let id = address["id"].as_i64().unwrap();
    let incomplete = api(
        &app,
        Method::POST,
        "/api/v1/addresses",
        Some(&token),
        Some(r#"{"full_name": "", "line1": "", "city": "", "postal_code": "", "country": "GB"}"#),
    )
    .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", incomplete.body);
    assert!(problem(&incomplete)["errors"].as_object().unwrap().len() >= 3);
    let moved = home.replace("1 Main St", "2 High St");
    let updated = api(&app, Method::PUT, &format!("/api/v1/addresses/{id}"), Some(&token), Some(&moved)).await;
    assert_eq!(json(&updated)["address"]["line1"], "2 High St", "{}", updated.body);
    let book = json(&api(&app, Method::GET, "/api/v1/addresses", Some(&token), None).await);
    assert_eq!(book.as_array().unwrap().len(), 1);
    // Another shopper's token cannot see or touch it.
    let mut bob = signed_in(&app, "bob").await;
    let (bobs, _) = personal_token(&app, &mut bob, &["account:read", "account:write"], "30").await;
    assert_eq!(json(&api(&app, Method::GET, "/api/v1/addresses", Some(&bobs), None).await), json!([]));
    let stolen = api(&app, Method::PUT, &format!("/api/v1/addresses/{id}"), Some(&bobs), Some(home)).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api(&app, Method::DELETE, &format!("/api/v1/addresses/{id}"), Some(&bobs), None).await.status,
        StatusCode::NOT_FOUND
    );

    // The wishlist.
    let wish = format!("/api/v1/wishlist/{tea}");
    assert_eq!(api(&app, Method::PUT, &wish, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api(&app, Method::PUT, &wish, Some(&token), None).await.status, StatusCode::NO_CONTENT, "twice is once");
    let list = json(&api(&app, Method::GET, "/api/v1/wishlist", Some(&token), None).await);
    assert_eq!(list["products"][0]["slug"], "green-tea", "{list}");
    assert_eq!(
        api(&app, Method::PUT, "/api/v1/wishlist/999999", Some(&token), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(api(&app, Method::DELETE, &wish, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(json(&api(&app, Method::GET, "/api/v1/wishlist", Some(&token), None).await)["products"], json!([]));

    // A review needs the product delivered to them first.
    let review = r#"{"rating": 5, "title": "Lovely", "body": "Fresh and grassy."}"#;
    let mine = "/api/v1/products/green-tea/reviews/mine";
    let early = api(&app, Method::PUT, mine, Some(&token), Some(review)).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.body);
    api(&app, Method::PUT, &format!("/api/v1/cart/lines/{tea}"), Some(&token), Some(r#"{"quantity": 1}"#)).await;
    let placed = api(
        &app,
        Method::POST,
        "/api/v1/orders",
        Some(&token),
        Some(&format!(r#"{{"payment": "cash", "address_id": {id}}}"#)),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let number = json(&placed)["number"].as_i64().unwrap();
    let mut boss = signed_in(&app, "boss").await;
    let courier = client_token(&app, &mut boss, &["orders:write", "orders:read"]).await;
    for step in ["ship", "deliver"] {
        let moved =
            api(&app, Method::POST, &format!("/api/v1/staff/orders/{number}/{step}"), Some(&courier), None).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    }
    let written = api(&app, Method::PUT, mine, Some(&token), Some(review)).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.body);
    let edited = api(
        &app,
        Method::PUT,
        &format!("/api/v1/products/{tea}/reviews/mine"),
        Some(&token),
        Some(r#"{"rating": 4, "title": "Good"}"#),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let product = json(&api(&app, Method::GET, "/api/v1/products/green-tea", None, None).await);
    assert_eq!((product["rating"].clone(), product["reviews"].clone()), (json!("4.0"), json!(1)));
    let zero = api(&app, Method::PUT, mine, Some(&token), Some(r#"{"rating": 0, "title": ""}"#)).await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&zero)["errors"]["rating"].is_string());
    assert_eq!(api(&app, Method::DELETE, mine, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api(&app, Method::DELETE, mine, Some(&token), None).await.status, StatusCode::NOT_FOUND);
    let no_scope = api(&app, Method::PUT, mine, Some(&bobs), Some(review)).await;
    assert_eq!(problem(&no_scope)["scope"], "reviews:write");

    // The order as the shopper reads it: lines, address and timeline.
    let detail = api(&app, Method::GET, &format!("/api/v1/orders/{number}"), Some(&token), None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let detail = json(&detail);
    assert_eq!(detail["status"], "delivered");
    assert_eq!(detail["payment"], "cash");
    assert_eq!(detail["lines"][0]["name"], "Green Tea");
    assert_eq!(detail["lines"][0]["unit_price"]["amount"], "3.00");
    assert_eq!(detail["address"]["line1"], "2 High St");
    let steps: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["to"].as_str().unwrap()).collect();
    assert!(steps.ends_with(&["shipped", "delivered"]), "{steps:?}");
    let (bobs_orders, _) = personal_token(&app, &mut bob, &["orders:read"], "30").await;
    let theirs = api(&app, Method::GET, &format!("/api/v1/orders/{number}"), Some(&bobs_orders), None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another shopper's order is not theirs to read");
    let shop = api(&app, Method::GET, &format!("/api/v1/orders/{number}"), Some(&courier), None).await;
    assert_eq!(json(&shop)["number"], number, "a client token reads the shop's orders");
}

#[sqlx::test]
async fn search_and_the_staff_order_list_filter_as_the_pages_do(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    let tea = NewProduct { stock: 5, ..NewProduct::new(pantry, "Green Tea", "3.00") }.insert(&pool).await;
    NewProduct::new(pantry, "Black Coffee", "9.00").insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let app = common::app(pool.clone());

    let found = api(&app, Method::GET, "/api/v1/search?q=tea", None, None).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let found = json(&found);
    assert_eq!((found["total"].clone(), found["products"][0]["slug"].clone()), (json!(1), json!("green-tea")));
    let typo = json(&api(&app, Method::GET, "/api/v1/search?q=cofee", None, None).await);
    assert_eq!(typo["products"][0]["slug"], "black-coffee", "typos are forgiven: {typo}");
    let cheap = json(&api(&app, Method::GET, "/api/v1/search?q=&max=5", None, None).await);
    assert!(cheap["products"].as_array().unwrap().iter().all(|p| p["slug"] == "green-tea"), "{cheap}");
    for bad in ["sort=cheapest", "category=nowhere", "min=abc", "page=0", "rating="] {
        let reply = api(&app, Method::GET, &format!("/api/v1/search?q=tea&{bad}"), None, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
    }

    let mut amy = signed_in(&app, "amy").await;
    let (token, _) = personal_token(&app, &mut amy, &["cart:write", "orders:write", "orders:read"], "30").await;
    api(&app, Method::PUT, &format!("/api/v1/cart/lines/{tea}"), Some(&token), Some(r#"{"quantity": 1}"#)).await;
    let address = r#"{"full_name": "Amy Pond", "line1": "1 Main St", "city": "Leadworth", "postal_code": "12345", "country": "GB"}"#;
    let placed = api(
        &app,
        Method::POST,
        "/api/v1/orders",
        Some(&token),
        Some(&format!(r#"{{"payment": "cash", "address": {address}}}"#)),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let number = json(&placed)["number"].clone();

    let mut moe = signed_in(&app, "moe").await;
    let (staff, _) = personal_token(&app, &mut moe, &["orders:read"], "30").await;
    let listed =
        json(&api(&app, Method::GET, "/api/v1/staff/orders?customer=amy&payment=cash", Some(&staff), None).await);
    assert_eq!(listed["orders"][0]["number"], number, "{listed}");
    let shipped = json(&api(&app, Method::GET, "/api/v1/staff/orders?status=shipped", Some(&staff), None).await);
    assert_eq!(shipped["orders"], json!([]));
    for bad in ["status=lost", "payment=gold", "from=yesterday", "page=-1"] {
        let reply = api(&app, Method::GET, &format!("/api/v1/staff/orders?{bad}"), Some(&staff), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
    }
    let not_staff = api(&app, Method::GET, "/api/v1/staff/orders", Some(&token), None).await;
    assert_eq!(not_staff.status, StatusCode::FORBIDDEN, "{}", not_staff.body);
}
