//! Requester HTML made ready for the content origin: MTurk's hard-coded submit URLs and script
//! references pointed at this server, and HIT layouts filled with their parameters.
//!
//! The HTML is rewritten with lol_html (Cloudflare's streaming rewriter, which parses HTML as a
//! browser tokenizer does), not by string replacement: a URL inside a comment, a script's text
//! or another attribute stays as it is, and any quoting of attributes is understood.
//!
//! A form whose action is MTurk's hard-coded submit URL is marked `data-mturk-submit`. MTurk's
//! frame made such a form work even when the page did not load `externalHIT_v1.js`; here, when
//! the page does not load it, our version is inserted right after the first marked form, and it
//! fixes every marked form when the document is parsed (action from `turkSubmitTo`, the
//! `assignmentId` field, the submit button disabled in preview).

use std::cell::Cell;
use std::fmt::Write as _;

use askama::filters::Escaper as _;
use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use regex::Regex;

/// Our Crowd HTML Elements, served in place of `https://assets.crowd.aws/crowd-html-elements.js`.
pub const CROWD_ELEMENTS_JS: &str = include_str!("../../../assets/site/crowd-html-elements.js");

/// Our `externalHIT_v1.js`, served in place of MTurk's.
pub const EXTERNAL_HIT_JS: &str = include_str!("../../../assets/site/externalHIT_v1.js");

/// The attribute that marks a form whose MTurk submit URL was rewritten.
pub const SUBMIT_MARK: &str = "data-mturk-submit";

/// Where the content origin serves our two scripts, and where rewritten forms submit.
#[derive(Debug, Clone)]
pub struct Assets {
    /// The URL of `EXTERNAL_HIT_JS`.
    pub external_hit_js: String,
    /// The URL of `CROWD_ELEMENTS_JS`.
    pub crowd_elements_js: String,
    /// The absolute URL of this site's `/mturk/externalSubmit`, written into the rewritten
    /// forms' action; without it the action is removed and our script sets it at run time from
    /// the page's `turkSubmitTo`.
    pub submit_url: Option<String>,
}

/// The scripts of MTurk's that this server serves its own version of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MturkScript {
    ExternalHit,
    CrowdElements,
}

/// `html` with MTurk's script references and hard-coded submit URLs pointed at this server.
pub fn rewrite_html_question(html: &str, assets: &Assets) -> String {
    let loads_external_hit = Cell::new(false);
    let _ = rewrite_str(
        html,
        settings().append_element_content_handler(element!("script[src]", |el| {
            let src = el.get_attribute("src").unwrap_or_default();
            if mturk_script(&src) == Some(MturkScript::ExternalHit) {
                loads_external_hit.set(true);
            }
            Ok(())
        })),
    );
    let inject = Cell::new(!loads_external_hit.get());
    let rewritten = rewrite_str(
        html,
        settings()
            .append_element_content_handler(element!("script[src]", |el| {
                let src = el.get_attribute("src").unwrap_or_default();
                match mturk_script(&src) {
                    Some(MturkScript::ExternalHit) => {
                        el.set_attribute("src", &assets.external_hit_js)?
                    }
                    Some(MturkScript::CrowdElements) => {
                        el.set_attribute("src", &assets.crowd_elements_js)?
                    }
                    None => {}
                }
                Ok(())
            }))
            .append_element_content_handler(element!("form[action], crowd-form[action]", |el| {
                let action = el.get_attribute("action").unwrap_or_default();
                if !is_mturk_submit(&action) {
                    return Ok(());
                }
                match &assets.submit_url {
                    Some(url) => el.set_attribute("action", url)?,
                    None => el.remove_attribute("action"),
                }
                el.set_attribute(SUBMIT_MARK, "")?;
                // crowd-form is run by the crowd elements script; a plain form needs ours.
                if inject.get() && el.tag_name() == "form" {
                    inject.set(false);
                    el.after(
                        &format!(
                            r#"<script src="{}"></script>"#,
                            escape(&assets.external_hit_js)
                        ),
                        ContentType::Html,
                    );
                }
                Ok(())
            })),
    );
    // The handlers only set well-formed attributes and the rewriter is not strict, so this
    // does not fail; if it ever did, the page is served as it came.
    rewritten.unwrap_or_else(|e| {
        tracing::warn!("HTMLQuestion left as it was, it could not be rewritten: {e}");
        html.to_string()
    })
}

