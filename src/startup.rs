//! The HTTP application: one `router(state)` used by `main` and by the tests.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::account::avatar;
use crate::app::{App, shell};
use crate::config::Config;
use crate::state::AppState;

/// Static assets change name when their content changes (cargo-leptos `hash-files`),
/// so browsers may keep them for a year. Without hashes they must revalidate.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
/// Stripe's events are a few kilobytes.
const WEBHOOK_MAX_BYTES: usize = 256 * 1024;
/// Media keys are never overwritten: a new upload gets a new key.
const MEDIA_CACHE: &str = "public, max-age=604800";

/// Builds the state: a lazily connecting pool (start-up does not wait for the
/// database; `/healthz` reports it) and the Leptos options.
pub fn build_state(config: Config) -> Result<AppState, sqlx::Error> {
    let connect: PgConnectOptions = config.database_url.expose_secret().parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(connect);
    Ok(state_with_pool(config, pool))
}

/// The state around an existing pool (tests bring their own).
pub fn state_with_pool(config: Config, pool: PgPool) -> AppState {
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|path| path.exists());
    let leptos_options = LeptosOptions::builder()
        .output_name("trove")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(hash_file)
        .build();
    let payments = config.stripe.as_ref().and_then(|stripe| match crate::payments::Payments::new(stripe) {
        Ok(payments) => Some(payments),
        Err(error) => {
            tracing::error!(%error, "card payments are off: the Stripe client could not be built");
            None
        }
    });
    let media = crate::media::Media::from_config(&config).unwrap_or_else(|error| {
        // Only a malformed setting gets here; serving without the images would hide it.
        tracing::error!(%error, "TROVE_S3_*: the media bucket cannot be used");
        std::process::exit(2)
    });
    AppState {
        leptos_options,
        pool,
        config: Arc::new(config),
        categories: Default::default(),
        facets: Default::default(),
        pages: Default::default(),
        payments,
        media,
    }
}

/// Every route of the store.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let pkg_cache = if state.leptos_options.hash_files { IMMUTABLE } else { REVALIDATE };
    let pkg = Router::new()
        .fallback_service(ServeDir::new(state.config.site_root.join("pkg")).precompressed_br().precompressed_gzip())
        .layer(cache_control(pkg_cache));
    let media = match &state.media {
        crate::media::Media::Local(dir) => Router::new().fallback_service(ServeDir::new(dir)),
        crate::media::Media::Bucket(_) => Router::new().route("/{*key}", get(crate::media::serve_from_bucket)),
    }
    .layer(cache_control(MEDIA_CACHE));

    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/robots.txt", get(crate::catalog::seo::robots))
        .route("/sitemap.xml", get(crate::catalog::seo::index))
        .route("/sitemaps/{name}", get(crate::catalog::seo::file))
        .nest("/pkg", pkg)
        .nest("/media", media)
        .route("/account/avatar", post(avatar::upload).layer(DefaultBodyLimit::max(avatar::MAX_BYTES + 64 * 1024)))
        .route(
            "/admin/products/{id}/images",
            post(crate::admin::upload::upload).layer(DefaultBodyLimit::max(crate::admin::upload::MAX_BODY_BYTES)),
        )
        .route("/admin/products.csv", get(crate::admin::csv::export))
        .route(
            "/admin/products/import",
            post(crate::admin::csv::import).layer(DefaultBodyLimit::max(crate::admin::csv::MAX_BYTES + 64 * 1024)),
        )
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Public files (favicon…) are served here, not by leptos_axum's file
        // handler: that one reads response options from whatever reactive
        // owner the thread last ran and takes them, so under load it stole a
        // concurrent page's headers (its Content-Security-Policy among them).
        // It only renders the 404 page.
        .fallback_service(
            ServeDir::new(&state.config.site_root)
                .fallback(file_and_error_handler_with_context::<AppState, _>(|| (), shell).with_state(state.clone())),
        )
        // Inner to outer: who is signed in needs the session, which needs the
        // request to have passed the cross-origin check.
        .layer(from_fn_with_state(state.clone(), crate::session::authenticate))
        .layer(crate::session::layer(state.pool.clone(), state.config.secure_cookies()))
        // Anonymous page views are answered from memory before any session work.
        .layer(from_fn_with_state(state.clone(), crate::page_cache::serve_cached))
        .layer(from_fn_with_state(state.clone(), crate::security::same_origin_writes))
        // Stripe's webhook: no session, no cookies; its signature is the check.
        .route(
            "/webhooks/stripe",
            post(crate::payments::webhook::handle).layer(DefaultBodyLimit::max(WEBHOOK_MAX_BYTES)),
        );
    for (name, value) in crate::security::static_headers() {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    app
        // Quality 4 keeps on-the-fly brotli and gzip cheap; the WASM bundle is
        // precompressed at build time at the highest level.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // Spans name the path only: a query can hold a secret (a reset link's token).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}

fn cache_control(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static(value))
}

/// 200 when the database answers within two seconds, 503 otherwise.
async fn healthz(State(pool): State<PgPool>) -> (StatusCode, &'static str) {
    let ping = async {
        let mut conn = pool.acquire().await?;
        conn.ping().await
    };
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.addr;
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        // Without it, Nagle and delayed ACKs stall every streamed body by ~40 ms.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
    });
    tracing::info!("Trove listening on http://{addr}");
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
