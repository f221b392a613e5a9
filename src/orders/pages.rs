//! Order history and the order page (with card payment while it is due).

use crate::account::components::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{CancelOrder, CardForm, get_order, get_orders};
use super::{OrderDetail, OrderStatus};
use crate::account::rules::country_name;
use crate::money::format_money;
use crate::ui::{FormStatus, Time, action_error, loaded};

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()));
    let auth = AuthContext::use_context();
    let orders = Resource::new(page, move |page| async move {
        AuthContext::known_signed_in(auth).await?;
        get_orders(page).await
    });
    view! {
        <Title text="Your orders" />
        <section class="orders-page">
            <h1>"Your orders"</h1>
            {loaded(orders, move |history| {
                if history.orders.is_empty() && history.page == 1 {
                    return view! { <p>"You have no orders yet."</p> }.into_any();
                }
                let page = history.page;
                view! {
                    <table class="orders-table">
                        <caption class="visually-hidden">"Your orders, newest first"</caption>
                        <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Items"</th><th scope="col">"Total"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {history.orders.into_iter().map(|o| view! {
                                <tr>
                                    <th scope="row"><a href=o.number.href()>{format!("Order {}", o.number)}</a></th>
                                    <td><Time at=o.placed_at.clone() /></td>
                                    <td>{o.items.to_string()}</td>
                                    <td>{format_money(o.total, &o.currency)}</td>
                                    <td><span class=o.status.css()>{o.status.label()}</span></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <nav class="pagination" aria-label="Order pages">
                        {(page > 1).then(|| view! { <a rel="prev" href=format!("/orders?page={}", page - 1)>"Newer orders"</a> })}
                        {history.has_next.then(|| view! { <a rel="next" href=format!("/orders?page={}", page + 1)>"Older orders"</a> })}
                    </nav>
                }.into_any()
            })}
        </section>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let cancel = crate::flash::action::<CancelOrder>();
    let number = move || params.with(|p| p.get("number").and_then(|n| n.parse::<i64>().ok()).unwrap_or(0));
    let auth = AuthContext::use_context();
    let order = Resource::new(
        move || (number(), cancel.version().get()),
        move |(number, _)| async move {
            AuthContext::known_signed_in(auth).await?;
            get_order(number).await
        },
    );
    view! {
        {loaded(order, move |page| {
            view! { <OrderView order=page.order card=page.card cancel /> }.into_any()
        })}
    }
}

#[component]
fn OrderView(order: OrderDetail, card: Option<CardForm>, cancel: ServerAction<CancelOrder>) -> impl IntoView {
    let title = format!("Order {}", order.number);
    let cancel_error = action_error(cancel.value());
    let ask = crate::flash::action::<crate::chat::api::AskAboutOrder>();
    let total = format_money(order.totals.total, &order.currency);
    view! {
        <Title text=title.clone() />
        <article class="order-page">
            <h1>{title}</h1>
            <p>"Placed " <Time at=order.placed_at.clone() /> " · " <span class=order.status.css() data-status=order.status.label()>{order.status.label()}</span></p>
            {card.map(|card| view! { <CardPayment card number=order.number.0 total=total.clone() /> })}
            <OrderPanels order=order.clone() />
            {order.status.cancellable().then(|| view! {
                <ActionForm action=cancel attr:class="cancel-order">
                    <FormStatus error=cancel_error fields=&[] />
                    <input type="hidden" name="number" value=order.number.0.to_string() />
                    <button type="submit" class="button button-danger">"Cancel order"</button>
                </ActionForm>
            })}
            <ActionForm action=ask attr:class="ask-about-order">
                <input type="hidden" name="number" value=order.number.0.to_string() />
                <button type="submit" class="button button-secondary">"Ask about this order"</button>
            </ActionForm>
            <p><a href="/orders">"All your orders"</a></p>
        </article>
    }
}

/// Items with totals, delivery and payment, and the status timeline: the
/// shopper's order page and the admin's show the same.
#[component]
pub fn OrderPanels(order: OrderDetail) -> impl IntoView {
    let currency = order.currency.clone();
    let money = move |amount| format_money(amount, &currency);
    let a = &order.address;
    let payment_state = match (order.paid_at.clone(), order.status) {
        (Some(at), _) => format!("Paid {}", at.text),
        (None, OrderStatus::PendingPayment) => "Waiting for payment".to_owned(),
        (None, OrderStatus::Cancelled) => "Not paid".to_owned(),
        (None, _) => "To be paid on delivery".to_owned(),
    };
    let total = money(order.totals.total);
    view! {
            <div class="order-grid">
                <section class="panel" aria-labelledby="items-heading">
                    <h2 id="items-heading">"Items"</h2>
                    <table class="order-items">
                        <thead><tr><th scope="col">"Product"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th></tr></thead>
                        <tbody>
                            {order.lines.iter().map(|line| view! {
                                <tr>
                                    <th scope="row">{line.title()}</th>
                                    <td>{money(line.unit_price)}</td>
                                    <td>{line.quantity.to_string()}</td>
                                    <td>{money(line.line_total())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <dl class="totals">
                        <dt>"Subtotal"</dt><dd>{money(order.totals.subtotal)}</dd>
                        <dt>{match &order.promo_code { Some(code) => format!("Discount ({code})"), None => "Discount".to_owned() }}</dt>
                        <dd>{format!("−{}", money(order.totals.discount))}</dd>
                        <dt>"Shipping"</dt><dd>{money(order.totals.shipping)}</dd>
                        <dt>"Total"</dt><dd><strong>{total}</strong></dd>
                    </dl>
                </section>
                <section class="panel" aria-labelledby="delivery-heading">
                    <h2 id="delivery-heading">"Delivery and payment"</h2>
                    <address>
                        {a.full_name.clone()} <br /> {a.line1.clone()} <br />
                        {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()} <br /> })}
                        {format!("{} {} {}", a.city, a.province, a.postal_code).split_whitespace().collect::<Vec<_>>().join(" ")} <br />
                        {country_name(&a.country).to_owned()}
                    </address>
                    <p>{order.payment_method.label()} " · " {payment_state}</p>
                </section>
                <section class="panel" aria-labelledby="timeline-heading">
                    <h2 id="timeline-heading">"Timeline"</h2>
                    <ol class="timeline">
                        {order.events.iter().map(|event| view! {
                            <li>
                                <strong>{event.to.label()}</strong>
                                " · " <Time at=event.at.clone() />
                                {(!event.note.is_empty()).then(|| view! { <p>{event.note.clone()}</p> })}
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            </div>
    }
}

/// Stripe's card form. `/pay.js` mounts it and talks to Stripe.js and to our
/// pay/confirm endpoints; paying needs JavaScript (Stripe.js does).
#[component]
fn CardPayment(card: CardForm, number: i64, total: String) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <section class="panel card-payment" aria-labelledby="pay-heading">
            <h2 id="pay-heading">"Pay by card"</h2>
            <form id="card-payment" data-order=number.to_string() data-key=card.publishable_key>
                <div id="card-element" class="card-element"></div>
                <button type="submit" class="button" id="pay-button">{format!("Pay {total}")}</button>
                <p id="card-status" role="status" aria-live="polite"></p>
            </form>
            <noscript><p class="alert alert-error">"Paying by card needs JavaScript. You can cancel this order and choose cash on delivery."</p></noscript>
            <script src=card.js_url nonce=nonce.clone()></script>
            <script src="/pay.js" nonce=nonce></script>
        </section>
    }
}

crate::ui::lazy_page!(OrdersRoute, OrdersPage);
crate::ui::lazy_page!(OrderRoute, OrderPage);
