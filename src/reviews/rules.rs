//! What a review must be, checked in the browser and on the server alike.

use crate::error::FieldErrors;

pub const TITLE_MAX: usize = 120;
pub const BODY_MAX: usize = 5000;

/// A cleaned review, or the problems by field.
pub fn check(rating: &str, title: &str, body: &str) -> Result<(i16, String, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let rating = rating.trim().parse::<i16>().ok().filter(|r| (1..=5).contains(r));
    if rating.is_none() {
        errors.insert("rating".into(), "Choose from 1 to 5 stars.".into());
    }
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        errors.insert("title".into(), "Give your review a title.".into());
    } else if title.chars().count() > TITLE_MAX {
        errors.insert("title".into(), format!("Use at most {TITLE_MAX} characters."));
    }
    let body = body.trim().to_owned();
    if body.chars().count() > BODY_MAX {
        errors.insert("body".into(), format!("Use at most {BODY_MAX} characters."));
    }
    match rating {
        Some(rating) if errors.is_empty() => Ok((rating, title, body)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_needs_a_rating_and_a_title() {
        assert_eq!(check("4", "  Very   good ", " Tasty. ").unwrap(), (4, "Very good".into(), "Tasty.".into()));
        let errors = check("6", " ", "").unwrap_err();
        assert!(errors.contains_key("rating") && errors.contains_key("title"));
        assert!(check("0", "Fine", "").is_err());
        assert!(check("3", &"x".repeat(121), "").unwrap_err().contains_key("title"));
    }
}