fn settings<'h>() -> RewriteStrSettings<'h, 'static> {
    // Not strict: a page the rewriter finds ambiguous is still rewritten, as a browser would
    // read it. ESI tags are not HTML and pass through untouched.
    RewriteStrSettings::new()
        .with_strict(false)
        .with_enable_esi_tags(false)
}

/// Which of MTurk's scripts `src` loads: any scheme (or none, `//host/...`), host case-folded,
/// query string ignored, path-style and virtual-hosted S3 spellings of the mturk-public bucket.
fn mturk_script(src: &str) -> Option<MturkScript> {
    let (host, path) = host_and_path(src)?;
    let path = path.to_ascii_lowercase();
    let s3 = host.ends_with(".amazonaws.com");
    if (s3 && host.starts_with("s3") && path == "/mturk-public/externalhit_v1.js")
        || (s3 && host.starts_with("mturk-public.s3") && path == "/externalhit_v1.js")
    {
        return Some(MturkScript::ExternalHit);
    }
    (host == "assets.crowd.aws" && path == "/crowd-html-elements.js")
        .then_some(MturkScript::CrowdElements)
}

/// Whether `action` is MTurk's (or its sandbox's) hard-coded submit URL.
fn is_mturk_submit(action: &str) -> bool {
    host_and_path(action).is_some_and(|(host, path)| {
        matches!(
            host.as_str(),
            "www.mturk.com" | "mturk.com" | "workersandbox.mturk.com"
        ) && path.eq_ignore_ascii_case("/mturk/externalSubmit")
    })
}

/// The lower-cased host (without port) and the path of an absolute or scheme-relative URL.
fn host_and_path(url: &str) -> Option<(String, &str)> {
    let url = url.trim();
    let rest = ["https:", "http:", ""].iter().find_map(|scheme| {
        let head = url.get(..scheme.len())?;
        head.eq_ignore_ascii_case(scheme)
            .then(|| &url[scheme.len()..])
            .and_then(|r| r.strip_prefix("//"))
    })?;
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.split(':').next().unwrap_or_default();
    Some((host.to_ascii_lowercase(), path))
}

/// `text` escaped for HTML text or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing into a String cannot fail.
    let _ = askama::filters::Html.write_escaped_str(&mut out, text);
    out
}

/// Why a HIT layout could not be filled, naming every parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("The HITLayoutParameters lack a value for: {}.", .0.join(", "))]
    Missing(Vec<String>),
    /// MTurk: "Parameter names supplied in a HITLayoutParameter structure must be used in the
    /// referenced HITLayout."
    #[error("These HITLayoutParameters are not used in the HITLayout: {}.", .0.join(", "))]
    Unused(Vec<String>),
    #[error("These HITLayoutParameters are given more than once: {}.", .0.join(", "))]
    Repeated(Vec<String>),
}

/// `${name}` in a layout. Other `${...}` (a JavaScript template literal such as `${a + b}`)
/// is left alone.
fn placeholder() -> Regex {
    #[allow(clippy::expect_used)] // a constant pattern, checked by the tests
    Regex::new(r"\$\{([A-Za-z0-9_]+)\}").expect("a valid pattern")
}

/// The placeholder names of a layout, each once, in order of first use.
pub fn layout_placeholders(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for caps in placeholder().captures_iter(template) {
        if !names.iter().any(|n| n == &caps[1]) {
            names.push(caps[1].to_string());
        }
    }
    names
}

