//! Server functions of the token pages: a person's own tokens in the account
//! area, and the shop's client tokens (and revoking anyone's) for admins.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::{CreatedToken, TokenSummary};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{Scope, TokenKind, bearer, db, rules},
    crate::account::guard::{require_role, require_user},
    crate::account::{Role, UserId},
    crate::audit::Audit,
    crate::state::AppState,
};

/// The signed-in person's tokens, newest first.
#[server(prefix = "/api", endpoint = "tokens/mine")]
pub async fn get_my_tokens() -> Result<Vec<TokenSummary>, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    db::for_user(&state.pool, viewer.id).await
}

/// Makes a token acting as the signed-in person, with the `scopes` ticked
/// (`scopes[catalog:read]=on`…) and an expiry in days (`never` for none).
/// Its secret is in the answer, and nowhere else ever again.
#[server(prefix = "/api", endpoint = "tokens/create")]
pub async fn create_my_token(
    name: String,
    scopes: Option<BTreeMap<String, String>>,
    expires: String,
) -> Result<CreatedToken, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let draft = Draft::check(&name, scopes, &expires, TokenKind::User, viewer.role)?;
    create(&state, TokenKind::User, Some(viewer.id), None, draft, viewer.id).await
}

/// Revokes one of the signed-in person's tokens.
#[server(prefix = "/api", endpoint = "tokens/revoke")]
pub async fn revoke_my_token(id: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    revoke(&state, id, viewer.id, Some(viewer.id)).await
}

/// The integrations page: the shop's client tokens and people's working tokens.
#[server(prefix = "/api", endpoint = "admin/tokens")]
pub async fn get_integrations() -> Result<Vec<TokenSummary>, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    db::all(&state.pool, 500).await
}

/// Makes a client token for `integration`, acting for the shop.
#[server(prefix = "/api", endpoint = "admin/tokens/create")]
pub async fn create_client_token(
    integration: String,
    name: String,
    scopes: Option<BTreeMap<String, String>>,
    expires: String,
) -> Result<CreatedToken, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let integration = rules::check_name(&integration).map_err(|m| AppError::field("integration", m))?;
    let draft = Draft::check(&name, scopes, &expires, TokenKind::Client, viewer.role)?;
    create(&state, TokenKind::Client, None, Some(&integration), draft, viewer.id).await
}

/// Revokes any token (an admin's power over every integration and person).
#[server(prefix = "/api", endpoint = "admin/tokens/revoke")]
pub async fn revoke_any_token(id: i64) -> Result<(), AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    revoke(&state, id, viewer.id, None).await
}

/// A token's form, checked.
#[cfg(feature = "ssr")]
struct Draft {
    name: String,
    scopes: Vec<Scope>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[cfg(feature = "ssr")]
impl Draft {
    fn check(
        name: &str,
        scopes: Option<BTreeMap<String, String>>,
        expires: &str,
        kind: TokenKind,
        role: Role,
    ) -> Result<Draft, AppError> {
        let mut errors = crate::error::FieldErrors::new();
        let name = rules::check_name(name).map_err(|m| errors.insert("name".into(), m.into())).ok();
        let ticked: Vec<String> = scopes.unwrap_or_default().into_keys().collect();
        let parsed: Vec<Option<Scope>> = ticked.iter().map(|s| Scope::parse(s)).collect();
        let scopes: Vec<Scope> = rules::SCOPES.into_iter().filter(|s| parsed.contains(&Some(*s))).collect();
        if parsed.iter().any(Option::is_none) {
            errors.insert("scopes".into(), "Choose scopes from the list.".into());
        } else if scopes.is_empty() {
            errors.insert("scopes".into(), "Choose at least one scope.".into());
        } else if let Some(scope) = scopes.iter().find(|s| !s.allowed(kind, role)) {
            let why = match kind {
                TokenKind::User => "your account's role does not allow it",
                TokenKind::Client => "it acts for a person, and a client token acts for the shop",
            };
            errors.insert("scopes".into(), format!("A token cannot have {}: {why}.", scope.as_str()));
        }
        let days = match expires.trim() {
            "never" => Ok(None),
            text => text
                .parse::<u32>()
                .ok()
                .filter(|d| rules::EXPIRY_DAYS.contains(&Some(*d)))
                .map(Some)
                .ok_or("Choose when the token expires."),
        };
        let days = days.map_err(|m| errors.insert("expires".into(), m.into())).ok();
        match (name, days) {
            (Some(name), Some(days)) if errors.is_empty() => Ok(Draft {
                name,
                scopes,
                expires_at: days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d))),
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A fresh secret of `kind`.
#[cfg(feature = "ssr")]
fn new_secret(kind: TokenKind) -> Result<String, AppError> {
    let mut random = String::new();
    while random.len() < rules::SECRET_RANDOM_CHARS {
        let mut bytes = [0u8; 48];
        getrandom::fill(&mut bytes).map_err(|error| {
            tracing::error!(%error, "no randomness for an API token");
            AppError::Internal
        })?;
        random.push_str(&rules::base62(&bytes));
    }
    random.truncate(rules::SECRET_RANDOM_CHARS);
    Ok(rules::write_secret(kind, &random))
}

#[cfg(feature = "ssr")]
async fn create(
    state: &AppState,
    kind: TokenKind,
    user: Option<UserId>,
    integration: Option<&str>,
    draft: Draft,
    by: UserId,
) -> Result<CreatedToken, AppError> {
    let secret = new_secret(kind)?;
    let display = rules::display(&secret, kind);
    let mut tx = state.pool.begin().await?;
    let new = db::NewToken {
        kind,
        user,
        integration,
        name: &draft.name,
        scopes: &draft.scopes,
        secret_hash: &bearer::hash(&secret),
        display: &display,
        created_by: by,
        expires_at: draft.expires_at,
    };
    let id = db::insert(&mut tx, new).await?;
    let scopes: Vec<&str> = draft.scopes.iter().map(|s| s.as_str()).collect();
    Audit::new(by, "api_token.create", "api_token", id)
        .summary(format!("{} token \"{}\" ({display}): {}", kind_label(kind), draft.name, scopes.join(", ")))
        .write(&mut tx)
        .await?;
    let token = match user {
        Some(user) => db::for_user(&mut *tx, user).await?,
        None => db::all(&mut *tx, 500).await?,
    }
    .into_iter()
    .find(|t| t.id == id)
    .ok_or(AppError::Internal)?;
    tx.commit().await?;
    tracing::info!(token = id, kind = ?kind, "API token created");
    Ok(CreatedToken { secret, token })
}

#[cfg(feature = "ssr")]
async fn revoke(state: &AppState, id: i64, by: UserId, owner: Option<UserId>) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let (kind, name) = db::revoke(&mut tx, id, by, owner).await?.ok_or(AppError::NotFound)?;
    Audit::new(by, "api_token.revoke", "api_token", id)
        .summary(format!("Revoked {} token \"{name}\"", kind_label(kind).to_lowercase()))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn kind_label(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::User => "Personal",
        TokenKind::Client => "Client",
    }
}
