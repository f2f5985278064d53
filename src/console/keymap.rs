//! The one key table: which key does what, where. Routing, the help overlay and the footer
//! hints are all generated from `BINDINGS`.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Interrupt,
    /// A key of the list or the answer pane.
    Browse(Browse),
    LeaveEditor,
    KeepFilter,
    ClearFilter,
    Yes,
    No,
    /// Enter on a typed confirmation, a form or the templates list.
    Submit,
    /// Tab in a form.
    NextField,
    TemplateNext,
    TemplatePrevious,
    AddTemplate,
    DeleteTemplate,
    /// A key of the worker view or the HIT view.
    View(ViewKey),
}

/// What a key asks for in the worker view or the HIT view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKey {
    Next,
    Previous,
    First,
    Last,
    PageDown,
    PageUp,
    /// The worker's assignments.
    Open,
    Back,
    /// The HIT view's previous and next assignment (column).
    Left,
    Right,
    ScrollDown,
    ScrollUp,
    Approve,
    Reject,
    Edit,
    ToggleMark,
    /// Marks every assignment agreeing with the majority on every question.
    MarkAgreeing,
}

/// What a key asks for in the list or the answer pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browse {
    Next,
    Previous,
    First,
    Last,
    PageDown,
    PageUp,
    ScrollDown,
    ScrollUp,
    CycleFocus,
    Edit,
    ToggleOverride,
    Approve,
    Reject,
    ToggleMark,
    MarkAll,
    ApproveMarked,
    ResendPending,
    StartFilter,
    CycleStatus,
    ToggleRaw,
    Bonus,
    Block,
    Notify,
    Templates,
    Reload,
    Help,
    Quit,
    /// `w`: the worker view (or back to it from one worker's list).
    WorkerView,
    /// `h`: the selected assignment's HIT side by side.
    HitView,
    /// Esc in one worker's list.
    BackToWorkers,
}

/// Where the keyboard input goes right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    List,
    Answer,
    Editor,
    Filter,
    Confirm,
    /// A confirmation answered by typing a number (bulk actions in PRODUCTION).
    TypedConfirm,
    /// A form about a worker (bonus, block, message).
    Form,
    /// The feedback templates list.
    Templates,
    Workers,
    HitView,
}

/// A part of the key table: which contexts its bindings apply in (the help overlay shows
/// one section each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Every context, the editor included.
    Anywhere,
    /// The list and the answer pane.
    Browse,
    /// The list, the answer pane and the worker and HIT views.
    Lists,
    List,
    Answer,
    /// Acting on the selected assignment's worker (in the list and the answer pane).
    Worker,
    Editor,
    Filter,
    Confirm,
    TypedConfirm,
    Form,
    Templates,
    Workers,
    HitView,
}

impl Section {
    pub fn covers(self, context: Context) -> bool {
        match self {
            Section::Anywhere => true,
            Section::Browse => matches!(context, Context::List | Context::Answer),
            Section::Lists => matches!(
                context,
                Context::List | Context::Answer | Context::Workers | Context::HitView
            ),
            // The HIT view's keys act on the assignment under its cursor.
            Section::Worker => {
                matches!(context, Context::List | Context::Answer | Context::HitView)
            }
            Section::List => context == Context::List,
            Section::Answer => context == Context::Answer,
            Section::Editor => context == Context::Editor,
            Section::Filter => context == Context::Filter,
            Section::Confirm => context == Context::Confirm,
            Section::TypedConfirm => context == Context::TypedConfirm,
            Section::Form => context == Context::Form,
            Section::Templates => context == Context::Templates,
            Section::Workers => context == Context::Workers,
            Section::HitView => context == Context::HitView,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::Anywhere => "Anywhere",
            Section::Browse => "List and answer",
            Section::Lists => "List, answer, worker and HIT views",
            Section::List => "List",
            Section::Answer => "Answer pane",
            Section::Worker => "The worker",
            Section::Editor => "Feedback editor",
            Section::Filter => "Filter",
            Section::Confirm => "Questions",
            Section::TypedConfirm => "Questions in PRODUCTION",
            Section::Form => "Bonus, block and message forms",
            Section::Templates => "Feedback templates",
            Section::Workers => "Worker view",
            Section::HitView => "HIT view",
        }
    }
}

/// One key: a code plus whether Ctrl is held (Shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::BackTab => KeyCode::Tab,
            other => other,
        };
        ctrl == self.ctrl && code == self.code
    }

    /// How the key is written in hints and help.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub description: &'static str,
    pub section: Section,
    pub action: Action,
    /// Short text for the footer hints of its section; None keeps it to the help overlay.
    pub hint: Option<&'static str>,
}

impl Binding {
    /// All keys of the binding, e.g. "j/↓".
    pub fn keys_label(&self) -> String {
        let names: Vec<String> = self.keys.iter().map(Key::name).collect();
        names.join("/")
    }
}

const fn bind(
    keys: &'static [Key],
    description: &'static str,
    section: Section,
    action: Action,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        description,
        section,
        action,
        hint,
    }
}

