//! The accounts feature's server functions. Each checks who is asking before
//! anything else; forms post to them directly, so they work before hydration.

use leptos::prelude::*;
use uuid::Uuid;

use super::{Account, Address, AddressInput, ContactKind, SignedInDevice, Viewer};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::db,
    super::guard::{require_session, require_user},
    super::service,
    super::{password, rules, tokens},
    crate::account::session::Auth,
    crate::security::{PasswordAttempt, RESET_PER_ACCOUNT, RESET_PER_CLIENT, SIGN_UP_PER_CLIENT},
    crate::state::AppState,
    secrecy::SecretString,
};

/// The signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "account/viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(Auth::current()?.viewer())
}

/// Creates a member account and signs it in, then goes to `next` (a local path)
/// or the account page.
#[server(prefix = "/api", endpoint = "account/sign_up")]
pub async fn sign_up(
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let form = rules::check_sign_up(&username, &email, &first_name, &last_name, &password)?;
    SIGN_UP_PER_CLIENT.take(&state.pool, auth.client()).await?;
    let hash = password::hash(SecretString::from(password)).await?;
    let mut tx = state.pool.begin().await?;
    let user = db::create_user(&mut tx, &form, &hash).await?;
    let email_id = db::primary_email_id(&mut *tx, user).await?.ok_or(AppError::Internal)?;
    service::send_email_confirmation(&mut tx, &state, &form.first_name, email_id, &form.email).await?;
    let (token_id, token) = db::issue_refresh_token(&mut tx, user, None, auth.user_agent()).await?;
    let viewer = db::viewer(&mut *tx, user).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    service::end_previous_sign_in(&state, &auth).await?;
    auth.establish(viewer, token_id, &token).await?;
    tracing::info!(user = %user.0, "account created");
    leptos_axum::redirect(&rules::safe_next(next.as_deref()));
    Ok(())
}

/// Signs in by email or username. An unknown account and a wrong password get
/// the same answer after the same work. Failures count against per-account and
/// per-address limits.
#[server(prefix = "/api", endpoint = "account/sign_in")]
pub async fn sign_in(login: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let login = login.trim().to_owned();
    if login.is_empty() || password.is_empty() {
        let mut errors = crate::error::FieldErrors::new();
        if login.is_empty() {
            errors.insert("login".into(), "Enter your username or email.".into());
        }
        if password.is_empty() {
            errors.insert("password".into(), "Enter your password.".into());
        }
        return Err(AppError::Validation(errors));
    }
    let account = db::credentials(&state.pool, &login).await?;
    let subject = account.as_ref().map_or_else(|| login.to_lowercase(), |a| a.id.0.to_string());
    let attempt = PasswordAttempt::take(&state.pool, &subject, auth.client()).await?;
    let matches =
        password::verify(SecretString::from(password), account.as_ref().map(|a| a.password_hash.clone())).await?;
    let account = match account {
        Some(account) if matches => account,
        _ => {
            return Err(AppError::field("password", "That username or email and password don't match an account."));
        }
    };
    attempt.succeeded(&state.pool).await?;
    if account.disabled {
        return Err(AppError::field("login", "This account has been disabled. Please contact the store."));
    }
    let mut conn = state.pool.acquire().await?;
    let (token_id, token) = db::issue_refresh_token(&mut conn, account.id, None, auth.user_agent()).await?;
    let viewer = db::viewer(&mut *conn, account.id).await?.ok_or(AppError::Internal)?;
    drop(conn);
    service::end_previous_sign_in(&state, &auth).await?;
    auth.establish(viewer, token_id, &token).await?;
    leptos_axum::redirect(&rules::safe_next(next.as_deref()));
    Ok(())
}

/// Signs out here: revokes this browser's refresh token and ends the session.
#[server(prefix = "/api", endpoint = "account/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    if let Some(signed_in) = auth.signed_in() {
        db::revoke_refresh_token(&state.pool, signed_in.token_id).await?;
    }
    auth.end().await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs out every other browser and device; this one stays signed in.
#[server(prefix = "/api", endpoint = "account/sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<u64, AppError> {
    let signed_in = require_session()?;
    let state = AppState::current()?;
    Ok(db::revoke_all_tokens(&state.pool, signed_in.viewer.id, Some(signed_in.token_id)).await?)
}

/// Signs out one row of the sessions list; the current one signs out here.
#[server(prefix = "/api", endpoint = "account/sign_out_device")]
pub async fn sign_out_device(id: Uuid) -> Result<(), AppError> {
    let signed_in = require_session()?;
    let state = AppState::current()?;
    if !db::revoke_device(&state.pool, signed_in.viewer.id, id).await? {
        return Err(AppError::NotFound);
    }
    if id == signed_in.token_id {
        Auth::current()?.end().await?;
        leptos_axum::redirect("/sign-in");
    }
    Ok(())
}

