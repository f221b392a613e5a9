//! The checkout page: address, promo code, payment method, totals.

use crate::account::components::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::CheckoutView;
use super::api::{PlaceOrder, get_checkout};
use crate::account::AddressInput;
use crate::account::pages::AddressFields;
use crate::account::rules::country_name;
use crate::cart::components::CartContext;
use crate::money::use_currency;
use crate::ui::{FormStatus, action_error, field_error, loaded, on_success};

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let query = use_query_map();
    let place = crate::flash::action::<PlaceOrder>();
    on_success(place.value(), CartContext::changed);
    let auth = AuthContext::use_context();
    let checkout = Resource::new(
        move || query.with(|q| q.get("promo")),
        move |promo| async move {
            AuthContext::known_signed_in(auth).await?;
            get_checkout(promo).await
        },
    );
    view! {
        <Title text="Checkout" />
        <section class="checkout-page">
            <h1>"Checkout"</h1>
            {loaded(checkout, move |view| {
                if view.cart.lines.is_empty() {
                    return view! {
                        <p>"Your cart is empty."</p>
                        <p><a class="button" href="/products">"Browse products"</a></p>
                    }.into_any();
                }
                view! { <CheckoutForm view place /> }.into_any()
            })}
        </section>
    }
}

#[component]
fn CheckoutForm(view: CheckoutView, place: ServerAction<PlaceOrder>) -> impl IntoView {
    let error = action_error(place.value());
    let currency = use_currency();
    let money = move |amount| currency.format(amount);
    let totals = view.totals;
    let primary = view.addresses.iter().find(|a| a.is_primary).or(view.addresses.first()).map(|a| a.id);
    let has_addresses = !view.addresses.is_empty();
    let applied = view.promo.as_ref().filter(|p| p.outcome.is_ok()).map(|p| p.code.clone()).unwrap_or_default();
    let promo_typed = view.promo.as_ref().map(|p| p.code.clone()).unwrap_or_default();
    let promo_message = view.promo.as_ref().map(|p| match &p.outcome {
        Ok(_) => ("alert alert-success", format!("Promo code {} applied.", p.code)),
        Err(reason) => ("alert alert-error", reason.clone()),
    });
    let ready = view.cart.ready();
    // From the first click until the order's page opens, the button rests: a
    // second click would only wait for the same order.
    let (pending, value) = (place.pending(), place.value());
    let placing = move || pending.get() || matches!(value.get(), Some(Ok(_)));
    view! {
        <div class="checkout-grid">
            <div>
                <section class="panel" aria-labelledby="promo-heading">
                    <h2 id="promo-heading">"Promo code"</h2>
                    <form method="get" action="/checkout" class="promo-form">
                        <label for="promo-code">"Code"</label>
                        <input id="promo-code" name="promo" value=promo_typed autocomplete="off" />
                        <button type="submit" class="button button-secondary">"Apply"</button>
                    </form>
                    <div role="status" aria-live="polite">
                        {promo_message.map(|(class, text)| view! { <p class=class>{text}</p> })}
                        <p class="field-error">{move || field_error(error, "promo").get()}</p>
                    </div>
                </section>
                <ActionForm action=place attr:class="checkout-form">
                    <FormStatus error fields=&["full_name", "line1", "line2", "city", "province", "postal_code", "country", "phone", "address", "payment", "promo"] />
                    <input type="hidden" name="token" value=view.token.to_string() />
                    <input type="hidden" name="promo" value=applied />
                    <fieldset class="panel">
                        <legend>"Ship to"</legend>
                        {view.addresses.iter().map(|address| {
                            let f = &address.fields;
                            let id = format!("address-{}", address.id);
                            let summary = format!("{}, {}, {} {}, {}", f.full_name, f.line1, f.city, f.postal_code, country_name(&f.country));
                            view! {
                                <div class="choice">
                                    <input type="radio" id=id.clone() name="address" value=address.id.to_string() checked=primary == Some(address.id) />
                                    <label for=id>{summary}</label>
                                </div>
                            }
                        }).collect_view()}
                        <div class="choice">
                            <input type="radio" id="address-new" name="address" value="new" checked=!has_addresses />
                            <label for="address-new">"A new address"</label>
                        </div>
                        <div class="new-address">
                            <AddressFields id_prefix="checkout".into() name="new_address" values=AddressInput { country: "US".into(), ..Default::default() } error />
                            <div class="choice">
                                <input type="checkbox" id="save-address" name="save_address" value="on" checked=true />
                                <label for="save-address">"Save it to my address book"</label>
                            </div>
                        </div>
                        <p class="field-error">{move || field_error(error, "address").get()}</p>
                    </fieldset>
                    <fieldset class="panel">
                        <legend>"Payment"</legend>
                        {view.card_enabled.then(|| view! {
                            <div class="choice">
                                <input type="radio" id="pay-card" name="payment" value="card" checked=true />
                                <label for="pay-card">"Card (you pay on the next page)"</label>
                            </div>
                        })}
                        <div class="choice">
                            <input type="radio" id="pay-cash" name="payment" value="cash" checked=!view.card_enabled />
                            <label for="pay-cash">"Cash on delivery"</label>
                        </div>
                        <p class="field-error">{move || field_error(error, "payment").get()}</p>
                    </fieldset>
                    <button type="submit" class="button" disabled=move || !ready || placing() aria-busy=move || placing().then_some("true")>
                        {move || if placing() { "Placing your order…" } else { "Place order" }}
                    </button>
                </ActionForm>
            </div>
            <aside class="panel order-summary" aria-labelledby="summary-heading">
                <h2 id="summary-heading">"Order summary"</h2>
                <ul class="summary-lines">
                    {view.cart.lines.iter().map(|line| view! {
                        <li>
                            <span>{format!("{} × {}", line.quantity, line.name)}</span>
                            <span>{money(line.line_total())}</span>
                            {line.problem().map(|p| view! { <p class="alert alert-error">{p}</p> })}
                        </li>
                    }).collect_view()}
                </ul>
                <dl class="totals">
                    <dt>"Subtotal"</dt><dd data-total="subtotal">{money(totals.subtotal)}</dd>
                    <dt>"Discount"</dt><dd data-total="discount">{format!("−{}", money(totals.discount))}</dd>
                    <dt>"Shipping"</dt><dd data-total="shipping">{if totals.shipping.is_zero() { "Free".to_owned() } else { money(totals.shipping) }}</dd>
                    <dt>"Total"</dt><dd data-total="total"><strong>{money(totals.total)}</strong></dd>
                </dl>
                {view.rates.free_from.filter(|from| totals.shipping > rust_decimal::Decimal::ZERO && *from > rust_decimal::Decimal::ZERO).map(|from| view! {
                    <p class="field-hint">{format!("Free shipping from {}.", money(from))}</p>
                })}
            </aside>
        </div>
    }
}

crate::ui::lazy_page!(CheckoutRoute, CheckoutPage);
