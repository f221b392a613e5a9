//! Figures for operators, in Prometheus's text format (OpenMetrics) at
//! `/metrics` on a listen address of its own (`TROVE_METRICS_ADDR`), never
//! through the public port. Each instance counts its own work (requests, the
//! page cache, orders, payments, webhooks, open streams); what lives in the
//! database (the pool, the mail queue) is read when scraped.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// What a page request got from the page cache.
#[derive(Clone, Copy, Debug)]
pub enum PageOutcome {
    /// A kept page.
    Hit,
    /// Rendered, and kept if it may be.
    Miss,
    /// Waited for another request rendering the same page.
    Followed,
    /// The guests' page with a visitor's own parts put in (`crate::personal`).
    Personal,
    /// A page let go to make room.
    Evicted,
}

/// What a payment notice came to.
#[derive(Clone, Copy, Debug)]
pub enum PaymentOutcome {
    /// An order was marked paid.
    Paid,
    /// The event was seen before.
    Duplicate,
    /// No unpaid order matched it.
    NoOrder,
}

/// This instance's figures.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    pages: Family<OutcomeLabels, Counter>,
    orders: Counter,
    payments: Family<OutcomeLabels, Counter>,
    webhooks: Family<OutcomeLabels, Counter>,
    streams: Gauge,
    pool_busy: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    database_up: Gauge,
    replicas: Family<StateLabels, Gauge>,
    mail_queued: Gauge,
    mail_failed: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// How long each database connection took to get from the pool, from sqlx's
/// own report of every acquire (`telemetry::PoolWaits`): one for the process,
/// shared by every `Metrics`.
pub fn pool_waits() -> &'static Histogram {
    static WAITS: std::sync::OnceLock<Histogram> = std::sync::OnceLock::new();
    // 0.1 ms to about 6.5 s.
    WAITS.get_or_init(|| Histogram::new(exponential_buckets(0.0001, 2.0, 17)))
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 8 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("trove");
        let metrics = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            pages: Family::default(),
            orders: Counter::default(),
            payments: Family::default(),
            webhooks: Family::default(),
            streams: Gauge::default(),
            pool_busy: Gauge::default(),
            pool_idle: Gauge::default(),
            pool_max: Gauge::default(),
            database_up: Gauge::default(),
            replicas: Family::default(),
            mail_queued: Gauge::default(),
            mail_failed: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("http_requests", "Requests answered, by method, route and status", metrics.requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's headers, by route",
            metrics.latency.clone(),
        );
        registry.register("page_cache", "Page requests by what the page cache did", metrics.pages.clone());
        registry.register("orders_placed", "Orders placed", metrics.orders.clone());
        registry.register("payments", "Card payment notices, by outcome", metrics.payments.clone());
        registry.register("webhooks", "Stripe webhooks, by outcome", metrics.webhooks.clone());
        registry.register("live_streams", "Open real-time streams (support chat)", metrics.streams.clone());
        registry.register("db_pool_busy", "Database connections in use", metrics.pool_busy.clone());
        registry.register("db_pool_idle", "Database connections open and idle", metrics.pool_idle.clone());
        registry.register(
            "db_pool_max",
            "Connections the pool may open (DATABASE_MAX_CONNECTIONS); busy at max means requests wait",
            metrics.pool_max.clone(),
        );
        registry.register(
            "database_up",
            "Whether the database answered the last probe (1) or not (0)",
            metrics.database_up.clone(),
        );
        registry.register(
            "db_pool_acquire_seconds",
            "Time each request's database work waited for a connection from the pool",
            pool_waits().clone(),
        );
        registry.register(
            "db_replicas",
            "Read replicas by state: in_turn (taking reads), behind (set aside until caught up), down",
            metrics.replicas.clone(),
        );
        registry.register("mail_queued", "Mail waiting to be sent (every instance's)", metrics.mail_queued.clone());
        registry.register("mail_failed", "Mail given up on (every instance's)", metrics.mail_failed.clone());
        Arc::new(Metrics { registry, ..metrics })
    }

    pub fn page(&self, outcome: PageOutcome) {
        let outcome = match outcome {
            PageOutcome::Hit => "hit",
            PageOutcome::Miss => "miss",
            PageOutcome::Followed => "followed",
            PageOutcome::Personal => "personal",
            PageOutcome::Evicted => "evicted",
        };
        self.pages.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn order_placed(&self) {
        self.orders.inc();
    }

    pub fn payment(&self, outcome: PaymentOutcome) {
        let outcome = match outcome {
            PaymentOutcome::Paid => "paid",
            PaymentOutcome::Duplicate => "duplicate",
            PaymentOutcome::NoOrder => "no_order",
        };
        self.payments.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// A webhook's outcome, as its answer says it (`ok`, `bad signature`…).
    pub fn webhook(&self, outcome: &'static str) {
        self.webhooks.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Counts a real-time stream as open until the guard is dropped.
    pub fn stream_opened(self: &Arc<Self>) -> StreamGuard {
        self.streams.inc();
        StreamGuard(self.clone())
    }

    /// The figures as text, with the database's read now. While the
    /// database is away the outbox figures keep their last values (an
    /// outage is when the other figures matter most).
    pub async fn render(&self, state: &crate::state::AppState) -> Result<String, crate::error::AppError> {
        let pool = &state.pool;
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        self.pool_idle.set(idle);
        self.pool_busy.set(i64::from(pool.size()) - idle);
        self.pool_max.set(i64::from(state.config.database_max_connections));
        let up = state.database.up();
        self.database_up.set(i64::from(up));
        let (in_turn, behind, down) = state.replicas.states();
        for (state, count) in [("in_turn", in_turn), ("behind", behind), ("down", down)] {
            self.replicas.get_or_create(&StateLabels { state }).set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        if up && let Ok((queued, failed)) = crate::mail::queue(pool).await {
            self.mail_queued.set(queued);
            self.mail_failed.set(failed);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|_| crate::error::AppError::Internal)?;
        Ok(text)
    }
}

/// An open stream, counted until dropped.
pub struct StreamGuard(Arc<Metrics>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.streams.dec();
    }
}

/// Middleware: counts every request by its route (the pattern it matched, so
/// `/p/{slug}` is one route however many products there are) and status,
/// and times it to its response's headers.
pub async fn count(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("other", |path| path.as_str()).to_owned();
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics.latency.get_or_create(&RouteLabels { route: route.clone() }).observe(started.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    response
}

/// `GET /metrics`, on the metrics address only.
pub async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
            .into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
