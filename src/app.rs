//! The HTML shell, the `App` component and the route table.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::account::components::{AuthContext, HeaderAccount};
use crate::account::pages::{
    AccountRoute, AddressesRoute, ForgotPasswordRoute, ResetPasswordRoute, SecurityRoute, SignInRoute, SignUpRoute,
    VerifyEmailRoute,
};
use crate::admin::pages as admin;
use crate::cart::components::CartContext;
use crate::cart::pages::CartRoute;
use crate::catalog::Layout;
use crate::catalog::api::get_layout;
use crate::catalog::components::LayoutContext;
use crate::catalog::pages::{CategoryPage, HomePage, ProductPage, ProductsPage};
use crate::chat::pages::{ConversationRoute, InboxRoute, MessagesRoute};
use crate::checkout::pages::CheckoutRoute;
use crate::error::AppError;
use crate::header::components::{HeaderBell, HeaderCart, HeaderCountsContext, HeaderHelp};
use crate::integrations::pages::ApiTokensRoute;
use crate::notifications::pages::{NotificationContext, NotificationsRoute};
use crate::orders::pages::{OrderRoute, OrdersRoute};
use crate::search::components::SearchBox;
use crate::search::pages::SearchPage;
use crate::ui::NotFoundPage;
use crate::wishlist::components::WishlistContext;
use crate::wishlist::pages::WishlistRoute;

/// The document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy admits the nonce Leptos puts on its
    // inline scripts, so hydration works under it.
    #[cfg(feature = "ssr")]
    crate::security::set_page_policy();
    // Read by `Currency::provide` when the page hydrates.
    let currency = crate::money::use_currency();
    // Read by `Flash::provide`: the outcome of the plain form post that led here.
    let flash = crate::flash::Flash::attribute();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-currency=currency.code().to_owned() data-flash=flash>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#14532d" />
                <AutoReload options=options.clone() />
                <HydrateAfterLoad options=options.clone() />
                <HashedStylesheet options id="leptos" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads the WASM and hydrates once the page has loaded (images included) and
/// the browser is idle, so it never competes with what paints first: pages are
/// rendered on the server and their links and plain forms work before it.
/// Leptos's `HydrationScripts` also starts fetching the WASM from the head
/// (preload hints), which put its 350 KB on a phone's path to the first
/// product image (Lighthouse LCP 3 s on slow 4G); this loader leaves them out.
/// It is not called at all: the split-code manifest it provides makes lazy
/// pages preload their chunks with the nonce in `crossorigin`, which the
/// page's own policy then blocks; a lazy page's chunk loads when it hydrates.
#[component]
fn HydrateAfterLoad(options: LeptosOptions) -> impl IntoView {
    let (js, wasm) = bundle_names(&options);
    let pkg = format!("/{}", options.site_pkg_dir);
    let script = format!(
        r#"(function (js, wasm) {{
  const hydrate = () => import(js).then(m => m.default({{ module_or_path: wasm }}).then(() => m.hydrate()));
  const idle = () => "requestIdleCallback" in window ? requestIdleCallback(hydrate, {{ timeout: 2000 }}) : setTimeout(hydrate, 1);
  if (document.readyState === "complete") idle(); else addEventListener("load", idle, {{ once: true }});
}})("{pkg}/{js}.js", "{pkg}/{wasm}.wasm");"#
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}

/// The file names of the JS glue and the WASM, with the content hashes
/// cargo-leptos wrote beside the binary when it hashes files.
fn bundle_names(options: &LeptosOptions) -> &'static (String, String) {
    static NAMES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let name = options.output_name.to_string();
        let hashes = options
            .hash_files
            .then(|| std::env::current_exe().ok()?.parent().map(|dir| dir.join(options.hash_file.as_ref())))
            .flatten()
            .and_then(|path| std::fs::read_to_string(path).ok());
        let Some(hashes) = hashes else {
            // Without cargo-leptos's output name, wasm-bindgen's `_bg` suffix stays.
            let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { name.clone() } else { format!("{name}_bg") };
            return (name, wasm);
        };
        let hash = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| format!("{name}.{}", hash.trim()))
            })
        };
        (hash("js").unwrap_or_else(|| name.clone()), hash("wasm").unwrap_or_else(|| name.clone()))
    })
}

