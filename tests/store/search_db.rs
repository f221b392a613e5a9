//! Search in the database: exact names first, typo tolerance, suggestions by
//! prefix, drafts left out, and a renamed category found by its new name.

use crate::common;

use common::{NewProduct, category};
use sqlx::PgPool;
use trove::search::{SearchRequest, db};

async fn results(pool: &PgPool, query: &str) -> trove::search::SearchResults {
    let request = SearchRequest { query: query.to_owned(), page: 1, ..SearchRequest::default() };
    let categories = trove::catalog::db::categories(pool).await.unwrap();
    db::search(pool, &request, None, &categories, &[]).await.unwrap()
}

async fn names(pool: &PgPool, query: &str) -> (Vec<String>, bool) {
    let results = results(pool, query).await;
    (results.products.into_iter().map(|p| p.name).collect(), results.fuzzy)
}

async fn shop(pool: &PgPool) {
    let fruit = category(pool, "Fruit").await;
    let audio = category(pool, "Headphones & Audio").await;
    NewProduct::new(fruit, "Organic Bananas, 1 kg", "2.49").insert(pool).await;
    NewProduct::new(fruit, "Banana Bread Mix", "3.99").insert(pool).await;
    NewProduct::new(fruit, "Bananas", "1.99").insert(pool).await;
    NewProduct::new(fruit, "Dried Apple Rings", "2.99").insert(pool).await;
    NewProduct::new(audio, "Wireless Noise-Cancelling Headphones", "249.00").insert(pool).await;
    NewProduct::new(audio, "Studio Monitor Headphones", "129.00").insert(pool).await;
    NewProduct::new(audio, "Bluetooth Speaker", "59.00").insert(pool).await;
    NewProduct { active: false, ..NewProduct::new(audio, "Draft Headphones", "9.00") }.insert(pool).await;
}

#[sqlx::test]
async fn an_exact_name_comes_first_and_drafts_never_show(pool: PgPool) {
    shop(&pool).await;
    let (found, fuzzy) = names(&pool, "bananas").await;
    assert!(!fuzzy);
    assert_eq!(found.first().map(String::as_str), Some("Bananas"), "{found:?}");
    assert!(
        found.contains(&"Organic Bananas, 1 kg".to_owned()) && found.contains(&"Banana Bread Mix".to_owned()),
        "{found:?}"
    );
    // Names weigh more than the category: the speaker (in "Headphones & Audio") comes last.
    let (found, _) = names(&pool, "headphones").await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found.last().map(String::as_str), Some("Bluetooth Speaker"), "{found:?}");
    assert!(!found.iter().any(|n| n.starts_with("Draft")));
    let (found, _) = names(&pool, "audio").await;
    assert_eq!(found.len(), 3, "{found:?}");
}

#[sqlx::test]
async fn misspelt_words_are_corrected_to_words_of_product_names(pool: PgPool) {
    shop(&pool).await;
    let found = results(&pool, "wirless hedphones").await;
    assert_eq!(found.corrected.as_deref(), Some("wireless headphones"));
    let corrected: Vec<_> = found.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(corrected, ["Wireless Noise-Cancelling Headphones"]);
    assert_eq!(found.total, 1);
    assert!(!found.fuzzy && found.facets.is_some(), "a corrected search is a whole search, with filters");

    // "bananna" is closest to "banana" (from "Banana Bread Mix"), which finds every banana.
    let found = results(&pool, "bananna").await;
    assert_eq!(found.corrected.as_deref(), Some("banana"));
    assert_eq!(found.total, 3);
    // Words spelt right stay: no correction when the words exist but not together.
    let found = results(&pool, "banana headphones").await;
    assert_eq!(found.corrected, None);
    // A word added by a new product (or a rename) is known at once.
    let fruit = category(&pool, "Exotic Fruit").await;
    NewProduct::new(fruit, "Rambutan Punnet", "4.00").insert(&pool).await;
    sqlx::query("UPDATE products SET name = 'Mangosteen Box' WHERE name = 'Dried Apple Rings'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(results(&pool, "rambutn").await.corrected.as_deref(), Some("rambutan"));
    assert_eq!(results(&pool, "mangostene").await.corrected.as_deref(), Some("mangosteen"));
    assert_eq!(results(&pool, "exotik").await.corrected.as_deref(), Some("exotic"));
}

#[sqlx::test]
async fn typos_find_the_closest_names(pool: PgPool) {
    shop(&pool).await;
    // "spkr" is too far from any word to correct, but the whole name is close.
    let found = results(&pool, "bluetooth spkr").await;
    assert_eq!(found.corrected, None);
    assert!(found.fuzzy);
    let similar: Vec<_> = found.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(similar, ["Bluetooth Speaker"]);
    let (found, _) = names(&pool, "zzzzqqq").await;
    assert!(found.is_empty());
}

#[sqlx::test]
async fn suggestions_complete_the_last_word_and_tolerate_typos(pool: PgPool) {
    shop(&pool).await;
    let suggested = |q: &'static str| {
        let pool = pool.clone();
        async move { db::suggest(&pool, q).await.unwrap().into_iter().map(|s| s.name).collect::<Vec<_>>() }
    };
    let found = suggested("bana").await;
    // Names starting with it first, shortest first; then names with a word starting with it.
    assert_eq!(found, vec!["Bananas", "Banana Bread Mix", "Organic Bananas, 1 kg"]);
    assert_eq!(suggested("studio head").await, vec!["Studio Monitor Headphones"]);
    assert!(suggested("hedphones").await.iter().all(|n| n.contains("Headphones")));
}

#[sqlx::test]
async fn a_renamed_category_is_searched_by_its_new_name(pool: PgPool) {
    shop(&pool).await;
    assert!(names(&pool, "orchard").await.0.is_empty());
    sqlx::query("UPDATE categories SET name = 'Orchard Fruit' WHERE name = 'Fruit'").execute(&pool).await.unwrap();
    let (found, fuzzy) = names(&pool, "orchard").await;
    assert!(!fuzzy);
    assert_eq!(found.len(), 4, "{found:?}");
}
