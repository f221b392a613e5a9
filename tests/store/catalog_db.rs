//! Every query the catalog runs, against a fresh migrated database per test.

use crate::common;

use common::{NewProduct, category, image};
use rust_decimal::Decimal;
use sqlx::PgPool;
use trove::catalog::cache::CategoryCache;
use trove::catalog::db;
use trove::catalog::rules::{ListingQuery, PAGE_SIZE, Sort};
use trove::catalog::{CategoryId, Listing};
use trove::product::ProductId;

async fn page(pool: &PgPool, category: Option<i64>, query: &ListingQuery) -> Listing {
    db::list_products(pool, category.map(CategoryId), query).await.unwrap()
}

fn names(listing: &Listing) -> Vec<String> {
    listing.products.iter().map(|p| p.name.clone()).collect()
}

/// `count` products in one category named "Item 000".."Item N", with prices and
/// ages that make every sort order differ from the others.
async fn catalog(pool: &PgPool, count: usize) -> i64 {
    let cat = category(pool, "Things").await;
    for i in 0..count {
        let name = format!("Item {i:03}");
        // Prices repeat every 7 items, so ties are broken by id.
        let price = format!("{}.00", 10 + (i * 3) % 7);
        let mut product = NewProduct::new(cat, &name, &price);
        product.age = (i as i64 * 37) % 101;
        product.insert(pool).await;
    }
    cat
}

/// Walks a listing forward to its end, returning every page's names.
async fn walk(pool: &PgPool, category: Option<i64>, sort: Sort) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut query = ListingQuery::sorted(sort);
    loop {
        let listing = page(pool, category, &query).await;
        pages.push(names(&listing));
        match listing.next {
            Some(last) => query = query.next(last),
            None => return pages,
        }
    }
}

#[sqlx::test]
async fn every_sort_order_matches_sorting_everything_in_sql(pool: PgPool) {
    catalog(&pool, 60).await;
    for (sort, order) in [
        (Sort::Newest, "created_at DESC, id DESC"),
        (Sort::PriceAsc, "sale_price ASC, id ASC"),
        (Sort::PriceDesc, "sale_price DESC, id DESC"),
        (Sort::Name, "name ASC, id ASC"),
    ] {
        let expected: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM products WHERE active ORDER BY {order}"))
                .fetch_all(&pool)
                .await
                .unwrap();
        let walked: Vec<String> = walk(&pool, None, sort).await.concat();
        assert_eq!(walked, expected, "{sort:?}");
    }
}

#[sqlx::test]
async fn pages_hold_a_page_size_and_the_last_page_has_no_next(pool: PgPool) {
    catalog(&pool, PAGE_SIZE * 2 + 1).await;
    let pages = walk(&pool, None, Sort::Name).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![PAGE_SIZE, PAGE_SIZE, 1]);
}

#[sqlx::test]
async fn exactly_one_full_page_has_no_next_link(pool: PgPool) {
    catalog(&pool, PAGE_SIZE).await;
    let listing = page(&pool, None, &ListingQuery::default()).await;
    assert_eq!(listing.products.len(), PAGE_SIZE);
    assert_eq!(listing.next, None);
    assert_eq!(listing.prev, None);
}

#[sqlx::test]
async fn one_more_than_a_page_links_to_a_second_page(pool: PgPool) {
    catalog(&pool, PAGE_SIZE + 1).await;
    let first = page(&pool, None, &ListingQuery::default()).await;
    let last = first.next.expect("a next link");
    assert_eq!(last, first.products.last().unwrap().id);
    let second = page(&pool, None, &first.query.next(last)).await;
    assert_eq!(second.products.len(), 1);
    assert_eq!(second.next, None);
    assert_eq!(second.prev, Some(second.products[0].id));
}

