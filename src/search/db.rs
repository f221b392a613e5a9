//! The search queries. Full-text first (`websearch_to_tsquery`, so quotes and
//! `-word` work); when that finds nothing, the same search with misspelt
//! words corrected against the words of product names, then names that are
//! similar word by word (pg_trgm).

use sqlx::{PgConnection, PgPool};

use rust_decimal::Decimal;

use super::rules::{prefix_tsquery, words};
use super::{SearchRequest, SearchResults, Suggestion};
use crate::catalog::Category;
use crate::catalog::filters::{FacetCell, Filters, OptionLabel, count_facets, price_edges};
use crate::product::ProductSummary;
use crate::product::db::CardRow;

/// Results per page.
pub const PAGE_SIZE: i64 = 24;
/// Suggestions while typing.
pub const SUGGESTIONS: i64 = 8;

/// A connection in a transaction that plans each statement for its values.
/// Prepared statements otherwise switch to a generic plan after five runs,
/// which cannot fold the sort choice or see the query's words: measured
/// 21–22 ms against 15 ms for a word matching 5,800 of 100,000 products.
async fn custom_plans(pool: &PgPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
    Ok(tx)
}

/// One page of products matching the request's words (already cleaned),
/// best first unless sorted otherwise, narrowed by its filters and
/// `category` (the id of its category slug), with every facet's counts.
pub async fn search(
    pool: &PgPool,
    request: &SearchRequest,
    category: Option<i64>,
    categories: &[Category],
    labels: &[OptionLabel],
) -> sqlx::Result<SearchResults> {
    let page = request.page.max(1);
    let request = SearchRequest { page, ..request.clone() };
    let query = request.query.as_str();
    let filters = &request.filters;
    let empty = || SearchResults {
        request: request.clone(),
        products: Vec::new(),
        total: 0,
        has_next: false,
        fuzzy: false,
        corrected: None,
        facets: None,
    };
    if words(query).is_empty() {
        return Ok(empty());
    }
    // The page and the facet cells are read at once, on two connections: each
    // scans the matches (one statement doing both, through a materialised
    // list of matches, cost more than the two together: 16 ms against 8 and 7
    // for a word matching 5,600 of 100,000 products).
    let (cards, cells) = tokio::try_join!(result_page(pool, &request, category), result_cells(pool, query, filters),)?;
    let found = |cards: Vec<ProductSummary>, cells: Vec<FacetCell>, corrected: Option<String>| {
        let facets = count_facets(&cells, categories, labels, category, filters);
        let (products, has_next) = crate::db::one_page(cards, PAGE_SIZE);
        SearchResults { products, total: facets.total, has_next, facets: Some(facets), corrected, ..empty() }
    };
    if !cells.is_empty() {
        return Ok(found(cards, cells, None));
    }
    let mut tx = custom_plans(pool).await?;
    let db: &mut PgConnection = &mut tx;
    // Nothing matched the words: the same search with misspelt words corrected.
    if let Some(fixed) = corrected(db, query).await? {
        let fixed_request = SearchRequest { query: fixed.clone(), ..request.clone() };
        let (cards, cells) =
            tokio::try_join!(result_page(pool, &fixed_request, category), result_cells(pool, &fixed, filters),)?;
        if !cells.is_empty() {
            return Ok(found(cards, cells, Some(fixed)));
        }
    }
    if page > 1 {
        return Ok(empty());
    }
    // Still nothing: the names closest to the words, one page, still narrowed.
    let rows = sqlx::query_as!(
        CardRow,
        r#"SELECT p.id, p.slug, p.name, p.price, p.offer_price, p.sale_price, p.price_varies, p.variant_count, p.stock, p.rating_count, p.rating_sum,
                  i.storage_key AS "image_key?", i.alt_text AS "image_alt?"
           FROM products p
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           WHERE p.active AND $1 <% p.name
             AND ($3::bigint IS NULL OR p.category_id = $3)
             AND ($4::numeric IS NULL OR p.sale_price >= $4)
             AND ($5::numeric IS NULL OR p.sale_price < $5)
             AND (NOT $6 OR p.stock > 0)
             AND (NOT $7 OR p.offer_price IS NOT NULL)
             AND ($8::int IS NULL OR (p.rating_count > 0 AND p.rating_sum >= $8 * p.rating_count))
             AND (cardinality($9::text[]) = 0 OR has_options(p.option_keys, $9))
           ORDER BY word_similarity($1, p.name) DESC, p.id
           LIMIT $2"#,
        query,
        PAGE_SIZE,
        category,
        filters.min_price,
        filters.max_price,
        filters.in_stock,
        filters.on_offer,
        filters.min_rating.map(i32::from),
        &filters.option_keys()
    )
    .fetch_all(&mut *db)
    .await?;
    let products: Vec<ProductSummary> = rows.into_iter().map(ProductSummary::from).collect();
    Ok(SearchResults { total: products.len() as i64, fuzzy: !products.is_empty(), products, ..empty() })
}

