//! Review moderation: hide with a reason, show again.

use super::*;

/// What the reviews moderation page loads.
struct ReviewsData {
    reviews: Loaded<(Vec<crate::reviews::ModeratedReview>, bool)>,
    moderate: ServerAction<crate::reviews::api::ModerateReview>,
}

impl ReviewsData {
    fn load() -> Self {
        let query = use_query_map();
        let moderate = crate::flash::action::<crate::reviews::api::ModerateReview>();
        let reviews = Resource::new(
            move || {
                let key = query.with(|q| {
                    (q.get("show").as_deref() == Some("hidden"), q.get("page").and_then(|p| p.parse::<u32>().ok()))
                });
                (key, moderate.version().get())
            },
            |((hidden, page), _)| crate::reviews::api::get_reviews_for_moderation(Some(hidden), page),
        );
        ReviewsData { reviews, moderate }
    }
}

crate::ui::lazy_page!(ReviewsRoute, ReviewsPage);

#[component]
fn ReviewsPage() -> impl IntoView {
    let ReviewsData { reviews, moderate } = ReviewsData::load();
    let hidden = query_value("show")().as_deref() == Some("hidden");
    let query = vec![("show", if hidden { "hidden".to_owned() } else { String::new() })];
    view! {
        <AdminPage title="Reviews".into() current="/admin/reviews">
            <p class="admin-links">
                <a href="/admin/reviews" aria-current=(!hidden).then_some("page")>"Visible reviews"</a>
                <a href="/admin/reviews?show=hidden" aria-current=hidden.then_some("page")>"Hidden reviews"</a>
            </p>
            {outcome(moderate.value(), |m: &String| m.clone())}
            {loaded(reviews, move |(list, has_next)| {
                let query = query.clone();
                if list.is_empty() {
                    return view! { <p>"No reviews here."</p> }.into_any();
                }
                let page = query_value("page")().and_then(|p| p.parse().ok()).unwrap_or(1);
                view! {
                    <ul class="admin-cards">
                        {list.into_iter().map(|r| {
                            let label = format!("Review \"{}\" by {}", r.title, r.author);
                            view! {
                                <li class="panel" aria-label=label>
                                    <p><a href=format!("/p/{}", r.product_slug)>{r.product.clone()}</a></p>
                                    <p class="stars" role="img" aria-label=format!("{} out of 5 stars", r.rating)><crate::ui::icons::Stars rating=r.rating /></p>
                                    <h2>{r.title.clone()}</h2>
                                    <p>"By " {r.author.clone()} " · " <Time at=r.written.clone() /></p>
                                    <p>{r.body.clone()}</p>
                                    {r.hidden_reason.clone().map(|reason| view! { <p class="alert">"Hidden: " {reason}</p> })}
                                    <ActionForm action=moderate>
                                        <input type="hidden" name="id" value=r.id.to_string() />
                                        <input type="hidden" name="hide" value=r.hidden_reason.is_none().to_string() />
                                        {r.hidden_reason.is_none().then(|| view! {
                                            <label>"Reason (shown to the author)" <input type="text" name="reason" maxlength="300" required /></label>
                                        })}
                                        <button type="submit" class="button button-secondary">
                                            {if r.hidden_reason.is_none() { "Hide review" } else { "Show review again" }}
                                        </button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Pager path="/admin/reviews" query page has_next />
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}
