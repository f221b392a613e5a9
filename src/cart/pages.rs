//! The cart page.

use leptos::prelude::*;
use leptos_meta::Title;

use super::CartLine;
use super::api::{RemoveFromCart, UpdateCartLine, get_cart};
use super::components::CartContext;
use super::rules::{MAX_QUANTITY, line_field};
use crate::error::AppError;
use crate::money::use_currency;
use crate::ui::{FormStatus, action_error, loaded, on_success};

#[component]
pub fn CartPage() -> impl IntoView {
    let update = crate::flash::action::<UpdateCartLine>();
    let remove = crate::flash::action::<RemoveFromCart>();
    on_success(update.value(), CartContext::changed);
    on_success(remove.value(), CartContext::changed);
    let cart = Resource::new(move || (update.version().get(), remove.version().get()), |_| get_cart());
    let error =
        Signal::derive(move || action_error(update.value()).get().or_else(|| action_error(remove.value()).get()));
    view! {
        <Title text="Your cart" />
        <section class="cart-page">
            <h1>"Your cart"</h1>
            <FormStatus error fields=&[] />
            {loaded(cart, move |cart| {
                if cart.lines.is_empty() {
                    return view! {
                        <p>"Your cart is empty."</p>
                        <p><a class="button" href="/products">"Browse products"</a></p>
                    }.into_any();
                }
                let subtotal = use_currency().format(cart.subtotal());
                let ready = cart.ready();
                view! {
                    <ul class="cart-lines">
                        {cart.lines.into_iter().map(|line| view! {
                            <CartLineView line update remove error />
                        }).collect_view()}
                    </ul>
                    <div class="cart-summary panel">
                        <p class="cart-subtotal">"Subtotal: " <strong>{subtotal}</strong></p>
                        <p class="field-hint">"Shipping and any promo code are worked out at checkout."</p>
                        {if ready {
                            view! { <a class="button" href="/checkout">"Check out"</a> }.into_any()
                        } else {
                            view! { <p class="alert alert-error">"Fix the items marked above to check out."</p> }.into_any()
                        }}
                    </div>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn CartLineView(
    line: CartLine,
    update: ServerAction<UpdateCartLine>,
    remove: ServerAction<RemoveFromCart>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = line.variant.0.to_string();
    let input_id = format!("cart-quantity-{id}");
    let error_id = format!("cart-quantity-error-{id}");
    let field = line_field(line.variant);
    let field_error = Signal::derive(move || error.get().and_then(|e| e.message_for(&field)));
    let problem = line.problem();
    let currency = use_currency();
    let price_note = line.price_note(currency);
    let name = line.title();
    let remove_id = id.clone();
    let remove_label = format!(": {name}");
    let label = name.clone();
    view! {
        <li class="cart-line panel" aria-label=label>
            {line.image.clone().map(|image| view! {
                <img src=image.url_at(192) alt="" width="96" height="96" loading="lazy" />
            })}
            <div class="cart-line-info">
                <h2 class="cart-line-name"><a href=line.href()>{line.name.clone()}</a></h2>
                {(!line.options.is_empty()).then(|| view! { <p class="cart-line-options">{line.options.clone()}</p> })}
                <p>{currency.format(line.unit_price)} " each"</p>
                {price_note.map(|note| view! { <p class="alert alert-info">{note}</p> })}
                {problem.map(|text| view! { <p class="alert alert-error cart-line-problem">{text}</p> })}
            </div>
            // `novalidate`: the store's own message, beside the field, says
            // what is wrong with a quantity (the browser's bubble would not).
            <ActionForm action=update attr:class="cart-quantity" attr:novalidate=true>
                <input type="hidden" name="variant" value=id.clone() />
                <label for=input_id.clone()>"Quantity" <span class="visually-hidden">{format!(" of {name}")}</span></label>
                <input id=input_id name="quantity" type="number" inputmode="numeric" min="1" max=MAX_QUANTITY.to_string()
                    value=line.quantity.to_string() class="quantity-input"
                    aria-invalid=move || field_error.get().is_some().then_some("true")
                    aria-describedby=error_id.clone() />
                <button type="submit" class="button button-secondary">"Update"</button>
                <p class="field-error" id=error_id>{move || field_error.get()}</p>
            </ActionForm>
            <p class="cart-line-total">{currency.format(line.line_total())}</p>
            <ActionForm action=remove>
                <input type="hidden" name="variant" value=remove_id />
                <button type="submit" class="link-button">"Remove" <span class="visually-hidden">{remove_label}</span></button>
            </ActionForm>
        </li>
    }
}

// The cart, checkout and order pages load on demand: most visits browse.
crate::ui::lazy_page!(CartRoute, CartPage);
