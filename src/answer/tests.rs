//! Tests for the answer parser. Samples are embedded as literals so the tests
//! travel with the module.

use super::*;
use proptest::prelude::*;

const NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

const MIXED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer><QuestionIdentifier>nextmove</QuestionIdentifier><FreeText>C3</FreeText></Answer>
  <Answer><QuestionIdentifier>likelytowin</QuestionIdentifier><SelectionIdentifier>notlikely</SelectionIdentifier></Answer>
  <Answer><QuestionIdentifier>colors</QuestionIdentifier><SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier></Answer>
  <Answer><QuestionIdentifier>animal</QuestionIdentifier><SelectionIdentifier>other</SelectionIdentifier><OtherSelectionText>capybara</OtherSelectionText></Answer>
  <Answer><QuestionIdentifier>photo</QuestionIdentifier><UploadedFileSizeInBytes>48213</UploadedFileSizeInBytes><UploadedFileKey>uploads/A1B2C3/photo-17.jpg</UploadedFileKey></Answer>
</QuestionFormAnswers>
"#;

const HTML_FORM: &str = r#"<?xml version="1.0" encoding="ASCII"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer><QuestionIdentifier>country</QuestionIdentifier><FreeText>United States</FreeText></Answer>
  <Answer><QuestionIdentifier>weather</QuestionIdentifier><FreeText>It's currently raining lightly</FreeText></Answer>
</QuestionFormAnswers>
"#;

const CROWD_FORM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>[{"sentiment":{"label":"Positive"},"comment":"Loved the ending &amp; the music","confidence":4}]</FreeText></Answer>
</QuestionFormAnswers>
"#;

const BOUNDING_BOX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>[{"annotatedResult":{"boundingBoxes":[{"height":902,"label":"human","left":53,"top":174,"width":619},{"height":311,"label":"dog","left":1020,"top":640,"width":402}],"inputImageProperties":{"height":1080,"width":1920}}}]</FreeText></Answer>
</QuestionFormAnswers>
"#;

fn doc(answers: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers xmlns="{NS}">{answers}</QuestionFormAnswers>"#
    )
}

fn free(qid: &str, text: &str) -> String {
    format!(
        "<Answer><QuestionIdentifier>{qid}</QuestionIdentifier><FreeText>{text}</FreeText></Answer>"
    )
}

