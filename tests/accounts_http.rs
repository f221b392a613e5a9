//! Accounts over HTTP, through `startup::router`: cookies and their attributes,
//! renewal from the refresh cookie, sign-out, guards (401/403), rate limits
//! (429), the cross-origin check, security headers, resets, avatars.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Jar, PASSWORD, app, app_with, call, page, send_as, signed_in, user};
use sqlx::PgPool;
use trove::account::Role;

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
    let request = Request::post("/api/account/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/sign-in");
    let reply = send_as(&app, &mut Jar::default(), request, Body::from("login=nobody&password=whatever+it+is")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "a browser only follows redirects");
    let location = reply.headers.get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with("http://127.0.0.1:3000/sign-in?") && location.contains("__err="), "{location}");
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

#[sqlx::test]
async fn state_changing_requests_from_another_site_are_refused(pool: PgPool) {
    user(&pool, "amy", Role::Member).await;
    let app = app(pool.clone());
    let mut jar = signed_in(&app, "amy").await;
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let request = Request::post("/api/account/add_contact")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(name, value);
        let reply = send_as(&app, &mut jar, request, Body::from("kind=email&value=evil%40example.com")).await;
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
        send_as(&app, &mut jar, request, Body::from("kind=email&value=ok%40example.com")).await.status,
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

async fn upload(app: &axum::Router, jar: &mut Jar, bytes: &[u8], filename: &str, accept: &str) -> common::Reply {
    let (content_type, body) = common::multipart(&[("avatar", Some(filename), bytes)]);
    let request =
        Request::post("/account/avatar").header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, accept);
    send_as(app, jar, request, Body::from(body)).await
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
    let from = |addr: &str| {
        Request::post("/api/account/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .extension(axum::extract::ConnectInfo(addr.parse::<std::net::SocketAddr>().unwrap()))
    };
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
