//! The dashboard's charts as inline SVG: no chart library, no script.
//! Each chart has a title and a description for screen readers, and the
//! page shows the same numbers in a table beside it.

use std::fmt::Write as _;

/// `s` safe as SVG/XML text or attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Columns over time: `points` are (label, value), oldest first.
pub fn columns(title: &str, points: &[(String, i64)]) -> String {
    let (w, h, pad) = (640.0_f64, 180.0_f64, 24.0_f64);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let n = points.len().max(1) as f64;
    let slot = (w - pad) / n;
    let bar = (slot * 0.8).max(1.0);
    let total: i64 = points.iter().map(|p| p.1).sum();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="c-{id}-t c-{id}-d" xmlns="http://www.w3.org/2000/svg"><title id="c-{id}-t">{t}</title><desc id="c-{id}-d">{total} in all, at most {m} in one interval</desc>"#,
        id = slug(title),
        t = escape(title),
        m = max as i64,
    );
    let _ = write!(
        s,
        r##"<line x1="{pad}" y1="{y}" x2="{w}" y2="{y}" stroke="#8a8f98" stroke-width="1"/>"##,
        y = h - pad
    );
    let _ = write!(
        s,
        r##"<text x="0" y="12" font-size="11" fill="#444">{}</text>"##,
        max as i64
    );
    for (i, (label, v)) in points.iter().enumerate() {
        let bh = (*v as f64 / max) * (h - 2.0 * pad);
        let x = pad + i as f64 * slot + (slot - bar) / 2.0;
        let y = h - pad - bh;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}" fill="#b3261e"><title>{}: {v}</title></rect>"##,
            escape(label)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            s,
            r##"<text x="{pad}" y="{}" font-size="11" fill="#444">{}</text><text x="{w}" y="{}" font-size="11" fill="#444" text-anchor="end">{}</text>"##,
            h - 6.0,
            escape(&first.0),
            h - 6.0,
            escape(&last.0)
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars: (label, value), largest first.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let (w, row, label_w) = (420.0_f64, 24.0_f64, 170.0_f64);
    let h = (rows.len().max(1) as f64) * row + 4.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="b-{id}-t" xmlns="http://www.w3.org/2000/svg"><title id="b-{id}-t">{t}</title>"#,
        id = slug(title),
        t = escape(title),
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let bw = (*v as f64 / max) * (w - label_w - 60.0);
        let shown: String = label.chars().take(24).collect();
        let _ = write!(
            s,
            r##"<text x="0" y="{ty:.1}" font-size="13" fill="#222">{l}</text><rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="#1d5fa8"/><text x="{tx:.1}" y="{ty:.1}" font-size="13" fill="#222">{v}</text>"##,
            ty = y + row * 0.7,
            l = escape(&shown),
            bh = row - 6.0,
            tx = label_w + bw + 6.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let svg = bars("Top rules", &[("<script>alert(1)</script>".to_owned(), 3)]);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        let svg = columns("x", &[("a\"b".to_owned(), 1)]);
        assert!(svg.contains("a&quot;b"));
    }

    #[test]
    fn empty_charts_are_well_formed() {
        assert!(columns("Violations", &[]).ends_with("</svg>"));
        assert!(bars("Top", &[]).ends_with("</svg>"));
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = bars("t", &[("a".to_owned(), 10), ("b".to_owned(), 5)]);
        assert!(svg.contains(r#"width="190.0""#), "{svg}");
        assert!(svg.contains(r#"width="95.0""#), "{svg}");
    }
}
