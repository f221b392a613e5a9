//! Admin server functions. Each checks the viewer's role itself first:
//! products, categories, promo codes, users, the dashboard and the audit log
//! are for admins; orders are for moderators too (who may advance them but
//! not cancel or refund).

use leptos::prelude::*;

use super::{
    AdminOrder, AuditPage, CategoryRow, Dashboard, ImageChange, OrderList, ProductEditor, ProductInput, ProductTable,
    PromoInput, PromoRow, UserDetail, UserList,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::db,
    super::rules,
    super::{OrderFilter, ProductFilter, ProductSort, ProductState},
    crate::account::guard::require_role,
    crate::account::{Role, UserId},
    crate::audit::Audit,
    crate::orders::{OrderNumber, OrderStatus, PaymentMethod, StaffAction},
    crate::state::AppState,
    serde_json::json,
};

#[server(prefix = "/api", endpoint = "admin/dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    let now = chrono::Utc::now();
    let (today, week, month) = db::period_figures(&state.pool, now).await?;
    let days = db::revenue_by_day(&state.pool, now, 30).await?;
    let low_stock = db::low_stock(&state.pool, 10).await?;
    let (newest, _) = db::orders(&state.pool, &OrderFilter::default(), 8).await?;
    Ok(Dashboard { today, week, month, days, low_stock, newest })
}

// ---- orders ----

#[server(prefix = "/api", endpoint = "admin/orders/list")]
pub async fn get_admin_orders(
    status: Option<String>,
    method: Option<String>,
    from: Option<String>,
    to: Option<String>,
    customer: Option<String>,
    page: Option<u32>,
) -> Result<OrderList, AppError> {
    require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let date = |d: Option<String>, field: &str| -> Result<Option<String>, AppError> {
        match d.filter(|d| !d.trim().is_empty()) {
            None => Ok(None),
            Some(d) if rules::is_date(d.trim()) => Ok(Some(d.trim().to_owned())),
            Some(_) => Err(AppError::field(field, "Enter a date as YYYY-MM-DD.")),
        }
    };
    let filter = OrderFilter {
        status: status.as_deref().and_then(OrderStatus::from_param),
        method: method.as_deref().and_then(PaymentMethod::from_param),
        from: date(from, "from")?,
        to: date(to, "to")?,
        customer: customer.unwrap_or_default(),
        page: page.unwrap_or(1).max(1),
    };
    Ok(db::order_list(&state.pool, &filter).await?)
}

#[server(prefix = "/api", endpoint = "admin/orders/get")]
pub async fn get_admin_order(number: i64) -> Result<AdminOrder, AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let number = OrderNumber(number);
    let mut conn = state.pool.acquire().await?;
    let (_, order) = crate::orders::db::detail(&mut conn, None, number).await?.ok_or(AppError::NotFound)?;
    let (customer_id, customer, email) = db::order_customer(&mut *conn, number).await?.ok_or(AppError::NotFound)?;
    let paid = order.paid_at.is_some();
    let actions = StaffAction::ALL
        .into_iter()
        .filter(|a| viewer.role.includes(a.required_role()) && a.allowed(order.status, order.payment_method, paid))
        .collect();
    Ok(AdminOrder { order, customer, email, customer_id, actions })
}

/// Ships, delivers, cancels or refunds an order (see `StaffAction`).
#[server(prefix = "/api", endpoint = "admin/orders/advance")]
pub async fn advance_order(number: i64, action: String, note: Option<String>) -> Result<String, AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let action =
        StaffAction::from_param(&action).ok_or_else(|| AppError::BadRequest("Unknown order action.".into()))?;
    let note = note.unwrap_or_default();
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(AppError::field("note", "Use at most 500 characters."));
    }
    let ended = crate::orders::service::staff_action(&state, &viewer, OrderNumber(number), action, note).await?;
    Ok(format!("Order #{number} is now {}.", ended.label().to_lowercase()))
}

// ---- products ----

#[server(prefix = "/api", endpoint = "admin/products/list")]
#[allow(clippy::too_many_arguments)]
pub async fn get_admin_products(
    search: Option<String>,
    category: Option<i64>,
    state: Option<String>,
    out_of_stock: Option<bool>,
    on_offer: Option<bool>,
    sort: Option<String>,
    page: Option<u32>,
) -> Result<ProductTable, AppError> {
    require_role(Role::Admin)?;
    let app = AppState::current()?;
    let filter = ProductFilter {
        search: search.unwrap_or_default(),
        category,
        // An unknown value in a hand-edited link lists what the table lists by default.
        state: state.as_deref().and_then(ProductState::from_param).unwrap_or_default(),
        out_of_stock: out_of_stock.unwrap_or(false),
        on_offer: on_offer.unwrap_or(false),
        sort: sort.as_deref().and_then(ProductSort::from_param).unwrap_or_default(),
        page: page.unwrap_or(1).max(1),
    };
    let (products, has_next, total) = db::products(&app.pool, &filter).await?;
    let categories = db::categories(&app.pool).await?;
    Ok(ProductTable { products, categories, page: filter.page, has_next, total })
}

