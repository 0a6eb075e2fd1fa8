//! The privacy harness: runs a program where the network cannot be reached, and records every
//! attempt it (or any process or thread it starts) makes to reach it anyway.
//!
//! How: `unshare --net --mount` gives the program a network namespace of its own and a private
//! mount table, in which `/etc/resolv.conf` is bind-mounted to a file naming `127.0.0.1` as the
//! only name server. The namespace looks online — loopback, plus a veth pair whose both ends
//! are inside it with an address and a default route (TEST-NET-1) — because a program may check
//! for a network before it talks (a telemetry uploader does), but nothing is connected to the
//! outside: nothing can leave. Inside it, `strace -f` records `connect`, `sendto`, `sendmsg`
//! and `sendmmsg` of every process and thread (with `-k`, the stack that made the call), and the
//! `clone`s and `execve`s that say which program each thread belongs to. Nothing is lost
//! quietly: a DNS lookup of any name goes to `127.0.0.1:53`, where strace sees the query
//! itself, and a connection to any other address is seen before it fails.
//!
//! [`parse`] turns the trace into a [`Report`]: loopback traffic (WebDriver, the app's own
//! IPC) is counted and allowed; any DNS query (port 53 or multicast DNS on any address) and any
//! connection or datagram to an address outside loopback is an [`Attempt`], with the thread's
//! name, the library that made the call (the first stack frame outside libc) and, for DNS, the
//! name that was looked up.
//!
//! It needs root (a network namespace and a veth pair), `strace` built with stack unwinding
//! (Debian's is), `unshare` and `mount` (util-linux) and `ip` (iproute2). It
//! knows nothing about Likeness: it traces whatever [`std::process::Command`] it is given.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The system calls traced: every way a process hands a packet or a connection to the kernel,
/// and the calls that make processes and threads and start programs (to say who is who).
pub const TRACED_CALLS: &str = "connect,sendto,sendmsg,sendmmsg,execve,clone,clone3,fork,vfork";

/// Finds the tools and wraps commands so they run traced without a network.
#[derive(Debug, Clone)]
pub struct NetTracer {
    strace: PathBuf,
    unshare: PathBuf,
    ip: PathBuf,
    stacks: bool,
    limit: Option<std::time::Duration>,
}

/// Why the harness cannot run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for d in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        dirs.push(PathBuf::from(d));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Variables by which programs tell they run under continuous integration. They are removed from
/// the traced program's environment: telemetry uploaders switch themselves off under CI (ONNX
/// Runtime 1.32 does when `CI` is set), and a trace must show what a user's machine would do.
pub const CI_MARKERS: &[&str] = &[
    "CI",
    "CONTINUOUS_INTEGRATION",
    "BUILD_NUMBER",
    "RUN_ID",
    "TF_BUILD",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CIRCLECI",
    "TRAVIS",
    "JENKINS_URL",
    "BUILDKITE",
    "TEAMCITY_VERSION",
];

/// The shell script run inside the new namespaces: loopback up; a namespace that looks online
/// (a veth pair whose both ends are inside it, an address and a default route to a gateway
/// that answers nobody — TEST-NET-1, RFC 5737), so that a program that checks for a network
/// before it talks still tries; our resolv.conf in place; then `exec strace … -- program
/// args…` (all of it in `"$@"`). Nothing can leave: no interface of the namespace is connected
/// to anything outside it.
const INSIDE: &str = "set -e; ip=\"$NETTRACE_IP\"; \
     \"$ip\" link set lo up; \
     \"$ip\" link add nettrace0 type veth peer name nettrace1; \
     \"$ip\" addr add 192.0.2.2/24 dev nettrace0; \
     \"$ip\" link set nettrace0 up; \"$ip\" link set nettrace1 up; \
     \"$ip\" route add default via 192.0.2.1; \
     mount --bind \"$NETTRACE_RESOLV\" /etc/resolv.conf; \
     unset NETTRACE_IP NETTRACE_RESOLV ip; exec \"$@\"";