/// Where the user is signed in.
#[server(prefix = "/api", endpoint = "account/devices")]
pub async fn get_devices() -> Result<Vec<SignedInDevice>, AppError> {
    let signed_in = require_session()?;
    let state = AppState::current()?;
    Ok(db::devices(&state.pool, signed_in.viewer.id, signed_in.token_id).await?)
}

/// Profile, avatar, emails and phones.
#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn get_account() -> Result<Account, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    db::account(&state.pool, viewer.id).await?.ok_or(AppError::Unauthorized)
}

#[server(prefix = "/api", endpoint = "account/profile")]
pub async fn update_profile(first_name: String, last_name: String) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let (first, last) = (first_name.trim(), last_name.trim());
    let mut errors = crate::error::FieldErrors::new();
    for (field, value) in [("first_name", first), ("last_name", last)] {
        if let Some(problem) = rules::name_problem(value) {
            errors.insert(field.into(), problem.into());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    db::update_profile(&state.pool, viewer.id, first, last).await?;
    Ok(())
}

/// Adds an email address (refused when another account has it) or a phone
/// number to the user's account; the first of each kind becomes the primary.
///
/// An email address can receive password reset links once it is primary, so
/// adding one needs the current password (a borrowed session is not enough),
/// and it is sent a confirmation link: only a confirmed address can become
/// the primary.
#[server(prefix = "/api", endpoint = "account/add_contact")]
pub async fn add_contact(kind: ContactKind, value: String, current_password: Option<String>) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    match kind {
        ContactKind::Email => {
            let email = value.trim();
            if let Some(problem) = rules::email_problem(email) {
                return Err(AppError::field("email", problem));
            }
            let password = current_password.filter(|p| !p.is_empty()).ok_or_else(|| {
                AppError::field("current_password", "Enter your current password to add an email address.")
            })?;
            service::check_current_password(&state, viewer.id, password).await?;
            let mut tx = state.pool.begin().await?;
            let id = db::add_contact(&mut tx, viewer.id, kind, email).await?;
            service::send_email_confirmation(&mut tx, &state, &viewer.first_name, id, email).await?;
            tx.commit().await?;
        }
        ContactKind::Phone => {
            let phone = rules::normalize_phone(&value).map_err(|problem| AppError::field("phone", problem))?;
            let mut conn = state.pool.acquire().await?;
            db::add_contact(&mut conn, viewer.id, kind, &phone).await?;
        }
    }
    Ok(())
}

/// Confirms an email address with the token from its confirmation link
/// (once); answers the address. Needs no sign-in: the link is the proof.
#[server(prefix = "/api", endpoint = "account/verify_email")]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    let expired = || {
        AppError::BadRequest("This confirmation link has expired or was already used. Add the address again.".into())
    };
    if !tokens::looks_valid(&token) {
        return Err(expired());
    }
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    let email = db::consume_email_verification(&mut tx, &tokens::hash(&token)).await?.ok_or_else(expired)?;
    tx.commit().await?;
    Ok(email)
}

