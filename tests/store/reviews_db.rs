//! Reviews in the database: who may review (a verified purchase), one review
//! per shopper and product, and the product's average kept right through
//! writes, edits, moderation and deletion.

use crate::common;

use common::{NewProduct, category};
use sqlx::PgPool;
use trove::account::UserId;
use trove::account::db as account_db;
use trove::personal::ShopPage;
use trove::reviews::Eligibility;
use trove::reviews::db;
use uuid::Uuid;

async fn person(pool: &PgPool, name: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, first_name, last_name, password_hash) VALUES ($1, 'Robin', 'Reviewer', 'x') RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap();
    UserId(id)
}

/// An order of `product` by `user` in `status`.
async fn bought(pool: &PgPool, user: UserId, product: i64, status: &str) {
    let order: Uuid = sqlx::query_scalar(
        "INSERT INTO orders (user_id, status, payment_method, currency, subtotal, total, ship_full_name, ship_line1,
                             ship_city, ship_postal_code, ship_country, idempotency_key)
         VALUES ($1, $2::order_status, 'CASH_ON_DELIVERY', 'USD', 5, 5, 'R', '1 Road', 'Town', '1000', 'NL', gen_random_uuid())
         RETURNING id",
    )
    .bind(user.0)
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_items (order_id, product_id, variant_id, name, unit_price, quantity)
         SELECT $1, $2, v.id, 'x', 5, 1 FROM product_variants v WHERE v.product_id = $2",
    )
    .bind(order)
    .bind(product)
    .execute(pool)
    .await
    .unwrap();
}

