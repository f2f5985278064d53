//! Tests of parsing, rendering and answering QuestionForms.