/// Removes one of the user's email addresses or phone numbers (never the last email).
#[server(prefix = "/api", endpoint = "account/remove_contact")]
pub async fn remove_contact(kind: ContactKind, id: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    db::remove_contact(&mut tx, viewer.id, kind, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes one of the user's email addresses (a confirmed one) or phone numbers
/// the primary one. The previous primary email is told, in case it wasn't them.
#[server(prefix = "/api", endpoint = "account/primary_contact")]
pub async fn make_contact_primary(kind: ContactKind, id: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    let before = db::primary_email(&mut *tx, viewer.id).await?;
    db::make_contact_primary(&mut tx, viewer.id, kind, id).await?;
    let after = db::primary_email(&mut *tx, viewer.id).await?;
    if kind == ContactKind::Email
        && let (Some(before), Some(after)) = (before, after)
        && before != after
    {
        let body = format!(
            "Hello {},\n\nThe primary email address of your {} account is now {after}: password reset links \
             and order emails go there from now on.\n\nIf this wasn't you, reset your password at \
             {}/forgot-password and contact us.\n",
            viewer.first_name, state.config.store_name, state.config.public_url
        );
        crate::mail::enqueue(&mut tx, &before, "Your primary email address was changed", &body).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The address book, primary first.
#[server(prefix = "/api", endpoint = "account/addresses")]
pub async fn get_addresses() -> Result<Vec<Address>, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(db::addresses(&state.pool, viewer.id).await?)
}

/// Adds an address (no `id`) or edits one of the user's own.
#[server(prefix = "/api", endpoint = "account/save_address")]
pub async fn save_address(id: Option<i64>, address: AddressInput) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let address = address.checked()?;
    let mut conn = state.pool.acquire().await?;
    match id {
        None => {
            db::add_address(&mut conn, viewer.id, &address).await?;
        }
        Some(id) => {
            if !db::update_address(&mut *conn, viewer.id, id, &address).await? {
                return Err(AppError::NotFound);
            }
        }
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "account/delete_address")]
pub async fn delete_address(id: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    if !db::delete_address(&mut tx, viewer.id, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "account/primary_address")]
pub async fn make_address_primary(id: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    if !db::make_address_primary(&mut tx, viewer.id, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Changes the password (the current one is required) and signs out every
/// other session. Returns how many were signed out.
#[server(prefix = "/api", endpoint = "account/change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<u64, AppError> {
    let signed_in = require_session()?;
    let user = signed_in.viewer.id;
    let state = AppState::current()?;
    service::check_current_password(&state, user, current_password).await?;
    let mut conn = state.pool.acquire().await?;
    let email = db::primary_email(&mut *conn, user).await?.unwrap_or_default();
    if let Some(problem) = rules::password_problem(&new_password, &signed_in.viewer.username, &email) {
        return Err(AppError::field("new_password", problem));
    }
    drop(conn);
    let hash = password::hash(SecretString::from(new_password)).await?;
    let mut tx = state.pool.begin().await?;
    db::set_password(&mut tx, user, &hash).await?;
    let revoked = db::revoke_all_tokens(&mut *tx, user, Some(signed_in.token_id)).await?;
    if !email.is_empty() {
        let body = format!(
            "Hello {},\n\nThe password of your {} account was just changed, and every other \
             place you were signed in has been signed out.\n\nIf this wasn't you, reset your \
             password at {}/forgot-password and contact us.\n",
            signed_in.viewer.first_name, state.config.store_name, state.config.public_url
        );
        crate::mail::enqueue(&mut tx, &email, "Your password was changed", &body).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Emails a single-use reset link if the email or username matches an
/// account. Answers the same either way, so it reveals no accounts.
#[server(prefix = "/api", endpoint = "account/request_reset")]
pub async fn request_password_reset(login: String) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let login = login.trim().to_owned();
    if login.is_empty() {
        return Err(AppError::field("login", "Enter your email or username."));
    }
    RESET_PER_CLIENT.take(&state.pool, auth.client()).await?;
    // Counted by what was typed, not by account, so a refusal reveals nothing.
    RESET_PER_ACCOUNT.take(&state.pool, &login).await?;
    let Some(account) = db::credentials(&state.pool, &login).await?.filter(|a| !a.disabled) else {
        return Ok(());
    };
    let mut tx = state.pool.begin().await?;
    let Some(email) = db::primary_email(&mut *tx, account.id).await? else {
        return Ok(());
    };
    let token = tokens::generate()?;
    db::create_password_reset(&mut tx, account.id, &token.hash).await?;
    let body = format!(
        "Someone asked to reset the password of your {store} account.\n\n\
         To choose a new password, open this link within an hour:\n\n{url}/reset-password?token={token}\n\n\
         The link works once. If you didn't ask for this, ignore this email: your password stays as it is.\n",
        store = state.config.store_name,
        url = state.config.public_url,
        token = token.expose(),
    );
    crate::mail::enqueue(&mut tx, &email, "Reset your password", &body).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a reset link is still usable, for showing its form.
#[server(prefix = "/api", endpoint = "account/check_reset")]
pub async fn check_reset_token(token: String) -> Result<bool, AppError> {
    if !tokens::looks_valid(&token) {
        return Ok(false);
    }
    let state = AppState::current()?;
    Ok(db::password_reset_is_usable(&state.pool, &tokens::hash(&token)).await?)
}

/// Sets a new password with a reset link's token (once), and signs the
/// account out everywhere.
#[server(prefix = "/api", endpoint = "account/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = AppState::current()?;
    let expired = || AppError::BadRequest("This reset link has expired or was already used. Ask for a new one.".into());
    if !tokens::looks_valid(&token) {
        return Err(expired());
    }
    if password.chars().count() < rules::PASSWORD_MIN || password.chars().count() > rules::PASSWORD_MAX {
        return Err(AppError::field("password", rules::PASSWORD_RULES));
    }
    // The link is checked before any hashing: a made-up token costs one lookup.
    let token_hash = tokens::hash(&token);
    if !db::password_reset_is_usable(&state.pool, &token_hash).await? {
        return Err(expired());
    }
    let hash = password::hash(SecretString::from(password.clone())).await?;
    let mut tx = state.pool.begin().await?;
    let user = db::consume_password_reset(&mut tx, &token_hash).await?.ok_or_else(expired)?;
    let viewer = db::viewer(&mut *tx, user).await?.ok_or_else(expired)?;
    let email = db::primary_email(&mut *tx, user).await?.unwrap_or_default();
    if let Some(problem) = rules::password_problem(&password, &viewer.username, &email) {
        // Rolled back: the link stays usable for a better password.
        return Err(AppError::field("password", problem));
    }
    db::set_password(&mut tx, user, &hash).await?;
    db::revoke_all_tokens(&mut *tx, user, None).await?;
    tx.commit().await?;
    if let Ok(auth) = Auth::current() {
        auth.end().await?;
    }
    leptos_axum::redirect("/sign-in?reset=done");
    Ok(())
}
