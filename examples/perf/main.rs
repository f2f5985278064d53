//! The end-to-end figures of issue 5, measured against servers this program starts on
//! 127.0.0.1 (the release binary, so build it first), printed as one Markdown table:
//!
//!     cargo build --release && cargo run --release --example perf
//!
//! 1. loading 1,000 HITs x 20 at 25 ms latency, loader vs one HIT at a time, first rows;
//! 2. approving 2,000 with the decision runner vs one at a time;
//! 4. the console's peak memory with 100,000 assignments loaded (and how long
//!    `serve --generate 2000:50` took to make them);
//! 5. `--demo` start to the first complete frame;
//! 6. server throughput with 8 clients on a file database;
//! 7. the runner and the loader under throttling: by rate (an account limited to 50 calls/s)
//!    and at random (10% of calls), side by side;
//! 8. server throughput with signatures checked, beside unchecked;
//! 9. the worker site under 200 simulated workers, beside approvals in the same run.
//!
//! Figure 3 (drawing, moving, filtering, a 1 MB answer) is `cargo bench`. Name figures to run
//! only those (`cargo run --release --example perf -- 4 5`). A full run takes about five
//! minutes: the one-at-a-time baselines are slow on purpose.

mod answers;
mod approve;
mod console;
mod load;
mod serve;
mod signatures;
mod table;
mod temp;
mod throttling;
mod throughput;
mod worker_site;

use anyhow::Result;

#[tokio::main]
async fn main() -> Result<()> {
    serve::binary()?;
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |n: &str| chosen.is_empty() || chosen.iter().any(|c| c == n);
    let mut table = table::Table::default();
    if wanted("1") {
        eprintln!("figure 1: loading…");
        load::figure(&mut table).await?;
    }
    if wanted("2") {
        eprintln!("figure 2: approving…");
        approve::figure(&mut table).await?;
    }
    if wanted("4") {
        eprintln!("figure 4: console memory…");
        tokio::task::block_in_place(|| console::memory(&mut table))?;
    }
    if wanted("5") {
        eprintln!("figure 5: demo start…");
        tokio::task::block_in_place(|| console::demo_start(&mut table))?;
    }
    if wanted("6") {
        eprintln!("figure 6: server throughput…");
        throughput::figure(&mut table).await?;
    }
    if wanted("7") {
        eprintln!("figure 7: throttling…");
        throttling::figure(&mut table).await?;
    }
    if wanted("8") {
        eprintln!("figure 8: signatures checked…");
        signatures::figure(&mut table).await?;
    }
    if wanted("9") {
        eprintln!("figure 9: the worker site…");
        worker_site::figure(&mut table).await?;
    }
    println!();
    table.print();
    Ok(())
}
