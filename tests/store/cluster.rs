//! Several `trove serve` processes on one database behind a real nginx in
//! round robin, as the README's "Running in production" section runs them:
//! any instance serves any request, a change made through one shows on every
//! other, a rolling restart fails no request, and a killed instance loses no
//! order. Each test has a database of its own (and the database restart its
//! own PostgreSQL server), so they run beside the rest of the suite.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::process::{database, psql_value, trove};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One response as a client sees it.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client with its cookies. It speaks HTTP/1.0, one request a connection,
/// so every body ends where the connection does (nginx answers a 1.0 client
/// without chunks).
#[derive(Clone, Default)]
struct Browser {
    cookies: Vec<String>,
}

impl Browser {
    /// The request, or `None` when the connection failed or was cut before a
    /// whole response head arrived.
    fn try_send(
        &mut self,
        port: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Reply> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head =
            format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n", body.len());
        if !self.cookies.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", self.cookies.join("; ")));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).ok()?;
        stream.write_all(body).ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok()?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        for (_, value) in headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie")) {
            let pair = value.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !value.contains("Max-Age=0") {
                self.cookies.push(pair);
            }
        }
        Some(Reply { status, headers, body: raw[split + 4..].to_vec() })
    }

    fn send(&mut self, port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        self.try_send(port, method, path, headers, body).unwrap_or_else(|| panic!("{method} {path}: no response"))
    }

    /// A page, as a browser asks for it.
    fn page(&mut self, port: u16, path: &str) -> Reply {
        self.send(port, "GET", path, &[("Accept", "text/html")], b"")
    }

    /// A server function, as the hydrated app calls it.
    fn call(&mut self, port: u16, endpoint: &str, form: &str) -> Reply {
        let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")];
        self.send(port, "POST", &format!("/api/{endpoint}"), &headers, form.as_bytes())
    }

    fn try_call(&mut self, port: u16, endpoint: &str, form: &str) -> Option<Reply> {
        let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")];
        self.try_send(port, "POST", &format!("/api/{endpoint}"), &headers, form.as_bytes())
    }

    fn without(&self, cookie: &str) -> Browser {
        Browser { cookies: self.cookies.iter().filter(|c| !c.starts_with(&format!("{cookie}="))).cloned().collect() }
    }
}

