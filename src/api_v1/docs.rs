//! The API's OpenAPI 3.1 document, made from the operations' annotations,
//! and its interactive documentation page.

use axum::response::{IntoResponse, Response};

use super::{Details, Money, account, cart, catalog, chat, orders, responses, staff, variants};

/// The OpenAPI 3.1 document of this API, made from the annotations above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Trove API", version = "1", description = "The JSON API of a Trove store. Send a token as `Authorization: Bearer <token>`: a personal token (`trove_pat_…`, made under Account → API tokens) acts as its person; a client token (`trove_cli_…`, made by an admin under Integrations) acts for the shop. Errors are RFC 9457 problem documents; money is a decimal string with its currency; times are RFC 3339."),
    paths(catalog::categories, catalog::products, catalog::product, catalog::reviews, catalog::search, catalog::suggestions,
        account::me, account::addresses, account::add_address, account::update_address, account::delete_address,
        account::wishlist, account::wish, account::unwish, account::save_review, account::delete_review,
        cart::cart, cart::set_line, cart::remove_line,
        orders::orders, orders::order, orders::place, orders::card_payment, orders::cancel, orders::staff_orders, orders::staff_step,
        staff::create_product, staff::update_product, staff::remove_product, staff::set_active, staff::upload_image,
        staff::stock, staff::set_stock, staff::set_price, staff::bulk_stock, variants::stock, variants::set_stock,
        staff::create_category, staff::update_category, staff::delete_category,
        staff::promos, staff::create_promo, staff::update_promo, staff::set_promo_active,
        staff::customers, staff::customer,
        chat::conversations, chat::inbox, chat::start, chat::conversation, chat::post),
    components(schemas(Details, Money),
        responses(responses::BadToken, responses::NeedsToken, responses::Forbidden, responses::TooMany,
            responses::NotJson, responses::TooLarge, responses::Unchanged, responses::Invalid, responses::NoProduct, responses::Changed)),
    modifiers(&BearerTokens),
    tags((name = "Catalog", description = "Products and categories: reads are open without a token at a lower rate; writes are for staff"),
        (name = "Account", description = "The token's person: profile, addresses, wishlist, reviews"),
        (name = "Cart", description = "The token's person's cart"),
        (name = "Orders", description = "A person's orders, and the shop's for staff"),
        (name = "Inventory", description = "Stock levels (staff)"),
        (name = "Promotions", description = "Promo codes (admins)"),
        (name = "Customers", description = "The shop's customers (admins)"),
        (name = "Support", description = "Conversations with the shop's staff (personal tokens)"))
)]
struct ApiDoc;

/// The bearer scheme every operation's security names.
struct BearerTokens;

impl utoipa::Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scopes: Vec<&str> = crate::integrations::rules::SCOPES.iter().map(|s| s.as_str()).collect();
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(format!("A Trove API token. Scopes: {}.", scopes.join(", "))))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// `GET /api/v1/openapi.json`: the document, made once.
pub(super) async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

/// The policy of the docs page: scripts only from this origin (Swagger UI and
/// its starter are files here), calls only to this origin; Swagger UI sets
/// inline styles, which only this page allows.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `GET /api/docs`: the API's interactive documentation (Swagger UI over
/// `/api/v1/openapi.json`), where a person can paste a token and try calls.
pub async fn docs() -> Response {
    let page = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trove API</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api-docs/swagger-ui.css">
</head>
<body>
<main id="docs"><noscript><p>The interactive documentation needs JavaScript. The API is described in
<a href="/api/v1/openapi.json">its OpenAPI document</a>.</p></noscript></main>
<script src="/api-docs/swagger-ui-bundle.js"></script>
<script src="/api-docs/start.js"></script>
</body>
</html>
"#;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CONTENT_SECURITY_POLICY, DOCS_CSP),
        ],
        page,
    )
        .into_response()
}
