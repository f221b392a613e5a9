//! Facet counts against the results they promise: for listings and search,
//! under several combinations of filters (option values among them), every
//! count shown beside a choice equals the number of products the listing
//! then holds, read page by page.

use crate::common;

use common::{NewProduct, category};
use sqlx::PgPool;
use trove::catalog::filters::{Facets, Filters, count_facets};
use trove::catalog::rules::{ListingQuery, Sort};
use trove::catalog::{Category, CategoryId, db};
use trove::search::{SearchRequest, db as search_db};

const PRICES: [&str; 14] = [
    "4.50", "9.99", "10.00", "18.00", "25.00", "30.00", "49.99", "50.00", "75.00", "99.00", "100.00", "180.00",
    "250.00", "400.00",
];

/// 60 active products over two categories (a third stays empty) with prices
/// in every range and on both sides of each edge, some out of stock, some on
/// offer, most rated, a third in sizes (some of those in colours too, and
/// some of their variants off sale); and a draft that must never be counted.
async fn shop(pool: &PgPool) -> Vec<Category> {
    let fruit = category(pool, "Fresh Fruit").await;
    let audio = category(pool, "Audio").await;
    category(pool, "Garden").await;
    for i in 0..60_usize {
        let price = PRICES[i % PRICES.len()];
        let offer = (i % 3 == 0)
            .then(|| format!("{:.2}", price.parse::<f64>().unwrap() - 1.0))
            .filter(|o| o.parse::<f64>().unwrap() > 0.0);
        let name = format!("{} Gadget {i:02}", if i % 3 == 1 { "Deluxe" } else { "Plain" });
        let product = NewProduct {
            offer: offer.as_deref(),
            stock: if i % 5 == 0 { 0 } else { (i % 7) as i32 + 1 },
            age: i as i64,
            ..NewProduct::new(if i % 2 == 0 { fruit } else { audio }, &name, price)
        };
        let id = product.insert(pool).await;
        if i % 4 != 0 {
            // Two ratings summing 2..=10: averages 1, 1.5, …, 5.
            sqlx::query("UPDATE products SET rating_count = 2, rating_sum = $2 WHERE id = $1")
                .bind(id)
                .bind(2 + (i % 9) as i32)
                .execute(pool)
                .await
                .unwrap();
        }
        if i % 3 == 2 {
            sizes(pool, id, i).await;
        }
    }
    NewProduct { active: false, ..NewProduct::new(fruit, "Draft Gadget", "20.00") }.insert(pool).await;
    db::categories(pool).await.unwrap()
}

