//! Media in an S3-compatible bucket (moto's S3 server from PyPI, a real
//! process speaking the S3 API): an admin's upload lands in the bucket, is
//! served at `/media/...`, and removing the image deletes the object.

use crate::common;

use std::process::{Child, Command};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{call, category, send_as, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

const BUCKET: &str = "trove-media";

struct S3Server {
    child: Child,
    port: u16,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn s3_server() -> S3Server {
    let python = std::env::var("TROVE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&python)
        .args(["-m", "moto.server", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start moto's S3 server with {python}: {e} (scripts/test installs it)"));
    for _ in 0..150 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return S3Server { child, port };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("moto's S3 server did not start");
}

/// Whether the bucket holds `key`, asked of the S3 server directly (signed, as objects are private).
async fn in_bucket(server: &S3Server, key: &str) -> bool {
    use object_store::ObjectStoreExt;
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_region("us-east-1")
        .with_endpoint(format!("http://127.0.0.1:{}", server.port))
        .with_allow_http(true)
        .with_access_key_id("trove-test")
        .with_secret_access_key("trove-test-secret")
        .build()
        .unwrap();
    match store.head(&object_store::path::Path::from(key)).await {
        Ok(_) => true,
        Err(object_store::Error::NotFound { .. }) => false,
        Err(error) => panic!("asking the S3 server: {error}"),
    }
}

#[sqlx::test]
async fn uploaded_images_live_in_the_bucket_and_are_served_from_it(pool: PgPool) {
    // This test's own HTTP client uses rustls on ring, as Trove does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = s3_server().await;
    let created =
        reqwest::Client::new().put(format!("http://127.0.0.1:{}/{BUCKET}", server.port)).send().await.unwrap();
    assert!(created.status().is_success(), "bucket: {}", created.status());
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let app = common::app_with(
        pool.clone(),
        &[
            ("TROVE_S3_BUCKET", BUCKET),
            ("TROVE_S3_ENDPOINT", &endpoint),
            ("TROVE_S3_ACCESS_KEY_ID", "trove-test"),
            ("TROVE_S3_SECRET_ACCESS_KEY", "trove-test-secret"),
        ],
    );
    let cat = category(&pool, "Pantry").await;
    user(&pool, "admin", Role::Admin).await;
    let mut jar = signed_in(&app, "admin").await;
    let saved = call(
        &app,
        &mut jar,
        "admin/products/save",
        &format!("input[name]=Blue+Tin&input[category_id]={cat}&input[price]=3&input[stock]=1&input[active]=on"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let product: i64 = saved.body.parse().unwrap();

    let (content_type, body) =
        common::multipart(&[("alt", None, b"A blue tin"), ("images", Some("tin.png"), &common::png(1200, 900))]);
    let request = Request::post(format!("/admin/products/{product}/images"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    let reply = send_as(&app, &mut jar, request, Body::from(body)).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, r#"{"added":1}"#));

    let (image, key): (i64, String) =
        sqlx::query_as("SELECT id, storage_key FROM product_images WHERE product_id = $1")
            .bind(product)
            .fetch_one(&pool)
            .await
            .unwrap();
    // One object for each width the storefront shows it at.
    let stem = key.strip_suffix("@800.jpg").expect(&key);
    for (width, height) in [(800, 600), (400, 300), (200, 150)] {
        let file = format!("{stem}@{width}.jpg");
        assert!(in_bucket(&server, &file).await, "{file} is in the bucket");
        assert!(!common::media_dir().join(&file).exists());
        let served = common::get_bytes(&app, &format!("/media/{file}")).await;
        assert_eq!(served.0, StatusCode::OK);
        assert_eq!(served.1[header::CONTENT_TYPE], "image/jpeg");
        assert!(served.1[header::CACHE_CONTROL].to_str().unwrap().contains("max-age="));
        let decoded = image::load_from_memory(&served.2).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (width, height));
    }
    assert_eq!(common::get(&app, "/media/products/nothing-here.jpg").await.status, StatusCode::NOT_FOUND);
    assert_eq!(common::get(&app, "/media/../etc/passwd").await.status, StatusCode::NOT_FOUND);

    let removed =
        call(&app, &mut jar, "admin/products/image", &format!("product={product}&image={image}&change=remove")).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    for width in [800, 400, 200] {
        let file = format!("{stem}@{width}.jpg");
        assert!(!in_bucket(&server, &file).await, "{file} is gone from the bucket");
        assert_eq!(common::get(&app, &format!("/media/{file}")).await.status, StatusCode::NOT_FOUND);
    }
}
