//! The cart pieces other pages use: the cart's context (its version and the
//! shared add-to-cart action) and add-to-cart forms.

use leptos::prelude::*;

use super::api::AddToCart;
use crate::product::{ProductId, VariantId};
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

impl CartContext {
    /// Creates the context; called once by `App`.
    pub fn provide() -> Self {
        let version = RwSignal::new(0);
        let add = crate::flash::action::<AddToCart>();
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

/// An "Add to cart" form; with `choose_quantity`, a quantity field too. It is a
/// plain form post before hydration and updates the header in place after;
/// the header says what happened (one live region for all of a page's forms).
#[component]
pub fn AddToCartForm(
    product: ProductId,
    /// The variant chosen on a product page (a card's form adds a product
    /// with one variant).
    #[prop(default = None)]
    variant: Option<VariantId>,
    name: String,
    #[prop(optional)] choose_quantity: bool,
    stock: i32,
    /// Why it cannot be added, when that is not "sold out" ("Not available
    /// in this combination").
    #[prop(default = None)]
    unavailable: Option<&'static str>,
) -> impl IntoView {
    let Some(CartContext { add, .. }) = use_context::<CartContext>() else { return ().into_any() };
    // The quantity has no `max`: the browser would refuse a larger number with
    // its own message, where the server's names how many are left.
    let quantity_id = format!("quantity-{}", product.0);
    let error_id = format!("quantity-error-{}", product.0);
    // The shared action's error is this field's when it is about a quantity:
    // only this form (a product page's own) has a quantity to get wrong.
    let value = add.value();
    let quantity_error =
        move || value.try_get().flatten().and_then(|r| r.err()).and_then(|e| e.message_for("quantity"));
    view! {
        <CardForm action=add class="add-to-cart">
            <input type="hidden" name="product" value=product.0.to_string() />
            {variant.map(|variant| view! { <input type="hidden" name="variant" value=variant.0.to_string() /> })}
            {choose_quantity.then(|| view! {
                <input type="hidden" name="typed" value="1" />
                <label for=quantity_id.clone()>"Quantity"</label>
                <input id=quantity_id.clone() name="quantity" type="number" inputmode="numeric" min="1" value="1"
                    class="quantity-input" data-stock=stock.to_string()
                    aria-invalid=move || quantity_error().is_some().then_some("true")
                    aria-describedby=error_id.clone() />
                <p class="field-error" id=error_id.clone()>{quantity_error}</p>
            })}
            <button type="submit" class="button" disabled=stock <= 0 || unavailable.is_some()>
                {unavailable.unwrap_or(if stock <= 0 { "Sold out" } else { "Add to cart" })}
                <span class="visually-hidden">{format!(": {name}")}</span>
            </button>
        </CardForm>
    }
    .into_any()
}
