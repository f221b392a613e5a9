//! Card payments over HTTP against localstripe (PyPI), a real stateful Stripe
//! double: paying an order, a declined card, a refund on cancel, and the
//! webhook (good, bad and stale signatures, replays, and localstripe's own
//! signed delivery).

use crate::common;

use std::process::{Child, Command};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Jar, NewProduct, call, category, signed_in, user};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trove::account::Role;

const SECRET: &str = "whsec_trove_test";
const PUBLISHABLE: &str = "pk_test_trove";

struct Localstripe {
    child: Child,
    port: u16,
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn localstripe() -> Localstripe {
    let python = std::env::var("TROVE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let port = free_port();
    let child = Command::new(&python)
        .args(["-m", "localstripe", "--from-scratch", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start localstripe with {python}: {e} (scripts/test installs it)"));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Localstripe { child, port };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("localstripe did not start");
}

/// A form POST to localstripe as a browser (publishable key) or a server (secret key) makes it.
async fn stripe_post(port: u16, path: &str, form: &str, key: &str) -> (u16, serde_json::Value) {
    stripe_request(port, "POST", path, form, key).await
}

async fn stripe_get(port: u16, path: &str) -> serde_json::Value {
    stripe_request(port, "GET", path, "", "sk_test_trove").await.1
}

async fn stripe_request(port: u16, method: &str, path: &str, form: &str, key: &str) -> (u16, serde_json::Value) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

/// What Stripe.js does with the card form: a single-use token.
async fn card_token(port: u16, number: &str) -> String {
    // Stripe.js sends the publishable key in the form, not as a bearer token.
    let form = format!("card[number]={number}&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123&key={PUBLISHABLE}");
    let (status, token) = stripe_post(port, "/v1/tokens", &form, "").await;
    assert_eq!(status, 200, "{token}");
    token["id"].as_str().unwrap().to_owned()
}

fn stripe_vars(port: u16) -> Vec<(String, String)> {
    vec![
        ("STRIPE_SECRET_KEY".into(), "sk_test_trove".into()),
        ("STRIPE_PUBLISHABLE_KEY".into(), PUBLISHABLE.into()),
        ("STRIPE_WEBHOOK_SECRET".into(), SECRET.into()),
        ("STRIPE_API_URL".into(), format!("http://127.0.0.1:{port}/")),
        ("STRIPE_JS_URL".into(), format!("http://127.0.0.1:{port}/js.stripe.com/v3/")),
    ]
}

fn app(pool: &PgPool, port: u16) -> axum::Router {
    let vars = stripe_vars(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    common::app_with(pool.clone(), &vars)
}

const ADDRESS: &str = "address=new&new_address[full_name]=Amy+Baker&new_address[line1]=1+Main+St&new_address[city]=Springfield\
&new_address[postal_code]=62701&new_address[country]=US";

/// Signs amy in, puts `quantity` lamps in her cart and places a card order; answers its number.
async fn card_order(app: &axum::Router, pool: &PgPool, stock: i32) -> (Jar, i64, i64) {
    user(pool, "amy", Role::Member).await;
    let cat = category(pool, "Lights").await;
    let lamp = NewProduct { stock, ..NewProduct::new(cat, "Desk Lamp", "60.00") }.insert(pool).await;
    let mut jar = signed_in(app, "amy").await;
    let added = call(app, &mut jar, "cart/add", &format!("product={lamp}&quantity=2")).await;
    assert_eq!((added.status, added.body.as_str()), (StatusCode::OK, "2"));
    let token = uuid_text();
    let placed = call(app, &mut jar, "checkout/place", &format!("token={token}&payment=card&{ADDRESS}")).await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    (jar, placed.body.parse().unwrap(), lamp)
}

fn uuid_text() -> String {
    format!("00000000-0000-4000-8000-{:012}", common::unique() + u64::from(std::process::id()) * 1000)
}

async fn lamp_id(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM products WHERE name = 'Desk Lamp'").fetch_one(pool).await.unwrap()
}

async fn order_row(pool: &PgPool, number: i64) -> (String, bool, Option<String>) {
    sqlx::query_as("SELECT status::text, paid_at IS NOT NULL, stripe_payment_intent_id FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn a_card_order_is_paid_through_stripe_and_becomes_processing(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, number, _) = card_order(&app, &pool, 5).await;
    assert_eq!(order_row(&pool, number).await, ("PENDING_PAYMENT".into(), false, None));

    // The order page offers the card form with the publishable key and Stripe.js URL.
    let page = common::page(&app, &mut jar, &format!("/orders/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(PUBLISHABLE) && page.body.contains("/js.stripe.com/v3/"), "card form missing");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&format!("http://127.0.0.1:{}", stripe.port)), "{csp}");
    assert!(!page.body.contains("sk_test_trove") && !page.body.contains(SECRET), "no secret reaches the browser");

    let token = card_token(stripe.port, "4242424242424242").await;
    let paid = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await;
    assert_eq!((paid.status, paid.body.as_str()), (StatusCode::OK, "\"Paid\""));
    let (status, was_paid, intent) = order_row(&pool, number).await;
    assert_eq!((status.as_str(), was_paid), ("PROCESSING", true));

    // Stripe holds a PaymentIntent for the order's total on the user's customer.
    let retrieved = stripe_get(stripe.port, &format!("/v1/payment_intents/{}", intent.unwrap())).await;
    assert_eq!(retrieved["amount"], 12_000, "2 × 60.00, shipping free from 50.00, in cents");
    assert_eq!(retrieved["status"], "succeeded");
    let customer: Option<String> = sqlx::query_scalar("SELECT stripe_customer_id FROM users WHERE username = 'amy'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(retrieved["customer"].as_str(), customer.as_deref());

    // A second order is paid by the same Stripe customer, not a new one.
    call(&app, &mut jar, "cart/add", &format!("product={}", lamp_id(&pool).await)).await;
    let token2 = uuid_text();
    let second = call(&app, &mut jar, "checkout/place", &format!("token={token2}&payment=card&{ADDRESS}")).await;
    let second: i64 = second.body.parse().unwrap();
    let card = card_token(stripe.port, "4242424242424242").await;
    assert_eq!(
        call(&app, &mut jar, "orders/pay", &format!("number={second}&token={card}")).await.status,
        StatusCode::OK
    );
    let customers = stripe_get(stripe.port, "/v1/customers").await;
    assert_eq!(customers["data"].as_array().map(Vec::len), Some(1), "{customers}");

    // Paying again is refused: nothing is charged twice.
    let again = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let confirmation: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE subject = $1")
        .bind(format!("Order #{number} confirmed"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(confirmation, 1);
}

#[sqlx::test]
async fn a_shop_in_yen_charges_whole_yen_not_a_hundred_times_the_price(pool: PgPool) {
    let stripe = localstripe().await;
    let mut vars = stripe_vars(stripe.port);
    vars.extend([
        ("TROVE_CURRENCY".to_owned(), "JPY".to_owned()),
        ("TROVE_SHIPPING_FEE".to_owned(), "500".to_owned()),
        ("TROVE_FREE_SHIPPING_FROM".to_owned(), "none".to_owned()),
    ]);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = common::app_with(pool.clone(), &vars);
    let (mut jar, number, _) = card_order(&app, &pool, 5).await;
    let token = card_token(stripe.port, "4242424242424242").await;
    let paid = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await;
    assert_eq!((paid.status, paid.body.as_str()), (StatusCode::OK, "\"Paid\""));
    let (_, _, intent) = order_row(&pool, number).await;
    let retrieved = stripe_get(stripe.port, &format!("/v1/payment_intents/{}", intent.unwrap())).await;
    assert_eq!(retrieved["amount"], 620, "2 × 60 yen and 500 yen shipping: yen have no minor unit");
    assert_eq!(retrieved["currency"], "jpy");
    let page = common::page(&app, &mut jar, &format!("/orders/{number}")).await;
    assert!(page.body.contains("JPY 620"), "the total is shown in whole yen");
}

#[sqlx::test]
async fn a_declined_card_leaves_the_order_pending_and_another_card_can_pay_it(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, number, _) = card_order(&app, &pool, 5).await;
    let declined = card_token(stripe.port, "4000000000000002").await;
    let refused = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={declined}")).await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED, "{}", refused.body);
    assert!(refused.body.contains("PaymentFailed"), "{}", refused.body);
    assert_eq!(order_row(&pool, number).await.0, "PENDING_PAYMENT");

    let good = card_token(stripe.port, "4242424242424242").await;
    let paid = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={good}")).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(order_row(&pool, number).await.0, "PROCESSING");
}

#[sqlx::test]
async fn a_card_that_needs_3d_secure_is_confirmed_after_the_shopper_authenticates(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, number, _) = card_order(&app, &pool, 5).await;
    let token = card_token(stripe.port, "4000000000003220").await;
    let asked = call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let outcome: serde_json::Value = serde_json::from_str(&asked.body).unwrap();
    let secret = outcome["NeedsAction"]["client_secret"].as_str().expect("3-D Secure is asked for").to_owned();
    assert_eq!(order_row(&pool, number).await.0, "PENDING_PAYMENT");
    // Not authenticated yet: confirming changes nothing.
    let early = call(&app, &mut jar, "orders/confirm", &format!("number={number}")).await;
    assert!(early.body.contains("NeedsAction"), "{}", early.body);

    // What Stripe.js does when the shopper completes 3-D Secure.
    let intent = secret.split("_secret_").next().unwrap();
    let body = format!(r#"{{"key":"{PUBLISHABLE}","client_secret":"{secret}"}}"#);
    let (status, _) =
        stripe_request_json(stripe.port, &format!("/v1/payment_intents/{intent}/_authenticate?success=true"), &body)
            .await;
    assert_eq!(status, 200);
    let confirmed = call(&app, &mut jar, "orders/confirm", &format!("number={number}")).await;
    assert_eq!((confirmed.status, confirmed.body.as_str()), (StatusCode::OK, "\"Paid\""));
    assert_eq!(order_row(&pool, number).await.0, "PROCESSING");
}

async fn stripe_request_json(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    (response[9..12].parse().unwrap(), response)
}

#[sqlx::test]
async fn someone_else_cannot_pay_view_or_cancel_an_order(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (_, number, _) = card_order(&app, &pool, 5).await;
    user(&pool, "mallory", Role::Member).await;
    let mut other = signed_in(&app, "mallory").await;
    for (endpoint, form) in [
        ("orders/get", format!("number={number}")),
        ("orders/cancel", format!("number={number}")),
        ("orders/pay", format!("number={number}&token=tok_x")),
    ] {
        let reply = call(&app, &mut other, endpoint, &form).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{endpoint}");
        let signed_out = call(&app, &mut Jar::default(), endpoint, &form).await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    assert_eq!(order_row(&pool, number).await.0, "PENDING_PAYMENT");
}

#[sqlx::test]
async fn cancelling_a_paid_card_order_refunds_it_and_returns_the_stock(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, number, lamp) = card_order(&app, &pool, 5).await;
    let token = card_token(stripe.port, "4242424242424242").await;
    assert_eq!(
        call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await.status,
        StatusCode::OK
    );
    assert_eq!(stock(&pool, lamp).await, 3);

    let cancelled = call(&app, &mut jar, "orders/cancel", &format!("number={number}")).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(order_row(&pool, number).await.0, "REFUNDED");
    assert_eq!(stock(&pool, lamp).await, 5);
    let intent = order_row(&pool, number).await.2.unwrap();
    let refunds = stripe_get(stripe.port, &format!("/v1/refunds?payment_intent={intent}")).await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "refunded once: {refunds}");
    let charge_id = refunds["data"][0]["charge"].as_str().unwrap().to_owned();
    let charge = stripe_get(stripe.port, &format!("/v1/charges/{charge_id}")).await;
    assert_eq!(charge["amount_refunded"], 12_000, "{charge}");
    let steps: Vec<String> = sqlx::query_scalar(
        "SELECT to_status::text FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.number = $1 ORDER BY e.id",
    )
    .bind(number)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(steps, ["PENDING_PAYMENT", "PROCESSING", "CANCELLED", "REFUNDED"]);
}

#[sqlx::test]
async fn an_admin_refunds_a_shipped_card_order_through_stripe_and_the_shopper_is_told(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, number, lamp) = card_order(&app, &pool, 5).await;
    let token = card_token(stripe.port, "4242424242424242").await;
    assert_eq!(
        call(&app, &mut jar, "orders/pay", &format!("number={number}&token={token}")).await.status,
        StatusCode::OK
    );
    user(&pool, "boss", Role::Admin).await;
    let mut admin = signed_in(&app, "boss").await;

    // Refunding before shipping is refused (cancel is the way then).
    let early = call(&app, &mut admin, "admin/orders/advance", &format!("number={number}&action=refund")).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let shipped = call(&app, &mut admin, "admin/orders/advance", &format!("number={number}&action=ship")).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    let refunded = call(
        &app,
        &mut admin,
        "admin/orders/advance",
        &format!("number={number}&action=refund&note=Damaged+in+transit."),
    )
    .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    assert_eq!(refunded.body, format!("\"Order #{number} is now refunded.\""));
    assert_eq!(order_row(&pool, number).await.0, "REFUNDED");
    // Shipped goods are not back on the shelf.
    assert_eq!(stock(&pool, lamp).await, 3);
    let intent = order_row(&pool, number).await.2.unwrap();
    let refunds = stripe_get(stripe.port, &format!("/v1/refunds?payment_intent={intent}")).await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "refunded once: {refunds}");
    assert_eq!(refunds["data"][0]["amount"], 12_000, "{refunds}");
    let body: String = sqlx::query_scalar(
        "SELECT n.body FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'amy' ORDER BY n.id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(body.starts_with("We refunded $120.00 for order") && body.ends_with("Damaged in transit."), "{body}");
    // A second refund is refused: nothing is paid back twice.
    let again = call(&app, &mut admin, "admin/orders/advance", &format!("number={number}&action=refund")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

/// A PaymentIntent for the order's 120.00 made at Stripe, and stored on the order.
async fn intent_for(port: u16, pool: &PgPool, number: i64) -> String {
    let (_, intent) = stripe_post(port, "/v1/payment_intents", "amount=12000&currency=usd", "sk_test_trove").await;
    let intent = intent["id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE orders SET stripe_payment_intent_id = $1 WHERE number = $2")
        .bind(&intent)
        .bind(number)
        .execute(pool)
        .await
        .unwrap();
    intent
}

/// Pays `intent` at Stripe with a good card, as if the shopper's browser did
/// and then went away; answers the intent's status.
async fn pay_at_stripe(port: u16, intent: &str) -> String {
    let token = card_token(port, "4242424242424242").await;
    let (_, customer) = stripe_post(port, "/v1/customers", "email=x@example.com", "sk_test_trove").await;
    let customer = customer["id"].as_str().unwrap();
    let (_, card) =
        stripe_post(port, &format!("/v1/customers/{customer}/sources"), &format!("source={token}"), "sk_test_trove")
            .await;
    let card = card["id"].as_str().unwrap();
    stripe_post(port, &format!("/v1/payment_intents/{intent}"), &format!("payment_method={card}"), "sk_test_trove")
        .await;
    let (status, confirmed) =
        stripe_post(port, &format!("/v1/payment_intents/{intent}/confirm"), "", "sk_test_trove").await;
    assert_eq!(status, 200, "{confirmed}");
    confirmed["status"].as_str().unwrap_or_default().to_owned()
}

/// A signed `payment_intent.succeeded` event for `intent`.
fn event(id: &str, intent: &str, amount: i64) -> String {
    serde_json::json!({
        "id": id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": { "object": { "id": intent, "object": "payment_intent", "amount": amount, "status": "succeeded" } }
    })
    .to_string()
}

async fn deliver(app: &axum::Router, body: &str, signature: &str) -> StatusCode {
    let request = Request::post("/webhooks/stripe")
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        // Cross-site by nature: the webhook is exempt from the same-origin check.
        .header("origin", "https://stripe.com")
        .body(Body::from(body.to_owned()))
        .unwrap();
    common::send(app, request).await.status
}

#[sqlx::test]
async fn the_webhook_checks_signatures_and_handles_each_event_once(pool: PgPool) {
    // No Stripe server needed: the events are signed here as Stripe signs them.
    let app = app(&pool, free_port());
    let (_, number, _) = card_order(&app, &pool, 5).await;
    sqlx::query("UPDATE orders SET stripe_payment_intent_id = 'pi_hook' WHERE number = $1")
        .bind(number)
        .execute(&pool)
        .await
        .unwrap();
    let body = event("evt_hook_1", "pi_hook", 12_000);
    let now = chrono::Utc::now().timestamp();

    let forged = trove::payments::webhook::sign("whsec_wrong", body.as_bytes(), now);
    assert_eq!(deliver(&app, &body, &forged).await, StatusCode::BAD_REQUEST);
    let stale = trove::payments::webhook::sign(SECRET, body.as_bytes(), now - 3600);
    assert_eq!(deliver(&app, &body, &stale).await, StatusCode::BAD_REQUEST);
    assert_eq!(deliver(&app, &body, "garbage").await, StatusCode::BAD_REQUEST);
    let tampered = body.replace("12000", "1");
    let good = trove::payments::webhook::sign(SECRET, body.as_bytes(), now);
    assert_eq!(deliver(&app, &tampered, &good).await, StatusCode::BAD_REQUEST);
    assert_eq!(order_row(&pool, number).await.0, "PENDING_PAYMENT", "nothing changed by refused events");

    assert_eq!(deliver(&app, &body, &good).await, StatusCode::OK);
    assert_eq!(order_row(&pool, number).await.0, "PROCESSING");
    // Stripe retries: the same event again is acknowledged and ignored.
    let replay = trove::payments::webhook::sign(SECRET, body.as_bytes(), now + 5);
    assert_eq!(deliver(&app, &body, &replay).await, StatusCode::OK);
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.number = $1",
    )
    .bind(number)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 2);
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payment_events WHERE id = 'evt_hook_1' AND order_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, 1);
}

#[sqlx::test]
async fn a_payment_arriving_after_the_order_was_cancelled_is_refunded_and_everyone_is_told(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    user(&pool, "boss", Role::Admin).await;
    let (_, number, lamp) = card_order(&app, &pool, 5).await;
    // The shopper's payment is under way at Stripe…
    let intent = intent_for(stripe.port, &pool, number).await;
    // …when the unpaid sweep cancels the order and gives its stock back.
    let config = common::config(&common::media_dir());
    let mut tx = pool.begin().await.unwrap();
    let order = trove::orders::db::lock(&mut tx, trove::orders::OrderNumber(number)).await.unwrap().unwrap();
    trove::orders::db::cancel(&mut tx, &config, &order, None, "It was not paid within 30 minutes.").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stock(&pool, lamp).await, 5);
    // The payment succeeds at Stripe anyway, and its event arrives.
    assert_eq!(pay_at_stripe(stripe.port, &intent).await, "succeeded");
    let body = event("evt_late_1", &intent, 12_000);
    let signature = trove::payments::webhook::sign(SECRET, body.as_bytes(), chrono::Utc::now().timestamp());
    assert_eq!(deliver(&app, &body, &signature).await, StatusCode::OK);

    // The money goes back, once, and the order says so.
    let (status, paid, _) = order_row(&pool, number).await;
    assert_eq!((status.as_str(), paid), ("REFUNDED", true));
    let refunds = stripe_get(stripe.port, &format!("/v1/refunds?payment_intent={intent}")).await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "refunded once: {refunds}");
    assert_eq!(refunds["data"][0]["amount"], 12_000);
    assert_eq!(stock(&pool, lamp).await, 5, "the stock is not taken again");
    let told: String = sqlx::query_scalar("SELECT body_text FROM email_outbox WHERE subject = $1")
        .bind(format!("Order #{number} refunded"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(told.contains("arrived after the order was cancelled"), "{told}");
    let staff: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'boss' AND n.title LIKE '%refunded after cancelling%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(staff, 1, "the admin is told");
}

#[sqlx::test]
async fn localstripe_s_own_signed_webhook_marks_the_order_paid(pool: PgPool) {
    let stripe = localstripe().await;
    let router = app(&pool, stripe.port);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_port = listener.local_addr().unwrap().port();
    let served = router.clone().into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });

    let hook =
        format!("url=http://127.0.0.1:{app_port}/webhooks/stripe&secret={SECRET}&events[]=payment_intent.succeeded");
    let (status, _) = stripe_post(stripe.port, "/_config/webhooks/trove", &hook, "sk_test_trove").await;
    assert_eq!(status, 200);

    let (_, number, _) = card_order(&router, &pool, 5).await;
    // The intent is paid at Stripe without the shopper's browser coming back:
    // only the webhook can tell the store.
    let intent = intent_for(stripe.port, &pool, number).await;
    assert_eq!(pay_at_stripe(stripe.port, &intent).await, "succeeded");

    for _ in 0..100 {
        if order_row(&pool, number).await.0 == "PROCESSING" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the webhook did not mark the order paid within 10 s");
}

#[sqlx::test]
async fn one_order_stripe_cannot_find_does_not_stop_the_unpaid_sweep(pool: PgPool) {
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    let (mut jar, broken, lamp) = card_order(&app, &pool, 5).await;
    call(&app, &mut jar, "cart/add", &format!("product={lamp}")).await;
    let token = uuid_text();
    let fine = call(&app, &mut jar, "checkout/place", &format!("token={token}&payment=card&{ADDRESS}")).await;
    let fine: i64 = fine.body.parse().unwrap();
    let (_, intent) =
        stripe_post(stripe.port, "/v1/payment_intents", "amount=6000&currency=usd", "sk_test_trove").await;
    for (number, intent) in [(broken, "pi_stripe_never_heard_of"), (fine, intent["id"].as_str().unwrap())] {
        sqlx::query(
            "UPDATE orders SET stripe_payment_intent_id = $1, created_at = now() - interval '1 hour' WHERE number = $2",
        )
        .bind(intent)
        .bind(number)
        .execute(&pool)
        .await
        .unwrap();
    }
    let vars = stripe_vars(stripe.port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let config =
        trove::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
            .unwrap();
    let state = trove::startup::state_with_pool(config, pool.clone()).unwrap();
    assert_eq!(trove::orders::service::sweep_unpaid(&state).await.unwrap(), 1, "the other order is still swept");
    assert_eq!(order_row(&pool, fine).await.0, "CANCELLED");
    assert_eq!(order_row(&pool, broken).await.0, "PENDING_PAYMENT", "left for the next sweep");
}

/// A Stripe that takes `delay` to answer, with a PaymentIntent awaiting payment
/// (cancelled when asked to cancel it).
async fn slow_stripe(delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut request = vec![0_u8; 16 * 1024];
                let read = stream.read(&mut request).await.unwrap_or(0);
                let cancel = String::from_utf8_lossy(&request[..read]).contains("/cancel");
                tokio::time::sleep(delay).await;
                let status = if cancel { "canceled" } else { "requires_payment_method" };
                let body = format!(
                    r#"{{"id":"pi_slow","object":"payment_intent","client_secret":null,"status":"{status}","amount":12000}}"#
                );
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

#[sqlx::test]
async fn a_slow_stripe_holds_no_database_connection_while_an_order_is_cancelled(pool: PgPool) {
    let port = slow_stripe(Duration::from_secs(2)).await;
    // One connection for everything: holding it while waiting on Stripe would stall the store.
    let one = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(1500))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let vars = stripe_vars(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = common::app_with(one.clone(), &vars);
    let (jar, number, lamp) = card_order(&app, &pool, 5).await;
    sqlx::query("UPDATE orders SET stripe_payment_intent_id = 'pi_slow' WHERE number = $1")
        .bind(number)
        .execute(&pool)
        .await
        .unwrap();
    let cancelling = {
        let (app, mut jar) = (app.clone(), jar.clone());
        tokio::spawn(async move { call(&app, &mut jar, "orders/cancel", &format!("number={number}")).await })
    };
    // While the cancel waits on Stripe, the store's one connection is free.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let started = std::time::Instant::now();
    sqlx::query("SELECT 1").execute(&one).await.expect("the connection is free while Stripe answers");
    assert!(started.elapsed() < Duration::from_millis(1000), "waited {:?}", started.elapsed());
    let reply = cancelling.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(order_row(&pool, number).await.0, "CANCELLED");
    assert_eq!(stock(&pool, lamp).await, 5);
}

#[sqlx::test]
async fn an_api_client_pays_a_card_order_with_the_payment_intent_it_is_given(pool: PgPool) {
    use crate::api_http::{api, json, personal_token};
    use axum::http::Method;
    let stripe = localstripe().await;
    let app = app(&pool, stripe.port);
    user(&pool, "amy", Role::Member).await;
    let cat = category(&pool, "Lights").await;
    let lamp = NewProduct { stock: 3, ..NewProduct::new(cat, "Desk Lamp", "60.00") }.insert(&pool).await;
    let mut jar = signed_in(&app, "amy").await;
    let (token, _) = personal_token(&app, &mut jar, &["cart:write", "orders:write", "orders:read"], "30").await;
    api(&app, Method::PUT, &format!("/api/v1/cart/lines/{lamp}"), Some(&token), Some(r#"{"quantity": 2}"#)).await;
    let body = r#"{"payment": "card", "address": {"full_name": "Amy Baker", "line1": "1 Main St", "city": "Springfield",
        "postal_code": "62701", "country": "US"}}"#;
    let placed = api(&app, Method::POST, "/api/v1/orders", Some(&token), Some(body)).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let placed = json(&placed);
    assert_eq!((placed["status"].as_str(), placed["payment"].as_str()), (Some("pending"), Some("card")));
    let card = &placed["card"];
    let intent = card["intent"].as_str().unwrap();
    assert!(card["client_secret"].as_str().unwrap().starts_with(&format!("{intent}_secret_")), "{card}");
    assert_eq!(card["publishable_key"], PUBLISHABLE);
    let number = placed["number"].as_i64().unwrap();
    let at_stripe = stripe_get(stripe.port, &format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(at_stripe["amount"], 12_000, "the order's total, priced by the store");
    // Asking again gives the same PaymentIntent, not a second charge.
    let again = api(&app, Method::POST, &format!("/api/v1/orders/{number}/payment"), Some(&token), None).await;
    assert_eq!(json(&again)["intent"], intent, "{}", again.body);

    // The client confirms it with Stripe; reading the order finds it paid.
    assert_eq!(pay_at_stripe(stripe.port, intent).await, "succeeded");
    let order = json(&api(&app, Method::GET, &format!("/api/v1/orders/{number}"), Some(&token), None).await);
    assert_eq!(order["status"], "processing", "{order}");
    assert!(order["paid_at"].is_string());
    let paid = api(&app, Method::POST, &format!("/api/v1/orders/{number}/payment"), Some(&token), None).await;
    assert_eq!(paid.status, StatusCode::BAD_REQUEST, "a paid order needs no payment: {}", paid.body);
    assert_eq!(stock(&pool, lamp).await, 1);
}
