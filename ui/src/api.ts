// The one place the UI talks to the Rust shell. Each function mirrors one Tauri command in
// src-tauri/src/commands.rs and its DTO.
import { invoke, isTauri } from "@tauri-apps/api/core";

/** Mirrors `likeness_desktop::commands::AppInfo`. */
export interface AppInfo {
  name: string;
  version: string;
}

/** True when the page runs inside the Tauri window (false in a plain browser tab). */
export function inDesktopShell(): boolean {
  return isTauri();
}

export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}
