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

#[test]
fn the_server_migrates_serves_and_stops_cleanly_on_sigterm() {
    let url = database("trove_process_test");
    let status = trove().env("DATABASE_URL", &url).arg("migrate").status().unwrap();
    assert!(status.success());

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = trove()
        .env("DATABASE_URL", &url)
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

    let kill = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > Duration::from_secs(10) {
            let _ = server.kill();
            panic!("the server did not stop within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}
