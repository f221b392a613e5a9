//! Forms as shoppers trip over them: quantities that are not numbers, a
//! double-clicked "Place order", plain form posts (no JavaScript) whose
//! outcome reaches the next page without riding in its address, and links
//! that bring a shopper back after signing in.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Jar, NewProduct, call, category, send_as, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

async fn tea(pool: &PgPool) -> i64 {
    let cat = category(pool, "Pantry").await;
    NewProduct { stock: 4, ..NewProduct::new(cat, "Green Tea", "3.00") }.insert(pool).await
}

/// Posts `form` to a server function the way a browser without JavaScript
/// does: it accepts HTML and names the page the form was on.
async fn plain_post(app: &axum::Router, jar: &mut Jar, endpoint: &str, form: &str, from: &str) -> common::Reply {
    let request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header(header::REFERER, format!("http://127.0.0.1:3000{from}"));
    send_as(app, jar, request, Body::from(form.to_owned())).await
}

fn location(reply: &common::Reply) -> &str {
    reply.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The text of the `<p class="field-error">` that follows `id="<field_id>"`.
fn field_error_after<'a>(body: &'a str, field_id: &str) -> &'a str {
    let at = body.find(&format!("id=\"{field_id}\"")).unwrap_or_else(|| panic!("no field {field_id}"));
    let rest = &body[at..];
    let rest = &rest[rest.find("class=\"field-error\"").expect("a field error element")..];
    let text = &rest[rest.find('>').unwrap() + 1..rest.find("</p>").unwrap()];
    text.trim_matches(|c| c == '<' || c == '!' || c == '>' || c == '-')
}

#[sqlx::test]
async fn a_quantity_that_is_not_a_whole_number_in_range_gets_a_message_beside_its_line(pool: PgPool) {
    let tea = tea(&pool).await;
    let line = common::variant_of(&pool, tea).await;
    let app = common::app(pool);
    let mut guest = Jar::default();
    assert_eq!(call(&app, &mut guest, "cart/add", &format!("product={tea}")).await.status, StatusCode::OK);
    let field = format!("quantity-{line}");
    for (typed, message) in [
        ("-1", "Choose a quantity from 1 to 999."),
        ("0", "Choose a quantity from 1 to 999."),
        ("999999", "Choose a quantity from 1 to 999."),
        ("abc", "Enter a whole number."),
        // What a number field the browser could not read sends.
        ("", "Enter a whole number."),
    ] {
        let reply = call(&app, &mut guest, "cart/update", &format!("variant={line}&quantity={typed}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed:?}: {}", reply.body);
        let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(error["Validation"][&field], message, "{typed:?}");
    }
    // More than is in stock: the line's field says how many are left.
    let reply = call(&app, &mut guest, "cart/update", &format!("variant={line}&quantity=9")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Only 4 of Green Tea are left."), "{}", reply.body);
    // A product page's quantity.
    let reply = call(&app, &mut guest, "cart/add", &format!("product={tea}&quantity=abc")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error["Validation"]["quantity"], "Enter a whole number.");
    // Nothing changed.
    let cart: serde_json::Value = serde_json::from_str(&call(&app, &mut guest, "cart/get", "").await.body).unwrap();
    assert_eq!(cart["lines"][0]["quantity"], 1);
}

#[sqlx::test]
async fn without_javascript_a_bad_quantity_comes_back_beside_its_field_and_not_in_the_address(pool: PgPool) {
    let tea = tea(&pool).await;
    let line = common::variant_of(&pool, tea).await;
    let app = common::app(pool);
    let mut guest = Jar::default();
    call(&app, &mut guest, "cart/add", &format!("product={tea}")).await;
    let reply = plain_post(&app, &mut guest, "cart/update", &format!("variant={line}&quantity=abc"), "/cart").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&reply), "http://127.0.0.1:3000/cart", "no __path or __err in the address");
    assert!(guest.get("trove_flash").is_some(), "the outcome rides in a cookie");
    let cookie = reply.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned());
    let cookie = cookie.into_iter().find(|c| c.starts_with("trove_flash=")).unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=60"),
        "{cookie}"
    );

    let page = common::page(&app, &mut guest, "/cart").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(field_error_after(&page.body, &format!("cart-quantity-{line}")), "Enter a whole number.");
    assert!(!page.body.contains("invalid digit"), "no parser's words");
    assert!(guest.get("trove_flash").is_none(), "shown once: the page clears the cookie");
    let again = common::page(&app, &mut guest, "/cart").await;
    assert!(!again.body.contains("Enter a whole number."), "a reload shows the cart as it is");
}

