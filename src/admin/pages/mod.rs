//! The admin pages, one file per section, and what they share (navigation,
//! paging, outcomes). Each page is a lazy route: its view's code arrives as
//! its own WASM chunk. Every form posts to its server function (or, for
//! files, to its upload route), so it works before hydration too.
//!
//! Adding a page: a file here with its `…Route` (a `LazyRoute` whose view
//! wraps its content in `AdminPage`), its `mod` line below, a link in
//! `AdminNav` and a `<Route>` in `app.rs`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::*;
use super::chart::RevenueChart;
use super::{
    AdminImage, AdminOrder, AdminVariant, AdminVariants, AuditPage, CategoryRow, Dashboard, ImportReport, OrderList,
    OrderRow, PeriodFigures, ProductEditor, ProductTable, PromoRow, UserDetail, UserList,
};
use crate::account::Role;
use crate::account::components::AuthContext;
use crate::error::AppError;
use crate::money::use_currency;
use crate::orders::pages::OrderPanels;
use crate::orders::{OrderStatus, PaymentMethod, StaffAction};
use crate::product::image_url;
use crate::ui::{Field, FormStatus, Time, action_error, field_error, loaded};

type Loaded<T> = Resource<Result<T, AppError>>;

/// The admin area's sections; a moderator sees only theirs.
#[component]
fn AdminNav(current: &'static str) -> impl IntoView {
    let auth = AuthContext::use_context();
    let link = move |href: &'static str, label: &'static str| {
        view! { <li><a href=href aria-current=(current == href).then_some("page")>{label}</a></li> }
    };
    view! {
        <nav class="admin-nav" aria-label="Admin">
            <Suspense>
                {move || Suspend::new(async move {
                    let role = match auth {
                        Some(auth) => auth.viewer.await.ok().flatten().map(|v| v.role),
                        None => None,
                    };
                    let admin = role.is_some_and(|r| r.includes(Role::Admin));
                    view! {
                        <ul>
                            {admin.then(|| link("/admin", "Dashboard"))}
                            {link("/admin/inbox", "Inbox")}
                            {link("/admin/orders", "Orders")}
                            {link("/admin/reviews", "Reviews")}
                            {admin.then(|| view! {
                                {link("/admin/products", "Products")}
                                {link("/admin/categories", "Categories")}
                                {link("/admin/promos", "Promo codes")}
                                {link("/admin/users", "Users")}
                                {link("/admin/audit", "Audit log")}
                                {link("/admin/integrations", "Integrations")}
                                {link("/admin/outbox", "Email outbox")}
                            })}
                        </ul>
                    }
                })}
            </Suspense>
        </nav>
    }
}

/// A page of the admin area: its title, the navigation and the content.
#[component]
pub fn AdminPage(title: String, current: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title.clone() />
        <div class="admin-layout">
            <AdminNav current />
            <section class="admin-page">
                <h1>{title}</h1>
                {children()}
            </section>
        </div>
    }
}

fn query_value(key: &'static str) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || query.with(|q| q.get(key).filter(|v| !v.is_empty()))
}

/// The current query string with `page` replaced.
fn page_href(path: &str, query: &[(&str, String)], page: u32) -> String {
    let mut parts: Vec<String> = query
        .iter()
        .filter(|(k, v)| *k != "page" && !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::ui::encode_component(v)))
        .collect();
    parts.push(format!("page={page}"));
    format!("{path}?{}", parts.join("&"))
}

#[component]
fn Pager(path: &'static str, query: Vec<(&'static str, String)>, page: u32, has_next: bool) -> impl IntoView {
    view! {
        <nav class="pagination" aria-label="Pages">
            {(page > 1).then(|| view! { <a rel="prev" href=page_href(path, &query, page - 1)>"Previous page"</a> })}
            <span>{format!("Page {page}")}</span>
            {has_next.then(|| view! { <a rel="next" href=page_href(path, &query, page + 1)>"Next page"</a> })}
        </nav>
    }
}

/// An action's success message or error, announced.
fn outcome<T, S>(value: S, text: fn(&T) -> String) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    view! {
        <div class="form-status" role="status" aria-live="polite">
            {move || value.get().map(|result| match result {
                Ok(done) => view! { <p class="alert alert-success">{text(&done)}</p> }.into_any(),
                Err(error) => view! { <p class="alert alert-error">{error.to_string()}</p> }.into_any(),
            })}
        </div>
    }
}

/// Orders as a table (the dashboard's newest, the orders page, a user's).
#[component]
fn OrderTable(orders: Vec<OrderRow>, caption: &'static str) -> impl IntoView {
    let currency = use_currency();
    if orders.is_empty() {
        return view! { <p>"No orders."</p> }.into_any();
    }
    view! {
        <table class="admin-table">
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>
                <th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Customer"</th>
                <th scope="col">"Payment"</th><th scope="col" class="num">"Total"</th><th scope="col">"Status"</th>
            </tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr>
                        <th scope="row"><a href=format!("/admin/orders/{}", o.number.0)>{o.number.to_string()}</a></th>
                        <td><Time at=o.placed_at /></td>
                        <td>{o.customer} " " <small>{o.email}</small></td>
                        <td>{o.payment_method.label()} {(!o.paid).then_some(" · unpaid")}</td>
                        <td class="num">{currency.format(o.total)}</td>
                        <td><span class=o.status.css()>{o.status.label()}</span></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

mod audit;
mod categories;
mod dashboard;
mod integrations;
mod orders;
mod outbox;
mod products;
mod promos;
mod reviews;
mod users;

pub use audit::*;
pub use categories::*;
pub use dashboard::*;
pub use integrations::*;
pub use orders::*;
pub use outbox::*;
pub use products::*;
pub use promos::*;
pub use reviews::*;
pub use users::*;
