//! The sentences a worker reads about a question's rules: shown as help under the question,
//! handed to question-form.js (as `data-msg-*` attributes) and returned by the server's own
//! check, so the browser and the server always say the same thing.

pub fn required() -> String {
    "This question needs an answer.".to_string()
}

pub fn not_a_number() -> String {
    "Enter a number.".to_string()
}

pub fn number_range(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("Enter a number from {min} to {max}."),
        (Some(min), None) => format!("Enter a number of at least {min}."),
        (None, Some(max)) => format!("Enter a number of at most {max}."),
        (None, None) => not_a_number(),
    }
}

pub fn length(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) if min == max => format!("Enter exactly {}.", characters(min)),
        (Some(min), Some(max)) => format!("Enter {min} to {}.", characters(max)),
        (Some(min), None) => format!("Enter at least {}.", characters(min)),
        (None, Some(max)) => format!("Enter at most {}.", characters(max)),
        (None, None) => String::new(),
    }
}

fn characters(n: u64) -> String {
    if n == 1 {
        "1 character".to_string()
    } else {
        format!("{n} characters")
    }
}

pub fn count(min: u32, max: u32) -> String {
    let answers = |n: u32| {
        if n == 1 {
            "1 answer".to_string()
        } else {
            format!("{n} answers")
        }
    };
    if min == max {
        format!("Choose {}.", answers(max))
    } else if min == 0 {
        format!("Choose at most {}.", answers(max))
    } else {
        format!("Choose {min} to {}.", answers(max))
    }
}

pub fn unknown_choice() -> String {
    "One of the answers sent is not a choice of this question.".to_string()
}

pub fn other_text() -> String {
    "Type your answer in the box next to \"Other\".".to_string()
}

pub fn file_required() -> String {
    "Choose a file to upload.".to_string()
}

pub fn file_size(min: u64, max: u64) -> String {
    if min == 0 {
        format!("Choose a file of at most {max} bytes.")
    } else {
        format!("Choose a file of {min} to {max} bytes.")
    }
}
