//! Orders through the real checkout, for `scripts/bench`, driven by goose:
//! `BUYERS` simulated shoppers sign up, then add a product to their cart and
//! place a cash-on-delivery order, over and over, for `SECONDS` — as fast as
//! they can, or at `RATE` orders a second (goose's request throttle) while
//! pages are measured beside them. Prints orders/s, sold-out and failed
//! attempts and the latency of placing an order; asserts nothing.
//!
//!   bench-orders ADDR SECONDS BUYERS PRODUCTS_FILE [RATE]
//!
//! PRODUCTS_FILE holds what to buy, one a line: a product's id, and the id
//! of its variant after a space (needed when it has several); buyers pick
//! from them in turn (one line makes every buyer contend for the same rows).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use goose::config::GooseConfiguration;
use goose::goose::GooseResponse;
use goose::prelude::*;

/// What one run shares between its simulated buyers.
struct Run {
    /// Tells this run's accounts and checkout tokens from earlier runs'.
    id: u64,
    /// Checkout attempts so far (each takes a token of its own).
    attempts: AtomicU64,
    products: Vec<(i64, Option<i64>)>,
    buyers: usize,
    next_product: AtomicU64,
    signed_up: AtomicUsize,
    /// When the last buyer had signed up: orders count from then.
    started: OnceLock<Instant>,
    placed: AtomicU64,
    sold_out: AtomicU64,
    failed: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
}

static RUN: OnceLock<Run> = OnceLock::new();

fn run() -> &'static Run {
    RUN.get().expect("the run is set up before goose starts")
}

/// A request's status (0 when it got no answer).
fn status(response: &GooseResponse) -> u16 {
    response.response.as_ref().map_or(0, |r| r.status().as_u16())
}

/// Each buyer signs up once (argon2 makes this slow: not measured), from an
/// address of its own (`X-Forwarded-For`, which the bench's server trusts):
/// the shop limits sign-ups per address, and a bench makes hundreds.
async fn sign_up(user: &mut GooseUser) -> TransactionResult {
    let run = run();
    let address = format!("10.{}.{}.{}", (run.id >> 8) & 0xff, run.id & 0xff, user.weighted_users_index % 250 + 1);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("an address is a header value"));
    user.set_client_builder(reqwest::Client::builder().default_headers(headers).cookie_store(true)).await?;
    let name = format!("bench{:x}x{}", run.id, user.weighted_users_index);
    let email = format!("{name}@example.com");
    let form = [
        ("username", name.as_str()),
        ("email", email.as_str()),
        ("first_name", "Bench"),
        ("last_name", "Buyer"),
        ("password", "bench password long enough"),
    ];
    let response = user.post_form("/api/account/sign_up", &form).await?;
    if status(&response) != 200 {
        eprintln!("sign-up answered {}", status(&response));
        run.failed.fetch_add(1, Ordering::Relaxed);
    }
    if run.signed_up.fetch_add(1, Ordering::AcqRel) + 1 == run.buyers {
        let _ = run.started.set(Instant::now());
    }
    Ok(())
}

