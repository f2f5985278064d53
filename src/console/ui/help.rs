//! The help overlay: the bindings of the keymap that matter where it was opened, by section
//! (where they apply).
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::parts::centered;
use crate::console::format::wrap_words;
use crate::console::keymap::{BINDINGS, Context, Section};
use crate::console::state::WorkerSite;
use crate::console::style::dim;
use crate::console::workers::FAST_RULE;
use crate::sanitize::sanitize_inline;

/// One block of lines per section of the key table, in the order the table first mentions
/// it; no blank lines between them (their titles stand out), so that the table fits.
fn sections(context: Context) -> Vec<Vec<Line<'static>>> {
    let mut sections: Vec<Section> = Vec::new();
    for binding in BINDINGS {
        if !sections.contains(&binding.section) && shown_from(binding.section, context) {
            sections.push(binding.section);
        }
    }
    sections
        .into_iter()
        .map(|section| {
            let mut lines = vec![Line::styled(
                section.title(),
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
            )];
            for binding in BINDINGS.iter().filter(|b| b.section == section) {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("  {:<8}", binding.keys_label()),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(binding.description),
                ]));
            }
            if section == Section::Workers {
                for rule in wrap_words(FAST_RULE, 34) {
                    lines.push(Line::styled(format!("  {rule}"), dim()));
                }
            }
            lines
        })
        .collect()
}

/// The contexts a form or a question opens, from wherever it is.
const MODAL: [Context; 6] = [
    Context::Editor,
    Context::Filter,
    Context::Confirm,
    Context::TypedConfirm,
    Context::Form,
    Context::Templates,
];

/// Whether the help opened in `context` shows `section`: what applies there (from the list,
/// the answer pane's keys too: Tab is one key away), and the forms and questions any key may
/// open. The worker view's and the HIT view's own keys are shown in those views, so that
/// every section fits a 120-column terminal readably.
fn shown_from(section: Section, context: Context) -> bool {
    let browsing = [Context::List, Context::Answer];
    section.covers(context)
        || (browsing.contains(&context) && browsing.iter().any(|&c| section.covers(c)))
        || MODAL.iter().any(|&c| section.covers(c))
}

/// Where the HITs are done, with a link to sign in and try one (the demo's worker), each on
/// one line of the full width so that it can be copied.
fn worker_site_lines(site: &WorkerSite) -> Vec<Line<'static>> {
    let bold = Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::styled("Worker site  ", bold),
        Span::raw(format!("{}/worker/", sanitize_inline(&site.url))),
    ])];
    if let Some(link) = &site.sign_in_url {
        lines.push(Line::from(
            "Do a HIT in a browser as the demo worker, then press R here to see it:",
        ));
        lines.push(Line::from(sanitize_inline(link).to_string()));
    }
    lines.push(Line::from(""));
    lines
}

/// Sections in order into `count` columns of about equal height.
fn into_columns(sections: &[Vec<Line<'static>>], count: usize) -> Vec<Vec<Line<'static>>> {
    let total: usize = sections.iter().map(Vec::len).sum::<usize>().max(1);
    let mut columns = vec![Vec::new(); count];
    let mut before = 0;
    for section in sections {
        // The column the section's middle falls in.
        let column = ((before + section.len() / 2) * count / total).min(count - 1);
        before += section.len();
        columns[column].extend(section.iter().cloned());
    }
    columns
}

pub fn render(frame: &mut Frame, area: Rect, site: Option<&WorkerSite>, context: Context) {
    let sections = sections(context);
    // Full width under the keys, so that a sign-in link fits on one line to copy.
    let site_lines = site.map(worker_site_lines).unwrap_or_default();
    let site_height = site_lines.len() as u16;
    // Two columns, or more (over the whole width) when two do not fit the height.
    let mut columns = into_columns(&sections, 2);
    let tallest = |columns: &[Vec<Line>]| columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    while columns.len() < 4 && tallest(&columns) + site_height + 2 > area.height {
        columns = into_columns(&sections, columns.len() + 1);
    }
    let keys_height = tallest(&columns);
    // Wide enough for the sign-in link (borders and margins take 4 columns).
    let width = site_lines
        .iter()
        .map(|line| line.width() as u16 + 4)
        .fold(if columns.len() > 2 { area.width } else { 112 }, u16::max);
    let rect = centered(area, width, keys_height + site_height + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(Color::Cyan))
        .title(" Keys ")
        .title_bottom(Line::styled(" any key closes ", dim()).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [site_area, keys] =
        Layout::vertical([Constraint::Length(site_height), Constraint::Fill(1)])
            .horizontal_margin(1)
            .areas(inner);
    frame.render_widget(Paragraph::new(site_lines), site_area);
    let count = columns.len() as u32;
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, count); columns.len()]).split(keys);
    for (lines, column) in columns.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(lines), *column);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(context: Context) -> Vec<String> {
        sections(context)
            .iter()
            .map(|lines| lines[0].to_string())
            .collect()
    }

    #[test]
    fn each_view_shows_its_own_keys_and_every_form() {
        let list = titles(Context::List);
        assert!(list.contains(&"List and answer".to_string()), "{list:?}");
        assert!(list.contains(&"Answer pane".to_string()), "{list:?}");
        assert!(!list.contains(&"Worker view".to_string()), "{list:?}");
        let workers = titles(Context::Workers);
        assert!(workers.contains(&"Worker view".to_string()), "{workers:?}");
        assert!(
            !workers.contains(&"List and answer".to_string()),
            "{workers:?}"
        );
        let hit = titles(Context::HitView);
        assert!(hit.contains(&"HIT view".to_string()), "{hit:?}");
        assert!(hit.contains(&"The worker".to_string()), "{hit:?}");
        for titles in [list, workers, hit] {
            assert!(titles.contains(&"Questions".to_string()), "{titles:?}");
            assert!(titles.contains(&"Anywhere".to_string()), "{titles:?}");
        }
    }
}
