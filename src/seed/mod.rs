//! `trove seed`: the demo shop, and synthetic catalogs for benchmarks.
//!
//! Seeding is idempotent: rows that exist are left alone (matched by their
//! unique slug or name) and only missing picture files are written.

mod data;
mod images;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::catalog::rules::slugify;
use crate::config::Config;
use data::{ADJECTIVES, CATEGORIES, DETAILS, NOUNS};

/// What can stop a seed run.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("writing images: {0}")]
    Io(#[from] std::io::Error),
    #[error("storing images: {0}")]
    Media(String),
    #[error("promo codes: {0}")]
    Promo(crate::error::AppError),
}

/// Folder under the media directory that seeded pictures live in.
const SEED_DIR: &str = "seed";
/// Distinct pictures the synthetic products share.
const POOL_IMAGES: usize = 48;
/// Synthetic products inserted per statement.
const BATCH: usize = 2_000;

/// A stable 64-bit hash (FNV-1a): the demo shop comes out the same every run.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Stock: about 8% sold out, 12% running low, the rest plentiful.
fn stock_for(h: u64) -> i32 {
    match h % 100 {
        0..8 => 0,
        8..20 => 1 + (h / 100 % 5) as i32,
        _ => 6 + (h / 100 % 235) as i32,
    }
}

/// About a fifth of products are on offer at 10 to 30% off.
fn offer_for(h: u64, price: Decimal) -> Option<Decimal> {
    let roll = (h >> 20) % 100;
    if roll >= 22 {
        return None;
    }
    let percent_off = Decimal::from(10 + (roll % 5) * 5);
    let offer = (price * (Decimal::ONE_HUNDRED - percent_off) / Decimal::ONE_HUNDRED).round_dp(2);
    (offer > Decimal::ZERO && offer < price).then_some(offer)
}

const VIEWS: [&str; 4] = ["", ", side view", ", close-up", ", in its packaging"];

