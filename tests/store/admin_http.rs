//! Authorisation of every admin endpoint, called as a signed-out client, a
//! member and a moderator; and the admin pages' statuses.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Jar, NewProduct, Reply, call, category, page, send_as, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

/// Every admin server function with a well-formed body, and whether a
/// moderator may call it.
fn endpoints(product: i64, user: &str) -> Vec<(&'static str, String, bool)> {
    vec![
        ("admin/dashboard", String::new(), false),
        ("admin/orders/list", String::new(), true),
        ("admin/orders/get", "number=100001".into(), true),
        ("admin/orders/advance", "number=100001&action=ship".into(), true),
        ("admin/products/list", String::new(), false),
        ("admin/products/get", format!("id={product}"), false),
        ("admin/products/save", "input[name]=X&input[category_id]=1&input[price]=1&input[stock]=1".into(), false),
        ("admin/products/quick", format!("id={product}&stock=1&price=2"), false),
        ("admin/products/active", format!("id={product}&active=false"), false),
        ("admin/products/remove", format!("id={product}"), false),
        ("admin/products/image", format!("product={product}&image=1&change=primary"), false),
        ("admin/products/import_report", String::new(), false),
        ("admin/products/options", format!("product={product}&options=Size%3A+S%2C+M"), false),
        (
            "admin/products/variants",
            format!("product={product}&variants[0][id]=1&variants[0][sku]=A&variants[0][stock]=1"),
            false,
        ),
        ("admin/categories/list", String::new(), false),
        ("admin/categories/save", "name=Zzz".into(), false),
        ("admin/categories/delete", "id=1".into(), false),
        ("admin/promos/list", String::new(), false),
        ("admin/promos/save", "input[code]=ABC&input[kind]=percent&input[value]=5".into(), false),
        ("admin/promos/active", "id=1&active=false".into(), false),
        ("admin/users/list", String::new(), false),
        ("admin/users/get", format!("id={user}"), false),
        ("admin/users/role", format!("id={user}&role=admin"), false),
        ("admin/users/disabled", format!("id={user}&disabled=true"), false),
        ("admin/audit", String::new(), false),
        ("admin/outbox", String::new(), false),
        ("admin/reviews/list", String::new(), true),
        ("admin/reviews/moderate", "id=1&hide=true&reason=Spam".into(), true),
    ]
}

