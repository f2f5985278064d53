//! The worker site: where people sign in, find HITs, preview, accept, do and submit them. Its
//! pages live on the site's origin; requester HTML (HTMLQuestion, HIT layouts, QuestionForm
//! pages) is served from a second origin, the content origin, so that it never runs with the
//! site's cookies.

pub mod question_form;
pub mod task_html;
