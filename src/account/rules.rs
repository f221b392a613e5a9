//! Account rules shared by the browser and the server: the forms check with the
//! same code the server enforces.

use crate::error::{AppError, FieldErrors};

use super::AddressInput;

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// The password rules as the forms state them.
pub const PASSWORD_RULES: &str =
    "At least 10 characters (a short phrase works well), at most 128, and not your username or email.";
pub const USERNAME_RULES: &str = "3 to 30 letters, digits, dots, dashes or underscores.";

/// `None` when `password` is acceptable for an account with this username and email.
pub fn password_problem(password: &str, username: &str, email: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Some("Use at least 10 characters.");
    }
    if length > PASSWORD_MAX {
        return Some("Use at most 128 characters.");
    }
    let lowered = password.to_lowercase();
    if (!username.is_empty() && lowered == username.to_lowercase())
        || (!email.is_empty() && lowered == email.to_lowercase())
    {
        return Some("Don't use your username or email as your password.");
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Some("Use more than one repeated character.");
    }
    None
}

pub fn username_problem(username: &str) -> Option<&'static str> {
    let length = username.chars().count();
    if !(3..=30).contains(&length) {
        return Some("Use 3 to 30 characters.");
    }
    if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Some("Use only letters, digits, dots, dashes and underscores.");
    }
    if username.contains('@') {
        return Some("A username can't contain @.");
    }
    None
}

/// A deliberately plain check: one `@`, something before it, a dotted domain
/// after it, no spaces. Delivery is the real test.
pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        return Some("Enter your email address.");
    }
    if email.len() > 254 {
        return Some("That email address is too long.");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("Enter an email address like name@example.com.");
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || !domain_ok || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("Enter an email address like name@example.com.");
    }
    None
}

pub fn name_problem(name: &str) -> Option<&'static str> {
    match name.chars().count() {
        0 => Some("This is required."),
        1..=60 => None,
        _ => Some("Use at most 60 characters."),
    }
}

/// A phone number as stored: an optional leading `+` and 6 to 15 digits.
/// Spaces, dashes, dots and brackets people type are dropped.
pub fn normalize_phone(phone: &str) -> Result<String, &'static str> {
    let trimmed = phone.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err("Use digits, with an optional + and country code."),
        }
    }
    if !(6..=15).contains(&digits.len()) {
        return Err("Enter a phone number of 6 to 15 digits.");
    }
    Ok(format!("{plus}{digits}"))
}

/// The sign-up form, trimmed; passwords are never trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// Checks every sign-up field and reports each problem beside its field.
pub fn check_sign_up(
    username: &str,
    email: &str,
    first_name: &str,
    last_name: &str,
    password: &str,
) -> Result<SignUp, AppError> {
    let form = SignUp {
        username: username.trim().to_owned(),
        email: email.trim().to_owned(),
        first_name: first_name.trim().to_owned(),
        last_name: last_name.trim().to_owned(),
    };
    let mut errors = FieldErrors::new();
    let mut note = |field: &str, problem: Option<&str>| {
        if let Some(problem) = problem {
            errors.insert(field.to_owned(), problem.to_owned());
        }
    };
    note("username", username_problem(&form.username));
    note("email", email_problem(&form.email));
    note("first_name", name_problem(&form.first_name));
    note("last_name", name_problem(&form.last_name));
    note("password", password_problem(password, &form.username, &form.email));
    if errors.is_empty() { Ok(form) } else { Err(AppError::Validation(errors)) }
}

/// The sentence for an avatar upload's refusal code (codes travel in the
/// redirect URL; unknown codes show nothing).
pub fn avatar_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "missing" => "Choose an image to upload.",
        "size" => "That file is larger than 5 MB. Choose a smaller image.",
        "type" => "That file isn't a PNG, JPEG or WebP image.",
        "dimensions" => "That image has too many pixels (at most 40 megapixels and 8000 pixels on a side).",
        _ => return None,
    })
}

