//! MTurk's AnswerKey data structure: reading it, and scoring a worker's QuestionFormAnswers
//! with it. Each `Question` of the key names a QuestionIdentifier, its `AnswerOption`s (a set
//! of SelectionIdentifiers and the AnswerScore for choosing exactly that set) and an optional
//! `DefaultScore` for any other answer. The scores are summed; an optional
//! `QualificationValueMapping` turns the sum into the Qualification's value: a
//! `PercentageMapping` (sum as a percentage of `MaximumSummedScore`, rounded down), a
//! `ScaleMapping` (sum times `SummedScoreMultiplier`, rounded down) or a `RangeMapping`
//! (`SummedScoreRange`s of inclusive bounds, else `OutOfRangeQualificationValue`).

use std::collections::{BTreeSet, HashMap};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::answer::{self, Value};

/// A parsed AnswerKey.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerKey {
    questions: Vec<KeyQuestion>,
    mapping: Option<Mapping>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct KeyQuestion {
    id: String,
    options: Vec<(BTreeSet<String>, i64)>,
    default_score: i64,
}

#[derive(Debug, Clone, PartialEq)]
enum Mapping {
    Percentage {
        maximum: i64,
    },
    Scale {
        multiplier: f64,
    },
    Range {
        ranges: Ranges,
        out_of_range: Option<i64>,
    },
}

/// Why a document is not an AnswerKey this server can score.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the AnswerKey is invalid: {0}")]
pub struct AnswerKeyError(String);

fn bad(what: impl Into<String>) -> AnswerKeyError {
    AnswerKeyError(what.into())
}

/// A RangeMapping's inclusive (lower, upper, value) ranges.
type Ranges = Vec<(i64, i64, i64)>;

/// What the walk has read so far.
#[derive(Default)]
struct Builder {
    questions: Vec<KeyQuestion>,
    mapping: Option<Mapping>,
    question: KeyQuestion,
    option: (BTreeSet<String>, Option<i64>),
    range: (Option<i64>, Option<i64>, Option<i64>),
    ranges: Option<(Ranges, Option<i64>)>,
}

impl Builder {
    /// What the end of the element at `path`, whose text is `text`, adds to the key.
    fn end(&mut self, path: &[&str], text: &str) -> Result<(), AnswerKeyError> {
        let int = |what: &str| {
            text.parse::<i64>()
                .map_err(|_| bad(format!("{what} \"{text}\" is not an integer")))
        };
        match path {
            ["AnswerKey", "Question", "QuestionIdentifier"] => self.question.id = text.to_string(),
            [
                "AnswerKey",
                "Question",
                "AnswerOption",
                "SelectionIdentifier",
            ] => {
                self.option.0.insert(text.to_string());
            }
            ["AnswerKey", "Question", "AnswerOption", "AnswerScore"] => {
                self.option.1 = Some(int("AnswerScore")?)
            }
            ["AnswerKey", "Question", "AnswerOption"] => {
                let (selections, score) = std::mem::take(&mut self.option);
                let score = score.ok_or_else(|| bad("an AnswerOption has no AnswerScore"))?;
                if selections.is_empty() {
                    return Err(bad("an AnswerOption has no SelectionIdentifier"));
                }
                self.question.options.push((selections, score));
            }
            ["AnswerKey", "Question", "DefaultScore"] => {
                self.question.default_score = int("DefaultScore")?
            }
            ["AnswerKey", "Question"] => {
                if self.question.id.is_empty() {
                    return Err(bad("a Question has no QuestionIdentifier"));
                }
                self.questions.push(std::mem::take(&mut self.question));
            }
            [
                "AnswerKey",
                "QualificationValueMapping",
                "PercentageMapping",
                "MaximumSummedScore",
            ] => {
                let maximum = int("MaximumSummedScore")?;
                if maximum <= 0 {
                    return Err(bad("MaximumSummedScore must be greater than 0"));
                }
                self.mapping = Some(Mapping::Percentage { maximum });
            }
            [
                "AnswerKey",
                "QualificationValueMapping",
                "ScaleMapping",
                "SummedScoreMultiplier",
            ] => {
                let multiplier = text.parse::<f64>().ok().filter(|m| m.is_finite());
                let multiplier = multiplier.ok_or_else(|| {
                    bad(format!("SummedScoreMultiplier \"{text}\" is not a number"))
                })?;
                self.mapping = Some(Mapping::Scale { multiplier });
            }
            [
                "AnswerKey",
                "QualificationValueMapping",
                "RangeMapping",
                "SummedScoreRange",
                part,
            ] => {
                let value = Some(int(part)?);
                match *part {
                    "InclusiveLowerBound" => self.range.0 = value,
                    "InclusiveUpperBound" => self.range.1 = value,
                    "QualificationValue" => self.range.2 = value,
                    _ => {}
                }
            }
            [
                "AnswerKey",
                "QualificationValueMapping",
                "RangeMapping",
                "SummedScoreRange",
            ] => {
                let (Some(lo), Some(hi), Some(value)) = std::mem::take(&mut self.range) else {
                    return Err(bad(
                        "a SummedScoreRange needs InclusiveLowerBound, InclusiveUpperBound and QualificationValue",
                    ));
                };
                if lo > hi {
                    return Err(bad(
                        "a SummedScoreRange's lower bound is above its upper bound",
                    ));
                }
                self.ranges.get_or_insert_default().0.push((lo, hi, value));
            }
            [
                "AnswerKey",
                "QualificationValueMapping",
                "RangeMapping",
                "OutOfRangeQualificationValue",
            ] => {
                self.ranges.get_or_insert_default().1 = Some(int("OutOfRangeQualificationValue")?);
            }
            _ => {}
        }
        Ok(())
    }
}

