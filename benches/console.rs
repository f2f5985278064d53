//! The console under a large batch: 100,000 assignments across 2,000 HITs loaded into `State`
//! through `update`, page by page as the loader delivers them. Measured: drawing the main
//! screen (200x60, TestBackend), a cursor move, a filter keystroke over every row, and opening
//! an assignment whose answer is 1 MB. Goals (issue 5): under 1 ms, 1 ms, 30 ms and 20 ms.
//! Issue 13: grouping the 100,000 by worker (under 30 ms); the HIT view of a HIT with 100
//! assignments and 20 questions, answers not parsed before (under 5 ms); and the UI-thread
//! time to settle a 2,000-decision bulk approval (under 200 ms in all), with the figure of the
//! old way (each settled decision merged as a page: re-sorting and re-filtering every row).
// Setup code of a benchmark: a failure here is a broken benchmark, not a user-facing error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mturk_review::answer::write::AnswersWriter;
use mturk_review::console::workers::group;
use mturk_review::console::{Message, State, render, update};
use mturk_review::mturk::client::Endpoint;
use mturk_review::mturk::decisions::RunnerEvent;
use mturk_review::mturk::domain::{Assignment, AssignmentStatus, DecisionState, Hit};
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

/// The 50 assignments of HIT `h` (about 10% rejected), with answers like `serve --generate`'s.
fn hit_assignments(h: usize, answers: &mut SampleAnswers) -> Vec<Assignment> {
    (0..PER_HIT)
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
                // Work times from 1 to 10 minutes, so medians differ.
                accept_time: Some(submit - 60 - (n as i64 * 31) % 540),
                submit_time: Some(submit),
                auto_approval_time: Some(submit + 30 * DAY),
                approval_time: None,
                rejection_time: rejected.then_some(submit + 3_600),
                answer: answers.next().unwrap(),
                requester_feedback: rejected.then(|| "Answers were random.".to_string()),
                policy_note: None,
            }
        })
        .collect()
}

const WIDE_HIT: &str = "HWIDE";
const WIDE: usize = 100;
const QUESTIONS: usize = 20;

/// One of the wide HIT's crowd-form answers: 20 labels, most agreeing; `variant` changes the
/// free-text comment so the answer must be parsed again.
fn wide_answer(i: usize, variant: usize) -> String {
    let fields: Vec<String> = (0..QUESTIONS)
        .map(|q| {
            let label = if (i + q).is_multiple_of(7) {
                "Negative"
            } else {
                "Positive"
            };
            format!(r#""q{q:02}":{{"label":"{label}"}}"#)
        })
        .collect();
    let mut w = AnswersWriter::new();
    w.free_text(
        "taskAnswers",
        &format!(r#"[{{{},"comment":"take {variant}"}}]"#, fields.join(",")),
    );
    w.finish()
}

/// The wide HIT's 100 assignments, submitted after everything else (the end of the list).
fn wide_assignments(variant: usize) -> Vec<Assignment> {
    (0..WIDE)
        .map(|i| Assignment {
            id: id("W", i),
            hit_id: WIDE_HIT.to_string(),
            worker_id: format!("AWIDE{i:03}"),
            status: AssignmentStatus::Submitted,
            accept_time: Some(NOW - 600),
            submit_time: Some(NOW - 50 + i as i64),
            auto_approval_time: Some(NOW + 3 * DAY),
            approval_time: None,
            rejection_time: None,
            answer: wide_answer(i, variant),
            requester_feedback: None,
            policy_note: None,
        })
        .collect()
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
        let assignments = hit_assignments(h, &mut answers);
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
    // Drawn again here: with a filter that skips the benchmark above, nothing drew it.
    terminal.draw(|frame| render(&state, frame)).unwrap();
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(shown.contains("BIG"), "a 1 MB assignment is selected");

    worker_and_hit_views(c, &mut state, &mut terminal);
    settling(c, &mut state);
}

fn worker_and_hit_views(
    c: &mut Criterion,
    state: &mut State,
    terminal: &mut Terminal<TestBackend>,
) {
    let mut answers = SampleAnswers::new(1);
    let all: Vec<Assignment> = (0..HITS)
        .flat_map(|h| hit_assignments(h, &mut answers))
        .collect();
    c.bench_function("group 100k assignments by worker", |b| {
        b.iter(|| black_box(group(&all)))
    });
    let started = Instant::now();
    update(state, key(KeyCode::Char('w')));
    let opened = started.elapsed();
    terminal.draw(|frame| render(state, frame)).unwrap();
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(
        shown.contains("Workers 9975 of 9975"),
        "every worker is a row"
    );
    println!("w (worker view) with 100k loaded, grouped when loading ended: {opened:?}");
    update(state, key(KeyCode::Char('w')));

    // The wide HIT, at the end of the list.
    update(
        state,
        Message::Load(LoadEvent::Hits(vec![Hit {
            id: WIDE_HIT.to_string(),
            title: "Label 20 product reviews".to_string(),
            reward: "0.50".to_string(),
            max_assignments: WIDE as i32,
            status: "Reviewable".to_string(),
        }])),
    );
    let page = |variant| {
        Message::Load(LoadEvent::Assignments {
            hit_id: WIDE_HIT.to_string(),
            assignments: wide_assignments(variant),
        })
    };
    update(state, page(0));
    // Each time the HIT's answers have changed while another HIT was selected, so selecting
    // one of its assignments (G) parses all 100 again; then h opens the view and it is drawn.
    let mut variant = 0;
    c.bench_function(
        "HIT view 100 assignments x 20 questions (G, h, draw, Esc)",
        |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    variant += 1;
                    update(state, key(KeyCode::Char('g')));
                    update(state, page(variant));
                    let started = Instant::now();
                    update(state, key(KeyCode::Char('G')));
                    update(state, key(KeyCode::Char('h')));
                    terminal.draw(|frame| render(state, frame)).unwrap();
                    update(state, key(KeyCode::Esc));
                    spent += started.elapsed();
                }
                spent
            })
        },
    );
    update(state, key(KeyCode::Char('G')));
    update(state, key(KeyCode::Char('h')));
    terminal.draw(|frame| render(state, frame)).unwrap();
    let shown = format!("{:?}", terminal.backend().buffer());
    assert!(shown.contains("100 assignment(s)"), "the wide HIT is shown");
    update(state, key(KeyCode::Esc));
}