/// Sizes S, M, L for the `i`th product, and colours Red and Blue for every
/// other one of those; the `i`th's large variants go off sale when `i` is
/// odd, and only the first variant has the product's stock.
async fn sizes(pool: &PgPool, product: i64, i: usize) {
    use trove::admin::db::{OptionSpec, VariantEdit, define_options, update_variant};
    let spec = |name: &str, values: &[&str]| OptionSpec {
        name: name.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    let mut options = vec![spec("Size", &["S", "M", "L"])];
    if i.is_multiple_of(2) {
        options.push(spec("Colour", &["Red", "Blue"]));
    }
    let mut tx = pool.begin().await.unwrap();
    let ids = define_options(&mut tx, product, &options).await.unwrap();
    if i % 2 == 1 {
        let large = *ids.last().unwrap();
        let sku = sqlx::query_scalar!("SELECT sku FROM product_variants WHERE id = $1", large)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let edit = VariantEdit { sku, price: None, offer_price: None, stock: 0, active: false, images: vec![] };
        update_variant(&mut tx, product, large, &edit).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Where products are counted: a listing, or search results for some words.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Listing,
    Search(&'a str),
}

/// The facets a page in `scope` shows for `category` and `filters`.
async fn facets(
    pool: &PgPool,
    categories: &[Category],
    scope: Scope<'_>,
    category: Option<i64>,
    filters: &Filters,
) -> Facets {
    match scope {
        Scope::Listing => {
            let (cells, _) = db::facet_cells(pool, filters.min_price, filters.max_price).await.unwrap();
            let labels = db::option_labels(pool).await.unwrap();
            count_facets(&cells, categories, &labels, category, filters)
        }
        Scope::Search(words) => {
            let request = search_request(words, categories, category, filters, 1);
            let labels = db::option_labels(pool).await.unwrap();
            let results = search_db::search(pool, &request, category, categories, &labels).await.unwrap();
            assert_eq!(results.total, results.facets.as_ref().unwrap().total);
            results.facets.unwrap()
        }
    }
}

fn search_request(
    words: &str,
    categories: &[Category],
    category: Option<i64>,
    filters: &Filters,
    page: u32,
) -> SearchRequest {
    let slug = category.map(|id| categories.iter().find(|c| c.id.0 == id).unwrap().slug.clone());
    SearchRequest {
        query: words.to_owned(),
        page,
        category: slug,
        filters: filters.clone(),
        ..SearchRequest::default()
    }
}

/// How many products the pages in `scope` hold, walked to the end.
async fn shown(
    pool: &PgPool,
    categories: &[Category],
    scope: Scope<'_>,
    category: Option<i64>,
    filters: &Filters,
) -> i64 {
    let mut seen = 0;
    match scope {
        Scope::Listing => {
            let mut query = ListingQuery::first(Sort::PriceAsc, filters.clone());
            loop {
                let page = db::list_products(pool, category.map(CategoryId), &query).await.unwrap();
                seen += page.products.len() as i64;
                match page.next {
                    Some(last) => query = query.next(last),
                    None => return seen,
                }
            }
        }
        Scope::Search(words) => {
            for page in 1.. {
                let request = search_request(words, categories, category, filters, page);
                let results = search_db::search(pool, &request, category, categories, &[]).await.unwrap();
                assert!(!results.fuzzy);
                seen += results.products.len() as i64;
                if !results.has_next {
                    break;
                }
            }
            seen
        }
    }
}

/// Every count in the facets for `category` + `filters` against the pages it leads to.
async fn check(
    pool: &PgPool,
    categories: &[Category],
    scope: Scope<'_>,
    category: Option<i64>,
    filters: Filters,
) -> Facets {
    let f = facets(pool, categories, scope, category, &filters).await;
    let what = |choice: &str| format!("{choice} with {filters:?} in category {category:?}");
    assert_eq!(f.total, shown(pool, categories, scope, category, &filters).await, "{}", what("total"));
    for c in &f.categories {
        let id = categories.iter().find(|k| k.slug == c.slug).unwrap().id.0;
        assert_eq!(c.count, shown(pool, categories, scope, Some(id), &filters).await, "{}", what(&c.slug));
    }
    for (range, count) in &f.prices {
        let (min, max) = range.bounds();
        let narrowed = filters.with_price(min, max);
        assert_eq!(
            *count,
            shown(pool, categories, scope, category, &narrowed).await,
            "{}",
            what(&format!("{range:?}"))
        );
    }
    let in_stock = Filters { in_stock: true, ..filters.clone() };
    assert_eq!(f.in_stock, shown(pool, categories, scope, category, &in_stock).await, "{}", what("in stock"));
    let on_offer = Filters { on_offer: true, ..filters.clone() };
    assert_eq!(f.on_offer, shown(pool, categories, scope, category, &on_offer).await, "{}", what("on offer"));
    for (stars, count) in &f.ratings {
        let rated = filters.with_rating(Some(*stars));
        assert_eq!(
            *count,
            shown(pool, categories, scope, category, &rated).await,
            "{}",
            what(&format!("{stars}+ stars"))
        );
    }
    // A value's count is what the page holds with that value alone of its option.
    for option in &f.options {
        for value in &option.values {
            let mut only = filters.clone();
            only.options.insert(option.slug.clone(), vec![value.slug.clone()]);
            assert_eq!(
                value.count,
                shown(pool, categories, scope, category, &only).await,
                "{}",
                what(&format!("{}: {}", option.name, value.label))
            );
        }
    }
    f
}

fn options(text: &str) -> Filters {
    Filters::parse(|name| (name == "opt").then_some(text)).unwrap()
}

fn price(value: &str) -> Option<rust_decimal::Decimal> {
    Some(value.parse().unwrap())
}

#[sqlx::test]
async fn listing_counts_are_what_each_choice_then_shows(pool: PgPool) {
    let categories = shop(&pool).await;
    let fruit = categories.iter().find(|c| c.slug == "fresh-fruit").unwrap().id.0;

    let all = check(&pool, &categories, Scope::Listing, None, Filters::default()).await;
    assert_eq!(all.total, 60, "drafts are never counted");
    assert_eq!(
        all.categories.iter().map(|c| (c.slug.as_str(), c.count)).collect::<Vec<_>>(),
        [("audio", 30), ("fresh-fruit", 30)],
        "empty categories are left out"
    );
    assert_eq!(all.in_stock, 48);
    assert_eq!(all.on_offer, 20);
    // Every range from "under 5" to "250 to 500" has products; none cost more.
    assert!(all.prices[..7].iter().all(|(_, n)| *n > 0), "{:?}", all.prices);
    assert!(all.prices[7..].iter().all(|(_, n)| *n == 0), "{:?}", all.prices);
    // Sizes on 20 products (L off sale on 10), colours on 10.
    let offered: Vec<String> = all
        .options
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                o.name,
                o.values.iter().map(|v| format!("{} {}", v.label, v.count)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    assert_eq!(offered, ["Size: S 20, M 20, L 10", "Colour: Red 10, Blue 10"]);

    check(&pool, &categories, Scope::Listing, None, options("size:l")).await;
    check(
        &pool,
        &categories,
        Scope::Listing,
        Some(fruit),
        Filters { in_stock: true, ..options("size:l,s;colour:blue") },
    )
    .await;

    check(&pool, &categories, Scope::Listing, None, Filters { in_stock: true, ..Filters::default() }).await;
    check(
        &pool,
        &categories,
        Scope::Listing,
        Some(fruit),
        Filters { on_offer: true, min_rating: Some(3), ..Filters::default() },
    )
    .await;
    let narrowed = Filters { min_price: price("25"), max_price: price("100"), in_stock: true, ..Filters::default() };
    let f = check(&pool, &categories, Scope::Listing, Some(fruit), narrowed).await;
    assert!(f.total > 0 && f.total < 30, "{f:?}");
    // A range of one's own, not one of the offered ones, edges included as shown.
    check(
        &pool,
        &categories,
        Scope::Listing,
        None,
        Filters { min_price: price("9.99"), max_price: price("50"), ..Filters::default() },
    )
    .await;
}

#[sqlx::test]
async fn search_counts_are_what_each_choice_then_shows(pool: PgPool) {
    let categories = shop(&pool).await;
    let audio = categories.iter().find(|c| c.slug == "audio").unwrap().id.0;
    let deluxe = check(&pool, &categories, Scope::Search("deluxe"), None, Filters::default()).await;
    assert_eq!(deluxe.total, 20);
    check(
        &pool,
        &categories,
        Scope::Search("gadget"),
        None,
        Filters { in_stock: true, min_rating: Some(2), ..Filters::default() },
    )
    .await;
    let f = check(
        &pool,
        &categories,
        Scope::Search("deluxe"),
        Some(audio),
        Filters { min_price: price("10"), ..Filters::default() },
    )
    .await;
    assert!(f.total > 0 && f.total < 20, "{f:?}");
    let large = check(&pool, &categories, Scope::Search("gadget"), None, options("size:l")).await;
    assert_eq!(large.total, 10, "L is on sale on 10 products");
    check(&pool, &categories, Scope::Search("plain"), Some(audio), Filters { on_offer: true, ..options("colour:red") })
        .await;
}

#[sqlx::test]
async fn top_rated_lists_the_best_average_first_and_unrated_last(pool: PgPool) {
    shop(&pool).await;
    let mut averages = Vec::new();
    let mut query = ListingQuery::sorted(Sort::Rating);
    loop {
        let page = db::list_products(&pool, None, &query).await.unwrap();
        averages.extend(page.products.iter().map(|p| p.rating.average().unwrap_or_default()));
        match page.next {
            Some(last) => query = query.next(last),
            None => break,
        }
    }
    assert_eq!(averages.len(), 60);
    assert!(averages.windows(2).all(|w| w[0] >= w[1]), "{averages:?}");
    assert_eq!(averages[0].to_string(), "5.0");
    assert!(averages[59].is_zero());
}

/// The cells as a sorted list, to compare counts kept in memory with a recount.
fn sorted(cells: &[trove::catalog::filters::FacetCell]) -> Vec<(i64, i32, bool, bool, bool, i32, i64)> {
    let mut cells: Vec<_> =
        cells.iter().map(|c| (c.category_id, c.bucket, c.in_range, c.in_stock, c.on_offer, c.stars, c.count)).collect();
    cells.sort_unstable();
    cells
}

#[sqlx::test]
async fn counts_in_memory_are_adjusted_cell_by_cell_and_always_equal_a_recount(pool: PgPool) {
    use rust_decimal::Decimal;
    use trove::catalog::cache::FacetCache;
    use trove::db::CatalogChanges;
    shop(&pool).await;
    let changes = CatalogChanges::default();
    let cache = FacetCache::new(&changes);
    let ranges = [(None, None), (Some(Decimal::from(10)), Some(Decimal::from(100)))];
    // The first read starts the listener (which drops everything when it
    // connects); the counts read after that are kept.
    cache.get(&pool, None, None).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut read_in = Vec::new();
    for (min, max) in ranges {
        read_in.push(cache.get(&pool, min, max).await.unwrap().seen.clone());
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM products WHERE active ORDER BY id").fetch_all(&pool).await.unwrap();
    let statements = [
        format!("UPDATE product_variants SET stock = 0 WHERE product_id = {}", ids[1]),
        format!("UPDATE products SET price = 150, offer_price = NULL WHERE id = {}", ids[2]),
        format!("UPDATE products SET active = false WHERE id = {}", ids[3]),
        format!("UPDATE product_variants SET stock = stock + 5 WHERE product_id IN ({}, {})", ids[0], ids[5]),
        format!("UPDATE products SET rating_count = 1, rating_sum = 5 WHERE id = {}", ids[6]),
        format!("DELETE FROM products WHERE id = {}", ids[7]),
        format!(
            "UPDATE products SET category_id = (SELECT category_id FROM products WHERE id = {}) WHERE id = {}",
            ids[1], ids[8]
        ),
    ];
    for statement in &statements {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let fruit: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE name = 'Fresh Fruit'").fetch_one(&pool).await.unwrap();
    common::NewProduct::new(fruit, "Late Gadget", "12.00").insert(&pool).await;
    // Each change reaches the cache; its counts follow without a recount.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    for ((min, max), seen) in ranges.into_iter().zip(read_in) {
        loop {
            let (fresh, _) = db::facet_cells(&pool, min, max).await.unwrap();
            let kept = cache.get(&pool, min, max).await.unwrap();
            if sorted(&kept.cells) == sorted(&fresh) {
                assert_eq!(kept.seen, seen, "adjusted in place, not counted again");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "counts in memory never caught up: {:?}",
                sorted(&kept.cells)
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