impl AnswerKey {
    pub fn parse(xml: &str) -> Result<AnswerKey, AnswerKeyError> {
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut built = Builder::default();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    if stack.is_empty() && name != "AnswerKey" {
                        return Err(bad(format!("its root is <{name}>, not <AnswerKey>")));
                    }
                    stack.push(name);
                    text.clear();
                }
                Ok(Event::Empty(e)) if stack.is_empty() => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return Err(bad(format!("its root <{name}/> is empty")));
                }
                Ok(Event::Text(t)) => {
                    text.push_str(&t.xml_content().map_err(|e| bad(e.to_string()))?)
                }
                Ok(Event::CData(t)) => text.push_str(&String::from_utf8_lossy(&t)),
                Ok(Event::End(_)) => {
                    let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                    built.end(&path, text.trim())?;
                    stack.pop();
                    text.clear();
                    if stack.is_empty() {
                        break;
                    }
                }
                Ok(Event::Eof) => return Err(bad("the document ends before </AnswerKey>")),
                Err(e) => return Err(bad(format!("it is not well-formed XML ({e})"))),
                Ok(_) => {}
            }
        }
        if built.questions.is_empty() {
            return Err(bad("it has no Question"));
        }
        let mapping = match built.ranges {
            Some((ranges, out_of_range)) => Some(Mapping::Range {
                ranges,
                out_of_range,
            }),
            None => built.mapping,
        };
        Ok(AnswerKey {
            questions: built.questions,
            mapping,
        })
    }

    /// The Qualification value a QuestionFormAnswers document earns.
    pub fn score(&self, answer_xml: &str) -> i64 {
        let parsed = answer::parse(answer_xml);
        let chosen: HashMap<&str, BTreeSet<String>> = parsed
            .fields
            .iter()
            .map(|f| {
                let set = match &f.value {
                    Value::Selection { selected, .. } => selected.iter().cloned().collect(),
                    Value::Text(t) => BTreeSet::from([t.trim().to_string()]),
                    _ => BTreeSet::new(),
                };
                (f.question_id.as_str(), set)
            })
            .collect();
        let sum: i64 = self
            .questions
            .iter()
            .map(|q| {
                chosen
                    .get(q.id.as_str())
                    .and_then(|set| q.options.iter().find(|(o, _)| o == set))
                    .map_or(q.default_score, |(_, score)| *score)
            })
            .sum();
        match &self.mapping {
            None => sum,
            Some(Mapping::Percentage { maximum }) => sum.saturating_mul(100).div_euclid(*maximum),
            Some(Mapping::Scale { multiplier }) => (sum as f64 * multiplier).floor() as i64,
            Some(Mapping::Range {
                ranges,
                out_of_range,
            }) => ranges
                .iter()
                .find(|(lo, hi, _)| (*lo..=*hi).contains(&sum))
                .map(|(_, _, v)| *v)
                .or(*out_of_range)
                .unwrap_or(sum),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str =
        "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd";

    fn key(mapping: &str) -> AnswerKey {
        AnswerKey::parse(&format!(
            r#"<AnswerKey xmlns="{NS}">
              <Question><QuestionIdentifier>q1</QuestionIdentifier>
                <AnswerOption><SelectionIdentifier>a</SelectionIdentifier><SelectionIdentifier>b</SelectionIdentifier><AnswerScore>15</AnswerScore></AnswerOption>
                <AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption>
                <DefaultScore>5</DefaultScore></Question>
              <Question><QuestionIdentifier>q2</QuestionIdentifier>
                <AnswerOption><SelectionIdentifier>d</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption></Question>
              {mapping}
            </AnswerKey>"#
        ))
        .unwrap()
    }

    fn answers(q1: &[&str], q2: &str) -> String {
        let sel = |ids: &[&str]| -> String {
            ids.iter()
                .map(|i| format!("<SelectionIdentifier>{i}</SelectionIdentifier>"))
                .collect()
        };
        format!(
            "<QuestionFormAnswers><Answer><QuestionIdentifier>q1</QuestionIdentifier>{}</Answer><Answer><QuestionIdentifier>q2</QuestionIdentifier>{}</Answer></QuestionFormAnswers>",
            sel(q1),
            sel(&[q2])
        )
    }

    #[test]
    fn options_match_the_exact_set_of_selections_else_the_default_score() {
        let k = key("");
        assert_eq!(k.score(&answers(&["a", "b"], "d")), 25);
        assert_eq!(k.score(&answers(&["b", "a"], "x")), 15);
        assert_eq!(k.score(&answers(&["a"], "d")), 20);
        assert_eq!(k.score(&answers(&["c"], "x")), 5);
        assert_eq!(k.score(""), 5, "no answer earns the default scores");
    }

    #[test]
    fn mappings_turn_the_sum_into_the_value() {
        let pct = key(
            "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>25</MaximumSummedScore></PercentageMapping></QualificationValueMapping>",
        );
        assert_eq!(pct.score(&answers(&["a", "b"], "d")), 100);
        assert_eq!(pct.score(&answers(&["a"], "x")), 40);
        let scale = key(
            "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>0.5</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>",
        );
        assert_eq!(scale.score(&answers(&["a", "b"], "d")), 12);
        let range = key("<QualificationValueMapping><RangeMapping>
            <SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound><InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>
            <SummedScoreRange><InclusiveLowerBound>11</InclusiveLowerBound><InclusiveUpperBound>20</InclusiveUpperBound><QualificationValue>2</QualificationValue></SummedScoreRange>
            <OutOfRangeQualificationValue>9</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>");
        assert_eq!(range.score(&answers(&["c"], "x")), 1);
        assert_eq!(range.score(&answers(&["a"], "d")), 2);
        assert_eq!(range.score(&answers(&["a", "b"], "d")), 9);
    }

    #[test]
    fn what_is_not_an_answer_key_is_refused_with_a_reason() {
        for (doc, why) in [
            ("<QuestionForm/>", "root"),
            ("<AnswerKey></AnswerKey>", "no Question"),
            ("<AnswerKey><Question>", "ends"),
            (
                "<AnswerKey><Question><QuestionIdentifier>q</QuestionIdentifier><AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>x</AnswerScore></AnswerOption></Question></AnswerKey>",
                "not an integer",
            ),
            (
                "<AnswerKey><Question><AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question></AnswerKey>",
                "QuestionIdentifier",
            ),
        ] {
            let err = AnswerKey::parse(doc).unwrap_err().to_string();
            assert!(err.contains(why), "{doc}: {err}");
        }
    }
}