/// The editor for product `id`, or an empty one for a new product.
#[server(prefix = "/api", endpoint = "admin/products/get")]
pub async fn get_product_editor(id: Option<i64>) -> Result<ProductEditor, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    let categories = db::categories(&state.pool).await?;
    let Some(id) = id else {
        let input = ProductInput { active: Some("on".into()), stock: "0".into(), ..Default::default() };
        let editor = ProductEditor {
            id: None,
            input,
            archived: false,
            sold: false,
            images: Vec::new(),
            categories,
            upload_error: None,
            variants: Default::default(),
        };
        return Ok(editor);
    };
    let (input, archived, sold) = db::product_input(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let images = db::images(&state.pool, id).await?;
    let variants = db::admin_variants(&mut *state.pool.acquire().await?, id).await?;
    let upload_error = crate::account::session::Auth::current()?.take_flash(super::upload::UPLOAD_REFUSED).await?;
    Ok(ProductEditor { id: Some(id), input, archived, sold, images, categories, upload_error, variants })
}

/// Gives a product sold one way its options ("Size: S, M, L", one a line)
/// and a variant for every combination of their values.
#[server(prefix = "/api", endpoint = "admin/products/options")]
pub async fn define_product_options(product: i64, options: String) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let options = rules::parse_options(&options)?;
    let mut tx = state.pool.begin().await?;
    let variants = db::define_options(&mut tx, product, &options).await?;
    let name = db::product_name(&mut *tx, product).await?.unwrap_or_default();
    Audit::new(viewer.id, "product.options", "product", product)
        .summary(format!("Options of {name}"))
        .change(serde_json::Value::Null, json!(options))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(format!("{name} now comes in {} variants: set their SKUs, prices and stock below.", variants.len()))
}

/// Adds values to a product's options ("Colour: Green", one a line) and a
/// variant for each new combination, not on sale until the grid sets it.
#[server(prefix = "/api", endpoint = "admin/products/option-values")]
pub async fn add_product_option_values(product: i64, options: String) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let additions = rules::parse_option_additions(&options)?;
    let mut tx = state.pool.begin().await?;
    let made = db::add_option_values(&mut tx, product, &additions).await?;
    let name = db::product_name(&mut *tx, product).await?.unwrap_or_default();
    Audit::new(viewer.id, "product.options", "product", product)
        .summary(format!("Values added to the options of {name}"))
        .change(serde_json::Value::Null, json!(additions))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    let variants = if made == 1 { "1 new variant".to_owned() } else { format!("{made} new variants") };
    Ok(format!("Added to {name}: {variants}, not on sale until you set their stock and tick them below."))
}

/// Saves the variant grid: every row, or (with each bad cell named) none.
#[server(prefix = "/api", endpoint = "admin/products/variants")]
pub async fn save_variants(product: i64, variants: Vec<super::rules::VariantInput>) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let rows = rules::variant_rows(&variants).map_err(AppError::Validation)?;
    let mut tx = state.pool.begin().await?;
    let before = db::admin_variants(&mut tx, product).await?;
    for (id, edit) in &rows {
        db::update_variant(&mut tx, product, *id, edit).await.map_err(|error| match error {
            AppError::Conflict { field, message } => AppError::Conflict { field: rules::cell(&field, *id), message },
            AppError::Validation(fields) => AppError::Validation(
                fields.into_iter().map(|(field, message)| (rules::cell(&field, *id), message)).collect(),
            ),
            other => other,
        })?;
    }
    let after = db::admin_variants(&mut tx, product).await?;
    let name = db::product_name(&mut *tx, product).await?.ok_or(AppError::NotFound)?;
    Audit::new(viewer.id, "product.variants", "product", product)
        .summary(format!("Variants of {name}"))
        .change(
            json!(before.rows.iter().map(variant_json).collect::<Vec<_>>()),
            json!(after.rows.iter().map(variant_json).collect::<Vec<_>>()),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(format!("Saved the {} variants of {name}.", rows.len()))
}