/// The query's words, each word no product or category name has replaced by
/// the closest one that some name has ("wirless hedset" → "wireless
/// headset"); `None` when no word changes. Short words and words with digits
/// (sizes, model numbers) are kept as typed.
async fn corrected(db: &mut PgConnection, query: &str) -> sqlx::Result<Option<String>> {
    let typed = words(query);
    let fixed = sqlx::query_scalar!(
        r#"SELECT COALESCE(
                  (SELECT s.word FROM search_words s
                   WHERE length(t.w) >= 4 AND t.w !~ '[[:digit:]]' AND s.word % t.w
                   ORDER BY s.word <-> t.w, s.word
                   LIMIT 1),
                  t.w) AS "word!"
           FROM unnest($1::text[]) WITH ORDINALITY AS t(w, ord)
           ORDER BY t.ord"#,
        &typed
    )
    .fetch_all(db)
    .await?;
    Ok((fixed != typed).then(|| fixed.join(" ")))
}

/// The page of matches passing the filters, one more than fits (to tell
/// whether another follows). Ranked on the products table alone; only the
/// page's rows are joined to their pictures (joining every match first cost
/// four times as much for a word matching 5,800 of 100,000 products).
async fn result_page(
    pool: &PgPool,
    request: &SearchRequest,
    category: Option<i64>,
) -> sqlx::Result<Vec<ProductSummary>> {
    let mut tx = custom_plans(pool).await?;
    let filters = &request.filters;
    let rows = sqlx::query_as!(
        CardRow,
        r#"WITH q AS (SELECT websearch_to_tsquery('english', $1) AS tsq),
           page AS (
               SELECT p.id,
                      CASE WHEN $2 = 'relevance' THEN lower(p.name) = lower($1) END AS exact,
                      CASE WHEN $2 = 'relevance' THEN lower(p.name) LIKE lower($1) || '%' END AS starts,
                      CASE WHEN $2 = 'relevance' THEN ts_rank(p.search_vector, q.tsq) END AS rank,
                      CASE WHEN $2 = 'price-asc' THEN p.sale_price END AS cheap,
                      CASE WHEN $2 = 'price-desc' THEN p.sale_price END AS dear,
                      CASE WHEN $2 = 'newest' THEN p.created_at END AS new,
                      CASE WHEN $2 = 'rating' THEN p.rating_average END AS top
               FROM q, products p
               WHERE p.active AND p.search_vector @@ q.tsq
                 AND ($5::bigint IS NULL OR p.category_id = $5)
                 AND ($6::numeric IS NULL OR p.sale_price >= $6)
                 AND ($7::numeric IS NULL OR p.sale_price < $7)
                 AND (NOT $8 OR p.stock > 0)
                 AND (NOT $9 OR p.offer_price IS NOT NULL)
                 AND ($10::int IS NULL OR (p.rating_count > 0 AND p.rating_sum >= $10 * p.rating_count))
                 AND (cardinality($11::text[]) = 0 OR has_options(p.option_keys, $11))
               ORDER BY exact DESC, starts DESC, rank DESC, cheap ASC, dear DESC, new DESC, top DESC, p.id
               LIMIT $3 OFFSET $4
           )
           SELECT p.id, p.slug, p.name, p.price, p.offer_price, p.sale_price, p.price_varies, p.variant_count, p.stock, p.rating_count, p.rating_sum,
                  i.storage_key AS "image_key?", i.alt_text AS "image_alt?"
           FROM page
           JOIN products p ON p.id = page.id
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           ORDER BY page.exact DESC, page.starts DESC, page.rank DESC, page.cheap ASC, page.dear DESC,
                    page.new DESC, page.top DESC, p.id"#,
        request.query,
        request.sort.param(),
        PAGE_SIZE + 1,
        i64::from(request.page.max(1) - 1) * PAGE_SIZE,
        category,
        filters.min_price,
        filters.max_price,
        filters.in_stock,
        filters.on_offer,
        filters.min_rating.map(i32::from),
        &filters.option_keys()
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(ProductSummary::from).collect())
}

