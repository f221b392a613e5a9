//! Product image uploads: a plain multipart form post (several files at
//! once, with alt text), each file decoded to prove it is a PNG, JPEG or
//! WebP image, and stored as JPEG at each width the storefront shows it
//! (`catalog::IMAGE_WIDTHS`: gallery, card, thumbnail).

use std::io::Cursor;

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use super::db;
use crate::account::Role;
use crate::account::session::Auth;
use crate::audit::Audit;
use crate::error::AppError;
use crate::product::{IMAGE_WIDTHS, image_files, image_key};
use crate::state::AppState;

/// The session key of the message a refused upload form shows once.
pub const UPLOAD_REFUSED: &str = "flash:upload_refused";

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Files per upload.
pub const MAX_FILES: usize = 10;
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
            Refusal::TooManyPixels(name) => format!(
                "{name} is too large a picture: at most {} megapixels and {MAX_DIMENSION} pixels on a side.",
                crate::media::MAX_PIXELS / 1_000_000
            ),
        }
    }
}

/// Decodes `bytes` (PNG, JPEG or WebP, judged by content) and returns it as
/// JPEG scaled to fit a square of each of `IMAGE_WIDTHS` (never enlarged),
/// widest first.
pub fn process(name: &str, bytes: &[u8]) -> Result<Vec<Vec<u8>>, Refusal> {
    let refuse = || Refusal::NotAnImage(name.to_owned());
    let format = image::guess_format(bytes).map_err(|_| refuse())?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(refuse());
    }
    if crate::media::too_many_pixels(bytes, format, MAX_DIMENSION).map_err(|_| refuse())? {
        return Err(Refusal::TooManyPixels(name.to_owned()));
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
    let (width, height) = (image.width(), image.height());
    let mut image = image.to_rgb8();
    let mut renditions = Vec::new();
    for side in IMAGE_WIDTHS {
        // Each rendition is scaled from the one before it (cheaper, as sharp)
        // to the size the original would have.
        if width > side || height > side {
            let (width, height) = fit(width, height, side);
            image = image::imageops::resize(&image, width, height, FilterType::Triangle);
        }
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&image).map_err(|_| refuse())?;
        renditions.push(out);
    }
    Ok(renditions)
}

/// The size of a `width` × `height` picture scaled down to fit a `side` square.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let scale = f64::from(side) / f64::from(width.max(height));
    let scaled = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
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
            // The reason rides in the session, not the URL: a link cannot put
            // words of its own in the editor's error box.
            let message = error.message_for("images").unwrap_or_default();
            if let Err(error) = auth.set_flash(UPLOAD_REFUSED, message).await {
                return error.into_response();
            }
            Redirect::to(&format!("{editor}?upload=refused")).into_response()
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
    add_images(state, actor, "", product, files, &alt).await
}

/// Adds pictures to a product: every file is checked (a PNG, JPEG or WebP
/// within the limits) before any is stored, then each is stored in its
/// sizes and listed in one transaction; answers how many were added. What
/// the editor's upload and the JSON API both call.
pub async fn add_images(
    state: &AppState,
    actor: crate::account::UserId,
    via: &str,
    product: i64,
    files: Vec<(String, axum::body::Bytes)>,
    alt: &str,
) -> Result<usize, AppError> {
    let invalid = |message: String| AppError::field("images", message);
    if files.is_empty() {
        return Err(invalid("Choose one or more images to upload.".into()));
    }
    let name = db::product_name(&state.pool, product).await?.ok_or(AppError::NotFound)?;
    if alt.chars().count() > 300 {
        return Err(AppError::field("alt", "Use at most 300 characters."));
    }
    let alt = if alt.is_empty() { name.clone() } else { alt.to_owned() };
    // Every file is checked before any is stored: a bad one refuses the upload.
    let processed = crate::media::decode_bounded(move || {
        files.into_iter().map(|(name, bytes)| process(&name, &bytes)).collect::<Result<Vec<_>, _>>()
    })
    .await?
    .map_err(|refusal| invalid(refusal.message()))?;

    let mut keys = Vec::new();
    for renditions in processed {
        let suffix = crate::account::tokens::generate()?.expose()[..12].to_owned();
        let key = image_key(&format!("products/{product}/{suffix}"));
        keys.push(key.clone());
        for (file, jpeg) in image_files(&key).iter().zip(renditions) {
            if let Err(error) = state.media.put(file, jpeg).await {
                remove_all(state, &keys).await;
                return Err(error);
            }
        }
    }
    let saved = async {
        let mut tx = state.pool.begin().await?;
        for key in &keys {
            db::add_image(&mut tx, product, key, &alt).await?;
        }
        Audit::new(actor, "product.image_upload", "product", product)
            .summary(if via.is_empty() {
                format!("{} image(s) added to {name}", keys.len())
            } else {
                format!("{} image(s) added to {name} ({via})", keys.len())
            })
            .write(&mut tx)
            .await?;
        tx.commit().await
    };
    if let Err(error) = saved.await {
        remove_all(state, &keys).await;
        return Err(error.into());
    }
    Ok(keys.len())
}

/// Removes every file of the pictures under `keys`.
pub async fn remove_all(state: &AppState, keys: &[String]) {
    for key in keys {
        for file in image_files(key) {
            state.media.remove(&file).await;
        }
    }
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

    fn sizes(renditions: &[Vec<u8>]) -> Vec<(u32, u32)> {
        renditions
            .iter()
            .map(|jpeg| {
                assert_eq!(image::guess_format(jpeg).unwrap(), ImageFormat::Jpeg);
                let decoded = image::load_from_memory(jpeg).unwrap();
                (decoded.width(), decoded.height())
            })
            .collect()
    }

    #[test]
    fn an_image_is_stored_as_jpeg_at_each_width_the_storefront_shows() {
        assert_eq!(sizes(&process("wide.png", &png(1600, 1000)).unwrap()), [(800, 500), (400, 250), (200, 125)]);
        assert_eq!(sizes(&process("tall.png", &png(300, 900)).unwrap()), [(267, 800), (133, 400), (67, 200)]);
        // Never enlarged.
        assert_eq!(sizes(&process("small.png", &png(300, 200)).unwrap()), [(300, 200), (300, 200), (200, 133)]);
    }

    #[test]
    fn a_file_that_is_not_an_image_is_refused_by_name() {
        assert_eq!(process("notes.png", b"plain text"), Err(Refusal::NotAnImage("notes.png".into())));
        assert_eq!(Refusal::NotAnImage("notes.png".into()).message(), "notes.png is not a PNG, JPEG or WebP image.");
    }
}
