//! All of the catalog's SQL.

use std::fmt::Write;

use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use super::filters::{FacetCell, Facets, Filters, OptionLabel, price_edges};
use super::rules::{ListingQuery, PAGE_SIZE, Sort};
use super::{Category, CategoryId, CategoryLink, Listing, ProductDetail};
use crate::product::db::CardRow;
use crate::product::{ImageRef, OptionValue, ProductId, ProductOption, ProductSummary, Variant, VariantId};

/// Every category with its description, by name.
pub async fn categories(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Category>> {
    let rows = sqlx::query!("SELECT id, name, slug, description FROM categories ORDER BY name").fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| Category { id: CategoryId(r.id), name: r.name, slug: r.slug, description: r.description })
        .collect())
}

/// Active featured products, newest first.
pub async fn featured_products(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<ProductSummary>> {
    let rows = sqlx::query_as!(
        CardRow,
        r#"SELECT p.id, p.slug, p.name, p.price, p.offer_price, p.sale_price, p.price_varies, p.variant_count, p.stock,
                  i.storage_key AS "image_key?", i.alt_text AS "image_alt?", p.rating_count, p.rating_sum
           FROM products p
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           WHERE p.active AND p.featured
           ORDER BY p.created_at DESC, p.id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(ProductSummary::from).collect())
}

/// Which way a keyset page is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the start of the order, or after a cursor.
    Forward,
    /// Backwards from just before a cursor (the "previous" page).
    Backward,
}

/// The column a sort orders by, and whether it descends.
fn sort_key(sort: Sort) -> (&'static str, bool) {
    match sort {
        Sort::Newest => ("created_at", true),
        Sort::PriceAsc => ("sale_price", false),
        Sort::PriceDesc => ("sale_price", true),
        Sort::Rating => ("rating_average", true),
        Sort::Name => ("name", false),
    }
}

/// The keyset query for one listing shape. Only fixed fragments are spliced in;
/// every value is a bind parameter, in this order: the category (when
/// filtered), the minimum and maximum price, the minimum rating, each
/// option's filter keys (each when chosen), the cursor's product id (when
/// paging), then the limit.
pub fn listing_sql(sort: Sort, by_category: bool, filters: &Filters, cursor: Option<Direction>) -> String {
    let (column, descending) = sort_key(sort);
    // Reading backwards flips the order; the caller reverses the rows again.
    let descending = descending ^ (cursor == Some(Direction::Backward));
    let (order, op) = if descending { ("DESC", "<") } else { ("ASC", ">") };
    // The page's ids first, from the sort's index alone (an index-only scan
    // of `(category_id, key, id)` or `(key, id)`), then their cards: joined
    // in one query, the planner would walk the whole catalog's newest-first
    // index filtering for a category whose products are older than most.
    let mut sql = format!("WITH page AS MATERIALIZED (SELECT p.id, p.{column} AS key FROM products p WHERE p.active");
    let mut param = 0;
    let mut next = || {
        param += 1;
        param
    };
    if by_category {
        let _ = write!(sql, " AND p.category_id = ${}", next());
    }
    if filters.min_price.is_some() {
        let _ = write!(sql, " AND p.sale_price >= ${}", next());
    }
    if filters.max_price.is_some() {
        let _ = write!(sql, " AND p.sale_price < ${}", next());
    }
    if filters.in_stock {
        sql.push_str(" AND p.stock > 0");
    }
    if filters.on_offer {
        sql.push_str(" AND p.offer_price IS NOT NULL");
    }
    if filters.min_rating.is_some() {
        let _ = write!(sql, " AND p.rating_count > 0 AND p.rating_sum >= ${} * p.rating_count", next());
    }
    // One of each option's chosen values: an overlap per option.
    for _ in &filters.options {
        let _ = write!(sql, " AND p.option_keys && ${}::text[]", next());
    }
    if cursor.is_some() {
        // The cursor's sort key is looked up once (an init plan), so the row
        // comparison is an index condition.
        let cursor = next();
        let _ = write!(
            sql,
            " AND (p.{column}, p.id) {op} ((SELECT c.{column} FROM products c WHERE c.id = ${cursor}), ${cursor})"
        );
    }
    let _ = write!(
        sql,
        " ORDER BY p.{column} {order}, p.id {order} LIMIT ${}) \
         SELECT p.id, p.slug, p.name, p.price, p.offer_price, p.sale_price, p.price_varies, p.variant_count, p.stock, \
                i.storage_key AS image_key, i.alt_text AS image_alt, p.rating_count, p.rating_sum \
         FROM page \
         JOIN products p ON p.id = page.id \
         LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary \
         ORDER BY page.key {order}, page.id {order}",
        next()
    );
    sql
}