/// Every match grouped by the facets' values (see `catalog::filters::FacetCell`);
/// empty when nothing matches the words.
async fn result_cells(pool: &PgPool, query: &str, filters: &Filters) -> sqlx::Result<Vec<FacetCell>> {
    let mut tx = custom_plans(pool).await?;
    sqlx::query_as!(
        FacetCell,
        r#"SELECT p.category_id,
                  width_bucket(p.sale_price, $2::numeric[]) AS "bucket!",
                  ($3::numeric IS NULL OR p.sale_price >= $3) AND ($4::numeric IS NULL OR p.sale_price < $4) AS "in_range!",
                  p.stock > 0 AS "in_stock!",
                  p.offer_price IS NOT NULL AS "on_offer!",
                  CASE WHEN p.rating_count > 0 THEN p.rating_sum / p.rating_count ELSE 0 END AS "stars!",
                  p.option_keys AS "options!",
                  count(*) AS "count!"
           FROM products p
           WHERE p.active AND p.search_vector @@ websearch_to_tsquery('english', $1)
           GROUP BY 1, 2, 3, 4, 5, 6, 7"#,
        query,
        &price_edges() as &[Decimal],
        filters.min_price,
        filters.max_price
    )
    .fetch_all(&mut *tx)
    .await
}

/// Every product on sale that the words of `query` (cleaned) match, by id
/// (ascending): the products a results page for it counts and lists. `None`
/// when more than `limit` match, or when none do and the page is one of
/// corrected or similar names (found by other rules).
pub async fn matched_ids(pool: &PgPool, query: &str, limit: i64) -> sqlx::Result<Option<Box<[i64]>>> {
    if words(query).is_empty() {
        return Ok(Some(Box::default()));
    }
    let mut tx = custom_plans(pool).await?;
    let ids = sqlx::query_scalar!(
        r#"SELECT p.id FROM products p
           WHERE p.active AND p.search_vector @@ websearch_to_tsquery('english', $1)
           ORDER BY p.id LIMIT $2"#,
        query,
        limit + 1
    )
    .fetch_all(&mut *tx)
    .await?;
    let known = !ids.is_empty() && ids.len() as i64 <= limit;
    Ok(known.then(|| ids.into_boxed_slice()))
}

/// Products to offer while the shopper types `query`: names whose words start
/// with what was typed, names starting with it first, then the shortest (no
/// ranking to compute: a short prefix matches thousands); similar names when none do.
pub async fn suggest(pool: &PgPool, query: &str) -> sqlx::Result<Vec<Suggestion>> {
    let mut tx = custom_plans(pool).await?;
    let db: &mut PgConnection = &mut tx;
    let Some(prefix) = prefix_tsquery(query) else { return Ok(Vec::new()) };
    let rows = sqlx::query!(
        r#"WITH q AS (SELECT to_tsquery('simple', $1) AS tsq)
           SELECT p.name, p.slug
           FROM q, products p
           WHERE p.active AND p.search_vector @@ q.tsq
           ORDER BY lower(p.name) LIKE lower($2) || '%' DESC, length(p.name), p.name
           LIMIT $3"#,
        prefix,
        query,
        SUGGESTIONS
    )
    .fetch_all(&mut *db)
    .await?;
    if !rows.is_empty() {
        return Ok(rows.into_iter().map(|r| Suggestion { name: r.name, slug: r.slug }).collect());
    }
    let rows = sqlx::query!(
        r#"SELECT p.name, p.slug FROM products p
           WHERE p.active AND $1 <% p.name
           ORDER BY word_similarity($1, p.name) DESC, p.name
           LIMIT $2"#,
        query,
        SUGGESTIONS
    )
    .fetch_all(&mut *db)
    .await?;
    Ok(rows.into_iter().map(|r| Suggestion { name: r.name, slug: r.slug }).collect())
}
