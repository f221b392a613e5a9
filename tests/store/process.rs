//! The `trove` binary as an operator runs it: configuration errors, migrate,
//! serve, and a clean stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn trove() -> Command {
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
fn database(name: &str) -> String {
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

fn psql_value(url: &str, sql: &str) -> String {
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
