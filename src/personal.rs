//! Shop pages for visitors with a session, made from the page every guest
//! gets. The home page, the listings, search and product pages show everyone
//! the same thing but for a few parts: the header's account links and counts,
//! the hearts of the products on the visitor's wishlist, on a product page
//! why they cannot review it, and those values as the page hands them to the
//! browser for hydration. So a visitor with a session
//! (signed in, or a guest with a cart) gets the guests' page, kept by
//! `page_cache` (and rendered for a guest when it is not), with those parts
//! made for them: read in the statement that checks their sign-in, instead
//! of a whole render.
//!
//! The parts are found exactly as a guest's page has them; when one is not
//! (a page that changed shape), the page is rendered for the visitor in
//! full instead, so an edit is never a guess. Tests check that an edited
//! page equals, byte for byte, the page rendered for the same visitor.

use std::ops::Range;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use memchr::memmem;
use sqlx::PgPool;

use crate::account::Viewer;
use crate::account::session::Auth;
use crate::error::AppError;
use crate::header::HeaderCounts;
use crate::header::components::{bell, cart_count, help_count};
use crate::reviews::Eligibility;
use crate::reviews::components::review_note;
use crate::state::AppState;
use crate::wishlist::Saved;

/// Middleware, inside `authenticate`: answers the pages every visitor shares
/// from the guests' page, with this visitor's own parts put in.
pub async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A request `page_cache` answers (no cookies of ours) is a guest's
    // already, and is the one rendering the guests' page when it gets here.
    if !state.config.shared_pages || crate::page_cache::cacheable(&request) {
        return next.run(request).await;
    }
    let Some(shop) = shop_page(&request) else { return next.run(request).await };
    let Some(auth) = request.extensions().get::<Auth>().cloned() else { return next.run(request).await };
    match auth.viewer() {
        // A guest cart still to join a signed-in one: the full render sees to it.
        Some(_) if !matches!(auth.carried_cart().await, Ok(None)) => return next.run(request).await,
        // The shared page may come from a read replica a moment behind;
        // staff must see their own changes at once, so theirs is rendered
        // from the primary.
        Some(viewer) if !state.replicas.is_empty() && viewer.role.includes(crate::account::Role::Moderator) => {
            return next.run(request).await;
        }
        Some(_) => {}
        // Nobody in particular (cookies of ours, but neither a session nor
        // a cart): rendered as asked (`scripts/bench` measures renders so).
        None if auth.guest_cart().is_none() => return next.run(request).await,
        None => {}
    }
    let personal = match Personal::load(&state, &auth, &shop).await {
        Ok(personal) => personal,
        // Logged where it arose; the full render reports it its own way.
        Err(_) => return next.run(request).await,
    };
    // Whoever bought or reviewed the product has a review form of their own.
    if personal.review_form {
        return next.run(request).await;
    }
    let key = request.uri().to_string();
    let page = match state.pages.shared(&key) {
        Some(page) => page,
        None => {
            let guest = as_guest(&request, &auth, &state.pool);
            match state.pages.render_shared(key, next.clone().run(guest)).await {
                Some(page) => page,
                // Not a page kept for guests (a 404, say): rendered in full.
                None => return next.run(request).await,
            }
        }
    };
    match personal.edit(page.body(), &shop).and_then(|body| page.respond_with(&body)) {
        Some(response) => {
            state.metrics.page(crate::metrics::PageOutcome::Personal);
            response
        }
        None => {
            tracing::warn!(path = request.uri().path(), "a shared page lacks a guest's parts; rendered in full");
            next.run(request).await
        }
    }
}

/// The shared page a request `authenticate` sees will be answered from (if
/// it turns out to be signed in): who is signed in and their parts of the
/// page are then read in one statement.
pub fn wants_parts(state: &AppState, request: &Request) -> Option<ShopPage> {
    if !state.config.shared_pages || crate::page_cache::cacheable(request) {
        return None;
    }
    shop_page(request)
}

