//! `/metrics`: on its own router (the metrics address), never on the store's;
//! its figures move with what the store does.

use crate::common;

use axum::http::StatusCode;
use common::{NewProduct, call, category, get, page, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

/// The value of the sample named `name` (with its labels) in `text`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[sqlx::test]
async fn the_figures_follow_requests_the_page_cache_and_the_mail_queue(pool: PgPool) {
    let state = trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone()).unwrap();
    let app = trove::startup::router(state.clone());
    let metrics = trove::startup::metrics_router(state);
    let pantry = category(&pool, "Pantry").await;
    let tea = NewProduct::new(pantry, "Green Tea", "4.00").insert(&pool).await;

    // Not on the store's own address.
    assert_eq!(get(&app, "/metrics").await.status, StatusCode::NOT_FOUND);

    assert_eq!(get(&app, "/c/pantry").await.status, StatusCode::OK);
    // The catalog's listener connects (and empties the cache once) meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for _ in 0..2 {
        assert_eq!(get(&app, "/c/pantry").await.status, StatusCode::OK);
    }
    assert_eq!(get(&app, "/c/no-such-category").await.status, StatusCode::NOT_FOUND);
    user(&pool, "amy", Role::Member).await;
    let mut jar = signed_in(&app, "amy").await;
    assert_eq!(page(&app, &mut jar, "/c/pantry").await.status, StatusCode::OK);
    // An order submitted twice (a double click) is one order placed.
    call(&app, &mut jar, "cart/add", &format!("product={tea}&quantity=2")).await;
    let order = "token=00000000-0000-4000-8000-0000000000aa&payment=cash&address=new&new_address[full_name]=Amy\
                 &new_address[line1]=1+Main+St&new_address[city]=Town&new_address[postal_code]=12345\
                 &new_address[country]=US";
    for _ in 0..2 {
        assert_eq!(call(&app, &mut jar, "checkout/place", order).await.status, StatusCode::OK);
    }
    // A webhook while card payments are off is refused, and counted so.
    let webhook = axum::http::Request::post("/webhooks/stripe").body(axum::body::Body::from("{}")).unwrap();
    assert_eq!(common::send(&app, webhook).await.status, StatusCode::NOT_FOUND);
    let before = sample(&get(&metrics, "/metrics").await.body, "trove_mail_queued").unwrap();
    sqlx::query("INSERT INTO email_outbox (recipient, subject, body_text) VALUES ('a@example.com', 'Hello', 'Hi')")
        .execute(&pool)
        .await
        .unwrap();

    let reply = get(&metrics, "/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = reply.body;
    let requests = |route: &str, status: u16| {
        sample(&text, &format!(r#"trove_http_requests_total{{method="GET",route="{route}",status="{status}"}}"#))
    };
    // The pattern a request matched names it, not its address.
    assert_eq!(requests("/c/{slug}", 200), Some(4.0), "{text}");
    assert_eq!(requests("/c/{slug}", 404), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, r#"trove_http_requests_total{method="POST",route="/api/account/sign_in",status="200"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, r#"trove_http_request_duration_seconds_count{route="/c/{slug}"}"#), Some(5.0));
    // Guests' pages rendered (the 404s among them), then answered from
    // memory; hers made from the guests' page.
    let miss = sample(&text, r#"trove_page_cache_total{outcome="miss"}"#).unwrap_or(0.0);
    let hit = sample(&text, r#"trove_page_cache_total{outcome="hit"}"#).unwrap_or(0.0);
    assert!(miss >= 3.0 && hit >= 1.0 && miss + hit == 5.0, "{text}");
    assert_eq!(sample(&text, r#"trove_page_cache_total{outcome="personal"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, "trove_mail_queued"), Some(before + 1.0), "{text}");
    assert!(sample(&text, "trove_db_pool_idle").is_some_and(|idle| idle >= 1.0), "{text}");
    assert_eq!(sample(&text, "trove_orders_placed_total"), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"trove_webhooks_total{outcome="card payments are not configured"}"#), Some(1.0));
    assert_eq!(sample(&text, "trove_live_streams"), Some(0.0));
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn the_metrics_address_is_checked_and_never_the_stores() {
    let config = |vars: &'static [(&'static str, &'static str)]| {
        trove::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    };
    assert_eq!(config(&[]).unwrap().metrics_addr, None);
    let set = config(&[("TROVE_METRICS_ADDR", "127.0.0.1:9100")]).unwrap();
    assert_eq!(set.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
    let same = config(&[("TROVE_ADDR", "127.0.0.1:3000"), ("TROVE_METRICS_ADDR", "0.0.0.0:3000")]).unwrap_err();
    assert_eq!(same.var, "TROVE_METRICS_ADDR");
    assert_eq!(config(&[("TROVE_METRICS_ADDR", "nine thousand")]).unwrap_err().var, "TROVE_METRICS_ADDR");
}
