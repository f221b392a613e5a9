//! Avatar uploads: a plain multipart form post (it works before hydration),
//! checked by decoding, cropped square, resized, and stored as JPEG under the
//! media directory with a fresh key.

use std::io::Cursor;

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use super::db;
use crate::account::session::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// Largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Side of the stored square avatar, in pixels.
pub const SIDE: u32 = 256;
const MAX_DIMENSION: u32 = 8000;

/// Why an upload was refused; the code travels in the redirect URL and the
/// page turns it into a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLarge,
    NotAnImage,
    TooManyPixels,
}

impl Problem {
    pub fn code(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::TooLarge => "size",
            Problem::NotAnImage => "type",
            Problem::TooManyPixels => "dimensions",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Problem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

pub use super::rules::avatar_message as message;

/// Decodes `bytes` (PNG, JPEG or WebP only, by content, not by name), crops
/// the centre square and returns it as a `SIDE`-pixel JPEG.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, Problem> {
    let format = image::guess_format(bytes).map_err(|_| Problem::NotAnImage)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(Problem::NotAnImage);
    }
    if crate::media::too_many_pixels(bytes, format, MAX_DIMENSION).map_err(|_| Problem::NotAnImage)? {
        return Err(Problem::TooManyPixels);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => Problem::TooManyPixels,
        _ => Problem::NotAnImage,
    })?;
    let square = image.resize_to_fill(SIDE, SIDE, FilterType::Triangle).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&square)
        .map_err(|_| Problem::NotAnImage)?;
    Ok(out)
}

/// `POST /account/avatar`: replaces the signed-in user's avatar. A browser
/// form is redirected back to the account page (with a problem code when
/// refused); other callers get a status and JSON.
pub async fn upload(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let from_form = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let Some(viewer) = auth.viewer() else {
        return if from_form {
            Redirect::to("/sign-in?next=/account").into_response()
        } else {
            AppError::Unauthorized.into_response()
        };
    };
    match store(&state, viewer.id, multipart).await {
        Ok(_) if from_form => Redirect::to("/account?avatar=updated").into_response(),
        Ok(url) => axum::Json(serde_json::json!({ "url": url })).into_response(),
        Err(Err(error)) => error.into_response(),
        Err(Ok(problem)) if from_form => {
            Redirect::to(&format!("/account?avatar_error={}", problem.code())).into_response()
        }
        Err(Ok(problem)) => {
            let text = message(problem.code()).unwrap_or_default();
            (problem.status(), axum::Json(AppError::field("avatar", text))).into_response()
        }
    }
}

async fn store(
    state: &AppState,
    user: super::UserId,
    mut multipart: Multipart,
) -> Result<String, Result<Problem, AppError>> {
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("avatar") => {
                let data = field.bytes().await.map_err(|_| Ok(Problem::TooLarge))?;
                bytes = Some(data);
                break;
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            // The body limit surfaces here, as does a malformed body.
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(Ok(Problem::TooLarge)),
            Err(_) => return Err(Err(AppError::BadRequest("The upload was not a valid form.".into()))),
        }
    }
    let bytes = bytes.filter(|b| !b.is_empty()).ok_or(Ok(Problem::Missing))?;
    if bytes.len() > MAX_BYTES {
        return Err(Ok(Problem::TooLarge));
    }
    let jpeg = crate::media::decode_bounded(move || process(&bytes)).await.map_err(Err)?.map_err(Ok)?;

    let suffix = crate::account::tokens::generate().map_err(Err)?.expose()[..12].to_owned();
    let key = format!("avatars/{}-{suffix}.jpg", user.0);
    state.media.put(&key, jpeg).await.map_err(Err)?;
    let old = db::set_avatar(&state.pool, user, &key).await.map_err(|e| Err(AppError::from(e)))?;
    if let Some(old) = old.filter(|old| old.starts_with("avatars/")) {
        state.media.remove(&old).await;
    }
    Ok(format!("/media/{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 40]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn an_image_becomes_a_square_jpeg() {
        let jpeg = process(&png(640, 480)).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!(image::guess_format(&jpeg).unwrap(), ImageFormat::Jpeg);
        assert_eq!((decoded.width(), decoded.height()), (SIDE, SIDE));
    }

    #[test]
    fn anything_else_is_refused_by_its_content() {
        assert_eq!(process(b"GIF89a not really"), Err(Problem::NotAnImage));
        assert_eq!(process(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), Err(Problem::NotAnImage));
        let mut truncated = png(64, 64);
        truncated.truncate(40);
        assert_eq!(process(&truncated), Err(Problem::NotAnImage));
    }

    #[test]
    fn every_refusal_has_a_sentence() {
        for problem in [Problem::Missing, Problem::TooLarge, Problem::NotAnImage, Problem::TooManyPixels] {
            assert!(message(problem.code()).is_some());
        }
        assert_eq!(message("<script>"), None);
    }
}
