//! The outbox's server side: queueing a message in the caller's transaction,
//! reading the newest for the outbox page, and the background sender that
//! delivers over SMTP with retries and backoff.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::{PgConnection, PgPool};

use super::OutboxEmail;
use crate::config::Config;

const CHANNEL: &str = "email_outbox";
/// After this many failed attempts a message is marked failed and left alone.
pub const MAX_ATTEMPTS: i32 = 8;
const BATCH: i64 = 20;

/// Queues a plain-text message, to be sent once the caller's transaction commits.
pub async fn enqueue(conn: &mut PgConnection, recipient: &str, subject: &str, body: &str) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "INSERT INTO email_outbox (recipient, subject, body_text) VALUES ($1, $2, $3) RETURNING id",
        recipient,
        subject,
        body
    )
    .fetch_one(&mut *conn)
    .await?;
    // Delivered at commit: wakes a sender at once instead of at its next poll.
    sqlx::query!("SELECT pg_notify($1, '')", CHANNEL).execute(&mut *conn).await?;
    Ok(id)
}

/// The newest messages, for the admin outbox page.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<OutboxEmail>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, recipient, subject, body_text, created_at, sent_at, attempts, last_error
         FROM email_outbox ORDER BY id DESC LIMIT $1",
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OutboxEmail {
            id: r.id,
            recipient: r.recipient,
            subject: r.subject,
            body_text: redact_link_tokens(&r.body_text),
            created_at: r.created_at.into(),
            sent_at: r.sent_at.map(Into::into),
            attempts: r.attempts,
            last_error: r.last_error,
        })
        .collect())
}

/// What stands in for a link's secret once its message is sent, and on the
/// outbox page: only the recipient should hold a reset or confirmation link.
const REDACTED: &str = "[hidden: only the recipient can use this link]";

/// `body` with the secret of every `token=` link replaced: staff reading the
/// outbox (and anyone reading a backup) cannot take over an account with it.
pub fn redact_link_tokens(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("token=") {
        let (before, after) = rest.split_at(at + "token=".len());
        out.push_str(before);
        let end = after.find(|c: char| c.is_whitespace()).unwrap_or(after.len());
        if end > 0 {
            out.push_str(REDACTED);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Seconds to wait before attempt `attempts + 1`: 30 s doubling, at most 6 hours.
pub fn backoff_seconds(attempts: i32) -> i64 {
    (30_i64 << attempts.clamp(0, 20)).min(6 * 3600)
}

pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Starts the sender when SMTP is configured.
pub fn spawn_sender(pool: PgPool, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let Some(url) = &config.smtp_url else {
        tracing::info!("SMTP_URL is not set: mail stays in the outbox (admins read it at /admin/outbox)");
        return Ok(());
    };
    let transport = Transport::from_url(url.expose_secret())
        .map_err(|_| "SMTP_URL is not a usable SMTP URL")?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: Mailbox = config.mail_from.parse().map_err(|_| "TROVE_MAIL_FROM is not a valid address")?;
    tokio::spawn(run_sender(pool, transport, from));
    Ok(())
}

async fn run_sender(pool: PgPool, transport: Transport, from: Mailbox) {
    let mut listener = match crate::db::listener(&pool).await {
        Ok(mut listener) => match listener.listen(CHANNEL).await {
            Ok(()) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "mail sender: LISTEN failed; polling instead");
                None
            }
        },
        Err(error) => {
            tracing::warn!(%error, "mail sender: no listener connection; polling instead");
            None
        }
    };
    loop {
        match send_due(&pool, &transport, &from).await {
            // A full batch may mean more are waiting.
            Ok(sent) if sent as i64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "mail sender: outbox query failed"),
        }
        let wait = Duration::from_secs(10);
        match listener.as_mut() {
            Some(listener) => {
                let _ = tokio::time::timeout(wait, listener.recv()).await;
            }
            None => tokio::time::sleep(wait).await,
        }
    }
}

/// Mail waiting to be sent and mail given up on, across every instance.
pub async fn queue(pool: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS "queued!",
                  count(*) FILTER (WHERE failed_at IS NOT NULL) AS "failed!"
           FROM email_outbox"#
    )
    .fetch_one(pool)
    .await?;
    Ok((row.queued, row.failed))
}

/// Sends what is due. Rows are locked with SKIP LOCKED, so several app
/// instances never send the same message twice.
pub async fn send_due(pool: &PgPool, transport: &Transport, from: &Mailbox) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let due = sqlx::query!(
        "SELECT id, recipient, subject, body_text, attempts FROM email_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    let count = due.len();
    for mail in due {
        let outcome = match mail.recipient.parse::<Mailbox>() {
            Err(_) => Err(("the recipient address is invalid".to_owned(), true)),
            Ok(to) => {
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(mail.subject.clone())
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.body_text.clone());
                match message {
                    Err(error) => Err((error.to_string(), true)),
                    Ok(message) => {
                        transport.send(message).await.map(|_| ()).map_err(|e| (e.to_string(), e.is_permanent()))
                    }
                }
            }
        };
        let attempts = mail.attempts + 1;
        match outcome {
            Ok(()) => {
                // Sent: the copy kept for the record no longer needs a link's secret.
                sqlx::query!(
                    "UPDATE email_outbox SET sent_at = now(), attempts = $2, last_error = NULL, body_text = $3
                     WHERE id = $1",
                    mail.id,
                    attempts,
                    redact_link_tokens(&mail.body_text)
                )
                .execute(&mut *tx)
                .await?;
                tracing::info!(id = mail.id, "mail sent");
            }
            Err((error, permanent)) => {
                let give_up = permanent || attempts >= MAX_ATTEMPTS;
                tracing::warn!(id = mail.id, attempts, give_up, %error, "mail not sent");
                sqlx::query!(
                    "UPDATE email_outbox SET attempts = $2, last_error = $3,
                            next_attempt_at = now() + make_interval(secs => $4),
                            failed_at = CASE WHEN $5 THEN now() END
                     WHERE id = $1",
                    mail.id,
                    attempts,
                    error,
                    backoff_seconds(attempts) as f64,
                    give_up
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_secrets_are_hidden_and_the_rest_is_kept() {
        let body = "Open this:\n\nhttps://shop.example/reset-password?token=AbC-123_x\n\nThanks.";
        assert_eq!(
            redact_link_tokens(body),
            format!("Open this:\n\nhttps://shop.example/reset-password?token={REDACTED}\n\nThanks.")
        );
        let two = "a?token=x b&token=y";
        assert_eq!(redact_link_tokens(two), format!("a?token={REDACTED} b&token={REDACTED}"));
        assert_eq!(redact_link_tokens("no links here"), "no links here");
        assert_eq!(redact_link_tokens("ends with token="), "ends with token=");
    }

    #[test]
    fn retries_back_off_and_are_capped() {
        assert_eq!(backoff_seconds(0), 30);
        assert_eq!(backoff_seconds(1), 60);
        assert_eq!(backoff_seconds(3), 240);
        assert_eq!(backoff_seconds(30), 6 * 3600);
    }
}
