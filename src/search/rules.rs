//! The shopper's words as search terms.

/// At most this many characters of a query are used.
pub const MAX_QUERY: usize = 100;

/// The query cleaned: control characters (a NUL, which no Postgres text may
/// hold) taken as spaces, whitespace collapsed, cut to `MAX_QUERY` characters.
pub fn clean(query: &str) -> String {
    let visible: String = query.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let joined = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.chars().take(MAX_QUERY).collect()
}

/// The words of a query (letters and digits), lowercased.
pub fn words(query: &str) -> Vec<String> {
    query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).map(str::to_lowercase).collect()
}

/// A `to_tsquery` text matching every word, the last one as a prefix (the
/// shopper may still be typing it): `organic & banan:*`. `None` without words.
pub fn prefix_tsquery(query: &str) -> Option<String> {
    let words = words(query);
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.to_vec();
    terms.push(format!("{last}:*"));
    Some(terms.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_cleaned_and_split_into_words() {
        assert_eq!(clean("  organic \t bananas "), "organic bananas");
        assert_eq!(clean(&"a".repeat(300)).len(), MAX_QUERY);
        assert_eq!(clean("tea\0cake\u{7f}"), "tea cake");
        assert_eq!(words("Noise-cancelling  HEADPHONES!"), vec!["noise", "cancelling", "headphones"]);
        assert_eq!(prefix_tsquery("organic banan"), Some("organic & banan:*".into()));
        assert_eq!(prefix_tsquery("'&|!:*()"), None);
    }
}
