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
/// it. No blank lines between them (their titles stand out): the table no longer fits a
/// 36-row terminal with them.
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
            lines
        })
        .collect()
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

pub fn render(frame: &mut Frame, area: Rect, site: Option<&WorkerSite>) {
    let sections = sections();
    // Full width under the keys, so that a sign-in link fits on one line to copy.
    let site_lines = site.map(worker_site_lines).unwrap_or_default();
    // Two columns, split between sections where the taller of them is shortest.
    let total: usize = sections.iter().map(Vec::len).sum();
    let split = (0..=sections.len())
        .min_by_key(|&k| {
            let left: usize = sections[..k].iter().map(Vec::len).sum();
            left.max(total - left)
        })
        .unwrap_or(0);
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for (i, section) in sections.into_iter().enumerate() {
        if i < split {
            left.extend(section);
        } else {
            right.extend(section);
        }
    }
    let keys_height = left.len().max(right.len()) as u16;
    let site_height = site_lines.len() as u16;
    // Wide enough for the sign-in link (borders and margins take 4 columns).
    let width = site_lines
        .iter()
        .map(|line| line.width() as u16 + 4)
        .fold(112, u16::max);
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
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(keys);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}
