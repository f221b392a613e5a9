//! Support-chat delivery, for `scripts/bench`: `ROOMS` conversations of
//! three (a shopper and two staff members, each with the conversation open),
//! more open pages up to `CONNECTIONS` live streams in all, and messages
//! posted through the real form endpoint at `RATE` a second across the
//! rooms for `SECONDS`. Prints the streams open, messages posted, and the
//! delivery latency (post sent → arrival at each open page of the room),
//! p50 and p99; asserts nothing.
//!
//!   bench-chat ADDR SECONDS CONNECTIONS RATE ROOMS PASSWORD
//!
//! Shoppers `chatbench0…` and staff `chatstaff0`, `chatstaff1` must exist
//! with PASSWORD (scripts/bench makes them).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "bench-http.rs"]
mod http;

use http::Client;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

async fn signed_in(addr: &str, login: &str, password: &str) -> Result<Client, Box<dyn std::error::Error>> {
    let mut client = Client::connect(addr).await?;
    let (status, body) = client.post("/api/account/sign_in", &format!("login={login}&password={password}")).await?;
    if status != 200 {
        return Err(format!("sign-in of {login} answered {status}: {body}").into());
    }
    Ok(client)
}

/// Opens a room's live stream with `cookie`; each message's delivery
/// latency (the text carries when it was sent) goes to `latencies`.
async fn follow(
    addr: String,
    cookie: String,
    room: i64,
    clock: Instant,
    latencies: Arc<std::sync::Mutex<Vec<u64>>>,
    open: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(TcpStream::connect(&addr).await?);
    let request = format!(
        "GET /chat/rooms/{room}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
    );
    stream.get_mut().write_all(request.as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    if !line.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!("stream answered {line}")));
    }
    open.fetch_add(1, Ordering::Relaxed);
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        // The message's text is "t<microseconds since the clock started>".
        if let Some(at) = line.split("\"body\":\"t").nth(1).and_then(|rest| rest.split('"').next())
            && let Ok(sent) = at.parse::<u64>()
        {
            let now = clock.elapsed().as_micros() as u64;
            latencies.lock().expect("latencies").push(now.saturating_sub(sent));
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [addr, seconds, connections, rate, rooms, password] = &args[..] else {
        return Err("usage: bench-chat ADDR SECONDS CONNECTIONS RATE ROOMS PASSWORD".into());
    };
    let (seconds, connections, rate, rooms): (u64, usize, u64, usize) =
        (seconds.parse()?, connections.parse()?, rate.parse()?, rooms.parse()?);

    // Each shopper asks a question; both staff members join every conversation.
    let mut shoppers = Vec::with_capacity(rooms);
    let mut room_ids = Vec::with_capacity(rooms);
    for n in 0..rooms {
        let mut shopper = signed_in(addr, &format!("chatbench{n}"), password).await?;
        let (status, body) = shopper.post("/api/chat/start", "subject=Bench&text=Hello").await?;
        if status != 200 {
            return Err(format!("starting a conversation answered {status}: {body}").into());
        }
        room_ids.push(body.trim().parse::<i64>()?);
        shoppers.push(shopper);
    }
    let mut staff = Vec::new();
    for n in 0..2 {
        let mut member = signed_in(addr, &format!("chatstaff{n}"), password).await?;
        for room in &room_ids {
            member.post("/api/chat/join", &format!("room={room}")).await?;
        }
        staff.push(member);
    }

    // Every member's page open, then more pages up to CONNECTIONS.
    let clock = Instant::now();
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let open = Arc::new(AtomicU64::new(0));
    let mut pages = Vec::new();
    for n in 0..connections {
        let (room, cookie) = match n % (rooms * 3) {
            i if i < rooms => (room_ids[i], shoppers[i].cookie()),
            i if i < rooms * 2 => (room_ids[i - rooms], staff[0].cookie()),
            i => (room_ids[i - rooms * 2], staff[1].cookie()),
        };
        let (addr, latencies, open) = (addr.clone(), latencies.clone(), open.clone());
        pages.push(tokio::spawn(async move {
            if let Err(error) = follow(addr, cookie, room, clock, latencies, open).await {
                eprintln!("a page's stream failed: {error}");
            }
        }));
        if n % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let opened = open.load(Ordering::Relaxed);
    println!("streams open {opened} of {connections}");
    let pid = std::env::var("BENCH_SERVER_PID").unwrap_or_default();
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
        && let Some(rss) = status.lines().find(|l| l.starts_with("VmRSS"))
    {
        println!("server {rss}");
    }
    latencies.lock().expect("latencies").clear();

    // Messages at RATE a second, each room's shopper posting in turn.
    let (senders, mut posters) = (rooms, Vec::new());
    let mut queues = Vec::new();
    for mut shopper in shoppers {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, String)>();
        queues.push(tx);
        posters.push(tokio::spawn(async move {
            let mut failed = 0u64;
            while let Some((room, text)) = rx.recv().await {
                match shopper.post("/api/chat/post", &format!("room={room}&text={text}")).await {
                    Ok((200, _)) => {}
                    Ok((status, body)) => {
                        failed += 1;
                        if failed <= 2 {
                            eprintln!("posting answered {status}: {body}");
                        }
                    }
                    Err(_) => failed += 1,
                }
            }
            failed
        }));
    }
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut posted = 0u64;
    while Instant::now() < deadline {
        tick.tick().await;
        let n = posted as usize % senders;
        let text = format!("t{}", clock.elapsed().as_micros());
        let _ = queues[n].send((room_ids[n], text));
        posted += 1;
    }
    drop(queues);
    let mut failed = 0;
    for poster in posters {
        failed += poster.await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut got = latencies.lock().expect("latencies").clone();
    got.sort_unstable();
    let percentile = |p: f64| got.get(((got.len() as f64 * p) as usize).min(got.len().saturating_sub(1))).copied();
    println!(
        "posted {posted} ({:.0}/s, {failed} failed) to {rooms} rooms; deliveries {}; delivery p50 {:.1} ms, p99 {:.1} ms",
        posted as f64 / seconds as f64,
        got.len(),
        percentile(0.50).unwrap_or_default() as f64 / 1000.0,
        percentile(0.99).unwrap_or_default() as f64 / 1000.0
    );
    for page in pages {
        page.abort();
    }
    Ok(())
}
