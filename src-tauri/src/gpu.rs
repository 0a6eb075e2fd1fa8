//! GPU commands: where the face models run and why not on the GPU (`gpu_status`), and the
//! NVIDIA GPU pack — install it on a background thread with progress on the `gpu-install`
//! event (`gpu_install`, `gpu_install_cancel`, `gpu_install_last`), remove it (`gpu_remove`),
//! and restart the app so that it takes effect (`restart_app`: ONNX Runtime is loaded once per
//! process). What the pack is, where it goes and how it is fetched and checked is the engine's
//! (`likeness_engine::gpu`); the shell holds only the one install slot and its last event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use likeness_api::{ApiError, GpuDto, GpuInstallEvent, GpuInstallProgressDto, GpuInstalledDto};
use likeness_engine::{gpu, EngineConfig, EngineError};

use crate::state::AppState;

type CmdResult<T> = Result<T, ApiError>;

/// The event every install message goes out on (the Settings screen listens to it).
pub const INSTALL_EVENT: &str = "gpu-install";

/// Managed by Tauri: the one GPU pack install this app may run, and what it said last (so a
/// Settings screen opened later shows the running install, or how the last one ended).
#[derive(Debug, Default)]
pub struct GpuInstallSlot {
    inner: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    /// The running install's cancel flag; `None` when none runs.
    cancel: Option<Arc<AtomicBool>>,
    last: Option<GpuInstallEvent>,
}

impl GpuInstallSlot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // A panic while holding this lock leaves plain data behind: keep using it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the slot, or fails with `gpu_installing` when an install runs.
    fn begin(&self) -> CmdResult<Arc<AtomicBool>> {
        let mut s = self.lock();
        if s.cancel.is_some() {
            return Err(installing());
        }
        let cancel = Arc::new(AtomicBool::new(false));
        s.cancel = Some(Arc::clone(&cancel));
        s.last = None;
        Ok(cancel)
    }

    fn record(&self, event: &GpuInstallEvent, end: bool) {
        let mut s = self.lock();
        s.last = Some(event.clone());
        if end {
            s.cancel = None;
        }
    }
}

fn installing() -> ApiError {
    ApiError::new(
        "gpu_installing",
        "the GPU pack is being installed: wait for it to finish or cancel it",
    )
}

/// Where the face models run now, whether the GPU pack is installed, and why the CPU runs
/// them when it does: the open library's report (it knows about a fall-back during a run),
/// else a `doctor` check of the default configuration.
#[tauri::command(async)]
pub fn gpu_status(state: State<'_, AppState>) -> CmdResult<GpuDto> {
    let report = match state.library() {
        Ok(lib) => lib.gpu_report()?,
        Err(_) => likeness_engine::doctor(&EngineConfig::default()).gpu,
    };
    Ok(GpuDto::from(&report))
}

/// Starts downloading and installing the GPU pack on a background thread. Progress (≤ 5 a
/// second), then `installed`, `cancelled` or `failed`, go out on the `gpu-install` event. One
/// install at a time: a second call fails with `gpu_installing`.
#[tauri::command(async)]
pub fn gpu_install<R: Runtime>(
    app: AppHandle<R>,
    slot: State<'_, GpuInstallSlot>,
) -> CmdResult<()> {
    let cancel = slot.begin()?;
    let spawned = std::thread::Builder::new()
        .name("likeness-gpu-install".into())
        .spawn(move || run_install(&app, &cancel));
    spawned.map(|_| ()).map_err(|e| {
        let error = ApiError::new("internal", format!("cannot start the install: {e}"));
        slot.record(&GpuInstallEvent::Failed(error.clone()), true);
        error
    })
}

