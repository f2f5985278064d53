//! What a HIT asks the worker to do, read from its Question XML: an ExternalQuestion's page,
//! an HTMLQuestion's HTML, or a QuestionForm. (A HIT made from a layout holds the filled
//! layout as its HTMLQuestion.)

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// How the site shows a HIT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    /// The requester's own page, framed with the four parameters.
    External { url: String, frame_height: u32 },
    /// Requester HTML, served from the content origin.
    Html { content: String, frame_height: u32 },
    /// A QuestionForm, rendered by the server (on the content origin).
    Form { xml: String },
}

/// The frame's height when a question gives none (MTurk's default was 450 pixels); 0 fills
/// the window.
pub const DEFAULT_FRAME_HEIGHT: u32 = 450;

/// Reads a HIT's question; `None` for XML that is not one of MTurk's three question types
/// (CreateHIT refuses those, so only a damaged database has them).
pub fn task_kind(question: Option<&str>) -> Option<TaskKind> {
    let xml = question?;
    let mut reader = Reader::from_str(xml);
    let mut root: Option<Vec<u8>> = None;
    let mut current: Option<Vec<u8>> = None;
    let (mut url, mut content, mut height) = (String::new(), String::new(), String::new());
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                if root.is_none() {
                    if name == b"QuestionForm" {
                        return Some(TaskKind::Form {
                            xml: xml.to_string(),
                        });
                    }
                    root = Some(name);
                } else {
                    current = Some(name);
                }
            }
            Ok(Event::Empty(e)) if root.is_none() => {
                return (e.local_name().as_ref() == b"QuestionForm").then(|| TaskKind::Form {
                    xml: xml.to_string(),
                });
            }
            Ok(Event::End(_)) => current = None,
            Ok(Event::Text(t)) => {
                let text = t.decode().ok()?.into_owned();
                push(&current, &mut url, &mut content, &mut height, &text);
            }
            // quick-xml hands entity and character references over on their own.
            Ok(Event::GeneralRef(r)) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => resolve_predefined_entity(&String::from_utf8_lossy(&r))?.to_string(),
                };
                push(&current, &mut url, &mut content, &mut height, &text);
            }
            Ok(Event::CData(t)) => {
                let text = String::from_utf8_lossy(&t).into_owned();
                push(&current, &mut url, &mut content, &mut height, &text);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let frame_height = height.trim().parse().unwrap_or(DEFAULT_FRAME_HEIGHT);
    match root.as_deref() {
        Some(b"ExternalQuestion") => Some(TaskKind::External {
            url: url.trim().to_string(),
            frame_height,
        }),
        Some(b"HTMLQuestion") => Some(TaskKind::Html {
            content,
            frame_height,
        }),
        _ => None,
    }
}

fn push(
    current: &Option<Vec<u8>>,
    url: &mut String,
    content: &mut String,
    height: &mut String,
    text: &str,
) {
    match current.as_deref() {
        Some(b"ExternalURL") => url.push_str(text),
        Some(b"HTMLContent") => content.push_str(text),
        Some(b"FrameHeight") => height.push_str(text),
        _ => {}
    }
}

/// `url` with MTurk's parameters appended, URL-encoded, after the URL's own query string.
pub fn with_parameters(url: &str, parameters: &[(&str, &str)]) -> String {
    let mut out = url.to_string();
    let (base, fragment) = match out.split_once('#') {
        Some((base, fragment)) => (base.to_string(), Some(fragment.to_string())),
        None => (out.clone(), None),
    };
    out = base;
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in parameters {
        query.append_pair(name, value);
    }
    let query = query.finish();
    if !query.is_empty() {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_question_type_is_recognised() {
        let external = r#"<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task?x=1&amp;y=2</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>"#;
        assert_eq!(
            task_kind(Some(external)),
            Some(TaskKind::External {
                url: "https://example.org/task?x=1&y=2".into(),
                frame_height: 0
            })
        );
        let html = r#"<HTMLQuestion xmlns="x"><HTMLContent><![CDATA[<p>Hi & bye</p>]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>"#;
        assert_eq!(
            task_kind(Some(html)),
            Some(TaskKind::Html {
                content: "<p>Hi & bye</p>".into(),
                frame_height: 600
            })
        );
        let form = r#"<?xml version="1.0"?><QuestionForm xmlns="x"><Question/></QuestionForm>"#;
        assert!(matches!(task_kind(Some(form)), Some(TaskKind::Form { .. })));
        assert_eq!(task_kind(Some("<Other/>")), None);
        assert_eq!(task_kind(None), None);
    }

    #[test]
    fn parameters_follow_the_urls_own_query() {
        let params = [("assignmentId", "A 1"), ("hitId", "H&1")];
        assert_eq!(
            with_parameters("https://e.org/t?x=1#top", &params),
            "https://e.org/t?x=1&assignmentId=A+1&hitId=H%261#top"
        );
        assert_eq!(
            with_parameters("https://e.org/t", &params),
            "https://e.org/t?assignmentId=A+1&hitId=H%261"
        );
    }
}
