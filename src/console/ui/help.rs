//! The help overlay: every binding of the keymap, by section (where it applies).
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::parts::centered;
use crate::console::keymap::{BINDINGS, Section};
use crate::console::state::WorkerSite;
use crate::console::style::dim;
use crate::sanitize::sanitize_inline;

/// One block of lines per section of the key table, in the order the table first mentions
/// it.
fn sections() -> Vec<Vec<Line<'static>>> {
    let mut sections: Vec<Section> = Vec::new();
    for binding in BINDINGS {
        if !sections.contains(&binding.section) {
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
                        format!("  {:<12}", binding.keys_label()),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(binding.description),
                ]));
            }
            lines.push(Line::from(""));
            lines
        })
        .collect()
}

/// Where the HITs are done, with a link to sign in and try one (the demo's worker).
fn worker_site_lines(site: &WorkerSite) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            "Worker site",
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ),
        Line::from(format!("  {}/worker/", sanitize_inline(&site.url))),
    ];
    if let Some(link) = &site.sign_in_url {
        lines.push(Line::from(
            "  Do a HIT in a browser as the demo worker, then R here:",
        ));
        lines.push(Line::from(format!("  {}", sanitize_inline(link))));
    }
    lines.push(Line::from(""));
    lines
}

pub fn render(frame: &mut Frame, area: Rect, site: Option<&WorkerSite>) {
    let mut sections = sections();
    if let Some(site) = site {
        sections.push(worker_site_lines(site));
    }
    let total: usize = sections.iter().map(Vec::len).sum();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for section in sections {
        if right.is_empty() && left.len() + section.len() / 2 <= total / 2 {
            left.extend(section);
        } else {
            right.extend(section);
        }
    }
    let height = left.len().max(right.len()) as u16 + 2;
    let rect = centered(area, 112, height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(Color::Cyan))
        .title(" Keys ")
        .title_bottom(Line::styled(" any key closes ", dim()).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
        .horizontal_margin(1)
        .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}