impl NetTracer {
    /// Finds `strace`, `unshare` and `ip`, and checks that a network namespace can be made.
    pub fn find() -> Result<Self, Unavailable> {
        let need = |name: &str, package: &str| {
            find_program(name).ok_or_else(|| {
                Unavailable(format!(
                    "`{name}` not found (Debian package {package}; scripts/setup.sh installs it)"
                ))
            })
        };
        let tracer = Self {
            strace: need("strace", "strace")?,
            unshare: need("unshare", "util-linux")?,
            ip: need("ip", "iproute2")?,
            stacks: true,
            limit: None,
        };
        // One folder per call: tests in one process probe at the same time, and one's clean-up
        // must not delete the trace file another strace is about to open.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let probe_dir = std::env::temp_dir().join(format!(
            "nettrace-probe-{}-{}",
            std::process::id(),
            PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut probe = tracer
            .wrap(
                &Command::new("true"),
                &probe_dir.join("trace.txt"),
                &probe_dir,
            )
            .map_err(|e| Unavailable(format!("preparing {}: {e}", probe_dir.display())))?;
        let probe = probe
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| Unavailable(format!("running unshare: {e}")))?;
        let _ = std::fs::remove_dir_all(&probe_dir);
        if !probe.status.success() {
            return Err(Unavailable(format!(
                "cannot make a traced network namespace here (needs root, veth): {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            )));
        }
        Ok(tracer)
    }

    /// Whether to record the stack of every traced call (`strace -k`; on by default), which
    /// names the library that made a call. Unwinding costs milliseconds per call: a WebKit
    /// window sends thousands of IPC messages (`sendmsg` on Unix sockets) and becomes
    /// unusable, so GUI sessions turn it off and are attributed by process and thread.
    pub fn with_stacks(mut self, stacks: bool) -> Self {
        self.stacks = stacks;
        self
    }

    /// Ends the traced program (and its process group) after `limit` (`timeout -k 10`), so a
    /// hung session cannot hang the caller.
    pub fn with_time_limit(mut self, limit: std::time::Duration) -> Self {
        self.limit = Some(limit);
        self
    }

    /// A command that runs `inner` (its program, arguments, environment and working folder,
    /// less the [`CI_MARKERS`]) without a network, under strace, writing the trace to `trace`. `work` receives the
    /// resolv.conf that points DNS at loopback. Set the returned command's stdio and spawn it.
    ///
    /// To stop a long-running program after a while, give it a way to end on its own (for
    /// example wrap it in `timeout -s INT 60 …`): signals sent to the returned command's process
    /// reach `unshare`, not the program.
    pub fn wrap(&self, inner: &Command, trace: &Path, work: &Path) -> std::io::Result<Command> {
        std::fs::create_dir_all(work)?;
        let resolv = work.join("resolv.conf");
        std::fs::write(
            &resolv,
            "# likeness-nettrace: every DNS query goes to loopback, where strace records it\n\
             nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        )?;
        let mut cmd = Command::new(&self.unshare);
        cmd.args(["--net", "--mount", "--fork", "--kill-child", "--"])
            .arg("/bin/sh")
            .arg("-c")
            .arg(INSIDE)
            .arg("nettrace")
            .arg(&self.strace)
            // -f: every process and thread; -qq: no attach/exit chatter; -Y: thread names;
            // -x: non-ASCII bytes as \x escapes; -s: enough bytes to read a DNS query;
            // --seccomp-bpf: only the traced calls stop the tracee.
            .args(["-f", "-qq", "-Y", "-x", "-s", "512", "-ttt"])
            .args(self.stacks.then_some("-k"))
            .arg("--seccomp-bpf")
            .args(["-e", &format!("trace={TRACED_CALLS}"), "-e", "signal=none"])
            .arg("-o")
            .arg(trace)
            .arg("--");
        if let Some(limit) = self.limit {
            cmd.args(["timeout", "-k", "10"])
                .arg(format!("{}", limit.as_secs().max(1)));
        }
        cmd.arg(inner.get_program())
            .args(inner.get_args())
            .env("NETTRACE_IP", &self.ip)
            .env("NETTRACE_RESOLV", &resolv);
        for (key, value) in inner.get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        for marker in CI_MARKERS {
            cmd.env_remove(marker);
        }
        if let Some(dir) = inner.get_current_dir() {
            cmd.current_dir(dir);
        }
        Ok(cmd)
    }
}

/// Where a traced call was going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `AF_INET` or `AF_INET6`: the address as strace prints it, and the port.
    Ip { address: String, port: u16 },
    /// Any other family that leaves the machine (`AF_PACKET`, …), by name.
    Other(String),
}

impl Destination {
    fn is_loopback(&self) -> bool {
        match self {
            Destination::Ip { address, .. } => {
                address.starts_with("127.")
                    || address == "::1"
                    || address.starts_with("::ffff:127.")
            }
            Destination::Other(_) => false,
        }
    }

    fn is_dns(&self) -> bool {
        matches!(
            self,
            Destination::Ip {
                port: 53 | 5353,
                ..
            }
        )
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Ip { address, port } if address.contains(':') => {
                write!(f, "[{address}]:{port}")
            }
            Destination::Ip { address, port } => write!(f, "{address}:{port}"),
            Destination::Other(family) => f.write_str(family),
        }
    }
}

/// What kind of forbidden attempt it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptKind {
    /// A name lookup sent to a DNS server (any address, port 53) or multicast DNS (5353).
    DnsQuery,
    /// A connection or datagram to an address outside loopback.
    Outbound,
}

