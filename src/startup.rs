//! The HTTP application: one `router(state)` used by `main` and by the tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};
use tower::ServiceExt as _;
use tower_http::catch_panic::CatchPanicLayer;
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

/// Why the store cannot start with this configuration; `main` prints it and
/// exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("DATABASE_URL is not a PostgreSQL URL: {0}")]
    DatabaseUrl(sqlx::Error),
    #[error("TROVE_S3_*: the media bucket cannot be used: {0}")]
    MediaBucket(object_store::Error),
}

/// Builds the state: a lazily connecting pool (start-up does not wait for the
/// database; `/healthz` reports it) and the Leptos options.
pub fn build_state(config: Config) -> Result<AppState, StartupError> {
    let pool = lazy_pool(&config, &config.database_url)?;
    let replicas = config.database_read_urls.iter().map(|url| lazy_pool(&config, url)).collect::<Result<_, _>>()?;
    state_with_pools(config, pool, crate::db::Replicas::new(replicas))
}

/// A pool for `url` that connects on first use. Every acquire is reported at
/// trace level: `telemetry` turns the reports into the pool-wait histogram.
///
/// A connection is tested (one round trip to the server) when it comes
/// back to the pool, always; on the way out only when it sat idle for a
/// second or more (a restarted server has dropped it: it is replaced, and
/// the request never sees it). A busy shop reuses connections within
/// milliseconds, where testing every acquire (sqlx's default) made each
/// query three round trips: about a tenth of a rendered product page's
/// time (`perf`, README).
fn lazy_pool(config: &Config, url: &secrecy::SecretString) -> Result<PgPool, StartupError> {
    const IDLE_BEFORE_TEST: Duration = Duration::from_secs(1);
    let connect: PgConnectOptions = url.expose_secret().parse().map_err(StartupError::DatabaseUrl)?;
    Ok(PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .acquire_time_level(log::LevelFilter::Trace)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_TEST {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(connect))
}

/// The state around an existing pool (tests bring their own).
pub fn state_with_pool(config: Config, pool: PgPool) -> Result<AppState, StartupError> {
    state_with_pools(config, pool, crate::db::Replicas::default())
}

/// The state around existing pools: the primary and any read replicas.
pub fn state_with_pools(config: Config, pool: PgPool, replicas: crate::db::Replicas) -> Result<AppState, StartupError> {
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
    // Only a malformed setting fails here; serving without the images would hide it.
    let media = crate::media::Media::from_config(&config).map_err(StartupError::MediaBucket)?;
    let changes = crate::db::CatalogChanges::after(&replicas);
    let metrics = crate::metrics::Metrics::new();
    let pages = crate::page_cache::PageCache::new(&changes, &pool, &metrics);
    let limits = crate::rate_limit::SharedCounts::new(&pool);
    let chat = crate::db::NotifyFeed::new("chat", "to");
    let database = crate::db::Health::new(&pool);
    let config = Arc::new(config);
    let stopping = crate::state::Stopping::default();
    Ok(AppState::from(crate::state::Shared {
        leptos_options,
        pool,
        config,
        pages,
        changes,
        payments,
        media,
        limits,
        chat,
        metrics,
        replicas,
        database,
        stopping,
    }))
}

/// Every route of the store.
pub fn router(state: AppState) -> Router {
    // Provided to every page render and server function beside the state.
    let context = {
        // In an `Arc`: axum clones the route, and this closure with it, per request.
        let caches = Arc::new(crate::catalog::cache::CatalogCaches::new(&state.changes));
        let currency = crate::money::Currency::parse(&state.config.currency).unwrap_or(crate::money::Currency::USD);
        move || {
            leptos::prelude::provide_context(crate::catalog::cache::CatalogCaches::clone(&caches));
            leptos::prelude::provide_context(currency);
            crate::flash::Flash::provide_for_request();
        }
    };
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
        .route("/chat/rooms/{id}/events", get(crate::chat::live::events))
        .route("/chat/events", get(crate::chat::live::person_events))
        .route(
            "/admin/products/import",
            post(crate::admin::csv::import).layer(DefaultBodyLimit::max(crate::admin::csv::MAX_BYTES + 64 * 1024)),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = Arc::new(state.leptos_options.clone());
            move || shell(LeptosOptions::clone(&options))
        })
        // Public files (favicon…) are served here, not by leptos_axum's file
        // handler: that one reads response options from whatever reactive
        // owner the thread last ran and takes them, so under load it stole a
        // concurrent page's headers (its Content-Security-Policy among them).
        // It only renders the 404 page.
        .fallback_service(
            ServeDir::new(&state.config.site_root)
                .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell).with_state(state.clone())),
        )
        // Visitors with a session get the shared catalog pages with their own parts put in.
        .layer(from_fn_with_state(state.clone(), crate::personal::serve))
        // Inner to outer: who is signed in needs the session, which needs the
        // request to have passed the cross-origin check.
        .layer(from_fn_with_state(state.clone(), crate::account::session::authenticate))
        .layer(crate::account::session::layer(state.pool.clone(), state.config.secure_cookies()))
        // While the database is out of reach, 503 at once (cached pages still answer).
        .layer(from_fn_with_state(state.database.clone(), database_gate))
        // Anonymous page views are answered from memory before any session work.
        .layer(from_fn_with_state(state.pages.clone(), crate::page_cache::serve_cached))
        // A plain form post's outcome rides to the next page in a cookie, not its address.
        .layer(from_fn_with_state(state.clone(), crate::flash::carry))
        .layer(from_fn_with_state(state.clone(), crate::security::same_origin_writes))
        // The JSON API: bearer tokens only, never the session's cookies.
        .nest(
            "/api/v1",
            crate::api_v1::router(state.clone()).layer(from_fn_with_state(state.database.clone(), database_gate)),
        )
        .route("/api/docs", get(crate::api_v1::docs))
        // Stripe's webhook: no session, no cookies; its signature is the check.
        .route(
            "/webhooks/stripe",
            post(crate::orders::webhook::handle)
                .layer(DefaultBodyLimit::max(WEBHOOK_MAX_BYTES))
                .layer(from_fn_with_state(state.database.clone(), database_gate)),
        );
    // A server function's error answers with the status of the `AppError` it carries.
    app = app.layer(axum::middleware::from_fn(crate::error::server_fn_status));
    // Counted by the route each request matched, with the status it got.
    app = app.layer(from_fn_with_state(state.metrics.clone(), crate::metrics::count));
    for (name, value) in crate::security::static_headers(&state.config.public_url) {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    app
        // A bug that panics in a handler answers 500 instead of dropping the connection.
        .layer(CatchPanicLayer::custom(panicked))
        // Quality 4 keeps on-the-fly brotli and gzip cheap; the WASM bundle is
        // precompressed at build time at the highest level.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // Spans name the path only: a query can hold a secret (a reset link's token).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}

/// `/metrics` alone, for the metrics address (`TROVE_METRICS_ADDR`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(crate::metrics::scrape)).with_state(state)
}

