//! Icons, drawn as inline SVG in the text's colour. A text glyph turns into
//! an empty box where no installed font has it (the bell emoji on Debian's
//! Chromium and many Linux desktops); a drawing never does. Every icon is
//! hidden from assistive technology: the control or text beside it names it.

use leptos::prelude::*;

/// A bell, as markup: it is drawn inside the header's bell link, which is
/// set as inner HTML (`crate::header::components::bell`).
pub const BELL: &str = concat!(
    r#"<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">"#,
    r#"<path fill="currentColor" d="M12 2.5a6 6 0 0 0-6 6v3.8l-1.8 3.1a.8.8 0 0 0 .7 1.2h14.2a.8.8 0 0 0 .7-1.2L18 12.3V8.5a6 6 0 0 0-6-6zM9.5 18.5a2.5 2.5 0 0 0 5 0z"/></svg>"#
);

/// A heart, filled when `filled` says so.
#[component]
pub fn HeartIcon(#[prop(into)] filled: Signal<bool>) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path
                d="M12 20.5s-7.5-4.6-9.3-9.4A5 5 0 0 1 12 6.6a5 5 0 0 1 9.3 4.5c-1.8 4.8-9.3 9.4-9.3 9.4z"
                // `try_get`: Suspense may render this once more after the request
                // ended (its client left) and the signal went with it.
                fill=move || if filled.try_get().unwrap_or(false) { "currentColor" } else { "none" }
                stroke="currentColor"
                stroke-width="2"
                stroke-linejoin="round"
            />
        </svg>
    }
}

/// A five-pointed star, filled or outlined.
#[component]
pub fn StarIcon(filled: bool) -> impl IntoView {
    view! {
        <svg class="icon star" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
            <path
                d="M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4-4.7-4.4 6.4-.8z"
                fill=if filled { "currentColor" } else { "none" }
                stroke="currentColor"
                stroke-width="1.6"
                stroke-linejoin="round"
            />
        </svg>
    }
}

/// `rating` of five stars filled.
#[component]
pub fn Stars(rating: i16) -> impl IntoView {
    let filled = rating.clamp(0, 5);
    (1..=5).map(|at| view! { <StarIcon filled=at <= filled /> }).collect_view()
}