/// One forbidden attempt to reach the network.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub kind: AttemptKind,
    /// Thread id, as strace saw it.
    pub tid: u32,
    /// The thread's name (`/proc/TID/comm`) when the call was made.
    pub thread: String,
    /// The program the thread belongs to and its process id, e.g. `likeness-desktop[2716]`.
    pub process: String,
    /// `connect`, `sendto`, `sendmsg` or `sendmmsg`.
    pub call: String,
    pub destination: Destination,
    /// For a DNS query: the name looked up, when the query's bytes were seen.
    pub dns_name: Option<String>,
    /// What the call returned (`0`, `-1 ENETUNREACH (Network is unreachable)`, …).
    pub result: String,
    /// The first library on the stack outside the C library: who asked.
    pub library: Option<String>,
    /// The innermost frames of the stack, as strace printed them.
    pub stack: Vec<String>,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (self.kind, &self.dns_name) {
            (AttemptKind::DnsQuery, Some(name)) => format!("DNS query for {name}"),
            (AttemptKind::DnsQuery, None) => "DNS query".to_string(),
            (AttemptKind::Outbound, _) => "outbound".to_string(),
        };
        write!(
            f,
            "{what}: {}({}) = {} by thread \"{}\" (tid {}) of {}",
            self.call, self.destination, self.result, self.thread, self.tid, self.process,
        )?;
        if let Some(lib) = &self.library {
            write!(f, ", called from {lib}")?;
        }
        for frame in &self.stack {
            write!(f, "\n      {frame}")?;
        }
        Ok(())
    }
}

/// What a trace holds.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every forbidden attempt, in order.
    pub attempts: Vec<Attempt>,
    /// Calls to loopback addresses (allowed), by destination.
    pub loopback: BTreeMap<String, usize>,
    /// Calls on local sockets (Unix, netlink) and on sockets connected earlier, allowed.
    pub local_calls: usize,
    /// Thread names seen making any traced network call.
    pub threads: BTreeMap<String, usize>,
    /// Programs started in the traced session (by file name), with how many processes ran each.
    pub programs: BTreeMap<String, usize>,
}

impl Report {
    /// True when nothing tried to reach the network.
    pub fn is_clean(&self) -> bool {
        self.attempts.is_empty()
    }