/// Waits until `port` answers `/healthz` with 200.
fn wait_healthy(port: u16, patience: Duration) {
    let started = Instant::now();
    while started.elapsed() < patience {
        if Browser::default().try_send(port, "GET", "/healthz", &[], b"").is_some_and(|r| r.status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("port {port} was not healthy within {patience:?}");
}

/// Settings every instance of one shop shares.
const WEBHOOK_SECRET: &str = "whsec_trove_cluster";

/// One `trove serve` process; started again on the same ports after a stop.
struct Instance {
    child: Option<Child>,
    port: u16,
    metrics: u16,
    vars: Vec<(String, String)>,
}

impl Instance {
    fn start(vars: &[(String, String)]) -> Instance {
        let mut instance = Instance { child: None, port: free_port(), metrics: free_port(), vars: vars.to_vec() };
        instance.spawn();
        instance
    }

    fn spawn(&mut self) {
        let child = trove()
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("TROVE_ADDR", format!("127.0.0.1:{}", self.port))
            .env("TROVE_METRICS_ADDR", format!("127.0.0.1:{}", self.metrics))
            .env("RUST_LOG", "warn")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        wait_healthy(self.port, Duration::from_secs(30));
    }

    /// SIGTERM, and the exit status once it has drained.
    fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        signal(&child, "TERM");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no exit within 20 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
}

/// nginx from Debian in front of the instances, in round robin, with the
/// site configuration the README shows (`scripts/nginx.conf`): its upstream
/// servers and its address replaced by the test's, and each response naming
/// the instance that served it (`X-Upstream`).
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    fn start(port: u16, upstreams: &[u16]) -> Nginx {
        let dir = std::env::temp_dir().join(format!("trove-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let site = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/nginx.conf")).unwrap();
        let (before, rest) = site.split_once("upstream trove {").expect("scripts/nginx.conf has an upstream block");
        let after = rest.split_once('}').expect("the upstream block ends").1;
        let servers: String =
            upstreams.iter().map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n")).collect();
        let listen = format!("listen 127.0.0.1:{port};\n    add_header X-Upstream $upstream_addr always;");
        let site = format!("{before}upstream trove {{\n{servers}}}{after}").replace("listen 80;", &listen);
        assert!(site.contains(&listen), "scripts/nginx.conf listens on port 80");
        let config = format!(
            "worker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
             events {{ worker_connections 1024; }}\nhttp {{\naccess_log off;\n\
             client_body_temp_path {dir}/body;\nproxy_temp_path {dir}/proxy;\nfastcgi_temp_path {dir}/fastcgi;\n\
             uwsgi_temp_path {dir}/uwsgi;\nscgi_temp_path {dir}/scgi;\n{site}\n}}\n",
            dir = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
        // Workers drop root for nobody: let them use the temporary files.
        Command::new("chmod").args(["-R", "a+rwx", &dir.to_string_lossy()]).status().unwrap();
        let child = Command::new("nginx")
            .args(["-e", &dir.join("error.log").to_string_lossy(), "-p", &dir.to_string_lossy()])
            .args(["-c", &dir.join("nginx.conf").to_string_lossy(), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start nginx: {e} (scripts/test installs nginx-light)"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nginx did not start: {}", nginx_log(&dir));
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { child, port, dir }
    }
}

fn nginx_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
}

impl Drop for Nginx {
    fn drop(&mut self) {
        signal(&self.child, "TERM");
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A shop of `count` instances on database `name` behind nginx: a category,
/// a lamp with plenty of stock and one with one left, an admin (boss) and
/// a shopper (amy), who may have many open orders.
struct Shop {
    url: String,
    media: PathBuf,
    instances: Vec<Instance>,
    proxy: Nginx,
    lamp: i64,
    last_lamp: i64,
}

const ADMIN_PASSWORD: &str = "a strong admin phrase";
const PASSWORD: &str = "a long enough phrase";

impl Shop {
    fn open(name: &str, count: usize) -> Shop {
        Shop::open_on(database(name), count, &[])
    }

    fn open_on(url: String, count: usize, extra: &[(&str, &str)]) -> Shop {
        let migrated = trove().env("DATABASE_URL", &url).arg("migrate").status().unwrap();
        assert!(migrated.success());
        let admin = trove()
            .env("DATABASE_URL", &url)
            .env("TROVE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .args(["create-admin", "boss", "--email", "boss@example.com"])
            .output()
            .unwrap();
        assert!(admin.status.success(), "{}", String::from_utf8_lossy(&admin.stderr));
        let ids = psql_value(
            &url,
            "WITH c AS (INSERT INTO categories (name, slug) VALUES ('Lights', 'lights') RETURNING id)
             INSERT INTO products (category_id, name, slug, description, price, stock)
             SELECT c.id, p.name, p.slug, 'A lamp.', p.price, p.stock FROM c,
                    (VALUES ('Desk Lamp', 'desk-lamp', 60.00, 100000), ('Last Lamp', 'last-lamp', 80.00, 1)) AS p(name, slug, price, stock)
             RETURNING id",
        );
        let ids: Vec<i64> = ids.lines().map(|l| l.parse().unwrap()).collect();
        let media = std::env::temp_dir().join(format!("trove-cluster-media-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&media).unwrap();
        // The proxy's port is the shop's address: known before the instances start.
        let proxy_port = free_port();
        let mut vars: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), url.clone()),
            ("TROVE_PUBLIC_URL".into(), format!("http://127.0.0.1:{proxy_port}")),
            ("TROVE_TRUST_PROXY".into(), "true".into()),
            ("TROVE_MEDIA_DIR".into(), media.to_string_lossy().into_owned()),
            ("TROVE_MAX_OPEN_ORDERS".into(), "1000000".into()),
            ("DATABASE_MAX_CONNECTIONS".into(), "8".into()),
            // Card payments on: the webhook is checked with the shared secret
            // (no Stripe API call is made in these tests).
            ("STRIPE_SECRET_KEY".into(), "sk_test_cluster".into()),
            ("STRIPE_PUBLISHABLE_KEY".into(), "pk_test_cluster".into()),
            ("STRIPE_WEBHOOK_SECRET".into(), WEBHOOK_SECRET.into()),
            ("STRIPE_API_URL".into(), format!("http://127.0.0.1:{}/", free_port())),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let instances: Vec<Instance> = (0..count).map(|_| Instance::start(&vars)).collect();
        let proxy = Nginx::start(proxy_port, &instances.iter().map(|i| i.port).collect::<Vec<_>>());
        let shop = Shop { url, media, instances, proxy, lamp: ids[0], last_lamp: ids[1] };
        shop.sign_up("amy");
        shop
    }

    /// A new shopper's account, signed in.
    fn sign_up(&self, username: &str) -> Browser {
        let mut browser = Browser::default();
        let form = format!(
            "username={username}&email={username}%40example.com&first_name=Amy&last_name=Pond&password={}",
            PASSWORD.replace(' ', "+")
        );
        let signed_up = browser.call(self.proxy.port, "account/sign_up", &form);
        assert_eq!(signed_up.status, 200, "{}", signed_up.text());
        browser
    }

    fn sign_in(&self, login: &str, password: &str) -> Browser {
        let mut browser = Browser::default();
        let form = format!("login={login}&password={}", password.replace(' ', "+"));
        let reply = browser.call(self.proxy.port, "account/sign_in", &form);
        assert_eq!(reply.status, 200, "{}", reply.text());
        browser
    }

    fn ports(&self) -> Vec<u16> {
        self.instances.iter().map(|i| i.port).collect()
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.media);
    }
}

const ADDRESS: &str = "address=new&new_address[full_name]=Amy+Pond&new_address[line1]=1+Main+St\
&new_address[city]=Leadworth&new_address[postal_code]=12345&new_address[country]=GB";

static TOKENS: AtomicU64 = AtomicU64::new(1);

fn checkout_token() -> String {
    format!("00000000-0000-4000-8000-{:012}", TOKENS.fetch_add(1, Ordering::Relaxed))
}

#[test]
fn any_instance_serves_any_request_behind_nginx() {
    let shop = Shop::open("trove_cluster_any", 3);
    let proxy = shop.proxy.port;

    // Round robin: consecutive requests reach every instance.
    let mut served = std::collections::BTreeSet::new();
    for _ in 0..6 {
        let reply = Browser::default().page(proxy, "/products");
        assert_eq!(reply.status, 200);
        served.insert(reply.header("x-upstream").expect("nginx names the instance").to_owned());
    }
    assert_eq!(served.len(), 3, "{served:?}");

    // A sign-in made through one instance holds on every other.
    let amy = shop.sign_in("amy", PASSWORD);
    for port in shop.ports() {
        let viewer = amy.clone().call(port, "account/viewer", "");
        assert!(viewer.text().contains("\"amy\""), "instance {port}: {}", viewer.text());
    }

    // Her session is gone; two tabs renew it from one refresh cookie on two
    // instances at once. Both stay signed in, on a third instance too.
    let stale = amy.without("trove_session");
    let ports = shop.ports();
    let racing: Vec<Browser> = std::thread::scope(|scope| {
        let tabs: Vec<_> = ports[..2]
            .iter()
            .map(|&port| {
                let mut tab = stale.clone();
                scope.spawn(move || {
                    let viewer = tab.call(port, "account/viewer", "");
                    assert!(viewer.text().contains("\"amy\""), "instance {port}: {}", viewer.text());
                    tab
                })
            })
            .collect();
        tabs.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let mut renewed_tabs = Vec::new();
    for mut tab in racing {
        assert!(tab.cookies.iter().any(|c| c.starts_with("trove_refresh=")), "each tab got a new refresh cookie");
        let viewer = tab.call(ports[2], "account/viewer", "");
        assert!(viewer.text().contains("\"amy\""), "still signed in: {}", viewer.text());
        let mut renewing = tab.without("trove_session");
        let renewed = renewing.call(ports[0], "account/viewer", "");
        assert!(renewed.text().contains("\"amy\""), "and its new refresh cookie works: {}", renewed.text());
        renewed_tabs.push(renewing);
    }

    // A change made through one instance shows on the next page from every
    // other: each has cached the pages first.
    for port in shop.ports() {
        for path in ["/p/desk-lamp", "/c/lights", "/products"] {
            let page = Browser::default().page(port, path);
            assert!(page.text().contains("$60.00"), "{port}{path}");
        }
        assert!(!Browser::default().page(port, "/p/last-lamp").text().contains("Sold out"));
        assert!(Browser::default().page(port, "/c/lights").text().contains("In stock (2)"), "{port}: facet counts");
        assert!(!Browser::default().page(port, "/products").text().contains("Candles"));
    }
    // The browser keeps whichever tab's cookies came last.
    let amy = renewed_tabs.pop().unwrap();
    let mut boss = shop.sign_in("boss", ADMIN_PASSWORD);
    let edited = boss.call(proxy, "admin/products/quick", &format!("id={}&stock=500&price=65.00", shop.lamp));
    assert_eq!(edited.status, 200, "{}", edited.text());
    // Amy buys the last of the other lamp.
    let mut buyer = amy.clone();
    assert_eq!(buyer.call(proxy, "cart/add", &format!("product={}", shop.last_lamp)).status, 200);
    let placed = buyer.call(proxy, "checkout/place", &format!("token={}&payment=cash&{ADDRESS}", checkout_token()));
    assert_eq!(placed.status, 200, "{}", placed.text());
    for port in shop.ports() {
        for path in ["/p/desk-lamp", "/c/lights", "/products"] {
            let page = fresh_page(port, path, |body| body.contains("$65.00"));
            assert!(!page.contains("$60.00"), "{port}{path} shows the old price");
        }
        assert!(fresh_page(port, "/p/last-lamp", |body| body.contains("Sold out")).contains("Sold out"));
        fresh_page(port, "/c/lights", |body| body.contains("In stock (1)"));
    }
    // A category added through one instance is in every other's navigation.
    let added = boss.call(proxy, "admin/categories/save", "name=Candles");
    assert_eq!(added.status, 200, "{}", added.text());
    for port in shop.ports() {
        fresh_page(port, "/products", |body| body.contains("Candles"));
    }

    // An image uploaded through one instance is shown and served by every other.
    let picture = crate::common::png(64, 48);
    let (content_type, body) =
        crate::common::multipart(&[("alt", None, b"A desk lamp"), ("images", Some("lamp.png"), &picture)]);
    let uploaded = boss.send(
        proxy,
        "POST",
        &format!("/admin/products/{}/images", shop.lamp),
        &[("Content-Type", &content_type), ("Accept", "application/json")],
        &body,
    );
    assert_eq!(uploaded.status, 200, "{}", uploaded.text());
    for port in shop.ports() {
        let page = fresh_page(port, "/p/desk-lamp", |body| body.contains("alt=\"A desk lamp\""));
        let src = page
            .split("src=\"/media/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page shows the new picture")
            .to_owned();
        for other in shop.ports() {
            let image = Browser::default().send(other, "GET", &format!("/media/{src}"), &[], b"");
            assert_eq!(image.status, 200, "{other} serves /media/{src}");
            assert_eq!(image.header("content-type"), Some("image/jpeg"));
        }
    }

    // Failed sign-ins count across instances: the eleventh guess is refused
    // whichever instance takes it.
    let mut guessed_on = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let reply = Browser::default().call(proxy, "account/sign_in", "login=amy&password=guess+guess+guess");
        assert_eq!(reply.status, 422, "{}", reply.text());
        guessed_on.insert(reply.header("x-upstream").unwrap().to_owned());
    }
    assert_eq!(guessed_on.len(), 3, "the guesses went to every instance");
    for port in shop.ports() {
        let form = format!("login=amy&password={}", PASSWORD.replace(' ', "+"));
        let refused = Browser::default().call(port, "account/sign_in", &form);
        assert_eq!(refused.status, 429, "instance {port}: {}", refused.text());
    }

    // One Stripe event delivered to two instances at once pays the order once.
    let mut card_buyer = amy.clone();
    assert_eq!(card_buyer.call(proxy, "cart/add", &format!("product={}", shop.lamp)).status, 200);
    let placed =
        card_buyer.call(proxy, "checkout/place", &format!("token={}&payment=card&{ADDRESS}", checkout_token()));
    assert_eq!(placed.status, 200, "{}", placed.text());
    let number = placed.text();
    let total = psql_value(
        &shop.url,
        &format!(
            "UPDATE orders SET stripe_payment_intent_id = 'pi_cluster' WHERE number = {number} RETURNING (total * 100)::bigint"
        ),
    );
    let event = serde_json::json!({
        "id": "evt_cluster_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": { "object": { "id": "pi_cluster", "object": "payment_intent", "amount": total.parse::<i64>().unwrap(), "status": "succeeded" } }
    })
    .to_string();
    let signature = trove::payments::webhook::sign(WEBHOOK_SECRET, event.as_bytes(), chrono::Utc::now().timestamp());
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let deliveries: Vec<_> = ports[..2]
            .iter()
            .map(|&port| {
                let (event, signature) = (&event, &signature);
                scope.spawn(move || {
                    let headers = [("Content-Type", "application/json"), ("Stripe-Signature", signature.as_str())];
                    Browser::default().send(port, "POST", "/webhooks/stripe", &headers, event.as_bytes()).status
                })
            })
            .collect();
        deliveries.into_iter().map(|d| d.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200, 200], "both deliveries are acknowledged");
    let state = psql_value(
        &shop.url,
        &format!(
            "SELECT o.status || ' ' || (SELECT count(*) FROM order_events e WHERE e.order_id = o.id)
                    || ' ' || (SELECT count(*) FROM payment_events p WHERE p.order_id = o.id)
             FROM orders o WHERE number = {number}"
        ),
    );
    assert_eq!(state, "PROCESSING 2 1", "paid once: placed and paid events, one payment recorded");
    let payments = |outcome: &str| -> u64 {
        let series = format!(r#"trove_payments_total{{outcome="{outcome}"}}"#);
        shop.instances.iter().map(|i| figure(i.metrics, &series)).sum()
    };
    assert_eq!((payments("paid"), payments("duplicate")), (1, 1), "the instances' metrics agree");
    for instance in &shop.instances {
        // Every acquire from the pool is timed: how long requests waited for a connection.
        assert!(figure(instance.metrics, "trove_db_pool_acquire_seconds_count") > 10);
    }
}

/// The body of `path` on `port` once `fresh` says it shows a change (a
/// NOTIFY takes a moment to reach every instance), failing after 5 s.
fn fresh_page(port: u16, path: &str, fresh: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let page = Browser::default().page(port, path);
        let body = page.text();
        if fresh(&body) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{port}{path} still shows the old page");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Shoppers placing cash orders and browsing through the proxy until told
/// to stop; a placement that fails is retried with the same checkout token,
/// as the checkout page does. Answers (requests made, failures, tokens of
/// orders placed).
struct Load {
    stop: Arc<AtomicBool>,
    workers: Vec<std::thread::JoinHandle<Outcome>>,
}

/// What the shoppers of a `Load` saw.
#[derive(Default)]
struct Outcome {
    requests: u64,
    /// Each failed request, with its status and body.
    failures: Vec<String>,
    /// The checkout tokens of the orders placed.
    placed: Vec<String>,
}

impl Load {
    fn start(shop: &Shop, shoppers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..shoppers)
            .map(|_| {
                let (proxy, lamp, stop) = (shop.proxy.port, shop.lamp, Arc::clone(&stop));
                let mut amy = shop.sign_up(&format!("shopper{}", TOKENS.fetch_add(1, Ordering::Relaxed)));
                std::thread::spawn(move || {
                    let (mut requests, mut failures, mut placed) = (0_u64, Vec::new(), Vec::new());
                    let mut check = |what: &str, reply: Option<Reply>| {
                        requests += 1;
                        match reply {
                            Some(reply) if reply.status == 200 => Some(reply),
                            other => {
                                failures.push(format!("{what}: {:?}", other.map(|r| (r.status, r.text()))));
                                None
                            }
                        }
                    };
                    while !stop.load(Ordering::Relaxed) {
                        check("GET /products", Browser::default().try_send(proxy, "GET", "/products", &[], b""));
                        check("GET /p/desk-lamp", amy.clone().try_send(proxy, "GET", "/p/desk-lamp", &[], b""));
                        if check("cart/add", amy.try_call(proxy, "cart/add", &format!("product={lamp}"))).is_none() {
                            continue;
                        }
                        let token = checkout_token();
                        let form = format!("token={token}&payment=cash&{ADDRESS}");
                        for _ in 0..150 {
                            if check("checkout/place", amy.try_call(proxy, "checkout/place", &form)).is_some() {
                                placed.push(token.clone());
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    Outcome { requests, failures, placed }
                })
            })
            .collect();
        Load { stop, workers }
    }

    fn finish(self) -> (u64, Vec<String>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Outcome::default();
        for worker in self.workers {
            let outcome = worker.join().unwrap();
            all.requests += outcome.requests;
            all.failures.extend(outcome.failures);
            all.placed.extend(outcome.placed);
        }
        (all.requests, all.failures, all.placed)
    }
}

/// Every token placed has exactly one order, and there are no others.
fn assert_orders_match(url: &str, placed: &[String]) {
    let orders: Vec<String> =
        psql_value(url, "SELECT idempotency_key FROM orders ORDER BY 1").lines().map(str::to_owned).collect();
    let mut expected = placed.to_vec();
    expected.sort();
    assert_eq!(orders.len(), expected.len(), "one order per placement, none lost or doubled");
    assert_eq!(orders, expected);
}

/// A shopper's open live stream (`/chat/events`) through the proxy: which
/// instance serves it, and, once it ends, what its last words were.
struct Stream {
    upstream: String,
    ended: std::thread::JoinHandle<(Instant, String)>,
}

impl Stream {
    fn open(proxy: u16, shopper: &Browser) -> Stream {
        let mut stream = TcpStream::connect(("127.0.0.1", proxy)).unwrap();
        let head = format!(
            "GET /chat/events HTTP/1.0\r\nHost: 127.0.0.1:{proxy}\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n",
            shopper.cookies.join("; ")
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut reader = std::io::BufReader::new(stream);
        let mut upstream = None;
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            assert!(!line.starts_with("HTTP/") || line.contains(" 200 "), "{line}");
            if let Some(value) = line.strip_prefix("X-Upstream: ") {
                upstream = Some(value.to_owned());
            }
        }
        let ended = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            (Instant::now(), rest)
        });
        Stream { upstream: upstream.expect("nginx names the instance"), ended }
    }
}

#[test]
fn a_rolling_restart_under_load_fails_no_request_and_a_killed_instance_loses_no_order() {
    let mut shop = Shop::open("trove_cluster_rolling", 3);
    let load = Load::start(&shop, 3);
    let shopper = shop.sign_in("amy", PASSWORD);
    let mut streams: Vec<Stream> = (0..6).map(|_| Stream::open(shop.proxy.port, &shopper)).collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut streams_ended = 0;
    for index in 0..shop.instances.len() {
        let address = format!("127.0.0.1:{}", shop.instances[index].port);
        let stopping = Instant::now();
        let status = shop.instances[index].stop();
        let took = stopping.elapsed();
        assert!(status.success(), "instance {index} exited with {status}");
        assert!(took < Duration::from_secs(3), "instance {index} took {took:?} to drain");
        // Its open streams ended at once, telling the browser to come back
        // soon; the browser's reconnect reaches another instance.
        let (ended, kept): (Vec<Stream>, Vec<Stream>) = streams.into_iter().partition(|s| s.upstream == address);
        streams = kept;
        for stream in ended {
            streams_ended += 1;
            let (at, last) = stream.ended.join().unwrap();
            assert!(at.duration_since(stopping) < Duration::from_secs(3), "the stream ended with its instance");
            assert!(last.contains("retry: 250"), "{last:?}");
            streams.push(Stream::open(shop.proxy.port, &shopper));
        }
        shop.instances[index].spawn();
        // nginx skips an instance it found down for its fail_timeout (2 s):
        // the next one waits until this one is back in rotation.
        std::thread::sleep(Duration::from_millis(2500));
    }
    assert!(streams_ended >= 6, "every stream open at the start ended with its instance: {streams_ended}");
    let (requests, failures, placed) = load.finish();
    assert!(requests > 100 && placed.len() > 10, "{requests} requests, {} orders", placed.len());
    let log = nginx_log(&shop.proxy.dir);
    assert!(
        failures.is_empty(),
        "{} of {requests} requests failed: {:?}\nnginx: {}",
        failures.len(),
        &failures[..failures.len().min(3)],
        &log[..log.len().min(3000)]
    );
    assert_orders_match(&shop.url, &placed);

    // SIGKILL under load: requests in flight on it may fail (the checkout
    // retries), the proxy routes around it, and no placed order is lost.
    let load = Load::start(&shop, 3);
    std::thread::sleep(Duration::from_millis(500));
    shop.instances[1].kill();
    std::thread::sleep(Duration::from_secs(2));
    let (requests, failures, placed) = load.finish();
    assert!(failures.len() <= 6, "only what was in flight on the killed instance: {failures:?}");
    assert!(requests > 50, "{requests}");
    let before: Vec<String> = psql_value(&shop.url, "SELECT count(*) FROM orders").lines().map(str::to_owned).collect();
    assert!(!before.is_empty());
    let all: Vec<String> =
        psql_value(&shop.url, "SELECT idempotency_key FROM orders ORDER BY 1").lines().map(str::to_owned).collect();
    for token in &placed {
        assert!(all.contains(token), "placed order {token} is in the database");
    }
    let distinct = psql_value(&shop.url, "SELECT count(DISTINCT idempotency_key) = count(*) FROM orders");
    assert_eq!(distinct, "t");
}

/// How many pages an instance has answered from its page cache.
fn page_hits(metrics: u16) -> u64 {
    figure(metrics, r#"trove_page_cache_total{outcome="hit"}"#)
}

/// One figure from an instance's `/metrics` (0 when not there yet).
fn figure(metrics: u16, series: &str) -> u64 {
    let figures = Browser::default().send(metrics, "GET", "/metrics", &[], b"").text();
    figures
        .lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// A PostgreSQL server of the test's own, from Debian's binaries (run as the
/// postgres user, as initdb refuses root): one the test may stop and start
/// without touching the server the rest of the suite uses.
struct Postgres {
    dir: PathBuf,
    port: u16,
}

fn pg_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Debian's PostgreSQL server (scripts/test installs it)")
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join(name).exists())
        .collect();
    versions.sort();
    versions.pop().unwrap_or_else(|| panic!("no {name} under /usr/lib/postgresql")).join(name)
}

/// Runs a PostgreSQL program as the postgres user (as root), or as ourselves.
fn as_postgres(program: &str) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(pg_bin(program));
        command
    } else {
        Command::new(pg_bin(program))
    }
}

fn run(mut command: Command) {
    let output = command.stdin(Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Postgres {
    /// A new server, started.
    fn init() -> Postgres {
        let port = free_port();
        let dir = Postgres::directory(port);
        run({
            let mut initdb = as_postgres("initdb");
            initdb.args(["-D", &dir.to_string_lossy(), "-U", "postgres", "-A", "trust", "--no-sync"]);
            initdb
        });
        let server = Postgres { dir, port };
        server.start();
        server
    }

    /// An empty directory the postgres user owns.
    fn directory(port: u16) -> PathBuf {
        let parent = std::env::temp_dir().join(format!("trove-pg-{}-{port}", std::process::id()));
        let dir = parent.join("data");
        std::fs::create_dir_all(&dir).unwrap();
        Command::new("chmod").args(["755", &parent.to_string_lossy()]).status().unwrap();
        Command::new("chmod").args(["700", &dir.to_string_lossy()]).status().unwrap();
        let _ = Command::new("chown").args(["postgres:postgres", &dir.to_string_lossy()]).status();
        dir
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        run({
            let mut pg_ctl = as_postgres("pg_ctl");
            let log = self.dir.join("server.log");
            pg_ctl.args([
                "-D",
                &self.dir.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "start",
            ]);
            pg_ctl
        });
    }

    /// A fast shutdown: open connections are ended, as in a real restart.
    fn stop(&self) {
        run({
            let mut pg_ctl = as_postgres("pg_ctl");
            pg_ctl.args(["-D", &self.dir.to_string_lossy(), "-m", "fast", "-w", "stop"]);
            pg_ctl
        });
    }

    /// A streaming replica of this server, made with pg_basebackup, started.
    fn replica(&self) -> Postgres {
        let port = free_port();
        let dir = Postgres::directory(port);
        run({
            let mut backup = as_postgres("pg_basebackup");
            backup.args(["-D", &dir.to_string_lossy(), "-h", "127.0.0.1", "-p", &self.port.to_string()]);
            backup.args(["-U", "postgres", "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"]);
            backup
        });
        let replica = Postgres { dir, port };
        replica.start();
        replica
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn create_database(&self, name: &str) -> String {
        run({
            let mut psql = Command::new("psql");
            psql.args([&self.url("postgres"), "-qc", &format!("CREATE DATABASE {name}")]);
            psql
        });
        self.url(name)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut pg_ctl = as_postgres("pg_ctl");
        pg_ctl.args(["-D", &self.dir.to_string_lossy(), "-m", "immediate", "stop"]);
        let _ = pg_ctl.stdout(Stdio::null()).stderr(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(self.dir.parent().unwrap());
    }
}

/// Polls `check` every 20 ms until it holds, answering how long that took
/// (failing after `patience`).
fn within(patience: Duration, what: &str, check: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < patience, "{what}: not within {patience:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

#[test]
fn while_the_database_restarts_requests_fail_fast_with_503_and_every_instance_recovers_losing_no_order() {
    let postgres = Postgres::init();
    let shop = Shop::open_on(postgres.create_database("trove"), 2, &[]);
    let mut amy = shop.sign_in("amy", PASSWORD);
    let load = Load::start(&shop, 2);
    for instance in &shop.instances {
        within(Duration::from_secs(5), "the category page is kept", || {
            let hits = page_hits(instance.metrics);
            assert!(Browser::default().page(instance.port, "/c/lights").text().contains("$60.00"));
            page_hits(instance.metrics) > hits
        });
    }
    std::thread::sleep(Duration::from_millis(500));

    postgres.stop();
    let stopped = Instant::now();
    for port in shop.ports() {
        within(Duration::from_secs(5), "/healthz says the database is away", || {
            let health = Browser::default().send(port, "GET", "/healthz", &[], b"");
            health.status == 503 && health.text() == "database unavailable"
        });
        // Each refused at once (the pool would have waited 5 s for a connection).
        let fast = |asked: Instant| assert!(asked.elapsed() < Duration::from_secs(1), "{:?}", asked.elapsed());
        let asked = Instant::now();
        let call = amy.call(port, "cart/add", &format!("product={}", shop.lamp));
        fast(asked);
        assert_eq!(call.status, 503, "{}", call.text());
        assert_eq!(call.text(), "\"Unavailable\"", "the app shows its message");
        assert_eq!(call.header("retry-after"), Some("5"));
        let asked = Instant::now();
        let page = amy.page(port, "/account");
        fast(asked);
        assert_eq!(page.status, 503);
        assert!(page.text().contains("Back in a moment"), "{}", page.text());
        let asked = Instant::now();
        let api = Browser::default().send(port, "GET", "/api/v1/products", &[], b"");
        fast(asked);
        assert_eq!((api.status, api.header("content-type")), (503, Some("application/problem+json")));
        // Pages already cached for visitors still answer.
        assert_eq!(Browser::default().page(port, "/c/lights").status, 200);
    }
    for instance in &shop.instances {
        // The figures still answer, and say so.
        assert_eq!(figure(instance.metrics, "trove_database_up"), 0);
    }
    std::thread::sleep(Duration::from_secs(3).saturating_sub(stopped.elapsed()));

    postgres.start();
    for port in shop.ports() {
        let took = within(Duration::from_secs(5), "the instance recovers", || {
            Browser::default().send(port, "GET", "/healthz", &[], b"").status == 200
        });
        assert!(took < Duration::from_secs(5));
        assert_eq!(amy.call(port, "cart/add", &format!("product={}", shop.lamp)).status, 200);
    }
    for instance in &shop.instances {
        assert_eq!(figure(instance.metrics, "trove_database_up"), 1);
    }
    // The LISTEN connections are back: a change reaches every instance's caches.
    psql_value(&shop.url, &format!("UPDATE products SET price = 61.00 WHERE id = {}", shop.lamp));
    for port in shop.ports() {
        fresh_page(port, "/c/lights", |body| body.contains("$61.00"));
    }

    let (requests, failures, placed) = load.finish();
    assert!(requests > 20 && !placed.is_empty(), "{requests} requests, {} orders", placed.len());
    let unexpected: Vec<&String> = failures.iter().filter(|f| !f.contains("Some((503")).collect();
    assert!(unexpected.is_empty(), "failures other than 503: {unexpected:?}");
    assert_orders_match(&shop.url, &placed);
}

#[test]
fn catalog_reads_go_to_a_streaming_replica_and_an_admin_never_sees_their_own_change_stale() {
    let primary = Postgres::init();
    let url = primary.create_database("trove");
    let replica = primary.replica();
    let read_url = replica.url("trove");
    let shop = Shop::open_on(url, 2, &[("DATABASE_READ_URL", &read_url)]);
    let mut boss = shop.sign_in("boss", ADMIN_PASSWORD);
    for port in shop.ports() {
        fresh_page(port, "/p/desk-lamp", |body| body.contains("$60.00"));
    }

    // Replication stalls. A change made straight on the primary: a guest's
    // page rendered now reads the replica, which does not have it yet.
    psql_value(&replica.url("postgres"), "SELECT pg_wal_replay_pause()");
    psql_value(&shop.url, &format!("UPDATE products SET price = 62.00 WHERE id = {}", shop.lamp));
    let render = Browser::default().page(shop.ports()[0], "/p/desk-lamp?from=replica").text();
    assert!(render.contains("$60.00") && !render.contains("$62.00"), "guests read the replica");

    // The admin changes the price through the proxy: every page they open,
    // on every instance, shows it at once.
    let edited = boss.call(shop.proxy.port, "admin/products/quick", &format!("id={}&stock=500&price=70.00", shop.lamp));
    assert_eq!(edited.status, 200, "{}", edited.text());
    for port in shop.ports() {
        for path in ["/p/desk-lamp", "/c/lights", "/products", "/"] {
            let page = boss.page(port, path).text();
            assert!(page.contains("$70.00") || path == "/", "{port}{path} shows the admin their own change");
            assert!(!page.contains("$60.00") && !page.contains("$62.00"), "{port}{path} is stale for the admin");
        }
    }

    // A replica that stays behind is set aside within seconds: guests then
    // read the primary.
    for port in shop.ports() {
        fresh_page(port, "/p/desk-lamp", |body| body.contains("$70.00"));
        fresh_page(port, "/c/lights", |body| body.contains("$70.00"));
    }
    for instance in &shop.instances {
        assert_eq!(figure(instance.metrics, r#"trove_db_replicas{state="behind"}"#), 1);
    }

    // Replication resumes; the replica takes its turn again, with the change.
    psql_value(&replica.url("postgres"), "SELECT pg_wal_replay_resume()");
    within(Duration::from_secs(5), "the replica catches up", || {
        psql_value(&replica.url("trove"), &format!("SELECT price FROM products WHERE id = {}", shop.lamp)) == "70.00"
    });
    for instance in &shop.instances {
        within(Duration::from_secs(5), "the replica takes reads again", || {
            figure(instance.metrics, r#"trove_db_replicas{state="in_turn"}"#) == 1
        });
    }
    psql_value(&shop.url, &format!("UPDATE products SET price = 71.00 WHERE id = {}", shop.lamp));
    for port in shop.ports() {
        fresh_page(port, "/c/lights", |body| body.contains("$71.00"));
        let reads = psql_value(
            &replica.url("postgres"),
            "SELECT sum(numbackends) FROM pg_stat_database WHERE datname = 'trove'",
        );
        assert!(reads.parse::<i64>().unwrap() > 0, "the instances hold connections to the replica");
    }
}
