//! Overview and QuestionContent as HTML: Text escaped, images and links only to http(s) (and
//! images inline as `data:image/...`), FormattedContent through ammonia with an allow-list of
//! the XHTML MTurk documents for it.
//!
//! ammonia (html5ever's parser, the standard Rust HTML sanitiser) is used rather than a
//! hand-written filter: it parses the fragment as a browser would, so no malformed markup
//! slips past an allow-list check.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use quick_xml::escape::escape;

use super::model::{Binary, Content};

/// The XHTML a FormattedContent may use; everything else is dropped (its text kept), and
/// `script` and `style` with their content.
const TAGS: &[&str] = &[
    "a",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// Presentational attributes per tag; no `style`, `class`, `id` or event handlers anywhere.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href"]),
    ("img", &["src", "alt", "width", "height", "align", "border"]),
    ("font", &["color", "face", "size"]),
    (
        "table",
        &[
            "border",
            "cellpadding",
            "cellspacing",
            "width",
            "align",
            "summary",
        ],
    ),
    ("td", &["colspan", "rowspan", "align", "valign", "width"]),
    (
        "th",
        &["colspan", "rowspan", "align", "valign", "width", "scope"],
    ),
    ("tr", &["align", "valign"]),
    ("col", &["span", "width", "align"]),
    ("colgroup", &["span", "width", "align"]),
    ("ol", &["start", "type"]),
    ("p", &["align"]),
    ("div", &["align"]),
    ("h1", &["align"]),
    ("h2", &["align"]),
    ("h3", &["align"]),
    ("h4", &["align"]),
    ("h5", &["align"]),
    ("h6", &["align"]),
];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(["script", "style"].into_iter().collect())
        .generic_attributes(["title", "lang", "dir"].into_iter().collect())
        .tag_attributes(
            TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect::<HashSet<_>>()))
                .collect::<HashMap<_, _>>(),
        )
        .url_schemes(["http", "https"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        // Links open outside the task, so following one never loses the worker's answers.
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    builder
});

/// A FormattedContent's XHTML, made safe.
pub fn formatted(xhtml: &str) -> String {
    SANITIZER.clean(xhtml).to_string()
}

/// A FormattedContent's text alone, for places that cannot hold markup (a drop-down option).
pub fn formatted_text(xhtml: &str) -> String {
    let no_tags = ammonia::Builder::empty().clean(xhtml).to_string();
    // ammonia's output is HTML: read its entities back to text, which the caller escapes.
    quick_xml::escape::unescape(&no_tags)
        .map(|s| s.into_owned())
        .unwrap_or(no_tags)
}

pub fn html(out: &mut String, contents: &[Content]) {
    for c in contents {
        match c {
            Content::Title(t) => push_tag(out, "h3", "qf-heading", t),
            Content::Text(t) => push_tag(out, "p", "qf-plain", t),
            Content::List(items) => {
                out.push_str("<ul class=\"qf-list\">");
                for item in items {
                    push_tag(out, "li", "", item);
                }
                out.push_str("</ul>");
            }
            Content::Binary(b) => {
                out.push_str("<div class=\"qf-binary\">");
                binary(out, b);
                out.push_str("</div>");
            }
            Content::Formatted(x) => {
                out.push_str("<div class=\"qf-formatted\">");
                out.push_str(&formatted(x));
                out.push_str("</div>");
            }
            Content::Unsupported(name) => {
                out.push_str("<p class=\"qf-notice\">");
                out.push_str(&escape(format!(
                    "This part of the task (an {name}) cannot be shown here."
                )));
                out.push_str("</p>");
            }
        }
    }
}

fn push_tag(out: &mut String, tag: &str, class: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    if !class.is_empty() {
        out.push_str(" class=\"");
        out.push_str(class);
        out.push('"');
    }
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// An image (`<img>`) or, for other media, a link; an address of another kind is not used,
/// and the alternative text says so.
pub fn binary(out: &mut String, b: &Binary) {
    let alt = if b.alt_text.is_empty() {
        b.mime_type.as_str()
    } else {
        b.alt_text.as_str()
    };
    if b.is_image() && image_url_allowed(&b.url) {
        out.push_str(&format!(
            "<img src=\"{}\" alt=\"{}\"",
            escape(&b.url),
            escape(alt)
        ));
        if let Some(w) = b.width {
            out.push_str(&format!(" width=\"{w}\""));
        }
        if let Some(h) = b.height {
            out.push_str(&format!(" height=\"{h}\""));
        }
        out.push('>');
    } else if web_url(&b.url) {
        out.push_str(&format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">{}</a>",
            escape(&b.url),
            escape(alt)
        ));
    } else {
        out.push_str(&format!(
            "<span class=\"qf-notice\">{} (not shown: its address is not allowed)</span>",
            escape(alt)
        ));
    }
}

fn web_url(url: &str) -> bool {
    ammonia::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

fn image_url_allowed(url: &str) -> bool {
    web_url(url)
        || url
            .get(..11)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:image/"))
}