    /// A multi-line account: what was attempted and by whom, then what was allowed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.attempts.is_empty() {
            out.push_str("no outbound attempt (no DNS query, no connection outside loopback)\n");
        } else {
            out.push_str(&format!("{} outbound attempt(s):\n", self.attempts.len()));
            for a in &self.attempts {
                out.push_str(&format!("  - {a}\n"));
            }
        }
        let loopback: usize = self.loopback.values().sum();
        out.push_str(&format!(
            "allowed: {loopback} call(s) to loopback, {} on local or already-connected sockets\n",
            self.local_calls
        ));
        for (dest, n) in &self.loopback {
            out.push_str(&format!("  loopback {dest}: {n}\n"));
        }
        let threads: Vec<String> = self
            .threads
            .iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect();
        out.push_str(&format!(
            "threads that made traced calls: {}\n",
            threads.join(", ")
        ));
        let programs: Vec<String> = self
            .programs
            .iter()
            .map(|(p, n)| format!("{p} ({n})"))
            .collect();
        out.push_str(&format!("programs traced: {}\n", programs.join(", ")));
        out
    }
}

/// Reads the trace file strace wrote.
pub fn read_report(trace: &Path) -> std::io::Result<Report> {
    Ok(parse(&std::fs::read_to_string(trace)?))
}

/// One finished call: the text of the call with its result, and its stack.
#[derive(Debug)]
struct Call {
    tid: u32,
    thread: String,
    text: String,
    stack: Vec<String>,
}

impl Call {
    /// The system call's name (`connect`, `clone3`, …).
    fn name(&self) -> &str {
        self.text.split('(').next().unwrap_or("").trim()
    }

    /// What it returned, as strace printed it (`0`, `-1 ENETUNREACH (…)`, `3485<bash>`).
    fn result(&self) -> Option<&str> {
        self.text.rsplit_once(") = ").map(|(_, r)| r.trim())
    }
}

/// Parses `strace -f -Y -k -x` output into a report.
pub fn parse(trace: &str) -> Report {
    let mut calls: Vec<Call> = Vec::new();
    let mut pending: HashMap<u32, String> = HashMap::new();
    for line in trace.lines() {
        if let Some(frame) = line.strip_prefix(" > ") {
            if let Some(last) = calls.last_mut() {
                last.stack.push(frame.trim().to_string());
            }
            continue;
        }
        let Some((tid, thread, rest)) = split_prefix(line) else {
            continue;
        };
        // `-ttt`: a timestamp before the call.
        let rest = match rest.split_once(' ') {
            Some((ts, r))
                if ts.contains('.') && ts.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                r
            }
            _ => rest,
        };
        if rest.starts_with("+++") || rest.starts_with("---") {
            continue;
        }
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let tail = resumed.split_once("resumed>").map(|(_, t)| t).unwrap_or("");
            let head = pending.remove(&tid).unwrap_or_default();
            calls.push(Call {
                tid,
                thread,
                text: format!("{head}{tail}"),
                stack: Vec::new(),
            });
            continue;
        }
        if let Some(head) = rest.strip_suffix("<unfinished ...>") {
            pending.insert(tid, head.trim_end().to_string());
            continue;
        }
        calls.push(Call {
            tid,
            thread,
            text: rest.to_string(),
            stack: Vec::new(),
        });
    }

    let mut report = Report::default();
    let processes = Processes::from_calls(&calls);
    for (program, pids) in &processes.programs {
        report.programs.insert(program.clone(), pids.len());
    }
    // Sockets (by thread and descriptor) connected to a DNS server: what is sent on them next
    // is the query, whose name we read.
    let mut dns_sockets: HashMap<(u32, String), usize> = HashMap::new();
    for (index, call) in calls.into_iter().enumerate() {
        let name = call.name().to_string();
        if PROCESS_CALLS.contains(&name.as_str()) {
            continue;
        }
        *report.threads.entry(call.thread.clone()).or_default() += 1;
        let fd = call
            .text
            .split_once('(')
            .and_then(|(_, a)| a.split([',', ')']).next())
            .unwrap_or("")
            .trim()
            .to_string();
        let result = call.result().unwrap_or("?").to_string();
        let destination = destination(&call.text);
        let library = call
            .stack
            .iter()
            .filter_map(|f| frame_library(f))
            .find(|lib| !is_c_library(lib));
        let stack: Vec<String> = call.stack.iter().take(8).cloned().collect();
        match destination {
            Some(dest) if dest.is_loopback() && !dest.is_dns() => {
                *report.loopback.entry(dest.to_string()).or_default() += 1;
            }
            Some(dest) => {
                let kind = if dest.is_dns() {
                    AttemptKind::DnsQuery
                } else {
                    AttemptKind::Outbound
                };
                let dns_name = if kind == AttemptKind::DnsQuery {
                    dns_query_name(&call.text)
                } else {
                    None
                };
                if kind == AttemptKind::DnsQuery && name == "connect" {
                    dns_sockets.insert((call.tid, fd), report.attempts.len());
                }
                report.attempts.push(Attempt {
                    kind,
                    tid: call.tid,
                    process: processes.describe(call.tid, index),
                    thread: call.thread,
                    call: name,
                    destination: dest,
                    dns_name,
                    result,
                    library,
                    stack,
                });
            }
            None => {
                // A local socket, or a send on a socket connected before: if that was a DNS
                // server, this is the query; name the attempt after it.
                if let Some(&index) = dns_sockets.get(&(call.tid, fd)) {
                    if let Some(q) = dns_query_name(&call.text) {
                        let attempt = &mut report.attempts[index];
                        if attempt.dns_name.is_none() {
                            attempt.dns_name = Some(q);
                        }
                    }
                }
                report.local_calls += 1;
            }
        }
    }
    report
}