async fn rating(pool: &PgPool, product: i64) -> (i32, i32) {
    sqlx::query_as("SELECT rating_count, rating_sum FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn only_shoppers_whose_order_was_delivered_may_review(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Tea", "5.00").insert(&pool).await;
    let other = NewProduct::new(cat, "Coffee", "5.00").insert(&pool).await;
    let (never, cancelled, pending, processing, delivered) = (
        person(&pool, "never").await,
        person(&pool, "cancelled").await,
        person(&pool, "pending").await,
        person(&pool, "processing").await,
        person(&pool, "delivered").await,
    );
    bought(&pool, cancelled, tea, "CANCELLED").await;
    bought(&pool, pending, tea, "PENDING_PAYMENT").await;
    bought(&pool, processing, tea, "PROCESSING").await;
    bought(&pool, delivered, tea, "DELIVERED").await;
    bought(&pool, never, other, "DELIVERED").await;

    assert_eq!(db::eligibility(&pool, None, tea).await.unwrap(), Eligibility::SignInFirst);
    for (user, expected) in [
        (never, Eligibility::NotBought),
        (cancelled, Eligibility::NotBought),
        (pending, Eligibility::NotBought),
        (processing, Eligibility::NotBought),
        (delivered, Eligibility::May),
    ] {
        assert_eq!(db::eligibility(&pool, Some(user), tea).await.unwrap(), expected);
    }

    // A signed-in shopper's product page holds a form of their own when they
    // may review or have reviewed the product: read with their session's
    // statement, or on its own (a session just renewed).
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(tea).fetch_one(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    assert!(db::save(&mut conn, never, tea, 4, "A gift", "").await.unwrap());
    let (page, catalog, missing) =
        (ShopPage::Product(slug.clone()), ShopPage::Catalog, ShopPage::Product("no-such-tea".into()));
    for (user, form) in [(never, true), (cancelled, false), (pending, false), (processing, false), (delivered, true)] {
        assert_eq!(db::has_review_form(&pool, user, &slug).await.unwrap(), form, "{user:?}");
        let (token, _) = account_db::issue_refresh_token(&mut conn, user, None, "test").await.unwrap();
        for (shop, expected) in [(&page, form), (&catalog, false), (&missing, false)] {
            let found = account_db::session_viewer(&pool, token, Some(shop)).await.unwrap().unwrap();
            assert_eq!(found.parts.expect("a shared page's parts").review_form, expected, "{user:?} {shop:?}");
        }
    }
    assert!(!db::has_review_form(&pool, delivered, "no-such-tea").await.unwrap());
}

#[sqlx::test]
async fn the_average_follows_reviews_edits_moderation_and_deletion(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Tea", "5.00").insert(&pool).await;
    let (ann, ben, cat_user) = (person(&pool, "ann").await, person(&pool, "ben").await, person(&pool, "cat").await);
    let moderator = person(&pool, "mod").await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(db::save(&mut conn, ann, tea, 5, "Lovely", "").await.unwrap());
    assert!(db::save(&mut conn, ben, tea, 2, "Weak", "Too mild.").await.unwrap());
    assert!(db::save(&mut conn, cat_user, tea, 4, "Good", "").await.unwrap());
    assert_eq!(rating(&pool, tea).await, (3, 11));

    // A second review by the same shopper replaces the first.
    assert!(!db::save(&mut conn, ben, tea, 3, "Better brewed longer", "").await.unwrap());
    assert_eq!(rating(&pool, tea).await, (3, 12));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM reviews").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 3);

    // Hidden reviews leave the average and the page, and come back when shown.
    let ann_review: i64 =
        sqlx::query_scalar("SELECT id FROM reviews WHERE user_id = $1").bind(ann.0).fetch_one(&pool).await.unwrap();
    db::moderate(&mut conn, ann_review, moderator, Some("Off topic")).await.unwrap().unwrap();
    assert_eq!(rating(&pool, tea).await, (2, 7));
    let shown: Vec<String> = db::visible(&pool, tea).await.unwrap().into_iter().map(|r| r.title).collect();
    assert!(!shown.contains(&"Lovely".to_owned()), "{shown:?}");
    // Editing a hidden review does not bring it back.
    db::save(&mut conn, ann, tea, 5, "Lovely, honestly", "").await.unwrap();
    assert_eq!(rating(&pool, tea).await, (2, 7));
    assert_eq!(db::own(&pool, ann, tea).await.unwrap().unwrap().hidden_reason.as_deref(), Some("Off topic"));
    db::moderate(&mut conn, ann_review, moderator, None).await.unwrap().unwrap();
    assert_eq!(rating(&pool, tea).await, (3, 12));

    assert!(db::delete(&mut conn, cat_user, tea).await.unwrap());
    assert_eq!(rating(&pool, tea).await, (2, 8));
    let average = trove::product::Rating { count: 2, sum: 8 }.average().unwrap();
    assert_eq!(average.to_string(), "4.0");
}

#[sqlx::test]
async fn a_review_hidden_by_a_moderator_cannot_come_back_by_deleting_and_writing_it_again(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Tea", "5.00").insert(&pool).await;
    let amy = common::user(&pool, "amy", trove::account::Role::Member).await;
    let moderator = person(&pool, "mod").await;
    bought(&pool, amy, tea, "DELIVERED").await;
    let app = common::app(pool.clone());
    let mut jar = common::signed_in(&app, "amy").await;
    let review = format!("product={tea}&rating=5&title=Best+tea+ever&body=Buy+it+at+rival.example");
    let saved = common::call(&app, &mut jar, "reviews/save", &review).await;
    assert_eq!(saved.status, axum::http::StatusCode::OK, "{}", saved.body);

    let id: i64 = sqlx::query_scalar("SELECT id FROM reviews").fetch_one(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    db::moderate(&mut conn, id, moderator, Some("Advertises another shop")).await.unwrap().unwrap();
    let deleted = common::call(&app, &mut jar, "reviews/delete", &format!("product={tea}")).await;
    assert_eq!(deleted.status, axum::http::StatusCode::OK, "{}", deleted.body);

    let again = common::call(&app, &mut jar, "reviews/save", &review).await;
    assert_eq!(again.status, axum::http::StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.body.contains("A moderator hid your earlier review of Tea"), "{}", again.body);
    assert!(db::visible(&pool, tea).await.unwrap().is_empty(), "nothing is shown");
    assert_eq!(rating(&pool, tea).await, (0, 0));

    // A review that was never hidden can be deleted and written anew.
    let coffee = NewProduct::new(cat, "Coffee", "5.00").insert(&pool).await;
    bought(&pool, amy, coffee, "DELIVERED").await;
    let review = format!("product={coffee}&rating=4&title=Good&body=");
    assert_eq!(common::call(&app, &mut jar, "reviews/save", &review).await.status, axum::http::StatusCode::OK);
    common::call(&app, &mut jar, "reviews/delete", &format!("product={coffee}")).await;
    assert_eq!(common::call(&app, &mut jar, "reviews/save", &review).await.status, axum::http::StatusCode::OK);
}

#[sqlx::test]
async fn a_cash_order_placed_and_cancelled_does_not_make_a_verified_purchase(pool: PgPool) {
    let cat = category(&pool, "Pantry").await;
    let tea = NewProduct::new(cat, "Tea", "5.00").insert(&pool).await;
    let amy = common::user(&pool, "amy", trove::account::Role::Member).await;
    bought(&pool, amy, tea, "PROCESSING").await;
    let app = common::app(pool.clone());
    let mut jar = common::signed_in(&app, "amy").await;
    let review = format!("product={tea}&rating=5&title=Great&body=");
    let refused = common::call(&app, &mut jar, "reviews/save", &review).await;
    assert_eq!(refused.status, axum::http::StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("once their order has been delivered"), "{}", refused.body);
}