/// `template` with each `${name}` replaced by its parameter's value, HTML-escaped. As MTurk,
/// every placeholder needs a parameter and every parameter must be used.
pub fn fill_layout(template: &str, params: &[(String, String)]) -> Result<String, LayoutError> {
    let used = layout_placeholders(template);
    let mut repeated: Vec<String> = Vec::new();
    for (i, (name, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(n, _)| n == name) && !repeated.contains(name) {
            repeated.push(name.clone());
        }
    }
    if !repeated.is_empty() {
        return Err(LayoutError::Repeated(repeated));
    }
    let missing: Vec<String> = used
        .iter()
        .filter(|name| !params.iter().any(|(n, _)| n == *name))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(LayoutError::Missing(missing));
    }
    let unused: Vec<String> = params
        .iter()
        .filter(|(n, _)| !used.contains(n))
        .map(|(n, _)| n.clone())
        .collect();
    if !unused.is_empty() {
        return Err(LayoutError::Unused(unused));
    }
    let filled = placeholder().replace_all(template, |caps: &regex::Captures| {
        params
            .iter()
            .find(|(n, _)| n == &caps[1])
            .map(|(_, value)| escape(value))
            .unwrap_or_default()
    });
    Ok(filled.into_owned())
}

/// The HTMLQuestion a filled layout becomes. A layout without a form of its own is wrapped in
/// MTurk's (the hidden assignmentId, a Submit button, `externalHIT_v1.js`), as MTurk's
/// requester website did; `rewrite_html_question` then treats it as any HTMLQuestion.
pub fn layout_question(html: &str) -> String {
    let has_form = Cell::new(false);
    let _ = rewrite_str(
        html,
        settings().append_element_content_handler(element!("form, crowd-form", |_el| {
            has_form.set(true);
            Ok(())
        })),
    );
    let content = if has_form.get() {
        html.to_string()
    } else {
        wrap_in_mturk_form(html)
    };
    let mut doc = String::from(
        r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA["#,
    );
    // "]]>" would end the CDATA section: split it across two.
    doc.push_str(&content.replace("]]>", "]]]]><![CDATA[>"));
    doc.push_str("]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>");
    doc
}

const FORM_OPEN: &str = r#"<script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>
<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId">
"#;
const FORM_CLOSE: &str = r#"
<p><input type="submit" id="submitButton" value="Submit"></p>
</form>
<script>turkSetAssignmentID();</script>
"#;

/// `html` inside MTurk's form: inside its body when it has one, else all of it.
fn wrap_in_mturk_form(html: &str) -> String {
    let has_body = Cell::new(false);
    let wrapped = rewrite_str(
        html,
        settings().append_element_content_handler(element!("body", |el| {
            if !has_body.get() {
                has_body.set(true);
                el.prepend(FORM_OPEN, ContentType::Html);
                el.append(FORM_CLOSE, ContentType::Html);
            }
            Ok(())
        })),
    );
    match wrapped {
        Ok(text) if has_body.get() => text,
        _ => {
            let mut out = String::with_capacity(html.len() + FORM_OPEN.len() + FORM_CLOSE.len());
            let _ = write!(out, "{FORM_OPEN}{html}{FORM_CLOSE}");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(submit_url: Option<&str>) -> Assets {
        Assets {
            external_hit_js: "https://content.test/_mturk/externalHIT_v1.js".into(),
            crowd_elements_js: "https://content.test/_mturk/crowd-html-elements.js".into(),
            submit_url: submit_url.map(str::to_string),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_spelling_of_the_external_hit_script_is_ours() {
        for src in [
            "https://s3.amazonaws.com/mturk-public/externalHIT_v1.js",
            "http://s3.amazonaws.com/mturk-public/externalHIT_v1.js",
            "//s3.amazonaws.com/mturk-public/externalHIT_v1.js",
            "HTTPS://S3.AMAZONAWS.COM/mturk-public/externalHIT_v1.js",
            "https://mturk-public.s3.amazonaws.com/externalHIT_v1.js",
            "https://s3-external-1.amazonaws.com/mturk-public/externalHIT_v1.js",
            "https://s3.amazonaws.com/mturk-public/externalHIT_v1.js?v=2",
            " https://s3.amazonaws.com/mturk-public/externalhit_v1.js ",
        ] {
            let html = format!(r#"<script type="text/javascript" src='{src}'></script>"#);
            let out = rewrite_html_question(&html, &assets(None));
            assert_eq!(
                out,
                r#"<script type="text/javascript" src="https://content.test/_mturk/externalHIT_v1.js"></script>"#,
                "{src}"
            );
        }
    }

    #[test]
    fn the_crowd_elements_script_is_ours() {
        let html = r#"<script src="https://assets.crowd.aws/crowd-html-elements.js"></script><crowd-form></crowd-form>"#;
        assert_eq!(
            rewrite_html_question(html, &assets(None)),
            r#"<script src="https://content.test/_mturk/crowd-html-elements.js"></script><crowd-form></crowd-form>"#
        );
    }

    #[test]
    fn other_scripts_and_mentions_of_the_urls_stay_as_they_are() {
        let html = r#"<!-- https://s3.amazonaws.com/mturk-public/externalHIT_v1.js -->
<script src="https://example.org/mturk-public/externalHIT_v1.js"></script>
<script src="https://s3.amazonaws.com/other-bucket/externalHIT_v1.js"></script>
<script>var u = "https://www.mturk.com/mturk/externalSubmit";</script>
<a href="https://www.mturk.com/mturk/externalSubmit">link</a>
<form action="https://example.org/submit"></form>"#;
        assert_eq!(rewrite_html_question(html, &assets(None)), html);
    }

    #[test]
    fn hard_coded_submit_urls_go_to_the_url_given() {
        for action in [
            "https://www.mturk.com/mturk/externalSubmit",
            "https://workersandbox.mturk.com/mturk/externalSubmit",
            "http://www.mturk.com/mturk/externalSubmit",
            "https://www.mturk.com/mturk/externalsubmit",
        ] {
            let html = format!(
                r#"<script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script><form id=mturk_form method=post action="{action}"><input name=q></form>"#
            );
            let out = rewrite_html_question(
                &html,
                &assets(Some("https://site.test/mturk/externalSubmit")),
            );
            assert_eq!(
                out,
                r#"<script src="https://content.test/_mturk/externalHIT_v1.js"></script><form id=mturk_form method=post action="https://site.test/mturk/externalSubmit" data-mturk-submit=""><input name=q></form>"#,
                "{action}"
            );
        }
    }

    #[test]
    fn without_a_submit_url_the_action_is_left_to_the_script() {
        let html = r#"<form action="https://www.mturk.com/mturk/externalSubmit"></form><script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script>"#;
        assert_eq!(
            rewrite_html_question(html, &assets(None)),
            r#"<form data-mturk-submit=""></form><script src="https://content.test/_mturk/externalHIT_v1.js"></script>"#
        );
    }

    #[test]
    fn a_page_without_the_script_gets_it_after_its_first_mturk_form() {
        let html = r#"<form action="https://www.mturk.com/mturk/externalSubmit"><input type=submit></form><form action="https://www.mturk.com/mturk/externalSubmit"></form>"#;
        assert_eq!(
            rewrite_html_question(html, &assets(None)),
            r#"<form data-mturk-submit=""><input type=submit></form><script src="https://content.test/_mturk/externalHIT_v1.js"></script><form data-mturk-submit=""></form>"#
        );
    }

    #[test]
    fn crowd_forms_are_pointed_here_and_need_no_external_hit_script() {
        let html = r#"<crowd-form answer-format="flatten-objects" action='https://workersandbox.mturk.com/mturk/externalSubmit'></crowd-form>"#;
        assert_eq!(
            rewrite_html_question(
                html,
                &assets(Some("https://site.test/mturk/externalSubmit"))
            ),
            r#"<crowd-form answer-format="flatten-objects" action="https://site.test/mturk/externalSubmit" data-mturk-submit=""></crowd-form>"#
        );
    }

    #[test]
    fn the_injected_script_url_is_escaped() {
        let mut odd = assets(None);
        odd.external_hit_js = r#"https://c.test/x.js?a=1&b="2""#.into();
        let out = rewrite_html_question(
            r#"<form action="https://www.mturk.com/mturk/externalSubmit"></form>"#,
            &odd,
        );
        assert!(
            out.ends_with(r#"<script src="https://c.test/x.js?a=1&#38;b=&#34;2&#34;"></script>"#),
            "{out}"
        );
    }

    #[test]
    fn layouts_are_filled_with_escaped_values() {
        let out = fill_layout(
            "<p>${text}</p><img src=\"${image_url}\" alt='${text}'>",
            &params(&[
                ("image_url", "https://img.test/a.png?x=1&y=2"),
                ("text", r#"<script>alert("hi")</script> it's"#),
            ]),
        );
        assert_eq!(
            out.as_deref(),
            Ok(
                "<p>&#60;script&#62;alert(&#34;hi&#34;)&#60;/script&#62; it&#39;s</p><img src=\"https://img.test/a.png?x=1&#38;y=2\" alt='&#60;script&#62;alert(&#34;hi&#34;)&#60;/script&#62; it&#39;s'>"
            )
        );
    }

    #[test]
    fn a_value_is_not_read_as_a_placeholder() {
        let out = fill_layout("${a} ${b}", &params(&[("a", "${b}"), ("b", "x")]));
        assert_eq!(out.as_deref(), Ok("${b} x"));
    }

    #[test]
    fn every_missing_placeholder_is_named() {
        let out = fill_layout("${a} ${b} ${a} ${c}", &params(&[("b", "1")]));
        assert_eq!(out, Err(LayoutError::Missing(vec!["a".into(), "c".into()])));
        assert_eq!(
            out.unwrap_err().to_string(),
            "The HITLayoutParameters lack a value for: a, c."
        );
    }

    #[test]
    fn parameters_the_layout_does_not_use_are_refused() {
        let out = fill_layout("${a}", &params(&[("a", "1"), ("z", "2"), ("y", "3")]));
        assert_eq!(out, Err(LayoutError::Unused(vec!["z".into(), "y".into()])));
    }

    #[test]
    fn a_parameter_given_twice_is_refused() {
        let out = fill_layout("${a}", &params(&[("a", "1"), ("a", "2")]));
        assert_eq!(out, Err(LayoutError::Repeated(vec!["a".into()])));
    }

    #[test]
    fn template_literals_are_not_placeholders() {
        let template = "<script>let s = `${a + 1} ${ b }`;</script>${c}";
        assert_eq!(layout_placeholders(template), vec!["c".to_string()]);
        assert_eq!(
            fill_layout(template, &params(&[("c", "ok")])).as_deref(),
            Ok("<script>let s = `${a + 1} ${ b }`;</script>ok")
        );
    }

    #[test]
    fn a_layout_without_a_form_is_wrapped_in_mturks() {
        let doc = layout_question("<p>Is this a cat?</p><input name=\"cat\">");
        let html = html_content(&doc);
        assert_eq!(
            html,
            format!("{FORM_OPEN}<p>Is this a cat?</p><input name=\"cat\">{FORM_CLOSE}")
        );
        assert!(doc.ends_with("<FrameHeight>0</FrameHeight></HTMLQuestion>"));
    }

    #[test]
    fn a_layout_document_is_wrapped_inside_its_body() {
        let doc =
            layout_question("<html><head><title>t</title></head><body><p>x</p></body></html>");
        assert_eq!(
            html_content(&doc),
            format!(
                "<html><head><title>t</title></head><body>{FORM_OPEN}<p>x</p>{FORM_CLOSE}</body></html>"
            )
        );
    }

    #[test]
    fn a_layout_with_a_form_is_kept_as_it_is() {
        for html in [
            "<crowd-form><crowd-input name=\"a\"></crowd-input></crowd-form>",
            "<form action=\"https://www.mturk.com/mturk/externalSubmit\"></form>",
        ] {
            assert_eq!(html_content(&layout_question(html)), html);
        }
    }

    #[test]
    fn cdata_ends_in_a_layout_survive() {
        let html = "<form><script>if (a[b[0]]>1) {}</script></form>";
        assert_eq!(html_content(&layout_question(html)), html);
    }

    /// The HTMLContent of an HTMLQuestion, read back by an XML parser.
    fn html_content(doc: &str) -> String {
        let mut reader = quick_xml::Reader::from_str(doc);
        let mut text = String::new();
        let mut inside = false;
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) if e.local_name().as_ref() == b"HTMLContent" => {
                    inside = true
                }
                quick_xml::events::Event::End(e) if e.local_name().as_ref() == b"HTMLContent" => {
                    inside = false
                }
                quick_xml::events::Event::CData(c) if inside => {
                    text.push_str(std::str::from_utf8(&c).expect("UTF-8"))
                }
                quick_xml::events::Event::Eof => return text,
                _ => {}
            }
        }
    }
}