/// Calls traced to know processes, not network use.
const PROCESS_CALLS: &[&str] = &["execve", "clone", "clone3", "fork", "vfork"];

/// Which process each thread belongs to, and which program each process ran when.
#[derive(Debug, Default)]
struct Processes {
    /// Thread id → process id (the thread group).
    process_of: HashMap<u32, u32>,
    /// Process id → its parent process.
    parent: HashMap<u32, u32>,
    /// Process id → (index of the call, program file name) for each successful execve.
    programs_of: HashMap<u32, Vec<(usize, String)>>,
    /// Program → the processes that ran it.
    programs: BTreeMap<String, std::collections::BTreeSet<u32>>,
}

impl Processes {
    fn from_calls(calls: &[Call]) -> Self {
        let mut p = Self::default();
        // Threads and processes first: a child's own calls can come before its parent's
        // clone returns in the trace.
        for call in calls {
            if !matches!(call.name(), "clone" | "clone3" | "fork" | "vfork") {
                continue;
            }
            let Some(child) = call.result().and_then(|r| {
                // `3485` or, with -Y, `3485<bash>`.
                let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<u32>().ok()
            }) else {
                continue;
            };
            let parent_process = p.process(call.tid);
            if call.text.contains("CLONE_THREAD") {
                p.process_of.insert(child, parent_process);
            } else {
                p.process_of.insert(child, child);
                p.parent.insert(child, parent_process);
            }
        }
        for (index, call) in calls.iter().enumerate() {
            if call.name() != "execve" || call.result() != Some("0") {
                continue;
            }
            let Some(path) = quoted_after(&call.text, "execve(") else {
                continue;
            };
            let program = Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(path);
            let process = p.process(call.tid);
            p.programs_of
                .entry(process)
                .or_default()
                .push((index, program.clone()));
            p.programs.entry(program).or_default().insert(process);
        }
        p
    }

    fn process(&self, tid: u32) -> u32 {
        self.process_of.get(&tid).copied().unwrap_or(tid)
    }

    /// The program process `pid` ran at call `index`: its last execve before, else what its
    /// parent ran (a fork runs its parent's program until it execs).
    fn program_at(&self, pid: u32, index: usize) -> Option<&str> {
        let mut pid = pid;
        for _ in 0..64 {
            let history = self.programs_of.get(&pid);
            if let Some(h) = history {
                if let Some((_, name)) = h.iter().rev().find(|(i, _)| *i <= index) {
                    return Some(name);
                }
                if let Some((_, name)) = h.first() {
                    return Some(name);
                }
            }
            pid = *self.parent.get(&pid)?;
        }
        None
    }

    fn describe(&self, tid: u32, index: usize) -> String {
        let pid = self.process(tid);
        let program = self.program_at(pid, index).unwrap_or("an unknown program");
        format!("{program}[{pid}]")
    }
}