/// A page every visitor shares but for their own parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopPage {
    /// The home page, a listing or search.
    Catalog,
    /// The page of the product with this slug (its reviews section says why
    /// the visitor cannot review it).
    Product(String),
}

/// The shared page a request asks for: the home page, the listings, search
/// and product pages, not right after a form post (whose outcome the page
/// shows).
fn shop_page(request: &Request) -> Option<ShopPage> {
    let path = request.uri().path();
    let single = |rest: &str| !rest.is_empty() && !rest.contains('/');
    let page = if matches!(path, "/" | "/products" | "/search") || path.strip_prefix("/c/").is_some_and(single) {
        ShopPage::Catalog
    } else {
        ShopPage::Product(path.strip_prefix("/p/").filter(|slug| single(slug))?.to_owned())
    };
    let flash = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .any(|value| value.to_str().map_or(true, |v| v.contains(crate::flash::COOKIE)));
    (request.method() == Method::GET && !flash).then_some(page)
}

/// The same request from a guest: no cookies, no session, no cart.
fn as_guest(request: &Request, auth: &Auth, pool: &PgPool) -> Request {
    let mut guest = Request::new(Body::empty());
    *guest.uri_mut() = request.uri().clone();
    *guest.version_mut() = request.version();
    *guest.headers_mut() = request.headers().clone();
    guest.headers_mut().remove(header::COOKIE);
    *guest.extensions_mut() = request.extensions().clone();
    guest.extensions_mut().insert(auth.guest(pool));
    guest
}

/// What a page shows of one visitor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Personal {
    pub viewer: Option<Viewer>,
    pub counts: HeaderCounts,
    pub saved: Saved,
    /// On a product page: they bought or reviewed the product, and their
    /// reviews section holds a form of their own (a page not to share).
    pub review_form: bool,
}

impl Personal {
    /// The request's visitor on `shop`: their header counts, wishlist and
    /// review form, as read with who they are (`Auth::take_page_parts`),
    /// else with queries at once (a guest with a cart, a session just
    /// renewed from its refresh cookie).
    pub async fn load(state: &AppState, auth: &Auth, shop: &ShopPage) -> Result<Self, AppError> {
        let viewer = auth.viewer();
        if viewer.is_some()
            && let Some(parts) = auth.take_page_parts()
        {
            let saved = Saved { products: parts.saved };
            return Ok(Personal { viewer, counts: parts.counts, saved, review_form: parts.review_form });
        }
        let saved = async {
            match &viewer {
                Some(viewer) => Ok(crate::wishlist::service::saved(state, viewer.id).await?),
                None => Ok(Saved::default()),
            }
        };
        let review_form = async {
            match (&viewer, shop) {
                (Some(viewer), ShopPage::Product(slug)) => {
                    Ok::<_, AppError>(crate::reviews::db::has_review_form(&state.pool, viewer.id, slug).await?)
                }
                _ => Ok(false),
            }
        };
        let (counts, saved, review_form) =
            tokio::try_join!(crate::header::service::counts(state, auth), saved, review_form)?;
        Ok(Personal { viewer, counts, saved, review_form })
    }

