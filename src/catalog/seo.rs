//! What search engines read (server only): `/robots.txt` and the sitemap, an
//! index of files of at most 50,000 URLs each (the protocol's limit): the
//! fixed pages and categories, then every active product.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// URLs per sitemap file.
pub const URLS_PER_FILE: i64 = 50_000;

const XML: &str = "application/xml; charset=utf-8";

/// Private areas stay out of search results; the sitemap is announced.
pub async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /account\nDisallow: /admin\nDisallow: /api/\nDisallow: /cart\n\
         Disallow: /checkout\nDisallow: /orders\nDisallow: /notifications\nDisallow: /sign-\nDisallow: /forgot-password\n\
         Disallow: /reset-password\n\nSitemap: {}/sitemap.xml\n",
        state.config.public_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}

/// The sitemap index: `pages.xml`, then `products-N.xml` for every 50,000 products.
pub async fn index(State(state): State<AppState>) -> Response {
    let count = match super::db::active_count(state.catalog_reads(false)).await {
        Ok(count) => count,
        Err(error) => return failed(error),
    };
    let base = escape(&state.config.public_url);
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    xml.push_str(r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#);
    let _ = write!(xml, "<sitemap><loc>{base}/sitemaps/pages.xml</loc></sitemap>");
    let files = ((count + URLS_PER_FILE - 1) / URLS_PER_FILE).max(1);
    for file in 1..=files {
        let _ = write!(xml, "<sitemap><loc>{base}/sitemaps/products-{file}.xml</loc></sitemap>");
    }
    xml.push_str("</sitemapindex>");
    ([(header::CONTENT_TYPE, XML)], xml).into_response()
}

/// One file of the sitemap: `pages.xml` or `products-N.xml`.
pub async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let base = escape(&state.config.public_url);
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    xml.push_str(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#);
    if name == "pages.xml" {
        let _ = write!(xml, "<url><loc>{base}/</loc></url><url><loc>{base}/products</loc></url>");
        // Read afresh: a sitemap is fetched rarely, and this handler runs outside page renders.
        let categories = match super::db::categories(state.catalog_reads(false)).await {
            Ok(categories) => categories,
            Err(error) => return failed(error),
        };
        for category in categories.iter() {
            let _ = write!(xml, "<url><loc>{base}/c/{}</loc></url>", escape(&category.slug));
        }
    } else {
        let Some(file) =
            name.strip_prefix("products-").and_then(|n| n.strip_suffix(".xml")).and_then(|n| n.parse::<i64>().ok())
        else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if file < 1 {
            return StatusCode::NOT_FOUND.into_response();
        }
        let rows =
            super::db::sitemap_products(state.catalog_reads(false), URLS_PER_FILE, (file - 1) * URLS_PER_FILE).await;
        let rows = match rows {
            Ok(rows) if !rows.is_empty() || file == 1 => rows,
            Ok(_) => return StatusCode::NOT_FOUND.into_response(),
            Err(error) => return failed(error),
        };
        for (slug, updated_at) in rows {
            let _ = write!(
                xml,
                "<url><loc>{base}/p/{}</loc><lastmod>{}</lastmod></url>",
                escape(&slug),
                updated_at.format("%Y-%m-%d")
            );
        }
    }
    xml.push_str("</urlset>");
    ([(header::CONTENT_TYPE, XML)], xml).into_response()
}

fn failed(error: sqlx::Error) -> Response {
    tracing::error!(%error, "sitemap query failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Escapes text for XML character data.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The product page's JSON-LD: the Product with its Offer (price, currency,
/// availability) and, once reviewed, its AggregateRating; and the breadcrumb
/// trail. Inside `<script>`, `<`, `>` and `&` are written as JSON escapes,
/// so no name can close the script or open an HTML comment (`<!--`) in it.
pub fn product_json_ld(product: &super::ProductDetail, currency: &str, base: &str) -> String {
    let url = format!("{base}/p/{}", product.slug);
    let availability = if product.stock > 0 { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" };
    let mut item = serde_json::json!({
        "@type": "Product",
        "@id": format!("{url}#product"),
        "name": product.name,
        "description": super::rules::paragraphs(&product.description).join(" "),
        "sku": product.id.0.to_string(),
        "url": url,
        "image": product.images.iter().map(|i| format!("{base}{}", i.url())).collect::<Vec<_>>(),
        "category": product.category.name,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": product.offer_price.unwrap_or(product.price).to_string(),
            "priceCurrency": currency,
            "availability": availability,
        },
    });
    // A product sold in several variants offers each, at its own address.
    if !product.options.is_empty() {
        item["offers"] = product
            .variants
            .iter()
            .map(|variant| {
                serde_json::json!({
                    "@type": "Offer",
                    "url": format!("{url}?{}", variant.query),
                    "sku": variant.sku,
                    "name": format!("{} {}", product.name, variant_name(product, variant)),
                    "price": variant.offer_price.unwrap_or(variant.price).to_string(),
                    "priceCurrency": currency,
                    "availability": if variant.stock > 0 { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
                })
            })
            .collect();
    }
    if let Some(average) = product.rating.average() {
        item["aggregateRating"] = serde_json::json!({
            "@type": "AggregateRating",
            "ratingValue": average.to_string(),
            "reviewCount": product.rating.count,
            "bestRating": "5",
            "worstRating": "1",
        });
    }
    let breadcrumbs = serde_json::json!({
        "@type": "BreadcrumbList",
        "itemListElement": [
            { "@type": "ListItem", "position": 1, "name": "Home", "item": format!("{base}/") },
            { "@type": "ListItem", "position": 2, "name": product.category.name, "item": format!("{base}{}", product.category.href()) },
            { "@type": "ListItem", "position": 3, "name": product.name, "item": url },
        ],
    });
    let graph = serde_json::json!({ "@context": "https://schema.org", "@graph": [item, breadcrumbs] });
    script_safe_json(&graph.to_string())
}

/// "M / Blue": a variant's values by its product's options.
fn variant_name(product: &super::ProductDetail, variant: &crate::product::Variant) -> String {
    product
        .options
        .iter()
        .flat_map(|option| option.values.iter())
        .filter(|value| variant.values.contains(&value.id))
        .map(|value| value.value.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// JSON that means the same but holds no `<`, `>` or `&`: safe as the text of
/// a `<script>` element whatever its strings say.
fn script_safe_json(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_in_a_script_cannot_close_it_or_open_a_comment() {
        let hostile = serde_json::json!({ "name": "</script><!--<script>x & y" }).to_string();
        let safe = super::script_safe_json(&hostile);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><!--<script>x & y", "the data is unchanged");
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(super::escape("a&b<c>'\""), "a&amp;b&lt;c&gt;&apos;&quot;");
    }
}
