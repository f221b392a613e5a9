//! Rate limits for requests that come by the thousand a second (every JSON
//! API call), counted in memory and shared through PostgreSQL in batches:
//! each instance adds its hits to the `rate_limits` rows (the same rows the
//! per-attempt limits of `security::Limit` use) at most every
//! `FLUSH_EVERY`, and learns the other instances' hits from the totals the
//! flush answers. One instance's own hits count exactly; other instances'
//! hits reach it within a flush, so N instances admit at most the limit
//! plus what the others took in that moment. No request waits for the
//! database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::PgPool;

use crate::error::AppError;
use crate::security::Limit;

/// How often counts go to the database (and come back from it).
const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// The counts of one instance, shared by every clone.
#[derive(Clone)]
pub struct SharedCounts {
    inner: Arc<Inner>,
}

struct Inner {
    counts: Mutex<HashMap<String, Count>>,
    last_flush: Mutex<Instant>,
    flushing: AtomicBool,
    pool: PgPool,
}

/// One subject's hits in its current window.
#[derive(Debug, Clone, Copy)]
struct Count {
    /// The window's start, in seconds since the epoch.
    window: i64,
    window_secs: i64,
    /// Every instance's hits as of the last flush (ours included).
    known: i32,
    /// Our hits since then.
    pending: i32,
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl SharedCounts {
    pub fn new(pool: &PgPool) -> Self {
        let inner = Inner {
            counts: Mutex::default(),
            last_flush: Mutex::new(Instant::now()),
            flushing: AtomicBool::new(false),
            pool: pool.clone(),
        };
        SharedCounts { inner: Arc::new(inner) }
    }

    /// Counts one hit against `subject`, or refuses it when the window's
    /// hits (every instance's, as last known, and ours since) reached the limit.
    pub fn take(&self, limit: &Limit, subject: &str) -> Result<(), AppError> {
        let window_secs = i64::from(limit.window_secs.max(1));
        let now = now_secs();
        let window = now - now.rem_euclid(window_secs);
        {
            let mut counts = self.inner.counts.lock().expect("rate-limit lock");
            let count = counts.entry(limit.key(subject)).or_insert(Count { window, window_secs, known: 0, pending: 0 });
            if count.window != window {
                *count = Count { window, window_secs, known: 0, pending: 0 };
            }
            if count.known.saturating_add(count.pending) >= limit.max {
                return Err(limit.refused());
            }
            count.pending += 1;
        }
        self.flush_soon();
        Ok(())
    }

    /// Starts a flush in the background when the last one is old enough and
    /// none is running.
    fn flush_soon(&self) {
        {
            let mut last = self.inner.last_flush.lock().expect("rate-limit lock");
            if last.elapsed() < FLUSH_EVERY || self.inner.flushing.swap(true, Ordering::AcqRel) {
                return;
            }
            *last = Instant::now();
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(error) = this.flush().await {
                tracing::warn!(%error, "rate-limit counts could not be shared");
            }
            this.inner.flushing.store(false, Ordering::Release);
        });
    }

    /// Adds our pending hits to the shared rows and reads back every
    /// current window's total; forgets windows that have ended.
    pub async fn flush(&self) -> sqlx::Result<()> {
        let now = now_secs();
        let (mut keys, mut windows, mut hits) = (Vec::new(), Vec::new(), Vec::new());
        {
            let mut counts = self.inner.counts.lock().expect("rate-limit lock");
            counts.retain(|_, c| c.window + c.window_secs > now);
            for (key, count) in counts.iter_mut() {
                keys.push(key.clone());
                windows.push(count.window as f64);
                hits.push(count.pending);
                count.known += count.pending;
                count.pending = 0;
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        let totals = sqlx::query!(
            r#"INSERT INTO rate_limits (key, window_start, hits)
               SELECT key, to_timestamp(window_start), hits FROM UNNEST($1::text[], $2::float8[], $3::int4[])
                   AS t(key, window_start, hits)
               ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + EXCLUDED.hits
               RETURNING key, extract(epoch FROM window_start)::int8 AS "window!", hits"#,
            &keys,
            &windows,
            &hits
        )
        .fetch_all(&self.inner.pool)
        .await;
        let mut counts = self.inner.counts.lock().expect("rate-limit lock");
        match totals {
            Ok(totals) => {
                for row in totals {
                    if let Some(count) = counts.get_mut(&row.key).filter(|c| c.window == row.window) {
                        count.known = count.known.max(row.hits);
                    }
                }
                Ok(())
            }
            Err(error) => {
                // Not shared: keep them as ours, to be added next time.
                for (key, taken) in keys.iter().zip(&hits) {
                    if let Some(count) = counts.get_mut(key) {
                        count.known -= taken;
                        count.pending += taken;
                    }
                }
                Err(error)
            }
        }
    }
}
