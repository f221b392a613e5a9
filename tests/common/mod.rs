//! Helpers shared by the integration tests: configuration, the router, and
//! catalog rows with exactly the fields a test cares about.

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
    trove::startup::router(
        trove::startup::state_with_pool(config(&media), pool).expect("the test configuration is valid"),
    )
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

/// GETs `uri` and keeps the body as bytes (images).
pub async fn get_bytes(app: &Router, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

/// GETs `uri` until the reply satisfies `fresh`, for up to a second: pages
/// for anonymous visitors come from memory and follow a change once its
/// NOTIFY arrives. Returns the last reply either way.
pub async fn get_until(app: &Router, uri: &str, fresh: impl Fn(&Reply) -> bool) -> Reply {
    for _ in 0..50 {
        let reply = get(app, uri).await;
        if fresh(&reply) {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    get(app, uri).await
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

// ---- accounts -------------------------------------------------------------------

pub const PASSWORD: &str = "correct horse battery";

/// A member account created directly (the way `trove create-admin` does).
pub async fn user(pool: &PgPool, username: &str, role: trove::account::Role) -> trove::account::UserId {
    let email = format!("{username}@example.com");
    let new = trove::account::setup::NewUser { username, email: &email, first_name: "Test", last_name: "User", role };
    match trove::account::setup::ensure_user(pool, &new, Some(secrecy::SecretString::from(PASSWORD))).await.unwrap() {
        trove::account::setup::Outcome::Created(id) | trove::account::setup::Outcome::Promoted(id) => id,
    }
}

/// A browser's cookie jar, enough for our two cookies.
#[derive(Clone, Default, Debug)]
pub struct Jar(pub std::collections::BTreeMap<String, String>);

impl Jar {
    /// Applies a response's Set-Cookie headers (Max-Age=0 deletes).
    pub fn update(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(axum::http::header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Sends a request as the browser holding `jar`, and keeps the cookies it sets.
pub async fn send_as(app: &Router, jar: &mut Jar, request: axum::http::request::Builder, body: Body) -> Reply {
    let request = request
        .header(axum::http::header::COOKIE, jar.header())
        .header(axum::http::header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36")
        .body(body)
        .unwrap();
    let reply = send(app, request).await;
    jar.update(&reply.headers);
    reply
}

/// Calls a server function the way the hydrated app does (form body, JSON answer).
pub async fn call(app: &Router, jar: &mut Jar, endpoint: &str, form: &str) -> Reply {
    let request = Request::post(format!("/api/{endpoint}"))
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(axum::http::header::ACCEPT, "application/json");
    send_as(app, jar, request, Body::from(form.to_owned())).await
}

/// GETs a page as the browser holding `jar`.
pub async fn page(app: &Router, jar: &mut Jar, uri: &str) -> Reply {
    let request = Request::get(uri).header(axum::http::header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8");
    send_as(app, jar, request, Body::empty()).await
}

/// Signs in and returns the browser's cookies.
pub async fn signed_in(app: &Router, login: &str) -> Jar {
    let mut jar = Jar::default();
    let reply =
        call(app, &mut jar, "account/sign_in", &format!("login={login}&password={}", PASSWORD.replace(' ', "+"))).await;
    assert_eq!(reply.status, StatusCode::OK, "sign-in failed: {}", reply.body);
    jar
}

/// The app with configuration overrides (e.g. `TROVE_PUBLIC_URL`).
pub fn app_with(pool: PgPool, vars: &[(&str, &str)]) -> Router {
    let media = media_dir();
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let media_value = media.to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| {
        if name == "TROVE_MEDIA_DIR" {
            return Some(media_value.clone());
        }
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    trove::startup::router(trove::startup::state_with_pool(config, pool).expect("the test configuration is valid"))
}

/// A PNG of `width` × `height` pixels of one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([20, 120, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A small PNG whose header claims `width` × `height` pixels: a few hundred
/// bytes that would decode to gigabytes (a "decompression bomb").
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1);
    // The IHDR chunk follows the 8-byte signature: length, type, then width and height.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// The CRC-32 PNG chunks carry (over the chunk's type and data).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A `multipart/form-data` body of `(field, file name, contents)` parts (a
/// plain field has no file name): its content type and its bytes.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "trove-test-boundary";
    let mut body = Vec::new();
    for (field, file, contents) in parts {
        let disposition = match file {
            Some(file) => {
                format!("form-data; name=\"{field}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream")
            }
            None => format!("form-data; name=\"{field}\""),
        };
        body.extend(format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").into_bytes());
        body.extend_from_slice(contents);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs a multipart form of `parts` (see [`multipart`]) as a JSON caller.
pub async fn post_multipart(app: &Router, jar: &mut Jar, uri: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Reply {
    let (content_type, body) = multipart(parts);
    let request = Request::post(uri)
        .header(axum::http::header::CONTENT_TYPE, content_type)
        .header(axum::http::header::ACCEPT, "application/json");
    send_as(app, jar, request, Body::from(body)).await
}

/// Whether `products` has been vacuumed and analysed (not by autovacuum),
/// waiting up to `patience` for a vacuum running in the background.
pub async fn products_vacuumed(pool: &PgPool, patience: std::time::Duration) -> bool {
    let started = std::time::Instant::now();
    loop {
        let vacuumed: bool = sqlx::query_scalar(
            "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'products'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if vacuumed || started.elapsed() >= patience {
            return vacuumed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The one variant of a product sold without options.
pub async fn variant_of(pool: &PgPool, product: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM product_variants WHERE product_id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Sets the stock of a product sold without options (its one variant's),
/// as a warehouse count or an order would.
pub async fn set_stock(pool: &PgPool, product: i64, stock: i32) {
    sqlx::query("UPDATE product_variants SET stock = $2 WHERE product_id = $1")
        .bind(product)
        .bind(stock)
        .execute(pool)
        .await
        .unwrap();
}

/// Waits for the next `window`-second rate-limit window when less than a
/// quarter of the current one is left: windows start on multiples of their
/// length, each counting from zero, so a test that counts hits up to a
/// limit must not straddle two.
pub async fn clear_of_window_end(window: u64) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let left = std::time::Duration::from_secs(window) - std::time::Duration::from_secs(now.as_secs() % window);
    if left < std::time::Duration::from_secs(window / 4) {
        tokio::time::sleep(left + std::time::Duration::from_millis(100)).await;
    }
}