/// `1234<thread name> rest` or `1234 rest` → (tid, name, rest).
fn split_prefix(line: &str) -> Option<(u32, String, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let tid: u32 = line[..digits].parse().ok()?;
    let rest = &line[digits..];
    if let Some(after) = rest.strip_prefix('<') {
        let end = after.find("> ")?;
        let thread = unescape(&after[..end]);
        Some((
            tid,
            String::from_utf8_lossy(&thread).into_owned(),
            after[end + 2..].trim_start(),
        ))
    } else {
        Some((tid, String::new(), rest.trim_start()))
    }
}

/// The internet (or other non-local) address in a call, if it names one.
fn destination(text: &str) -> Option<Destination> {
    let family_at = text.find("sa_family=")?;
    let family = &text[family_at + "sa_family=".len()..];
    let family_name: String = family
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let port = |key: &str| -> u16 {
        family
            .find(key)
            .and_then(|i| {
                let s = &family[i + key.len()..];
                s.split(')').next()?.parse().ok()
            })
            .unwrap_or(0)
    };
    match family_name.as_str() {
        "AF_INET" => {
            let address = quoted_after(family, "inet_addr(")?;
            Some(Destination::Ip {
                address,
                port: port("sin_port=htons("),
            })
        }
        "AF_INET6" => {
            let address = quoted_after(family, "inet_pton(AF_INET6, ")?;
            Some(Destination::Ip {
                address,
                port: port("sin6_port=htons("),
            })
        }
        "AF_UNIX" | "AF_LOCAL" | "AF_NETLINK" | "AF_UNSPEC" => None,
        other => Some(Destination::Other(other.to_string())),
    }
}

/// The string literal that follows `key`, unescaped.
fn quoted_after(text: &str, key: &str) -> Option<String> {
    let start = text.find(key)? + key.len();
    let literal = text[start..].strip_prefix('"')?;
    let end = literal_end(literal)?;
    Some(String::from_utf8_lossy(&unescape(&literal[..end])).into_owned())
}

/// Index of the closing quote of a C string literal body.
fn literal_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Undoes strace's C-style escapes (`\xHH`, `\n`, `\t`, `\"`, `\\`, octal).
fn unescape(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let c = bytes[i + 1];
        match c {
            b'x' => {
                let hex = s.get(i + 2..i + 4).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 4;
                    }
                    Err(_) => {
                        out.push(c);
                        i += 2;
                    }
                }
            }
            b'0'..=b'7' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                let v = u32::from_str_radix(&s[i + 1..i + 1 + digits], 8).unwrap_or(0);
                out.push(v as u8);
                i += 1 + digits;
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            b'r' => {
                out.push(b'\r');
                i += 2;
            }
            b'v' => {
                out.push(0x0b);
                i += 2;
            }
            b'f' => {
                out.push(0x0c);
                i += 2;
            }
            other => {
                out.push(other);
                i += 2;
            }
        }
    }
    out
}

/// The first DNS question name in any string literal of the call (a sendto's buffer, or an
/// `iov_base` of sendmsg/sendmmsg).
fn dns_query_name(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let body = &rest[start + 1..];
        let end = literal_end(body)?;
        if let Some(name) = question_name(&unescape(&body[..end])) {
            return Some(name);
        }
        rest = &body[end + 1..];
    }
    None
}

/// Reads the QNAME of a DNS message with one question.
fn question_name(packet: &[u8]) -> Option<String> {
    if packet.len() < 17 || packet[4..6] != [0, 1] {
        return None;
    }
    let mut labels = Vec::new();
    let mut i = 12;
    loop {
        let len = *packet.get(i)? as usize;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        let label = packet.get(i + 1..i + 1 + len)?;
        if !label
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        {
            return None;
        }
        labels.push(String::from_utf8_lossy(label).into_owned());
        i += 1 + len;
    }
    (!labels.is_empty()).then(|| labels.join("."))
}

/// `/usr/lib/x86_64-linux-gnu/libc.so.6(__connect+0x10) [0x10a7c0]` → `libc.so.6`.
fn frame_library(frame: &str) -> Option<String> {
    let path = frame.split(['(', ' ']).next()?;
    let name = Path::new(path).file_name()?.to_str()?;
    (!name.is_empty()).then(|| name.to_string())
}

