//! Product image uploads: a plain multipart form post (several files at
//! once, with alt text), each file decoded to prove it is a PNG, JPEG or
//! WebP image, resized to the storefront's size and stored as JPEG.

use std::io::Cursor;

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use super::db::{self, Audit};
use crate::account::Role;
use crate::error::AppError;
use crate::session::Auth;
use crate::state::AppState;

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Files per upload.
pub const MAX_FILES: usize = 10;
/// The gallery shows images at 800 × 800; larger ones are scaled down to fit.
pub const SIDE: u32 = 800;
const MAX_DIMENSION: u32 = 10_000;

/// The whole request body's limit: every file at its largest, plus the form.
pub const MAX_BODY_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 64 * 1024;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAnImage(String),
    TooLarge(String),
    TooManyPixels(String),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::NotAnImage(name) => format!("{name} is not a PNG, JPEG or WebP image."),
            Refusal::TooLarge(name) => format!("{name} is larger than {} MB.", MAX_FILE_BYTES / 1024 / 1024),
            Refusal::TooManyPixels(name) => format!("{name} has more than {MAX_DIMENSION} pixels on a side."),
        }
    }
}

/// Decodes `bytes` (PNG, JPEG or WebP, judged by content), scales it to fit
/// `SIDE` and returns it as JPEG.
pub fn process(name: &str, bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    let refuse = || Refusal::NotAnImage(name.to_owned());
    let format = image::guess_format(bytes).map_err(|_| refuse())?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(refuse());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => Refusal::TooManyPixels(name.to_owned()),
        _ => refuse(),
    })?;
    let image = if image.width() > SIDE || image.height() > SIDE {
        image.resize(SIDE, SIDE, FilterType::Triangle)
    } else {
        image
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image.to_rgb8())
        .map_err(|_| refuse())?;
    Ok(out)
}

/// `POST /admin/products/{id}/images`: adds the uploaded images (field
/// `images`, several allowed; `alt` for their description). A browser form
/// is redirected back to the editor; other callers get JSON.
pub async fn upload(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(product): Path<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let from_form = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let editor = format!("/admin/products/{product}");
    let viewer = match auth.viewer() {
        None if from_form => return Redirect::to(&format!("/sign-in?next={editor}")).into_response(),
        None => return AppError::Unauthorized.into_response(),
        Some(viewer) if !viewer.role.includes(Role::Admin) => return AppError::Forbidden.into_response(),
        Some(viewer) => viewer,
    };
    match store(&state, viewer.id, product, multipart).await {
        Ok(count) if from_form => Redirect::to(&format!("{editor}?uploaded={count}")).into_response(),
        Ok(count) => axum::Json(serde_json::json!({ "added": count })).into_response(),
        Err(error) if from_form && matches!(error, AppError::Validation(_)) => {
            let message = error.message_for("images").unwrap_or_default();
            Redirect::to(&format!("{editor}?upload_error={}", crate::account::components::encode_component(&message)))
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn store(
    state: &AppState,
    actor: crate::account::UserId,
    product: i64,
    mut multipart: Multipart,
) -> Result<usize, AppError> {
    let invalid = |message: String| AppError::field("images", message);
    let mut files = Vec::new();
    let mut alt = String::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("images") => {
                let name = field.file_name().unwrap_or("The file").to_owned();
                let data = field.bytes().await.map_err(|_| invalid(Refusal::TooLarge(name.clone()).message()))?;
                if data.is_empty() {
                    continue;
                }
                if data.len() > MAX_FILE_BYTES {
                    return Err(invalid(Refusal::TooLarge(name).message()));
                }
                files.push((name, data));
                if files.len() > MAX_FILES {
                    return Err(invalid(format!("Upload at most {MAX_FILES} images at once.")));
                }
            }
            Ok(Some(field)) if field.name() == Some("alt") => {
                alt = field.text().await.unwrap_or_default().trim().to_owned();
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(invalid(format!(
                    "Upload at most {MAX_FILES} images of up to {} MB each.",
                    MAX_FILE_BYTES / 1024 / 1024
                )));
            }
            Err(_) => return Err(AppError::BadRequest("The upload was not a valid form.".into())),
        }
    }
    if files.is_empty() {
        return Err(invalid("Choose one or more images to upload.".into()));
    }
    let name = db::product_name(&state.pool, product).await?.ok_or_else(AppError::not_found)?;
    if alt.chars().count() > 300 {
        return Err(AppError::field("alt", "Use at most 300 characters."));
    }
    let alt = if alt.is_empty() { name.clone() } else { alt };
    // Every file is checked before any is stored: a bad one refuses the upload.
    let processed = tokio::task::spawn_blocking(move || {
        files.into_iter().map(|(name, bytes)| process(&name, &bytes)).collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(AppError::from)?
    .map_err(|refusal| invalid(refusal.message()))?;

    let mut keys = Vec::new();
    for jpeg in processed {
        let suffix = crate::account::tokens::generate()?.expose()[..12].to_owned();
        let key = format!("products/{product}/{suffix}.jpg");
        state.media.put(&key, jpeg).await?;
        keys.push(key);
    }
    let saved = async {
        let mut tx = state.pool.begin().await?;
        for key in &keys {
            db::add_image(&mut tx, product, key, &alt).await?;
        }
        Audit::new(actor, "product.image_upload", "product", product)
            .summary(format!("{} image(s) added to {name}", keys.len()))
            .write(&mut tx)
            .await?;
        tx.commit().await
    };
    if let Err(error) = saved.await {
        for key in &keys {
            state.media.remove(key).await;
        }
        return Err(error.into());
    }
    Ok(keys.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([20, 120, 40]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_large_image_is_scaled_to_fit_and_stored_as_jpeg() {
        let jpeg = process("wide.png", &png(1600, 1000)).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!(image::guess_format(&jpeg).unwrap(), ImageFormat::Jpeg);
        assert_eq!((decoded.width(), decoded.height()), (800, 500));
        let small = image::load_from_memory(&process("small.png", &png(300, 200)).unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (300, 200));
    }

    #[test]
    fn a_file_that_is_not_an_image_is_refused_by_name() {
        assert_eq!(process("notes.png", b"plain text"), Err(Refusal::NotAnImage("notes.png".into())));
        assert_eq!(Refusal::NotAnImage("notes.png".into()).message(), "notes.png is not a PNG, JPEG or WebP image.");
    }
}
