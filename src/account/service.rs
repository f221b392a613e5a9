//! Account operations that server functions share (server only): checking
//! the current password under the sign-in limits, sending an address its
//! confirmation link, replacing a browser's previous sign-in.

use secrecy::SecretString;

use super::{UserId, db, password, tokens};
use crate::account::session::Auth;
use crate::error::AppError;
use crate::security::PasswordAttempt;
use crate::state::AppState;

/// Signing in (or up) in a browser already signed in replaces that sign-in:
/// its refresh token is revoked rather than left live for a month.
pub async fn end_previous_sign_in(state: &AppState, auth: &Auth) -> Result<(), AppError> {
    if let Some(previous) = auth.signed_in() {
        db::revoke_refresh_token(&state.pool, previous.token_id).await?;
    }
    Ok(())
}

/// Checks the signed-in person's current password, under the sign-in limits.
pub async fn check_current_password(state: &AppState, user: UserId, password: String) -> Result<(), AppError> {
    let auth = Auth::current()?;
    let attempt = PasswordAttempt::take(&state.pool, &user.0.to_string(), auth.client()).await?;
    let mut conn = state.pool.acquire().await?;
    let stored = db::password_hash(&mut conn, user).await?;
    drop(conn);
    if !password::verify(SecretString::from(password), Some(stored)).await? {
        return Err(AppError::field("current_password", "That isn't your current password."));
    }
    attempt.succeeded(&state.pool).await?;
    Ok(())
}

/// Emails a link that confirms `email` (one of the user's addresses) is theirs.
pub async fn send_email_confirmation(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    first_name: &str,
    email_id: i64,
    email: &str,
) -> Result<(), AppError> {
    let token = tokens::generate()?;
    db::create_email_verification(tx, email_id, &token.hash).await?;
    let body = format!(
        "Hello {first_name},\n\nPlease confirm that {email} is your address for your {store} account by \
         opening this link within {hours} hours:\n\n{url}/verify-email?token={token}\n\n\
         If you didn't ask for this, ignore this email: the address will not be used.\n",
        store = state.config.store_name,
        hours = db::VERIFY_EMAIL_HOURS,
        url = state.config.public_url,
        token = token.expose(),
    );
    crate::mail::enqueue(tx, email, "Confirm your email address", &body).await?;
    Ok(())
}