/// One page of active products, optionally in one category. Its `facets`
/// are left empty: they come from [`facet_cells`], which pages share.
pub async fn list_products(
    pool: &sqlx::PgPool,
    category: Option<CategoryId>,
    query: &ListingQuery,
) -> sqlx::Result<Listing> {
    let (cursor, direction) = match (query.after, query.before) {
        (_, Some(before)) => (Some(before), Some(Direction::Backward)),
        (Some(after), None) => (Some(after), Some(Direction::Forward)),
        (None, None) => (None, None),
    };
    let filters = &query.filters;
    let sql = listing_sql(query.sort, category.is_some(), filters, direction);
    let mut select = sqlx::query_as::<_, CardRow>(&sql);
    if let Some(CategoryId(id)) = category {
        select = select.bind(id);
    }
    if let Some(min) = filters.min_price {
        select = select.bind(min);
    }
    if let Some(max) = filters.max_price {
        select = select.bind(max);
    }
    if let Some(rating) = filters.min_rating {
        select = select.bind(i32::from(rating));
    }
    for (_, keys) in filters.option_groups() {
        select = select.bind(keys);
    }
    if let Some(ProductId(id)) = cursor {
        select = select.bind(id);
    }
    // One extra row tells whether there is another page beyond this one.
    let select = select.bind(PAGE_SIZE as i64 + 1);
    let rows = if filters.options.is_empty() {
        select.fetch_all(pool).await?
    } else {
        // An option value may be on one product or on most: planned for the
        // values asked (`products_option_keys_idx` for rare ones, the sort's
        // index for common ones), not with one generic plan for all.
        let mut tx = pool.begin().await?;
        sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
        let rows = select.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows
    };
    let more = rows.len() > PAGE_SIZE;
    let mut products: Vec<ProductSummary> = rows.into_iter().take(PAGE_SIZE).map(ProductSummary::from).collect();
    let backward = direction == Some(Direction::Backward);
    if backward {
        products.reverse();
    }
    let first = products.first().map(|p| p.id);
    let last = products.last().map(|p| p.id);
    let (has_prev, has_next) = match direction {
        None => (false, more),
        Some(Direction::Forward) => (true, more),
        Some(Direction::Backward) => (more, true),
    };
    // An empty page (its cursor product is gone) still links back to the start.
    let prev = if has_prev { first.or(query.before).or(query.after) } else { None };
    let next = if has_next { last } else { None };
    Ok(Listing { products, query: query.clone(), prev, next, facets: Facets::default() })
}

/// Every active product grouped by the facets' values, with `in_range` saying
/// whether the group lies within `min`..`max` (the shopper's price range),
/// and the snapshot the count was read in (`pg_current_snapshot()`, to tell
/// which later changes it already has). Read from the covering index
/// `products_facets_idx`.
pub async fn facet_cells(
    db: impl PgExecutor<'_>,
    min: Option<Decimal>,
    max: Option<Decimal>,
) -> sqlx::Result<(Vec<FacetCell>, String)> {
    let rows = sqlx::query!(
        r#"SELECT category_id AS "category_id!",
                  width_bucket(sale_price, $1::numeric[]) AS "bucket!",
                  ($2::numeric IS NULL OR sale_price >= $2) AND ($3::numeric IS NULL OR sale_price < $3) AS "in_range!",
                  stock > 0 AS "in_stock!",
                  offer_price IS NOT NULL AS "on_offer!",
                  CASE WHEN rating_count > 0 THEN rating_sum / rating_count ELSE 0 END AS "stars!",
                  option_keys AS "options!",
                  count(*) AS "count!",
                  pg_current_snapshot()::text AS "snapshot!"
           FROM products
           WHERE active
           GROUP BY 1, 2, 3, 4, 5, 6, 7
           UNION ALL
           SELECT 0, 0, false, false, false, 0, '{}', 0, pg_current_snapshot()::text"#,
        &price_edges() as &[Decimal],
        min,
        max
    )
    .fetch_all(db)
    .await?;
    let snapshot = rows.last().map(|r| r.snapshot.clone()).unwrap_or_default();
    let cells = rows
        .into_iter()
        .filter(|r| r.count > 0)
        .map(|r| FacetCell {
            category_id: r.category_id,
            bucket: r.bucket,
            in_range: r.in_range,
            in_stock: r.in_stock,
            on_offer: r.on_offer,
            stars: r.stars,
            options: r.options,
            count: r.count,
        })
        .collect();
    Ok((cells, snapshot))
}

