//! Account rules in the database: uniqueness, one primary of each kind, refresh
//! token rotation and reuse detection, expiry, reset tokens, rate limits.

use crate::common;

use common::{PASSWORD, user};
use sqlx::PgPool;
use trove::account::db::{self, Rotation};
use trove::account::rules::check_sign_up;
use trove::account::setup::{NewUser, Outcome, ensure_user};
use trove::account::{AddressInput, ContactKind, Role, password, tokens};
use trove::error::AppError;
use trove::security::Limit;

async fn create(pool: &PgPool, username: &str, email: &str) -> Result<trove::account::UserId, AppError> {
    let form = check_sign_up(username, email, "Amy", "Baker", PASSWORD)?;
    let hash = password::hash(secrecy::SecretString::from(PASSWORD)).await?;
    // As sign-up does: in one transaction, so a refusal leaves nothing behind.
    let mut tx = pool.begin().await.unwrap();
    let id = db::create_user(&mut tx, &form, &hash).await?;
    tx.commit().await.unwrap();
    Ok(id)
}

#[sqlx::test]
async fn usernames_and_emails_are_unique_whatever_their_case(pool: PgPool) {
    create(&pool, "amy", "amy@example.com").await.unwrap();
    let taken = create(&pool, "AMY", "other@example.com").await.unwrap_err();
    assert_eq!(taken.message_for("username").as_deref(), Some("That username is taken."));
    let email = create(&pool, "amy2", "Amy@Example.com").await.unwrap_err();
    assert_eq!(email.message_for("email").as_deref(), Some("That email address belongs to another account."));
    // Nothing half-made was left behind by the refused sign-ups.
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 1);
}

