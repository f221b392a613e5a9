//! Shared presentational components: form fields, pagination, loading and errors, lazy routes.

pub mod icons;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A page's data, shown one way everywhere: "Loading…" while it loads after
/// client-side navigation, the error page (or sign-in, for a signed-out
/// visitor) when loading failed, otherwise what `render` makes of it.
pub fn loaded<T, V>(
    data: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=Loading>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Sends a signed-out visitor to sign in, coming back here afterwards
/// (a 302 when rendered on the server).
#[component]
pub fn SignInRedirect() -> impl IntoView {
    let location = use_location();
    let here = location.pathname.get_untracked()
        + &{
            let search = location.search.get_untracked();
            if search.is_empty() { String::new() } else { format!("?{search}") }
        };
    let path = format!("/sign-in?next={}", encode_component(&here));
    view! { <Redirect path /> }
}

/// `text` safe as HTML text or a quoted attribute value, for the few parts
/// written as markup rather than views (the header's counts and links).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value (paths and queries we generate are ASCII).
pub fn encode_component(value: &str) -> String {
    encode_keeping(value, b"-_.~/")
}

/// A query parameter's value for a link: as `encode_component`, keeping the
/// punctuation an option filter is written with (`opt=colour:blue;size:m,l`),
/// which a query's value may hold as it is.
pub fn encode_query_value(value: &str) -> String {
    encode_keeping(value, b"-_.~/:,;")
}

fn encode_keeping(value: &str, kept: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || kept.contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A whole-page error: sign-in for a signed-out visitor, "page not found",
/// or the error's message for anything else.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    if error == AppError::Unauthorized {
        return view! { <SignInRedirect /> }.into_any();
    }
    // The one place a page's status follows its error (pages render in
    // `SsrMode::Async`, so the status is set before the first byte is sent).
    error.set_page_status();
    let (heading, text) = match &error {
        AppError::NotFound => {
            ("Page not found", "We couldn't find that page. It may have moved, or the link may be mistyped.".to_owned())
        }
        AppError::Forbidden => ("Access denied", "Your account doesn't have access to this page.".to_owned()),
        other => ("Something went wrong", other.to_string()),
    };
    view! {
        <Title text=heading />
        <section class="error-page">
            <h1>{heading}</h1>
            <p>{text}</p>
            <p>
                <a href="/">"Go to the home page"</a>
                " or "
                <a href="/products">"browse all products"</a>
                "."
            </p>
        </section>
    }
    .into_any()
}

/// The page for a path no route matches.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <ErrorView error=AppError::NotFound /> }
}

/// Shown while a page's data loads after client-side navigation.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// The error of an action's latest result, if it failed.
pub fn action_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|result| result.err()))
}

/// Runs `then` each time an action's latest result is a success (to refresh
/// what depends on it, such as the header).
pub fn on_success<T, S>(value: S, then: fn())
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            then();
        }
    });
}

/// A labelled input with its hint and its error, announced to screen readers.
#[component]
pub fn Field(
    /// Unique on the page; also ties the label, hint and error to the input.
    #[prop(into)]
    id: String,
    /// The form field's name, as the server function takes it.
    #[prop(into)]
    name: String,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The message for this field, from the action's latest error.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Checks the value in the browser when the field changes, with the same
    /// rule the server applies; `Some(problem)` is shown at once.
    #[prop(optional, into)]
    check: Option<Callback<String, Option<String>>>,
) -> impl IntoView {
    let live = RwSignal::new(None::<String>);
    let error = Signal::derive(move || live.get().or_else(|| error.get()));
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(check) = check {
            live.set(check.run(event_target_value(&ev)));
        }
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                required=required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
                on:change=on_change
            />
            {hint.map(|text| view! { <p class="field-hint" id=hint_id>{text}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A form's overall outcome: an error that belongs to no single field, or a
/// confirmation once it succeeded.
#[component]
pub fn FormStatus(
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The fields that show their own messages.
    fields: &'static [&'static str],
    #[prop(optional, into)] success: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let general = move || {
        error.get().map(|error| match &error {
            AppError::Validation(map) if map.keys().all(|k| fields.contains(&k.as_str())) => {
                "Please correct the highlighted fields.".to_owned()
            }
            AppError::Conflict { field, .. } if fields.contains(&field.as_str()) => {
                "Please correct the highlighted fields.".to_owned()
            }
            other => other.to_string(),
        })
    };
    view! {
        <div class="form-status" role="status" aria-live="polite">
            {move || general().map(|text| view! { <p class="alert alert-error">{text}</p> })}
            {move || {
                success
                    .and_then(|s| s.get())
                    .filter(|_| error.get().is_none())
                    .map(|text| view! { <p class="alert alert-success">{text}</p> })
            }}
        </div>
    }
}

/// The message for `field` from an action's latest error.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.message_for(field)))
}

/// A page title as it must be written. The server writes it into `<title>`
/// as HTML, and leptos_meta does not escape it (a product named
/// `</title><script>…` would end the element); the browser sets
/// `document.title`, which takes plain text.
pub fn title_text(title: String) -> String {
    if cfg!(feature = "ssr") { title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { title }
}

/// A moment as pages show it, formatted on the server: the browser bundle
/// carries no date code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// As people read it: `2026-11-22 09:30 UTC`.
    pub text: String,
}

#[cfg(feature = "ssr")]
impl From<chrono::DateTime<chrono::Utc>> for Moment {
    fn from(at: chrono::DateTime<chrono::Utc>) -> Self {
        Moment { iso: at.to_rfc3339(), text: at.format("%Y-%m-%d %H:%M UTC").to_string() }
    }
}

/// A `<time>` element for a moment.
#[component]
pub fn Time(at: Moment) -> impl IntoView {
    view! { <time datetime=at.iso>{at.text}</time> }
}

/// Declares `$route`, a lazy route showing the component `$page`: the page's
/// code becomes a WASM chunk of its own, loaded the first time it is opened
/// (or before hydrating a page that is one), so it stays out of the bundle
/// every shopper downloads.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> leptos::prelude::AnyView {
                leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$page /> })
            }
        }
    };
}
pub(crate) use lazy_page;

/// A form posting to `action`'s server function: a plain form post before
/// hydration, the shared action after it. Leptos's `ActionForm` does the
/// same but makes signals for every form; this one is for the forms repeated
/// on every card of a page, where that cost a tenth of a rendered listing.
#[component]
pub fn CardForm<S>(action: ServerAction<S>, class: &'static str, children: Children) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Error = AppError> + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        use leptos::form::FromFormData;
        use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        match S::from_event(&ev) {
            Ok(input) => {
                action.dispatch(input);
            }
            Err(error) => {
                let error = AppError::from_server_fn_error(ServerFnErrorErr::Serialization(error.to_string()));
                action.value().set(Some(Err(error)));
            }
        }
    };
    view! {
        // `novalidate`: the store's messages say what is wrong, beside the field.
        <form action=S::url() method="post" class=class novalidate=true on:submit=on_submit>
            {children()}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_are_encoded_for_the_query() {
        assert_eq!(encode_component("/account/addresses"), "/account/addresses");
        assert_eq!(encode_component("/p/x?image=2&a=b"), "/p/x%3Fimage%3D2%26a%3Db");
    }
}
