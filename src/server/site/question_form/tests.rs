//! Tests of parsing, rendering and answering QuestionForms.

use super::model::{AnswerSpec, ChoiceLabel, Content, Item, Style};
use super::render::html_pattern;
use super::*;
use crate::answer::{self as answer_doc, Value};

const NS: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd";
const ANSWERS_NS: &str = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// A form with one question per line of questionform-mixed.xml (the shared answer sample),
/// plus every content element.
fn mixed_form() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<QuestionForm xmlns="{NS}">
  <Overview>
    <Title>Tic-Tac-Toe</Title>
    <Text>Help decide the next move &amp; win.</Text>
    <List><ListItem>Look at the board</ListItem><ListItem>Pick a square</ListItem></List>
    <Binary><MimeType><Type>image</Type><SubType>gif</SubType></MimeType>
      <DataURL>https://example.com/board.gif</DataURL><AltText>The board</AltText></Binary>
    <FormattedContent><![CDATA[<table border="1"><tr><td align="center"><b>X</b></td></tr></table>]]></FormattedContent>
    <EmbeddedBinary><EmbeddedMimeType><Type>image</Type><SubType>png</SubType></EmbeddedMimeType>
      <DataURL>data:image/png;base64,iVBORw0KGgo=</DataURL><AltText>Tiny</AltText>
      <Width>10</Width><Height>20</Height></EmbeddedBinary>
    <Application><JavaApplet><AppletPath>x</AppletPath></JavaApplet></Application>
  </Overview>
  <Question>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>What are the coordinates of the best move?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer>
      <Constraints><Length minLength="2" maxLength="2"/>
        <AnswerFormatRegex regex="^[a-c][1-3]$" flags="i" errorText="Like C3."/></Constraints>
      <DefaultText>C1</DefaultText>
    </FreeTextAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>likelytowin</QuestionIdentifier>
    <QuestionContent><Text>How likely is it that X will win?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>radiobutton</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>notlikely</SelectionIdentifier><Text>Not likely</Text></Selection>
        <Selection><SelectionIdentifier>likely</SelectionIdentifier><FormattedContent><![CDATA[<b>Likely</b>]]></FormattedContent></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Overview><Text>Now some questions about you.</Text></Overview>
  <Question>
    <QuestionIdentifier>colors</QuestionIdentifier>
    <QuestionContent><Text>Colours you like</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <MinSelectionCount>1</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount>
      <StyleSuggestion>checkbox</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
        <Selection><SelectionIdentifier>green</SelectionIdentifier><Text>Green</Text></Selection>
        <Selection><SelectionIdentifier>blue</SelectionIdentifier><Binary><MimeType><Type>image</Type></MimeType><DataURL>https://example.com/blue.png</DataURL><AltText>Blue</AltText></Binary></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>animal</QuestionIdentifier>
    <QuestionContent><Text>Favourite animal</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>dropdown</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>cat</SelectionIdentifier><Text>Cat</Text></Selection>
        <OtherSelection><Constraints><Length maxLength="20"/></Constraints></OtherSelection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>photo</QuestionIdentifier>
    <QuestionContent><Text>A photo of your pet</Text></QuestionContent>
    <AnswerSpecification><FileUploadAnswer>
      <MaxFileSizeInBytes>100000</MaxFileSizeInBytes><MinFileSizeInBytes>10</MinFileSizeInBytes>
    </FileUploadAnswer></AnswerSpecification>
  </Question>
</QuestionForm>"#
    )
}

