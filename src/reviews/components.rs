//! The reviews section of a product page: the average, the newest reviews,
//! and the form for a shopper who bought the product.

use leptos::prelude::*;

use super::api::{DeleteReview, SaveReview};
use super::{Eligibility, ProductReviews};
use crate::error::AppError;
use crate::ui::{Field, FormStatus, Time, action_error, field_error};

#[component]
pub fn ReviewsSection(
    reviews: Resource<Result<ProductReviews, AppError>>,
    save: ServerAction<SaveReview>,
    delete: ServerAction<DeleteReview>,
    slug: Signal<String>,
) -> impl IntoView {
    view! {
        <section class="reviews" aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">"Reviews"</h2>
            <Suspense>
                {move || Suspend::new(async move {
                    let Ok(r) = reviews.await else { return ().into_any() };
                    // Gone when the client left mid-render: nothing to show anyone.
                    let Some(slug) = slug.try_get_untracked() else { return ().into_any() };
                    let summary = r.rating.describe().unwrap_or_else(|| "No reviews yet.".into());
                    view! {
                        <p class="rating-summary" data-rating=r.rating.average().map(|a| a.to_string())>{summary}</p>
                        <ReviewForm r=r.clone() save delete slug />
                        <ul class="review-list">
                            {r.reviews.into_iter().map(|review| view! {
                                <li class="review">
                                    <p class="stars" role="img" aria-label=format!("{} out of 5 stars", review.rating)><crate::ui::icons::Stars rating=review.rating /></p>
                                    <h3>{review.title}</h3>
                                    <p class="review-meta">
                                        {review.author} " · " <strong>"Verified purchase"</strong> " · " <Time at=review.written />
                                        {review.edited.then_some(" · edited")}
                                    </p>
                                    {(!review.body.is_empty()).then(|| view! { <p>{review.body}</p> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ReviewForm(
    r: ProductReviews,
    save: ServerAction<SaveReview>,
    delete: ServerAction<DeleteReview>,
    slug: String,
) -> impl IntoView {
    if r.eligibility != Eligibility::May {
        // Plain HTML that hydration leaves as sent: the one part of the
        // section that differs between a guest and a shopper who has not
        // bought the product (`personal` puts the shopper's in).
        return view! { <div class="review-note" data-island="review" inner_html=review_note(&r.eligibility, &slug)></div> }
            .into_any();
    }
    let error = action_error(save.value());
    let done = Signal::derive(move || save.value().get().and_then(|r| r.ok()));
    let own = r.own;
    let rating = own.as_ref().map_or(0, |o| o.rating);
    let heading = if own.is_some() { "Edit your review" } else { "Write a review" };
    let (has_own, hidden_reason) = (own.is_some(), own.as_ref().and_then(|o| o.hidden_reason.clone()));
    let title = own.as_ref().map(|o| o.title.clone()).unwrap_or_default();
    let body = own.as_ref().map(|o| o.body.clone()).unwrap_or_default();
    view! {
        <div class="panel review-form">
            <h3>{heading}</h3>
            {hidden_reason.map(|reason| view! {
                <p class="alert alert-error">"Your review is hidden: " {reason}</p>
            })}
            <ActionForm action=save>
                <FormStatus error fields=&["rating", "title", "body"] success=done />
                <input type="hidden" name="product" value=r.product.to_string() />
                <fieldset class="rating-input" aria-describedby="review-rating-error">
                    <legend>"Your rating"</legend>
                    {(1..=5i16).map(|n| view! {
                        <label>
                            <input type="radio" name="rating" value=n.to_string() checked=n == rating required=true />
                            {format!("{n} star{}", if n == 1 { "" } else { "s" })}
                        </label>
                    }).collect_view()}
                    <p class="field-error" id="review-rating-error">{move || field_error(error, "rating").get()}</p>
                </fieldset>
                <Field id="review-title" name="title" label="Title" value=title
                    required=true error=field_error(error, "title") />
                <div class="field">
                    <label for="review-body">"Your review"</label>
                    <textarea id="review-body" name="body" rows="4" maxlength="5000">{body}</textarea>
                    <p class="field-error">{move || field_error(error, "body").get()}</p>
                </div>
                <button type="submit" class="button">{if has_own { "Update review" } else { "Post review" }}</button>
            </ActionForm>
            {has_own.then(|| view! {
                <ActionForm action=delete>
                    <input type="hidden" name="product" value=r.product.to_string() />
                    <button type="submit" class="link-button">"Delete your review"</button>
                </ActionForm>
            })}
        </div>
    }
    .into_any()
}

/// Why the viewer cannot write a review of the product at `/p/{slug}`, as
/// HTML; nothing when they may.
pub fn review_note(eligibility: &Eligibility, slug: &str) -> String {
    match eligibility {
        Eligibility::SignInFirst => format!(
            r#"<p><a href="/sign-in?next=/p/{}">Sign in to review this product</a> (after buying it).</p>"#,
            crate::ui::escape_html(slug)
        ),
        Eligibility::NotBought => {
            "<p>Only shoppers who bought this product can review it, once their order has been delivered.</p>".into()
        }
        Eligibility::May => String::new(),
    }
}
