//! "Nothing leaves this computer", for the CLI: `library add`, `index`, `index --watch` for 60 s
//! while a photo arrives, `people name`, `cluster` and `xmp export` run on the real models and
//! photos inside a network namespace that has only loopback, under strace (likeness-nettrace).
//! Any DNS query or any connection or datagram to an address outside loopback fails the test,
//! which prints what was attempted, by which thread and from which library.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use likeness_nettrace::{read_report, NetTracer, Report};
use likeness_testdata::{models_dir, repo_root, skip_or_fail};
use serde_json::Value;

struct Session {
    tracer: NetTracer,
    dir: PathBuf,
    catalog: PathBuf,
    step: usize,
    failures: Vec<String>,
}

impl Session {
    fn likeness(&self, args: &[&str]) -> Command {
        self.likeness_via(Command::new(env!("CARGO_BIN_EXE_likeness")), args)
    }

    /// `likeness args…` run by `cmd` (the CLI itself, or a wrapper whose last argument so far
    /// is the CLI), with the test's catalog and environment.
    fn likeness_via(&self, mut cmd: Command, args: &[&str]) -> Command {
        cmd.arg("--catalog")
            .arg(&self.catalog)
            .args(args)
            .env_remove("LIKENESS_MODELS_DIR")
            .env_remove("LIKENESS_ORT_LIBRARY")
            .env_remove("LIKENESS_CATALOG")
            // As on a user's machine: a developer's own switch must not hide a regression.
            .env_remove("ORT_DISABLE_TELEMETRY")
            // Where ONNX Runtime's telemetry would keep its offline event store.
            .env("XDG_CACHE_HOME", self.dir.join("xdg-cache"))
            .current_dir(&self.dir);
        cmd
    }

    /// Wraps `inner` for tracing; returns the command and its trace file.
    fn traced(&mut self, name: &str, inner: &Command) -> (Command, PathBuf) {
        self.step += 1;
        let trace = self.dir.join(format!("trace-{}-{name}.txt", self.step));
        let cmd = self
            .tracer
            .wrap(inner, &trace, &self.dir.join("nettrace"))
            .unwrap();
        (cmd, trace)
    }

    fn check(&mut self, name: &str, trace: &Path) -> Report {
        let report = read_report(trace).unwrap();
        println!("== {name} ({})\n{}", trace.display(), report.render());
        if !report.is_clean() {
            self.failures
                .push(format!("`likeness {name}`:\n{}", report.render()));
        }
        report
    }

    /// Runs `likeness args…` traced to the end; returns its stdout as JSON.
    fn run(&mut self, name: &str, args: &[&str]) -> Value {
        let inner = self.likeness(args);
        let (mut cmd, trace) = self.traced(name, &inner);
        let out = cmd.stderr(Stdio::piped()).output().unwrap();
        assert!(
            out.status.success(),
            "`likeness {name}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        self.check(name, &trace);
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }
}

#[test]
fn cli_sessions_make_no_outbound_attempt() {
    let tracer = match NetTracer::find() {
        Ok(t) => t.with_time_limit(Duration::from_secs(300)),
        Err(why) => return skip_or_fail(&format!("privacy harness unavailable: {why}")),
    };
    let dir = repo_root().join("target/test-tmp/cli-privacy");
    let _ = std::fs::remove_dir_all(&dir);
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let test_photos = models_dir().join("test_photos");
    for name in ["obama.jpg", "obama2.jpg", "biden.jpg"] {
        std::fs::copy(test_photos.join(name), photos.join(name)).unwrap();
    }
    let mut s = Session {
        tracer,
        catalog: dir.join("library/catalog.sqlite"),
        dir: dir.clone(),
        step: 0,
        failures: Vec::new(),
    };

    let photos_arg = photos.to_str().unwrap();
    s.run("library add", &["library", "add", "--json", photos_arg]);
    let index = s.run("index", &["index", "--json"]);
    assert_eq!(index["photos"], 3, "{index:#}");

    // `index --watch` for 60 s, with a photo arriving after 15 s. `timeout` ends it with
    // SIGINT, as Ctrl+C would.
    let mut timeout = Command::new("timeout");
    timeout
        .args(["-s", "INT", "60"])
        .arg(env!("CARGO_BIN_EXE_likeness"));
    let inner = s.likeness_via(timeout, &["index", "--watch", "--json"]);
    let (mut cmd, trace) = s.traced("index --watch", &inner);
    let started = Instant::now();
    let mut watcher = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = watcher.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    std::thread::sleep(Duration::from_secs(15));
    std::fs::copy(test_photos.join("obama3.jpg"), photos.join("obama3.jpg")).unwrap();
    let status = watcher.wait().unwrap();
    let ran = started.elapsed();
    let events = reader.join().unwrap();
    println!(
        "watch ran {ran:?}, {status}; events:\n{}",
        events.join("\n")
    );
    assert!(
        ran >= Duration::from_secs(59),
        "watch mode ended early: {ran:?}"
    );
    let indexed_one = events.iter().any(|e| {
        serde_json::from_str::<Value>(e)
            .is_ok_and(|v| v["event"] == "indexed" && v["data"]["analyzed"] == 1)
    });
    assert!(
        indexed_one,
        "the photo that arrived was not indexed: {events:?}"
    );
    s.check("index --watch", &trace);
    let status = s.run("status", &["status", "--json"]);
    assert_eq!(status["indexed"], 4, "{status:#}");

    let people = s.run("people list", &["people", "list", "--json"]);
    let list = people
        .as_array()
        .or_else(|| people["people"].as_array())
        .cloned()
        .unwrap_or_default();
    let obama = list
        .iter()
        .find(|p| p["faces"].as_u64().unwrap_or(0) >= 2)
        .unwrap_or_else(|| panic!("no cluster of two faces: {people:#}"));
    let id = format!("#{}", obama["id"]);
    s.run(
        "people name",
        &["people", "name", &id, "Barack Obama", "--json"],
    );
    s.run("cluster", &["cluster", "--json"]);
    let export = s.run("xmp export", &["xmp", "export", "--json"]);
    println!("xmp export: {export}");

    // ONNX Runtime's telemetry keeps an offline store (`onnxruntime.db` under
    // $XDG_CACHE_HOME) and a session file in the working folder; with telemetry off there are
    // none.
    let leftovers: Vec<String> = walk(&dir)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.contains("onnxruntime") || n.ends_with(".ses")
        })
        .map(|p| p.display().to_string())
        .collect();
    if !leftovers.is_empty() {
        s.failures.push(format!(
            "ONNX Runtime telemetry files were written: {leftovers:?}"
        ));
    }
    assert!(
        s.failures.is_empty(),
        "Likeness tried to reach the network:\n{}",
        s.failures.join("\n")
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}