#[sqlx::test]
async fn going_back_shows_the_same_pages_as_going_forward(pool: PgPool) {
    catalog(&pool, PAGE_SIZE * 3 + 5).await;
    for sort in Sort::ALL {
        let forward = walk(&pool, None, sort).await;
        // From the last page, follow "previous" back to the first.
        let mut query = ListingQuery::sorted(sort);
        let mut listing = page(&pool, None, &query).await;
        while let Some(last) = listing.next {
            query = query.next(last);
            listing = page(&pool, None, &query).await;
        }
        let mut backward = vec![names(&listing)];
        while let Some(first) = listing.prev {
            query = query.prev(first);
            listing = page(&pool, None, &query).await;
            backward.push(names(&listing));
        }
        backward.reverse();
        assert_eq!(backward, forward, "{sort:?}");
        assert_eq!(query.page, 1);
    }
}

#[sqlx::test]
async fn listings_leave_out_drafts_and_other_categories(pool: PgPool) {
    let fruit = category(&pool, "Fruit").await;
    let tech = category(&pool, "Tech").await;
    NewProduct::new(fruit, "Apple", "1.00").insert(&pool).await;
    NewProduct { active: false, ..NewProduct::new(fruit, "Draft Pear", "1.00") }.insert(&pool).await;
    NewProduct::new(tech, "Cable", "5.00").insert(&pool).await;
    assert_eq!(names(&page(&pool, Some(fruit), &ListingQuery::sorted(Sort::Name)).await), ["Apple"]);
    assert_eq!(names(&page(&pool, None, &ListingQuery::sorted(Sort::Name)).await), ["Apple", "Cable"]);
}

#[sqlx::test]
async fn category_pages_walk_only_their_category(pool: PgPool) {
    let things = catalog(&pool, 30).await;
    let other = category(&pool, "Other").await;
    for i in 0..30 {
        NewProduct::new(other, &format!("Other {i}"), "3.00").insert(&pool).await;
    }
    for sort in Sort::ALL {
        let walked = walk(&pool, Some(things), sort).await.concat();
        assert_eq!(walked.len(), 30, "{sort:?}");
        assert!(walked.iter().all(|n| n.starts_with("Item")), "{sort:?}");
    }
}

#[sqlx::test]
async fn price_sorting_uses_the_offer_price(pool: PgPool) {
    let cat = category(&pool, "Deals").await;
    NewProduct::new(cat, "Plain", "5.00").insert(&pool).await;
    NewProduct { offer: Some("2.00"), ..NewProduct::new(cat, "Bargain", "9.00") }.insert(&pool).await;
    let listing = page(&pool, None, &ListingQuery::sorted(Sort::PriceAsc)).await;
    assert_eq!(names(&listing), ["Bargain", "Plain"]);
    assert_eq!(listing.products[0].offer_price, Some(Decimal::new(200, 2)));
}

#[sqlx::test]
async fn a_cursor_for_a_deleted_product_gives_an_empty_page_that_links_back(pool: PgPool) {
    catalog(&pool, 3).await;
    let listing = page(&pool, None, &ListingQuery::sorted(Sort::Name).next(ProductId(999_999))).await;
    assert!(listing.products.is_empty());
    assert_eq!(listing.next, None);
}

#[sqlx::test]
async fn cards_carry_the_primary_image(pool: PgPool) {
    let cat = category(&pool, "Pics").await;
    let id = NewProduct::new(cat, "Camera", "100.00").insert(&pool).await;
    image(&pool, id, "a.svg", 0, false).await;
    image(&pool, id, "b.svg", 1, true).await;
    NewProduct::new(cat, "Bare", "1.00").insert(&pool).await;
    let listing = page(&pool, None, &ListingQuery::sorted(Sort::Name)).await;
    assert_eq!(listing.products[0].image, None, "Bare has no image");
    assert_eq!(listing.products[1].image.as_ref().unwrap().key, "b.svg");
}