/// One purchase: a product into the cart, then the order placed.
async fn order(user: &mut GooseUser) -> TransactionResult {
    let run = run();
    let counted = run.started.get().is_some();
    let (product, variant) =
        run.products[(run.next_product.fetch_add(1, Ordering::Relaxed) as usize) % run.products.len()];
    let mut form = vec![("product", product.to_string())];
    form.extend(variant.map(|v| ("variant", v.to_string())));
    let added = user.post_form("/api/cart/add", &form).await?;
    if status(&added) == 409 {
        if counted {
            run.sold_out.fetch_add(1, Ordering::Relaxed);
        }
        return Ok(());
    }
    // A checkout token (a UUID) unique to this run and attempt.
    let attempt = run.attempts.fetch_add(1, Ordering::Relaxed);
    let token = format!("{:08x}-{:04x}-4000-8000-{attempt:012x}", run.id & 0xffff_ffff, (run.id >> 32) & 0xffff);
    let form = [
        ("token", token.as_str()),
        ("payment", "cash"),
        ("address", "new"),
        ("new_address[full_name]", "Bench Buyer"),
        ("new_address[line1]", "1 Load Street"),
        ("new_address[city]", "Springfield"),
        ("new_address[postal_code]", "62701"),
        ("new_address[country]", "US"),
    ];
    let began = Instant::now();
    let placed = user.post_form("/api/checkout/place", &form).await?;
    let took = began.elapsed();
    if !counted {
        return Ok(());
    }
    run.latencies.lock().expect("latencies").push(took);
    match status(&placed) {
        200 => run.placed.fetch_add(1, Ordering::Relaxed),
        409 => run.sold_out.fetch_add(1, Ordering::Relaxed),
        other => {
            if run.failed.fetch_add(1, Ordering::Relaxed) < 3 {
                let body = match placed.response {
                    Ok(response) => response.text().await.unwrap_or_default(),
                    Err(error) => error.to_string(),
                };
                eprintln!("checkout answered {other}: {body}");
            }
            0
        }
    };
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (addr, seconds, buyers, products, rate) = match &args[..] {
        [addr, seconds, buyers, products] => (addr, seconds, buyers, products, None),
        [addr, seconds, buyers, products, rate] => (addr, seconds, buyers, products, Some(rate.parse::<u64>()?)),
        _ => return Err("usage: bench-orders ADDR SECONDS BUYERS PRODUCTS_FILE [RATE]".into()),
    };
    let buyers: usize = buyers.parse()?;
    let products: Vec<(i64, Option<i64>)> = std::fs::read_to_string(products)?
        .lines()
        .filter_map(|line| {
            let mut ids = line.split_whitespace().map(|id| id.parse::<i64>().ok());
            Some((ids.next()??, ids.next().flatten()))
        })
        .collect();
    if products.is_empty() {
        return Err("no product ids".into());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
    let _ = RUN.set(Run {
        id: u64::try_from(now)?,
        attempts: AtomicU64::new(0),
        products,
        buyers,
        next_product: AtomicU64::new(0),
        signed_up: AtomicUsize::new(0),
        started: OnceLock::new(),
        placed: AtomicU64::new(0),
        sold_out: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
    });

    let host = format!("http://{addr}");
    let users = buyers.to_string();
    let run_time = format!("{seconds}s");
    let mut goose_args = vec![
        "--host",
        &host,
        "--users",
        &users,
        "--increase-rate",
        "1000",
        "--run-time",
        &run_time,
        "--no-print-metrics",
        "--no-error-summary",
        "--quiet",
    ];
    // Two requests an order: the throttle holds the pace.
    let throttle = rate.map(|r| (r * 2).to_string());
    if let Some(throttle) = &throttle {
        goose_args.extend(["--throttle-requests", throttle]);
    }
    let configuration = GooseConfiguration::parse_args_default(&goose_args)?;
    GooseAttack::initialize_with_config(configuration)?
        .register_scenario(
            scenario!("Buyer")
                .register_transaction(transaction!(sign_up).set_on_start())
                .register_transaction(transaction!(order)),
        )
        .execute()
        .await?;

    let run = run();
    let elapsed = run.started.get().map_or(0.0, |at| at.elapsed().as_secs_f64());
    let mut latencies = std::mem::take(&mut *run.latencies.lock().expect("latencies"));
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let placed = run.placed.load(Ordering::Relaxed);
    println!(
        "orders/s {:.0}  placed {placed}  sold-out {}  failed {}  place p50 {:.1}ms  p99 {:.1}ms",
        if elapsed > 0.0 { placed as f64 / elapsed } else { 0.0 },
        run.sold_out.load(Ordering::Relaxed),
        run.failed.load(Ordering::Relaxed),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0
    );
    Ok(())
}
