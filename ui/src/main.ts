import { appInfo, inDesktopShell } from "./api";

function byTestId<T extends HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) {
    throw new Error(`missing element ${id}`);
  }
  return el;
}

async function showAppInfo(): Promise<void> {
  const versionEl = byTestId<HTMLSpanElement>("app-version");
  if (!inDesktopShell()) {
    versionEl.textContent = "browser preview";
    return;
  }
  try {
    const info = await appInfo();
    byTestId<HTMLSpanElement>("app-name").textContent = info.name;
    versionEl.textContent = `v${info.version}`;
    document.title = info.name;
  } catch (err) {
    versionEl.textContent = "version unavailable";
    console.error("app_info failed", err);
  }
}

void showAppInfo();
