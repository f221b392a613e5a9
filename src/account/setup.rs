//! Accounts made outside the browser: `trove create-admin` and the demo users.

use secrecy::SecretString;
use sqlx::PgPool;

use super::{Role, UserId, db, password, rules};
use crate::error::AppError;

/// A user to create, or to find by username and promote.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: Role,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(UserId),
    /// The username existed; its role is now the one asked for.
    Promoted(UserId),
}

/// Creates the user with `role`, or sets the role of the existing user with
/// that username (leaving its password alone). The password is needed only
/// to create.
pub async fn ensure_user(
    pool: &PgPool,
    user: &NewUser<'_>,
    password: Option<SecretString>,
) -> Result<Outcome, AppError> {
    if let Some(id) = db::user_by_username(pool, user.username).await? {
        db::set_role(pool, id, user.role).await?;
        return Ok(Outcome::Promoted(id));
    }
    let Some(password) = password else {
        return Err(AppError::field("password", "A new account needs a password."));
    };
    let form = {
        use secrecy::ExposeSecret;
        rules::check_sign_up(user.username, user.email, user.first_name, user.last_name, password.expose_secret())?
    };
    let hash = password::hash(password).await?;
    let mut tx = pool.begin().await?;
    let id = db::create_user(&mut tx, &form, &hash).await?;
    db::set_role(&mut *tx, id, user.role).await?;
    tx.commit().await?;
    Ok(Outcome::Created(id))
}

/// The demo accounts the README lists, for local use only.
pub const DEMO_ADMIN: (&str, &str, &str) = ("admin", "admin@trove.test", "trove-admin-demo");
pub const DEMO_SHOPPER: (&str, &str, &str) = ("shopper", "shopper@trove.test", "trove-shopper-demo");

/// Creates the demo admin and shopper if they are missing.
pub async fn demo_users(pool: &PgPool) -> Result<(), AppError> {
    for ((username, email, password), first, last, role) in
        [(DEMO_ADMIN, "Ada", "Admin", Role::Admin), (DEMO_SHOPPER, "Sam", "Shopper", Role::Member)]
    {
        if db::user_by_username(pool, username).await?.is_none() {
            let user = NewUser { username, email, first_name: first, last_name: last, role };
            ensure_user(pool, &user, Some(SecretString::from(password))).await?;
        }
    }
    Ok(())
}