    /// `page` (`shop`), made for a guest, as it is made for this visitor;
    /// `None` when a guest's part is not where it is expected. On a product
    /// page, a visitor signed in must be one who neither bought nor reviewed
    /// the product (whose review form is theirs alone: rendered in full).
    pub fn edit(&self, page: &[u8], shop: &ShopPage) -> Option<Vec<u8>> {
        let guest = Personal::default();
        let mut edits = Edits::new(page);
        // The values hydration reads: the viewer, the header's counts, the wishlist.
        edits.value(&guest.viewer_value()?, &self.viewer_value()?)?;
        edits.value(&guest.counts_value()?, &self.counts_value()?)?;
        edits.value(&guest.saved_value()?, &self.saved_value()?)?;
        // The header's parts.
        if let Some(viewer) = &self.viewer {
            let links = crate::account::components::account_links(Some(viewer), false, None);
            edits.island_until(b"account", b"</ul>", links.into_bytes())?;
        }
        edits.island(b"help", &help_count(0), help_count(self.counts.messages))?;
        edits.island(b"bell", &bell(false, 0), bell(self.viewer.is_some(), self.counts.unread))?;
        edits.island(b"cart", &cart_count(0), cart_count(self.counts.cart))?;
        // Why they cannot review the product: not bought, rather than not signed in.
        if let (ShopPage::Product(slug), Some(_)) = (shop, &self.viewer) {
            let (guest, own) = (Eligibility::SignInFirst, Eligibility::NotBought);
            edits.island(b"review", &review_note(&guest, slug), review_note(&own, slug))?;
            edits.replace_once(
                br#"\"own\":null,\"eligibility\":\"SignInFirst\"}}"#,
                br#"\"own\":null,\"eligibility\":\"NotBought\"}}"#,
            )?;
        }
        // The hearts of the products on the wishlist.
        if !self.saved.products.is_empty() {
            edits.hearts(&self.saved)?;
        }
        Some(edits.apply())
    }

    fn viewer_value(&self) -> Option<String> {
        serde_json::to_string(&Ok::<_, AppError>(&self.viewer)).ok()
    }

    fn counts_value(&self) -> Option<String> {
        serde_json::to_string(&Ok::<_, AppError>(&self.counts)).ok()
    }

    fn saved_value(&self) -> Option<String> {
        serde_json::to_string(&Ok::<_, AppError>(&self.saved)).ok()
    }
}

/// Replacements of parts of one page, made at once.
struct Edits<'a> {
    page: &'a [u8],
    edits: Vec<(Range<usize>, Vec<u8>)>,
}

impl<'a> Edits<'a> {
    fn new(page: &'a [u8]) -> Self {
        Edits { page, edits: Vec::new() }
    }

    /// Where `needle` is in the page, when it is there exactly once.
    fn once(&self, needle: &[u8]) -> Option<usize> {
        let mut found = memmem::find_iter(self.page, needle);
        let at = found.next()?;
        found.next().is_none().then_some(at)
    }

    /// A resource's value as Leptos hands it over (`__RESOLVED_RESOURCES[n]
    /// = "<JSON>";`, the JSON written as a string literal with `<` escaped),
    /// `guest`'s replaced by `own`.
    fn value(&mut self, guest: &str, own: &str) -> Option<()> {
        let literal = |json: &str| format!("{:?}", json.replace('<', "\\u003c"));
        let (guest, own) = (literal(guest), literal(own));
        if guest == own {
            return Some(());
        }
        let at = self.once(format!("] = {guest};").as_bytes())? + "] = ".len();
        self.edits.push((at..at + guest.len(), own.into_bytes()));
        Some(())
    }

    /// `guest`, found once in the page, replaced by `own`.
    fn replace_once(&mut self, guest: &[u8], own: &[u8]) -> Option<()> {
        let at = self.once(guest)?;
        self.edits.push((at..at + guest.len(), own.to_vec()));
        Some(())
    }

    /// The inner HTML of the `data-island="name"` element, which is `guest`,
    /// replaced by `own`.
    fn island(&mut self, name: &[u8], guest: &str, own: String) -> Option<()> {
        let start = self.island_start(name)?;
        let rest = &self.page[start..];
        if !rest.starts_with(guest.as_bytes()) || !rest[guest.len()..].starts_with(b"</") {
            return None;
        }
        if guest != own {
            self.edits.push((start..start + guest.len(), own.into_bytes()));
        }
        Some(())
    }

    /// The inner HTML of the `data-island="name"` element, up to `end`
    /// (which it does not hold), replaced by `own`.
    fn island_until(&mut self, name: &[u8], end: &[u8], own: Vec<u8>) -> Option<()> {
        let start = self.island_start(name)?;
        let len = memmem::find(&self.page[start..], end)?;
        self.edits.push((start..start + len, own));
        Some(())
    }

    fn island_start(&self, name: &[u8]) -> Option<usize> {
        let marker = [b"data-island=\"", name, b"\""].concat();
        let at = self.once(&marker)?;
        Some(at + memchr::memchr(b'>', &self.page[at..])? + 1)
    }