/// What every option value is called, by filter key, in the order a filter
/// panel lists them: options by the lowest place any product gives them,
/// values by where they stand on average among their option's values (a
/// shirt's S, M, L and a tee's M, XL give S, M, L, XL), ties by slug. Where
/// products spell one slug differently, the first spelling in sort order is used.
pub async fn option_labels(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<OptionLabel>> {
    let rows = sqlx::query!(
        r#"SELECT o.slug AS "option!", min(min(o.name)) OVER (PARTITION BY o.slug) AS "name!",
                  v.slug AS "value!", min(v.value) AS "label!"
           FROM product_options o
           JOIN (SELECT option_id, slug, value,
                        (row_number() OVER w - 1)::float8 / greatest(count(*) OVER (PARTITION BY option_id) - 1, 1) AS place
                 FROM product_option_values
                 WINDOW w AS (PARTITION BY option_id ORDER BY position, id)) v ON v.option_id = o.id
           GROUP BY o.slug, v.slug
           ORDER BY min(min(o.position)) OVER (PARTITION BY o.slug), o.slug, avg(v.place), v.slug"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OptionLabel { option: r.option, name: r.name, value: r.value, label: r.label })
        .collect())
}

/// The `limit` newest active products, for the home page.
pub async fn newest_products(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<ProductSummary>> {
    let sql = listing_sql(Sort::Newest, false, &Filters::default(), None);
    let rows = sqlx::query_as::<_, CardRow>(&sql).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductSummary::from).collect())
}

/// The slug of the active product with this id.
pub async fn slug_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT slug FROM products WHERE id = $1 AND active", id).fetch_optional(db).await
}

/// An active product with its category, images, options and variants on
/// sale, by slug, in one statement (a product page's main read).
pub async fn product_by_slug(conn: &mut PgConnection, slug: &str) -> sqlx::Result<Option<ProductDetail>> {
    // Prices travel as text: JSON numbers would pass through floating point.
    let Some(row) = sqlx::query!(
        r#"SELECT p.id, p.slug, p.name, p.description, p.price, p.offer_price, p.stock,
                  p.rating_count, p.rating_sum, c.name AS category_name, c.slug AS category_slug,
                  (SELECT COALESCE(json_agg(json_build_object('key', i.storage_key, 'alt', i.alt_text)
                                            ORDER BY i.is_primary DESC, i.position, i.id), '[]')
                   FROM product_images i WHERE i.product_id = p.id) AS "images!: Json<Vec<ImageRef>>",
                  (SELECT COALESCE(json_agg(json_build_object('name', o.name, 'slug', o.slug, 'values', vals.list)
                                            ORDER BY o.position, o.id), '[]')
                   FROM product_options o
                   CROSS JOIN LATERAL (
                       SELECT json_agg(json_build_object('id', v.id, 'value', v.value, 'slug', v.slug)
                                       ORDER BY v.position, v.id) AS list
                       FROM product_option_values v WHERE v.option_id = o.id) vals
                   WHERE o.product_id = p.id AND vals.list IS NOT NULL) AS "options!: Json<Vec<ProductOption>>",
                  (SELECT COALESCE(json_agg(json_build_object(
                              'id', v.id, 'sku', v.sku, 'values', v.option_values, 'stock', v.stock,
                              'price', (CASE WHEN v.price IS NULL THEN p.price ELSE v.price END)::text,
                              'offer_price', (CASE WHEN v.price IS NULL THEN p.offer_price ELSE v.offer_price END)::text,
                              'images', ARRAY(SELECT i.storage_key
                                              FROM product_variant_images x JOIN product_images i ON i.id = x.image_id
                                              WHERE x.variant_id = v.id ORDER BY x.position, x.image_id),
                              'query', variant_query(v.option_values))
                          ORDER BY v.position, v.id), '[]')
                   FROM product_variants v
                   WHERE v.product_id = p.id AND v.active) AS "variants!: Json<Vec<Variant>>"
           FROM products p
           JOIN categories c ON c.id = p.category_id
           WHERE p.slug = $1 AND p.active"#,
        slug
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(ProductDetail {
        id: ProductId(row.id),
        slug: row.slug,
        name: row.name,
        description: row.description,
        price: row.price,
        offer_price: row.offer_price,
        stock: row.stock,
        category: CategoryLink { name: row.category_name, slug: row.category_slug },
        images: row.images.0,
        rating: super::Rating { count: row.rating_count, sum: row.rating_sum },
        options: row.options.0,
        variants: row.variants.0,
        structured_data: String::new(),
    }))
}

