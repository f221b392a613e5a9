//! Checkout throughput, for `scripts/bench`: `BUYERS` signed-up shoppers, each
//! on its own keep-alive connection, add a product to their cart and place a
//! cash-on-delivery order, over and over, for `SECONDS`. Prints orders/s and
//! the latency of placing an order; asserts nothing.
//!
//!   bench-checkout ADDR SECONDS BUYERS PRODUCTS_FILE
//!
//! PRODUCTS_FILE holds product ids, one per line: buyers pick from them in
//! turn (one id makes every buyer contend for the same product's row).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "bench-http.rs"]
mod http;

use http::Client;

const ADDRESS: &str = "address=new&new_address[full_name]=Bench+Buyer&new_address[line1]=1+Load+Street\
&new_address[city]=Springfield&new_address[postal_code]=62701&new_address[country]=US";

#[derive(Default)]
struct Counts {
    placed: AtomicU64,
    sold_out: AtomicU64,
    failed: AtomicU64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [addr, seconds, buyers, products] = &args[..] else {
        return Err("usage: bench-checkout ADDR SECONDS BUYERS PRODUCTS_FILE".into());
    };
    let seconds: u64 = seconds.parse()?;
    let buyers: usize = buyers.parse()?;
    let products: Arc<Vec<i64>> =
        Arc::new(std::fs::read_to_string(products)?.lines().filter_map(|l| l.trim().parse().ok()).collect());
    if products.is_empty() {
        return Err("no product ids".into());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    let run = format!("{now:x}");

    // Every buyer signs up first (not measured).
    let mut clients = Vec::with_capacity(buyers);
    for buyer in 0..buyers {
        let mut client = Client::connect(addr).await?;
        let name = format!("bench{run}x{buyer}");
        let form = format!(
            "username={name}&email={name}%40example.com&first_name=Bench&last_name=Buyer&password=bench+password+long+enough"
        );
        let (status, body) = client.post("/api/account/sign_up", &form).await?;
        if status != 200 {
            return Err(format!("sign-up answered {status}: {body}").into());
        }
        clients.push(client);
    }

    let counts = Arc::new(Counts::default());
    let next_product = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(buyer, mut client)| {
            let (counts, products, next_product) = (counts.clone(), products.clone(), next_product.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut attempt = 0u64;
                while Instant::now() < deadline {
                    attempt += 1;
                    let product = products[(next_product.fetch_add(1, Ordering::Relaxed) as usize) % products.len()];
                    let Ok((status, _)) = client.post("/api/cart/add", &format!("product={product}")).await else {
                        break;
                    };
                    if status == 409 {
                        counts.sold_out.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    // A checkout token unique to this run, buyer and attempt.
                    let token = format!(
                        "{:08x}-{:04x}-4{:03x}-8{:03x}-{attempt:012x}",
                        buyer,
                        now & 0xffff,
                        (now >> 16) & 0xfff,
                        (now >> 28) & 0xfff
                    );
                    let began = Instant::now();
                    let Ok((status, body)) =
                        client.post("/api/checkout/place", &format!("token={token}&payment=cash&{ADDRESS}")).await
                    else {
                        break;
                    };
                    latencies.push(began.elapsed());
                    match status {
                        200 => counts.placed.fetch_add(1, Ordering::Relaxed),
                        409 => counts.sold_out.fetch_add(1, Ordering::Relaxed),
                        _ => {
                            if counts.failed.fetch_add(1, Ordering::Relaxed) < 3 {
                                eprintln!("checkout answered {status}: {body}");
                            }
                            0
                        }
                    };
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let placed = counts.placed.load(Ordering::Relaxed);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "orders/s {:.0}  placed {placed}  sold-out {}  failed {}  place p50 {:.1}ms  p99 {:.1}ms",
        placed as f64 / elapsed,
        counts.sold_out.load(Ordering::Relaxed),
        counts.failed.load(Ordering::Relaxed),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0
    )?;
    Ok(())
}
