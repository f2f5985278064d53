//! The `mturk-review` binary: the review console (default) or `serve`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