fn field(qid: &str, value: Value) -> Field {
    Field {
        question_id: qid.to_string(),
        value,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn ok(fields: Vec<Field>) -> ParsedAnswer {
    ParsedAnswer {
        fields,
        problem: None,
    }
}

fn problem(parsed: &ParsedAnswer) -> &str {
    parsed.problem.as_deref().unwrap_or("")
}

#[test]
fn question_form_with_every_kind_of_answer() {
    assert_eq!(
        parse(MIXED),
        ok(vec![
            field("nextmove", text("C3")),
            field(
                "likelytowin",
                Value::Selection {
                    selected: vec!["notlikely".into()],
                    other: None
                }
            ),
            field(
                "colors",
                Value::Selection {
                    selected: vec!["red".into(), "blue".into()],
                    other: None
                }
            ),
            field(
                "animal",
                Value::Selection {
                    selected: vec!["other".into()],
                    other: Some("capybara".into())
                }
            ),
            field(
                "photo",
                Value::Upload {
                    key: "uploads/A1B2C3/photo-17.jpg".into(),
                    size_bytes: Some(48213)
                }
            ),
        ])
    );
}

#[test]
fn html_question_form() {
    assert_eq!(
        parse(HTML_FORM),
        ok(vec![
            field("country", text("United States")),
            field("weather", text("It's currently raining lightly")),
        ])
    );
}

#[test]
fn crowd_form_json_is_pretty_printed_in_original_key_order() {
    let expected = r#"[
  {
    "sentiment": {
      "label": "Positive"
    },
    "comment": "Loved the ending & the music",
    "confidence": 4
  }
]"#;
    assert_eq!(
        parse(CROWD_FORM),
        ok(vec![field("taskAnswers", Value::Json(expected.into()))])
    );
}

#[test]
fn bounding_boxes_are_pretty_printed() {
    let parsed = parse(BOUNDING_BOX);
    assert_eq!(parsed.problem, None);
    let [Field { question_id, value }] = parsed.fields.as_slice() else {
        panic!("one field expected: {parsed:?}");
    };
    assert_eq!(question_id, "taskAnswers");
    let Value::Json(json) = value else {
        panic!("json expected: {value:?}");
    };
    assert!(json.starts_with("[\n  {\n    \"annotatedResult\": {\n      \"boundingBoxes\": [\n"));
    assert!(json.contains("\n          \"label\": \"human\",\n"));
    // Same data as the input.
    let before: serde_json::Value =
        serde_json::from_str(r#"[{"annotatedResult":{"boundingBoxes":[{"height":902,"label":"human","left":53,"top":174,"width":619},{"height":311,"label":"dog","left":1020,"top":640,"width":402}],"inputImageProperties":{"height":1080,"width":1920}}}]"#).unwrap();
    let after: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(before, after);
}

#[test]
fn pretty_printing_matches_serde_json_layout() {
    let src = r#" {"a":[1,2.50,{"b":null}],"e":{},"f":[ ],"s":"x,y:{[\"]}"} "#;
    let parsed = parse(&doc(&free("q", src)));
    let expected = "{\n  \"a\": [\n    1,\n    2.50,\n    {\n      \"b\": null\n    }\n  ],\n  \"e\": {},\n  \"f\": [],\n  \"s\": \"x,y:{[\\\"]}\"\n}";
    assert_eq!(parsed, ok(vec![field("q", Value::Json(expected.into()))]));
    // Pretty printing is idempotent.
    assert_eq!(json::pretty_if_json(expected).as_deref(), Some(expected));
}

#[test]
fn json_only_for_objects_and_arrays_that_parse() {
    for s in [
        "42",
        "\"str\"",
        "true",
        "null",
        "[1,",
        "{oops}",
        "[1] trailing",
        "{'a':1}",
        "x [1]",
    ] {
        assert_eq!(parse(&doc(&free("q", s))).fields[0].value, text(s), "{s}");
    }
}

#[test]
fn empty_and_whitespace_documents() {
    for raw in ["", "   ", "\n\t \r\n"] {
        let parsed = parse(raw);
        assert!(parsed.is_empty());
        assert_eq!(parsed.problem.as_deref(), Some("no answer document"));
    }
    let parsed = parse(&doc(""));
    assert!(parsed.is_empty());
    assert_eq!(parsed.problem, None);
}

#[test]
fn answer_with_no_value_is_empty() {
    let parsed = parse(&doc(
        "<Answer><QuestionIdentifier>q</QuestionIdentifier></Answer>",
    ));
    assert_eq!(parsed, ok(vec![field("q", Value::Empty)]));
    assert!(!parsed.is_empty());
}

#[test]
fn empty_elements_are_values() {
    let parsed = parse(&doc(concat!(
        "<Answer><QuestionIdentifier>a</QuestionIdentifier><FreeText/></Answer>",
        "<Answer><QuestionIdentifier>b</QuestionIdentifier><UploadedFileKey/></Answer>",
        "<Answer/>",
    )));
    assert_eq!(parsed.fields[0], field("a", text("")));
    assert_eq!(
        parsed.fields[1],
        field(
            "b",
            Value::Upload {
                key: String::new(),
                size_bytes: None
            }
        )
    );
    assert_eq!(parsed.fields[2], field("", Value::Empty));
    assert_eq!(problem(&parsed), "an answer has no QuestionIdentifier");
}

#[test]
fn malformed_xml_keeps_earlier_fields() {
    let raw = doc(&format!(
        "{}{}<Answer><FreeText>x</Oops>",
        free("a", "1"),
        free("b", "2")
    ));
    let parsed = parse(&raw);
    assert_eq!(
        parsed.fields,
        vec![field("a", text("1")), field("b", text("2"))]
    );
    assert!(
        problem(&parsed).starts_with("answer is not well-formed XML: "),
        "{parsed:?}"
    );
    assert!(problem(&parsed).contains("at byte"), "{parsed:?}");
}

#[test]
fn truncated_document_keeps_complete_fields() {
    let raw = doc(&free("a", "1"));
    let cut = &raw[..raw.len() - 10];
    let parsed = parse(cut);
    assert_eq!(parsed.fields, vec![field("a", text("1"))]);
    assert!(problem(&parsed).starts_with("answer is not well-formed XML"));

    let parsed = parse("<QuestionFormAnswers><Answer><QuestionIdentifier>q</Questi");
    assert!(parsed.is_empty());
    assert!(problem(&parsed).starts_with("answer is not well-formed XML"));
}

#[test]
fn not_xml_at_all() {
    for raw in [
        "hello world",
        "{\"a\":1}",
        "<",
        "<<<>>>",
        "</QuestionFormAnswers>",
        "&amp;",
    ] {
        let parsed = parse(raw);
        assert!(parsed.is_empty(), "{raw}");
        assert!(
            problem(&parsed).starts_with("answer is not well-formed XML"),
            "{raw}: {parsed:?}"
        );
    }
}

#[test]
fn unexpected_root_is_noted() {
    let parsed = parse("<html><body>hi</body></html>");
    assert!(parsed.is_empty());
    assert_eq!(problem(&parsed), "unexpected root element <html>");
}

#[test]
fn namespace_prefix_is_accepted() {
    let raw = r#"<q:QuestionFormAnswers xmlns:q="x"><q:Answer><q:QuestionIdentifier>a</q:QuestionIdentifier><q:FreeText>b</q:FreeText></q:Answer></q:QuestionFormAnswers>"#;
    assert_eq!(parse(raw), ok(vec![field("a", text("b"))]));
}

#[test]
fn entities_are_unescaped() {
    let parsed = parse(&doc(&free(
        "q&amp;a",
        "&lt;b&gt; &amp; &quot;x&quot; &apos;y&apos; &#65;&#x42;&#x1F600;",
    )));
    assert_eq!(parsed, ok(vec![field("q&a", text("<b> & \"x\" 'y' AB😀"))]));
}

#[test]
fn invalid_entities_are_kept_as_text() {
    let parsed = parse(&doc(&format!(
        "{}{}",
        free("a", "x &nbsp; y &#0; z &#xZZ;"),
        free("b", "fish & chips")
    )));
    assert_eq!(
        parsed.fields,
        vec![
            field("a", text("x &nbsp; y &#0; z &#xZZ;")),
            field("b", text("fish & chips")),
        ]
    );
    let p = problem(&parsed);
    assert!(p.contains("&nbsp;"), "{p}");
    assert!(p.contains("&#0;"), "{p}");
    assert!(p.ends_with("and 1 more"), "{p}");
}

#[test]
fn many_problems_stay_short() {
    let answers: String = (0..1000)
        .map(|i| free(&format!("q{i}"), &format!("&bad{i};")))
        .collect();
    let parsed = parse(&doc(&answers));
    assert_eq!(parsed.fields.len(), 1000);
    assert!(problem(&parsed).len() < 1000, "{parsed:?}");
    let long_name = "x".repeat(100_000);
    let parsed = parse(&format!("<{long_name}/>"));
    assert!(problem(&parsed).chars().count() < 300);
}

#[test]
fn cdata_comments_and_unknown_elements() {
    let raw = doc(concat!(
        "<!-- comment --><Extra>ignored</Extra>",
        "<Answer><Note>ignored</Note><QuestionIdentifier> q </QuestionIdentifier>",
        "<FreeText><![CDATA[<b>raw & bold</b>]]> tail<i>ignored</i>!</FreeText><Unknown/></Answer>",
    ));
    assert_eq!(
        parse(&raw),
        ok(vec![field("q", text("<b>raw & bold</b> tail!"))])
    );
}

#[test]
fn upload_with_bad_size() {
    let parsed = parse(&doc(
        "<Answer><QuestionIdentifier>f</QuestionIdentifier><UploadedFileSizeInBytes>-1</UploadedFileSizeInBytes><UploadedFileKey>k</UploadedFileKey></Answer>",
    ));
    assert_eq!(
        parsed.fields,
        vec![field(
            "f",
            Value::Upload {
                key: "k".into(),
                size_bytes: None
            }
        )]
    );
    assert!(problem(&parsed).contains("not a number"));
}

#[test]
fn hostile_text_is_kept_verbatim() {
    // Sanitizing is the display's job; the model keeps what was sent.
    let nasty = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[31mred\u{1b}[0m\u{202e}gpj.exe\u{200b}\0\u{9b}";
    let parsed = parse(&doc(&free("q", nasty)));
    assert_eq!(parsed, ok(vec![field("q", text(nasty))]));
}

#[test]
fn line_endings_are_normalised_but_char_refs_kept() {
    let parsed = parse(&doc(&free("q", "a\r\nb\rc&#13;d")));
    assert_eq!(parsed.fields[0].value, text("a\nb\nc\rd"));
}

#[test]
fn deeply_nested_json_does_not_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let parsed = parse(&doc(&free("q", &deep)));
    assert_eq!(parsed.fields, vec![field("q", text(&deep))]);

    let over = format!("{}1{}", "[".repeat(129), "]".repeat(129));
    assert_eq!(parse(&doc(&free("q", &over))).fields[0].value, text(&over));

    let within = format!("{}1{}", "[".repeat(128), "]".repeat(128));
    assert!(matches!(
        parse(&doc(&free("q", &within))).fields[0].value,
        Value::Json(_)
    ));
}

#[test]
fn wide_json_that_would_blow_up_stays_text() {
    let wide = format!(
        "{}{}{}",
        "[".repeat(120),
        "1,".repeat(100_000) + "1",
        "]".repeat(120)
    );
    assert_eq!(parse(&doc(&free("q", &wide))).fields[0].value, text(&wide));
}

#[test]
fn deeply_nested_xml_does_not_crash() {
    let n = 200_000;
    let inner = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let raw = doc(&format!(
        "{}<Answer><QuestionIdentifier>deep</QuestionIdentifier>{inner}</Answer>",
        free("first", "1")
    ));
    let parsed = parse(&raw);
    assert_eq!(
        parsed,
        ok(vec![field("first", text("1")), field("deep", Value::Empty)])
    );
    // Unclosed, too.
    let parsed = parse(&doc(&"<a>".repeat(n)));
    assert!(problem(&parsed).starts_with("answer is not well-formed XML"));
}

#[test]
fn ten_thousand_answers() {
    let answers: String = (0..10_000)
        .map(|i| free(&format!("q{i}"), &format!("answer {i}")))
        .collect();
    let parsed = parse(&doc(&answers));
    assert_eq!(parsed.problem, None);
    assert_eq!(parsed.fields.len(), 10_000);
    assert_eq!(parsed.fields[9_999], field("q9999", text("answer 9999")));
}

#[test]
fn five_megabyte_answer_with_long_lines() {
    let line = "é&amp;x".repeat(100_000 / 7);
    let body: String = (0..50).map(|_| format!("{line}\n")).collect();
    let raw = doc(&free("big", &body));
    assert!(raw.len() > 5_000_000);
    let parsed = parse(&raw);
    assert_eq!(parsed.problem, None);
    let Value::Text(t) = &parsed.fields[0].value else {
        panic!("text expected");
    };
    assert_eq!(t.lines().count(), 50);
    assert!(t.starts_with("é&xé&x"));
}

// ---- property tests ----

/// Renders fields as an Answer document, the way MTurk would.
fn render(fields: &[Field]) -> String {
    let mut out = String::new();
    for f in fields {
        out.push_str("<Answer><QuestionIdentifier>");
        out.push_str(&escape(&f.question_id));
        out.push_str("</QuestionIdentifier>");
        match &f.value {
            Value::Text(t) | Value::Json(t) => element(&mut out, "FreeText", t),
            Value::Selection { selected, other } => {
                for s in selected {
                    element(&mut out, "SelectionIdentifier", s);
                }
                if let Some(o) = other {
                    element(&mut out, "OtherSelectionText", o);
                }
            }
            Value::Upload { key, size_bytes } => {
                if let Some(size) = size_bytes {
                    element(&mut out, "UploadedFileSizeInBytes", &size.to_string());
                }
                element(&mut out, "UploadedFileKey", key);
            }
            Value::Empty => {}
        }
        out.push_str("</Answer>");
    }
    doc(&out)
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("<{name}>{}</{name}>", escape(text)));
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).replace('\r', "&#13;")
}

/// Identifiers are trimmed by the parser, so generate trimmed ones.
fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.-]{1,12}",
        any::<String>().prop_map(|s| s.trim().to_string()),
    ]
}

fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"[{"sentiment":{"label":"Positive"},"comment":"Loved it","confidence":4}]"#),
        Just(r#"{"a":[],"b":{},"c":"<&>\"\u001b"}"#),
        Just("[1,2,[3,[4]]]"),
    ]
    .prop_map(|s| json::pretty_if_json(s).unwrap_or_default())
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>()
            .prop_filter("not JSON", |s| json::pretty_if_json(s).is_none())
            .prop_map(Value::Text),
        json_text().prop_map(Value::Json),
        (
            prop::collection::vec(ident(), 0..4),
            prop::option::of(any::<String>())
        )
            .prop_filter("has a selection", |(s, o)| !s.is_empty() || o.is_some())
            .prop_map(|(selected, other)| Value::Selection { selected, other }),
        (ident(), prop::option::of(any::<u64>()))
            .prop_map(|(key, size_bytes)| Value::Upload { key, size_bytes }),
        Just(Value::Empty),
    ]
}

fn fields() -> impl Strategy<Value = Vec<Field>> {
    prop::collection::vec(
        (ident(), value()).prop_map(|(question_id, value)| Field { question_id, value }),
        0..8,
    )
}

/// Strings made of XML-ish pieces, to get past the first `<`.
fn xmlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<QuestionFormAnswers>".to_string()),
        Just("</QuestionFormAnswers>".to_string()),
        Just("<Answer>".to_string()),
        Just("</Answer>".to_string()),
        Just("<QuestionIdentifier>".to_string()),
        Just("</QuestionIdentifier>".to_string()),
        Just("<FreeText>".to_string()),
        Just("</FreeText>".to_string()),
        Just("<SelectionIdentifier/>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("]]>".to_string()),
        Just("<!--".to_string()),
        Just("&amp;".to_string()),
        Just("&#x;".to_string()),
        Just("[{\"a\":".to_string()),
        "[<>/&;#x\"'=?!a-z ]{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn xmlish_strings_never_panic(s in xmlish()) {
        let _ = parse(&s);
    }

    #[test]
    fn valid_documents_round_trip(fields in fields()) {
        let parsed = parse(&render(&fields));
        prop_assert_eq!(parsed, ok(fields));
    }
}

#[test]
fn compact_json_keeps_strings_whole_and_drops_the_rest_of_the_whitespace() {
    let pretty = "{\n  \"a b\": \"say \\\"hi\\\" [ok] }\",\n  \"n\": 1.50\n}";
    assert_eq!(
        super::compact_json(pretty),
        r#"{"a b":"say \"hi\" [ok] }","n":1.50}"#
    );
}
