//! The JSON API and its tokens over HTTP: tokens made in the account area
//! and by admins, each refusal a client developer meets (401 with its
//! reason, 403 naming the scope, 422 with field errors), revocation, expiry,
//! demotion and disabling taking effect on the next request, and the
//! session's cookie never standing in for a token.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Jar, NewProduct, call, category, signed_in, user};
use serde_json::Value;
use sqlx::PgPool;
use trove::account::Role;

/// Calls the API with `token` (if any) and a JSON `body` (if any).
pub async fn api(
    app: &axum::Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> common::Reply {
    let mut request = Request::builder().method(method).uri(uri).header(header::ACCEPT, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    common::send(app, request.body(Body::from(body.unwrap_or_default().to_owned())).unwrap()).await
}

pub fn json(reply: &common::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

/// Makes a token through the account page's server function; its secret and id.
pub async fn personal_token(app: &axum::Router, jar: &mut Jar, scopes: &[&str], expires: &str) -> (String, i64) {
    let scopes: String = scopes.iter().map(|s| format!("&scopes[{s}]=on")).collect();
    let reply = call(app, jar, "tokens/create", &format!("name=my+script&expires={expires}{scopes}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let created = json(&reply);
    (created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].as_i64().unwrap())
}

/// Makes a client token through the integrations page's server function, as
/// the signed-in admin in `jar`; its secret.
pub async fn client_token(app: &axum::Router, jar: &mut Jar, scopes: &[&str]) -> String {
    let scopes: String = scopes.iter().map(|s| format!("&scopes[{s}]=on")).collect();
    let form = format!("integration=Back+office&name=test&expires=30{scopes}");
    let reply = call(app, jar, "admin/tokens/create", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json(&reply)["secret"].as_str().unwrap().to_owned()
}

pub fn problem(reply: &common::Reply) -> Value {
    assert_eq!(reply.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json", "{}", reply.body);
    json(reply)
}

#[sqlx::test]
async fn a_shoppers_token_acts_as_them_until_it_is_revoked(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (secret, id) = personal_token(&app, &mut amy, &["account:read", "orders:read"], "30").await;
    assert!(secret.starts_with("trove_pat_"), "{secret}");
    let tokens: Value = json(&call(&app, &mut amy, "tokens/mine", "").await);
    assert_eq!(tokens[0]["name"], "my script");
    assert_eq!(tokens[0]["scopes"], serde_json::json!(["account:read", "orders:read"]));
    assert!(!tokens.to_string().contains(&secret[10..]), "lists never show the secret");

    let me = api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(json(&me)["username"], "amy");
    let orders = api(&app, Method::GET, "/api/v1/orders", Some(&secret), None).await;
    assert_eq!(orders.status, StatusCode::OK, "{}", orders.body);
    assert_eq!(json(&orders)["orders"], serde_json::json!([]));
    // Its use is recorded, at most once a minute.
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(used.is_some());
    api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    let again: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(used, again, "no write for every request");

    // A scope it lacks: 403 naming it.
    let cart = api(&app, Method::PUT, "/api/v1/products/1/stock", Some(&secret), Some(r#"{"stock":1}"#)).await;
    assert_eq!(cart.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&cart)["scope"], "inventory:write");

    // Revoked in the account page: the very next request is refused.
    assert_eq!(call(&app, &mut amy, "tokens/revoke", &format!("id={id}")).await.status, StatusCode::OK);
    let refused = api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let challenge = refused.headers.get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap();
    assert!(challenge.starts_with("Bearer ") && challenge.contains("invalid_token"), "{challenge}");
    assert!(problem(&refused)["detail"].as_str().unwrap().contains("revoked"));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'api_token.%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 2, "creating and revoking are in the audit log");
}

#[sqlx::test]
async fn bad_tokens_are_told_apart_and_cookies_are_not_tokens(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (secret, id) = personal_token(&app, &mut amy, &["account:read"], "7").await;

    // No token: the operation says it needs one; the shopper's session cookie does not count.
    let request = Request::get("/api/v1/me").header(header::COOKIE, amy.header()).body(Body::empty()).unwrap();
    let with_cookie = common::send(&app, request).await;
    assert_eq!(with_cookie.status, StatusCode::UNAUTHORIZED);
    // A typo is caught by the checksum; a well-formed stranger is unknown.
    let typo = format!("{}{}", &secret[..15], if &secret[15..16] == "A" { "B" } else { "A" }) + &secret[16..];
    let typo = api(&app, Method::GET, "/api/v1/me", Some(&typo), None).await;
    assert_eq!(typo.status, StatusCode::UNAUTHORIZED);
    assert!(problem(&typo)["detail"].as_str().unwrap().contains("not a Trove API token"));
    let scheme = common::send(
        &app,
        Request::get("/api/v1/me").header(header::AUTHORIZATION, "Basic abc").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(scheme.status, StatusCode::UNAUTHORIZED);
    assert!(scheme.headers.get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap().contains("invalid_request"));

    // Expired.
    sqlx::query("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let expired = api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(problem(&expired)["detail"].as_str().unwrap().contains("expired"));
    let listed: Value = json(&call(&app, &mut amy, "tokens/mine", "").await);
    assert_eq!(listed[0]["expired"], true);
}

#[sqlx::test]
async fn a_token_never_has_more_than_its_owner_may_do_now(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Green Tea", "3.00").insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let boss = user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    // A member cannot ask for a staff scope.
    let mut amy = signed_in(&app, "amy").await;
    let asked = call(&app, &mut amy, "tokens/create", "name=x&expires=30&scopes[inventory:write]=on").await;
    assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(asked.body.contains("inventory:write"), "{}", asked.body);

    let mut jar = signed_in(&app, "boss").await;
    let (secret, _) = personal_token(&app, &mut jar, &["inventory:write", "account:read"], "never").await;
    let uri = format!("/api/v1/products/{tea}/stock");
    let set = api(&app, Method::PUT, &uri, Some(&secret), Some(r#"{"stock": 42}"#)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(json(&set)["stock"], 42);
    let stock: i32 =
        sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(tea).fetch_one(&pool).await.unwrap();
    assert_eq!(stock, 42);

    // Demoted: the staff scope is gone at once.
    sqlx::query("UPDATE users SET role = 'MEMBER' WHERE id = $1").bind(boss.0).execute(&pool).await.unwrap();
    let demoted = api(&app, Method::PUT, &uri, Some(&secret), Some(r#"{"stock": 41}"#)).await;
    assert_eq!(demoted.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&demoted)["scope"], "inventory:write");
    assert_eq!(api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await.status, StatusCode::OK);
    // Disabled: nothing works.
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1").bind(boss.0).execute(&pool).await.unwrap();
    assert_eq!(api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn an_admins_client_token_sets_stock_for_the_warehouse_and_nothing_else(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Green Tea", "3.00").insert(&pool).await;
    user(&pool, "boss", Role::Admin).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let form = "integration=Warehouse+sync&name=stock&expires=90&scopes[inventory:write]=on";
    assert_eq!(call(&app, &mut amy, "admin/tokens/create", form).await.status, StatusCode::FORBIDDEN);
    let mut boss = signed_in(&app, "boss").await;
    let personal = call(&app, &mut boss, "admin/tokens/create", &format!("{form}&scopes[cart:write]=on")).await;
    assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY, "a shop has no cart");
    let created = call(&app, &mut boss, "admin/tokens/create", form).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = json(&created);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("trove_cli_"));

    let uri = format!("/api/v1/products/{tea}");
    let stock = api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some(r#"{"stock": 7}"#)).await;
    assert_eq!(stock.status, StatusCode::OK, "{}", stock.body);
    let read = api(&app, Method::GET, &format!("{uri}/stock"), Some(secret), None).await;
    assert_eq!(json(&read)["stock"], 7, "{}", read.body);
    // A read-modify-write says which version it read: an order taking stock
    // in between makes the write a 412, and nothing is lost.
    let version = read.headers[header::ETAG].to_str().unwrap().to_owned();
    let conditional = |tag: String, stock: i64| {
        let request = Request::put(format!("{uri}/stock"))
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::IF_MATCH, tag)
            .body(Body::from(format!(r#"{{"stock": {stock}}}"#)))
            .unwrap();
        common::send(&app, request)
    };
    sqlx::query("UPDATE product_variants SET stock = stock - 1 WHERE product_id = $1")
        .bind(tea)
        .execute(&pool)
        .await
        .unwrap();
    let stale = conditional(version.clone(), 9).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.body);
    assert_eq!(problem(&stale)["status"], 412);
    let fresh = api(&app, Method::GET, &format!("{uri}/stock"), Some(secret), None).await;
    assert_eq!(json(&fresh)["stock"], 6, "the order's change was kept");
    let current = fresh.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(current, version);
    let applied = conditional(current.clone(), 7).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_ne!(applied.headers[header::ETAG].to_str().unwrap(), current, "a new version");
    // Shoppers are told whether it is in stock; a change they can see shows
    // at once, though the answer is kept in memory.
    let public = json(&api(&app, Method::GET, &uri, None, None).await);
    assert_eq!((public["availability"].as_str(), public.get("stock")), (Some("in_stock"), None));
    api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some(r#"{"stock": 3}"#)).await;
    let low = common::get_until(&app, &uri, |reply| reply.body.contains("\"low\"")).await;
    assert_eq!(json(&low)["only_left"], 3, "{}", low.body);
    let price = api(&app, Method::PUT, &format!("{uri}/price"), Some(secret), Some(r#"{"price": "9.99"}"#)).await;
    assert_eq!(price.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&price)["scope"], "catalog:write");
    let me = api(&app, Method::GET, "/api/v1/me", Some(secret), None).await;
    assert_eq!(me.status, StatusCode::FORBIDDEN, "a client token has no person: {}", me.body);
    // The change is in the audit log, answered for by the admin who made the token.
    let summary: String = sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'product.stock'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(summary.contains("Green Tea"), "{summary}");

    // Bad bodies: the field and why, or that it is not JSON at all.
    let negative = api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some(r#"{"stock": -1}"#)).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&negative)["errors"]["stock"].as_str().unwrap().contains("0 or more"));
    let wrong = api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some(r#"{"stock": "many"}"#)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let garbage = api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some("stock=1")).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    let missing = api(&app, Method::PUT, "/api/v1/products/999999/stock", Some(secret), Some(r#"{"stock": 1}"#)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The admin revokes it from the integrations page.
    let listed: Value = json(&call(&app, &mut boss, "admin/tokens", "").await);
    assert_eq!(listed[0]["owner"], "Warehouse sync");
    let id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(call(&app, &mut boss, "admin/tokens/revoke", &format!("id={id}")).await.status, StatusCode::OK);
    let after = api(&app, Method::PUT, &format!("{uri}/stock"), Some(secret), Some(r#"{"stock": 8}"#)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn the_catalog_is_open_without_a_token(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    NewProduct::new(cat, "Green Tea", "3.00").insert(&pool).await;
    let app = common::app(pool);
    let categories = api(&app, Method::GET, "/api/v1/categories", None, None).await;
    assert_eq!(categories.status, StatusCode::OK, "{}", categories.body);
    assert_eq!(json(&categories)[0]["name"], "Pantry");
    let product = api(&app, Method::GET, "/api/v1/products/green-tea", None, None).await;
    assert_eq!(product.status, StatusCode::OK, "{}", product.body);
    assert_eq!(json(&product)["price"], serde_json::json!({ "amount": "3.00", "currency": "USD" }));
    let missing = api(&app, Method::GET, "/api/v1/products/no-such-thing", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(problem(&missing)["status"], 404);
    let unknown = api(&app, Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Anonymous calls share a per-address limit, counted in one minute.
    common::clear_of_window_end(60).await;
    let mut last = StatusCode::OK;
    for _ in 0..130 {
        last = api(&app, Method::GET, "/api/v1/categories", None, None).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test]
async fn the_openapi_document_describes_every_operation_with_its_scopes_and_errors(pool: PgPool) {
    let app = common::app(pool);
    let reply = api(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = json(&reply);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: its success");
            assert!(responses.contains_key("401"), "{method} {path}: a bad token");
            assert!(responses.contains_key("429"), "{method} {path}: the rate limit");
            let scopes = operation["security"].to_string();
            assert!(scopes.contains("bearer"), "{method} {path}: its scopes ({scopes})");
            assert!(operation["summary"].is_string() || operation["description"].is_string(), "{method} {path}");
            // Every documented operation is served: called with made-up
            // parameters it answers, but never as an unknown operation.
            let uri = path.replace("{action}", "ship").replace(['{', '}'], "");
            let uri = uri.split('/').map(|seg| if ["product", "id", "number"].contains(&seg) { "1" } else { seg });
            let uri = uri.collect::<Vec<_>>().join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = api(&app, method.clone(), &uri, None, None).await;
            assert!(
                reply.status != StatusCode::METHOD_NOT_ALLOWED && !reply.body.contains("No such API operation"),
                "{method} {uri} is documented but not served: {} {}",
                reply.status,
                reply.body
            );
            // An operation that needs a token refuses a caller without one.
            let open = operation["security"].as_array().unwrap().iter().any(|s| s.as_object().unwrap().is_empty());
            if !open {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri} without a token: {}", reply.body);
                assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE), "{method} {uri}");
            }
        }
    }
    assert_eq!(paths.len(), 36, "no undocumented path and no stale one");
    assert_eq!(operations, 51, "no undocumented operation and no stale one");
    // The shared errors are described once and named by each operation.
    let forbidden = &doc["paths"]["/api/v1/me"]["get"]["responses"]["403"]["$ref"];
    assert_eq!(forbidden, "#/components/responses/Forbidden");
    assert!(doc["components"]["responses"]["TooMany"]["headers"]["Retry-After"].is_object());
    assert!(doc["paths"]["/api/v1/products"]["get"]["responses"]["304"].is_object());
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["status"].is_object());
}

/// Everything the store logs, at every level, while the test runs.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test]
async fn a_tokens_secret_reaches_no_log_line(pool: PgPool) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Each test runs in a process of its own (nextest): this one's logs are ours alone.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (secret, id) = personal_token(&app, &mut amy, &["account:read"], "30").await;
    assert_eq!(api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await.status, StatusCode::OK);
    assert_eq!(api(&app, Method::GET, "/api/v1/orders", Some(&secret), None).await.status, StatusCode::FORBIDDEN);
    // One character changed (never to itself: that would be the secret).
    let last = if secret.ends_with('x') { 'y' } else { 'x' };
    let typo = format!("{}{last}", &secret[..secret.len() - 1]);
    assert_eq!(api(&app, Method::GET, "/api/v1/me", Some(&typo), None).await.status, StatusCode::UNAUTHORIZED);
    call(&app, &mut amy, "tokens/revoke", &format!("id={id}")).await;
    assert_eq!(api(&app, Method::GET, "/api/v1/me", Some(&secret), None).await.status, StatusCode::UNAUTHORIZED);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("API token created"), "the log is captured: {text}");
    let random = &secret["trove_pat_".len()..];
    assert!(!text.contains(random), "the secret is in the log");
    assert!(!text.contains(&typo["trove_pat_".len()..]), "a presented secret is in the log");
}

#[sqlx::test]
async fn products_are_listed_with_the_storefronts_filters_in_pages_that_name_the_next(pool: PgPool) {
    let pantry = category(&pool, "Pantry").await;
    let bakery = category(&pool, "Bakery").await;
    for i in 0..30 {
        NewProduct::new(pantry, &format!("Tea {i:02}"), &format!("{}.00", 2 + i)).insert(&pool).await;
    }
    NewProduct { stock: 0, ..NewProduct::new(bakery, "Sourdough", "4.00") }.insert(&pool).await;
    let app = common::app(pool);
    let first = api(&app, Method::GET, "/api/v1/products?category=pantry&sort=price-asc", None, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let page = json(&first);
    let names: Vec<&str> = page["products"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 24);
    assert_eq!((names[0], names[23]), ("Tea 00", "Tea 23"));
    assert_eq!(page["products"][0]["price"], serde_json::json!({ "amount": "2.00", "currency": "USD" }));
    let next = page["next"].as_str().unwrap().to_owned();
    let link = first.headers.get(header::LINK).unwrap().to_str().unwrap();
    assert_eq!(link, format!("<{next}>; rel=\"next\""));
    let second = json(&api(&app, Method::GET, &next, None, None).await);
    let names: Vec<&str> = second["products"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tea 24", "Tea 25", "Tea 26", "Tea 27", "Tea 28", "Tea 29"]);
    assert!(second["next"].is_null());

    // Filters as the storefront's: in stock, a price range.
    let in_stock = json(&api(&app, Method::GET, "/api/v1/products?category=bakery&stock=1", None, None).await);
    assert_eq!(in_stock["products"], serde_json::json!([]));
    let range = json(&api(&app, Method::GET, "/api/v1/products?min=5&max=6.50", None, None).await);
    assert_eq!(range["products"].as_array().unwrap().len(), 2, "Tea 03 and Tea 04");
    let bad = api(&app, Method::GET, "/api/v1/products?sort=sideways", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let blank = api(&app, Method::GET, "/api/v1/products?rating=", None, None).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "an integer parameter given empty (found by the fuzzer)");
    assert_eq!(problem(&bad)["status"], 400);
    let unknown = api(&app, Method::GET, "/api/v1/products?category=nowhere", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // An unchanged page is answered 304 to a client holding its ETag.
    let etag = first.headers.get(header::ETAG).unwrap().to_str().unwrap().to_owned();
    let request = Request::get("/api/v1/products?category=pantry&sort=price-asc")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let cached = common::send(&app, request).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    let request = Request::get("/api/v1/categories").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    assert_eq!(common::send(&app, request).await.status, StatusCode::OK, "another document's tag does not match");
}

#[sqlx::test]
async fn a_shoppers_token_fills_their_cart_with_the_same_rules_as_the_page(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct { stock: 4, ..NewProduct::new(cat, "Green Tea", "3.00") }.insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (secret, _) = personal_token(&app, &mut amy, &["cart:write"], "30").await;
    let line = format!("/api/v1/cart/lines/{tea}");
    let put = api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 3}"#)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let cart = json(&put);
    assert_eq!(cart["lines"][0]["quantity"], 3);
    assert_eq!(cart["subtotal"], serde_json::json!({ "amount": "9.00", "currency": "USD" }));
    // The page sees the same cart.
    let page: Value = json(&call(&app, &mut amy, "cart/get", "").await);
    assert_eq!(page["lines"][0]["quantity"], 3);
    // Set again: the line changes, not a second one.
    let again = json(&api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 2}"#)).await);
    assert_eq!(again["lines"].as_array().unwrap().len(), 1);
    assert_eq!(again["lines"][0]["quantity"], 2);
    // The page's refusals: more than in stock (409), out of range (422).
    let many = api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 9}"#)).await;
    assert_eq!(many.status, StatusCode::CONFLICT);
    assert!(problem(&many)["detail"].as_str().unwrap().contains("Only 4 of Green Tea are left."));
    let zero = api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 0}"#)).await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&zero)["errors"]["quantity"].is_string());
    let removed = json(&api(&app, Method::DELETE, &line, Some(&secret), None).await);
    assert_eq!(removed["lines"], serde_json::json!([]));
    // Without the scope, or for a shop's token, no cart.
    let (reader, _) = personal_token(&app, &mut amy, &["account:read"], "30").await;
    let refused = api(&app, Method::GET, "/api/v1/cart", Some(&reader), None).await;
    assert_eq!(problem(&refused)["scope"], "cart:write");
}

#[sqlx::test]
async fn a_bulk_stock_update_applies_every_row_or_none_and_names_each_bad_one(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(NewProduct { stock: 10, ..NewProduct::new(cat, &format!("Tea {i}"), "3.00") }.insert(&pool).await);
    }
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let mut boss = signed_in(&app, "boss").await;
    let created = call(
        &app,
        &mut boss,
        "admin/tokens/create",
        "integration=Warehouse&name=bulk&expires=30&scopes[inventory:write]=on",
    )
    .await;
    let secret = json(&created)["secret"].as_str().unwrap().to_owned();
    let stocks = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i32>("SELECT stock FROM products ORDER BY id").fetch_all(&pool).await.unwrap()
    };

    let rows: Vec<String> =
        ids.iter().enumerate().map(|(i, id)| format!(r#"{{"id": {id}, "stock": {}}}"#, i * 2)).collect();
    let body = format!(r#"{{"items": [{}]}}"#, rows.join(","));
    let applied = api(&app, Method::POST, "/api/v1/inventory", Some(&secret), Some(&body)).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(json(&applied)["updated"], 5);
    assert_eq!(stocks(pool.clone()).await, vec![0, 2, 4, 6, 8]);

    // One bad stock, an unknown product and a repeated row: refused whole, each named.
    let body = format!(
        r#"{{"items": [{{"id": {}, "stock": 50}}, {{"id": {}, "stock": -3}}, {{"id": 999999, "stock": 1}}, {{"id": {}, "stock": 7}}]}}"#,
        ids[0], ids[1], ids[0]
    );
    let refused = api(&app, Method::POST, "/api/v1/inventory", Some(&secret), Some(&body)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let errors = problem(&refused)["errors"].clone();
    assert!(errors["items[1].stock"].is_string(), "{errors}");
    assert_eq!(errors["items[2].id"], "No product has this id.");
    assert!(errors["items[3].id"].as_str().unwrap().contains("earlier row"));
    assert!(errors.get("items[0].id").is_none() && errors.get("items[0].stock").is_none(), "good rows are not named");
    assert_eq!(stocks(pool.clone()).await, vec![0, 2, 4, 6, 8], "nothing changed");

    let too_many: Vec<String> = (0..1001).map(|i| format!(r#"{{"id": {i}, "stock": 1}}"#)).collect();
    let body = format!(r#"{{"items": [{}]}}"#, too_many.join(","));
    let big = api(&app, Method::POST, "/api/v1/inventory", Some(&secret), Some(&body)).await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&big)["errors"]["items"].as_str().unwrap().contains("1000"));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'product.stock_bulk'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 1, "the applied update is in the audit log, the refused ones are not");
}

#[sqlx::test]
async fn orders_are_placed_once_per_idempotency_key_cancelled_by_the_shopper_and_shipped_by_staff(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct { stock: 5, ..NewProduct::new(cat, "Green Tea", "3.00") }.insert(&pool).await;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (secret, _) = personal_token(&app, &mut amy, &["cart:write", "orders:write", "orders:read"], "30").await;
    let place = |key: &'static str| {
        let app = app.clone();
        let secret = secret.clone();
        async move {
            let body = r#"{"payment": "cash", "address": {"full_name": "Amy Pond", "line1": "1 Main St", "city": "Leadworth",
                "postal_code": "12345", "country": "GB"}, "save_address": true}"#;
            let request = Request::post("/api/v1/orders")
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("Idempotency-Key", key)
                .body(Body::from(body))
                .unwrap();
            common::send(&app, request).await
        }
    };
    let line = format!("/api/v1/cart/lines/{tea}");
    api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 2}"#)).await;
    let first = place("order-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let placed = json(&first);
    assert_eq!(placed["total"]["amount"], "10.90", "6.00 and 4.90 delivery, priced by the store");
    let retry = place("order-1").await;
    assert_eq!(retry.status, StatusCode::OK, "a retry answers with the same order");
    assert_eq!(json(&retry)["number"], placed["number"]);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    let addresses: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses").fetch_one(&pool).await.unwrap();
    assert_eq!((orders, addresses), (1, 1), "nothing placed or saved twice");
    let empty = place("order-2").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "the cart is empty now: {}", empty.body);
    let stock = || async { sqlx::query_scalar::<_, i32>("SELECT stock FROM products").fetch_one(&pool).await.unwrap() };
    assert_eq!(stock().await, 3);

    // Cancelled by the shopper: the stock comes back.
    let number = placed["number"].as_i64().unwrap();
    let cancelled = api(&app, Method::POST, &format!("/api/v1/orders/{number}/cancel"), Some(&secret), None).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(json(&cancelled)["status"], "cancelled");
    assert_eq!(stock().await, 5);
    let again = api(&app, Method::POST, &format!("/api/v1/orders/{number}/cancel"), Some(&secret), None).await;
    assert!(again.status.is_client_error(), "{}", again.status);

    // Staff: a moderator's token ships but may not cancel; a client token acts as the shop.
    api(&app, Method::PUT, &line, Some(&secret), Some(r#"{"quantity": 1}"#)).await;
    let second = json(&place("order-3").await)["number"].as_i64().unwrap();
    let mut mo = signed_in(&app, "moe").await;
    let (moderator, _) = personal_token(&app, &mut mo, &["orders:write"], "30").await;
    let staff = |action: &str| format!("/api/v1/staff/orders/{second}/{action}");
    let cancel = api(&app, Method::POST, &staff("cancel"), Some(&moderator), None).await;
    assert_eq!(cancel.status, StatusCode::FORBIDDEN, "{}", cancel.body);
    let shipped = api(&app, Method::POST, &staff("ship"), Some(&moderator), Some(r#"{"note": "DPD 123"}"#)).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    assert_eq!(json(&shipped)["status"], "shipped");
    let twice = api(&app, Method::POST, &staff("ship"), Some(&moderator), None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let mut boss = signed_in(&app, "boss").await;
    let created =
        call(&app, &mut boss, "admin/tokens/create", "integration=Courier&name=c&expires=30&scopes[orders:write]=on")
            .await;
    let client = json(&created)["secret"].as_str().unwrap().to_owned();
    let delivered = api(&app, Method::POST, &staff("deliver"), Some(&client), None).await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.body);
    assert_eq!(json(&delivered)["status"], "delivered");
    let unknown = api(&app, Method::POST, &staff("teleport"), Some(&client), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A shopper's token is not staff.
    let not_staff = api(&app, Method::POST, &staff("deliver"), Some(&secret), None).await;
    assert_eq!(not_staff.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn reviews_suggestions_and_customers_are_read_as_the_pages_read_them(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    NewProduct::new(cat, "Green Tea", "3.00").insert(&pool).await;
    let amy = user(&pool, "amy", Role::Member).await;
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let reviews = api(&app, Method::GET, "/api/v1/products/green-tea/reviews", None, None).await;
    assert_eq!(reviews.status, StatusCode::OK, "{}", reviews.body);
    assert_eq!(json(&reviews), serde_json::json!([]));
    let suggested = json(&api(&app, Method::GET, "/api/v1/suggestions?q=gree", None, None).await);
    assert_eq!(suggested[0]["slug"], "green-tea");
    // A NUL (found by the fuzzer: Postgres text cannot hold one) is only a separator.
    let nul = api(&app, Method::GET, "/api/v1/suggestions?q=gr%00ee", None, None).await;
    assert_eq!(nul.status, StatusCode::OK, "{}", nul.body);
    let storefront = common::get(&app, "/api/search/suggest?q=gr%00een").await;
    assert_eq!(storefront.status, StatusCode::OK, "the search box's own suggestions too: {}", storefront.body);
    let body = api(&app, Method::PUT, "/api/v1/cart/lines/1", None, Some("{\"quantity\": \"\\u0000\"}")).await;
    assert_eq!(body.status, StatusCode::UNAUTHORIZED, "no token is checked first");

    let mut boss = signed_in(&app, "boss").await;
    let created =
        call(&app, &mut boss, "admin/tokens/create", "integration=CRM&name=c&expires=30&scopes[customers:read]=on")
            .await;
    let client = json(&created)["secret"].as_str().unwrap().to_owned();
    let list = api(&app, Method::GET, "/api/v1/customers?search=amy", Some(&client), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list = json(&list);
    assert_eq!(list["customers"][0]["username"], "amy");
    let detail = api(&app, Method::GET, &format!("/api/v1/customers/{}", amy.0), Some(&client), None).await;
    assert_eq!(json(&detail)["customer"]["email"], "amy@example.com");
    let unknown = api(&app, Method::GET, "/api/v1/customers/not-a-uuid", Some(&client), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad_page = api(&app, Method::GET, "/api/v1/customers?page=0", Some(&client), None).await;
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
    // A shopper's token cannot hold the scope, so cannot read customers.
    let mut shopper = signed_in(&app, "amy").await;
    let (own, _) = personal_token(&app, &mut shopper, &["account:read"], "30").await;
    let refused = api(&app, Method::GET, "/api/v1/customers", Some(&own), None).await;
    assert_eq!(problem(&refused)["scope"], "customers:read");
}

#[sqlx::test]
async fn rate_limits_count_the_hits_of_every_instance(pool: PgPool) {
    // Two instances on one database, as behind a load balancer.
    let vars = [("TROVE_API_ANONYMOUS_RATE", "10")];
    let (a, b) = (common::app_with(pool.clone(), &vars), common::app_with(pool.clone(), &vars));
    common::clear_of_window_end(60).await;
    let mut taken = 0;
    for _ in 0..7 {
        assert_eq!(api(&a, Method::GET, "/api/v1/categories", None, None).await.status, StatusCode::OK);
        taken += 1;
    }
    // Instances share their counts in the background, every quarter second.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(api(&a, Method::GET, "/api/v1/categories", None, None).await.status, StatusCode::OK);
    taken += 1;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut refused = false;
    for _ in 0..10 {
        let reply = api(&b, Method::GET, "/api/v1/categories", None, None).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(reply.headers.contains_key(header::RETRY_AFTER));
            refused = true;
            break;
        }
        taken += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "the second instance knows the first one's hits");
    assert!(taken <= 11, "{taken} requests passed a limit of 10 across two instances");
    let shared: i32 = sqlx::query_scalar("SELECT sum(hits)::int4 FROM rate_limits WHERE key LIKE 'api:address:%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(shared >= 8, "the counts are in the database: {shared}");
}