/// Loads the demo shop: 15 categories and 210 products with pictures.
pub async fn demo(pool: &PgPool, config: &Config) -> Result<(), SeedError> {
    let media = media(config)?;
    let mut tx = pool.begin().await?;
    let mut created = 0;
    for (c, category) in CATEGORIES.iter().enumerate() {
        let category_slug = slugify(category.name);
        sqlx::query!(
            "INSERT INTO categories (name, slug, description) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            category.name,
            category_slug,
            category.description
        )
        .execute(&mut *tx)
        .await?;
        let category_id =
            sqlx::query_scalar!("SELECT id FROM categories WHERE slug = $1", category_slug).fetch_one(&mut *tx).await?;
        for (p, (name, price)) in category.products.iter().enumerate() {
            let h = hash(name);
            let price: Decimal = price.parse().expect("demo prices are valid decimals");
            let slug = slugify(name);
            let description = format!("{name}. {}\n\n{}", category.blurb, DETAILS[(h % DETAILS.len() as u64) as usize]);
            // Every other category features its second product: eight in all.
            let featured = c % 2 == 0 && p == 1;
            let created_at = Utc::now() - Duration::minutes((h % (90 * 24 * 60)) as i64);
            let id = sqlx::query_scalar!(
                "INSERT INTO products (category_id, name, slug, description, price, offer_price, stock, featured, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
                category_id,
                name,
                slug,
                description,
                price,
                offer_for(h, price),
                stock_for(h),
                featured,
                created_at
            )
            .fetch_optional(&mut *tx)
            .await?;
            let views = 1 + (h >> 40) as usize % 4;
            for (view, caption) in VIEWS.iter().enumerate().take(views) {
                let key = format!("{SEED_DIR}/{slug}-{}.svg", view + 1);
                store(&media, &key, || images::product_svg(name, category.hue, view)).await?;
                if let Some(id) = id {
                    sqlx::query!(
                        "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
                         VALUES ($1, $2, $3, $4, $5)",
                        id,
                        key,
                        format!("{name}{caption}"),
                        view as i32,
                        view == 0
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            created += usize::from(id.is_some());
        }
    }
    tx.commit().await?;
    tracing::info!(created, "demo catalog seeded");
    Ok(())
}

/// Demo promo codes: 10% off anything, and 5.00 off from 30.00 (100 uses).
pub async fn demo_promos(pool: &PgPool) -> Result<(), SeedError> {
    use crate::checkout::db::{NewPromo, create_promo};
    use crate::checkout::rules::DiscountKind;
    let welcome = NewPromo {
        code: "WELCOME10",
        kind: DiscountKind::Percent,
        value: Decimal::TEN,
        min_subtotal: None,
        expires_at: None,
        usage_limit: None,
    };
    let save = NewPromo {
        code: "SAVE5",
        kind: DiscountKind::Fixed,
        value: Decimal::from(5),
        min_subtotal: Some(Decimal::from(30)),
        expires_at: None,
        usage_limit: Some(100),
    };
    for promo in [welcome, save] {
        match create_promo(pool, &promo).await {
            // Seeding again leaves a code that is there as it is.
            Ok(_) | Err(crate::error::AppError::Conflict { .. }) => {}
            Err(error) => return Err(SeedError::Promo(error)),
        }
    }
    Ok(())
}

/// Adds `count` synthetic products (spread over the demo categories) for
/// benchmarks, in batches; products that exist already are skipped.
pub async fn synthetic(pool: &PgPool, config: &Config, count: u32) -> Result<(), SeedError> {
    let categories: Vec<i64> = sqlx::query_scalar!("SELECT id FROM categories ORDER BY id").fetch_all(pool).await?;
    if categories.is_empty() {
        return Ok(());
    }
    let media = media(config)?;
    for k in 0..POOL_IMAGES {
        let key = format!("{SEED_DIR}/pool-{k}.svg");
        let name = format!("{} {}", ADJECTIVES[k % ADJECTIVES.len()], NOUNS[k % NOUNS.len()]);
        store(&media, &key, || images::product_svg(&name, (k * 37 % 360) as u16, k)).await?;
    }
    let now = Utc::now();
    let mut created = 0u64;
    for start in (0..count as usize).step_by(BATCH) {
        let end = (start + BATCH).min(count as usize);
        let mut batch = SyntheticBatch::default();
        for n in start..end {
            let h = hash(&n.to_string());
            let name = format!(
                "{} {} {}-{n}",
                ADJECTIVES[(h % ADJECTIVES.len() as u64) as usize],
                NOUNS[(h >> 8) as usize % NOUNS.len()],
                ["S", "X", "Pro", "Max", "Mini", "Lite"][(h >> 16) as usize % 6],
            );
            let price = Decimal::new(99 + (h >> 24) as i64 % 99_900, 2);
            batch.category.push(categories[(h >> 32) as usize % categories.len()]);
            batch.slug.push(slugify(&name));
            batch
                .description
                .push(format!("{name}. A synthetic product for benchmarks.\n\nIt behaves like any other."));
            batch.offer.push(offer_for(h, price));
            batch.price.push(price);
            batch.stock.push(stock_for(h));
            batch.created.push(now - Duration::seconds(n as i64));
            batch.name.push(name);
        }
        let mut tx = pool.begin().await?;
        let ids = sqlx::query_scalar!(
            "INSERT INTO products (category_id, name, slug, description, price, offer_price, stock, created_at)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::int[], $8::timestamptz[])
             ON CONFLICT DO NOTHING
             RETURNING id",
            &batch.category,
            &batch.name,
            &batch.slug,
            &batch.description,
            &batch.price,
            &batch.offer as &[Option<Decimal>],
            &batch.stock,
            &batch.created
        )
        .fetch_all(&mut *tx)
        .await?;
        // One or two pool pictures each; the first is primary.
        let (mut product, mut key, mut position) = (Vec::new(), Vec::new(), Vec::new());
        for id in &ids {
            for view in 0..1 + (*id as usize % 2) {
                product.push(*id);
                key.push(format!("{SEED_DIR}/pool-{}.svg", (*id as usize + view * 7) % POOL_IMAGES));
                position.push(view as i32);
            }
        }
        sqlx::query!(
            "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
             SELECT i.product_id, i.key, p.name, i.position, i.position = 0
             FROM UNNEST($1::bigint[], $2::text[], $3::int[]) AS i (product_id, key, position)
             JOIN products p ON p.id = i.product_id",
            &product,
            &key,
            &position
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        created += ids.len() as u64;
    }
    crate::db::tidy_after_bulk_load(pool).await?;
    tracing::info!(created, "synthetic products seeded");
    Ok(())
}

#[derive(Default)]
struct SyntheticBatch {
    category: Vec<i64>,
    name: Vec<String>,
    slug: Vec<String>,
    description: Vec<String>,
    price: Vec<Decimal>,
    offer: Vec<Option<Decimal>>,
    stock: Vec<i32>,
    created: Vec<chrono::DateTime<Utc>>,
}

fn media(config: &Config) -> Result<crate::media::Media, SeedError> {
    crate::media::Media::from_config(config).map_err(|error| SeedError::Media(error.to_string()))
}

/// Stores a generated picture once (a second seed leaves it as it is).
async fn store(media: &crate::media::Media, key: &str, contents: impl FnOnce() -> String) -> Result<(), SeedError> {
    media
        .put_if_missing(key, || contents().into_bytes())
        .await
        .map_err(|_| SeedError::Media(format!("could not store {key} (see the log)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_shop_is_big_enough_and_names_are_unique() {
        let names: std::collections::HashSet<String> =
            CATEGORIES.iter().flat_map(|c| c.products.iter().map(|(n, _)| n.to_lowercase())).collect();
        assert!(CATEGORIES.len() >= 12);
        assert!(names.len() >= 200, "{} unique products", names.len());
        let slugs: std::collections::HashSet<String> = names.iter().map(|n| slugify(n)).collect();
        assert_eq!(slugs.len(), names.len(), "two products share a slug");
    }

    #[test]
    fn offers_are_always_below_the_price() {
        let price: Decimal = "0.99".parse().unwrap();
        for h in 0..10_000u64 {
            if let Some(offer) = offer_for(h << 20, price) {
                assert!(offer < price && offer > Decimal::ZERO);
            }
        }
    }
}