    /// Each heart of a product in `saved` pressed: its form's button and the
    /// fill of its icon.
    fn hearts(&mut self, saved: &Saved) -> Option<()> {
        const FORM: &[u8] = b"class=\"wish-form\"";
        const PRODUCT: &[u8] = b"name=\"product\" value=\"";
        const NOT_PRESSED: &[u8] = b"aria-pressed=\"false\"";
        const EMPTY: &[u8] = b"fill=\"none\"";
        for form in memmem::find_iter(self.page, FORM) {
            let end = form + memmem::find(&self.page[form..], b"</form>")?;
            let within = |needle: &[u8]| memmem::find(&self.page[form..end], needle).map(|at| form + at);
            let id_at = within(PRODUCT)? + PRODUCT.len();
            let id_len = self.page[id_at..end].iter().position(|b| *b == b'"')?;
            let id: i64 = std::str::from_utf8(&self.page[id_at..id_at + id_len]).ok()?.parse().ok()?;
            if !saved.contains(id) {
                continue;
            }
            let pressed = within(NOT_PRESSED)?;
            self.edits.push((pressed..pressed + NOT_PRESSED.len(), b"aria-pressed=\"true\"".to_vec()));
            let fill = within(EMPTY)?;
            self.edits.push((fill..fill + EMPTY.len(), b"fill=\"currentColor\"".to_vec()));
        }
        Some(())
    }

