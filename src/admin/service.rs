//! The admin area's catalog operations (server only): what the admin pages'
//! server functions and the JSON API both call, each in one transaction with
//! its audit-log entry. `via` names the way in for the log (empty for the
//! pages, "API token 12" for the API).

use serde_json::json;
use sqlx::PgConnection;

use super::db::{self, Removal};
use super::{ProductInput, PromoInput, rules};
use crate::account::UserId;
use crate::audit::Audit;
use crate::error::AppError;
use crate::state::AppState;

/// `summary`, with the way in when it was not the admin pages.
fn summary(summary: String, via: &str) -> String {
    if via.is_empty() { summary } else { format!("{summary} ({via})") }
}

/// Creates (no `id`) or updates a product from the editor's fields; answers its id.
pub async fn save_product(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: Option<i64>,
    input: &ProductInput,
) -> Result<i64, AppError> {
    let mut tx = state.pool.begin().await?;
    let id = save_product_in(&mut tx, actor, via, id, input).await?;
    tx.commit().await?;
    Ok(id)
}

/// `save_product` in the caller's transaction.
pub async fn save_product_in(
    tx: &mut PgConnection,
    actor: UserId,
    via: &str,
    id: Option<i64>,
    input: &ProductInput,
) -> Result<i64, AppError> {
    let draft = rules::product_draft(input).map_err(AppError::Validation)?;
    match id {
        None => {
            let id = db::create_product(tx, &draft).await?;
            Audit::new(actor, "product.create", "product", id)
                .summary(summary(format!("Created {}", draft.name), via))
                .change(serde_json::Value::Null, db::draft_json(&draft))
                .write(tx)
                .await?;
            Ok(id)
        }
        Some(id) => {
            let (before, _, _) = db::product_input(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            db::update_product(tx, id, &draft).await?;
            Audit::new(actor, "product.update", "product", id)
                .summary(summary(format!("Edited {}", draft.name), via))
                .change(db::input_json(&before), db::draft_json(&draft))
                .write(tx)
                .await?;
            Ok(id)
        }
    }
}

/// Puts a product on sale or takes it off (an archived one comes back).
pub async fn set_product_active(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: i64,
    active: bool,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let name = db::product_name(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    db::set_active(&mut tx, id, active).await?;
    let verb = if active { "product.activate" } else { "product.deactivate" };
    Audit::new(actor, verb, "product", id)
        .summary(summary(format!("{} {name}", if active { "Activated" } else { "Deactivated" }), via))
        .change(json!({ "active": !active }), json!({ "active": active }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a product that never sold, archives one that did; answers which
/// and a sentence saying so.
pub async fn remove_product(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: i64,
) -> Result<(Removal, String), AppError> {
    let mut tx = state.pool.begin().await?;
    let name = db::product_name(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    let (removal, keys) = db::remove_product(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (verb, message) = match removal {
        Removal::Deleted => ("product.delete", format!("Deleted {name}.")),
        Removal::Archived => {
            ("product.archive", format!("{name} has been sold, so it was archived instead of deleted."))
        }
    };
    Audit::new(actor, verb, "product", id).summary(summary(message.clone(), via)).write(&mut tx).await?;
    tx.commit().await?;
    super::upload::remove_all(state, &keys).await;
    Ok((removal, message))
}

/// Creates (no `id`) or renames and describes a category; answers its id
/// and a sentence saying what was done.
pub async fn save_category(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: Option<i64>,
    name: &str,
    description: &str,
) -> Result<(i64, String), AppError> {
    let (name, slug, description) = rules::category_fields(name, description)?;
    let mut tx = state.pool.begin().await?;
    let saved = match id {
        None => {
            let id = db::create_category(&mut tx, &name, &slug, &description).await?;
            Audit::new(actor, "category.create", "category", id)
                .summary(summary(format!("Created {name}"), via))
                .change(serde_json::Value::Null, json!({ "name": name, "description": description }))
                .write(&mut tx)
                .await?;
            (id, format!("Created {name}."))
        }
        Some(id) => {
            let (old_name, old_description) =
                db::update_category(&mut tx, id, &name, &slug, &description).await?.ok_or(AppError::NotFound)?;
            Audit::new(actor, "category.update", "category", id)
                .summary(summary(format!("Edited {name}"), via))
                .change(
                    json!({ "name": old_name, "description": old_description }),
                    json!({ "name": name, "description": description }),
                )
                .write(&mut tx)
                .await?;
            (id, format!("Saved {name}."))
        }
    };
    tx.commit().await?;
    Ok(saved)
}

/// Deletes a category; its products move to `move_to` first when given.
pub async fn delete_category(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: i64,
    move_to: Option<i64>,
) -> Result<String, AppError> {
    let mut tx = state.pool.begin().await?;
    let name = db::delete_category(&mut tx, id, move_to).await?.ok_or(AppError::NotFound)?;
    let what = match move_to {
        Some(target) => format!("Deleted {name}, its products moved to category {target}"),
        None => format!("Deleted {name}"),
    };
    Audit::new(actor, "category.delete", "category", id).summary(summary(what, via)).write(&mut tx).await?;
    tx.commit().await?;
    Ok(format!("Deleted {name}."))
}

/// Creates (no `id`) or edits a promo code; answers its id and its code.
pub async fn save_promo(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: Option<i64>,
    input: &PromoInput,
) -> Result<(i64, String), AppError> {
    let draft = rules::promo_draft(input).map_err(AppError::Validation)?;
    let mut tx = state.pool.begin().await?;
    let id = match id {
        None => {
            let id = db::create_promo(&mut tx, &draft).await?;
            Audit::new(actor, "promo_code.create", "promo_code", id)
                .summary(summary(format!("Created {}", draft.code), via))
                .change(serde_json::Value::Null, db::promo_json(&draft))
                .write(&mut tx)
                .await?;
            id
        }
        Some(id) => {
            let before = db::promo(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            db::update_promo(&mut tx, id, &draft).await?;
            Audit::new(actor, "promo_code.update", "promo_code", id)
                .summary(summary(format!("Edited {}", draft.code), via))
                .change(db::promo_row_json(&before), db::promo_json(&draft))
                .write(&mut tx)
                .await?;
            id
        }
    };
    tx.commit().await?;
    Ok((id, draft.code))
}

/// Turns a promo code on or off.
pub async fn set_promo_active(
    state: &AppState,
    actor: UserId,
    via: &str,
    id: i64,
    active: bool,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let code = db::set_promo_active(&mut tx, id, active).await?.ok_or(AppError::NotFound)?;
    Audit::new(actor, if active { "promo_code.activate" } else { "promo_code.deactivate" }, "promo_code", id)
        .summary(summary(format!("{} {code}", if active { "Activated" } else { "Deactivated" }), via))
        .change(json!({ "active": !active }), json!({ "active": active }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
