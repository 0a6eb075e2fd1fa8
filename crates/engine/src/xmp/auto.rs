//! The automatic export: debounced, on its own catalog connection, in a background thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use likeness_catalog::Catalog;

use super::export::{export, ExportScope, ExportSummary};
use super::XmpOptions;
use crate::clock::Clock;
use crate::error::EngineError;

enum Message {
    Poke,
    Flush(Sender<Result<ExportSummary, EngineError>>),
    Stop,
}

/// Exports the photos the catalog marked (`xmp_dirty`) once edits have been quiet for the
/// debounce time. Front ends call [`XmpAutoExport::poke`] after each people edit (and after
/// clustering); the marks themselves are made by the catalog, so nothing is missed if a poke
/// is. [`XmpAutoExport::flush`] exports now and waits; dropping it exports what is pending
/// and stops the thread.
///
/// It opens its own read-write connection per run (`Catalog::open_another_writer`), so it
/// can run beside an indexer or the UI's connection (SQLite's busy timeout serialises the
/// writes).
#[derive(Debug)]
pub struct XmpAutoExport {
    tx: Sender<Message>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Poke => "Poke",
            Message::Flush(_) => "Flush",
            Message::Stop => "Stop",
        })
    }
}

impl XmpAutoExport {
    /// Starts the background thread for the catalog at `catalog_path`.
    pub fn start(
        catalog_path: &Path,
        options: XmpOptions,
        debounce: Duration,
        clock: Arc<dyn Clock>,
    ) -> XmpAutoExport {
        let (tx, rx) = mpsc::channel::<Message>();
        let path: PathBuf = catalog_path.to_path_buf();
        let options = XmpOptions {
            dry_run: false,
            ..options
        };
        let handle = std::thread::Builder::new()
            .name("xmp-auto-export".into())
            .spawn(move || {
                let run = || run_once(&path, &options, clock.as_ref());
                let mut due: Option<Instant> = None;
                loop {
                    let message = match due {
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                        Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                    };
                    match message {
                        Ok(Message::Poke) => due = Some(Instant::now() + debounce),
                        Ok(Message::Flush(reply)) => {
                            due = None;
                            let _ = reply.send(run());
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            due = None;
                            log(run());
                        }
                        Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => {
                            if due.is_some() {
                                log(run());
                            }
                            break;
                        }
                    }
                }
            })
            .ok();
        if handle.is_none() {
            tracing::warn!("could not start the XMP auto-export thread");
        }
        XmpAutoExport { tx, handle }
    }

    /// Something changed: export after the debounce time (restarted by every poke).
    pub fn poke(&self) {
        let _ = self.tx.send(Message::Poke);
    }

    /// Exports the marked photos now and waits for the result.
    pub fn flush(&self) -> Result<ExportSummary, EngineError> {
        let (reply, answer) = mpsc::channel();
        self.tx
            .send(Message::Flush(reply))
            .map_err(|_| EngineError::Cancelled)?;
        answer.recv().map_err(|_| EngineError::Cancelled)?
    }
}

impl Drop for XmpAutoExport {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run_once(
    path: &Path,
    options: &XmpOptions,
    clock: &dyn Clock,
) -> Result<ExportSummary, EngineError> {
    let mut catalog = Catalog::open_another_writer(path)?;
    let never = AtomicBool::new(false);
    export(&mut catalog, ExportScope::Dirty, options, clock, &never)
}

fn log(result: Result<ExportSummary, EngineError>) {
    match result {
        Ok(s) if s.written + s.failed > 0 => tracing::info!(
            written = s.written,
            failed = s.failed,
            unchanged = s.unchanged,
            "XMP auto-export"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "XMP auto-export failed"),
    }
}
