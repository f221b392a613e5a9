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
use data::{ADJECTIVES, CATEGORIES, DETAILS, NOUNS, VARIANT_OPTIONS};

/// What can stop a seed run.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("writing images: {0}")]
    Io(#[from] std::io::Error),
    #[error("storing images: {0}")]
    Media(String),
    #[error("refused: {0}")]
    Refused(crate::error::AppError),
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

/// Loads the demo shop: 16 categories and 230 products with pictures, 20 of
/// them sold in several variants.
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
            let options = VARIANT_OPTIONS.iter().find(|(n, _)| n == name).map(|(_, options)| *options);
            // Products in variants are priced by variant, without an offer.
            let offer = if options.is_some() { None } else { offer_for(h, price) };
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
                offer,
                stock_for(h),
                featured,
                created_at
            )
            .fetch_optional(&mut *tx)
            .await?;
            let colours = options.and_then(|o| o.iter().find(|(n, _)| *n == "Colour")).map(|(_, values)| *values);
            // The pictures as (key, alt text, drawn name, hue, view): one per
            // colour (each shown when its colour is chosen), or 1 to 4 views.
            let pictures: Vec<(String, String, String, u16, usize)> = match colours {
                Some(colours) => colours
                    .iter()
                    .enumerate()
                    .map(|(view, colour)| {
                        let key = format!("{SEED_DIR}/{slug}-{}.svg", slugify(colour));
                        let hue = (category.hue + 47 * view as u16) % 360;
                        (key, format!("{name} in {}", colour.to_lowercase()), format!("{name}, {colour}"), hue, 0)
                    })
                    .collect(),
                None => VIEWS
                    .iter()
                    .enumerate()
                    .take(1 + (h >> 40) as usize % 4)
                    .map(|(view, caption)| {
                        let key = format!("{SEED_DIR}/{slug}-{}.svg", view + 1);
                        (key, format!("{name}{caption}"), (*name).to_owned(), category.hue, view)
                    })
                    .collect(),
            };
            for (position, (key, alt, drawn, hue, view)) in pictures.iter().enumerate() {
                store(&media, key, || images::product_svg(drawn, *hue, *view)).await?;
                if let Some(id) = id {
                    sqlx::query!(
                        "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
                         VALUES ($1, $2, $3, $4, $5)",
                        id,
                        key,
                        alt,
                        position as i32,
                        position == 0
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let (Some(id), Some(options)) = (id, options) {
                add_variants(&mut tx, id, name, price, options).await?;
            }
            created += usize::from(id.is_some());
        }
    }
    tx.commit().await?;
    tracing::info!(created, "demo catalog seeded");
    Ok(())
}

/// What a variant with these option values costs: XL a little more than the
/// other sizes, bigger bottles more than small ones. `None`: the product's price.
fn variant_price(base: Decimal, values: &[&str]) -> Option<Decimal> {
    let price = values.iter().fold(base, |price, value| match *value {
        "XL" => price + Decimal::from(2),
        "750 ml" | "1 L" => (price * Decimal::new(19, 1)).round_dp(1) - Decimal::new(1, 2),
        "1.5 L" => (price * Decimal::new(33, 1)).round_dp(1) - Decimal::new(1, 2),
        _ => price,
    });
    (price != base).then_some(price)
}

/// Gives a new product its options and one variant per combination of their
/// values (see `admin::db::define_options`), each with its own stock and
/// price, and the picture of its colour if the product has one per colour.
async fn add_variants(
    tx: &mut sqlx::PgConnection,
    product: i64,
    name: &str,
    price: Decimal,
    options: &[(&str, &[&str])],
) -> Result<(), SeedError> {
    use crate::admin::db::{OptionSpec, VariantEdit, define_options, update_variant};
    let specs: Vec<OptionSpec> = options
        .iter()
        .map(|(option, values)| OptionSpec {
            name: option.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        })
        .collect();
    let variants = define_options(tx, product, &specs).await.map_err(SeedError::Refused)?;
    let images: Vec<i64> =
        sqlx::query_scalar!("SELECT id FROM product_images WHERE product_id = $1 ORDER BY position", product)
            .fetch_all(&mut *tx)
            .await?;
    let colour = options.iter().position(|(option, _)| *option == "Colour");
    // The grid's order: the last option changes fastest.
    for (n, variant) in variants.into_iter().enumerate() {
        let mut rest = n;
        let mut picked = vec![0; options.len()];
        for (o, (_, values)) in options.iter().enumerate().rev() {
            picked[o] = rest % values.len();
            rest /= values.len();
        }
        let names: Vec<&str> = picked.iter().enumerate().map(|(o, &i)| options[o].1[i]).collect();
        let sku =
            sqlx::query_scalar!("SELECT sku FROM product_variants WHERE id = $1", variant).fetch_one(&mut *tx).await?;
        let edit = VariantEdit {
            sku,
            price: variant_price(price, &names),
            offer_price: None,
            stock: stock_for(hash(&format!("{name} {}", names.join(" ")))),
            active: true,
            images: colour.and_then(|o| images.get(picked[o]).copied()).into_iter().collect(),
        };
        update_variant(tx, product, variant, &edit).await.map_err(SeedError::Refused)?;
    }
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
            Err(error) => return Err(SeedError::Refused(error)),
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
        let sized: Vec<i64> = ids.iter().copied().filter(|id| id % SIZED_EVERY == 0).collect();
        add_sizes(&mut tx, &sized).await?;
        tx.commit().await?;
        created += ids.len() as u64;
    }
    crate::db::tidy_after_bulk_load(pool).await?;
    tracing::info!(created, "synthetic products seeded");
    Ok(())
}

/// One synthetic product in this many comes in sizes S, M and L.
const SIZED_EVERY: i64 = 10;

/// Gives synthetic products a Size option (S, M, L) and a variant per size,
/// L a tenth dearer, each with its own stock (some sold out).
async fn add_sizes(tx: &mut sqlx::PgConnection, products: &[i64]) -> sqlx::Result<()> {
    if products.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO product_options (product_id, name, slug, position) SELECT id, 'Size', 'size', 0 FROM unnest($1::bigint[]) AS id",
        products
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO product_option_values (option_id, value, slug, position)
         SELECT o.id, s.value, s.slug, s.position
         FROM product_options o CROSS JOIN (VALUES ('S', 's', 0), ('M', 'm', 1), ('L', 'l', 2)) AS s (value, slug, position)
         WHERE o.product_id = ANY($1)",
        products
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE product_variants v SET option_values = ARRAY[ov.id], sku = v.sku || '-S'
         FROM product_options o JOIN product_option_values ov ON ov.option_id = o.id AND ov.position = 0
         WHERE o.product_id = v.product_id AND v.product_id = ANY($1)",
        products
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO product_variants (product_id, option_values, sku, stock, price, position)
         SELECT o.product_id, ARRAY[ov.id], upper(p.slug) || '-' || upper(ov.slug),
                (abs(hashtext(p.slug || ov.slug)) % 60)::int,
                CASE WHEN ov.slug = 'l' THEN round(p.price * 1.1, 2) END, ov.position
         FROM product_options o
         JOIN products p ON p.id = o.product_id
         JOIN product_option_values ov ON ov.option_id = o.id AND ov.position > 0
         WHERE o.product_id = ANY($1)
         ORDER BY o.product_id, ov.position",
        products
    )
    .execute(&mut *tx)
    .await?;
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
