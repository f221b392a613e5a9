//! A product page's buying panel: the option pickers (a GET form, so
//! `?size=m&colour=blue` chooses without JavaScript and can be shared), and
//! the chosen variant's price, stock and "Add to cart". After hydration a
//! pick updates the address in place and everything follows it.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::cart::components::AddToCartForm;
use crate::product::components::{Price, StockBadge};
use crate::product::rules::{Choice, ValueState};
use crate::product::{ImageRef, ProductId, ProductOption, Variant};

/// The choice the page's address makes, kept in step with it.
pub fn use_choice(options: StoredValue<Vec<ProductOption>>, variants: StoredValue<Vec<Variant>>) -> Memo<Choice> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            options.with_value(|options| {
                variants.with_value(|variants| {
                    Choice::from_query(options, variants, |key| q.get_str(key).map(str::to_owned))
                })
            })
        })
    })
}

/// The pictures the page shows for the choice: the chosen variant's, in its
/// order, when it has pictures of its own; else the whole gallery.
pub fn variant_gallery(images: &[ImageRef], choice: &Choice) -> Vec<ImageRef> {
    let own: Vec<ImageRef> = choice
        .variant
        .as_ref()
        .map(|variant| {
            variant.images.iter().filter_map(|key| images.iter().find(|image| &image.key == key).cloned()).collect()
        })
        .unwrap_or_default();
    if own.is_empty() { images.to_vec() } else { own }
}

/// Price, pickers, stock and the add-to-cart form for the chosen variant.
#[component]
pub fn BuyPanel(
    product: ProductId,
    name: String,
    href: String,
    options: StoredValue<Vec<ProductOption>>,
    variants: StoredValue<Vec<Variant>>,
    choice: Memo<Choice>,
) -> impl IntoView {
    let lowest = variants.with_value(|all| all.iter().map(|v| v.offer_price.unwrap_or(v.price)).min());
    let price = move || match choice.get().variant {
        Some(variant) => view! { <Price price=variant.price offer_price=variant.offer_price /> }.into_any(),
        None => lowest
            .map(|low| view! { <Price price=low offer_price=None from=Some(low) /> }.into_any())
            .unwrap_or_else(|| ().into_any()),
    };
    let stock = move || match choice.get().variant {
        Some(variant) => view! { <StockBadge stock=variant.stock /> }.into_any(),
        None => view! { <p class="stock stock-out">"Not available in this combination"</p> }.into_any(),
    };
    let add = {
        let name = name.clone();
        move || {
            let chosen = choice.get().variant;
            view! {
                <AddToCartForm product variant=chosen.as_ref().map(|v| v.id) name=name.clone()
                    stock=chosen.as_ref().map_or(0, |v| v.stock) choose_quantity=true
                    unavailable=chosen.is_none().then_some("Not available") />
            }
        }
    };
    let has_options = options.with_value(|o| !o.is_empty());
    view! {
        <div class="buy-panel" aria-live="polite">
            {price}
            {has_options.then(|| view! { <Pickers name href options variants choice /> })}
            {stock}
        </div>
        {add}
    }
}

/// One radio group per option, in a GET form that chooses without
/// JavaScript; each value says when it is sold out or not sold with the
/// other values chosen.
#[component]
fn Pickers(
    name: String,
    href: String,
    options: StoredValue<Vec<ProductOption>>,
    variants: StoredValue<Vec<Variant>>,
    choice: Memo<Choice>,
) -> impl IntoView {
    let navigate = use_navigate();
    let groups = options.with_value(|all| {
        all.iter()
            .enumerate()
            .map(|(index, option)| {
                let values = option
                    .values
                    .iter()
                    .map(|value| {
                        let (id, slug) = (value.id, value.slug.clone());
                        let state =
                            move || choice.with(|c| variants.with_value(|variants| c.state_of(variants, index, id)));
                        let checked = move || choice.with(|c| c.values.get(index) == Some(&Some(id)));
                        let go = {
                            let (navigate, href, slug) = (navigate.clone(), href.clone(), slug.clone());
                            move |_| {
                                let query =
                                    choice.with_untracked(|c| options.with_value(|o| c.query_with(o, index, &slug)));
                                let options = NavigateOptions { replace: true, scroll: false, ..Default::default() };
                                navigate(&format!("{href}?{query}"), options);
                            }
                        };
                        view! {
                            <label class="option-value"
                                class:sold-out=move || state() == ValueState::SoldOut
                                class:unavailable=move || state() == ValueState::Unavailable>
                                <input type="radio" name=option.slug.clone() value=slug checked=checked on:change=go />
                                <span class="option-label">{value.value.clone()}</span>
                                <span class="option-note">{move || match state() {
                                    ValueState::Available => "",
                                    ValueState::SoldOut => " (sold out)",
                                    ValueState::Unavailable => " (not available)",
                                }}</span>
                            </label>
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="option-group">
                        <legend>{option.name.clone()}</legend>
                        <div class="option-values">{values}</div>
                    </fieldset>
                }
            })
            .collect_view()
    });
    view! {
        <form method="get" action=href.clone() class="variant-picker" aria-label=format!("Options of {name}")>
            {groups}
            <button type="submit" class="button button-secondary picker-submit">"Show this choice"</button>
        </form>
    }
}
