//! `likeness-nettrace [--trace FILE] -- PROGRAM [ARGS…]`: runs PROGRAM with no network but
//! loopback, under strace, and prints every attempt it made to reach the network (DNS queries
//! included) and which thread and library made it. Exits 0 when there was none, 1 when there
//! was, 2 when the harness could not run. Needs root (a network namespace) and strace.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use likeness_nettrace::{read_report, NetTracer};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut trace: Option<PathBuf> = None;
    if args.first().map(String::as_str) == Some("--trace") && args.len() > 1 {
        trace = Some(PathBuf::from(args.remove(1)));
        args.remove(0);
    }
    if args.first().map(String::as_str) == Some("--") {
        args.remove(0);
    }
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: likeness-nettrace [--trace FILE] -- PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let tracer = match NetTracer::find() {
        Ok(t) => t,
        Err(why) => {
            eprintln!("likeness-nettrace: {why}");
            return ExitCode::from(2);
        }
    };
    let work = std::env::temp_dir().join(format!("likeness-nettrace-{}", std::process::id()));
    let trace = trace.unwrap_or_else(|| work.join("trace.txt"));
    let mut inner = Command::new(program);
    inner.args(rest);
    let status = tracer
        .wrap(&inner, &trace, &work)
        .and_then(|mut cmd| cmd.status());
    match status {
        Ok(s) => eprintln!("likeness-nettrace: {program} ended: {s}"),
        Err(e) => {
            eprintln!("likeness-nettrace: could not run {program}: {e}");
            return ExitCode::from(2);
        }
    }
    let report = match read_report(&trace) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("likeness-nettrace: reading {}: {e}", trace.display());
            return ExitCode::from(2);
        }
    };
    print!("{}", report.render());
    println!("trace: {}", trace.display());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