/// A form of the given questions (already XML).
fn form_of(questions: &str) -> QuestionForm {
    let xml = format!(r#"<QuestionForm xmlns="{NS}">{questions}</QuestionForm>"#);
    match parse(&xml) {
        Ok(form) => form,
        Err(e) => panic!("form does not parse: {e}\n{xml}"),
    }
}

fn free_text_question(id: &str, required: bool, spec: &str) -> String {
    format!(
        "<Question><QuestionIdentifier>{id}</QuestionIdentifier><IsRequired>{required}</IsRequired>\
         <QuestionContent><Text>Q</Text></QuestionContent>\
         <AnswerSpecification><FreeTextAnswer>{spec}</FreeTextAnswer></AnswerSpecification></Question>"
    )
}

fn selection_question(id: &str, required: bool, spec: &str) -> String {
    format!(
        "<Question><QuestionIdentifier>{id}</QuestionIdentifier><IsRequired>{required}</IsRequired>\
         <QuestionContent><Text>Q</Text></QuestionContent>\
         <AnswerSpecification><SelectionAnswer>{spec}</SelectionAnswer></AnswerSpecification></Question>"
    )
}

const ABC: &str = "<Selections>\
    <Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection>\
    <Selection><SelectionIdentifier>b</SelectionIdentifier><Text>B</Text></Selection>\
    <Selection><SelectionIdentifier>c</SelectionIdentifier><Text>C</Text></Selection>\
    </Selections>";

fn fields(pairs: &[(&str, &str)]) -> Vec<Field> {
    pairs
        .iter()
        .map(|(name, value)| Field {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect()
}

fn no_keys() -> impl FnMut() -> String {
    || panic!("no file key should be drawn")
}

/// The messages `answer` returns, or an empty list when it accepts.
fn errors_of(form: &QuestionForm, sent: &[(&str, &str)]) -> Vec<String> {
    match answer(form, &fields(sent), &[], &mut no_keys()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.message).collect(),
    }
}

fn accepted_xml(form: &QuestionForm, sent: &[(&str, &str)]) -> String {
    match answer(form, &fields(sent), &[], &mut no_keys()) {
        Ok(answered) => answered.xml,
        Err(errors) => panic!("refused: {errors:?}"),
    }
}

fn page(preview: bool) -> RenderContext<'static> {
    RenderContext {
        action: "/mturk/externalSubmit",
        assignment_id: "ASSIGN\"<1>",
        preview,
        script_src: "/static/question-form.js",
    }
}

fn rendered(form: &QuestionForm) -> String {
    render(form, &page(false))
}

// ---- parsing ----

#[test]
fn parses_every_element_of_the_mixed_form_in_document_order() {
    let form = parse(&mixed_form()).unwrap();
    let ids: Vec<&str> = form.question_identifiers().collect();
    assert_eq!(
        ids,
        ["nextmove", "likelytowin", "colors", "animal", "photo"]
    );
    assert!(form.has_file_upload());
    let kinds: Vec<&str> = form
        .items
        .iter()
        .map(|i| match i {
            Item::Overview(_) => "overview",
            Item::Question(_) => "question",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "overview", "question", "question", "overview", "question", "question", "question"
        ]
    );
    let Item::Overview(overview) = &form.items[0] else {
        panic!("first item is not the overview")
    };
    assert!(matches!(&overview[0], Content::Title(t) if t == "Tic-Tac-Toe"));
    assert!(matches!(&overview[1], Content::Text(t) if t == "Help decide the next move & win."));
    assert!(
        matches!(&overview[2], Content::List(items) if items == &["Look at the board", "Pick a square"])
    );
    assert!(matches!(&overview[3], Content::Binary(b)
        if b.mime_type == "image/gif" && b.url == "https://example.com/board.gif" && b.alt_text == "The board"));
    assert!(matches!(&overview[4], Content::Formatted(x) if x.contains("<b>X</b>")));
    assert!(matches!(&overview[5], Content::Binary(b)
        if b.mime_type == "image/png" && b.width == Some(10) && b.height == Some(20)));
    assert!(matches!(&overview[6], Content::Unsupported(n) if n == "Application"));

    let questions: Vec<_> = form.questions().collect();
    let next = questions[0];
    assert!(next.required);
    assert_eq!(next.display_name.as_deref(), Some("The Next Move"));
    let AnswerSpec::FreeText(t) = &next.answer else {
        panic!("nextmove is free text")
    };
    assert_eq!(t.default_text.as_deref(), Some("C1"));
    assert_eq!(
        (t.constraints.min_length, t.constraints.max_length),
        (Some(2), Some(2))
    );
    assert_eq!(t.constraints.regexes[0].source, "^[a-c][1-3]$");
    assert!(t.constraints.regexes[0].case_insensitive);
    assert_eq!(t.constraints.regexes[0].error_text, "Like C3.");

    let AnswerSpec::Selection(likely) = &questions[1].answer else {
        panic!()
    };
    assert!(!questions[1].required);
    assert_eq!(
        (likely.style, likely.min, likely.max),
        (Style::RadioButton, 1, 1)
    );
    assert!(matches!(&likely.choices[1].label, ChoiceLabel::Formatted(x) if x == "<b>Likely</b>"));
    let AnswerSpec::Selection(colors) = &questions[2].answer else {
        panic!()
    };
    assert_eq!(
        (colors.style, colors.min, colors.max),
        (Style::Checkbox, 1, 2)
    );
    assert!(matches!(&colors.choices[2].label, ChoiceLabel::Binary(b) if b.mime_type == "image/*"));
    let AnswerSpec::Selection(animal) = &questions[3].answer else {
        panic!()
    };
    assert_eq!(animal.style, Style::Dropdown);
    assert_eq!(
        animal.other.as_ref().and_then(|o| o.constraints.max_length),
        Some(20)
    );
    let AnswerSpec::FileUpload(photo) = &questions[4].answer else {
        panic!()
    };
    assert_eq!((photo.min_bytes, photo.max_bytes), (10, 100_000));
}

#[test]
fn parses_every_style_suggestion_and_the_defaults() {
    for (name, style) in [
        ("radiobutton", Style::RadioButton),
        ("checkbox", Style::Checkbox),
        ("list", Style::List),
        ("dropdown", Style::Dropdown),
        ("combobox", Style::Combobox),
        ("multichooser", Style::Multichooser),
    ] {
        let form = form_of(&selection_question(
            "q",
            false,
            &format!(
                "<MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>{name}</StyleSuggestion>{ABC}"
            ),
        ));
        let AnswerSpec::Selection(s) = &form.questions().next().unwrap().answer else {
            panic!()
        };
        assert_eq!(s.style, style, "{name}");
        // Radio buttons and drop-downs pick one, whatever MaxSelectionCount says.
        assert_eq!(s.max, if style.picks_one() { 1 } else { 2 }, "{name}");
    }
    let no_style = |spec: &str| {
        let form = form_of(&selection_question("q", false, spec));
        let AnswerSpec::Selection(s) = &form.questions().next().unwrap().answer else {
            panic!()
        };
        (s.style, s.min, s.max)
    };
    assert_eq!(no_style(ABC), (Style::RadioButton, 1, 1));
    assert_eq!(
        no_style(&format!(
            "<MinSelectionCount>0</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount>{ABC}"
        )),
        (Style::Checkbox, 0, 3)
    );
}

#[test]
fn parses_free_text_constraints() {
    let form = form_of(&free_text_question(
        "n",
        false,
        r#"<Constraints><IsNumeric minValue="-5" maxValue="10"/>
            <AnswerFormatRegex regex="\d"/><AnswerFormatRegex regex="^.{1,3}$" errorText="Short."/></Constraints>
           <NumberOfLinesSuggestion>4</NumberOfLinesSuggestion>"#,
    ));
    let AnswerSpec::FreeText(t) = &form.questions().next().unwrap().answer else {
        panic!()
    };
    let numeric = t.constraints.numeric.unwrap();
    assert_eq!((numeric.min, numeric.max), (Some(-5), Some(10)));
    assert_eq!(t.lines, 4);
    assert_eq!(
        t.constraints.regexes[0].error_text,
        "Invalid input supplied."
    );
    assert_eq!(t.constraints.regexes[1].error_text, "Short.");
    assert!(t.default_text.is_none());
}

#[test]
fn refuses_forms_it_could_not_honour_with_a_sentence() {
    let cases: Vec<(String, &str)> = vec![
        ("<QuestionForm><Question>".into(), "not well-formed"),
        ("".into(), "empty"),
        (
            format!(r#"<HTMLQuestion xmlns="{NS}"/>"#),
            "not a QuestionForm",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}"><Overview><Text>x</Text></Overview></QuestionForm>"#
            ),
            "at least one Question",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}{}</QuestionForm>"#,
                free_text_question("a", false, ""),
                free_text_question("a", false, "")
            ),
            "Two questions",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                free_text_question("", false, "")
            ),
            "QuestionIdentifier",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                free_text_question(
                    "a",
                    false,
                    r#"<Constraints><AnswerFormatRegex regex="(?&lt;=a)b"/></Constraints>"#
                )
            ),
            "not supported by this server",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                free_text_question(
                    "a",
                    false,
                    r#"<Constraints><AnswerFormatRegex regex="a" flags="g"/></Constraints>"#
                )
            ),
            "flags",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                free_text_question(
                    "a",
                    false,
                    r#"<Constraints><Length minLength="5" maxLength="2"/></Constraints>"#
                )
            ),
            "above its maxLength",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                free_text_question(
                    "a",
                    false,
                    r#"<Constraints><IsNumeric minValue="x"/></Constraints>"#
                )
            ),
            "whole number",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                selection_question(
                    "s",
                    false,
                    &format!("<StyleSuggestion>slider</StyleSuggestion>{ABC}")
                )
            ),
            "not a StyleSuggestion",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                selection_question(
                    "s",
                    false,
                    &format!(
                        "<MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount>{ABC}"
                    )
                )
            ),
            "above MaxSelectionCount",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}">{}</QuestionForm>"#,
                selection_question(
                    "s",
                    false,
                    "<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>B</Text></Selection></Selections>"
                )
            ),
            "Two Selections",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}"><Question><QuestionIdentifier>f</QuestionIdentifier><AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>3000000000</MaxFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question></QuestionForm>"#
            ),
            "at most 2000000000",
        ),
        (
            format!(
                r#"<QuestionForm xmlns="{NS}"><Question><QuestionIdentifier>f</QuestionIdentifier></Question></QuestionForm>"#
            ),
            "AnswerSpecification",
        ),
    ];
    for (xml, expected) in cases {
        let error = parse(&xml).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains(expected), "{xml}\n-> {error}");
        assert!(error.ends_with('.'), "not a sentence: {error}");
    }
}

