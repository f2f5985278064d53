//! QuestionForm XML: parsed, rendered as an accessible HTML form, and its submitted fields
//! checked and written as MTurk's QuestionFormAnswers.