#[cfg(feature = "ssr")]
fn variant_json(v: &super::AdminVariant) -> serde_json::Value {
    json!({ "id": v.id, "variant": v.label, "sku": v.sku, "price": v.price, "offer_price": v.offer_price,
            "stock": v.stock, "active": v.active, "images": v.images })
}

/// Creates (no `id`) or updates a product; a new product's editor opens next.
#[server(prefix = "/api", endpoint = "admin/products/save")]
pub async fn save_product(id: Option<i64>, input: ProductInput) -> Result<i64, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let saved = super::service::save_product(&state, viewer.id, "", id, &input).await?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/admin/products/{saved}?created=1"));
    }
    Ok(saved)
}

/// Stock and price from the product table.
#[server(prefix = "/api", endpoint = "admin/products/quick")]
pub async fn quick_edit_product(id: i64, stock: String, price: String) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let stock = stock.trim().parse::<i32>().ok().filter(|s| *s >= 0);
    let price = rules::parse_money(&price).filter(|p| *p > rust_decimal::Decimal::ZERO);
    let mut errors = crate::error::FieldErrors::new();
    if stock.is_none() {
        errors.insert("stock".into(), "Stock must be a whole number, 0 or more.".into());
    }
    if price.is_none() {
        errors.insert("price".into(), "The price must be an amount above zero.".into());
    }
    let (Some(stock), Some(price)) = (stock, price) else { return Err(AppError::Validation(errors)) };
    let mut tx = state.pool.begin().await?;
    let (old_stock, old_price) =
        db::quick_edit(&mut tx, id, Some(stock), Some(price)).await?.ok_or(AppError::NotFound)?;
    let name = db::product_name(&mut *tx, id).await?.unwrap_or_default();
    Audit::new(viewer.id, "product.quick_edit", "product", id)
        .summary(format!("Stock and price of {name}"))
        .change(
            json!({ "stock": old_stock, "price": old_price.to_string() }),
            json!({ "stock": stock, "price": price.to_string() }),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(format!("Saved {name}: {stock} in stock at {price}."))
}

#[server(prefix = "/api", endpoint = "admin/products/active")]
pub async fn set_product_active(id: i64, active: bool) -> Result<(), AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    super::service::set_product_active(&state, viewer.id, "", id, active).await
}

/// Deletes a product that never sold, archives one that did.
#[server(prefix = "/api", endpoint = "admin/products/remove")]
pub async fn remove_product(id: i64) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let (_, message) = super::service::remove_product(&state, viewer.id, "", id).await?;
    leptos_axum::redirect("/admin/products");
    Ok(message)
}

/// Makes an image primary, moves it (`up`/`down`), changes its alt text or removes it.
#[server(prefix = "/api", endpoint = "admin/products/image")]
pub async fn change_image(product: i64, image: i64, change: ImageChange, alt: Option<String>) -> Result<(), AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let mut tx = state.pool.begin().await?;
    let name = db::product_name(&mut *tx, product).await?.ok_or(AppError::NotFound)?;
    let mut removed = None;
    let found = match change {
        ImageChange::Primary => db::set_primary_image(&mut tx, product, image).await?,
        ImageChange::Up => db::move_image(&mut tx, product, image, -1).await?,
        ImageChange::Down => db::move_image(&mut tx, product, image, 1).await?,
        ImageChange::Alt => {
            let alt = alt.unwrap_or_default();
            let alt = alt.trim();
            if alt.is_empty() || alt.chars().count() > 300 {
                return Err(AppError::field("alt", "Describe the image in 1 to 300 characters."));
            }
            db::set_image_alt(&mut tx, product, image, alt).await?
        }
        ImageChange::Remove => {
            removed = db::remove_image(&mut tx, product, image).await?;
            removed.is_some()
        }
    };
    let change = change.param();
    if !found {
        return Err(AppError::NotFound);
    }
    Audit::new(viewer.id, &format!("product.image_{change}"), "product", product)
        .summary(format!("Image {image} of {name}: {change}"))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    super::upload::remove_all(&state, removed.as_slice()).await;
    Ok(())
}

/// The outcome of the last CSV import in this session, shown once.
#[server(prefix = "/api", endpoint = "admin/products/import_report")]
pub async fn get_import_report() -> Result<Option<super::ImportReport>, AppError> {
    require_role(Role::Admin)?;
    let auth = crate::account::session::Auth::current()?;
    Ok(auth.session().remove::<super::ImportReport>(super::csv::REPORT_KEY).await?)
}

// ---- categories ----

#[server(prefix = "/api", endpoint = "admin/categories/list")]
pub async fn get_admin_categories() -> Result<Vec<CategoryRow>, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(db::categories(&state.pool).await?)
}