fn run_install<R: Runtime>(app: &AppHandle<R>, cancel: &AtomicBool) {
    let slot = app.state::<GpuInstallSlot>();
    let result = gpu::install_pack(cancel, &mut |p| {
        // The installer reports at most ~5 times a second: each sample goes to the window.
        send(
            app,
            &slot,
            GpuInstallEvent::Progress(GpuInstallProgressDto::from(p)),
            false,
        );
    });
    let end = match result {
        Ok(summary) => {
            tracing::info!(pack = %summary.pack.display(), "GPU pack installed");
            GpuInstallEvent::Installed(GpuInstalledDto::from(&summary))
        }
        Err(EngineError::Cancelled) => {
            tracing::info!("GPU pack install cancelled");
            GpuInstallEvent::Cancelled
        }
        Err(e) => {
            tracing::warn!(error = %e, "GPU pack install failed");
            GpuInstallEvent::Failed(ApiError::from(e))
        }
    };
    send(app, &slot, end, true);
}

/// Records `event` (freeing the slot when it ends the install), then emits it.
fn send<R: Runtime>(app: &AppHandle<R>, slot: &GpuInstallSlot, event: GpuInstallEvent, end: bool) {
    slot.record(&event, end);
    if let Err(e) = app.emit(INSTALL_EVENT, &event) {
        tracing::warn!(error = %e, "the window did not take a GPU install event");
    }
}

/// Stops the running install at the next block; what is unpacked stays for the next try.
#[tauri::command(async)]
pub fn gpu_install_cancel(slot: State<'_, GpuInstallSlot>) -> CmdResult<()> {
    match &slot.lock().cancel {
        Some(cancel) => {
            cancel.store(true, Ordering::Relaxed);
            Ok(())
        }
        None => Err(ApiError::new(
            "not_installing",
            "no GPU pack install is running",
        )),
    }
}

/// The last message of this run of the app's install (`None`: no install since the start), so
/// a screen opened later picks up where it stands.
#[tauri::command(async)]
pub fn gpu_install_last(slot: State<'_, GpuInstallSlot>) -> Option<GpuInstallEvent> {
    slot.lock().last.clone()
}

/// Removes the GPU pack (not while it is being installed). Answers whether one was there; the
/// models run on the CPU from the next start.
#[tauri::command(async)]
pub fn gpu_remove(slot: State<'_, GpuInstallSlot>) -> CmdResult<bool> {
    // Held throughout, so no install starts while the pack is being removed.
    let mut s = slot.lock();
    if s.cancel.is_some() {
        return Err(installing());
    }
    let removed = gpu::remove_pack()?;
    s.last = None;
    Ok(removed)
}

/// Closes the app and starts it again (a GPU pack just installed is loaded at start).
#[tauri::command(async)]
pub fn restart_app<R: Runtime>(app: AppHandle<R>) {
    tracing::info!("restarting the app");
    app.restart();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_install_at_a_time_and_its_last_word_is_kept() {
        let slot = GpuInstallSlot::default();
        let cancel = slot.begin().unwrap();
        assert_eq!(slot.begin().unwrap_err().code, "gpu_installing");
        let progress = GpuInstallEvent::Progress(GpuInstallProgressDto {
            phase: "downloading".into(),
            item: "a.whl".into(),
            bytes_done: 1,
            bytes_total: 2,
        });
        slot.record(&progress, false);
        assert!(slot.lock().cancel.is_some(), "progress keeps the slot");
        assert!(matches!(
            slot.lock().last,
            Some(GpuInstallEvent::Progress(_))
        ));
        assert!(!cancel.load(Ordering::Relaxed));
        slot.record(&GpuInstallEvent::Cancelled, true);
        assert!(slot.lock().cancel.is_none(), "the end frees the slot");
        assert!(matches!(slot.lock().last, Some(GpuInstallEvent::Cancelled)));
        // A new try starts with no last word.
        slot.begin().unwrap();
        assert!(slot.lock().last.is_none());
    }

    #[test]
    fn events_are_tagged_like_the_index_channel() {
        let json =
            serde_json::to_value(GpuInstallEvent::Failed(ApiError::new("invalid", "x"))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"event": "failed", "data": {"code": "invalid", "message": "x"}})
        );
        let json = serde_json::to_value(GpuInstallEvent::Cancelled).unwrap();
        assert_eq!(json, serde_json::json!({"event": "cancelled"}));
    }
}
