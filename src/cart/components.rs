//! The cart pieces other pages use: the header's cart link and add-to-cart forms.

use leptos::prelude::*;

use super::HeaderCounts;
use super::api::{AddToCart, get_header_counts};
use crate::catalog::ProductId;
use crate::error::AppError;
use crate::ui::CardForm;

/// The cart as every page's header knows it. `version` moves on after any
/// cart change; `add` is the one add-to-cart action every form on a page
/// shares (a listing renders dozens of forms; one action, made once with the
/// app, keeps each of them cheap), and the header shows its outcome.
#[derive(Clone, Copy)]
pub struct CartContext {
    pub version: RwSignal<u32>,
    pub add: ServerAction<AddToCart>,
}

/// The header's counts, fetched again whenever the cart, the notifications or
/// who is signed in changes.
#[derive(Clone, Copy)]
pub struct HeaderCountsContext(pub Resource<Result<HeaderCounts, AppError>>);

impl CartContext {
    /// Creates the context; called once by `App`.
    pub fn provide() -> Self {
        let version = RwSignal::new(0);
        let add = ServerAction::<AddToCart>::new();
        let context = CartContext { version, add };
        provide_context(context);
        crate::ui::on_success(add.value(), CartContext::changed);
        context
    }

    /// Marks the cart as changed, so the header counts again.
    pub fn changed() {
        if let Some(context) = use_context::<Self>() {
            context.version.update(|v| *v += 1);
        }
    }
}

impl HeaderCountsContext {
    /// Creates the one header resource; called once by `App`, after the
    /// contexts whose versions it follows.
    pub fn provide(
        auth: crate::account::components::AuthContext,
        cart: CartContext,
        bell: crate::notifications::pages::NotificationContext,
    ) -> Self {
        let counts = Resource::new(
            move || (cart.version.get(), bell.version.get(), auth.version.get()),
            |_| get_header_counts(),
        );
        let context = HeaderCountsContext(counts);
        provide_context(context);
        context
    }
}

/// The header's link to the cart, with how many items it holds, and what the
/// latest add-to-cart did.
#[component]
pub fn HeaderCart() -> impl IntoView {
    let (Some(HeaderCountsContext(counts)), Some(cart)) =
        (use_context::<HeaderCountsContext>(), use_context::<CartContext>())
    else {
        return ().into_any();
    };
    // `try_get`: a render still running after its request went away (the
    // client hung up) reads nothing instead of panicking.
    let value = cart.add.value();
    let outcome = move || match value.try_get().flatten() {
        Some(Ok(_)) => Some(("cart-toast cart-toast-ok", "Added to your cart.".to_owned())),
        Some(Err(error)) => {
            Some(("cart-toast cart-toast-error", error.message_for("quantity").unwrap_or_else(|| error.to_string())))
        }
        None => None,
    };
    view! {
        <div class="cart-header">
            <div role="status" aria-live="polite" class="cart-status">
                {move || outcome().map(|(class, text)| view! { <span class=class>{text}</span> })}
            </div>
            <HeaderCartLink counts />
        </div>
    }
    .into_any()
}

#[component]
fn HeaderCartLink(counts: Resource<Result<HeaderCounts, AppError>>) -> impl IntoView {
    view! {
        <a class="cart-link" href="/cart">
            "Cart"
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let count = counts.await.map(|c| c.cart).unwrap_or(0);
                    view! {
                        <span class="cart-count" data-count=count.to_string()>
                            <span class="visually-hidden">", "</span>
                            {count.to_string()}
                            <span class="visually-hidden">{if count == 1 { " item" } else { " items" }}</span>
                        </span>
                    }
                })}
            </Suspense>
        </a>
    }
}

/// An "Add to cart" form; with `choose_quantity`, a quantity field too. It is a
/// plain form post before hydration and updates the header in place after;
/// the header says what happened (one live region for all of a page's forms).
#[component]
pub fn AddToCartForm(
    product: ProductId,
    name: String,
    #[prop(optional)] choose_quantity: bool,
    stock: i32,
) -> impl IntoView {
    let Some(CartContext { add, .. }) = use_context::<CartContext>() else { return ().into_any() };
    // The quantity has no `max`: the browser would refuse a larger number with
    // its own message, where the server's names how many are left.
    let quantity_id = format!("quantity-{}", product.0);
    view! {
        <CardForm action=add class="add-to-cart">
            <input type="hidden" name="product" value=product.0.to_string() />
            {choose_quantity.then(|| view! {
                <label for=quantity_id.clone()>"Quantity"</label>
                <input id=quantity_id.clone() name="quantity" type="number" min="1" value="1" class="quantity-input" data-stock=stock.to_string() />
            })}
            <button type="submit" class="button" disabled=stock <= 0>
                {if stock <= 0 { "Sold out" } else { "Add to cart" }}
                <span class="visually-hidden">{format!(": {name}")}</span>
            </button>
        </CardForm>
    }
    .into_any()
}
