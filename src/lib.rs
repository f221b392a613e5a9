//! Trove: a self-hosted web store.

// The whole app's view type is one deeply nested type when components are
// not erased (release builds erase them).
#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod app;
pub mod cart;
pub mod catalog;
pub mod chat;
pub mod checkout;
pub mod error;
pub mod flash;
pub mod header;
pub mod integrations;
pub mod mail;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod product;
pub mod reviews;
pub mod search;
pub mod ui;
pub mod wishlist;

#[cfg(feature = "ssr")]
pub mod api_v1;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod media;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod page_cache;
#[cfg(feature = "ssr")]
pub mod payments;
#[cfg(feature = "ssr")]
pub mod personal;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// The browser's entry point: hydrate the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (the admin area) load their code before hydrating.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body().expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // A signal for people and tests that the page is now interactive.
        let _ = body.set_attribute("data-hydrated", "");
    });
}
