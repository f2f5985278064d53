//! The console under a large batch: 100,000 assignments across 2,000 HITs loaded into `State`
//! through `update`, page by page as the loader delivers them. Measured: drawing the main
//! screen (200x60, TestBackend), a cursor move, a filter keystroke over every row, and opening
//! an assignment whose answer is 1 MB. Goals (issue 5): under 1 ms, 1 ms, 30 ms and 20 ms.
// Setup code of a benchmark: a failure here is a broken benchmark, not a user-facing error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mturk_review::console::{Message, State, render, update};
use mturk_review::mturk::client::Endpoint;
use mturk_review::mturk::domain::{Assignment, AssignmentStatus, Hit};
use mturk_review::mturk::loader::LoadEvent;
use mturk_review::server::generate::SampleAnswers;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const HITS: usize = 2_000;
const PER_HIT: usize = 50;
const NOW: i64 = 1_780_000_000;
use mturk_review::clock::DAY_SECS as DAY;

fn id(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:0>width$}", width = 30 - prefix.len())
}

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A transcript of about 1 MB, one timestamped turn per line.
fn megabyte_answer() -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 1_000_000 {
        text.push_str(&format!(
            "[{:02}:{:02}] Dana: and the battery lasted two days, which is really not bad for the price &amp; size\n",
            n / 60 % 60,
            n % 60
        ));
        n += 7;
    }
    format!(
        "<QuestionFormAnswers xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd\"><Answer><QuestionIdentifier>transcript</QuestionIdentifier><FreeText>{text}</FreeText></Answer></QuestionFormAnswers>"
    )
}

/// 100,000 assignments (about 10% rejected) with answers like `serve --generate`'s, plus two
/// with a 1 MB answer submitted last, so they sort to the end of the list.
fn loaded_state() -> State {
    let mut state = State::new(Endpoint::Demo("http://127.0.0.1:9".into()), NOW);
    let hits: Vec<Hit> = (0..HITS)
        .map(|h| Hit {
            id: id("H", h),
            title: format!("Is this product review positive or negative? (batch {h})"),
            reward: "0.05".to_string(),
            max_assignments: PER_HIT as i32,
            status: "Reviewable".to_string(),
        })
        .collect();
    for page in hits.chunks(100) {
        update(&mut state, Message::Load(LoadEvent::Hits(page.to_vec())));
    }
    let mut answers = SampleAnswers::new(1);
    for h in 0..HITS {
        let assignments = (0..PER_HIT)
            .map(|i| {
                let n = h * PER_HIT + i;
                let submit = NOW - 20 * DAY + (n as i64 * 17) % (19 * DAY);
                let rejected = n % 10 == 3;
                Assignment {
                    id: id("A", n),
                    hit_id: id("H", h),
                    worker_id: format!("AW{:012}", n * 7 % 9_973),
                    status: if rejected {
                        AssignmentStatus::Rejected
                    } else {
                        AssignmentStatus::Submitted
                    },
                    accept_time: Some(submit - 300),
                    submit_time: Some(submit),
                    auto_approval_time: Some(submit + 30 * DAY),
                    approval_time: None,
                    rejection_time: rejected.then_some(submit + 3_600),
                    answer: answers.next().unwrap(),
                    requester_feedback: rejected.then(|| "Answers were random.".to_string()),
                    policy_note: None,
                }
            })
            .collect();
        let hit_id = id("H", h);
        update(
            &mut state,
            Message::Load(LoadEvent::Assignments {
                hit_id,
                assignments,
            }),
        );
    }
    let big = megabyte_answer();
    let huge: Vec<Assignment> = (0..2)
        .map(|i| Assignment {
            id: id("BIG", i),
            hit_id: id("H", 0),
            worker_id: format!("ABIG{i}"),
            status: AssignmentStatus::Submitted,
            accept_time: Some(NOW - 600),
            submit_time: Some(NOW - 60),
            auto_approval_time: Some(NOW + 3 * DAY),
            approval_time: None,
            rejection_time: None,
            answer: big.clone(),
            requester_feedback: None,
            policy_note: None,
        })
        .collect();
    update(
        &mut state,
        Message::Load(LoadEvent::Assignments {
            hit_id: id("H", 0),
            assignments: huge,
        }),
    );
    update(&mut state, Message::Load(LoadEvent::Finished));
    state
}

fn benches(c: &mut Criterion) {
    let mut state = loaded_state();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    terminal.draw(|frame| render(&state, frame)).unwrap();
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(shown.contains("100002 of 100002"), "all rows are listed");

    c.bench_function("draw main screen 200x60, 100k loaded", |b| {
        b.iter(|| {
            terminal.draw(|frame| render(&state, frame)).unwrap();
        })
    });

    // Down and up in turn, so the selection keeps moving between ordinary answers.
    let mut down = true;
    c.bench_function("cursor move (j/k), 100k loaded", |b| {
        b.iter(|| {
            let code = if down {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            down = !down;
            black_box(update(&mut state, key(code)));
        })
    });

    // A filter being typed: "batter" + "y", then Backspace, in turn; each keystroke filters
    // all 100,000 rows again.
    update(&mut state, key(KeyCode::Char('/')));
    for c in "batter".chars() {
        update(&mut state, key(KeyCode::Char(c)));
    }
    let mut typing = true;
    c.bench_function("filter keystroke over 100k", |b| {
        b.iter(|| {
            let code = if typing {
                KeyCode::Char('y')
            } else {
                KeyCode::Backspace
            };
            typing = !typing;
            black_box(update(&mut state, key(code)));
        })
    });
    update(&mut state, key(KeyCode::Esc));

    // The last two rows hold 1 MB answers: each move between them parses and lays out one,
    // then the frame that shows it is drawn.
    update(&mut state, key(KeyCode::Char('G')));
    let mut up = true;
    c.bench_function("open a 1 MB answer (move + draw)", |b| {
        b.iter(|| {
            let code = if up {
                KeyCode::Char('k')
            } else {
                KeyCode::Char('j')
            };
            up = !up;
            update(&mut state, key(code));
            terminal.draw(|frame| render(&state, frame)).unwrap();
        })
    });
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(shown.contains("BIG"), "a 1 MB assignment is selected");
}

criterion_group!(console, benches);
criterion_main!(console);