#[sqlx::test]
async fn without_javascript_adding_to_the_cart_confirms_on_the_next_page_at_a_clean_address(pool: PgPool) {
    let tea = tea(&pool).await;
    let app = common::app(pool);
    let mut guest = Jar::default();
    let reply = plain_post(&app, &mut guest, "cart/add", &format!("product={tea}"), "/p/green-tea").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&reply), "http://127.0.0.1:3000/p/green-tea", "no stray '?'");
    let page = common::page(&app, &mut guest, "/p/green-tea").await;
    assert!(page.body.contains("Added to your cart."), "the header confirms");
    assert!(page.body.contains("data-flash="), "the hydrated page is told the same");
    let later = common::page(&app, &mut guest, "/products").await;
    assert!(!later.body.contains("Added to your cart."), "it does not follow the shopper");
}

#[sqlx::test]
async fn a_link_cannot_make_a_page_show_an_error_of_its_choosing(pool: PgPool) {
    use base64::Engine;
    let app = common::app(pool);
    let forged = base64::engine::general_purpose::URL_SAFE
        .encode(r#"{"BadRequest":"Your account is locked. Call +1 555 0100 to unlock it."}"#);
    let uri = format!("/sign-in?next=%2Forders&__path=%2Fapi%2Faccount%2Fsign_in&__err={forged}");
    // Whether it is opened from a mail or looks like it came from our own form.
    for referer in ["https://evil.example/mail", "http://127.0.0.1:3000/sign-in"] {
        let request = Request::get(&uri).header(header::REFERER, referer);
        let reply = common::send(&app, request.body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.headers.get("location").unwrap(), "/sign-in?next=%2Forders");
    }
    // Nor a cookie it made up for another site's form: only server functions' outcomes are read.
    let mut jar = Jar::default();
    jar.0.insert("trove_flash".into(), format!("err|https://evil.example/|{forged}"));
    let page = common::page(&app, &mut jar, "/sign-in").await;
    assert!(!page.body.contains("Your account is locked"));
}

#[sqlx::test]
async fn two_submits_of_one_checkout_at_once_place_one_order_and_both_get_it(pool: PgPool) {
    let tea = tea(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    call(&app, &mut amy, "cart/add", &format!("product={tea}&quantity=2")).await;
    // A new address kept in the (empty) address book: the first becomes the
    // primary one, which two racing submits must not both try.
    let form = "token=00000000-0000-4000-8000-00000000000a&payment=cash&address=new&new_address[full_name]=Amy\
                &new_address[line1]=1+Main+St&new_address[city]=Town&new_address[postal_code]=12345\
                &new_address[country]=US&save_address=on";
    for round in 0..5 {
        let token = format!("00000000-0000-4000-8000-00000000010{round}");
        let form = form.replace("00000000-0000-4000-8000-00000000000a", &token);
        if round > 0 {
            call(&app, &mut amy, "cart/add", &format!("product={tea}")).await;
            common::set_stock(&pool, tea, 4).await;
        }
        let (mut one, mut two) = (amy.clone(), amy.clone());
        let (a, b) =
            tokio::join!(call(&app, &mut one, "checkout/place", &form), call(&app, &mut two, "checkout/place", &form));
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "round {round}: {} / {}", a.body, b.body);
        assert_eq!(a.body, b.body, "both submits answer with the same order");
        let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE idempotency_key = $1::uuid")
            .bind(&token)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(orders, 1);
    }
    let addresses: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(addresses, 5, "one saved address a placed order, none from a second submit");
}

#[sqlx::test]
async fn sign_in_and_sign_up_links_bring_the_shopper_back(pool: PgPool) {
    tea(&pool).await;
    let app = common::app(pool);
    let product = common::get(&app, "/p/green-tea").await;
    assert!(product.body.contains(r#"href="/sign-in?next=/p/green-tea""#), "sign-in from a product page");
    assert!(product.body.contains(r#"href="/sign-up?next=/p/green-tea""#));
    let listing = common::get(&app, "/products?sort=price-asc&page=2").await;
    assert!(listing.body.contains(r#"href="/sign-in?next=/products%3Fsort%3Dprice-asc%26page%3D2""#));
    // On the sign-in page itself, the links keep the page the shopper came from.
    let sign_in = common::get(&app, "/sign-in?next=%2Fcart").await;
    assert!(sign_in.body.contains(r#"href="/sign-up?next=/cart""#), "create an account, then back to the cart");
}

#[sqlx::test]
async fn lazy_pages_put_their_nonce_only_in_nonce_attributes(pool: PgPool) {
    let app = common::app(pool);
    for path in ["/sign-in", "/sign-up", "/forgot-password", "/cart"] {
        let reply = common::get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let csp = reply.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
        let uses: Vec<&str> = reply.body.match_indices(nonce).map(|(at, _)| &reply.body[at - 7..at]).collect();
        assert!(!uses.is_empty(), "{path}: the hydration script carries the nonce");
        assert!(uses.iter().all(|before| *before == "nonce=\""), "{path}: the nonce only in nonce=\"…\": {uses:?}");
    }
}
