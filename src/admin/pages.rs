//! The admin pages. Each is a lazy route: `data()` starts loading in the main
//! bundle, and the view's code arrives as its own WASM chunk. Every form
//! posts to its server function (or, for files, to its upload route), so it
//! works before hydration too.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};

use super::api::*;
use super::chart::RevenueChart;
use super::{
    AdminOrder, AuditPage, CategoryRow, Dashboard, ImportReport, OrderList, OrderRow, PeriodFigures, ProductEditor,
    ProductTable, PromoRow, UserDetail, UserList,
};
use crate::account::Role;
use crate::account::components::{AccountError, AuthContext};
use crate::catalog::image_url;
use crate::error::AppError;
use crate::money::format_money;
use crate::orders::pages::OrderPanels;
use crate::orders::{OrderStatus, PaymentMethod, StaffAction};
use crate::ui::{Field, FormStatus, Loading, Time, action_error, field_error};

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
                            {link("/admin/orders", "Orders")}
                            {link("/admin/reviews", "Reviews")}
                            {admin.then(|| view! {
                                {link("/admin/products", "Products")}
                                {link("/admin/categories", "Categories")}
                                {link("/admin/promos", "Promo codes")}
                                {link("/admin/users", "Users")}
                                {link("/admin/audit", "Audit log")}
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
fn AdminPage(title: String, current: &'static str, children: Children) -> impl IntoView {
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
        .map(|(k, v)| format!("{k}={}", crate::account::components::encode_component(v)))
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

// ---- dashboard ----

/// What the dashboard page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct DashboardData {
    dashboard: Loaded<Dashboard>,
}

impl DashboardData {
    fn load() -> Self {
        DashboardData { dashboard: Resource::new(|| (), |_| get_dashboard()) }
    }
}

pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        DashboardRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = DashboardData::load();
        let dashboard = this.dashboard;
        view! {
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(d) => view! { <DashboardView d /> }.into_any(),
                        Err(error) => view! { <AccountError error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let currency = d.currency.clone();
    let figure = {
        let currency = currency.clone();
        move |label: &'static str, f: PeriodFigures| {
            view! {
                <section class="panel figure" aria-label=label>
                    <h2>{label}</h2>
                    <dl>
                        <dt>"Revenue"</dt><dd data-figure="revenue">{format_money(f.revenue, &currency)}</dd>
                        <dt>"Orders"</dt><dd data-figure="orders">{f.orders}</dd>
                        <dt>"Average order"</dt><dd data-figure="average">{format_money(f.average(), &currency)}</dd>
                    </dl>
                </section>
            }
        }
    };
    view! {
        <AdminPage title="Dashboard".into() current="/admin">
            <div class="figures">
                {figure("Today", d.today)}
                {figure("This week", d.week)}
                {figure("This month", d.month)}
            </div>
            <section class="panel" aria-labelledby="chart-heading">
                <h2 id="chart-heading">"Revenue, last 30 days"</h2>
                <RevenueChart days=d.days.clone() currency=currency.clone() />
            </section>
            <div class="admin-columns">
                <section class="panel" aria-labelledby="low-heading">
                    <h2 id="low-heading">"Low stock"</h2>
                    {if d.low_stock.is_empty() {
                        view! { <p>"Every active product has more than 5 in stock."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="low-stock">
                                {d.low_stock.into_iter().map(|p| view! {
                                    <li><a href=format!("/admin/products/{}", p.id)>{p.name}</a> " · "
                                        {if p.stock == 0 { "out of stock".to_owned() } else { format!("{} left", p.stock) }}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section class="panel" aria-labelledby="newest-heading">
                    <h2 id="newest-heading">"Newest orders"</h2>
                    <OrderTable orders=d.newest currency caption="Newest orders" />
                </section>
            </div>
        </AdminPage>
    }
}

#[component]
fn OrderTable(orders: Vec<OrderRow>, currency: String, caption: &'static str) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p>"No orders."</p> }.into_any();
    }
    view! {
        <table class="admin-table">
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>
                <th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Customer"</th>
                <th scope="col">"Payment"</th><th scope="col">"Total"</th><th scope="col">"Status"</th>
            </tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr>
                        <th scope="row"><a href=format!("/admin/orders/{}", o.number.0)>{o.number.to_string()}</a></th>
                        <td><Time at=o.placed_at /></td>
                        <td>{o.customer}<br /><small>{o.email}</small></td>
                        <td>{o.payment_method.label()} {(!o.paid).then_some(" · unpaid")}</td>
                        <td>{format_money(o.total, &currency)}</td>
                        <td><span class=o.status.css()>{o.status.label()}</span></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

// ---- orders ----

/// What the orders page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct OrdersData {
    orders: Loaded<OrderList>,
}

impl OrdersData {
    fn load() -> Self {
        let query = use_query_map();
        let orders = Resource::new(
            move || {
                query.with(|q| {
                    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
                    (
                        get("status"),
                        get("method"),
                        get("from"),
                        get("to"),
                        get("customer"),
                        get("page").and_then(|p| p.parse().ok()),
                    )
                })
            },
            |(status, method, from, to, customer, page)| get_admin_orders(status, method, from, to, customer, page),
        );
        OrdersData { orders }
    }
}

pub struct OrdersRoute;

#[lazy_route]
impl LazyRoute for OrdersRoute {
    fn data() -> Self {
        OrdersRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = OrdersData::load();
        let orders = this.orders;
        let value = |k: &'static str| query_value(k)().unwrap_or_default();
        let (status, method, from, to, customer) =
            (value("status"), value("method"), value("from"), value("to"), value("customer"));
        let query = vec![
            ("status", status.clone()),
            ("method", method.clone()),
            ("from", from.clone()),
            ("to", to.clone()),
            ("customer", customer.clone()),
        ];
        view! {
            <AdminPage title="Orders".into() current="/admin/orders">
                <form method="get" action="/admin/orders" class="filters" role="search" aria-label="Filter orders">
                    <label>"Status"
                        <select name="status">
                            <option value="">"Any"</option>
                            {OrderStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.param() selected=status == s.param()>{s.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Payment"
                        <select name="method">
                            <option value="">"Any"</option>
                            {[PaymentMethod::Card, PaymentMethod::CashOnDelivery].into_iter().map(|m| view! {
                                <option value=m.param() selected=method == m.param()>{m.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"From" <input type="date" name="from" value=from /></label>
                    <label>"To" <input type="date" name="to" value=to /></label>
                    <label>"Customer" <input type="search" name="customer" value=customer placeholder="Name or email" /></label>
                    <button type="submit" class="button">"Filter"</button>
                </form>
                <Suspense fallback=Loading>
                    {move || {
                        let query = query.clone();
                        Suspend::new(async move {
                            match orders.await {
                                Ok(list) => view! {
                                    <OrderTable orders=list.orders currency=list.currency caption="Orders, newest first" />
                                    <Pager path="/admin/orders" query page=list.page has_next=list.has_next />
                                }.into_any(),
                                Err(error) => view! { <AccountError error /> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

/// What the order page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct OrderData {
    order: Loaded<AdminOrder>,
    advance: ServerAction<AdvanceOrder>,
}

impl OrderData {
    fn load() -> Self {
        let params = use_params_map();
        let advance = ServerAction::<AdvanceOrder>::new();
        let order = Resource::new(
            move || {
                (
                    params.with(|p| p.get("number").and_then(|n| n.parse::<i64>().ok()).unwrap_or(0)),
                    advance.version().get(),
                )
            },
            |(number, _)| get_admin_order(number),
        );
        OrderData { order, advance }
    }
}

pub struct OrderRoute;

#[lazy_route]
impl LazyRoute for OrderRoute {
    fn data() -> Self {
        OrderRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = OrderData::load();
        let (order, advance) = (this.order, this.advance);
        view! {
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match order.await {
                        Ok(o) => view! { <AdminOrderView o advance /> }.into_any(),
                        Err(error) => view! { <AccountError error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn AdminOrderView(o: AdminOrder, advance: ServerAction<AdvanceOrder>) -> impl IntoView {
    let number = o.order.number;
    let title = format!("Order {number}");
    view! {
        <AdminPage title current="/admin/orders">
            <p>
                <span class=o.order.status.css() data-status=o.order.status.label()>{o.order.status.label()}</span>
                " · placed " <Time at=o.order.placed_at.clone() /> " · customer "
                <a href=format!("/admin/users/{}", o.customer_id.0)>{o.customer.clone()}</a> " (" {o.email.clone()} ")"
            </p>
            {outcome(advance.value(), |message: &String| message.clone())}
            {(!o.actions.is_empty()).then(|| view! {
                <section class="panel order-actions" aria-label="Order actions">
                    {o.actions.iter().map(|action| {
                        let action = *action;
                        let with_note = matches!(action, StaffAction::Cancel | StaffAction::Refund);
                        view! {
                            <ActionForm action=advance>
                                <input type="hidden" name="number" value=number.0.to_string() />
                                <input type="hidden" name="action" value=action.param() />
                                {with_note.then(|| view! {
                                    <label>"Reason (sent to the customer, optional)"
                                        <input type="text" name="note" maxlength="500" />
                                    </label>
                                })}
                                <button type="submit" class=if with_note { "button button-danger" } else { "button" }>{action.label()}</button>
                            </ActionForm>
                        }
                    }).collect_view()}
                </section>
            })}
            <OrderPanels order=o.order />
            <p><a href="/admin/orders">"All orders"</a></p>
        </AdminPage>
    }
}

// ---- products ----

/// What the products page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ProductsData {
    table: Loaded<ProductTable>,
    quick: ServerAction<QuickEditProduct>,
}

impl ProductsData {
    fn load() -> Self {
        let query = use_query_map();
        let quick = ServerAction::<QuickEditProduct>::new();
        let table = Resource::new(
            move || {
                let key = query.with(|q| {
                    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
                    (
                        get("search"),
                        get("category").and_then(|c| c.parse::<i64>().ok()),
                        get("state"),
                        get("stock").map(|v| v == "out"),
                        get("offer").map(|v| v == "yes"),
                        get("sort"),
                        get("page").and_then(|p| p.parse::<u32>().ok()),
                    )
                });
                (key, quick.version().get())
            },
            |((search, category, state, out, offer, sort, page), _)| {
                get_admin_products(search, category, state, out, offer, sort, page)
            },
        );
        ProductsData { table, quick }
    }
}

pub struct ProductsRoute;

#[lazy_route]
impl LazyRoute for ProductsRoute {
    fn data() -> Self {
        ProductsRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = ProductsData::load();
        let (table, quick) = (this.table, this.quick);
        let value = |k: &'static str| query_value(k)().unwrap_or_default();
        let (search, category, state, stock, offer, sort) =
            (value("search"), value("category"), value("state"), value("stock"), value("offer"), value("sort"));
        let query = vec![
            ("search", search.clone()),
            ("category", category.clone()),
            ("state", state.clone()),
            ("stock", stock.clone()),
            ("offer", offer.clone()),
            ("sort", sort.clone()),
        ];
        view! {
            <AdminPage title="Products".into() current="/admin/products">
                <p class="admin-links">
                    <a class="button" href="/admin/products/new">"New product"</a>
                    <a href="/admin/products/import">"Import CSV"</a>
                    <a href="/admin/products.csv" download="products.csv">"Export CSV"</a>
                </p>
                {outcome(quick.value(), |message: &String| message.clone())}
                <Suspense fallback=Loading>
                    {move || {
                        let (query, search, category, state, stock, offer, sort) =
                            (query.clone(), search.clone(), category.clone(), state.clone(), stock.clone(), offer.clone(), sort.clone());
                        Suspend::new(async move {
                            let t = match table.await {
                                Ok(t) => t,
                                Err(error) => return view! { <AccountError error /> }.into_any(),
                            };
                            view! {
                                <form method="get" action="/admin/products" class="filters" role="search" aria-label="Filter products">
                                    <label>"Name" <input type="search" name="search" value=search /></label>
                                    <label>"Category"
                                        <select name="category">
                                            <option value="">"Any"</option>
                                            {t.categories.iter().map(|c| view! {
                                                <option value=c.id.to_string() selected=category == c.id.to_string()>{c.name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label>"State"
                                        <select name="state">
                                            {[("", "Active and drafts"), ("active", "Active"), ("draft", "Drafts"), ("archived", "Archived")]
                                                .into_iter().map(|(v, l)| view! { <option value=v selected=state == v>{l}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label><input type="checkbox" name="stock" value="out" checked=stock == "out" /> "Out of stock"</label>
                                    <label><input type="checkbox" name="offer" value="yes" checked=offer == "yes" /> "On offer"</label>
                                    <label>"Sort"
                                        <select name="sort">
                                            {[("", "Name"), ("price", "Price"), ("stock", "Stock"), ("newest", "Newest")]
                                                .into_iter().map(|(v, l)| view! { <option value=v selected=sort == v>{l}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="submit" class="button">"Show"</button>
                                </form>
                                <p>{format!("{} products", t.total)}</p>
                                <ProductRows t=t.clone() quick />
                                <Pager path="/admin/products" query page=t.page has_next=t.has_next />
                            }.into_any()
                        })
                    }}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

#[component]
fn ProductRows(t: ProductTable, quick: ServerAction<QuickEditProduct>) -> impl IntoView {
    let currency = t.currency.clone();
    view! {
        <table class="admin-table products-admin">
            <caption class="visually-hidden">"Products"</caption>
            <thead><tr>
                <th scope="col">"Product"</th><th scope="col">"Category"</th><th scope="col">"Price"</th>
                <th scope="col">"State"</th><th scope="col">"Stock and price"</th>
            </tr></thead>
            <tbody>
                {t.products.into_iter().map(|p| {
                    let state = if p.archived { "Archived" } else if p.active { "Active" } else { "Draft" };
                    let form_id = format!("quick-{}", p.id);
                    view! {
                        <tr>
                            <th scope="row">
                                {p.image.clone().map(|key| view! { <img src=image_url(&key, 80) alt="" width="40" height="40" /> })}
                                <a href=format!("/admin/products/{}", p.id)>{p.name.clone()}</a>
                            </th>
                            <td>{p.category.clone()}</td>
                            <td>{format_money(p.offer_price.unwrap_or(p.price), &currency)}
                                {p.offer_price.map(|_| view! { " " <s>{format_money(p.price, &currency)}</s> })}</td>
                            <td>{state}</td>
                            <td>
                                <ActionForm action=quick attr:class="quick-edit" attr:id=form_id>
                                    <input type="hidden" name="id" value=p.id.to_string() />
                                    <label>"Stock" <span class="visually-hidden">" of " {p.name.clone()}</span>
                                        <input type="number" name="stock" min="0" value=p.stock.to_string() /></label>
                                    <label>"Price" <span class="visually-hidden">" of " {p.name.clone()}</span>
                                        <input type="text" name="price" inputmode="decimal" size="7" value=p.price.to_string() /></label>
                                    <button type="submit" class="button button-secondary">"Save" <span class="visually-hidden">" " {p.name.clone()}</span></button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What the product page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ProductData {
    editor: Loaded<ProductEditor>,
    save: ServerAction<SaveProduct>,
    active: ServerAction<SetProductActive>,
    remove: ServerAction<RemoveProduct>,
    image: ServerAction<ChangeImage>,
}

impl ProductData {
    fn load() -> Self {
        let params = use_params_map();
        let save = ServerAction::<SaveProduct>::new();
        let active = ServerAction::<SetProductActive>::new();
        let remove = ServerAction::<RemoveProduct>::new();
        let image = ServerAction::<ChangeImage>::new();
        let editor = Resource::new(
            move || {
                let id = params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
                (id, active.version().get(), image.version().get())
            },
            |(id, _, _)| get_product_editor(id),
        );
        ProductData { editor, save, active, remove, image }
    }
}

pub struct ProductRoute;

#[lazy_route]
impl LazyRoute for ProductRoute {
    fn data() -> Self {
        ProductRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = ProductData::load();
        let ProductData { editor, save, active, remove, image } = this;
        view! {
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match editor.await {
                        Ok(e) => view! { <ProductForm e save active remove image /> }.into_any(),
                        Err(error) => view! { <AccountError error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn ProductForm(
    e: ProductEditor,
    save: ServerAction<SaveProduct>,
    active: ServerAction<SetProductActive>,
    remove: ServerAction<RemoveProduct>,
    image: ServerAction<ChangeImage>,
) -> impl IntoView {
    let error = action_error(save.value());
    let title = match e.id {
        Some(_) => format!("Edit {}", e.input.name),
        None => "New product".to_owned(),
    };
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(_))).then(|| "Saved.".to_owned()));
    let created = query_value("created")().is_some();
    let uploaded = query_value("uploaded")();
    let upload_error = e.upload_error.clone();
    let input = e.input.clone();
    let (archived, is_active, categories) = (e.archived, e.input.active.is_some(), e.categories.clone());
    let fields = &["name", "slug", "category_id", "description", "price", "offer_price", "stock"];
    view! {
        <AdminPage title current="/admin/products">
            {created.then(|| view! { <p class="alert alert-success" role="status">"Product created. Add its images below."</p> })}
            {e.archived.then(|| view! { <p class="alert">"This product is archived: it has sold, so it is kept for its orders but hidden from shoppers."</p> })}
            <ActionForm action=save attr:class="product-form">
                <FormStatus error fields success=saved />
                {e.id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                <Field id="product-name" name="input[name]" label="Name" value=input.name.clone() required=true error=field_error(error, "name") />
                <Field id="product-slug" name="input[slug]" label="Slug" value=input.slug.clone()
                    hint="The product's address: /p/slug. Leave it empty to derive it from the name." error=field_error(error, "slug") />
                <div class="field">
                    <label for="product-category">"Category"</label>
                    <select id="product-category" name="input[category_id]" required
                        aria-invalid=move || field_error(error, "category_id").get().is_some().then_some("true")
                        aria-describedby="product-category-error">
                        <option value="">"Choose…"</option>
                        {categories.iter().map(|c| view! {
                            <option value=c.id.to_string() selected=input.category_id == c.id.to_string()>{c.name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" id="product-category-error">{move || field_error(error, "category_id").get()}</p>
                </div>
                <div class="field">
                    <label for="product-description">"Description"</label>
                    <textarea id="product-description" name="input[description]" rows="6" aria-describedby="product-description-error">{input.description.clone()}</textarea>
                    <p class="field-error" id="product-description-error">{move || field_error(error, "description").get()}</p>
                </div>
                <Field id="product-price" name="input[price]" label="Price" value=input.price.clone() required=true
                    error=field_error(error, "price") />
                <Field id="product-offer" name="input[offer_price]" label="Offer price" value=input.offer_price.clone()
                    hint="Optional: below the price while the offer runs." error=field_error(error, "offer_price") />
                <Field id="product-stock" name="input[stock]" label="Stock" kind="number" value=input.stock.clone() required=true
                    error=field_error(error, "stock") />
                <label class="check"><input type="checkbox" name="input[active]" checked=is_active disabled=archived />
                    " Active (visible to shoppers)"</label>
                <label class="check"><input type="checkbox" name="input[featured]" checked=input.featured.is_some() /> " Featured on the home page"</label>
                <button type="submit" class="button">{if e.id.is_some() { "Save product" } else { "Create product" }}</button>
            </ActionForm>
            {e.id.map(|id| {
                view! {
                    <section class="panel" aria-labelledby="images-heading">
                        <h2 id="images-heading">"Images"</h2>
                        {uploaded.map(|n| view! { <p class="alert alert-success" role="status">{format!("{n} image(s) uploaded.")}</p> })}
                        {upload_error.map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        {outcome(image.value(), |_: &()| "Images updated.".to_owned())}
                        <ImageList product=id images=e.images.clone() image />
                        <form method="post" action=format!("/admin/products/{id}/images") enctype="multipart/form-data" class="upload-form">
                            <div class="field">
                                <label for="product-images">"Add images"</label>
                                <input id="product-images" type="file" name="images" multiple accept="image/png,image/jpeg,image/webp" required />
                                <p class="field-hint">"PNG, JPEG or WebP, up to 8 MB each and 10 at a time. They are resized to 800 pixels."</p>
                            </div>
                            <Field id="product-images-alt" name="alt" label="Describe the images (alt text)"
                                hint="Read by screen readers. Leave empty to use the product's name." error=Signal::derive(|| None::<String>) />
                            <button type="submit" class="button">"Upload"</button>
                        </form>
                    </section>
                    <section class="panel danger-zone" aria-labelledby="state-heading">
                        <h2 id="state-heading">"Visibility"</h2>
                        {outcome(active.value(), |_: &()| "Saved.".to_owned())}
                        {(!e.archived || !is_active).then(|| view! {
                            <ActionForm action=active>
                                <input type="hidden" name="id" value=id.to_string() />
                                <input type="hidden" name="active" value=(!is_active).to_string() />
                                <button type="submit" class="button button-secondary">{if is_active { "Deactivate (make a draft)" } else { "Activate" }}</button>
                            </ActionForm>
                        })}
                        {outcome(remove.value(), |message: &String| message.clone())}
                        {(!e.archived).then(|| view! {
                            <ActionForm action=remove>
                                <input type="hidden" name="id" value=id.to_string() />
                                <button type="submit" class="button button-danger">{if e.sold { "Archive product" } else { "Delete product" }}</button>
                            </ActionForm>
                        })}
                    </section>
                }
            })}
            <p><a href="/admin/products">"All products"</a></p>
        </AdminPage>
    }
}

#[component]
fn ImageList(product: i64, images: Vec<AdminImage>, image: ServerAction<ChangeImage>) -> impl IntoView {
    if images.is_empty() {
        return view! { <p>"No images yet."</p> }.into_any();
    }
    let count = images.len();
    view! {
        <ol class="admin-images">
            {images.into_iter().enumerate().map(|(i, img)| {
                let button = move |change: &'static str, label: String| view! {
                    <ActionForm action=image>
                        <input type="hidden" name="product" value=product.to_string() />
                        <input type="hidden" name="image" value=img.id.to_string() />
                        <input type="hidden" name="change" value=change />
                        <button type="submit" class="link-button">{label}</button>
                    </ActionForm>
                };
                let n = i + 1;
                view! {
                    <li aria-label=format!("Image {n}")>
                        <img src=image_url(&img.key, 240) alt=img.alt.clone() width="120" height="120" />
                        {if img.is_primary {
                            view! { <strong class="badge">"Primary"</strong> }.into_any()
                        } else {
                            button("primary", format!("Make image {n} primary")).into_any()
                        }}
                        {(i > 0).then(|| button("up", format!("Move image {n} earlier")))}
                        {(i + 1 < count).then(|| button("down", format!("Move image {n} later")))}
                        {button("remove", format!("Remove image {n}"))}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

use super::AdminImage;

/// What the import page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ImportData {
    report: Loaded<Option<ImportReport>>,
}

impl ImportData {
    fn load() -> Self {
        ImportData { report: Resource::new(|| (), |_| get_import_report()) }
    }
}

pub struct ImportRoute;

#[lazy_route]
impl LazyRoute for ImportRoute {
    fn data() -> Self {
        ImportRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = ImportData::load();
        let report = this.report;
        view! {
            <AdminPage title="Import products".into() current="/admin/products">
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        match report.await {
                            Ok(Some(ImportReport::Applied { created, updated })) => view! {
                                <p class="alert alert-success" role="status">
                                    {format!("Imported: {created} products created, {updated} updated.")}
                                </p>
                            }.into_any(),
                            Ok(Some(ImportReport::Refused { problems })) => view! {
                                <div class="alert alert-error" role="alert">
                                    <p>"Nothing was imported. Correct these problems and upload the file again:"</p>
                                    <table class="admin-table">
                                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                                        <tbody>
                                            {problems.into_iter().map(|p| view! {
                                                <tr><td>{p.line}</td><td>{p.column}</td><td>{p.message}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(error) => view! { <AccountError error /> }.into_any(),
                        }
                    })}
                </Suspense>
                <p>"A CSV file with a header line. Columns: name, slug, category (its slug or name), description, price, offer_price, stock, active and featured (yes or no). "
                   "A row whose slug (or, without a slug, whose name) matches a product updates it; any other row creates one. "
                   "The whole file is checked first: it is imported completely or not at all."</p>
                <p><a href="/admin/products.csv" download="products.csv">"Export the catalog"</a>" to start from the current products."</p>
                <form method="post" action="/admin/products/import" enctype="multipart/form-data" class="upload-form">
                    <div class="field">
                        <label for="import-file">"CSV file"</label>
                        <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
                    </div>
                    <button type="submit" class="button">"Import"</button>
                </form>
            </AdminPage>
        }
        .into_any()
    }
}

// ---- categories ----

/// What the categories page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct CategoriesData {
    categories: Loaded<Vec<CategoryRow>>,
    save: ServerAction<SaveCategory>,
    delete: ServerAction<DeleteCategory>,
}

impl CategoriesData {
    fn load() -> Self {
        let save = ServerAction::<SaveCategory>::new();
        let delete = ServerAction::<DeleteCategory>::new();
        let categories =
            Resource::new(move || (save.version().get(), delete.version().get()), |_| get_admin_categories());
        CategoriesData { categories, save, delete }
    }
}

pub struct CategoriesRoute;

#[lazy_route]
impl LazyRoute for CategoriesRoute {
    fn data() -> Self {
        CategoriesRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = CategoriesData::load();
        let CategoriesData { categories, save, delete } = this;
        let error = action_error(save.value());
        view! {
            <AdminPage title="Categories".into() current="/admin/categories">
                {outcome(save.value(), |m: &String| m.clone())}
                {outcome(delete.value(), |m: &String| m.clone())}
                <section class="panel" aria-labelledby="new-category">
                    <h2 id="new-category">"New category"</h2>
                    <ActionForm action=save>
                        <Field id="category-new-name" name="name" label="Name" required=true error=field_error(error, "name") />
                        <div class="field">
                            <label for="category-new-description">"Description"</label>
                            <textarea id="category-new-description" name="description" rows="2"></textarea>
                        </div>
                        <button type="submit" class="button">"Create category"</button>
                    </ActionForm>
                </section>
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        let list = match categories.await {
                            Ok(list) => list,
                            Err(error) => return view! { <AccountError error /> }.into_any(),
                        };
                        let others = list.clone();
                        view! {
                            <ul class="admin-cards">
                                {list.into_iter().map(|c| {
                                    let targets: Vec<CategoryRow> = others.iter().filter(|o| o.id != c.id).cloned().collect();
                                    let (name, delete_label) = (c.name.clone(), format!("Delete {}", c.name));
                                    view! {
                                        <li class="panel" aria-label=format!("Category {}", c.name)>
                                            <h2><a href=format!("/c/{}", c.slug)>{c.name.clone()}</a></h2>
                                            <p>{format!("{} product{}", c.products, if c.products == 1 { "" } else { "s" })}</p>
                                            <ActionForm action=save>
                                                <input type="hidden" name="id" value=c.id.to_string() />
                                                <label>"Name" <input type="text" name="name" value=name required /></label>
                                                <label>"Description" <textarea name="description" rows="2">{c.description.clone()}</textarea></label>
                                                <button type="submit" class="button button-secondary">"Save"</button>
                                            </ActionForm>
                                            <ActionForm action=delete>
                                                <input type="hidden" name="id" value=c.id.to_string() />
                                                {(c.products > 0).then(|| view! {
                                                    <label>"Move its products to"
                                                        <select name="move_to">
                                                            <option value="">"Don't move them"</option>
                                                            {targets.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                                                        </select>
                                                    </label>
                                                })}
                                                <button type="submit" class="button button-danger">{delete_label}</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

// ---- promo codes ----

/// What the promos page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct PromosData {
    promos: Loaded<Vec<PromoRow>>,
    save: ServerAction<SavePromo>,
    active: ServerAction<SetPromoActive>,
}

impl PromosData {
    fn load() -> Self {
        let save = ServerAction::<SavePromo>::new();
        let active = ServerAction::<SetPromoActive>::new();
        let promos = Resource::new(move || (save.version().get(), active.version().get()), |_| get_promos());
        PromosData { promos, save, active }
    }
}

pub struct PromosRoute;

#[lazy_route]
impl LazyRoute for PromosRoute {
    fn data() -> Self {
        PromosRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = PromosData::load();
        let PromosData { promos, save, active } = this;
        let error = action_error(save.value());
        view! {
            <AdminPage title="Promo codes".into() current="/admin/promos">
                {outcome(active.value(), |_: &()| "Saved.".to_owned())}
                <section class="panel" aria-labelledby="new-promo">
                    <h2 id="new-promo">"New promo code"</h2>
                    <ActionForm action=save>
                        <FormStatus error fields=&["code", "kind", "value", "min_subtotal", "expires_on", "usage_limit"]
                            success=Signal::derive(move || save.value().get().and_then(|r| r.ok())) />
                        <PromoFields prefix="new" promo=None error />
                        <button type="submit" class="button">"Create code"</button>
                    </ActionForm>
                </section>
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        let list = match promos.await {
                            Ok(list) => list,
                            Err(error) => return view! { <AccountError error /> }.into_any(),
                        };
                        view! {
                            <table class="admin-table">
                                <caption class="visually-hidden">"Promo codes"</caption>
                                <thead><tr><th scope="col">"Code"</th><th scope="col">"Discount"</th><th scope="col">"Used"</th>
                                    <th scope="col">"Expires"</th><th scope="col">"State"</th><th scope="col">"Change"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| {
                                        let discount = if p.percent { format!("{}%", p.value.normalize()) } else { p.value.to_string() };
                                        let toggle_label = format!("{}{}", if p.active { "Deactivate " } else { "Activate " }, p.code);
                                        let edit_label = format!("Edit {}", p.code);
                                        let used = match p.usage_limit { Some(limit) => format!("{} of {limit}", p.used_count), None => p.used_count.to_string() };
                                        view! {
                                            <tr>
                                                <th scope="row">{p.code.clone()}</th>
                                                <td>{discount}{p.min_subtotal.map(|m| format!(" from {m}"))}</td>
                                                <td data-used=p.code.clone()>{used}</td>
                                                <td>{p.expires_on.clone()}</td>
                                                <td>{if p.active { "Active" } else { "Inactive" }}</td>
                                                <td>
                                                    <ActionForm action=active>
                                                        <input type="hidden" name="id" value=p.id.to_string() />
                                                        <input type="hidden" name="active" value=(!p.active).to_string() />
                                                        <button type="submit" class="link-button">{toggle_label}</button>
                                                    </ActionForm>
                                                    <details>
                                                        <summary>{edit_label}</summary>
                                                        <ActionForm action=save>
                                                            <input type="hidden" name="id" value=p.id.to_string() />
                                                            <PromoFields prefix="edit" promo=Some(p.clone()) error />
                                                            <button type="submit" class="button button-secondary">"Save"</button>
                                                        </ActionForm>
                                                    </details>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

#[component]
fn PromoFields(prefix: &'static str, promo: Option<PromoRow>, error: Signal<Option<AppError>>) -> impl IntoView {
    let id = promo.as_ref().map_or(0, |p| p.id);
    let field_id = move |name: &str| format!("promo-{prefix}-{id}-{name}");
    let value = |f: fn(&PromoRow) -> String| promo.as_ref().map(f).unwrap_or_default();
    let percent = promo.as_ref().is_none_or(|p| p.percent);
    // Errors show beside the new-code form; an edit's errors show in its status.
    let err =
        move |field: &'static str| if prefix == "new" { field_error(error, field) } else { Signal::derive(|| None) };
    view! {
        <Field id=field_id("code") name="input[code]" label="Code" value=value(|p| p.code.clone()) required=true error=err("code") />
        <div class="field">
            <label for=field_id("kind")>"Discount type"</label>
            <select id=field_id("kind") name="input[kind]">
                <option value="percent" selected=percent>"Percentage"</option>
                <option value="fixed" selected=!percent>"Fixed amount"</option>
            </select>
        </div>
        <Field id=field_id("value") name="input[value]" label="Discount" value=value(|p| p.value.to_string()) required=true error=err("value") />
        <Field id=field_id("min") name="input[min_subtotal]" label="Minimum subtotal (optional)"
            value=value(|p| p.min_subtotal.map(|m| m.to_string()).unwrap_or_default()) error=err("min_subtotal") />
        <Field id=field_id("expires") name="input[expires_on]" label="Last day (optional)" kind="date"
            value=value(|p| p.expires_on.clone()) error=err("expires_on") />
        <Field id=field_id("limit") name="input[usage_limit]" label="Usage limit (optional)" kind="number"
            value=value(|p| p.usage_limit.map(|l| l.to_string()).unwrap_or_default()) error=err("usage_limit") />
    }
}

// ---- users ----

/// What the users page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct UsersData {
    users: Loaded<UserList>,
}

impl UsersData {
    fn load() -> Self {
        let query = use_query_map();
        let users = Resource::new(
            move || query.with(|q| (q.get("search"), q.get("page").and_then(|p| p.parse::<u32>().ok()))),
            |(search, page)| get_admin_users(search, page),
        );
        UsersData { users }
    }
}

pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        UsersRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = UsersData::load();
        let users = this.users;
        let search = query_value("search")().unwrap_or_default();
        let query = vec![("search", search.clone())];
        view! {
            <AdminPage title="Users".into() current="/admin/users">
                <form method="get" action="/admin/users" class="filters" role="search" aria-label="Find users">
                    <label>"Name, username or email" <input type="search" name="search" value=search /></label>
                    <button type="submit" class="button">"Search"</button>
                </form>
                <Suspense fallback=Loading>
                    {move || {
                        let query = query.clone();
                        Suspend::new(async move {
                            let list = match users.await {
                                Ok(list) => list,
                                Err(error) => return view! { <AccountError error /> }.into_any(),
                            };
                            view! {
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Users, newest first"</caption>
                                    <thead><tr><th scope="col">"User"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                        <th scope="col">"Orders"</th><th scope="col">"Joined"</th></tr></thead>
                                    <tbody>
                                        {list.users.into_iter().map(|u| view! {
                                            <tr>
                                                <th scope="row"><a href=format!("/admin/users/{}", u.id.0)>{u.username.clone()}</a>
                                                    <br /><small>{u.name.clone()}</small></th>
                                                <td>{u.email.clone()}</td>
                                                <td>{u.role.label()}{u.disabled.then_some(" · disabled")}</td>
                                                <td>{u.orders}</td>
                                                <td><Time at=u.joined.clone() /></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager path="/admin/users" query page=list.page has_next=list.has_next />
                            }.into_any()
                        })
                    }}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

/// What the user page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct UserData {
    user: Loaded<UserDetail>,
    role: ServerAction<SetUserRole>,
    disabled: ServerAction<SetUserDisabled>,
}

impl UserData {
    fn load() -> Self {
        let params = use_params_map();
        let role = ServerAction::<SetUserRole>::new();
        let disabled = ServerAction::<SetUserDisabled>::new();
        let user = Resource::new(
            move || {
                let id =
                    params.with(|p| p.get("id").and_then(|id| uuid::Uuid::parse_str(&id).ok())).unwrap_or_default();
                (id, role.version().get(), disabled.version().get())
            },
            |(id, _, _)| get_admin_user(id),
        );
        UserData { user, role, disabled }
    }
}

pub struct UserRoute;

#[lazy_route]
impl LazyRoute for UserRoute {
    fn data() -> Self {
        UserRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = UserData::load();
        let UserData { user, role, disabled } = this;
        view! {
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let d = match user.await {
                        Ok(d) => d,
                        Err(error) => return view! { <AccountError error /> }.into_any(),
                    };
                    let u = d.user.clone();
                    let role_error = action_error(role.value());
                    view! {
                        <AdminPage title=format!("User {}", u.username) current="/admin/users">
                            <p>{u.name.clone()} " · " {u.email.clone()} " · joined " <Time at=u.joined.clone() />
                                {u.disabled.then(|| view! { " · " <strong>"Disabled"</strong> })}</p>
                            {outcome(role.value(), |m: &String| m.clone())}
                            {outcome(disabled.value(), |m: &String| m.clone())}
                            <section class="panel" aria-labelledby="role-heading">
                                <h2 id="role-heading">"Role"</h2>
                                <ActionForm action=role>
                                    <input type="hidden" name="id" value=u.id.0.to_string() />
                                    <label for="user-role">"Role"</label>
                                    <select id="user-role" name="role" aria-describedby="user-role-error">
                                        {[Role::Member, Role::Moderator, Role::Admin].into_iter().map(|r| view! {
                                            <option value=r.label().to_lowercase() selected=r == u.role>{r.label()}</option>
                                        }).collect_view()}
                                    </select>
                                    <p class="field-error" id="user-role-error">{move || field_error(role_error, "role").get()}</p>
                                    <button type="submit" class="button button-secondary">"Change role"</button>
                                </ActionForm>
                            </section>
                            {(!d.is_self).then(|| view! {
                                <section class="panel danger-zone" aria-labelledby="access-heading">
                                    <h2 id="access-heading">"Access"</h2>
                                    <ActionForm action=disabled>
                                        <input type="hidden" name="id" value=u.id.0.to_string() />
                                        <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                                        <button type="submit" class=if u.disabled { "button" } else { "button button-danger" }>
                                            {if u.disabled { "Enable account" } else { "Disable account" }}
                                        </button>
                                    </ActionForm>
                                </section>
                            })}
                            <section class="panel" aria-labelledby="user-orders">
                                <h2 id="user-orders">{format!("Orders ({})", u.orders)}</h2>
                                <OrderTable orders=d.orders.clone() currency=d.currency.clone() caption="The user's orders" />
                            </section>
                        </AdminPage>
                    }.into_any()
                })}
            </Suspense>
        }
        .into_any()
    }
}

// ---- audit log ----

/// What the audit page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct AuditData {
    log: Loaded<AuditPage>,
}

impl AuditData {
    fn load() -> Self {
        let query = use_query_map();
        let log = Resource::new(
            move || {
                query.with(|q| (q.get("entity"), q.get("actor"), q.get("page").and_then(|p| p.parse::<u32>().ok())))
            },
            |(entity, actor, page)| get_audit_log(entity, actor, page),
        );
        AuditData { log }
    }
}

pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        AuditRoute
    }

    fn view(_route: Self) -> AnyView {
        let this = AuditData::load();
        let log = this.log;
        let entity = query_value("entity")().unwrap_or_default();
        let actor = query_value("actor")().unwrap_or_default();
        let query = vec![("entity", entity.clone()), ("actor", actor.clone())];
        view! {
            <AdminPage title="Audit log".into() current="/admin/audit">
                <form method="get" action="/admin/audit" class="filters" aria-label="Filter the audit log">
                    <label>"What"
                        <select name="entity">
                            {[("", "Everything"), ("product", "Products"), ("category", "Categories"), ("order", "Orders"),
                              ("promo_code", "Promo codes"), ("user", "Users")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=entity == v>{l}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Who (username)" <input type="search" name="actor" value=actor /></label>
                    <button type="submit" class="button">"Filter"</button>
                </form>
                <Suspense fallback=Loading>
                    {move || {
                        let query = query.clone();
                        Suspend::new(async move {
                            let page = match log.await {
                                Ok(page) => page,
                                Err(error) => return view! { <AccountError error /> }.into_any(),
                            };
                            view! {
                                <table class="admin-table audit">
                                    <caption class="visually-hidden">"Changes, newest first"</caption>
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                        <th scope="col">"Change"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                                    <tbody>
                                        {page.entries.into_iter().map(|e| view! {
                                            <tr>
                                                <td><Time at=e.at /></td>
                                                <td>{e.actor}</td>
                                                <td><code>{e.action}</code> " " {format!("{} {}", e.entity, e.entity_id)}</td>
                                                <td>{e.summary}</td>
                                                <td><code>{e.before.unwrap_or_default()}</code></td>
                                                <td><code>{e.after.unwrap_or_default()}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager path="/admin/audit" query page=page.page has_next=page.has_next />
                            }.into_any()
                        })
                    }}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}

// ---- reviews ----

/// What the reviews moderation page loads.
struct ReviewsData {
    reviews: Loaded<(Vec<crate::reviews::ModeratedReview>, bool)>,
    moderate: ServerAction<crate::reviews::api::ModerateReview>,
}

impl ReviewsData {
    fn load() -> Self {
        let query = use_query_map();
        let moderate = ServerAction::<crate::reviews::api::ModerateReview>::new();
        let reviews = Resource::new(
            move || {
                let key = query.with(|q| {
                    (q.get("show").as_deref() == Some("hidden"), q.get("page").and_then(|p| p.parse::<u32>().ok()))
                });
                (key, moderate.version().get())
            },
            |((hidden, page), _)| crate::reviews::api::get_reviews_for_moderation(Some(hidden), page),
        );
        ReviewsData { reviews, moderate }
    }
}

pub struct ReviewsRoute;

#[lazy_route]
impl LazyRoute for ReviewsRoute {
    fn data() -> Self {
        ReviewsRoute
    }

    fn view(_route: Self) -> AnyView {
        let ReviewsData { reviews, moderate } = ReviewsData::load();
        let hidden = query_value("show")().as_deref() == Some("hidden");
        let query = vec![("show", if hidden { "hidden".to_owned() } else { String::new() })];
        view! {
            <AdminPage title="Reviews".into() current="/admin/reviews">
                <p class="admin-links">
                    <a href="/admin/reviews" aria-current=(!hidden).then_some("page")>"Visible reviews"</a>
                    <a href="/admin/reviews?show=hidden" aria-current=hidden.then_some("page")>"Hidden reviews"</a>
                </p>
                {outcome(moderate.value(), |m: &String| m.clone())}
                <Suspense fallback=Loading>
                    {move || {
                        let query = query.clone();
                        Suspend::new(async move {
                            let (list, has_next) = match reviews.await {
                                Ok(page) => page,
                                Err(error) => return view! { <AccountError error /> }.into_any(),
                            };
                            if list.is_empty() {
                                return view! { <p>"No reviews here."</p> }.into_any();
                            }
                            let page = query_value("page")().and_then(|p| p.parse().ok()).unwrap_or(1);
                            view! {
                                <ul class="admin-cards">
                                    {list.into_iter().map(|r| {
                                        let label = format!("Review \"{}\" by {}", r.title, r.author);
                                        view! {
                                            <li class="panel" aria-label=label>
                                                <p><a href=format!("/p/{}", r.product_slug)>{r.product.clone()}</a></p>
                                                <p class="stars" role="img" aria-label=format!("{} out of 5 stars", r.rating)>{crate::reviews::rules::stars(r.rating)}</p>
                                                <h2>{r.title.clone()}</h2>
                                                <p>"By " {r.author.clone()} " · " <Time at=r.written.clone() /></p>
                                                <p>{r.body.clone()}</p>
                                                {r.hidden_reason.clone().map(|reason| view! { <p class="alert">"Hidden: " {reason}</p> })}
                                                <ActionForm action=moderate>
                                                    <input type="hidden" name="id" value=r.id.to_string() />
                                                    <input type="hidden" name="hide" value=r.hidden_reason.is_none().to_string() />
                                                    {r.hidden_reason.is_none().then(|| view! {
                                                        <label>"Reason (shown to the author)" <input type="text" name="reason" maxlength="300" required /></label>
                                                    })}
                                                    <button type="submit" class="button button-secondary">
                                                        {if r.hidden_reason.is_none() { "Hide review" } else { "Show review again" }}
                                                    </button>
                                                </ActionForm>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <Pager path="/admin/reviews" query page has_next />
                            }.into_any()
                        })
                    }}
                </Suspense>
            </AdminPage>
        }
        .into_any()
    }
}