#[sqlx::test]
async fn featured_products_are_active_featured_newest_first(pool: PgPool) {
    let cat = category(&pool, "Home").await;
    NewProduct { featured: true, age: 100, ..NewProduct::new(cat, "Old Star", "1.00") }.insert(&pool).await;
    NewProduct { featured: true, age: 1, ..NewProduct::new(cat, "New Star", "1.00") }.insert(&pool).await;
    NewProduct { featured: true, active: false, ..NewProduct::new(cat, "Hidden Star", "1.00") }.insert(&pool).await;
    NewProduct::new(cat, "Ordinary", "1.00").insert(&pool).await;
    let featured = db::featured_products(&pool, 8).await.unwrap();
    let names: Vec<_> = featured.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["New Star", "Old Star"]);
    assert_eq!(db::featured_products(&pool, 1).await.unwrap().len(), 1);
}

#[sqlx::test]
async fn the_newest_products_are_the_first_of_the_newest_listing(pool: PgPool) {
    catalog(&pool, 30).await;
    let newest: Vec<String> = db::newest_products(&pool, 8).await.unwrap().into_iter().map(|p| p.name).collect();
    let listing = names(&page(&pool, None, &ListingQuery::default()).await);
    assert_eq!(newest, listing[..8]);
}

#[sqlx::test]
async fn categories_are_listed_by_name_and_found_by_slug(pool: PgPool) {
    category(&pool, "Vegetables").await;
    category(&pool, "Audio").await;
    let cache = CategoryCache::default();
    let all = cache.get(&pool).await.unwrap();
    assert_eq!(all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Audio", "Vegetables"]);
    assert_eq!(all[1].description, "All about Vegetables.");
    let found = cache.by_slug(&pool, "vegetables").await.unwrap().unwrap();
    assert_eq!(found.name, "Vegetables");
    assert!(cache.by_slug(&pool, "nope").await.unwrap().is_none());
}

#[sqlx::test]
async fn a_category_change_reaches_the_cached_list_at_once(pool: PgPool) {
    category(&pool, "Audio").await;
    let cache = CategoryCache::default();
    assert_eq!(cache.get(&pool).await.unwrap().len(), 1);
    // The listener starts with the first read; give it its connection.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(cache.get(&pool).await.unwrap().len(), 1);
    category(&pool, "Vegetables").await;
    let mut seen = 0;
    for _ in 0..50 {
        seen = cache.get(&pool).await.unwrap().len();
        if seen == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen, 2, "the NOTIFY from the trigger invalidated the copy within a second");
    sqlx::query("UPDATE categories SET name = 'Sound' WHERE slug = 'audio'").execute(&pool).await.unwrap();
    for _ in 0..50 {
        if cache.by_slug(&pool, "audio").await.unwrap().unwrap().name == "Sound" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("a rename never reached the cache");
}

#[sqlx::test]
async fn a_product_page_has_its_category_and_images_primary_first(pool: PgPool) {
    let cat = category(&pool, "Audio").await;
    let id =
        NewProduct { offer: Some("80.00"), stock: 3, ..NewProduct::new(cat, "Speaker", "99.00") }.insert(&pool).await;
    image(&pool, id, "side.svg", 0, false).await;
    image(&pool, id, "front.svg", 2, true).await;
    image(&pool, id, "back.svg", 1, false).await;
    let mut conn = pool.acquire().await.unwrap();
    let product = db::product_by_slug(&mut conn, "speaker").await.unwrap().unwrap();
    assert_eq!(product.category.slug, "audio");
    let keys: Vec<_> = product.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["front.svg", "side.svg", "back.svg"]);
    assert_eq!(product.offer_price, Some(Decimal::new(8000, 2)));
    assert_eq!(product.stock, 3);
}

#[sqlx::test]
async fn drafts_and_unknown_slugs_have_no_product_page(pool: PgPool) {
    let cat = category(&pool, "Misc").await;
    NewProduct { active: false, ..NewProduct::new(cat, "Secret", "1.00") }.insert(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(db::product_by_slug(&mut conn, "secret").await.unwrap().is_none());
    assert!(db::product_by_slug(&mut conn, "missing").await.unwrap().is_none());
}

/// The constraint a failed insert violated.
async fn violated(pool: &PgPool, sql: &str) -> String {
    let error = sqlx::query(sql).execute(pool).await.expect_err("the database refuses it");
    error.as_database_error().and_then(|e| e.constraint()).unwrap_or_default().to_owned()
}

#[sqlx::test]
async fn the_database_refuses_impossible_products(pool: PgPool) {
    let cat = category(&pool, "Rules").await;
    NewProduct::new(cat, "Kettle", "20.00").insert(&pool).await;
    let insert = |name: &str, slug: &str, price: &str, offer: &str, stock: i32| {
        format!(
            "INSERT INTO products (category_id, name, slug, price, offer_price, stock)
             VALUES ({cat}, '{name}', '{slug}', {price}, {offer}, {stock})"
        )
    };
    assert_eq!(violated(&pool, &insert("KETTLE", "kettle-2", "5", "NULL", 1)).await, "products_name_key");
    assert_eq!(violated(&pool, &insert("Other", "kettle", "5", "NULL", 1)).await, "products_slug_key");
    assert_eq!(violated(&pool, &insert("A", "a", "5", "5", 1)).await, "products_offer_price_check");
    assert_eq!(violated(&pool, &insert("B", "b", "5", "6", 1)).await, "products_offer_price_check");
    assert_eq!(violated(&pool, &insert("C", "c", "0", "NULL", 1)).await, "products_price_check");
    assert_eq!(violated(&pool, &insert("D", "d", "5", "NULL", -1)).await, "products_stock_check");
    assert_eq!(violated(&pool, &insert("E", "Not A Slug", "5", "NULL", 1)).await, "products_slug_check");
}

#[sqlx::test]
async fn a_product_has_at_most_one_primary_image(pool: PgPool) {
    let cat = category(&pool, "Rules").await;
    let id = NewProduct::new(cat, "Lamp", "20.00").insert(&pool).await;
    image(&pool, id, "one.svg", 0, true).await;
    let sql = format!(
        "INSERT INTO product_images (product_id, storage_key, alt_text, is_primary) VALUES ({id}, 'two.svg', '', true)"
    );
    assert_eq!(violated(&pool, &sql).await, "product_images_one_primary_key");
}

#[sqlx::test]
async fn categories_in_use_cannot_be_deleted_and_names_are_unique(pool: PgPool) {
    let cat = category(&pool, "Busy").await;
    NewProduct::new(cat, "Thing", "1.00").insert(&pool).await;
    assert_eq!(violated(&pool, &format!("DELETE FROM categories WHERE id = {cat}")).await, "products_category_id_fkey");
    assert_eq!(
        violated(&pool, "INSERT INTO categories (name, slug) VALUES ('BUSY', 'busy-2')").await,
        "categories_name_key"
    );
}

#[sqlx::test]
async fn deep_pages_are_read_through_an_index(pool: PgPool) {
    catalog(&pool, 200).await;
    sqlx::query("ANALYZE products").execute(&pool).await.unwrap();
    // With sequential scans priced out, a plan without an index scan would
    // mean the keyset condition is not an index condition.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.unwrap();
    sqlx::query("SET enable_sort = off").execute(&mut *conn).await.unwrap();
    let cursor: i64 =
        sqlx::query_scalar("SELECT id FROM products ORDER BY created_at DESC, id DESC OFFSET 100 LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    for sort in Sort::ALL {
        let sql = db::listing_sql(sort, false, &Default::default(), Some(db::Direction::Forward));
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
            .bind(cursor)
            .bind(25_i64)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("Index Cond: (ROW("), "{sort:?}: {plan}");
        // Only the page's few rows may be sorted again, never the catalog.
        assert!(!plan.contains("Sort Key: p_1."), "{sort:?}: {plan}");
    }
}