/// ISO 3166-1 alpha-2 codes offered by the address form, with their names.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AU", "Australia"),
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("DK", "Denmark"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("IN", "India"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("MX", "Mexico"),
    ("NL", "Netherlands"),
    ("NZ", "New Zealand"),
    ("NO", "Norway"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("CH", "Switzerland"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
];

pub fn country_name(code: &str) -> &str {
    COUNTRIES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name).unwrap_or(code)
}

impl AddressInput {
    /// Trims every field and checks it; the phone is normalised when given.
    pub fn checked(&self) -> Result<AddressInput, AppError> {
        let mut clean = AddressInput {
            full_name: self.full_name.trim().to_owned(),
            line1: self.line1.trim().to_owned(),
            line2: self.line2.trim().to_owned(),
            city: self.city.trim().to_owned(),
            province: self.province.trim().to_owned(),
            postal_code: self.postal_code.trim().to_uppercase(),
            country: self.country.trim().to_uppercase(),
            phone: self.phone.trim().to_owned(),
        };
        let mut errors = FieldErrors::new();
        let required = [
            ("full_name", &clean.full_name, 100),
            ("line1", &clean.line1, 200),
            ("city", &clean.city, 100),
            ("postal_code", &clean.postal_code, 20),
        ];
        for (field, value, max) in required {
            if value.is_empty() {
                errors.insert(field.into(), "This is required.".into());
            } else if value.chars().count() > max {
                errors.insert(field.into(), format!("Use at most {max} characters."));
            }
        }
        for (field, value) in [("line2", &clean.line2), ("province", &clean.province)] {
            if value.chars().count() > 100 {
                errors.insert(field.into(), "Use at most 100 characters.".into());
            }
        }
        if !COUNTRIES.iter().any(|(code, _)| *code == clean.country) {
            errors.insert("country".into(), "Choose a country from the list.".into());
        }
        if !clean.phone.is_empty() {
            match normalize_phone(&clean.phone) {
                Ok(phone) => clean.phone = phone,
                Err(problem) => {
                    errors.insert("phone".into(), problem.into());
                }
            }
        }
        if errors.is_empty() { Ok(clean) } else { Err(AppError::Validation(errors)) }
    }
}

/// Where to go after signing in: only a path on this site, never another origin.
///
/// A browser strips tabs and newlines from a URL and reads `\\` as `/`, so
/// `/<TAB>/evil.example` or `/\\evil.example` would leave the site; and a
/// control character cannot go in a `Location` header at all. So the path
/// must start with one `/` and hold only the characters a URL path and
/// query may carry unencoded, with no encoded slash, backslash or control
/// character either.
pub fn safe_next(next: Option<&str>) -> String {
    const FALLBACK: &str = "/account";
    const MAX_LEN: usize = 2048;
    let Some(path) = next else { return FALLBACK.to_owned() };
    let plain = |c: char| c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=:@?%".contains(c);
    let escapes_ok = path.match_indices('%').all(|(at, _)| {
        let code = path.get(at + 1..at + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok());
        code.is_some_and(|byte| byte > 0x20 && byte != 0x7f && byte != b'/' && byte != b'\\')
    });
    let local = path.starts_with('/') && !path[1..].starts_with(['/', '\\']);
    if local && path.len() <= MAX_LEN && path.chars().all(plain) && escapes_ok {
        path.to_owned()
    } else {
        FALLBACK.to_owned()
    }
}

/// A short description of a browser from its user agent, for the sessions list.
pub fn describe_device(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) if user_agent.is_empty() => "Unknown device".to_owned(),
        (None, None) => user_agent.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_obvious_passwords_are_refused() {
        assert!(password_problem("short", "amy", "amy@example.com").is_some());
        assert!(password_problem("aaaaaaaaaaaa", "amy", "amy@example.com").is_some());
        assert!(password_problem("Amy.Example", "amy.example", "x@example.com").is_some());
        assert!(password_problem("amy@example.com", "amy", "AMY@example.com").is_some());
        assert!(password_problem(&"x".repeat(60).replace('x', "xy"), "amy", "a@b.co").is_none());
        assert!(password_problem(&"ab".repeat(65), "amy", "a@b.co").is_some(), "130 characters is too long");
        assert_eq!(password_problem("correct horse battery", "amy", "amy@example.com"), None);
    }

    #[test]
    fn usernames_are_plain_and_bounded() {
        assert_eq!(username_problem("amy_b.2"), None);
        assert!(username_problem("ab").is_some());
        assert!(username_problem("amy b").is_some());
        assert!(username_problem("amy@x").is_some());
        assert!(username_problem(&"a".repeat(31)).is_some());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(email_problem("amy@example.com"), None);
        for bad in
            ["", "amy", "@example.com", "amy@example", "amy@.com", "amy@exa..com", "a my@example.com", "a@b@c.com"]
        {
            assert!(email_problem(bad).is_some(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn phones_are_normalised_to_digits() {
        assert_eq!(normalize_phone(" +1 (555) 010-2030 ").unwrap(), "+15550102030");
        assert_eq!(normalize_phone("020 7946 0958").unwrap(), "02079460958");
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("call me").is_err());
    }

    #[test]
    fn sign_up_reports_every_bad_field_at_once() {
        let error = check_sign_up("a", "nope", "", "Baker", "short").unwrap_err();
        for field in ["username", "email", "first_name", "password"] {
            assert!(error.message_for(field).is_some(), "{field} should have a message");
        }
        assert!(error.message_for("last_name").is_none());
        let ok = check_sign_up(" amy ", " amy@example.com ", "Amy", "Baker", "correct horse battery").unwrap();
        assert_eq!(ok.username, "amy");
        assert_eq!(ok.email, "amy@example.com");
    }

    #[test]
    fn addresses_need_their_required_fields_and_a_known_country() {
        let input = AddressInput {
            full_name: " Amy Baker ".into(),
            line1: "1 High St".into(),
            line2: String::new(),
            city: "Leeds".into(),
            province: String::new(),
            postal_code: "ls1 4ap".into(),
            country: "gb".into(),
            phone: "+44 113 496 0000".into(),
        };
        let clean = input.checked().unwrap();
        assert_eq!(clean.full_name, "Amy Baker");
        assert_eq!(clean.postal_code, "LS1 4AP");
        assert_eq!(clean.country, "GB");
        assert_eq!(clean.phone, "+441134960000");
        let bad = AddressInput { city: " ".into(), country: "XX".into(), ..input }.checked().unwrap_err();
        assert!(bad.message_for("city").is_some());
        assert!(bad.message_for("country").is_some());
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        let cases = [
            ("/account/addresses", "/account/addresses"),
            ("/search?q=tea&sort=price-asc&page=2", "/search?q=tea&sort=price-asc&page=2"),
            ("/search?q=caf%C3%A9", "/search?q=caf%C3%A9"),
            ("/", "/"),
            ("//evil.example", "/account"),
            ("https://evil.example", "/account"),
            ("evil.example", "/account"),
            ("", "/account"),
            ("/\\evil.example", "/account"),
            ("/a\\b", "/account"),
            ("/\t/evil.example/phish", "/account"),
            ("/\n/evil.example", "/account"),
            ("/\r\nSet-Cookie: x=1", "/account"),
            ("/\u{0}x", "/account"),
            ("/\u{7f}x", "/account"),
            ("/ /evil.example", "/account"),
            ("/%2F/evil.example", "/account"),
            ("/%2f%2fevil.example", "/account"),
            ("/%5C/evil.example", "/account"),
            ("/%09/evil.example", "/account"),
            ("/%0a", "/account"),
            ("/%zz", "/account"),
            ("/%4", "/account"),
            ("/caf\u{e9}", "/account"),
            ("/account#top", "/account"),
        ];
        for (next, expected) in cases {
            assert_eq!(safe_next(Some(next)), expected, "next = {next:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/account");
        assert_eq!(safe_next(None), "/account");
    }

    #[test]
    fn devices_are_described_from_the_user_agent() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
        assert_eq!(describe_device(chrome), "Chrome on Linux");
        assert_eq!(describe_device(""), "Unknown device");
        assert_eq!(describe_device("curl/8.0"), "curl/8.0");
    }
}
