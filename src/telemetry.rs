//! Structured logging with `tracing`; the filter comes from `RUST_LOG`. Beside
//! the log, a layer of its own takes sqlx's report of every pool acquire (at
//! trace level, whatever `RUST_LOG` says) into the pool-wait histogram.

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=warn";

/// Where sqlx reports each acquire (sqlx-core's `pool/inner.rs`).
const ACQUIRE_TARGET: &str = "sqlx::pool::acquire";

/// Installs the global subscriber. Safe to call more than once (tests do).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let log = match format {
        LogFormat::Pretty => fmt.boxed(),
        LogFormat::Json => fmt.json().flatten_event(true).boxed(),
    };
    let waits = PoolWaits.with_filter(tracing_subscriber::filter::filter_fn(|meta| meta.target() == ACQUIRE_TARGET));
    let _ = tracing_subscriber::registry().with(log.with_filter(filter)).with(waits).try_init();
}

/// Records how long each acquire from a pool waited (sqlx's field is spelt
/// `aquired_after_secs`).
struct PoolWaits;

impl<S: tracing::Subscriber> Layer<S> for PoolWaits {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Waited(Option<f64>);
        impl Visit for Waited {
            fn record_f64(&mut self, field: &Field, value: f64) {
                if field.name().ends_with("after_secs") {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
        }
        let mut waited = Waited(None);
        event.record(&mut waited);
        if let Some(seconds) = waited.0 {
            crate::metrics::pool_waits().observe(seconds);
        }
    }
}