async fn product_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn every_admin_function_refuses_signed_out_clients_members_and_where_due_moderators(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    let product = NewProduct::new(cat, "Tea", "3.00").insert(&pool).await;
    let member = user(&pool, "member", Role::Member).await;
    user(&pool, "moderator", Role::Moderator).await;
    let member_id = member.0.to_string();
    let mut member_jar = signed_in(&app, "member").await;
    let mut moderator_jar = signed_in(&app, "moderator").await;

    for (endpoint, body, moderator_may) in endpoints(product, &member_id) {
        let reply = call(&app, &mut Jar::default(), endpoint, &body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{endpoint} signed out: {}", reply.body);
        let reply = call(&app, &mut member_jar, endpoint, &body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{endpoint} as a member: {}", reply.body);
        assert!(reply.body.contains("Forbidden"), "{endpoint}: {}", reply.body);
        let reply = call(&app, &mut moderator_jar, endpoint, &body).await;
        if moderator_may {
            assert_ne!(reply.status, StatusCode::FORBIDDEN, "{endpoint} as a moderator: {}", reply.body);
        } else {
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{endpoint} as a moderator: {}", reply.body);
        }
    }
    // Nothing changed: the product is there, active, the member still a member.
    assert_eq!(product_count(&pool).await, 1);
    let (active, role): (bool, String) = sqlx::query_as(
        "SELECT (SELECT active FROM products WHERE id = $1), (SELECT role::text FROM users WHERE id = $2)",
    )
    .bind(product)
    .bind(member.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((active, role.as_str()), (true, "MEMBER"));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!(audit, 0);
}

#[sqlx::test]
async fn uploads_and_csv_routes_refuse_everyone_but_admins(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    let product = NewProduct::new(cat, "Tea", "3.00").insert(&pool).await;
    user(&pool, "member", Role::Member).await;
    user(&pool, "moderator", Role::Moderator).await;
    let csv: &[(&str, Option<&str>, &[u8])] =
        &[("file", Some("p.csv"), b"name,category,price,stock\nNew,pantry,1.00,1")];
    for (who, mut jar) in [
        ("signed out", Jar::default()),
        ("member", signed_in(&app, "member").await),
        ("moderator", signed_in(&app, "moderator").await),
    ] {
        let expected = if who == "signed out" { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
        for uri in [format!("/admin/products/{product}/images"), "/admin/products/import".to_owned()] {
            let reply = common::post_multipart(&app, &mut jar, &uri, csv).await;
            assert_eq!(reply.status, expected, "{uri} as {who}: {}", reply.body);
        }
        let reply = send_as(&app, &mut jar, Request::get("/admin/products.csv"), Body::empty()).await;
        assert_eq!(reply.status, expected, "export as {who}");
    }
    assert_eq!(product_count(&pool).await, 1);

    // An admin imports by API and exports.
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let reply = common::post_multipart(&app, &mut jar, "/admin/products/import", csv).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, r#"{"Applied":{"created":1,"updated":0}}"#);
    let reply = send_as(&app, &mut jar, Request::get("/admin/products.csv"), Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(reply.body.contains("\nNew,new,pantry,,1.00,,1,yes,no,,NEW,,,yes\n"), "{}", reply.body);
}

#[sqlx::test]
async fn a_large_csv_import_leaves_the_catalog_vacuumed_and_analysed(pool: PgPool) {
    let app = common::app(pool.clone());
    category(&pool, "Pantry").await;
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let mut csv = String::from("name,category,price,stock\n");
    for i in 0..1_200 {
        csv.push_str(&format!("Imported {i},pantry,{}.50,{}\n", i % 90 + 1, i % 7));
    }
    let reply =
        common::post_multipart(&app, &mut jar, "/admin/products/import", &[("file", Some("p.csv"), csv.as_bytes())])
            .await;
    assert_eq!(reply.body, r#"{"Applied":{"created":1200,"updated":0}}"#);
    // Index-only scans (search, listings) need the visibility map a vacuum writes.
    assert!(
        common::products_vacuumed(&pool, std::time::Duration::from_secs(15)).await,
        "vacuumed and analysed after the import"
    );
}

#[sqlx::test]
async fn admin_pages_answer_by_role(pool: PgPool) {
    let app = common::app(pool.clone());
    user(&pool, "member", Role::Member).await;
    user(&pool, "moderator", Role::Moderator).await;
    user(&pool, "admin", Role::Admin).await;
    let pages = [
        "/admin",
        "/admin/products",
        "/admin/products/new",
        "/admin/categories",
        "/admin/promos",
        "/admin/users",
        "/admin/audit",
    ];

    let reply = page(&app, &mut Jar::default(), "/admin/products").await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(reply.headers[header::LOCATION], "/sign-in?next=/admin/products");

    let mut member = signed_in(&app, "member").await;
    for uri in pages.iter().chain(&["/admin/orders"]) {
        let reply = page(&app, &mut member, uri).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri} as a member");
        assert!(reply.body.contains("Access denied"), "{uri}");
    }
    let mut moderator = signed_in(&app, "moderator").await;
    for uri in pages {
        assert_eq!(page(&app, &mut moderator, uri).await.status, StatusCode::FORBIDDEN, "{uri} as a moderator");
    }
    let orders = page(&app, &mut moderator, "/admin/orders").await;
    assert_eq!(orders.status, StatusCode::OK);
    assert!(orders.body.contains("<h1>Orders"), "{}", orders.body);
    // The moderator's navigation offers only what they may use.
    assert!(!orders.body.contains("href=\"/admin/products\""));

    let mut admin = signed_in(&app, "admin").await;
    for uri in pages {
        let reply = page(&app, &mut admin, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri} as an admin");
    }
    let dashboard = page(&app, &mut admin, "/admin").await;
    assert!(dashboard.body.contains("Revenue per day, last 30 days"));
    assert!(dashboard.body.contains("role=\"img\""));
}

#[sqlx::test]
async fn an_admin_creates_edits_and_deactivates_a_product_with_field_errors_and_an_audit_trail(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    NewProduct::new(cat, "Black Tea", "3.00").insert(&pool).await;
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;

    let bad =
        format!("input[name]=black+tea&input[category_id]={cat}&input[price]=2&input[offer_price]=3&input[stock]=-1");
    let reply = call(&app, &mut jar, "admin/products/save", &bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains("The offer price must be below the price."), "{}", reply.body);
    assert!(reply.body.contains("Stock cannot be negative."), "{}", reply.body);
    let taken = format!("input[name]=black+tea&input[category_id]={cat}&input[price]=2&input[stock]=1");
    let reply = call(&app, &mut jar, "admin/products/save", &taken).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("Another product already has this name."), "{}", reply.body);

    let good =
        format!("input[name]=Green+Tea&input[category_id]={cat}&input[price]=4.50&input[stock]=7&input[active]=on");
    let reply = call(&app, &mut jar, "admin/products/save", &good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id: i64 = reply.body.trim().parse().unwrap();
    assert_eq!(common::get(&app, "/p/green-tea").await.status, StatusCode::OK);

    let reply = call(&app, &mut jar, "admin/products/quick", &format!("id={id}&stock=3&price=5.00")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(&app, &mut jar, "admin/products/active", &format!("id={id}&active=false")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // A draft is invisible to shoppers at once (once the NOTIFY has dropped the cached page).
    let page = common::get_until(&app, "/p/green-tea", |reply| reply.status == StatusCode::NOT_FOUND).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    let actions: Vec<(String, Option<serde_json::Value>, Option<serde_json::Value>)> =
        sqlx::query_as("SELECT action, before, after FROM audit_log ORDER BY id").fetch_all(&pool).await.unwrap();
    let names: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, vec!["product.create", "product.quick_edit", "product.deactivate"]);
    assert_eq!(actions[1].1, Some(serde_json::json!({ "stock": 7, "price": "4.50" })));
    assert_eq!(actions[1].2, Some(serde_json::json!({ "stock": 3, "price": "5.00" })));
    let reply = call(&app, &mut jar, "admin/audit", "entity=product").await;
    assert!(reply.body.contains("product.quick_edit"), "{}", reply.body);
}

#[sqlx::test]
async fn a_disabled_account_is_signed_out_at_once_and_told_why_at_sign_in(pool: PgPool) {
    let app = common::app(pool.clone());
    let member = user(&pool, "member", Role::Member).await;
    user(&pool, "admin", Role::Admin).await;
    let mut member_jar = signed_in(&app, "member").await;
    assert_eq!(call(&app, &mut member_jar, "orders/list", "").await.status, StatusCode::OK);

    let mut admin = signed_in(&app, "admin").await;
    let reply = call(&app, &mut admin, "admin/users/disabled", &format!("id={}&disabled=true", member.0)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    assert_eq!(call(&app, &mut member_jar, "orders/list", "").await.status, StatusCode::UNAUTHORIZED);
    let reply = call(
        &app,
        &mut Jar::default(),
        "account/sign_in",
        &format!("login=member&password={}", common::PASSWORD.replace(' ', "+")),
    )
    .await;
    assert!(reply.body.contains("This account has been disabled."), "{}", reply.body);

    // Admins cannot disable themselves.
    let admin_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(&pool).await.unwrap();
    let reply = call(&app, &mut admin, "admin/users/disabled", &format!("id={admin_id}&disabled=true")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[sqlx::test]
async fn an_admin_creates_edits_and_deactivates_promo_codes_that_checkout_then_honours(pool: PgPool) {
    let app = common::app(pool.clone());
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let quote = |code: &'static str| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            trove::checkout::db::quote_promo(&mut conn, code, "40.00".parse().unwrap(), "USD").await.unwrap().0.outcome
        }
    };

    let bad = call(
        &app,
        &mut jar,
        "admin/promos/save",
        "input[code]=x&input[kind]=percent&input[value]=120&input[expires_on]=soon",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    for message in ["Use 3 to 32 letters", "A percentage is at most 100.", "Enter a date as YYYY-MM-DD"] {
        assert!(bad.body.contains(message), "{message}: {}", bad.body);
    }
    let good =
        "input[code]=spring-20&input[kind]=percent&input[value]=20&input[usage_limit]=50&input[expires_on]=2099-03-31";
    let created = call(&app, &mut jar, "admin/promos/save", good).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(quote("SPRING-20").await, Ok("8.00".parse().unwrap()));
    let again = call(&app, &mut jar, "admin/promos/save", good).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("Another promo code already uses this code."), "{}", again.body);

    let list = call(&app, &mut jar, "admin/promos/list", "").await;
    let promos: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let promo = &promos.as_array().unwrap()[0];
    assert_eq!(
        (promo["code"].as_str(), promo["used_count"].as_i64(), promo["usage_limit"].as_i64()),
        (Some("SPRING-20"), Some(0), Some(50))
    );
    assert_eq!(promo["expires_on"], "2099-03-31");
    let id = promo["id"].as_i64().unwrap();

    // Edited to a fixed amount with a minimum, then deactivated: checkout follows at once.
    let edit = format!("id={id}&input[code]=SPRING-20&input[kind]=fixed&input[value]=5&input[min_subtotal]=50");
    assert_eq!(call(&app, &mut jar, "admin/promos/save", &edit).await.status, StatusCode::OK);
    assert!(quote("SPRING-20").await.unwrap_err().contains("50.00"), "the minimum is explained");
    assert_eq!(
        call(&app, &mut jar, "admin/promos/active", &format!("id={id}&active=false")).await.status,
        StatusCode::OK
    );
    assert!(quote("SPRING-20").await.is_err());
    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'promo_code' ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audit, vec!["promo_code.create", "promo_code.update", "promo_code.deactivate"]);
}

async fn upload_images(
    app: &axum::Router,
    jar: &mut Jar,
    product: i64,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Reply {
    let (content_type, body) = common::multipart(parts);
    let request = Request::post(format!("/admin/products/{product}/images"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    send_as(app, jar, request, Body::from(body)).await
}

/// The width and height of the JPEG served at `url`.
async fn served_size(app: &axum::Router, url: &str) -> (u32, u32) {
    let (status, headers, bytes) = common::get_bytes(app, url).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg", "{url}");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    (image.width(), image.height())
}

#[sqlx::test]
async fn uploaded_images_are_checked_stored_at_the_storefront_sizes_ordered_and_removed(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    let product = NewProduct::new(cat, "Smoky Tea", "3.00").insert(&pool).await;
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let good = common::png(300, 300);

    // One bad file refuses the whole upload, naming the file.
    let big = vec![0_u8; 8 * 1024 * 1024 + 1];
    let bomb = common::png_claiming(9_000, 9_000);
    for (name, bytes, message) in [
        ("notes.png", &b"just some text"[..], "notes.png is not a PNG, JPEG or WebP image."),
        ("moving.gif", &b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"[..], "moving.gif is not a PNG, JPEG or WebP image."),
        ("huge.png", &big[..], "huge.png is larger than 8 MB."),
        ("bomb.png", &bomb[..], "bomb.png is too large a picture: at most 40 megapixels"),
    ] {
        let reply = upload_images(
            &app,
            &mut jar,
            product,
            &[("images", Some("good.png"), &good), ("images", Some(name), bytes)],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", reply.body);
        assert!(reply.body.contains(message), "{name}: {}", reply.body);
    }
    let reply = upload_images(&app, &mut jar, product, &[("alt", None, b"Nothing")]).await;
    assert!(reply.body.contains("Choose one or more images to upload."), "{}", reply.body);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM product_images").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0, "nothing was kept from the refused uploads");

    // Three at once, each stored at the gallery's, a card's and a thumbnail's width.
    let reply = upload_images(
        &app,
        &mut jar,
        product,
        &[
            ("alt", None, b"A tin of smoky tea"),
            ("images", Some("wide.png"), &common::png(1600, 1000)),
            ("images", Some("square.png"), &common::png(500, 500)),
            ("images", Some("small.png"), &common::png(150, 100)),
        ],
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, r#"{"added":3}"#));
    let images: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, storage_key FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(product)
            .fetch_all(&pool)
            .await
            .unwrap();
    let stems: Vec<String> =
        images.iter().map(|(_, key)| key.strip_suffix("@800.jpg").expect(key).to_owned()).collect();
    let expected = [
        [(800, 500), (400, 250), (200, 125)],
        [(500, 500), (400, 400), (200, 200)],
        [(150, 100), (150, 100), (150, 100)], // never enlarged
    ];
    for (stem, sizes) in stems.iter().zip(expected) {
        for (width, size) in [800, 400, 200].into_iter().zip(sizes) {
            assert_eq!(served_size(&app, &format!("/media/{stem}@{width}.jpg")).await, size, "{stem}@{width}");
        }
    }

    // The storefront: the first is the primary, large in the gallery, the
    // others as small thumbnails, in the admin's order, with the alt text.
    let order = |body: &str| {
        let mut found: Vec<(usize, usize)> = stems
            .iter()
            .enumerate()
            .filter_map(|(i, stem)| body.find(&format!("{stem}@200.jpg")).map(|at| (at, i)))
            .collect();
        found.sort();
        found.into_iter().map(|(_, i)| i).collect::<Vec<_>>()
    };
    let page = common::get(&app, "/p/smoky-tea").await;
    assert!(
        page.body.contains(&format!(r#"src="/media/{}@800.jpg" alt="A tin of smoky tea""#, stems[0])),
        "{}",
        page.body
    );
    assert_eq!(order(&page.body), [0, 1, 2]);
    let moved =
        call(&app, &mut jar, "admin/products/image", &format!("product={product}&image={}&change=up", images[2].0))
            .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let page = common::get_until(&app, "/p/smoky-tea", |reply| order(&reply.body) == [0, 2, 1]).await;
    assert_eq!(order(&page.body), [0, 2, 1]);

    // Removed: every size of it is gone.
    let removed =
        call(&app, &mut jar, "admin/products/image", &format!("product={product}&image={}&change=remove", images[1].0))
            .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    for width in [800, 400, 200] {
        let url = format!("/media/{}@{width}.jpg", stems[1]);
        assert_eq!(common::get(&app, &url).await.status, StatusCode::NOT_FOUND, "{url}");
    }
    let page = common::get_until(&app, "/p/smoky-tea", |reply| order(&reply.body) == [0, 2]).await;
    assert_eq!(order(&page.body), [0, 2]);
}

#[sqlx::test]
async fn a_refused_upload_form_explains_itself_and_a_link_cannot_fake_the_explanation(pool: PgPool) {
    let app = common::app(pool.clone());
    let cat = category(&pool, "Pantry").await;
    let product = NewProduct::new(cat, "Smoky Tea", "3.00").insert(&pool).await;
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let (content_type, body) = common::multipart(&[("images", Some("notes.png"), b"just some text")]);
    let request = Request::post(format!("/admin/products/{product}/images"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "text/html");
    let reply = send_as(&app, &mut jar, request, Body::from(body)).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let location = reply.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(!location.contains("notes.png"), "the reason is not in the URL: {location}");
    let editor = page(&app, &mut jar, &location).await;
    assert!(editor.body.contains("notes.png is not a PNG, JPEG or WebP image."), "shown once after the redirect");
    let again = page(&app, &mut jar, &location).await;
    assert!(!again.body.contains("is not a PNG"), "and only once");

    let forged = page(&app, &mut jar, &format!("/admin/products/{product}?upload_error=Your+session+expired")).await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(!forged.body.contains("Your session expired"), "words from a link are not shown");
}
