//! The `trove` binary as an operator runs it: configuration errors, migrate,
//! serve, and a clean stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn trove() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trove"));
    command.env_remove("TROVE_ADDR").env("TROVE_LOG_FORMAT", "json");
    command
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    let output = trove().env("TROVE_ADDR", "not-an-address").arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TROVE_ADDR"), "{stderr}");
}

#[test]
fn an_unknown_subcommand_is_refused_with_usage() {
    let output = trove().arg("launch").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage"));
}

/// A database of its own, created and migrated through `trove migrate`.
pub(crate) fn database(name: &str) -> String {
    let admin = std::env::var("DATABASE_URL").expect("DATABASE_URL names the test server");
    let base = admin.rsplit_once('/').unwrap().0.to_owned();
    let psql = |sql: &str| {
        let status = Command::new("psql").args([&format!("{base}/postgres"), "-qtAc", sql]).status().unwrap();
        assert!(status.success(), "{sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(&format!("CREATE DATABASE {name}"));
    format!("{base}/{name}")
}

/// Starts `trove serve` on a free port once `url` is migrated; answers when
/// it passes its health check.
fn serve(url: &str) -> (std::process::Child, u16) {
    let status = trove().env("DATABASE_URL", url).arg("migrate").status().unwrap();
    assert!(status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = trove()
        .env("DATABASE_URL", url)
        .env("TROVE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let healthy = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            break reply.starts_with("HTTP/1.1 200");
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the server never started");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(healthy);
    (server, port)
}

/// Sends SIGTERM and answers how long the server took to exit (failing past `limit`).
fn stop(server: &mut std::process::Child, limit: Duration) -> (std::process::ExitStatus, Duration) {
    let kill = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            return (status, stopped.elapsed());
        }
        if stopped.elapsed() > limit {
            let _ = server.kill();
            panic!("the server did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_server_migrates_serves_and_stops_cleanly_on_sigterm() {
    let url = database("trove_process_test");
    let (mut server, _) = serve(&url);
    let (status, _) = stop(&mut server, Duration::from_secs(10));
    assert!(status.success(), "exit status {status}");
}

#[test]
fn a_client_trickling_its_headers_is_cut_off_and_a_stuck_upload_does_not_hold_up_shutdown() {
    use std::io::{Read, Write};
    let url = database("trove_process_slow");
    let (mut server, port) = serve(&url);

    // Slowloris: the start of a request, then nothing.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let waited = Instant::now();
    let mut reply = Vec::new();
    let _ = slow.read_to_end(&mut reply);
    let cut_off = waited.elapsed();
    assert!(cut_off < Duration::from_secs(20), "the connection was held for {cut_off:?}");
    assert!(!String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));

    // An upload whose body never arrives does not keep the server from stopping.
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stuck.write_all(b"POST /api/cart/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nproduct=").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = stop(&mut server, Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(15), "shutdown took {took:?}");
}

pub(crate) fn psql_value(url: &str, sql: &str) -> String {
    let output = Command::new("psql").args([url, "-qtAc", sql]).output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn create_admin_makes_an_account_from_standard_input_then_promotes_existing_ones() {
    use std::io::Write;
    let url = database("trove_create_admin_test");
    let mut child = trove()
        .env("DATABASE_URL", &url)
        .env_remove("TROVE_ADMIN_PASSWORD")
        .args(["create-admin", "boss", "--email", "boss@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a strong admin phrase\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin boss"));
    let stored = psql_value(&url, "SELECT role || ' ' || left(password_hash, 9) FROM users WHERE username = 'boss'");
    assert_eq!(stored, "ADMIN $argon2id");
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(!logs.contains("a strong admin phrase"), "the password never reaches a log");

    // A weak password is refused with the rule, and nothing is created.
    let weak = trove()
        .env("DATABASE_URL", &url)
        .env("TROVE_ADMIN_PASSWORD", "short")
        .args(["create-admin", "other", "--email", "other@example.com"])
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password: Use at least 10 characters."));

    // An existing member is promoted; their password is left alone.
    let media = std::env::temp_dir().join(format!("trove-create-admin-media-{}", std::process::id()));
    let seeded = trove().env("DATABASE_URL", &url).env("TROVE_MEDIA_DIR", &media).arg("seed").output().unwrap();
    assert!(seeded.status.success());
    let before = psql_value(&url, "SELECT password_hash FROM users WHERE username = 'shopper'");
    let promoted = trove().env("DATABASE_URL", &url).args(["create-admin", "shopper"]).output().unwrap();
    assert!(promoted.status.success());
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("shopper is now an admin"));
    assert_eq!(psql_value(&url, "SELECT role FROM users WHERE username = 'shopper'"), "ADMIN");
    assert_eq!(psql_value(&url, "SELECT password_hash FROM users WHERE username = 'shopper'"), before);
}

/// One HTTP/1.1 request to `port` as a browser holding `cookies`; the status,
/// the cookies it sets (added to `cookies`) and the body.
fn http(port: u16, method: &str, path: &str, cookies: &mut Vec<String>, form: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        cookies.join("; "),
        form.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    for line in head.lines().filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:")) {
        let pair = line[11..].trim().split(';').next().unwrap().to_owned();
        let name = pair.split('=').next().unwrap().to_owned();
        cookies.retain(|c| !c.starts_with(&format!("{name}=")));
        cookies.push(pair);
    }
    (head[9..12].parse().unwrap(), body.to_owned())
}

/// A live chat stream read as the browser's EventSource reads it: each
/// event's id (the room's revision) is what it says when it reconnects.
struct Events(std::io::BufReader<std::net::TcpStream>, String);

impl Events {
    fn open(port: u16, room: &str, cookies: &[String], last: &str) -> Events {
        use std::io::{BufRead, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let request = format!(
            "GET /chat/rooms/{room}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\
             Cookie: {}\r\nLast-Event-ID: {last}\r\n\r\n",
            cookies.join("; ")
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut reader = std::io::BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        Events(reader, last.to_owned())
    }

    /// The next message's id and text, or `None` after three quiet seconds.
    fn next(&mut self) -> Option<(String, String)> {
        use std::io::BufRead;
        let (mut id, mut data) = (None, None);
        loop {
            let mut line = String::new();
            if self.0.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if let Some(value) = line.strip_prefix("id:") {
                id = Some(value.trim().to_owned());
            } else if let Some(value) = line.strip_prefix("data:") {
                let message: serde_json::Value = serde_json::from_str(value.trim()).unwrap();
                if let (Some(id), Some(body)) = (message["id"].as_i64(), message["body"].as_str()) {
                    data = Some((id.to_string(), body.to_owned()));
                }
            } else if line.is_empty()
                && let (Some(revision), Some(data)) = (id.take(), data.take())
            {
                self.1 = revision;
                return Some(data);
            }
        }
    }
}

#[test]
fn chat_messages_cross_server_processes_and_a_restarted_one_resumes_without_loss_or_repeats() {
    let url = database("trove_chat_processes_test");
    let (mut a, port_a) = serve(&url);
    let (mut b, port_b) = serve(&url);
    let admin = trove()
        .env("DATABASE_URL", &url)
        .env("TROVE_ADMIN_PASSWORD", "a strong admin phrase")
        .args(["create-admin", "moe", "--email", "moe@example.com"])
        .output()
        .unwrap();
    assert!(admin.status.success(), "{}", String::from_utf8_lossy(&admin.stderr));
    let mut amy = Vec::new();
    let form = "username=amy&email=amy%40example.com&first_name=Amy&last_name=Pond&password=a+long+enough+phrase";
    assert_eq!(http(port_a, "POST", "/api/account/sign_up", &mut amy, form).0, 200);
    let mut moe = Vec::new();
    let form = "login=moe&password=a+strong+admin+phrase";
    assert_eq!(http(port_b, "POST", "/api/account/sign_in", &mut moe, form).0, 200);
    let (status, room) = http(port_a, "POST", "/api/chat/start", &mut amy, "subject=Sizes&text=Hello");
    assert_eq!(status, 200, "{room}");
    let first = psql_value(&url, "SELECT max(revision) FROM chat_messages");

    // Staff's page is open on server B; the shopper writes through server A.
    let mut page = Events::open(port_b, &room, &moe, &first);
    let post = |text: &str| {
        let (status, id) =
            http(port_a, "POST", "/api/chat/post", &mut amy.clone(), &format!("room={room}&text={text}"));
        assert_eq!(status, 200, "{id}");
        id
    };
    let one = post("one");
    assert_eq!(page.next(), Some((one.clone(), "one".to_owned())), "a message posted on A reaches B");

    // B goes down; the shopper writes twice; B comes back (the browser
    // reconnects to it, saying the last event it had).
    let _ = b.kill();
    let _ = b.wait();
    let had = page.1.clone();
    drop(page);
    let two = post("two");
    let three = post("three");
    let (mut b, port_b) = serve(&url);
    let mut page = Events::open(port_b, &room, &moe, &had);
    assert_eq!(page.next(), Some((two, "two".to_owned())));
    assert_eq!(page.next(), Some((three, "three".to_owned())));
    let four = post("four");
    assert_eq!(page.next(), Some((four, "four".to_owned())), "and it follows new ones again");
    assert_eq!(page.next(), None, "none twice");
    for server in [&mut a, &mut b] {
        let _ = server.kill();
        let _ = server.wait();
    }
}
