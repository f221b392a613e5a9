//! Orders: the filtered list and one order with the steps staff may take.

use super::*;

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

crate::ui::lazy_page!(OrdersRoute, OrdersPage);

#[component]
fn OrdersPage() -> impl IntoView {
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
            {loaded(orders, move |list| {
                let query = query.clone();
                view! {
                    <OrderTable orders=list.orders caption="Orders, newest first" />
                    <Pager path="/admin/orders" query page=list.page has_next=list.has_next />
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
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
        let advance = crate::flash::action::<AdvanceOrder>();
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

crate::ui::lazy_page!(OrderRoute, OrderPage);

#[component]
fn OrderPage() -> impl IntoView {
    let this = OrderData::load();
    let (order, advance) = (this.order, this.advance);
    view! {
        {loaded(order, move |o| {
            view! { <AdminOrderView o advance /> }.into_any()
        })}
    }
    .into_any()
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