/// A product's options with their values, and its variants on sale, each
/// in the order the shop set.
pub async fn product_variants(
    conn: &mut PgConnection,
    product: i64,
) -> sqlx::Result<(Vec<ProductOption>, Vec<Variant>)> {
    let rows = sqlx::query!(
        r#"SELECT o.name, o.slug, v.id AS value_id, v.value, v.slug AS value_slug
           FROM product_options o JOIN product_option_values v ON v.option_id = o.id
           WHERE o.product_id = $1
           ORDER BY o.position, o.id, v.position, v.id"#,
        product
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut options: Vec<ProductOption> = Vec::new();
    for r in rows {
        if options.last().is_none_or(|o| o.slug != r.slug) {
            options.push(ProductOption { name: r.name, slug: r.slug, values: Vec::new() });
        }
        if let Some(option) = options.last_mut() {
            option.values.push(OptionValue { id: r.value_id, value: r.value, slug: r.value_slug });
        }
    }
    let variants = sqlx::query!(
        r#"SELECT v.id, v.sku, v.option_values, v.stock,
                  CASE WHEN v.price IS NULL THEN p.price ELSE v.price END AS "price!",
                  CASE WHEN v.price IS NULL THEN p.offer_price ELSE v.offer_price END AS offer_price,
                  ARRAY(SELECT i.storage_key FROM product_variant_images x JOIN product_images i ON i.id = x.image_id
                        WHERE x.variant_id = v.id ORDER BY x.position, x.image_id) AS "images!",
                  variant_query(v.option_values) AS "query!"
           FROM product_variants v
           JOIN products p ON p.id = v.product_id
           WHERE v.product_id = $1 AND v.active
           ORDER BY v.position, v.id"#,
        product
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Variant {
        id: VariantId(r.id),
        sku: r.sku,
        values: r.option_values,
        price: r.price,
        offer_price: r.offer_price,
        stock: r.stock,
        images: r.images,
        query: r.query,
    })
    .collect();
    Ok((options, variants))
}

/// How many products are on sale (the sitemap's size).
pub async fn active_count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM products WHERE active"#).fetch_one(db).await
}

/// One sitemap file's products: slug and last change, in id order.
pub async fn sitemap_products(
    db: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let rows = sqlx::query!(
        "SELECT slug, updated_at FROM products WHERE active ORDER BY id LIMIT $1 OFFSET $2",
        limit,
        offset
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.updated_at)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backward_pages_flip_the_order_and_the_comparison() {
        let none = Filters::default();
        let forward = listing_sql(Sort::PriceAsc, false, &none, Some(Direction::Forward));
        assert!(forward.contains("(p.sale_price, p.id) > (("), "{forward}");
        assert!(forward.contains("ORDER BY p.sale_price ASC, p.id ASC LIMIT $2)"), "{forward}");
        assert!(forward.ends_with("ORDER BY page.key ASC, page.id ASC"), "{forward}");
        let backward = listing_sql(Sort::PriceAsc, true, &none, Some(Direction::Backward));
        assert!(backward.contains("p.category_id = $1"), "{backward}");
        assert!(backward.contains("(p.sale_price, p.id) < (("), "{backward}");
        assert!(backward.contains("ORDER BY p.sale_price DESC, p.id DESC LIMIT $3)"), "{backward}");
        assert!(backward.ends_with("ORDER BY page.key DESC, page.id DESC"), "{backward}");
    }

    #[test]
    fn filters_add_fixed_conditions_and_number_their_values_in_order() {
        let filters = Filters {
            min_price: Some(Decimal::TEN),
            max_price: None,
            in_stock: true,
            on_offer: true,
            min_rating: Some(4),
            options: [
                ("colour".to_owned(), vec!["blue".to_owned()]),
                ("size".to_owned(), vec!["l".into(), "m".into()]),
            ]
            .into(),
        };
        let sql = listing_sql(Sort::Rating, true, &filters, Some(Direction::Forward));
        assert!(
            sql.contains("p.category_id = $1 AND p.sale_price >= $2 AND p.stock > 0 AND p.offer_price IS NOT NULL"),
            "{sql}"
        );
        assert!(sql.contains("p.rating_sum >= $3 * p.rating_count"), "{sql}");
        assert!(sql.contains("AND p.option_keys && $4::text[] AND p.option_keys && $5::text[]"), "{sql}");
        assert!(
            sql.contains("(p.rating_average, p.id) < ((SELECT c.rating_average FROM products c WHERE c.id = $6), $6)"),
            "{sql}"
        );
        assert!(sql.contains("ORDER BY p.rating_average DESC, p.id DESC LIMIT $7)"), "{sql}");
    }
}