/// The store. Pages whose status depends on their data (404s) render
/// `SsrMode::Async`, so the status is known before the first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::money::Currency::provide();
    crate::flash::Flash::provide();
    let auth = AuthContext::provide();
    let cart = CartContext::provide();
    let bell = NotificationContext::provide();
    WishlistContext::provide(auth);
    HeaderCountsContext::provide(auth, cart, bell);
    crate::chat::follow::ChatLive::provide(auth);
    let layout = Resource::new(|| (), |_| get_layout());
    provide_context(LayoutContext(layout));
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Router>
            <crate::flash::ForgetOnNavigation />
            <SkipLink />
            <SiteHeader layout />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/products") view=ProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/c/:slug") view=CategoryPage ssr=SsrMode::Async />
                    <Route path=path!("/p/:slug") view=ProductPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view={Lazy::<SignInRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sign-up") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/verify-email") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account/addresses") view={Lazy::<AddressesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account/security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin") view={Lazy::<admin::DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders") view={Lazy::<admin::OrdersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders/:number") view={Lazy::<admin::OrderRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products") view={Lazy::<admin::ProductsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/new") view={Lazy::<admin::ProductRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/import") view={Lazy::<admin::ImportRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/:id") view={Lazy::<admin::ProductRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/categories") view={Lazy::<admin::CategoriesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/promos") view={Lazy::<admin::PromosRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view={Lazy::<admin::UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view={Lazy::<admin::UserRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/reviews") view={Lazy::<admin::ReviewsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view={Lazy::<admin::AuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox") view={Lazy::<admin::OutboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/integrations") view={Lazy::<admin::IntegrationsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account/tokens") view={Lazy::<ApiTokensRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cart") view={Lazy::<CartRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view={Lazy::<CheckoutRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/orders") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/orders/:number") view={Lazy::<OrderRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/wishlist") view={Lazy::<WishlistRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages") view={Lazy::<MessagesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages/:id") view={Lazy::<ConversationRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/inbox") view={Lazy::<InboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/inbox/:id") view={Lazy::<ConversationRoute>::new()} ssr=SsrMode::Async />
                </Routes>
            </main>
            <SiteFooter layout />
        </Router>
    }
}

/// "Skip to content": moves the keyboard's focus to `<main>`. Before
/// hydration the browser's own fragment navigation does it (`rel="external"`
/// keeps the router out); after it, the click focuses `<main>` itself and
/// leaves the address alone, so no history entry or route change can race
/// the move.
#[component]
fn SkipLink() -> impl IntoView {
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(not(feature = "ssr"))]
        {
            use leptos::wasm_bindgen::JsCast;
            let main =
                document().get_element_by_id("main").and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok());
            if let Some(main) = main {
                ev.prevent_default();
                let _ = main.focus();
                main.scroll_into_view();
            }
        }
        #[cfg(feature = "ssr")]
        let _ = ev;
    };
    view! { <a class="skip-link" href="#main" rel="external" on:click=on_click>"Skip to content"</a> }
}

/// Store name, category navigation, and the account links.
///
/// The account links sit outside the layout's `Suspense`: anything created
/// inside resolved async content is created at a moment that differs between
/// the server and hydration, and resource ids must be handed out in one order.
#[component]
fn SiteHeader(layout: Resource<Result<Layout, AppError>>) -> impl IntoView {
    // The admin area is a workplace: a compact bar (the store, a way back to
    // the shop, who is signed in) instead of the storefront's search, cart
    // and category bar.
    let location = leptos_router::hooks::use_location();
    let admin = Memo::new(move |_| location.pathname.with(|p| crate::account::components::in_admin(p)));
    view! {
        <header class="site-header" class:admin-header=move || admin.get()>
            <div class="header-bar">
                <Suspense fallback=|| view! { <a class="brand" href="/">"\u{a0}"</a> }>
                    {move || Suspend::new(async move {
                        let store = layout.await.map(|l| l.store_name).unwrap_or_else(|_| "Trove".into());
                        let title_store = store.clone();
                        view! {
                            <Title formatter=move |text: String| {
                                crate::ui::title_text(if text.is_empty() { title_store.clone() } else { format!("{text} | {title_store}") })
                            } />
                            <a class="brand" href="/">{store}</a>
                        }
                    })}
                </Suspense>
                <Show when=move || admin.get() fallback=|| view! { <SearchBox /> }>
                    <span class="admin-tag">"Admin"</span>
                    <a class="shop-link" href="/">"View the shop"</a>
                </Show>
                <div class="header-actions">
                    <Show when=move || !admin.get()><HeaderHelp /><HeaderBell /><HeaderCart /></Show>
                    <HeaderAccount />
                </div>
            </div>
            <Show when=move || !admin.get()>
            <nav class="category-nav" aria-label="Categories">
                <Suspense>
                    {move || Suspend::new(async move {
                        let categories = layout.await.map(|l| l.categories).unwrap_or_default();
                        view! {
                            <ul>
                                <li><a href="/products">"All products"</a></li>
                                {categories.into_iter().map(|c| view! {
                                    <li><a href=c.href()>{c.name.clone()}</a></li>
                                }).collect_view()}
                            </ul>
                        }
                    })}
                </Suspense>
            </nav>
            </Show>
        </header>
    }
}

#[component]
fn SiteFooter(layout: Resource<Result<Layout, AppError>>) -> impl IntoView {
    view! {
        <footer class="site-footer">
            <Suspense>
                {move || Suspend::new(async move {
                    let name = layout.await.map(|l| l.store_name).unwrap_or_else(|_| "Trove".into());
                    view! {
                        <p>
                            {format!("© {name}")} " · " <a href="/products">"All products"</a>
                        </p>
                    }
                })}
            </Suspense>
        </footer>
    }
}
