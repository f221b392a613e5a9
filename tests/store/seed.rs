//! `trove seed`: a believable shop, loaded idempotently, with pictures on disk.

use crate::common;

use sqlx::PgPool;

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn the_demo_shop_is_believable(pool: PgPool) {
    let media = common::media_dir();
    let config = common::config(&media);
    trove::seed::demo(&pool, &config).await.unwrap();

    assert!(count(&pool, "SELECT count(*) FROM categories").await >= 12);
    assert!(count(&pool, "SELECT count(*) FROM products").await >= 200);
    assert!(count(&pool, "SELECT count(*) FROM products WHERE stock = 0").await > 0, "some sold out");
    assert!(count(&pool, "SELECT count(*) FROM products WHERE stock BETWEEN 1 AND 5").await > 0, "some low");
    assert!(count(&pool, "SELECT count(*) FROM products WHERE offer_price IS NOT NULL").await > 10, "offers");
    assert!(count(&pool, "SELECT count(*) FROM products WHERE featured").await >= 8, "featured");
    // One to four pictures each, exactly one primary.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM products p WHERE (SELECT count(*) FROM product_images i WHERE i.product_id = p.id) NOT BETWEEN 1 AND 4
                OR (SELECT count(*) FROM product_images i WHERE i.product_id = p.id AND i.is_primary) <> 1"
        )
        .await,
        0
    );
    assert!(
        count(
            &pool,
            "SELECT count(DISTINCT (SELECT count(*) FROM product_images i WHERE i.product_id = p.id)) FROM products p"
        )
        .await
            >= 3
    );
    // Every picture is on disk and is an SVG with the product's name.
    let images: Vec<(String, String)> =
        sqlx::query_as("SELECT i.storage_key, p.name FROM product_images i JOIN products p ON p.id = i.product_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (key, name) in images {
        let svg = std::fs::read_to_string(media.join(&key)).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(svg.starts_with("<svg"), "{key}");
        let escaped = name.replace('&', "&amp;");
        assert!(svg.contains(&escaped[..escaped.len().min(20)]), "{key} names {name}");
    }
}

#[sqlx::test]
async fn seeding_twice_changes_nothing(pool: PgPool) {
    let media = common::media_dir();
    let config = common::config(&media);
    trove::seed::demo(&pool, &config).await.unwrap();
    let snapshot = "SELECT string_agg(concat_ws('|', p.slug, p.price, p.offer_price, p.stock, i.storage_key), ',' ORDER BY p.slug, i.storage_key)
                    FROM products p JOIN product_images i ON i.product_id = p.id";
    let before: String = sqlx::query_scalar(snapshot).fetch_one(&pool).await.unwrap();
    trove::seed::demo(&pool, &config).await.unwrap();
    let after: String = sqlx::query_scalar(snapshot).fetch_one(&pool).await.unwrap();
    assert_eq!(before, after);
}

#[sqlx::test]
async fn synthetic_products_fill_a_large_catalog_once(pool: PgPool) {
    let media = common::media_dir();
    let config = common::config(&media);
    trove::seed::demo(&pool, &config).await.unwrap();
    let demo = count(&pool, "SELECT count(*) FROM products").await;
    trove::seed::synthetic(&pool, &config, 4_500).await.unwrap();
    trove::seed::synthetic(&pool, &config, 4_500).await.unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM products").await, demo + 4_500);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_images i WHERE i.product_id = p.id AND i.is_primary)").await,
        0
    );
    assert!(media.join("seed/pool-0.svg").exists());
    let vacuumed = common::products_vacuumed(&pool, std::time::Duration::ZERO).await;
    assert!(vacuumed, "a bulk load leaves the visibility map and statistics fresh");
}