#[server(prefix = "/api", endpoint = "admin/categories/save")]
pub async fn save_category(id: Option<i64>, name: String, description: Option<String>) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let description = description.unwrap_or_default();
    let (_, message) = super::service::save_category(&state, viewer.id, "", id, &name, &description).await?;
    Ok(message)
}

/// Deletes a category; its products move to `move_to` first when chosen.
#[server(prefix = "/api", endpoint = "admin/categories/delete")]
pub async fn delete_category(id: i64, move_to: Option<String>) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let move_to = move_to.and_then(|m| m.trim().parse::<i64>().ok());
    super::service::delete_category(&state, viewer.id, "", id, move_to).await
}

// ---- promo codes ----

#[server(prefix = "/api", endpoint = "admin/promos/list")]
pub async fn get_promos() -> Result<Vec<PromoRow>, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(db::promos(&state.pool).await?)
}

#[server(prefix = "/api", endpoint = "admin/promos/save")]
pub async fn save_promo(id: Option<i64>, input: PromoInput) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let (_, code) = super::service::save_promo(&state, viewer.id, "", id, &input).await?;
    Ok(format!("Saved {code}."))
}

#[server(prefix = "/api", endpoint = "admin/promos/active")]
pub async fn set_promo_active(id: i64, active: bool) -> Result<(), AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    super::service::set_promo_active(&state, viewer.id, "", id, active).await
}

// ---- users ----

#[server(prefix = "/api", endpoint = "admin/users/list")]
pub async fn get_admin_users(search: Option<String>, page: Option<u32>) -> Result<UserList, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(db::users(&state.pool, search.as_deref().unwrap_or(""), page.unwrap_or(1)).await?)
}

#[server(prefix = "/api", endpoint = "admin/users/get")]
pub async fn get_admin_user(id: uuid::Uuid) -> Result<UserDetail, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let mut conn = state.pool.acquire().await?;
    let mut detail = db::user(&mut conn, UserId(id)).await?.ok_or(AppError::NotFound)?;
    detail.is_self = viewer.id.0 == id;
    Ok(detail)
}

#[server(prefix = "/api", endpoint = "admin/users/role")]
pub async fn set_user_role(id: uuid::Uuid, role: String) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    let role = match role.as_str() {
        "member" => Role::Member,
        "moderator" => Role::Moderator,
        "admin" => Role::Admin,
        _ => return Err(AppError::field("role", "Choose member, moderator or admin.")),
    };
    let mut tx = state.pool.begin().await?;
    let before = db::change_role(&mut tx, UserId(id), role).await?.ok_or(AppError::NotFound)?;
    Audit::new(viewer.id, "user.role", "user", id)
        .summary(format!("Role {} → {}", before.label(), role.label()))
        .change(json!({ "role": before.label() }), json!({ "role": role.label() }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(format!("The role is now {}.", role.label()))
}

/// Disables an account (signed out everywhere at once; sign-in refused) or enables it.
#[server(prefix = "/api", endpoint = "admin/users/disabled")]
pub async fn set_user_disabled(id: uuid::Uuid, disabled: bool) -> Result<String, AppError> {
    let viewer = require_role(Role::Admin)?;
    let state = AppState::current()?;
    if disabled && viewer.id.0 == id {
        return Err(AppError::BadRequest("You cannot disable your own account.".into()));
    }
    let mut tx = state.pool.begin().await?;
    let username = db::set_disabled(&mut tx, UserId(id), disabled).await?.ok_or(AppError::NotFound)?;
    Audit::new(viewer.id, if disabled { "user.disable" } else { "user.enable" }, "user", id)
        .summary(format!("{} {username}", if disabled { "Disabled" } else { "Enabled" }))
        .change(json!({ "disabled": !disabled }), json!({ "disabled": disabled }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(if disabled {
        format!("{username} is disabled and signed out everywhere.")
    } else {
        format!("{username} can sign in again.")
    })
}

// ---- audit log ----

#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn get_audit_log(
    entity: Option<String>,
    actor: Option<String>,
    page: Option<u32>,
) -> Result<AuditPage, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(db::audit_log(&state.pool, entity.as_deref().unwrap_or(""), actor.as_deref().unwrap_or(""), page.unwrap_or(1))
        .await?)
}

// ---- email outbox ----

/// The newest outgoing emails: how development reads mail when no SMTP
/// server is configured.
#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn get_outbox() -> Result<Vec<crate::mail::OutboxEmail>, AppError> {
    require_role(Role::Admin)?;
    let state = AppState::current()?;
    Ok(crate::mail::recent(&state.pool, 50).await?)
}