/// What the decision runner reports for one decision of a bulk approval, settled.
fn settle_messages(a: &Assignment, status: AssignmentStatus) -> [Message; 2] {
    let mut done = a.clone();
    done.status = status;
    let decision = |state| {
        Message::Runner(RunnerEvent::Decision {
            assignment_id: a.id.clone(),
            state,
        })
    };
    [
        decision(DecisionState::Sending),
        decision(DecisionState::Done(Box::new(done))),
    ]
}

fn settling(c: &mut Criterion, state: &mut State) {
    const BULK: usize = 2_000;
    let mut answers = SampleAnswers::new(1);
    let submitted: Vec<Assignment> = (0..HITS)
        .flat_map(|h| hit_assignments(h, &mut answers))
        .filter(|a| a.status == AssignmentStatus::Submitted)
        .collect();
    let batches: Vec<&[Assignment]> = submitted.chunks(BULK).collect();
    // Each run settles the next 2,000; once all are approved they go back the same way.
    let mut run = 0;
    let mut group = c.benchmark_group("settle");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function(
        "a 2,000-decision bulk approval, 100k loaded (all UI-thread time)",
        |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let batch = batches[run % batches.len()];
                    let status = if (run / batches.len()).is_multiple_of(2) {
                        AssignmentStatus::Approved
                    } else {
                        AssignmentStatus::Submitted
                    };
                    run += 1;
                    let messages: Vec<Message> = batch
                        .iter()
                        .flat_map(|a| settle_messages(a, status))
                        .collect();
                    let started = Instant::now();
                    for message in messages {
                        black_box(update(state, message));
                    }
                    spent += started.elapsed();
                }
                spent
            })
        },
    );
    group.finish();

    // The old way, for comparison: each settled decision merged like a loader page, which
    // re-sorts, re-filters and recounts every row. 200 of them, scaled to 2,000.
    const OLD: usize = 200;
    let batch = &batches[batches.len() - 1][..OLD];
    let started = Instant::now();
    for a in batch {
        let mut done = a.clone();
        done.status = AssignmentStatus::Rejected;
        update(
            state,
            Message::Load(LoadEvent::Assignments {
                hit_id: a.hit_id.clone(),
                assignments: vec![done],
            }),
        );
    }
    let old = started.elapsed();
    println!(
        "settle the old way (merge per decision): {OLD} took {old:?}, so 2,000 about {:?}",
        old * (2_000 / OLD) as u32
    );
}

criterion_group!(console, benches);
criterion_main!(console);
