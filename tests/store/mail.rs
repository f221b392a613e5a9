//! The outbox sender against a real SMTP server process (aiosmtpd from PyPI,
//! which scripts/test installs): delivery, and retry with backoff when the
//! server cannot be reached.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use lettre::message::Mailbox;
use sqlx::PgPool;
use trove::mail::{self, Transport};

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts aiosmtpd filing mail into a fresh Maildir.
async fn smtp_server() -> SmtpServer {
    let python = std::env::var("TROVE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let port = free_port();
    let maildir = std::env::temp_dir().join(format!("trove-maildir-{}-{port}", std::process::id()));
    let child = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start aiosmtpd with {python}: {e} (scripts/test installs it)"));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return SmtpServer { child, port, maildir };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("aiosmtpd did not start");
}

fn transport(port: u16) -> Transport {
    Transport::builder_dangerous("127.0.0.1").port(port).timeout(Some(Duration::from_secs(5))).build()
}

fn delivered(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else { return vec![] };
    entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect()
}

#[sqlx::test]
async fn queued_mail_is_delivered_over_smtp_once(pool: PgPool) {
    let server = smtp_server().await;
    let mut tx = pool.begin().await.unwrap();
    mail::enqueue(&mut tx, "amy@example.com", "Reset your password", "Open this link: http://x/reset").await.unwrap();
    tx.commit().await.unwrap();

    let from: Mailbox = "Test Shop <shop@example.com>".parse().unwrap();
    assert_eq!(mail::send_due(&pool, &transport(server.port), &from).await.unwrap(), 1);
    assert_eq!(mail::send_due(&pool, &transport(server.port), &from).await.unwrap(), 0, "sent once");

    let messages = delivered(&server.maildir);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Subject: Reset your password"), "{}", messages[0]);
    assert!(messages[0].contains("To: amy@example.com"));
    assert!(messages[0].contains("Open this link: http://x/reset"));
    let sent: bool = sqlx::query_scalar("SELECT sent_at IS NOT NULL FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert!(sent);
}

#[sqlx::test]
async fn mail_rolled_back_with_its_change_is_never_sent(pool: PgPool) {
    let server = smtp_server().await;
    let mut tx = pool.begin().await.unwrap();
    mail::enqueue(&mut tx, "amy@example.com", "Never", "Rolled back").await.unwrap();
    tx.rollback().await.unwrap();
    let from: Mailbox = "shop@example.com".parse().unwrap();
    assert_eq!(mail::send_due(&pool, &transport(server.port), &from).await.unwrap(), 0);
    assert!(delivered(&server.maildir).is_empty());
}

#[sqlx::test]
async fn an_unreachable_server_is_retried_later_with_backoff(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    mail::enqueue(&mut conn, "amy@example.com", "Hello", "Body").await.unwrap();
    let from: Mailbox = "shop@example.com".parse().unwrap();
    let closed = free_port();
    assert_eq!(mail::send_due(&pool, &transport(closed), &from).await.unwrap(), 1);
    let (attempts, waits, error, failed): (i32, bool, Option<String>, bool) = sqlx::query_as(
        "SELECT attempts, next_attempt_at > now() + interval '20 seconds', last_error, failed_at IS NOT NULL FROM email_outbox",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(attempts, 1);
    assert!(waits, "the next attempt is backed off");
    assert!(error.is_some());
    assert!(!failed, "one failure is not the end");
    assert_eq!(mail::send_due(&pool, &transport(closed), &from).await.unwrap(), 0, "not due yet");

    // When it is due again and the server is back, it goes.
    let server = smtp_server().await;
    sqlx::query("UPDATE email_outbox SET next_attempt_at = now()").execute(&pool).await.unwrap();
    assert_eq!(mail::send_due(&pool, &transport(server.port), &from).await.unwrap(), 1);
    assert_eq!(delivered(&server.maildir).len(), 1);
}

#[sqlx::test]
async fn a_bad_recipient_fails_for_good_without_retrying(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    mail::enqueue(&mut conn, "not an address", "Hello", "Body").await.unwrap();
    let from: Mailbox = "shop@example.com".parse().unwrap();
    mail::send_due(&pool, &transport(free_port()), &from).await.unwrap();
    let failed: bool =
        sqlx::query_scalar("SELECT failed_at IS NOT NULL FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert!(failed);
}

#[sqlx::test]
async fn three_instances_deliver_each_queued_mail_exactly_once(pool: PgPool) {
    let server = smtp_server().await;
    let url = format!("smtp://127.0.0.1:{}", server.port);
    let config = trove::config::Config::from_lookup(|name| (name == "SMTP_URL").then(|| url.clone())).unwrap();
    // Three instances' senders on one database, each woken by every enqueue.
    for _ in 0..3 {
        mail::spawn_sender(pool.clone(), &config).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    const MAILS: usize = 50;
    for n in 0..MAILS {
        let mut tx = pool.begin().await.unwrap();
        mail::enqueue(&mut tx, &format!("shopper{n}@example.com"), "Your order", "Thank you").await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut waiting = i64::MAX;
    for _ in 0..300 {
        waiting = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting, 0, "every mail is sent");
    // The server files what it received a moment after answering.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = delivered(&server.maildir);
    let mut recipients: Vec<String> = messages
        .iter()
        .filter_map(|m| m.lines().find_map(|line| line.strip_prefix("To: ")).map(str::to_owned))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(messages.len(), MAILS, "each mail delivered once, none twice");
    assert_eq!(recipients.len(), MAILS);
}