// ---- rendering ----

#[test]
fn text_is_escaped_never_markup() {
    let form = form_of(
        "<Question><QuestionIdentifier>x</QuestionIdentifier><DisplayName>&lt;b&gt;Name&lt;/b&gt;</DisplayName>\
         <QuestionContent><Text>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</Text><Title>&lt;i&gt;T</Title>\
         <List><ListItem>&lt;img src=x onerror=alert(1)&gt;</ListItem></List></QuestionContent>\
         <AnswerSpecification><FreeTextAnswer><DefaultText>\"&gt;&lt;script&gt;</DefaultText></FreeTextAnswer></AnswerSpecification></Question>",
    );
    let html = rendered(&form);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;Name&lt;/b&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        html.contains(r#"value="&quot;&gt;&lt;script&gt;""#),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>"));
}

#[test]
fn hostile_formatted_content_is_sanitised() {
    let hostile = r#"<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script>
        <img src="https://example.com/a.png" onerror="alert(2)" alt="a">
        <a href="javascript:alert(3)">js</a><a href="https://example.com/" style="color:red">ok</a>
        <style>body{display:none}</style><iframe src="https://evil.example/"></iframe>
        <div style="position:fixed" class="x" id="y">d</div><img src="javascript:alert(4)">
        <table border="1"><tr><td colspan="2">cell</td></tr></table><form action="/x"><input name="q.x"></form>"#;
    let form = form_of(&format!(
        "<Overview><FormattedContent><![CDATA[{hostile}]]></FormattedContent></Overview>{}",
        free_text_question("x", false, "")
    ));
    let html = rendered(&form);
    let formatted = &html[html.find("qf-formatted").unwrap()..html.find("qf-question").unwrap()];
    for bad in [
        "onclick",
        "<script",
        "alert(1)",
        "onerror",
        "javascript:",
        "style",
        "<iframe",
        "class=\"x\"",
        "id=\"y\"",
        "<form",
        "<input",
        "display:none",
    ] {
        assert!(!formatted.contains(bad), "{bad} survived: {formatted}");
    }
    for good in [
        "<b>there</b>",
        r#"<img src="https://example.com/a.png" alt="a">"#,
        "<td colspan=\"2\">cell</td>",
        r#"<table border="1">"#,
    ] {
        assert!(formatted.contains(good), "{good} lost: {formatted}");
    }
    assert!(formatted.contains(r#"href="https://example.com/""#));
    assert!(formatted.contains(r#"target="_blank""#));
    assert!(formatted.contains("noopener"));
}

#[test]
fn binaries_use_only_web_and_inline_image_addresses() {
    let binary = |mime: &str, url: &str| {
        let form = form_of(&format!(
            "<Overview><Binary><MimeType><Type>{mime}</Type></MimeType><DataURL>{url}</DataURL><AltText>Alt</AltText></Binary></Overview>{}",
            free_text_question("x", false, "")
        ));
        rendered(&form)
    };
    assert!(
        binary("image", "https://example.com/a.png")
            .contains(r#"<img src="https://example.com/a.png" alt="Alt">"#)
    );
    assert!(
        binary("image", "data:image/png;base64,AAAA")
            .contains(r#"<img src="data:image/png;base64,AAAA""#)
    );
    let video = binary("video", "https://example.com/v.mp4");
    assert!(video.contains(r#"<a href="https://example.com/v.mp4""#) && !video.contains("<img"));
    for hostile in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
    ] {
        let html = binary("image", hostile);
        assert!(!html.contains(hostile), "{hostile} used: {html}");
        assert!(html.contains("Alt (not shown"));
    }
    assert!(!binary("video", "data:video/mp4,AAAA").contains("data:video"));
}

#[test]
fn free_text_controls_follow_their_constraints() {
    let html = rendered(&form_of(&[
        free_text_question("one", true, r#"<Constraints><Length minLength="2" maxLength="5"/><AnswerFormatRegex regex="^[A-Z]+$" errorText="Capitals."/></Constraints><DefaultText>AB</DefaultText>"#),
        free_text_question("many", false, "<NumberOfLinesSuggestion>3</NumberOfLinesSuggestion><DefaultText>x &lt; y</DefaultText>"),
        free_text_question("num", false, r#"<Constraints><IsNumeric minValue="1" maxValue="9"/></Constraints>"#),
        free_text_question("ci", false, r#"<Constraints><AnswerFormatRegex regex="abc" flags="i"/></Constraints>"#),
    ].concat()));
    let control = |id: &str| {
        let start = html.find(&format!(r#"name="q.{id}""#)).unwrap();
        let open = html[..start].rfind('<').unwrap();
        html[open..open + html[open..].find('>').unwrap() + 1].to_string()
    };
    let one = control("one");
    assert!(
        one.starts_with(r#"<input class="qf-text" type="text""#),
        "{one}"
    );
    for part in [
        r#"minlength="2""#,
        r#"maxlength="5""#,
        " required",
        r#"value="AB""#,
        r#"pattern="[\s\S]*(?:^[A-Z]+$)[\s\S]*""#,
        r#"data-regex="[[&quot;^[A-Z]+$&quot;,&quot;&quot;,&quot;Capitals.&quot;]]""#,
    ] {
        assert!(one.contains(part), "{part} missing: {one}");
    }
    assert!(html.contains(r#"rows="3""#) && html.contains("x &lt; y</textarea>"));
    let num = control("num");
    assert!(
        num.contains(r#"type="number""#)
            && num.contains(r#"min="1""#)
            && num.contains(r#"max="9""#),
        "{num}"
    );
    assert!(num.contains(r#"data-msg-range="Enter a number from 1 to 9.""#));
    let ci = control("ci");
    assert!(
        !ci.contains("pattern=") && ci.contains(r#"data-regex="[[&quot;abc&quot;,&quot;i&quot;"#),
        "{ci}"
    );
    assert!(html.contains("Enter 2 to 5 characters."), "help shown");
}

#[test]
fn patterns_are_offered_only_for_plain_regexes() {
    assert_eq!(
        html_pattern("^[0-9]+$", false).as_deref(),
        Some(r"[\s\S]*(?:^[0-9]+$)[\s\S]*")
    );
    assert!(html_pattern(r"\S", false).is_some());
    assert!(
        html_pattern("abc", true).is_none(),
        "flags cannot be carried"
    );
    assert!(html_pattern(r"[a-z\-]", false).is_none());
    assert!(html_pattern("[a--z]", false).is_none());
    assert!(html_pattern("(?i)abc", false).is_none());
    assert!(html_pattern(r"\p{L}", false).is_none());
    assert!(html_pattern("é", false).is_none());
}

#[test]
fn every_style_suggestion_renders_its_control() {
    let styled = |style: &str, max: u32, other: bool| {
        let other = if other { "<OtherSelection/>" } else { "" };
        let spec = format!(
            "<MinSelectionCount>0</MinSelectionCount><MaxSelectionCount>{max}</MaxSelectionCount><StyleSuggestion>{style}</StyleSuggestion>{}",
            ABC.replace("</Selections>", &format!("{other}</Selections>"))
        );
        rendered(&form_of(&selection_question("s", true, &spec)))
    };
    let radio = styled("radiobutton", 1, true);
    assert_eq!(radio.matches(r#"type="radio""#).count(), 4, "{radio}");
    assert!(radio.contains("<fieldset") && radio.contains("<legend"));
    assert!(radio.contains(r#"<label for="qf1-c1">A</label>"#));
    assert!(radio.contains(r#"name="other.s""#) && radio.contains("data-qf-other"));
    let checkbox = styled("checkbox", 2, false);
    assert_eq!(checkbox.matches(r#"type="checkbox""#).count(), 3);
    assert!(
        !checkbox.contains(" required"),
        "a required checkbox would demand every box"
    );
    assert!(
        checkbox.contains(r#"data-max-count="2""#)
            && checkbox.contains(r#"data-msg-count="Choose at most 2 answers.""#)
    );
    for style in ["dropdown", "combobox"] {
        let html = styled(style, 1, true);
        assert!(
            html.contains("<select") && !html.contains(" multiple") && !html.contains(" size="),
            "{html}"
        );
        assert!(html.contains("<option value=\"\">Choose…</option>"));
        assert!(html.contains("<option value=\"a\">A</option>"));
        assert!(html.contains(r#"name="other.s""#));
    }
    let list = styled("list", 1, false);
    assert!(list.contains(r#"size="3""#) && !list.contains(" multiple"));
    assert!(styled("list", 2, false).contains(" multiple"));
    let multi = styled("multichooser", 3, false);
    assert!(
        multi.contains("<select") && multi.contains(" multiple") && multi.contains(r#"size="3""#)
    );
}

#[test]
fn every_control_has_a_label_and_its_description() {
    let form = parse(&mixed_form()).unwrap();
    let html = rendered(&form);
    let ids = regex::Regex::new(r#"<(?:input|select|textarea)[^>]* id="([^"]+)""#).unwrap();
    let mut seen = 0;
    for caps in ids.captures_iter(&html) {
        let id = &caps[1];
        let labelled = html.contains(&format!(r#"for="{id}""#)) || {
            let tag = &html[caps.get(0).unwrap().start()..];
            tag[..tag.find('>').unwrap()].contains("aria-label=")
        };
        assert!(labelled, "{id} has no label");
        seen += 1;
    }
    assert!(seen >= 8, "{seen} controls");
    assert!(
        html.contains(r#"aria-describedby="qf1-title qf1-content qf1-help qf1-error""#),
        "{html}"
    );
    assert!(html.contains(r#"<h2 class="qf-title" id="qf1-title">The Next Move</h2>"#));
    assert!(html.contains(r#"<p class="qf-error" id="qf1-error" hidden></p>"#));
}

#[test]
fn the_form_posts_to_the_action_with_the_assignment_and_loads_its_script() {
    let with_file = parse(&mixed_form()).unwrap();
    let html = rendered(&with_file);
    assert!(html.starts_with(r#"<form class="qf-form" method="post" action="/mturk/externalSubmit" enctype="multipart/form-data""#), "{html}");
    assert!(
        html.contains(r#"<input type="hidden" name="assignmentId" value="ASSIGN&quot;&lt;1&gt;">"#)
    );
    assert!(html.contains(r#"<button type="submit">Submit</button>"#));
    assert!(html.ends_with(r#"<script src="/static/question-form.js" defer></script>"#));
    assert!(html.contains(r#"type="file""#) && html.contains(r#"data-max-size="100000""#));
    let text_only = rendered(&form_of(&free_text_question("x", false, "")));
    assert!(!text_only.contains("enctype"));
}

#[test]
fn preview_disables_every_control_and_the_submit_button() {
    let html = render(&parse(&mixed_form()).unwrap(), &page(true));
    let controls = regex::Regex::new(r"<(input|select|textarea|button)\b[^>]*>").unwrap();
    for tag in controls.find_iter(&html) {
        let tag = tag.as_str();
        if tag.contains(r#"type="hidden""#) {
            continue;
        }
        assert!(tag.contains(" disabled"), "enabled in preview: {tag}");
    }
    assert!(html.contains(r#"<button type="submit" disabled>You must ACCEPT the HIT before you can submit the results.</button>"#));
}

#[test]
fn a_refused_submission_comes_back_filled_in_with_its_errors() {
    let form = parse(&mixed_form()).unwrap();
    let sent = fields(&[
        ("q.nextmove", "z<"),
        ("q.colors", "red"),
        ("q.colors", "blue"),
        ("q.animal", ""),
        ("other.animal", "capybara"),
    ]);
    let errors = answer(&form, &sent, &[], &mut no_keys()).unwrap_err();
    let html = render_refilled(&form, &page(false), &sent, &errors);
    assert!(html.contains(r#"role="alert""#));
    assert!(html.contains(r#"value="z&lt;""#));
    assert!(
        html.contains(r#"<p class="qf-error" id="qf1-error">Like C3.</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"value="red" checked"#) && html.contains(r#"value="blue" checked"#));
    assert!(!html.contains(r#"value="green" checked"#));
    assert!(html.contains(r#"value="capybara""#));
    assert!(html.contains(r#"data-qf-other selected"#));
}

// ---- answering ----

#[test]
fn writes_mturk_answers_exactly() {
    let form = form_of(&[
        free_text_question("text", true, ""),
        selection_question("pick", false, &format!("<MaxSelectionCount>3</MaxSelectionCount>{}", ABC.replace("</Selections>", "<OtherSelection/></Selections>"))),
        "<Question><QuestionIdentifier>file</QuestionIdentifier><AnswerSpecification><FileUploadAnswer/></AnswerSpecification></Question>".to_string(),
        free_text_question("skipped", false, ""),
    ].concat());
    let uploads = [Upload {
        field: "q.file".into(),
        file_name: Some("cat.jpg".into()),
        content_type: Some("image/jpeg".into()),
        bytes: vec![1, 2, 3],
    }];
    let sent = fields(&[
        ("assignmentId", "A1"),
        ("q.pick", "c"),
        ("q.text", "a < b & \"c\"\r\nnext"),
        ("q.pick", "a"),
        ("other.pick", "mine"),
        ("q.skipped", "  "),
        ("unknown", "ignored"),
    ]);
    let mut drawn = 0;
    let answered = answer(&form, &sent, &uploads, &mut || {
        drawn += 1;
        format!("uploads/key-{drawn}")
    })
    .unwrap();
    assert_eq!(
        answered.xml,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><QuestionFormAnswers xmlns=\"{ANSWERS_NS}\">\
             <Answer><QuestionIdentifier>text</QuestionIdentifier><FreeText>a &lt; b &amp; &quot;c&quot;\nnext</FreeText></Answer>\
             <Answer><QuestionIdentifier>pick</QuestionIdentifier><SelectionIdentifier>a</SelectionIdentifier><SelectionIdentifier>c</SelectionIdentifier><OtherSelectionText>mine</OtherSelectionText></Answer>\
             <Answer><QuestionIdentifier>file</QuestionIdentifier><UploadedFileSizeInBytes>3</UploadedFileSizeInBytes><UploadedFileKey>uploads/key-1</UploadedFileKey></Answer>\
             </QuestionFormAnswers>"
        )
    );
    assert_eq!(
        answered.files,
        [StoredFile {
            key: "uploads/key-1".into(),
            question_identifier: "file".into(),
            file_name: Some("cat.jpg".into()),
            content_type: Some("image/jpeg".into()),
            bytes: vec![1, 2, 3],
        }]
    );
}

#[test]
fn answers_round_trip_through_the_crate_answer_parser() {
    let form = parse(&mixed_form()).unwrap();
    let sent = fields(&[
        ("q.nextmove", "C3"),
        ("q.likelytowin", "notlikely"),
        ("q.colors", "red"),
        ("q.colors", "blue"),
        ("q.animal", ""),
        ("other.animal", "capybara"),
    ]);
    let uploads = [Upload {
        field: "q.photo".into(),
        file_name: Some("p.jpg".into()),
        content_type: None,
        bytes: vec![7; 48213],
    }];
    let answered = answer(&form, &sent, &uploads, &mut || {
        "uploads/A1B2C3/photo-17.jpg".to_string()
    })
    .unwrap();
    let ours = answer_doc::parse(&answered.xml);
    assert_eq!(ours.problem, None);
    // The shared sample questionform-mixed.xml, as MTurk shapes it, except that our form's
    // Other choice has no SelectionIdentifier of its own (see the module doc).
    let sample = answer_doc::parse(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<QuestionFormAnswers xmlns="{ANSWERS_NS}">
  <Answer><QuestionIdentifier>nextmove</QuestionIdentifier><FreeText>C3</FreeText></Answer>
  <Answer><QuestionIdentifier>likelytowin</QuestionIdentifier><SelectionIdentifier>notlikely</SelectionIdentifier></Answer>
  <Answer><QuestionIdentifier>colors</QuestionIdentifier><SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier></Answer>
  <Answer><QuestionIdentifier>animal</QuestionIdentifier><OtherSelectionText>capybara</OtherSelectionText></Answer>
  <Answer><QuestionIdentifier>photo</QuestionIdentifier><UploadedFileSizeInBytes>48213</UploadedFileSizeInBytes><UploadedFileKey>uploads/A1B2C3/photo-17.jpg</UploadedFileKey></Answer>
</QuestionFormAnswers>"#
    ));
    assert_eq!(ours, sample);
    assert!(
        matches!(&ours.fields[3].value, Value::Selection { selected, other } if selected.is_empty() && other.as_deref() == Some("capybara"))
    );
}

#[test]
fn hostile_text_round_trips_as_well_formed_xml() {
    let form = form_of(&free_text_question("t", false, ""));
    let text = "</FreeText><x>&amp;]]>\u{7}\u{1b}[31m\u{202e}evil\u{0}\r\nend\u{FFFF}";
    let xml = accepted_xml(&form, &[("q.t", text)]);
    let parsed = answer_doc::parse(&xml);
    assert_eq!(parsed.problem, None, "{xml}");
    assert_eq!(
        parsed.fields[0].value,
        Value::Text("</FreeText><x>&amp;]]>[31m\u{202e}evil\nend".to_string())
    );
}

#[test]
fn reserved_and_unknown_fields_are_never_answers() {
    let form = form_of(&free_text_question("note", false, ""));
    let xml = accepted_xml(
        &form,
        &[
            ("assignmentId", "A"),
            ("hitId", "H"),
            ("workerId", "W"),
            ("turkSubmitTo", "T"),
            ("note", "no prefix"),
            ("other.note", "x"),
        ],
    );
    assert!(answer_doc::parse(&xml).fields.is_empty(), "{xml}");
}

#[test]
fn required_questions_need_an_answer() {
    let form = form_of(&[
        free_text_question("t", true, ""),
        selection_question("s", true, ABC),
        "<Question><QuestionIdentifier>f</QuestionIdentifier><IsRequired>true</IsRequired><AnswerSpecification><FileUploadAnswer/></AnswerSpecification></Question>".to_string(),
    ].concat());
    let empty_file = Upload {
        field: "q.f".into(),
        file_name: Some(String::new()),
        content_type: None,
        bytes: Vec::new(),
    };
    let errors = answer(
        &form,
        &fields(&[("q.t", " \n "), ("q.s", "")]),
        &[empty_file],
        &mut no_keys(),
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            FieldError {
                question_identifier: "t".into(),
                message: "This question needs an answer.".into()
            },
            FieldError {
                question_identifier: "s".into(),
                message: "This question needs an answer.".into()
            },
            FieldError {
                question_identifier: "f".into(),
                message: "Choose a file to upload.".into()
            },
        ]
    );
    let optional = form_of(
        &[
            free_text_question("t", false, ""),
            selection_question("s", false, ABC),
        ]
        .concat(),
    );
    assert!(
        answer_doc::parse(&accepted_xml(&optional, &[]))
            .fields
            .is_empty()
    );
}

#[test]
fn numeric_answers_are_checked() {
    let form = form_of(&free_text_question(
        "n",
        false,
        r#"<Constraints><IsNumeric minValue="-2" maxValue="10"/></Constraints>"#,
    ));
    for good in ["-2", "10", "3.5", "+4", " 7 ", "1e1", ".5"] {
        assert_eq!(
            errors_of(&form, &[("q.n", good)]),
            Vec::<String>::new(),
            "{good}"
        );
    }
    for bad in ["abc", "1,5", "NaN", "inf", "0x10", "1e"] {
        assert_eq!(
            errors_of(&form, &[("q.n", bad)]),
            ["Enter a number."],
            "{bad}"
        );
    }
    for out in ["-3", "10.01", "1e2"] {
        assert_eq!(
            errors_of(&form, &[("q.n", out)]),
            ["Enter a number from -2 to 10."],
            "{out}"
        );
    }
    let unbounded = form_of(&free_text_question(
        "n",
        false,
        "<Constraints><IsNumeric/></Constraints>",
    ));
    assert!(errors_of(&unbounded, &[("q.n", "-99999.5")]).is_empty());
}

#[test]
fn lengths_are_counted_in_characters() {
    let form = form_of(&free_text_question(
        "l",
        false,
        r#"<Constraints><Length minLength="2" maxLength="3"/></Constraints>"#,
    ));
    assert!(errors_of(&form, &[("q.l", "éé")]).is_empty());
    assert!(errors_of(&form, &[("q.l", "😀😀😀")]).is_empty());
    assert_eq!(
        errors_of(&form, &[("q.l", "a")]),
        ["Enter 2 to 3 characters."]
    );
    assert_eq!(
        errors_of(&form, &[("q.l", "abcd")]),
        ["Enter 2 to 3 characters."]
    );
    let exact = form_of(&free_text_question(
        "l",
        false,
        r#"<Constraints><Length minLength="1" maxLength="1"/></Constraints>"#,
    ));
    assert_eq!(
        errors_of(&exact, &[("q.l", "ab")]),
        ["Enter exactly 1 character."]
    );
}

#[test]
fn format_regexes_must_match_somewhere_and_honour_the_i_flag() {
    let form = form_of(&free_text_question(
        "r",
        false,
        r#"<Constraints>
        <AnswerFormatRegex regex="\S" errorText="The content cannot be blank."/>
        <AnswerFormatRegex regex="^[a-z]+$" flags="i"/></Constraints>"#,
    ));
    assert!(errors_of(&form, &[("q.r", "Hello")]).is_empty());
    assert_eq!(
        errors_of(&form, &[("q.r", "Hello1")]),
        ["Invalid input supplied."]
    );
    let contains = form_of(&free_text_question(
        "r",
        false,
        r#"<Constraints><AnswerFormatRegex regex="[0-9]" errorText="Needs a digit."/></Constraints>"#,
    ));
    assert!(errors_of(&contains, &[("q.r", "abc1def")]).is_empty());
    assert_eq!(errors_of(&contains, &[("q.r", "abc")]), ["Needs a digit."]);
}

#[test]
fn selection_counts_and_choices_are_checked() {
    let form = form_of(&selection_question(
        "s",
        false,
        &format!(
            "<MinSelectionCount>2</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>{ABC}"
        ),
    ));
    assert!(errors_of(&form, &[("q.s", "a"), ("q.s", "b")]).is_empty());
    assert_eq!(errors_of(&form, &[("q.s", "a")]), ["Choose 2 answers."]);
    assert_eq!(
        errors_of(&form, &[("q.s", "a"), ("q.s", "b"), ("q.s", "c")]),
        ["Choose 2 answers."]
    );
    assert_eq!(
        errors_of(&form, &[("q.s", "a"), ("q.s", "a")]),
        ["Choose 2 answers."],
        "a repeat is one choice"
    );
    assert_eq!(
        errors_of(&form, &[("q.s", "a"), ("q.s", "b"), ("q.s", "zzz")]),
        ["One of the answers sent is not a choice of this question."]
    );
    let radio = form_of(&selection_question(
        "s",
        false,
        &format!(
            "<StyleSuggestion>radiobutton</StyleSuggestion><MaxSelectionCount>3</MaxSelectionCount>{ABC}"
        ),
    ));
    assert_eq!(
        errors_of(&radio, &[("q.s", "a"), ("q.s", "b")]),
        ["Choose 1 answer."]
    );
    let xml = accepted_xml(&form, &[("q.s", "c"), ("q.s", "a")]);
    assert!(xml.contains("<SelectionIdentifier>a</SelectionIdentifier><SelectionIdentifier>c</SelectionIdentifier>"), "form order: {xml}");
}

#[test]
fn other_selection_text_counts_and_keeps_its_constraints() {
    let spec = ABC.replace(
        "</Selections>",
        r#"<OtherSelection><Constraints><Length maxLength="5"/><AnswerFormatRegex regex="^[a-z]*$" errorText="Lower case only."/></Constraints></OtherSelection></Selections>"#,
    );
    let form = form_of(&selection_question(
        "s",
        true,
        &format!("<StyleSuggestion>radiobutton</StyleSuggestion>{spec}"),
    ));
    assert!(accepted_xml(&form, &[("q.s", ""), ("other.s", "emu")]).contains("<Answer><QuestionIdentifier>s</QuestionIdentifier><OtherSelectionText>emu</OtherSelectionText></Answer>"));
    assert_eq!(
        errors_of(&form, &[("other.s", "Kangaroo")]),
        ["Enter at most 5 characters.", "Lower case only."]
    );
    assert_eq!(
        errors_of(&form, &[("q.s", "a"), ("other.s", "emu")]),
        ["Choose 1 answer."]
    );
    assert_eq!(
        errors_of(&form, &[("other.s", "   ")]),
        ["This question needs an answer."]
    );
}

#[test]
fn file_sizes_are_checked_and_keys_drawn_only_when_accepted() {
    let form = form_of(
        "<Question><QuestionIdentifier>f</QuestionIdentifier><AnswerSpecification><FileUploadAnswer><MinFileSizeInBytes>2</MinFileSizeInBytes><MaxFileSizeInBytes>4</MaxFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question>",
    );
    let upload = |n: usize| {
        [Upload {
            field: "q.f".into(),
            file_name: Some("a.bin".into()),
            content_type: None,
            bytes: vec![0; n],
        }]
    };
    for bad in [0, 1, 5] {
        let errors = answer(&form, &[], &upload(bad), &mut no_keys()).unwrap_err();
        assert_eq!(
            errors[0].message, "Choose a file of 2 to 4 bytes.",
            "{bad} bytes"
        );
    }
    for good in [2, 4] {
        let answered = answer(&form, &[], &upload(good), &mut || "k".to_string()).unwrap();
        assert!(answered.xml.contains(&format!("<UploadedFileSizeInBytes>{good}</UploadedFileSizeInBytes><UploadedFileKey>k</UploadedFileKey>")));
        assert_eq!(answered.files.len(), 1);
    }
    let wrong_field = [Upload {
        field: "q.other".into(),
        file_name: Some("a".into()),
        content_type: None,
        bytes: vec![0; 3],
    }];
    let answered = answer(&form, &[], &wrong_field, &mut no_keys()).unwrap();
    assert!(answered.files.is_empty());
}

#[test]
fn the_script_and_styles_are_embedded() {
    assert!(JS.contains("form[data-qf-form]"));
    assert!(JS.contains("data-qf-other"));
    assert!(CSS.contains(":focus-visible"));
}

/// The mixed form as a whole page, with images inline so a browser loading it goes nowhere.
fn fixture_page() -> String {
    const DOT: &str = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==";
    let xml = mixed_form()
        .replace("https://example.com/board.gif", DOT)
        .replace("https://example.com/blue.png", DOT);
    let form = parse(&xml).unwrap();
    let body = render(
        &form,
        &RenderContext {
            action: "/mturk/externalSubmit",
            assignment_id: "ASSIGNMENT_FIXTURE",
            preview: false,
            script_src: "../../assets/site/question-form.js",
        },
    );
    format!(
        "<!DOCTYPE html>\n<!-- Written by `UPDATE_FIXTURES=1 cargo test --lib server::site::question_form`: \
         the QuestionForm renderer's output for the browser tests. Do not edit. -->\n\
         <html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>QuestionForm fixture</title>\
         <link rel=\"stylesheet\" href=\"../../assets/site/question-form.css\"></head>\n<body>{body}</body></html>\n"
    )
}

#[test]
fn the_page_fixture_is_the_current_rendering() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/question-form-page.html"
    );
    let page = fixture_page();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(path, &page).unwrap();
    }
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        stored == page,
        "{path} is stale: rerun with UPDATE_FIXTURES=1"
    );
}
