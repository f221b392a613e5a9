//! The chat's rules, on both targets: what a message and a subject may be,
//! and how a message's text is cut into plain text and links (shown as text
//! and safe links, never as HTML).

/// The longest message, in characters.
pub const MAX_MESSAGE: usize = 4000;
/// The longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// How long after posting an author may still edit a message.
pub const EDIT_MINUTES: i32 = 15;
/// The longest reason staff give for removing a message.
pub const MAX_REASON: usize = 300;

/// A message's text as kept: trimmed, without control characters other
/// than line breaks and tabs, 1 to 4,000 characters; else why not.
pub fn check_message(text: &str) -> Result<String, String> {
    let kept: String = text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
    let clean = kept.trim().to_owned();
    match clean.chars().count() {
        0 => Err("Write a message first.".into()),
        n if n > MAX_MESSAGE => Err(format!("Keep a message to {MAX_MESSAGE} characters (this one has {n}).")),
        _ => Ok(clean),
    }
}

/// A subject as kept: one line of 1 to 200 characters.
pub fn check_subject(text: &str) -> Result<String, String> {
    let clean = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean: String = clean.chars().filter(|c| !c.is_control()).collect();
    match clean.chars().count() {
        0 => Err("Say in a few words what it is about.".into()),
        n if n > MAX_SUBJECT => Err(format!("Keep the subject to {MAX_SUBJECT} characters.")),
        _ => Ok(clean),
    }
}

/// A piece of a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// An `http://` or `https://` address, shown as a link.
    Link(String),
}

/// `text` cut into plain text and web addresses. Anything else that looks
/// like a link (`javascript:`, `data:`) stays text.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let at = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min();
        let Some(at) = at else {
            plain.push_str(rest);
            break;
        };
        plain.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(tail.len());
        // A sentence's closing punctuation is not part of the address.
        let link = tail[..end].trim_end_matches(['.', ',', ')', '!', '?', ';', ':']);
        if link.len() > "https://".len() {
            if !plain.is_empty() {
                out.push(Segment::Text(std::mem::take(&mut plain)));
            }
            out.push(Segment::Link(link.to_owned()));
        } else {
            plain.push_str(link);
        }
        rest = &tail[link.len().max(1)..];
    }
    if !plain.is_empty() {
        out.push(Segment::Text(plain));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_trimmed_and_kept_within_its_length() {
        assert_eq!(check_message("  Hello\r\nthere \u{0}"), Ok("Hello\nthere".into()));
        assert!(check_message(" \n ").is_err());
        assert!(check_message(&"a".repeat(MAX_MESSAGE)).is_ok());
        assert!(check_message(&"a".repeat(MAX_MESSAGE + 1)).unwrap_err().contains("4000"));
        assert_eq!(check_subject("  Where is\n my parcel? "), Ok("Where is my parcel?".into()));
    }

    #[test]
    fn only_web_addresses_become_links() {
        let cut = segments("See https://example.com/a?b=1. Or javascript:alert(1) <b>bold</b>");
        assert_eq!(
            cut,
            [
                Segment::Text("See ".into()),
                Segment::Link("https://example.com/a?b=1".into()),
                Segment::Text(". Or javascript:alert(1) <b>bold</b>".into()),
            ]
        );
        assert_eq!(segments("http://"), [Segment::Text("http://".into())]);
        assert_eq!(segments(""), []);
    }
}
