//! Accounts over HTTP, through `startup::router`: cookies and their attributes,
//! renewal from the refresh cookie, sign-out, guards (401/403), rate limits
//! (429), the cross-origin check, security headers, resets, avatars.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Jar, PASSWORD, app, app_with, call, page, send_as, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

/// `PASSWORD`, form-encoded.
const PW: &str = "correct+horse+battery";

#[sqlx::test]
async fn signing_in_sets_http_only_same_site_cookies(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = Jar::default();
    let reply = call(&app, &mut jar, "account/sign_in", "login=amy&password=correct+horse+battery").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookies: Vec<String> =
        reply.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let refresh = cookies.iter().find(|c| c.starts_with("trove_refresh=")).expect("a refresh cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(refresh.contains(attribute), "{refresh} lacks {attribute}");
    }
    assert!(!refresh.contains("Secure"), "plain http in development");
    let session = cookies.iter().find(|c| c.starts_with("trove_session=")).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert_eq!(reply.headers.get("location").unwrap(), "/account", "the hydrated app is told where to go");

    let account = page(&app, &mut jar, "/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("amy@example.com"));
    assert!(!account.body.contains("$argon2"), "no hash ever reaches a page");
}

#[sqlx::test]
async fn cookies_are_secure_when_the_store_is_served_over_https(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app_with(pool, &[("TROVE_PUBLIC_URL", "https://shop.example.com")]);
    let mut jar = Jar::default();
    let request = Request::post("/api/account/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://shop.example.com");
    let reply = send_as(&app, &mut jar, request, Body::from("login=amy&password=correct+horse+battery")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for cookie in reply.headers.get_all(header::SET_COOKIE) {
        assert!(cookie.to_str().unwrap().contains("; Secure"), "{cookie:?}");
    }
}

#[sqlx::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let wrong = call(&app, &mut Jar::default(), "account/sign_in", "login=amy&password=not+the+password").await;
    let unknown = call(&app, &mut Jar::default(), "account/sign_in", "login=nobody&password=not+the+password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert!(wrong.body.contains("don't match an account"), "{}", wrong.body);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
}

#[sqlx::test]
async fn a_plain_form_post_that_fails_goes_back_to_the_form_with_the_error(pool: PgPool) {
    let app = app(pool);
    let mut browser = Jar::default();
    let request = Request::post("/api/account/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/sign-in?next=%2Forders");
    let reply = send_as(&app, &mut browser, request, Body::from("login=nobody&password=whatever+it+is")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "a browser only follows redirects");
    let location = reply.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(location, "http://127.0.0.1:3000/sign-in?next=%2Forders", "the error is not in the address");
    let page = page(&app, &mut browser, "/sign-in?next=%2Forders").await;
    assert!(page.body.contains("don&#x27;t match an account") || page.body.contains("don't match an account"));
}

/// Percent-encodes every byte but letters and digits, as a form would.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[sqlx::test]
async fn signing_in_never_sends_the_browser_to_another_site_or_crashes_on_a_bad_next(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let hostile = [
        "/\t/example.org/phish",
        "/\n/x",
        "/\r\nSet-Cookie:x=1",
        "//example.org",
        "/%2F%2Fexample.org",
        "/\\example.org",
    ];
    for next in hostile {
        let body = format!("login=amy&password=correct+horse+battery&next={}", form_encode(next));
        // A plain form post (no JavaScript) is answered by a redirect…
        let request = Request::post("/api/account/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        let reply = send_as(&app, &mut Jar::default(), request, Body::from(body.clone())).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next:?}: {}", reply.body);
        assert_eq!(reply.headers.get("location").unwrap(), "/account", "{next:?}");
        // …and the hydrated app's call names where to go.
        let reply = call(&app, &mut Jar::default(), "account/sign_in", &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{next:?}: {}", reply.body);
        assert_eq!(reply.headers.get("location").unwrap(), "/account", "{next:?}");
    }
    let body = format!("login=amy&password=correct+horse+battery&next={}", form_encode("/account/addresses"));
    let reply = call(&app, &mut Jar::default(), "account/sign_in", &body).await;
    assert_eq!(reply.headers.get("location").unwrap(), "/account/addresses");
}

#[sqlx::test]
async fn sign_up_reports_taken_names_beside_their_fields(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let mut jar = Jar::default();
    let reply = call(
        &app,
        &mut jar,
        "account/sign_up",
        "username=AMY&email=new%40example.com&first_name=Amy&last_name=B&password=correct+horse+battery",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("That username is taken."), "{}", reply.body);
    let ok = call(
        &app,
        &mut jar,
        "account/sign_up",
        "username=amy2&email=new%40example.com&first_name=Amy&last_name=B&password=correct+horse+battery&next=%2Faccount%2Faddresses",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.headers.get("location").unwrap(), "/account/addresses", "back where the shopper came from");
    assert!(jar.get("trove_refresh").is_some(), "signed in at once");
}

#[sqlx::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_refused_by_server_functions(pool: PgPool) {
    let app = app(pool);
    let mut jar = Jar::default();
    let reply = page(&app, &mut jar, "/account/addresses").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.headers.get("location").unwrap(), "/sign-in?next=/account/addresses");
    for endpoint in ["account/overview", "account/addresses", "account/devices", "admin/outbox"] {
        let reply = call(&app, &mut jar, endpoint, "").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{endpoint}: {}", reply.body);
    }
    let reply = call(&app, &mut jar, "account/add_contact", "kind=email&value=x%40example.com").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn members_are_refused_admin_pages_and_functions(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "boss", Role::Admin).await;
    let app = app(pool);
    let mut member = signed_in(&app, "amy").await;
    assert_eq!(call(&app, &mut member, "admin/outbox", "").await.status, StatusCode::FORBIDDEN);
    let page_reply = page(&app, &mut member, "/admin/outbox").await;
    assert_eq!(page_reply.status, StatusCode::FORBIDDEN);
    assert!(page_reply.body.contains("Access denied"));

    let mut admin = signed_in(&app, "boss").await;
    assert_eq!(call(&app, &mut admin, "admin/outbox", "").await.status, StatusCode::OK);
    assert_eq!(page(&app, &mut admin, "/admin/outbox").await.status, StatusCode::OK);
}

#[sqlx::test]
async fn an_expired_session_is_renewed_from_the_refresh_cookie_with_rotation(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let first_refresh = jar.get("trove_refresh").unwrap().to_owned();
    // The server session ends (an hour passes, or the browser restarts).
    sqlx::query("DELETE FROM sessions").execute(&pool).await.unwrap();
    jar.0.remove("trove_session");

    let reply = call(&app, &mut jar, "account/viewer", "").await;
    assert!(reply.body.contains("\"username\":\"amy\""), "still signed in: {}", reply.body);
    let second_refresh = jar.get("trove_refresh").unwrap().to_owned();
    assert_ne!(first_refresh, second_refresh, "the refresh cookie was rotated");
    assert!(jar.get("trove_session").is_some(), "a new session was opened");

    // The browser goes on using its new cookies.
    assert!(call(&app, &mut jar, "account/viewer", "").await.body.contains("\"username\":\"amy\""));
    // Much later, someone replays the first cookie: the family is revoked.
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() - interval '1 hour' WHERE revoked_at IS NOT NULL")
        .execute(&pool)
        .await
        .unwrap();
    let mut thief = Jar::default();
    thief.0.insert("trove_refresh".into(), first_refresh);
    let stolen = call(&app, &mut thief, "account/viewer", "").await;
    assert!(stolen.body.contains("null"), "{}", stolen.body);
    assert!(thief.get("trove_refresh").is_none(), "the replayed cookie is cleared");
    let legit = call(&app, &mut jar, "account/viewer", "").await;
    assert!(legit.body.contains("null"), "the whole family is signed out: {}", legit.body);
}

const AMY: &str = "\"username\":\"amy\"";

/// Whether the browser holding `jar` is signed in as amy.
async fn is_amy(app: &axum::Router, jar: &mut Jar) -> bool {
    let reply = call(app, jar, "account/viewer", "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body.contains(AMY)
}

/// The server session ends (an hour passes); the browser keeps its refresh cookie.
async fn end_server_sessions(pool: &PgPool, jars: &mut [&mut Jar]) {
    sqlx::query("DELETE FROM sessions").execute(pool).await.unwrap();
    for jar in jars {
        jar.0.remove("trove_session");
    }
}

#[sqlx::test]
async fn a_refresh_token_replayed_while_its_session_lives_signs_out_the_thief_and_the_victim(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut victim = signed_in(&app, "amy").await;
    // The thief copied only the refresh cookie and presents it at once.
    let mut thief = Jar::default();
    thief.0.insert("trove_refresh".into(), victim.get("trove_refresh").unwrap().to_owned());
    assert!(is_amy(&app, &mut thief).await, "the replay opens a session");
    assert!(is_amy(&app, &mut thief).await, "and the thief uses it");

    // The victim's next request reveals two holders: the family is revoked.
    assert!(!is_amy(&app, &mut victim).await, "the victim is signed out");
    assert!(!is_amy(&app, &mut thief).await, "and so is the thief's session");
    thief.0.remove("trove_session");
    assert!(!is_amy(&app, &mut thief).await, "and the thief's rotated token");
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 0, "no token of the family is left");
}

#[sqlx::test]
async fn two_tabs_renewing_at_once_both_stay_signed_in_whichever_answer_lands_last(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    end_server_sessions(&pool, &mut [&mut jar]).await;
    let (mut first, mut second) = (jar.clone(), jar.clone());
    let (a, b) =
        tokio::join!(call(&app, &mut first, "account/viewer", ""), call(&app, &mut second, "account/viewer", ""));
    assert!(a.body.contains(AMY) && b.body.contains(AMY), "both tabs are served signed in: {} / {}", a.body, b.body);
    // The browser keeps whichever cookies arrived last; either way it stays signed in.
    for (last, earlier) in [(&a, &b), (&b, &a)] {
        let mut browser = jar.clone();
        browser.update(&earlier.headers);
        browser.update(&last.headers);
        assert!(is_amy(&app, &mut browser).await);
        assert!(is_amy(&app, &mut browser).await);
    }
}

#[sqlx::test]
async fn a_response_lost_after_rotation_does_not_sign_the_shopper_out(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    end_server_sessions(&pool, &mut [&mut jar]).await;
    // The renewal's answer never reaches the browser.
    let mut lost = jar.clone();
    assert!(is_amy(&app, &mut lost).await);
    // Well past the grace period, the browser presents its old token again.
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE revoked_at IS NOT NULL")
        .execute(&pool)
        .await
        .unwrap();
    assert!(is_amy(&app, &mut jar).await, "still signed in");
    assert!(is_amy(&app, &mut jar).await, "and staying so");
    end_server_sessions(&pool, &mut [&mut jar]).await;
    assert!(is_amy(&app, &mut jar).await, "its new token renews in turn");
}

#[sqlx::test]
async fn whoever_turns_up_with_a_superseded_answer_signs_the_family_out(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    end_server_sessions(&pool, &mut [&mut jar]).await;
    let mut intercepted = jar.clone();
    assert!(is_amy(&app, &mut intercepted).await, "someone else took the renewal's answer");
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE revoked_at IS NOT NULL")
        .execute(&pool)
        .await
        .unwrap();
    assert!(is_amy(&app, &mut jar).await, "the shopper renews again");
    // The holder of the superseded answer uses it: two parties hold the family.
    assert!(!is_amy(&app, &mut intercepted).await);
    assert!(!is_amy(&app, &mut jar).await, "the whole family is signed out");
}

#[sqlx::test]
async fn signing_out_revokes_the_refresh_token(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let mut jar = signed_in(&app, "amy").await;
    let saved = jar.clone();
    let reply = call(&app, &mut jar, "account/sign_out", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(jar.get("trove_refresh").is_none() && jar.get("trove_session").is_none(), "{jar:?}");
    // Cookies copied before signing out no longer work either.
    let mut copy = saved;
    assert!(call(&app, &mut copy, "account/viewer", "").await.body.contains("null"));
    copy.0.remove("trove_session");
    assert!(call(&app, &mut copy, "account/viewer", "").await.body.contains("null"));
}

#[sqlx::test]
async fn changing_the_password_signs_out_every_other_session(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut laptop = signed_in(&app, "amy").await;
    let mut phone = signed_in(&app, "amy").await;
    let wrong =
        call(&app, &mut laptop, "account/change_password", "current_password=nope&new_password=a+brand+new+phrase")
            .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("current_password"));
    let reply = call(
        &app,
        &mut laptop,
        "account/change_password",
        "current_password=correct+horse+battery&new_password=a+brand+new+phrase",
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "1"), "one other session signed out");
    assert!(
        call(&app, &mut phone, "account/viewer", "").await.body.contains("null"),
        "the phone is signed out at once"
    );
    assert!(call(&app, &mut laptop, "account/viewer", "").await.body.contains("amy"), "this browser stays signed in");
    let notices: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE subject = 'Your password was changed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(notices, 1);
    let old = call(&app, &mut Jar::default(), "account/sign_in", "login=amy&password=correct+horse+battery").await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn the_sessions_list_signs_out_one_device(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut laptop = signed_in(&app, "amy").await;
    let mut phone = signed_in(&app, "amy").await;
    let devices: Vec<serde_json::Value> =
        serde_json::from_str(&call(&app, &mut laptop, "account/devices", "").await.body).unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    assert_eq!(devices[0]["device"], "Chrome on Linux");
    let other = devices.iter().find(|d| d["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let reply = call(&app, &mut laptop, "account/sign_out_device", &format!("id={other}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(call(&app, &mut phone, "account/viewer", "").await.body.contains("null"));
    // Someone else's sign-in is not found, and stays signed in.
    user(&pool, "bob", Role::Member).await;
    let mut bob = signed_in(&app, "bob").await;
    let bobs: Vec<serde_json::Value> =
        serde_json::from_str(&call(&app, &mut bob, "account/devices", "").await.body).unwrap();
    let bobs_id = bobs[0]["id"].as_str().unwrap().to_owned();
    let reply = call(&app, &mut laptop, "account/sign_out_device", &format!("id={bobs_id}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(call(&app, &mut bob, "account/viewer", "").await.body.contains("bob"));
}

#[sqlx::test]
async fn too_many_failed_sign_ins_are_refused_with_429(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    for _ in 0..10 {
        let reply = call(&app, &mut Jar::default(), "account/sign_in", "login=amy&password=guess+guess+guess").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let refused = call(&app, &mut Jar::default(), "account/sign_in", "login=amy&password=correct+horse+battery").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("Too many attempts"), "{}", refused.body);
}

/// A form post to a server function as a client at `addr` would send it.
fn post_from(endpoint: &str, addr: &str) -> axum::http::request::Builder {
    Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .extension(axum::extract::ConnectInfo(addr.parse::<std::net::SocketAddr>().unwrap()))
}

fn sign_in_from(addr: &str) -> axum::http::request::Builder {
    post_from("account/sign_in", addr)
}

#[sqlx::test]
async fn parallel_guesses_cannot_pass_the_sign_in_limit(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..16 {
        let app = app.clone();
        guesses.spawn(async move {
            let body = Body::from(format!("login=amy&password=guess+number+{i}"));
            send_as(&app, &mut Jar::default(), sign_in_from("203.0.113.9:40000"), body).await.status
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (10, 6), "{statuses:?}");
}

#[sqlx::test]
async fn a_stranger_guessing_from_one_address_cannot_lock_the_owner_out(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    for _ in 0..12 {
        let body = Body::from("login=amy&password=guess+guess+guess");
        send_as(&app, &mut Jar::default(), sign_in_from("203.0.113.9:40000"), body).await;
    }
    let body = || Body::from("login=amy&password=correct+horse+battery");
    let stranger = send_as(&app, &mut Jar::default(), sign_in_from("203.0.113.9:40001"), body()).await;
    assert_eq!(stranger.status, StatusCode::TOO_MANY_REQUESTS, "the guesser's address is limited for amy");
    let owner = send_as(&app, &mut Jar::default(), sign_in_from("198.51.100.7:40000"), body()).await;
    assert_eq!(owner.status, StatusCode::OK, "amy signs in from her own address: {}", owner.body);
}

#[sqlx::test]
async fn successful_sign_ins_do_not_count_towards_the_limit(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    for _ in 0..15 {
        let reply = send_as(
            &app,
            &mut Jar::default(),
            sign_in_from("198.51.100.7:40000"),
            Body::from("login=amy&password=correct+horse+battery"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

#[sqlx::test]
async fn state_changing_requests_from_another_site_are_refused(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let request = Request::post("/api/account/add_contact")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(name, value);
        let reply = send_as(
            &app,
            &mut jar,
            request,
            Body::from(format!("kind=email&value=evil%40example.com&current_password={PW}")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{name}");
    }
    let added: i64 = sqlx::query_scalar("SELECT count(*) FROM user_emails WHERE email = 'evil@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(added, 0);
    let request = Request::post("/api/account/add_contact")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "shop.test")
        .header(header::ORIGIN, "http://shop.test");
    assert_eq!(
        send_as(
            &app,
            &mut jar,
            request,
            Body::from(format!("kind=email&value=ok%40example.com&current_password={PW}"))
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn every_page_carries_security_headers_and_a_nonce_policy(pool: PgPool) {
    let app = app(pool);
    let reply = page(&app, &mut Jar::default(), "/sign-in").await;
    assert_eq!(reply.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(reply.headers.get("referrer-policy").unwrap(), "strict-origin-when-cross-origin");
    let csp = reply.headers.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(
        reply.body.contains(&format!("<script type=\"module\" nonce=\"{nonce}\"")),
        "the hydration script carries it"
    );
    let again = page(&app, &mut Jar::default(), "/sign-in").await;
    assert!(
        !again.headers.get("content-security-policy").unwrap().to_str().unwrap().contains(nonce),
        "fresh per response"
    );
    let json = call(&app, &mut Jar::default(), "account/viewer", "").await;
    assert!(json.headers.get("content-security-policy").unwrap().to_str().unwrap().starts_with("default-src 'none'"));
}

#[sqlx::test]
async fn a_password_reset_link_works_once_and_signs_out_everywhere(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut old_session = signed_in(&app, "amy").await;
    let same = call(&app, &mut Jar::default(), "account/request_reset", "login=nobody%40example.com").await;
    let real = call(&app, &mut Jar::default(), "account/request_reset", "login=AMY%40example.com").await;
    assert_eq!((same.status, &same.body), (real.status, &real.body), "no account enumeration");

    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM email_outbox WHERE recipient = 'amy@example.com' AND subject = 'Reset your password'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let token = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    assert!(body.contains("http://127.0.0.1:3000/reset-password?token="));
    assert!(call(&app, &mut Jar::default(), "account/check_reset", &format!("token={token}")).await.body == "true");

    let weak =
        call(&app, &mut Jar::default(), "account/reset_password", &format!("token={token}&password=short")).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = call(
        &app,
        &mut Jar::default(),
        "account/reset_password",
        &format!("token={token}&password=a+fresh+new+phrase"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers.get("location").unwrap(), "/sign-in?reset=done");
    let again = call(
        &app,
        &mut Jar::default(),
        "account/reset_password",
        &format!("token={token}&password=another+new+phrase"),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("expired or was already used"));

    assert!(call(&app, &mut old_session, "account/viewer", "").await.body.contains("null"), "every session ended");
    let new = call(&app, &mut Jar::default(), "account/sign_in", "login=amy&password=a+fresh+new+phrase").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(!body.contains(PASSWORD));
}

/// The secret of the newest `subject` mail to `recipient`, as the recipient reads it.
async fn link_token(pool: &PgPool, recipient: &str, subject: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM email_outbox WHERE recipient = $1 AND subject = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(recipient)
    .bind(subject)
    .fetch_one(pool)
    .await
    .unwrap();
    body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

#[sqlx::test]
async fn a_borrowed_session_cannot_route_password_resets_to_another_address(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut hijacked = signed_in(&app, "amy").await;
    // Without amy's password, no address can be added.
    let bare = call(&app, &mut hijacked, "account/add_contact", "kind=email&value=evil%40example.net").await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bare.body);
    assert!(bare.body.contains("current_password"), "{}", bare.body);
    let wrong = "kind=email&value=evil%40example.net&current_password=a+good+guess";
    let guessed = call(&app, &mut hijacked, "account/add_contact", wrong).await;
    assert_eq!(guessed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(guessed.body.contains("That isn't your current password."), "{}", guessed.body);
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM user_emails").fetch_one(&pool).await.unwrap();
    assert_eq!(emails, 1, "nothing was added");

    // amy adds her work address: it must be confirmed before it can be primary.
    let add = "kind=email&value=amy.work%40example.com&current_password=correct+horse+battery";
    assert_eq!(call(&app, &mut hijacked, "account/add_contact", add).await.status, StatusCode::OK);
    let work: i64 = sqlx::query_scalar("SELECT id FROM user_emails WHERE email = 'amy.work@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let early = call(&app, &mut hijacked, "account/primary_contact", &format!("kind=email&id={work}")).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.body);
    assert!(early.body.contains("Confirm amy.work@example.com first"), "{}", early.body);

    let token = link_token(&pool, "amy.work@example.com", "Confirm your email address").await;
    let confirmed = call(&app, &mut Jar::default(), "account/verify_email", &format!("token={token}")).await;
    assert_eq!((confirmed.status, confirmed.body.as_str()), (StatusCode::OK, "\"amy.work@example.com\""));
    let twice = call(&app, &mut Jar::default(), "account/verify_email", &format!("token={token}")).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "a link works once");
    let primary = call(&app, &mut hijacked, "account/primary_contact", &format!("kind=email&id={work}")).await;
    assert_eq!(primary.status, StatusCode::OK, "{}", primary.body);
    let notice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE recipient = 'amy@example.com' AND subject = 'Your primary email address was changed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(notice, 1, "the previous address is told");
}

#[sqlx::test]
async fn staff_reading_the_outbox_never_see_a_links_secret(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    user(&pool, "boss", Role::Admin).await;
    let app = app(pool.clone());
    call(&app, &mut Jar::default(), "account/request_reset", "login=amy").await;
    let token = link_token(&pool, "amy@example.com", "Reset your password").await;
    let mut admin = signed_in(&app, "boss").await;
    let outbox = call(&app, &mut admin, "admin/outbox", "").await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(outbox.body.contains("Reset your password"), "{}", outbox.body);
    assert!(!outbox.body.contains(&token), "the reset token is hidden: {}", outbox.body);
    assert!(outbox.body.contains("only the recipient can use this link"), "{}", outbox.body);
    let page = page(&app, &mut admin, "/admin/outbox").await;
    assert!(!page.body.contains(&token));
}

#[sqlx::test]
async fn reset_links_die_when_the_password_changes_or_everyone_is_signed_out(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let usable = |token: String| {
        let app = app.clone();
        async move { call(&app, &mut Jar::default(), "account/check_reset", &format!("token={token}")).await.body }
    };

    call(&app, &mut Jar::default(), "account/request_reset", "login=amy").await;
    let before_sign_out = link_token(&pool, "amy@example.com", "Reset your password").await;
    assert_eq!(usable(before_sign_out.clone()).await, "true");
    assert_eq!(call(&app, &mut jar, "account/sign_out_everywhere", "").await.status, StatusCode::OK);
    assert_eq!(usable(before_sign_out).await, "false", "signing out everywhere kills the link");

    call(&app, &mut Jar::default(), "account/request_reset", "login=amy").await;
    let before_change = link_token(&pool, "amy@example.com", "Reset your password").await;
    assert_eq!(usable(before_change.clone()).await, "true");
    let change = "current_password=correct+horse+battery&new_password=a+brand+new+phrase";
    assert_eq!(call(&app, &mut jar, "account/change_password", change).await.status, StatusCode::OK);
    assert_eq!(usable(before_change.clone()).await, "false", "changing the password kills the link");
    let reset = format!("token={before_change}&password=yet+another+long+phrase");
    let used = call(&app, &mut Jar::default(), "account/reset_password", &reset).await;
    assert_eq!(used.status, StatusCode::BAD_REQUEST);
}

async fn upload(app: &axum::Router, jar: &mut Jar, bytes: &[u8], filename: &str, accept: &str) -> common::Reply {
    let (content_type, body) = common::multipart(&[("avatar", Some(filename), bytes)]);
    let request =
        Request::post("/account/avatar").header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, accept);
    send_as(app, jar, request, Body::from(body)).await
}

#[sqlx::test]
async fn an_avatar_claiming_too_many_pixels_is_refused_before_it_is_decoded(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    // 7000 × 7000 is within the 8000-pixel side but 49 megapixels: about 190 MB decoded.
    let bomb = common::png_claiming(7_000, 7_000);
    assert!(bomb.len() < 1_000);
    let reply = upload(&app, &mut jar, &bomb, "bomb.png", "application/json").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains("too many pixels"), "{}", reply.body);
    let avatar: Option<String> =
        sqlx::query_scalar("SELECT avatar_key FROM users WHERE username = 'amy'").fetch_one(&pool).await.unwrap();
    assert_eq!(avatar, None, "nothing was stored");
}

#[sqlx::test]
async fn an_avatar_is_decoded_resized_and_stored(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let reply = upload(&app, &mut jar, &common::png(900, 600), "me.png", "application/json").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let url: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let url = url["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/avatars/") && url.ends_with(".jpg"), "{url}");
    let served = page(&app, &mut jar, &url).await;
    assert_eq!(served.status, StatusCode::OK);
    let account = page(&app, &mut jar, "/account").await;
    assert!(account.body.contains(&url));

    // From a plain form: redirected back with a notice.
    let form = upload(&app, &mut jar, &common::png(64, 64), "me.png", "text/html").await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    assert_eq!(form.headers.get("location").unwrap(), "/account?avatar=updated");
}

#[sqlx::test]
async fn anything_but_a_real_image_is_refused_with_a_clear_error(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let text = upload(&app, &mut jar, b"just some text, named like a picture", "me.png", "application/json").await;
    assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.body.contains("isn't a PNG, JPEG or WebP image"), "{}", text.body);
    let form = upload(&app, &mut jar, b"GIF89a", "me.gif", "text/html").await;
    assert_eq!(form.headers.get("location").unwrap(), "/account?avatar_error=type");
    let huge = vec![0u8; 6 * 1024 * 1024];
    let too_big = upload(&app, &mut jar, &huge, "big.png", "application/json").await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", too_big.body);
    let avatar: Option<String> = sqlx::query_scalar("SELECT avatar_key FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(avatar, None, "nothing was stored");
    let signed_out = upload(&app, &mut Jar::default(), &common::png(10, 10), "me.png", "application/json").await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn the_profile_and_contacts_are_edited_and_checked_on_the_server(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let mut jar = signed_in(&app, "amy").await;
    let bad = call(&app, &mut jar, "account/profile", "first_name=&last_name=Baker").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("first_name"), "{}", bad.body);
    let ok = call(&app, &mut jar, "account/profile", "first_name=+Amelia+&last_name=Baker").await;
    assert_eq!(ok.status, StatusCode::OK);

    let phone = call(&app, &mut jar, "account/add_contact", "kind=phone&value=%2B1+(555)+010-2030").await;
    assert_eq!(phone.status, StatusCode::OK, "{}", phone.body);
    let junk = call(&app, &mut jar, "account/add_contact", "kind=phone&value=call+me").await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    let email = call(&app, &mut jar, "account/add_contact", "kind=email&value=not-an-email").await;
    assert!(email.body.contains("name@example.com"), "{}", email.body);

    let account: serde_json::Value =
        serde_json::from_str(&call(&app, &mut jar, "account/overview", "").await.body).unwrap();
    assert_eq!(account["first_name"], "Amelia");
    assert_eq!(account["last_name"], "Baker");
    assert_eq!(account["phones"][0]["value"], "+15550102030");
    assert_eq!(account["phones"][0]["is_primary"], true);
    assert_eq!(account["emails"].as_array().unwrap().len(), 1);
}

#[sqlx::test]
async fn signing_out_everywhere_else_keeps_only_this_browser(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let mut laptop = signed_in(&app, "amy").await;
    let mut phone = signed_in(&app, "amy").await;
    let mut tablet = signed_in(&app, "amy").await;
    let reply = call(&app, &mut laptop, "account/sign_out_everywhere", "").await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "2"));
    assert!(call(&app, &mut phone, "account/viewer", "").await.body.contains("null"));
    assert!(call(&app, &mut tablet, "account/viewer", "").await.body.contains("null"));
    assert!(call(&app, &mut laptop, "account/viewer", "").await.body.contains("amy"));
}

#[sqlx::test]
async fn reset_requests_are_limited_per_account_with_429(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    for _ in 0..3 {
        let reply = call(&app, &mut Jar::default(), "account/request_reset", "login=amy").await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let refused = call(&app, &mut Jar::default(), "account/request_reset", "login=AMY").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("Too many attempts"));
    // An unknown login is limited the same way, so a 429 reveals nothing.
    for _ in 0..3 {
        call(&app, &mut Jar::default(), "account/request_reset", "login=nobody").await;
    }
    let unknown = call(&app, &mut Jar::default(), "account/request_reset", "login=nobody").await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS);
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(sent, 3);
}

#[sqlx::test]
async fn failed_sign_ins_from_one_address_are_limited_across_accounts(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool);
    let from = sign_in_from;
    // 50 guesses at 50 different accounts: no account limit is reached.
    for i in 0..50 {
        let body = Body::from(format!("login=victim{i}&password=guess+guess+guess"));
        let reply = send_as(&app, &mut Jar::default(), from("203.0.113.9:40000"), body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let body = || Body::from("login=amy&password=correct+horse+battery");
    let refused = send_as(&app, &mut Jar::default(), from("203.0.113.9:40001"), body()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "the address is limited");
    let other = send_as(&app, &mut Jar::default(), from("198.51.100.7:40000"), body()).await;
    assert_eq!(other.status, StatusCode::OK, "another address is not");
}

#[sqlx::test]
async fn signing_in_again_in_the_same_browser_ends_the_previous_sign_in(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    let first_refresh = jar.get("trove_refresh").unwrap().to_owned();
    let again = call(&app, &mut jar, "account/sign_in", &format!("login=amy&password={PW}")).await;
    assert_eq!(again.status, StatusCode::OK);
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 1, "one sign-in listed, not two");
    let mut old = Jar::default();
    old.0.insert("trove_refresh".into(), first_refresh);
    assert!(call(&app, &mut old, "account/viewer", "").await.body.contains("null"), "the old cookie is dead");
}

#[sqlx::test]
async fn private_pages_are_never_stored_and_https_shops_ask_for_https_only(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    for uri in ["/account/addresses", "/orders", "/"] {
        let reply = page(&app, &mut jar, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.headers.get("cache-control").unwrap(), "private, no-store", "{uri} signed in");
        assert!(reply.headers.get("strict-transport-security").is_none(), "plain http: no HSTS");
    }
    let anonymous = common::get(&app, "/").await;
    assert!(anonymous.headers.get("cache-control").is_none_or(|v| v != "private, no-store"));
    let secure = app_with(pool, &[("TROVE_PUBLIC_URL", "https://shop.example")]);
    let reply = common::get(&secure, "/").await;
    assert_eq!(reply.headers.get("strict-transport-security").unwrap(), "max-age=31536000");
}

#[sqlx::test]
async fn sign_ups_from_one_address_are_limited(pool: PgPool) {
    let app = app(pool);
    let from = |addr: &str| post_from("account/sign_up", addr);
    let form = |i: usize| {
        Body::from(format!(
            "username=signup{i}&email=signup{i}%40example.com&first_name=Sam&last_name=Up&password=correct+horse+battery"
        ))
    };
    for i in 0..30 {
        let reply = send_as(&app, &mut Jar::default(), from("203.0.113.9:4000"), form(i)).await;
        assert_eq!(reply.status, StatusCode::OK, "sign-up {i}: {}", reply.body);
    }
    let refused = send_as(&app, &mut Jar::default(), from("203.0.113.9:4001"), form(30)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = send_as(&app, &mut Jar::default(), from("198.51.100.7:4000"), form(31)).await;
    assert_eq!(elsewhere.status, StatusCode::OK, "another address is not limited");
}

#[sqlx::test]
async fn a_made_up_reset_link_is_refused_before_any_password_is_hashed(pool: PgPool) {
    let app = app(pool);
    let made_up = "A".repeat(43);
    let before = trove::account::password::hashes_started();
    for _ in 0..5 {
        let reply = call(
            &app,
            &mut Jar::default(),
            "account/reset_password",
            &format!("token={made_up}&password=a+perfectly+good+phrase"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains("expired or was already used"));
    }
    assert_eq!(trove::account::password::hashes_started(), before, "no hashing for a link that does not exist");
}
