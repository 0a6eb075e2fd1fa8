//! The harness on real programs: a DNS lookup and a connection to an outside address are
//! caught and attributed, loopback is allowed. Nothing can leave: no interface of the network
//! namespace is connected outside it (and the outside address is TEST-NET-2, 198.51.100.7,
//! which is never routed anyway).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::process::Command;
use std::time::Duration;

use likeness_nettrace::{read_report, AttemptKind, NetTracer};

fn tracer() -> Option<NetTracer> {
    match NetTracer::find() {
        Ok(t) => Some(t.with_time_limit(Duration::from_secs(60))),
        Err(why) => {
            likeness_testdata::skip_or_fail(&format!("privacy harness unavailable: {why}"));
            None
        }
    }
}

fn work(name: &str) -> std::path::PathBuf {
    let dir = likeness_testdata::repo_root()
        .join("target/test-tmp")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn catches_a_dns_lookup_and_an_outside_connection_with_who_made_them() {
    let Some(tracer) = tracer() else { return };
    let dir = work("nettrace-canary");
    let mut inner = Command::new("bash");
    // A lookup of a name that exists nowhere, then a TCP connection to an outside address,
    // then one to loopback (refused: nobody listens), from a child process.
    inner.args([
        "-c",
        "getent hosts canary.likeness.invalid; \
         (exec 3<>/dev/tcp/198.51.100.7/443) 2>/dev/null; \
         (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; true",
    ]);
    let trace = dir.join("trace.txt");
    let status = tracer.wrap(&inner, &trace, &dir).unwrap().status().unwrap();
    assert!(status.success(), "{status}");
    let report = read_report(&trace).unwrap();
    println!("{}", report.render());
    let dns: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.kind == AttemptKind::DnsQuery)
        .collect();
    assert!(!dns.is_empty(), "the DNS query was not caught");
    assert_eq!(dns[0].dns_name.as_deref(), Some("canary.likeness.invalid"));
    assert!(dns[0].process.starts_with("getent["), "{}", dns[0].process);
    assert!(
        dns[0].library.is_some(),
        "no library from the stack: {:?}",
        dns[0].stack
    );
    let outside: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.kind == AttemptKind::Outbound)
        .collect();
    assert_eq!(outside.len(), 1, "{}", report.render());
    assert_eq!(outside[0].destination.to_string(), "198.51.100.7:443");
    assert!(outside[0].result.starts_with("-1"), "{}", outside[0]);
    assert!(
        outside[0].process.starts_with("bash["),
        "{}",
        outside[0].process
    );
    assert_eq!(report.loopback.get("127.0.0.1:9"), Some(&1));
    assert_eq!(report.programs.get("getent"), Some(&1));
}

#[test]
fn a_program_that_stays_on_loopback_is_clean_and_a_time_limit_ends_a_hung_one() {
    let Some(tracer) = tracer() else { return };
    let dir = work("nettrace-clean");
    let mut inner = Command::new("bash");
    inner.args(["-c", "(exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; true"]);
    let trace = dir.join("trace.txt");
    assert!(tracer
        .wrap(&inner, &trace, &dir)
        .unwrap()
        .status()
        .unwrap()
        .success());
    let report = read_report(&trace).unwrap();
    assert!(report.is_clean(), "{}", report.render());
    assert_eq!(report.loopback.values().sum::<usize>(), 1);

    let mut hung = Command::new("sleep");
    hung.arg("600");
    let started = std::time::Instant::now();
    let status = tracer
        .with_time_limit(Duration::from_secs(2))
        .wrap(&hung, &dir.join("hung.txt"), &dir)
        .unwrap()
        .status()
        .unwrap();
    assert!(!status.success());
    assert!(started.elapsed() < Duration::from_secs(30));
}