#[sqlx::test]
async fn sign_in_finds_an_account_by_username_or_any_of_its_emails(pool: PgPool) {
    let id = user(&pool, "amy", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    db::add_contact(&mut conn, id, ContactKind::Email, "amy.work@example.com").await.unwrap();
    for login in ["amy", "AMY", "amy@example.com", "AMY.WORK@example.com"] {
        let found = db::credentials(&pool, login).await.unwrap().unwrap_or_else(|| panic!("{login} not found"));
        assert_eq!(found.id, id);
    }
    assert!(db::credentials(&pool, "nobody").await.unwrap().is_none());
}

#[sqlx::test]
async fn an_email_used_by_another_account_is_refused(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let bob = user(&pool, "bob", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    let error = db::add_contact(&mut conn, bob, ContactKind::Email, "AMY@example.com").await.unwrap_err();
    assert!(error.message_for("email").is_some(), "{error:?}");
}

async fn emails(pool: &PgPool, user: trove::account::UserId) -> Vec<(String, bool)> {
    let account = db::account(pool, user).await.unwrap().unwrap();
    account.emails.into_iter().map(|e| (e.value, e.is_primary)).collect()
}

#[sqlx::test]
async fn the_primary_email_moves_and_the_last_one_cannot_be_removed(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    let work = db::add_contact(&mut conn, amy, ContactKind::Email, "work@example.com").await.unwrap();
    assert_eq!(emails(&pool, amy).await, vec![("amy@example.com".into(), true), ("work@example.com".into(), false)]);
    let unconfirmed = db::make_contact_primary(&mut conn, amy, ContactKind::Email, work).await.unwrap_err();
    assert!(unconfirmed.to_string().contains("Confirm work@example.com first"), "{unconfirmed}");

    // Its owner opens the confirmation link.
    let token = trove::account::tokens::generate().unwrap();
    db::create_email_verification(&mut conn, work, &token.hash).await.unwrap();
    let confirmed = db::consume_email_verification(&mut conn, &token.hash).await.unwrap();
    assert_eq!(confirmed.as_deref(), Some("work@example.com"));
    assert_eq!(db::consume_email_verification(&mut conn, &token.hash).await.unwrap(), None, "the link works once");
    db::make_contact_primary(&mut conn, amy, ContactKind::Email, work).await.unwrap();
    assert_eq!(emails(&pool, amy).await, vec![("work@example.com".into(), true), ("amy@example.com".into(), false)]);

    // Removing the primary promotes the other one.
    db::remove_contact(&mut conn, amy, ContactKind::Email, work).await.unwrap();
    assert_eq!(emails(&pool, amy).await, vec![("amy@example.com".into(), true)]);

    let last = db::account(&pool, amy).await.unwrap().unwrap().emails[0].id;
    let refused = db::remove_contact(&mut conn, amy, ContactKind::Email, last).await.unwrap_err();
    assert!(refused.to_string().contains("at least one email"), "{refused}");
    assert_eq!(emails(&pool, amy).await.len(), 1);
}

#[sqlx::test]
async fn nobody_can_touch_another_accounts_contacts(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let bob = user(&pool, "bob", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    let phone = db::add_contact(&mut conn, amy, ContactKind::Phone, "+15550102030").await.unwrap();
    assert_eq!(db::remove_contact(&mut conn, bob, ContactKind::Phone, phone).await.unwrap_err(), AppError::NotFound);
    assert_eq!(
        db::make_contact_primary(&mut conn, bob, ContactKind::Phone, phone).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(db::account(&pool, amy).await.unwrap().unwrap().phones.len(), 1);
}

#[sqlx::test]
async fn phones_keep_one_primary_and_refuse_duplicates(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    let first = db::add_contact(&mut conn, amy, ContactKind::Phone, "+15550102030").await.unwrap();
    let second = db::add_contact(&mut conn, amy, ContactKind::Phone, "+15550109999").await.unwrap();
    let again = db::add_contact(&mut conn, amy, ContactKind::Phone, "+15550102030").await.unwrap_err();
    assert!(again.message_for("phone").is_some());
    db::make_contact_primary(&mut conn, amy, ContactKind::Phone, second).await.unwrap();
    let phones = db::account(&pool, amy).await.unwrap().unwrap().phones;
    assert_eq!(phones.iter().filter(|p| p.is_primary).map(|p| p.id).collect::<Vec<_>>(), vec![second]);
    db::remove_contact(&mut conn, amy, ContactKind::Phone, second).await.unwrap();
    db::remove_contact(&mut conn, amy, ContactKind::Phone, first).await.unwrap();
    assert!(db::account(&pool, amy).await.unwrap().unwrap().phones.is_empty(), "phones can all go");
}

fn address(name: &str) -> AddressInput {
    AddressInput {
        full_name: name.into(),
        line1: "1 High St".into(),
        line2: String::new(),
        city: "Leeds".into(),
        province: String::new(),
        postal_code: "LS1 4AP".into(),
        country: "GB".into(),
        phone: String::new(),
    }
}

#[sqlx::test]
async fn the_address_book_keeps_exactly_one_primary(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let mut conn = pool.acquire().await.unwrap();
    let home = db::add_address(&mut conn, amy, &address("Home")).await.unwrap();
    let work = db::add_address(&mut conn, amy, &address("Work")).await.unwrap();
    let primary = |list: Vec<trove::account::Address>| {
        list.into_iter().filter(|a| a.is_primary).map(|a| a.id).collect::<Vec<_>>()
    };
    assert_eq!(primary(db::addresses(&pool, amy).await.unwrap()), vec![home], "the first address is the primary");

    assert!(db::make_address_primary(&mut conn, amy, work).await.unwrap());
    assert_eq!(primary(db::addresses(&pool, amy).await.unwrap()), vec![work]);

    assert!(db::delete_address(&mut conn, amy, work).await.unwrap());
    assert_eq!(primary(db::addresses(&pool, amy).await.unwrap()), vec![home], "deleting the primary promotes another");

    let bob = user(&pool, "bob", Role::Member).await;
    assert!(!db::make_address_primary(&mut conn, bob, home).await.unwrap(), "not bob's");
    assert!(!db::update_address(&pool, bob, home, &address("Stolen")).await.unwrap());
    assert!(!db::delete_address(&mut conn, bob, home).await.unwrap());
    assert_eq!(db::addresses(&pool, amy).await.unwrap()[0].fields.full_name, "Home");
}

async fn issue(pool: &PgPool, user: trove::account::UserId) -> (uuid::Uuid, String) {
    let mut conn = pool.acquire().await.unwrap();
    let (id, token) = db::issue_refresh_token(&mut conn, user, None, "test agent").await.unwrap();
    (id, token.expose().to_owned())
}

#[sqlx::test]
async fn rotation_replaces_a_token_within_its_family(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (first_id, first) = issue(&pool, amy).await;
    let Rotation::Renewed { viewer, token_id, token } = db::rotate_refresh_token(&pool, &first, "ua").await.unwrap()
    else {
        panic!("a fresh token renews");
    };
    assert_eq!(viewer.username, "amy");
    assert_ne!(token.expose(), first);
    let row: (uuid::Uuid, Option<uuid::Uuid>, bool) =
        sqlx::query_as("SELECT family, replaced_by, revoked_at IS NOT NULL FROM refresh_tokens WHERE id = $1")
            .bind(first_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let new_family: uuid::Uuid = sqlx::query_scalar("SELECT family FROM refresh_tokens WHERE id = $1")
        .bind(token_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.0, new_family, "same family");
    assert_eq!(row.1, Some(token_id), "the old token points at its replacement");
    assert!(row.2, "the old token is revoked");
    // Only hashes are stored.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM refresh_tokens WHERE token_hash = $1")
        .bind(token.expose().as_bytes())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test]
async fn presenting_a_rotated_token_again_revokes_its_whole_family(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (_, stolen) = issue(&pool, amy).await;
    let (_, other_device) = issue(&pool, amy).await;
    let Rotation::Renewed { token: current, token_id: current_id, .. } =
        db::rotate_refresh_token(&pool, &stolen, "ua").await.unwrap()
    else {
        panic!("renews");
    };
    // The browser that got the new token goes on using it.
    db::touch_refresh_token(&pool, current_id).await.unwrap();
    // Well after the rotation, the old token turns up again: theft.
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() - interval '1 hour' WHERE revoked_at IS NOT NULL")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(db::rotate_refresh_token(&pool, &stolen, "thief").await.unwrap(), Rotation::Reused { .. }));
    assert!(
        matches!(db::rotate_refresh_token(&pool, current.expose(), "ua").await.unwrap(), Rotation::Invalid),
        "the legitimate successor is revoked with its family"
    );
    assert!(
        matches!(db::rotate_refresh_token(&pool, &other_device, "ua").await.unwrap(), Rotation::Renewed { .. }),
        "another sign-in (another family) is unaffected"
    );
}

#[sqlx::test]
async fn a_token_rotated_a_moment_ago_gives_the_racing_tab_its_own_successor(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (_, token) = issue(&pool, amy).await;
    let Rotation::Renewed { token: next, .. } = db::rotate_refresh_token(&pool, &token, "ua").await.unwrap() else {
        panic!("renews");
    };
    // A second tab raced the first with the same cookie: not punished, and both successors work.
    let Rotation::Renewed { token: sibling, .. } = db::rotate_refresh_token(&pool, &token, "ua").await.unwrap() else {
        panic!("the racing tab renews too");
    };
    assert!(matches!(db::rotate_refresh_token(&pool, next.expose(), "ua").await.unwrap(), Rotation::Renewed { .. }));
    assert!(matches!(db::rotate_refresh_token(&pool, sibling.expose(), "ua").await.unwrap(), Rotation::Renewed { .. }));
}

#[sqlx::test]
async fn expired_revoked_and_disabled_sign_ins_do_not_renew(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (expired_id, expired) = issue(&pool, amy).await;
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(expired_id)
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(db::rotate_refresh_token(&pool, &expired, "ua").await.unwrap(), Rotation::Invalid));

    let (signed_out_id, signed_out) = issue(&pool, amy).await;
    db::revoke_refresh_token(&pool, signed_out_id).await.unwrap();
    assert!(matches!(db::rotate_refresh_token(&pool, &signed_out, "ua").await.unwrap(), Rotation::Invalid));
    assert!(db::session_viewer(&pool, signed_out_id, None).await.unwrap().is_none());

    let (live_id, live) = issue(&pool, amy).await;
    assert!(db::session_viewer(&pool, live_id, None).await.unwrap().is_some());
    sqlx::query("UPDATE users SET disabled_at = now()").execute(&pool).await.unwrap();
    assert!(
        db::session_viewer(&pool, live_id, None).await.unwrap().is_none(),
        "a disabled account's session ends at once"
    );
    assert!(matches!(db::rotate_refresh_token(&pool, &live, "ua").await.unwrap(), Rotation::Invalid));
    assert!(matches!(db::rotate_refresh_token(&pool, "not-a-token", "ua").await.unwrap(), Rotation::Invalid));
}

#[sqlx::test]
async fn signing_out_everywhere_keeps_only_the_current_sign_in(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (current, _) = issue(&pool, amy).await;
    let (other, _) = issue(&pool, amy).await;
    let (third, _) = issue(&pool, amy).await;
    assert_eq!(db::revoke_all_tokens(&pool, amy, Some(current)).await.unwrap(), 2);
    let devices = db::devices(&pool, amy, current).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert!(devices[0].current);
    assert!(db::session_viewer(&pool, other, None).await.unwrap().is_none());
    assert!(db::session_viewer(&pool, third, None).await.unwrap().is_none());
}

#[sqlx::test]
async fn a_reset_token_works_once_and_only_for_an_hour(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let token = tokens::generate().unwrap();
    let mut conn = pool.acquire().await.unwrap();
    db::create_password_reset(&mut conn, amy, &token.hash).await.unwrap();
    assert!(db::password_reset_is_usable(&pool, &token.hash).await.unwrap());
    assert_eq!(db::consume_password_reset(&mut conn, &token.hash).await.unwrap(), Some(amy));
    assert_eq!(db::consume_password_reset(&mut conn, &token.hash).await.unwrap(), None, "single use");
    assert!(!db::password_reset_is_usable(&pool, &token.hash).await.unwrap());

    let late = tokens::generate().unwrap();
    db::create_password_reset(&mut conn, amy, &late.hash).await.unwrap();
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE token_hash = $1")
        .bind(&late.hash)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(db::consume_password_reset(&mut conn, &late.hash).await.unwrap(), None, "expired");
}

#[sqlx::test]
async fn rate_limits_count_per_subject_and_refuse_past_the_limit(pool: PgPool) {
    let limit = Limit { name: "test", max: 3, window_secs: 3600 };
    for _ in 0..3 {
        limit.take(&pool, "Amy").await.unwrap();
    }
    let refused = limit.take(&pool, "amy").await.unwrap_err();
    assert_eq!(refused.status(), 429);
    assert!(refused.to_string().contains("60 minutes"), "{refused}");
    assert!(limit.take(&pool, "AMY").await.is_err(), "subjects are case-insensitive");
    limit.take(&pool, "bob").await.unwrap();
    assert_eq!(limit.count(&pool, "bob").await.unwrap(), 1);
}

#[sqlx::test]
async fn housekeeping_deletes_what_has_expired(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let (old, _) = issue(&pool, amy).await;
    let (live, _) = issue(&pool, amy).await;
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1")
        .bind(old)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ('gone', '{}', now() - interval '1 minute'), ('kept', '{}', now() + interval '1 hour')")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(db::delete_expired(&pool).await.unwrap(), 2);
    let sessions: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions").fetch_all(&pool).await.unwrap();
    assert_eq!(sessions, vec!["kept".to_owned()]);
    assert!(db::session_viewer(&pool, live, None).await.unwrap().is_some());
}

#[sqlx::test]
async fn create_admin_creates_or_promotes(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    let promote = NewUser { username: "AMY", email: "", first_name: "", last_name: "", role: Role::Admin };
    assert_eq!(ensure_user(&pool, &promote, None).await.unwrap(), Outcome::Promoted(amy));
    assert_eq!(db::viewer(&pool, amy).await.unwrap().unwrap().role, Role::Admin);

    let new =
        NewUser { username: "root", email: "root@example.com", first_name: "Ro", last_name: "Ot", role: Role::Admin };
    assert!(ensure_user(&pool, &new, None).await.is_err(), "a new account needs a password");
    assert!(
        ensure_user(&pool, &new, Some(secrecy::SecretString::from("short")))
            .await
            .unwrap_err()
            .message_for("password")
            .is_some()
    );
    let Outcome::Created(root) = ensure_user(&pool, &new, Some(secrecy::SecretString::from(PASSWORD))).await.unwrap()
    else {
        panic!("created");
    };
    assert_eq!(db::viewer(&pool, root).await.unwrap().unwrap().role, Role::Admin);
}
