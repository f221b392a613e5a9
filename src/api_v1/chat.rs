//! Support conversations through the API (personal tokens: a conversation
//! is between a person and the shop): the person's conversations, starting
//! one, reading one and writing in it; staff's inbox. The same service as
//! the pages and the live stream (`chat::service`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::responses::{Forbidden, Invalid, NeedsToken, NotJson, TooLarge, TooMany};
use super::{Answer, Params, body, caller, path_id};
use crate::account::{Role, Viewer};
use crate::chat::{InboxFilter, RoomId, service};
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RoomOut {
    id: i64,
    subject: String,
    /// The shopper's name.
    customer: String,
    /// The order it is about.
    order: Option<i64>,
    /// RFC 3339.
    last_activity: String,
    /// Messages from others the token's person has not read.
    unread: i64,
    closed: bool,
}

impl From<crate::chat::RoomSummary> for RoomOut {
    fn from(r: crate::chat::RoomSummary) -> Self {
        RoomOut {
            id: r.id.0,
            subject: r.subject,
            customer: r.customer,
            order: r.order,
            last_activity: r.last_activity.iso,
            unread: r.unread,
            closed: r.closed,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MessageOut {
    id: i64,
    author: String,
    /// Written by staff.
    staff: bool,
    /// Written by the token's person.
    mine: bool,
    /// Empty once removed.
    text: String,
    /// Why it is gone, once removed.
    removed: Option<String>,
    edited: bool,
    /// RFC 3339.
    at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ConversationOut {
    conversation: RoomOut,
    /// Oldest first.
    messages: Vec<MessageOut>,
    /// Older messages: this URL gives those before the first shown.
    earlier: Option<String>,
}

fn no_room() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No conversation of yours has that id.")
}

/// The token's person, as the chat's checks want them.
async fn person(state: &AppState, caller: &Caller) -> Result<Viewer, Problem> {
    let user = caller.person()?;
    Ok(crate::account::db::viewer(&state.pool, user).await?.ok_or(AppError::Unauthorized)?)
}

/// The token's person's conversations with the shop, newest activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "Support",
    responses((status = 200, description = "Their conversations", body = [RoomOut]),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["chat:read"])))]
pub(super) async fn conversations(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
) -> Answer<Vec<RoomOut>> {
    let caller = caller(who)?;
    caller.require(Scope::ChatRead)?;
    let viewer = person(&state, &caller).await?;
    let rooms = crate::chat::db::rooms(&state.pool, viewer.id, false, InboxFilter::Open).await?;
    Ok(Json(rooms.into_iter().map(Into::into).collect()))
}

/// Which conversations the inbox shows.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct InboxQuery {
    /// `open` (the default), `unread`, `unassigned`, `mine` or `closed`.
    filter: Option<String>,
}

/// Staff's inbox (moderators and admins).
#[utoipa::path(get, path = "/api/v1/staff/conversations", tag = "Support", params(InboxQuery),
    responses((status = 200, description = "The conversations under the filter", body = [RoomOut]),
        (status = 400, description = "The filter is not one of the five", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["chat:read"])))]
pub(super) async fn inbox(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<Params>,
) -> Answer<Vec<RoomOut>> {
    let caller = caller(who)?;
    super::staff(&caller, Role::Moderator, Scope::ChatRead)?;
    let viewer = person(&state, &caller).await?;
    let filter = match params.get("filter").map(String::as_str) {
        None | Some("") => InboxFilter::Open,
        Some(f) => InboxFilter::from_param(f).ok_or_else(|| {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                .detail("`filter` is open, unread, unassigned, mine or closed.")
        })?,
    };
    let rooms = crate::chat::db::rooms(&state.pool, viewer.id, true, filter).await?;
    Ok(Json(rooms.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StartIn {
    /// What it is about (1 to 200 characters).
    subject: String,
    /// The first message (1 to 4,000 characters).
    text: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CreatedOut {
    id: i64,
}

/// Starts a conversation with the shop.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "Support",
    request_body(content = StartIn, example = json!({"subject": "Where is my parcel?", "text": "It was due Monday."})),
    responses((status = 201, description = "The conversation", body = CreatedOut,
            headers(("Location" = String, description = "The conversation's own URL"))),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["chat:write"])))]
pub(super) async fn start(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::ChatWrite)?;
    let viewer = person(&state, &caller).await?;
    let input: StartIn = body(&bytes)?;
    let room = service::start(&state, &viewer, &input.subject, &input.text).await?;
    let location = [(axum::http::header::LOCATION, format!("/api/v1/conversations/{}", room.0))];
    Ok((StatusCode::CREATED, location, Json(CreatedOut { id: room.0 })).into_response())
}

/// Messages before one.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct BeforeQuery {
    /// Only messages older than this one (the `earlier` link gives it).
    before: Option<i64>,
}

/// A conversation and its newest 50 messages (or those before `before`),
/// which its person has now read.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "Support",
    params(("id" = i64, Path, description = "The conversation's id"), BeforeQuery),
    responses((status = 200, description = "The conversation", body = ConversationOut),
        (status = 400, description = "`before` is not a whole number", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No conversation of theirs has that id", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["chat:read"])))]
pub(super) async fn conversation(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Answer<ConversationOut> {
    let caller = caller(who)?;
    caller.require(Scope::ChatRead)?;
    let viewer = person(&state, &caller).await?;
    let room = path_id(&id, no_room)?;
    let before = match params.get("before") {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request").detail("`before` must be a message's id.")
        })?),
    };
    let c = service::conversation(&state, &viewer, RoomId(room), before).await.map_err(|e| match e {
        AppError::NotFound => no_room(),
        other => other.into(),
    })?;
    Ok(Json(ConversationOut {
        earlier: c.earlier.map(|first| format!("/api/v1/conversations/{room}?before={first}")),
        conversation: c.room.into(),
        messages: c
            .messages
            .into_iter()
            .map(|m| MessageOut {
                id: m.id,
                author: m.author,
                staff: m.staff,
                mine: m.mine,
                text: m.body,
                removed: m.removed,
                edited: m.edited,
                at: m.at.iso,
            })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MessageIn {
    /// 1 to 4,000 characters.
    text: String,
}

/// Writes in a conversation (20 messages a minute at most).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "Support",
    params(("id" = i64, Path, description = "The conversation's id")),
    request_body(content = MessageIn, example = json!({"text": "Thank you!"})),
    responses((status = 201, description = "The message was sent", body = CreatedOut),
        (status = 400, description = "The body is not JSON, or the conversation is closed", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No conversation of theirs has that id", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["chat:write"])))]
pub(super) async fn post(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::ChatWrite)?;
    let viewer = person(&state, &caller).await?;
    let room = path_id(&id, no_room)?;
    let input: MessageIn = body(&bytes)?;
    let id = service::post(&state, &viewer, RoomId(room), &input.text).await.map_err(|e| match e {
        AppError::NotFound => no_room(),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(CreatedOut { id })).into_response())
}
