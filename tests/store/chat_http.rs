//! Support chat over HTTP: a shopper asks and staff answer in one
//! conversation; nobody else reads or posts in it by any route; the limits;
//! "Ask about this order" reopening the order's conversation; and the live
//! stream (Server-Sent Events) sending exactly what a page is missing, from
//! either of two instances on one database.

use crate::common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Jar, call, signed_in, user};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use trove::account::Role;

fn json(reply: &common::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

/// Starts a conversation as the shopper in `jar`; its room id.
async fn ask(app: &axum::Router, jar: &mut Jar, subject: &str, text: &str) -> i64 {
    let reply = call(app, jar, "chat/start", &format!("subject={subject}&text={text}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body.trim().parse().unwrap_or_else(|_| panic!("a room id: {}", reply.body))
}

/// An open live stream: the events it has sent so far, read as they come.
struct Stream {
    body: Body,
    buffer: String,
}

impl Stream {
    /// A room's stream, resuming after revision `last` as a reconnecting browser does.
    async fn open(app: &axum::Router, jar: &Jar, room: i64, last: Option<i64>) -> (StatusCode, Option<Stream>) {
        Stream::open_path(app, jar, &format!("/chat/rooms/{room}/events"), last).await
    }

    async fn open_path(app: &axum::Router, jar: &Jar, path: &str, last: Option<i64>) -> (StatusCode, Option<Stream>) {
        let mut request = Request::get(path).header(header::COOKIE, jar.header());
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        if status != StatusCode::OK {
            return (status, None);
        }
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
        (status, Some(Stream { body: response.into_body(), buffer: String::new() }))
    }

    /// The next message posted, edited or removed: the room revision it
    /// took and its text, waiting up to two seconds.
    async fn next(&mut self) -> Option<(i64, String)> {
        let (id, message) = self.next_of("message").await?;
        Some((id?, message["body"].as_str().unwrap().to_owned()))
    }

    /// The next event of `kind`: its id and data.
    async fn next_of(&mut self, kind: &str) -> Option<(Option<i64>, Value)> {
        loop {
            let (got, id, data) = self.event().await?;
            if got == kind {
                return Some((id, data));
            }
        }
    }

    /// The next event's kind, id and data.
    async fn event(&mut self) -> Option<(String, Option<i64>, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| event.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned());
                if let (Some(kind), Some(data)) = (field("event:"), field("data:")) {
                    let id = field("id:").map(|v| v.parse().unwrap());
                    return Some((kind, id, serde_json::from_str(&data).unwrap()));
                }
                continue;
            }
            let frame = tokio::time::timeout(Duration::from_secs(2), self.body.frame()).await.ok()??.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

/// The revision a message's latest change took.
async fn revision(pool: &PgPool, message: i64) -> i64 {
    sqlx::query_scalar("SELECT revision FROM chat_messages WHERE id = $1").bind(message).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn a_shopper_asks_and_staff_answer_in_the_same_conversation(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Where+is+my+parcel%3F", "It+was+due+Monday.").await;

    let mut moe = signed_in(&app, "moe").await;
    let inbox = json(&call(&app, &mut moe, "chat/inbox", "filter=unassigned").await);
    assert_eq!(inbox[0]["subject"], "Where is my parcel?");
    assert_eq!(inbox[0]["unread"], 1);
    let joined = call(&app, &mut moe, "chat/join", &format!("room={room}")).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    let answer =
        call(&app, &mut moe, "chat/post", &format!("room={room}&text=It+left+today%2C+see+https://track.example/1"))
            .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mine = json(&call(&app, &mut moe, "chat/inbox", "filter=mine").await);
    assert_eq!(mine[0]["id"], room, "whoever joins first looks after it");

    // The shopper sees one unread answer, reads it, and it is read.
    let rooms = json(&call(&app, &mut amy, "chat/mine", "").await);
    assert_eq!(rooms[0]["unread"], 1);
    let conversation = json(&call(&app, &mut amy, "chat/conversation", &format!("room={room}")).await);
    let messages = conversation["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!((messages[1]["staff"].clone(), messages[1]["mine"].clone()), (Value::Bool(true), Value::Bool(false)));
    let roles: Vec<&str> =
        conversation["members"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["Customer", "Moderator"], "members see each other's roles");
    assert_eq!(conversation["recent_orders"], Value::Array(vec![]), "a shopper's view has no staff panel");
    assert_eq!(json(&call(&app, &mut amy, "chat/mine", "").await)[0]["unread"], 0);

    // The page, without JavaScript: the history as text, the link made safe.
    let page = common::page(&app, &mut amy, &format!("/messages/{room}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("It was due Monday."), "the history is in the page");
    assert!(
        page.body.contains(r#"href="https://track.example/1" rel="nofollow noopener noreferrer ugc""#),
        "{}",
        page.body.len()
    );
    assert!(
        page.body.contains(r#"name="text""#) && page.body.contains("/api/chat/post"),
        "a plain form posts a message"
    );

    // Closed by staff: the shopper can no longer post in it.
    call(&app, &mut moe, "chat/close", &format!("room={room}&closed=true")).await;
    let late = call(&app, &mut amy, "chat/post", &format!("room={room}&text=Thanks")).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.body);
    assert!(late.body.contains("closed"));
    assert_eq!(json(&call(&app, &mut moe, "chat/inbox", "filter=closed").await)[0]["id"], room);
}

#[sqlx::test]
async fn nobody_else_reads_or_posts_in_a_conversation_by_any_route(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "bob", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Private", "My+address+is+secret").await;
    let mut bob = signed_in(&app, "bob").await;
    let read = call(&app, &mut bob, "chat/conversation", &format!("room={room}")).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.body);
    let posted = call(&app, &mut bob, "chat/post", &format!("room={room}&text=hi")).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    let marked = call(&app, &mut bob, "chat/read", &format!("room={room}&upto=999")).await;
    assert_eq!(marked.status, StatusCode::NOT_FOUND);
    let page = common::page(&app, &mut bob, &format!("/messages/{room}")).await;
    assert!(!page.body.contains("secret"), "the page shows nothing of it");
    let (status, _) = Stream::open(&app, &bob, room, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the live stream refuses them too");
    let (status, _) = Stream::open(&app, &Jar::default(), room, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, &mut bob, "chat/inbox", "").await.status, StatusCode::FORBIDDEN, "the inbox is staff's");
    assert_eq!(call(&app, &mut bob, "chat/join", &format!("room={room}")).await.status, StatusCode::FORBIDDEN);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM chat_messages").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 1);
}

#[sqlx::test]
async fn long_messages_and_floods_are_refused_with_a_clear_message(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    // Posts are counted per minute, the first question's among them.
    common::clear_of_window_end(60).await;
    let room = ask(&app, &mut amy, "Question", "Hello").await;
    let long = call(&app, &mut amy, "chat/post", &format!("room={room}&text={}", "a".repeat(4001))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);
    assert!(long.body.contains("4000"), "{}", long.body);
    let empty = call(&app, &mut amy, "chat/post", &format!("room={room}&text=+++")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut last = StatusCode::OK;
    for n in 0..25 {
        last = call(&app, &mut amy, "chat/post", &format!("room={room}&text=message+{n}")).await.status;
        if last != StatusCode::OK {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "20 a minute, the first question included");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM chat_messages").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 20);
}

#[sqlx::test]
async fn asking_about_an_order_reopens_its_conversation(pool: PgPool) {
    let amy = user(&pool, "amy", Role::Member).await;
    user(&pool, "bob", Role::Member).await;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO orders (user_id, status, payment_method, currency, subtotal, total, ship_full_name, ship_line1,
                             ship_city, ship_postal_code, ship_country, idempotency_key)
         VALUES ($1, 'PROCESSING', 'CASH_ON_DELIVERY', 'USD', 5, 5, 'A', '1 Road', 'Town', '1000', 'NL', gen_random_uuid())
         RETURNING number",
    )
    .bind(amy.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    let app = common::app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let first = call(&app, &mut jar, "chat/about_order", &format!("number={number}")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = call(&app, &mut jar, "chat/about_order", &format!("number={number}")).await;
    assert_eq!(first.body, again.body, "the same conversation, not a second");
    let rooms = json(&call(&app, &mut jar, "chat/mine", "").await);
    assert_eq!(
        (rooms[0]["subject"].clone(), rooms[0]["order"].clone()),
        (Value::from(format!("Order #{number}")), Value::from(number))
    );
    let mut bob = signed_in(&app, "bob").await;
    let theirs = call(&app, &mut bob, "chat/about_order", &format!("number={number}")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another shopper's order");
}

#[sqlx::test]
async fn a_page_gets_exactly_the_messages_it_misses_from_either_instance(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    // Two instances on one database, as behind a load balancer.
    let (a, b) = (common::app(pool.clone()), common::app(pool.clone()));
    let mut amy = signed_in(&a, "amy").await;
    let room = ask(&a, &mut amy, "Sizes", "Does+it+run+small%3F").await;
    let mut moe = signed_in(&b, "moe").await;
    let first: i64 = sqlx::query_scalar("SELECT revision FROM chat_messages").fetch_one(&pool).await.unwrap();
    // Staff's page is open on instance B, having the first message.
    let (_, stream) = Stream::open(&b, &moe, room, Some(first)).await;
    let mut staff_page = stream.unwrap();
    // While it is open, the shopper writes through instance A.
    for text in ["Hello%3F", "Anyone%3F"] {
        assert_eq!(call(&a, &mut amy, "chat/post", &format!("room={room}&text={text}")).await.status, StatusCode::OK);
    }
    let (second, text) = staff_page.next().await.expect("the message posted on A reaches B");
    assert_eq!(text, "Hello?");
    let (third, text) = staff_page.next().await.expect("and the next");
    assert_eq!(text, "Anyone?");
    assert!(first < second && second < third);
    assert!(staff_page.next().await.is_none(), "nothing twice");
    drop(staff_page);

    // The connection dropped after the second; meanwhile staff answer. On
    // reconnecting with the last revision it has, the page gets the rest.
    call(&b, &mut moe, "chat/post", &format!("room={room}&text=True+to+size.")).await;
    let (_, stream) = Stream::open(&a, &moe, room, Some(second)).await;
    let mut resumed = stream.unwrap();
    let got = [resumed.next().await.unwrap().1, resumed.next().await.unwrap().1];
    assert_eq!(got, ["Anyone?".to_owned(), "True to size.".to_owned()]);
    assert!(resumed.next().await.is_none());
}

#[sqlx::test]
async fn a_stream_refuses_other_sites_and_ends_when_its_sign_in_does(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Hello", "Hi").await;
    // Another site's page cannot open it with the shopper's cookies.
    let request = Request::get(format!("/chat/rooms/{room}/events"))
        .header(header::COOKIE, amy.header())
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.clone().oneshot(request).await.unwrap().status(), StatusCode::FORBIDDEN);

    let (_, stream) = Stream::open(&app, &amy, room, None).await;
    let mut open = stream.unwrap();
    assert_eq!(open.next().await.map(|m| m.1), Some("Hi".to_owned()));
    // Signed out everywhere from another device: the open stream ends.
    let mut phone = signed_in(&app, "amy").await;
    assert_eq!(call(&app, &mut phone, "account/sign_out_everywhere", "").await.status, StatusCode::OK);
    let ended = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            match open.body.frame().await {
                None => return true,
                Some(Ok(_)) => continue,
                Some(Err(_)) => return true,
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(true), "the stream closed within its check interval");
}

#[sqlx::test]
async fn authors_edit_for_fifteen_minutes_and_staff_remove_with_a_reason_that_stays(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "bob", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Colour", "Is+it+red%3F").await;
    let mut moe = signed_in(&app, "moe").await;
    call(&app, &mut moe, "chat/post", &format!("room={room}&text=Yes")).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM chat_messages ORDER BY id").fetch_all(&pool).await.unwrap();
    let (question, answer) = (ids[0], ids[1]);
    // Staff's page is open, having both.
    let (_, stream) = Stream::open(&app, &moe, room, Some(revision(&pool, answer).await)).await;
    let mut staff_page = stream.unwrap();

    let edited = call(&app, &mut amy, "chat/edit", &format!("message={question}&text=Is+it+dark+red%3F")).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(staff_page.next().await.map(|m| m.1).as_deref(), Some("Is it dark red?"), "the edit arrives live");
    let theirs = call(&app, &mut amy, "chat/edit", &format!("message={answer}&text=No")).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "only the author edits");
    sqlx::query("UPDATE chat_messages SET created_at = now() - interval '16 minutes' WHERE id = $1")
        .bind(question)
        .execute(&pool)
        .await
        .unwrap();
    let late = call(&app, &mut amy, "chat/edit", &format!("message={question}&text=Never+mind")).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.body);
    assert!(late.body.contains("15 minutes"));

    // Staff remove a message with a reason, which stays in its place and in the audit log.
    let unexplained = call(&app, &mut moe, "chat/remove", &format!("message={question}")).await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    let removed = call(&app, &mut moe, "chat/remove", &format!("message={question}&reason=Personal+data")).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let conversation = json(&call(&app, &mut amy, "chat/conversation", &format!("room={room}")).await);
    let first = &conversation["messages"][0];
    assert_eq!(
        (first["body"].as_str(), first["removed"].as_str()),
        (Some(""), Some("Removed by staff: Personal data"))
    );
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'chat_message.remove'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // Another shopper cannot remove anything; the author removes their own.
    let mut bob = signed_in(&app, "bob").await;
    assert_eq!(call(&app, &mut bob, "chat/remove", &format!("message={answer}")).await.status, StatusCode::NOT_FOUND);
    let reply = call(&app, &mut amy, "chat/post", &format!("room={room}&text=Oops")).await;
    let own: i64 = reply.body.trim().parse().unwrap();
    assert_eq!(call(&app, &mut amy, "chat/remove", &format!("message={own}")).await.status, StatusCode::OK);
    let conversation = json(&call(&app, &mut moe, "chat/conversation", &format!("room={room}")).await);
    assert_eq!(conversation["messages"][2]["removed"], "Removed by its author");
}

#[sqlx::test]
async fn a_shopper_who_leaves_answers_unread_gets_one_email_not_one_per_message(pool: PgPool) {
    use trove::chat::service::email_unread_answers;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let state = trove::startup::state_with_pool(common::config(&common::media_dir()), pool.clone()).unwrap();
    let app = trove::startup::router(state.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Refund", "When+will+it+come%3F").await;
    let mut moe = signed_in(&app, "moe").await;
    for text in ["Today.", "It+is+on+its+way."] {
        call(&app, &mut moe, "chat/post", &format!("room={room}&text={text}")).await;
    }
    let outbox = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT recipient, body_text FROM email_outbox WHERE subject LIKE 'An answer about%' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert_eq!(email_unread_answers(&state).await.unwrap(), 0, "not within ten minutes");
    sqlx::query("UPDATE chat_messages SET created_at = now() - interval '11 minutes'").execute(&pool).await.unwrap();
    // Two instances remind at the same moment: one email.
    let own = sqlx::postgres::PgPoolOptions::new().connect_with((*pool.connect_options()).clone()).await.unwrap();
    let other = trove::startup::state_with_pool(common::config(&common::media_dir()), own).unwrap();
    let (here, there) = tokio::join!(email_unread_answers(&state), email_unread_answers(&other));
    assert_eq!(here.unwrap() + there.unwrap(), 1);
    assert_eq!(email_unread_answers(&state).await.unwrap(), 0, "once");
    let sent = outbox().await;
    assert_eq!(sent.len(), 1, "one email for both answers");
    assert_eq!(sent[0].0, "amy@example.com");
    assert!(sent[0].1.contains(&format!("/messages/{room}")), "{}", sent[0].1);
    // Read in time: no email.
    call(&app, &mut moe, "chat/post", &format!("room={room}&text=Anything+else%3F")).await;
    call(&app, &mut amy, "chat/conversation", &format!("room={room}")).await;
    sqlx::query("UPDATE chat_messages SET created_at = now() - interval '11 minutes'").execute(&pool).await.unwrap();
    assert_eq!(email_unread_answers(&state).await.unwrap(), 0);
    assert_eq!(outbox().await.len(), 1);
}

#[sqlx::test]
async fn conversations_through_the_api_follow_the_same_rules(pool: PgPool) {
    use crate::api_http::{api, personal_token, problem};
    use axum::http::Method;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "bob", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    user(&pool, "boss", Role::Admin).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let (token, _) = personal_token(&app, &mut amy, &["chat:read", "chat:write"], "30").await;
    let started = api(
        &app,
        Method::POST,
        "/api/v1/conversations",
        Some(&token),
        Some(r#"{"subject": "Sizes", "text": "Does it run small?"}"#),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let room = json(&started)["id"].as_i64().unwrap();
    let listed = json(&api(&app, Method::GET, "/api/v1/conversations", Some(&token), None).await);
    assert_eq!(listed[0]["subject"], "Sizes");
    let uri = format!("/api/v1/conversations/{room}");
    let written =
        api(&app, Method::POST, &format!("{uri}/messages"), Some(&token), Some(r#"{"text": "Size M?"}"#)).await;
    assert_eq!(written.status, StatusCode::CREATED, "{}", written.body);
    let read = json(&api(&app, Method::GET, &uri, Some(&token), None).await);
    assert_eq!(read["messages"].as_array().unwrap().len(), 2);
    let empty = api(&app, Method::POST, &format!("{uri}/messages"), Some(&token), Some(r#"{"text": " "}"#)).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem(&empty)["errors"]["text"].is_string());

    // Another shopper's token finds nothing there.
    let mut bob = signed_in(&app, "bob").await;
    let (theirs, _) = personal_token(&app, &mut bob, &["chat:read", "chat:write"], "30").await;
    assert_eq!(api(&app, Method::GET, &uri, Some(&theirs), None).await.status, StatusCode::NOT_FOUND);
    let intruder = api(&app, Method::POST, &format!("{uri}/messages"), Some(&theirs), Some(r#"{"text": "hi"}"#)).await;
    assert_eq!(intruder.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api(&app, Method::GET, "/api/v1/staff/conversations", Some(&theirs), None).await.status,
        StatusCode::FORBIDDEN
    );
    // Staff read the inbox with their own token; a shop's client token holds no chat scope.
    let mut moe = signed_in(&app, "moe").await;
    let (staff, _) = personal_token(&app, &mut moe, &["chat:read"], "30").await;
    let inbox =
        json(&api(&app, Method::GET, "/api/v1/staff/conversations?filter=unassigned", Some(&staff), None).await);
    assert_eq!(inbox[0]["id"], room);
    let mut boss = signed_in(&app, "boss").await;
    let refused =
        call(&app, &mut boss, "admin/tokens/create", "integration=Bot&name=b&expires=30&scopes[chat:read]=on").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "a conversation is a person's");
}

#[sqlx::test]
async fn a_long_conversation_is_read_in_pages_of_fifty_and_counts_what_is_unread(pool: PgPool) {
    use trove::chat::{InboxFilter, db};
    let amy = user(&pool, "amy", Role::Member).await;
    let moe = user(&pool, "moe", Role::Moderator).await;
    let mut tx = pool.begin().await.unwrap();
    let room = db::create_room(&mut tx, amy, "Many questions", None).await.unwrap();
    db::add_member(&mut *tx, room, moe).await.unwrap();
    for n in 0..120 {
        let author = if n % 2 == 0 { amy } else { moe };
        db::post(&mut tx, room, author, &format!("message {n}")).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Newest first by page, each page oldest first, until there is no earlier one.
    let (newest, older) = db::messages(&pool, room, amy, None).await.unwrap();
    assert_eq!((newest.len(), older), (50, true));
    assert_eq!((newest[0].body.as_str(), newest[49].body.as_str()), ("message 70", "message 119"));
    let (middle, older) = db::messages(&pool, room, amy, Some(newest[0].id)).await.unwrap();
    assert_eq!((middle[0].body.as_str(), older), ("message 20", true));
    let (oldest, older) = db::messages(&pool, room, amy, Some(middle[0].id)).await.unwrap();
    assert_eq!((oldest.len(), oldest[0].body.as_str(), older), (20, "message 0", false));
    assert!(newest.iter().all(|m| m.mine == (m.body.trim_start_matches("message ").parse::<i32>().unwrap() % 2 == 0)));

    // Each posted their own and read up to it: what the other wrote since is unread.
    assert_eq!(db::unread_total(&pool, amy).await.unwrap(), 1, "moe's last message came after amy's");
    let listed = db::rooms(&pool, amy, false, InboxFilter::Open).await.unwrap();
    assert_eq!(listed[0].unread, 1);
    let staff_view = db::rooms(&pool, moe, true, InboxFilter::Unread).await.unwrap();
    assert!(staff_view.is_empty(), "moe has read up to his own last message, after amy's");
    db::mark_read(&pool, room, amy, newest[49].id).await.unwrap();
    assert_eq!(db::unread_total(&pool, amy).await.unwrap(), 0);
    db::mark_read(&pool, room, amy, 1).await.unwrap();
    assert_eq!(db::unread_total(&pool, amy).await.unwrap(), 0, "read state never moves back");
}

#[sqlx::test]
async fn a_page_that_was_away_gets_the_edits_and_removals_it_missed_exactly_once(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let (a, b) = (common::app(pool.clone()), common::app(pool.clone()));
    let mut amy = signed_in(&a, "amy").await;
    let room = ask(&a, &mut amy, "Colour", "Is+it+red%3F").await;
    let mut moe = signed_in(&b, "moe").await;
    call(&b, &mut moe, "chat/post", &format!("room={room}&text=Yes")).await;
    call(&a, &mut amy, "chat/post", &format!("room={room}&text=Thanks")).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM chat_messages ORDER BY id").fetch_all(&pool).await.unwrap();
    // Staff's page has all three, then loses its connection.
    let had = revision(&pool, ids[2]).await;
    let (_, stream) = Stream::open(&b, &moe, room, Some(had)).await;
    let mut page = stream.unwrap();
    assert!(page.next().await.is_none(), "nothing it has");
    drop(page);
    // Meanwhile: the shopper edits her first, removes her last, and writes again.
    call(&a, &mut amy, "chat/edit", &format!("message={}&text=Is+it+dark+red%3F", ids[0])).await;
    call(&a, &mut amy, "chat/remove", &format!("message={}", ids[2])).await;
    call(&a, &mut amy, "chat/post", &format!("room={room}&text=Also+in+blue%3F")).await;

    let (_, stream) = Stream::open(&b, &moe, room, Some(had)).await;
    let mut page = stream.unwrap();
    let mut got = Vec::new();
    while let Some((_, message)) = page.next_of("message").await {
        got.push((
            message["id"].as_i64().unwrap(),
            message["body"].as_str().unwrap().to_owned(),
            message["removed"].clone(),
        ));
    }
    assert_eq!(got.len(), 3, "each change once: {got:?}");
    assert_eq!((got[0].0, got[0].1.as_str()), (ids[0], "Is it dark red?"));
    assert_eq!((got[1].0, got[1].1.as_str(), got[1].2.as_str()), (ids[2], "", Some("Removed by its author")));
    assert_eq!(got[2].1, "Also in blue?");
}

#[sqlx::test]
async fn unread_counts_and_read_receipts_follow_live(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let (a, b) = (common::app(pool.clone()), common::app(pool.clone()));
    let mut amy = signed_in(&a, "amy").await;
    let room = ask(&a, &mut amy, "Sizes", "Does+it+run+small%3F").await;
    let mut moe = signed_in(&b, "moe").await;
    // The shopper's header follows her unread count on instance A.
    let (_, stream) = Stream::open_path(&a, &amy, "/chat/events", None).await;
    let mut header = stream.unwrap();
    assert_eq!(header.next_of("unread").await.unwrap().1["count"], 0);
    // Staff's inbox hears of the conversation's changes; the staff member's
    // page of the conversation is open on B.
    let (_, stream) = Stream::open_path(&b, &moe, "/chat/events", None).await;
    let mut inbox = stream.unwrap();
    assert_eq!(inbox.next_of("unread").await.unwrap().1["count"], 0);
    let (_, stream) = Stream::open(&b, &moe, room, None).await;
    let mut staff_page = stream.unwrap();
    staff_page.next().await.expect("the question");

    // Staff answer through B: the shopper's count on A goes to 1, the inbox hears of it.
    call(&b, &mut moe, "chat/post", &format!("room={room}&text=True+to+size.")).await;
    assert_eq!(header.next_of("unread").await.expect("live count").1["count"], 1);
    let counts = json(&call(&a, &mut amy, "header/counts", "").await);
    assert_eq!((counts["messages"].as_i64(), counts["cart"].as_i64()), (Some(1), Some(0)), "{counts}");
    assert!(inbox.next_of("inbox").await.is_some(), "the inbox changed");
    // The shopper opens the conversation: her count goes back to 0, and the
    // staff page shows she has read the answer.
    let answer: i64 = sqlx::query_scalar("SELECT max(id) FROM chat_messages").fetch_one(&pool).await.unwrap();
    call(&a, &mut amy, "chat/conversation", &format!("room={room}")).await;
    assert_eq!(header.next_of("unread").await.expect("read").1["count"], 0);
    let members = loop {
        let (_, members) = staff_page.next_of("members").await.expect("who has read what");
        let amy_read =
            members.as_array().unwrap().iter().find(|m| m["role"] == "Customer").unwrap()["read_up_to"].clone();
        if amy_read == answer {
            break members;
        }
    };
    assert_eq!(members.as_array().unwrap().len(), 2, "{members}");

    // Someone else's count is not theirs to follow: the stream is the signed-in person's.
    let (status, _) = Stream::open_path(&a, &Jar::default(), "/chat/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn staff_give_a_conversation_to_a_colleague_who_joins_it(pool: PgPool) {
    let lou = user(&pool, "lou", Role::Moderator).await;
    user(&pool, "amy", Role::Member).await;
    user(&pool, "moe", Role::Moderator).await;
    let app = common::app(pool.clone());
    let mut amy = signed_in(&app, "amy").await;
    let room = ask(&app, &mut amy, "Returns", "How+do+I+return+it%3F").await;
    let mut moe = signed_in(&app, "moe").await;
    let page = json(&call(&app, &mut moe, "chat/conversation", &format!("room={room}")).await);
    let staff: Vec<&str> = page["staff"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(staff.contains(&lou.0.to_string().as_str()), "{page}");
    let given = call(&app, &mut moe, "chat/assign", &format!("room={room}&to={}", lou.0)).await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    let mut lou_jar = signed_in(&app, "lou").await;
    let mine = json(&call(&app, &mut lou_jar, "chat/inbox", "filter=mine").await);
    assert_eq!(mine[0]["id"], room);
    assert_eq!(mine[0]["unread"], 1, "the question waits for lou");
    let page = json(&call(&app, &mut moe, "chat/conversation", &format!("room={room}")).await);
    assert_eq!(page["assigned"], lou.0.to_string());
    assert!(page["members"].as_array().unwrap().iter().any(|m| m["role"] == "Moderator"), "{page}");

    // Only to staff; only by staff; and back to nobody.
    let amy_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'amy'").fetch_one(&pool).await.unwrap();
    let shopper = call(&app, &mut moe, "chat/assign", &format!("room={room}&to={amy_id}")).await;
    assert_eq!(shopper.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", shopper.body);
    let by_shopper = call(&app, &mut amy, "chat/assign", &format!("room={room}&to={}", lou.0)).await;
    assert_eq!(by_shopper.status, StatusCode::FORBIDDEN);
    assert_eq!(call(&app, &mut moe, "chat/assign", &format!("room={room}&to=")).await.status, StatusCode::OK);
    let unassigned = json(&call(&app, &mut moe, "chat/inbox", "filter=unassigned").await);
    assert_eq!(unassigned[0]["id"], room);
}
