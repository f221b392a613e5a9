//! The header's search box: a plain GET form to `/search` (works without
//! JavaScript) that, once hydrated, suggests products as the shopper types,
//! following the ARIA combobox pattern (arrow keys move through the list,
//! Enter opens the highlighted product, Escape closes it).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::Suggestion;
use super::api::get_suggestions;

/// Typing pauses this long before suggestions are fetched.
const DEBOUNCE: Duration = Duration::from_millis(150);

#[component]
pub fn SearchBox() -> impl IntoView {
    let suggestions = RwSignal::new(Vec::<Suggestion>::new());
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    // Each keystroke takes a ticket; only the newest ticket's answer is shown,
    // so a slow answer to an older query never replaces a newer one.
    let ticket = StoredValue::new(0u64);
    let navigate = use_navigate();
    let expanded = move || open.get() && !suggestions.with(Vec::is_empty);

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        ticket.update_value(|t| *t += 1);
        let mine = ticket.get_value();
        if value.trim().chars().count() < 2 {
            suggestions.set(Vec::new());
            active.set(None);
            return;
        }
        set_timeout(
            move || {
                if ticket.get_value() != mine {
                    return;
                }
                spawn_local(async move {
                    let found = get_suggestions(value).await.unwrap_or_default();
                    if ticket.get_value() == mine {
                        suggestions.set(found);
                        active.set(None);
                        open.set(true);
                    }
                });
            },
            DEBOUNCE,
        );
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = suggestions.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" if expanded() => {
                if let Some(slug) = active.get().and_then(|i| suggestions.with(|s| s.get(i).map(|s| s.slug.clone()))) {
                    ev.prevent_default();
                    open.set(false);
                    navigate(&format!("/p/{slug}"), Default::default());
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    view! {
        <form class="search-form" role="search" action="/search" method="get">
            <label for="site-search" class="visually-hidden">"Search products"</label>
            <input
                id="site-search"
                type="search"
                name="q"
                placeholder="Search products"
                autocomplete="off"
                role="combobox"
                aria-autocomplete="list"
                aria-controls="search-suggestions"
                aria-expanded=move || if expanded() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("suggestion-{i}"))
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| set_timeout(move || open.set(false), Duration::from_millis(200))
            />
            <button type="submit" class="button">"Search"</button>
            <ul id="search-suggestions" role="listbox" aria-label="Suggestions" class="suggestions" hidden=move || !expanded()>
                {move || suggestions.get().into_iter().enumerate().map(|(i, s)| view! {
                    <li
                        id=format!("suggestion-{i}")
                        role="option"
                        aria-selected=move || if active.get() == Some(i) { "true" } else { "false" }
                    >
                        <a href=format!("/p/{}", s.slug) tabindex="-1">{s.name}</a>
                    </li>
                }).collect_view()}
            </ul>
        </form>
    }
}
