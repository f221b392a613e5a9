//! Product pictures drawn locally as SVG: no network, no binary assets.

/// One picture of a product: a tinted backdrop, a shape that differs per view,
/// the product's initials and its name.
pub fn product_svg(name: &str, hue: u16, view: usize) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let label: String =
        if name.chars().count() > 34 { name.chars().take(33).chain(['…']).collect() } else { name.to_owned() };
    let shape = match view % 4 {
        0 => format!(r#"<circle cx="400" cy="370" r="210" fill="hsl({hue},45%,42%)"/>"#),
        1 => format!(
            r#"<rect x="215" y="185" width="370" height="370" rx="48" transform="rotate(12 400 370)" fill="hsl({hue},50%,38%)"/>"#
        ),
        2 => format!(
            r#"<circle cx="400" cy="370" r="230" fill="none" stroke="hsl({hue},45%,55%)" stroke-width="26"/><circle cx="400" cy="370" r="165" fill="hsl({hue},45%,36%)"/>"#
        ),
        _ => format!(
            r#"<path d="M400 150 L610 260 L610 480 L400 590 L190 480 L190 260 Z" fill="hsl({hue},40%,40%)"/><path d="M190 260 L400 370 L610 260 M400 370 L400 590" stroke="hsl({hue},40%,70%)" stroke-width="8" fill="none"/>"#
        ),
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800" role="img" aria-label="{alt}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},60%,94%)"/><stop offset="1" stop-color="hsl({hue},55%,82%)"/></linearGradient></defs><rect width="800" height="800" fill="url(#g)"/>{shape}<text x="400" y="405" text-anchor="middle" font-family="system-ui,sans-serif" font-size="120" font-weight="700" fill="#fff">{initials}</text><text x="400" y="700" text-anchor="middle" font-family="system-ui,sans-serif" font-size="38" fill="hsl({hue},45%,22%)">{label}</text></svg>"##,
        alt = escape(name),
        initials = escape(&initials),
        label = escape(&label),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_escape_the_product_name() {
        let svg = product_svg("Salt & <Pepper> \"Mill\"", 30, 0);
        assert!(svg.contains("Salt &amp; &lt;Pepper&gt; &quot;Mill&quot;"));
        assert!(!svg.contains("<Pepper>"));
        assert!(svg.contains(">SP<"), "initials: {svg}");
    }

    #[test]
    fn each_view_draws_a_different_picture() {
        let views: std::collections::HashSet<String> = (0..4).map(|v| product_svg("Oat Milk", 200, v)).collect();
        assert_eq!(views.len(), 4);
    }
}