    /// The page with every edit made.
    fn apply(mut self) -> Vec<u8> {
        self.edits.sort_by_key(|(range, _)| range.start);
        let grown: usize = self.edits.iter().map(|(_, with)| with.len()).sum();
        let mut out = Vec::with_capacity(self.page.len() + grown);
        let mut last = 0;
        for (range, with) in &self.edits {
            out.extend_from_slice(&self.page[last..range.start]);
            out.extend_from_slice(with);
            last = range.end;
        }
        out.extend_from_slice(&self.page[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Role, UserId};

    /// A page as a guest gets it, in the shape Leptos renders: the header's
    /// islands, two hearts and the values handed over for hydration.
    fn guest_page() -> String {
        let guest = Personal::default();
        let heart = |id: i64| {
            format!(
                r#"<form action="/api/wishlist/toggle" method="post" class="wish-form"><input type="hidden" name="product" value="{id}"><button type="submit" aria-pressed="false" class="heart"><svg><path fill="none" stroke="currentColor"></path></svg></button></form>"#
            )
        };
        format!(
            r#"<header><span data-island="help" class="island">{}</span><span data-island="bell" class="island">{}</span><span data-island="cart" class="island">{}</span><ul data-island="account" class="account-links"><li><a href="/sign-in">Sign in</a></li></ul></header>{}{}<script>__RESOLVED_RESOURCES[0] = {:?};__RESOLVED_RESOURCES[1] = {:?};__RESOLVED_RESOURCES[2] = {:?};</script>"#,
            help_count(0),
            bell(false, 0),
            cart_count(0),
            heart(7),
            heart(12),
            guest.viewer_value().unwrap(),
            guest.saved_value().unwrap(),
            guest.counts_value().unwrap(),
        )
    }

    fn amy() -> Personal {
        Personal {
            viewer: Some(Viewer {
                id: UserId(uuid::Uuid::nil()),
                username: "amy <3".into(),
                first_name: "Amy".into(),
                role: Role::Member,
            }),
            counts: HeaderCounts { cart: 2, unread: 1, messages: 3 },
            saved: Saved { products: vec![12, 40] },
            review_form: false,
        }
    }

    #[test]
    fn a_shoppers_parts_replace_the_guests_and_only_theirs() {
        let page = String::from_utf8(amy().edit(guest_page().as_bytes(), &ShopPage::Catalog).unwrap()).unwrap();
        assert!(page.contains(&cart_count(2)) && page.contains(&help_count(3)) && page.contains(&bell(true, 1)));
        assert!(page.contains("Account<span class=\"visually-hidden\"> of amy &lt;3</span>"), "{page}");
        assert!(!page.contains("Sign in"));
        // The heart of product 12 is pressed and filled; 7's is not.
        let (seven, twelve) = page.split_at(page.find(r#"value="12""#).unwrap());
        assert!(seven.contains(r#"aria-pressed="false""#) && seven.contains(r#"fill="none""#));
        assert!(twelve.contains(r#"aria-pressed="true""#) && twelve.contains(r#"fill="currentColor""#));
        // Hydration reads her values, with `<` kept out of the script.
        assert!(page.contains(r#"\"username\":\"amy \\u003c3\""#), "{page}");
        assert!(page.contains(r#"{\"Ok\":{\"products\":[12,40]}}"#));
        assert!(page.contains(r#"{\"Ok\":{\"cart\":2,\"unread\":1,\"messages\":3}}"#));
    }

    /// A product page as a guest gets it: the header, the product's heart,
    /// the note on reviewing and the reviews' value, ahead of the others.
    fn guest_product_page() -> String {
        let reviews =
            r#"{"Ok":{"product":12,"rating":{"count":0,"sum":0},"reviews":[],"own":null,"eligibility":"SignInFirst"}}"#;
        let note = review_note(&Eligibility::SignInFirst, "green-tea");
        guest_page()
            .replace("</header>", &format!(r#"</header><div class="review-note" data-island="review">{note}</div>"#))
            .replace("<script>", &format!("<script>__RESOLVED_RESOURCES[3] = {:?};", reviews))
    }

    #[test]
    fn on_a_product_page_a_shopper_learns_why_they_cannot_review_it() {
        let product = ShopPage::Product("green-tea".into());
        let page = String::from_utf8(amy().edit(guest_product_page().as_bytes(), &product).unwrap()).unwrap();
        assert!(page.contains(&review_note(&Eligibility::NotBought, "green-tea")) && !page.contains("Sign in"));
        assert!(page.contains(r#"\"own\":null,\"eligibility\":\"NotBought\"}}"#), "{page}");
        // A guest with a cart is still asked to sign in.
        let guest = Personal { counts: HeaderCounts { cart: 1, unread: 0, messages: 0 }, ..Personal::default() };
        let theirs = String::from_utf8(guest.edit(guest_product_page().as_bytes(), &product).unwrap()).unwrap();
        assert!(theirs.contains(&review_note(&Eligibility::SignInFirst, "green-tea")));
        // A note for another product, or none, is not edited.
        assert!(amy().edit(guest_product_page().as_bytes(), &ShopPage::Product("black-tea".into())).is_none());
        assert!(amy().edit(guest_page().as_bytes(), &product).is_none());
    }

    #[test]
    fn a_guest_with_nothing_of_their_own_gets_the_page_unchanged() {
        let page = guest_page();
        assert_eq!(Personal::default().edit(page.as_bytes(), &ShopPage::Catalog).unwrap(), page.as_bytes());
    }

    #[test]
    fn a_page_whose_parts_are_not_where_expected_is_not_edited() {
        let page = guest_page();
        // A part missing, a part twice, a value not a guest's: no guess is made.
        let no_cart = page.replace(r#"data-island="cart""#, r#"data-island="basket""#);
        assert!(amy().edit(no_cart.as_bytes(), &ShopPage::Catalog).is_none());
        let two_bells = page.replace("<header>", r#"<header><span data-island="bell" class="island"></span>"#);
        assert!(amy().edit(two_bells.as_bytes(), &ShopPage::Catalog).is_none());
        let someones = page.replace(r#"{\"Ok\":null}"#, r#"{\"Ok\":{\"username\":\"bob\"}}"#);
        assert!(amy().edit(someones.as_bytes(), &ShopPage::Catalog).is_none());
        let counted = page.replace(&cart_count(0), &cart_count(5));
        assert!(amy().edit(counted.as_bytes(), &ShopPage::Catalog).is_none());
    }
}
