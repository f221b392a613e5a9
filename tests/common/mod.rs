//! Helpers shared by the integration tests: configuration, the router, and
//! catalog rows with exactly the fields a test cares about.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;
use trove::config::Config;

/// Configuration for a test: defaults, with its own media directory.
pub fn config(media_dir: &std::path::Path) -> Config {
    let media = media_dir.to_string_lossy().into_owned();
    Config::from_lookup(|name| match name {
        "TROVE_MEDIA_DIR" => Some(media.clone()),
        "TROVE_STORE_NAME" => Some("Test Shop".into()),
        _ => None,
    })
    .expect("test configuration is valid")
}

/// A media directory of its own for one test.
pub fn media_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trove-test-media-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The whole application around a test's pool.
pub fn app(pool: PgPool) -> Router {
    let media = media_dir();
    trove::startup::router(trove::startup::state_with_pool(config(&media), pool))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn category(pool: &PgPool, name: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO categories (name, slug, description) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(trove::catalog::rules::slugify(name))
        .bind(format!("All about {name}."))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A product row; `price` and `offer` as decimal strings.
pub struct NewProduct<'a> {
    pub category: i64,
    pub name: &'a str,
    pub price: &'a str,
    pub offer: Option<&'a str>,
    pub stock: i32,
    pub active: bool,
    pub featured: bool,
    /// Seconds before now it was created (larger is older).
    pub age: i64,
}

impl<'a> NewProduct<'a> {
    pub fn new(category: i64, name: &'a str, price: &'a str) -> Self {
        NewProduct { category, name, price, offer: None, stock: 10, active: true, featured: false, age: 0 }
    }

    pub async fn insert(&self, pool: &PgPool) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO products (category_id, name, slug, description, price, offer_price, stock, active, featured, created_at)
             VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, $7, $8, $9, now() - make_interval(secs => $10))
             RETURNING id",
        )
        .bind(self.category)
        .bind(self.name)
        .bind(trove::catalog::rules::slugify(self.name))
        .bind(format!("{} is great.\n\nSecond paragraph.", self.name))
        .bind(self.price)
        .bind(self.offer)
        .bind(self.stock)
        .bind(self.active)
        .bind(self.featured)
        .bind(self.age as f64)
        .fetch_one(pool)
        .await
        .unwrap()
    }
}

pub async fn image(pool: &PgPool, product: i64, key: &str, position: i32, primary: bool) {
    sqlx::query(
        "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(product)
    .bind(key)
    .bind(format!("alt for {key}"))
    .bind(position)
    .bind(primary)
    .execute(pool)
    .await
    .unwrap();
}