fn is_c_library(lib: &str) -> bool {
    [
        "libc.so",
        "libc-",
        "libpthread",
        "ld-linux",
        "libresolv",
        "libnss_",
    ]
    .iter()
    .any(|p| lib.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = r#"7835<python3> 1733450000.100000 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__connect+0x10) [0x10a7c0]
7835<python3> 1733450000.100100 connect(3, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
7900<onnxruntime> 1733450000.2 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__connect+0x10) [0x10a7c0]
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__res_context_send+0x1fb) [0x12f5cb]
 > /work/models/runtime/libonnxruntime.so.1.32.0(OrtGetApiBase+0x123) [0x1000]
7900<onnxruntime> 1733450000.3 sendmmsg(5, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="\xc5\xb9\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06mobile\x06events\x04data\x09microsoft\x03com\x00\x00\x01\x00\x01", iov_len=50}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=50}], 2, MSG_NOSIGNAL) = 2
7901<tokio-rt> 1733450000.4 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2603:1030::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>
7835<python3> 1733450000.5 connect(4, {sa_family=AF_INET6, sin6_port=htons(9000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0
7901<tokio-rt> 1733450000.6 <... connect resumed>) = -1 ENETUNREACH (Network is unreachable)
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__connect+0x10) [0x10a7c0]
 > /usr/lib/libwebkit2gtk-4.1.so.0(+0x1234) [0x1234]
7835<python3> 1733450000.7 +++ exited with 0 +++
"#;

    #[test]
    fn finds_dns_queries_and_outbound_connections_and_allows_loopback() {
        let report = parse(TRACE);
        assert_eq!(report.attempts.len(), 2, "{}", report.render());
        let dns = &report.attempts[0];
        assert_eq!(dns.kind, AttemptKind::DnsQuery);
        assert_eq!(
            dns.dns_name.as_deref(),
            Some("mobile.events.data.microsoft.com")
        );
        assert_eq!(dns.thread, "onnxruntime");
        assert_eq!(dns.library.as_deref(), Some("libonnxruntime.so.1.32.0"));
        let out = &report.attempts[1];
        assert_eq!(out.kind, AttemptKind::Outbound);
        assert_eq!(
            out.destination,
            Destination::Ip {
                address: "2603:1030::1".into(),
                port: 443
            }
        );
        assert!(out.result.contains("ENETUNREACH"));
        assert_eq!(out.library.as_deref(), Some("libwebkit2gtk-4.1.so.0"));
        assert_eq!(report.loopback.get("127.0.0.1:4444"), Some(&1));
        assert_eq!(report.loopback.get("[::1]:9000"), Some(&1));
        assert!(!report.is_clean());
        let text = report.render();
        assert!(text.contains("DNS query for mobile.events.data.microsoft.com"));
    }

    #[test]
    fn a_trace_with_only_local_traffic_is_clean() {
        let trace = "10<likeness> connect(3, {sa_family=AF_UNIX, sun_path=\"/tmp/.X11-unix/X99\"}, 20) = 0\n\
                     10<likeness> sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"abc\", iov_len=3}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 3\n\
                     11<WebKitWebDriver> connect(9, {sa_family=AF_INET, sin_port=htons(4445), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)\n";
        let report = parse(trace);
        assert!(report.is_clean(), "{}", report.render());
        assert_eq!(report.local_calls, 2);
        assert_eq!(report.threads.get("likeness"), Some(&2));
    }

    #[test]
    fn a_dns_query_to_loopback_is_still_a_dns_query() {
        let trace = "5<x> sendto(3, \"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03org\\x00\\x00\\x01\\x00\\x01\", 29, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"127.0.0.53\")}, 16) = 29\n";
        let report = parse(trace);
        assert_eq!(report.attempts.len(), 1);
        assert_eq!(report.attempts[0].dns_name.as_deref(), Some("example.org"));
    }

    #[test]
    fn unescapes_strace_literals() {
        assert_eq!(unescape(r#"a\x41\n\"\\\101"#), b"aA\n\"\\A");
    }
}
