import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The Tauri shell loads `ui/dist` in release builds and this dev server (devUrl in
// src-tauri/tauri.conf.json) under `cargo tauri dev` / `npm run tauri dev`.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    host: "127.0.0.1",
    watch: { ignored: ["**/src-tauri/**"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK on Debian 12 (2.50) and WebView2 both handle ES2021.
    target: "es2021",
    sourcemap: false,
  },
});