/// The answer when a handler panicked: logged, and the caller told nothing of it.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    axum::response::IntoResponse::into_response(crate::error::AppError::Internal)
}

fn cache_control(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static(value))
}

/// Answers 503 at once, without waiting on the pool, while the database
/// does not answer (see `db::Health`); the browser's page says to try again,
/// a server function or API call gets its usual error shape. Static files,
/// images and `/healthz` never need the database.
async fn database_gate(
    State(database): State<crate::db::Health>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    if database.up() || ["/pkg/", "/media/", "/healthz"].iter().any(|prefix| path.starts_with(prefix)) {
        return next.run(request).await;
    }
    refusal(&request, crate::error::AppError::Unavailable)
}

/// The answer to a request refused before any handler ran (the database is
/// out of reach, or who is asking could not be told): a browser asking for a
/// page gets a page, the JSON API its problem document, a server function
/// its usual error; 503s say when to try again.
pub fn refusal(request: &axum::extract::Request, error: crate::error::AppError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let unavailable = error == crate::error::AppError::Unavailable;
    // Nested under /api/v1, the API sees its own paths: the original tells.
    let original = request.extensions().get::<axum::extract::OriginalUri>().map_or(request.uri(), |o| &o.0);
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let mut response = if original.path().starts_with("/api/v1/") {
        crate::integrations::bearer::Problem::from(error).into_response()
    } else if request.method() == axum::http::Method::GET && wants_page {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let page = if unavailable { UNAVAILABLE_PAGE } else { ERROR_PAGE };
        (status, axum::response::Html(page)).into_response()
    } else {
        error.into_response()
    };
    if unavailable {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// The page for a request that failed before the app could render one.
const ERROR_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Something went wrong</title></head>\
<body><main><h1>Something went wrong</h1><p>Something went wrong on our side. \
Please reload the page.</p></main></body></html>";

/// The page a browser gets while the database is out of reach: plain, no
/// script or style of its own (the CSP allows neither inline).
const UNAVAILABLE_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Back in a moment</title></head>\
<body><main><h1>Back in a moment</h1><p>The store is unavailable for a moment. \
Please reload the page in a few seconds.</p></main></body></html>";

/// 200 when the database answers within two seconds; 503 when it does not,
/// or once the instance has begun shutting down (a load balancer that
/// checks it stops sending new requests while in-flight ones finish).
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.stopping.started() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    if !state.database.up() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    let pool = &state.pool;
    let ping = async {
        let mut conn = pool.acquire().await?;
        conn.ping().await
    };
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database unreachable");
            // Its connection was refused or cut: the gate closes now, not at
            // the probe's next turn. (A busy pool's wait is not a sign.)
            if crate::db::unreachable(&error) {
                state.database.found_down();
            }
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// How long a connection opened just before shutdown may take to deliver its
/// first request before it is closed as idle.
const FIRST_REQUEST_WAIT: Duration = Duration::from_millis(500);

/// How long a client may take to send a request's headers: a client that
/// trickles them (slowloris) is cut off instead of holding a connection.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request's body may take to arrive once its headers have.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long in-flight requests get to finish after SIGTERM or SIGINT.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish for
/// at most `SHUTDOWN_GRACE`. HTTP/1.1 over hyper, with header and body read
/// timeouts (axum's own `serve` has neither).
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.addr;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("Trove listening on http://{addr}");
    if let Some(metrics_addr) = state.config.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(metrics_addr).await?;
        tracing::info!("metrics at http://{metrics_addr}/metrics");
        let app = metrics_router(state.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, app).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    let stopping = state.stopping.clone();
    let app = router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_READ_TIMEOUT));
    let mut connections = tokio::task::JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let serve_connection = |tcp: tokio::net::TcpStream, remote, keep_alive: bool| {
        // Without it, Nagle and delayed ACKs stall every streamed body by ~40 ms.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
        // Set when the connection's first request has been read.
        let begun = Arc::new(AtomicBool::new(false));
        let service = app.clone().map_request({
            let begun = Arc::clone(&begun);
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                begun.store(true, Ordering::Release);
                request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
                request.map(axum::body::Body::new)
            }
        });
        let stopping = stopping.clone();
        async move {
            let service = hyper_util::service::TowerToHyperService::new(service);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(keep_alive);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(tcp), service).with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    return;
                }
                () = stopping.wait(), if keep_alive => {}
            }
            // A connection whose first request is not read yet is not idle:
            // a proxy opening one connection per request has sent it, or is
            // sending it, and would not resend a POST (502). It is served.
            let waiting = tokio::time::sleep(FIRST_REQUEST_WAIT);
            tokio::pin!(waiting);
            while !begun.load(Ordering::Acquire) {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                        return;
                    }
                    () = &mut waiting => break,
                    () = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    };
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(serve_connection(tcp, remote, true));
    }
    // Open connections finish what they are doing and close; streams end.
    stopping.begin();
    // Connections the kernel accepted that we have not taken yet would be
    // reset when the listener closes, requests and all (a proxy does not
    // resend a POST it has sent): each is served its one request instead.
    let mut taken = 0;
    while let Some(Ok((tcp, remote))) = futures_util::FutureExt::now_or_never(listener.accept()) {
        connections.spawn(serve_connection(tcp, remote, false));
        taken += 1;
    }
    drop(listener);
    tracing::debug!(taken, "shutdown: the accept queue is drained");
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        tracing::warn!(open = connections.len(), "shutdown: connections still busy after the grace period are closed");
        connections.abort_all();
    }
    Ok(())
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