use Action as A;
use Browse as B;
use Section as S;
use ViewKey as V;

// The list's footer is full at 120 columns, so b, B, n and t are in the help only; their forms
// and the templates list show their own keys.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    bind(&[ctrl('c')], "quit (asks while sending; twice forces)", S::Anywhere, A::Interrupt, None),
    // First, so that every footer starts with them however narrow the terminal.
    bind(&[key('?')], "help", S::Lists, A::Browse(B::Help), Some("help")),
    bind(&[key('q')], "quit", S::Lists, A::Browse(B::Quit), Some("quit")),
    bind(&[key('j'), code(KeyCode::Down)], "next assignment", S::List, A::Browse(B::Next), Some("move")),
    bind(&[key('k'), code(KeyCode::Up)], "previous assignment", S::List, A::Browse(B::Previous), None),
    bind(&[key('g'), code(KeyCode::Home)], "first assignment", S::List, A::Browse(B::First), None),
    bind(&[key('G'), code(KeyCode::End)], "last assignment", S::List, A::Browse(B::Last), None),
    bind(&[code(KeyCode::PageDown)], "page down", S::List, A::Browse(B::PageDown), None),
    bind(&[code(KeyCode::PageUp)], "page up", S::List, A::Browse(B::PageUp), None),
    bind(&[key(' ')], "mark / unmark", S::List, A::Browse(B::ToggleMark), Some("mark")),
    bind(&[key('*')], "mark all shown / unmark all", S::List, A::Browse(B::MarkAll), None),
    bind(&[key('j'), code(KeyCode::Down)], "scroll answer down", S::Answer, A::Browse(B::ScrollDown), Some("scroll")),
    bind(&[key('k'), code(KeyCode::Up)], "scroll answer up", S::Answer, A::Browse(B::ScrollUp), None),
    bind(&[code(KeyCode::PageDown)], "scroll a page down", S::Answer, A::Browse(B::PageDown), None),
    bind(&[code(KeyCode::PageUp)], "scroll a page up", S::Answer, A::Browse(B::PageUp), None),
    bind(&[key('g'), code(KeyCode::Home)], "top of answer", S::Answer, A::Browse(B::First), None),
    bind(&[key('G'), code(KeyCode::End)], "end of answer", S::Answer, A::Browse(B::Last), None),
    bind(&[key('a')], "approve with feedback", S::Browse, A::Browse(B::Approve), Some("approve")),
    bind(&[key('r')], "reject (feedback required)", S::Browse, A::Browse(B::Reject), Some("reject")),
    bind(&[key('e')], "edit feedback", S::Browse, A::Browse(B::Edit), Some("feedback")),
    bind(&[key('o')], "toggle override of a rejection", S::Browse, A::Browse(B::ToggleOverride), None),
    bind(&[key('A')], "approve all marked", S::Browse, A::Browse(B::ApproveMarked), Some("approve marked")),
    bind(&[key('P')], "re-send pending decisions", S::Browse, A::Browse(B::ResendPending), None),
    bind(&[code(KeyCode::Tab)], "focus list → answer → feedback", S::Browse, A::Browse(B::CycleFocus), Some("focus")),
    bind(&[key('/')], "filter by id, worker, title or answer", S::Browse, A::Browse(B::StartFilter), Some("filter")),
    bind(&[key('s')], "cycle status shown", S::Browse, A::Browse(B::CycleStatus), None),
    bind(&[key('v')], "raw answer XML", S::Browse, A::Browse(B::ToggleRaw), None),
    bind(&[key('R')], "reload everything", S::Browse, A::Browse(B::Reload), None),
    bind(&[key('b')], "bonus the worker (amount, reason)", S::Worker, A::Browse(B::Bonus), None),
    bind(&[key('B')], "block the worker (unblock when blocked)", S::Worker, A::Browse(B::Block), None),
    bind(&[key('n')], "message the worker", S::Worker, A::Browse(B::Notify), None),
    bind(&[key('t')], "feedback templates", S::Worker, A::Browse(B::Templates), None),
    bind(&[key('w')], "worker view (a row per worker)", S::Browse, A::Browse(B::WorkerView), Some("workers")),
    bind(&[key('h')], "this HIT side by side", S::Browse, A::Browse(B::HitView), Some("HIT")),
    bind(&[code(KeyCode::Esc)], "back to the worker view", S::List, A::Browse(B::BackToWorkers), None),
    bind(&[key('j'), code(KeyCode::Down)], "next worker", S::Workers, A::View(V::Next), Some("move")),
    bind(&[key('k'), code(KeyCode::Up)], "previous worker", S::Workers, A::View(V::Previous), None),
    bind(&[key('g'), code(KeyCode::Home)], "first worker", S::Workers, A::View(V::First), None),
    bind(&[key('G'), code(KeyCode::End)], "last worker", S::Workers, A::View(V::Last), None),
    bind(&[code(KeyCode::PageDown)], "page down", S::Workers, A::View(V::PageDown), None),
    bind(&[code(KeyCode::PageUp)], "page up", S::Workers, A::View(V::PageUp), None),
    bind(&[code(KeyCode::Enter)], "that worker's assignments", S::Workers, A::View(V::Open), Some("assignments")),
    bind(&[key('/')], "filter: worker id, fast, blocked", S::Workers, A::Browse(B::StartFilter), Some("filter")),
    bind(&[key('w'), code(KeyCode::Esc)], "back to the assignment list", S::Workers, A::View(V::Back), Some("list")),
    bind(&[key('B')], "block this worker (unblock when blocked)", S::Workers, A::Browse(B::Block), Some("block")),
    bind(&[key('b')], "bonus: on one of their assignments (Enter)", S::Workers, A::Browse(B::Bonus), None),
    bind(&[key('n')], "message this worker", S::Workers, A::Browse(B::Notify), None),
    bind(&[code(KeyCode::Left), key('H')], "previous assignment", S::HitView, A::View(V::Left), Some("assignment")),
    bind(&[code(KeyCode::Right), key('L')], "next assignment", S::HitView, A::View(V::Right), None),
    bind(&[key('j'), code(KeyCode::Down)], "scroll questions down", S::HitView, A::View(V::ScrollDown), Some("scroll")),
    bind(&[key('k'), code(KeyCode::Up)], "scroll questions up", S::HitView, A::View(V::ScrollUp), None),
    bind(&[key('a')], "approve it", S::HitView, A::View(V::Approve), Some("approve")),
    bind(&[key('r')], "reject it (feedback required)", S::HitView, A::View(V::Reject), Some("reject")),
    bind(&[key('e')], "edit its feedback", S::HitView, A::View(V::Edit), Some("feedback")),
    bind(&[key(' ')], "mark / unmark it", S::HitView, A::View(V::ToggleMark), Some("mark")),
    bind(&[key('M')], "mark all agreeing on every question", S::HitView, A::View(V::MarkAgreeing), Some("mark agreeing")),
    bind(&[key('A')], "approve all marked", S::HitView, A::Browse(B::ApproveMarked), None),
    bind(&[key('h'), code(KeyCode::Esc)], "back to the list", S::HitView, A::View(V::Back), Some("back")),
    bind(&[code(KeyCode::Esc)], "leave the editor (text is kept)", S::Editor, A::LeaveEditor, Some("leave editor (text kept)")),
    bind(&[code(KeyCode::Enter)], "keep the filter", S::Filter, A::KeepFilter, Some("keep filter")),
    bind(&[code(KeyCode::Esc)], "clear the filter", S::Filter, A::ClearFilter, Some("clear filter")),
    bind(&[key('y')], "yes", S::Confirm, A::Yes, Some("yes")),
    bind(&[key('n'), code(KeyCode::Esc)], "no", S::Confirm, A::No, Some("no")),
    bind(&[code(KeyCode::Enter)], "confirm what was typed", S::TypedConfirm, A::Submit, Some("confirm")),
    bind(&[code(KeyCode::Esc)], "cancel", S::TypedConfirm, A::No, Some("cancel")),
    bind(&[code(KeyCode::Tab)], "next field", S::Form, A::NextField, Some("next field")),
    bind(&[code(KeyCode::Enter)], "ask (y then sends)", S::Form, A::Submit, Some("ask")),
    bind(&[code(KeyCode::Esc)], "cancel", S::Form, A::No, Some("cancel")),
    bind(&[key('j'), code(KeyCode::Down)], "next template", S::Templates, A::TemplateNext, Some("move")),
    bind(&[key('k'), code(KeyCode::Up)], "previous template", S::Templates, A::TemplatePrevious, None),
    bind(&[code(KeyCode::Enter)], "insert into the feedback", S::Templates, A::Submit, Some("insert")),
    bind(&[key('a')], "add the current feedback as a template", S::Templates, A::AddTemplate, Some("add feedback")),
    bind(&[key('d')], "delete the template", S::Templates, A::DeleteTemplate, Some("delete")),
    bind(&[code(KeyCode::Esc)], "close", S::Templates, A::No, Some("close")),
];

/// The action a key triggers in a context, if any.
pub fn lookup(context: Context, event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.section.covers(context))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// The footer hints for a context, in table order.
pub fn hints(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.hint.is_some() && b.section.covers(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_resolve_by_context() {
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(
            lookup(Context::List, &j),
            Some(Action::Browse(Browse::Next))
        );
        assert_eq!(
            lookup(Context::Answer, &j),
            Some(Action::Browse(Browse::ScrollDown))
        );
        assert_eq!(lookup(Context::Editor, &j), None);
        let shifted = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(Context::List, &shifted),
            Some(Action::Browse(Browse::Last))
        );
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Context::Editor, &ctrl_c), Some(Action::Interrupt));
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(lookup(Context::Filter, &esc), Some(Action::ClearFilter));
    }

    #[test]
    fn hints_come_from_the_table() {
        let labels: Vec<String> = hints(Context::Editor).map(Binding::keys_label).collect();
        assert_eq!(labels, ["Esc"]);
        assert!(hints(Context::List).any(|b| b.action == Action::Browse(Browse::Approve)));
    }
}
