//! The desktop app on a big synthetic library: cold start to first paint, the People page with
//! thousands of clusters, and the Photos timeline with 100,000 photos (time to first paint,
//! frame times while scrolling).
//!
//! The library is built once through the catalog's API (`likeness_bench::synthetic`: 100,000
//! photos, ~300,000 faces, 5,000 unnamed clusters with Zipf sizes) into
//! `target/bench/gui/library/`, with a thumbnail cache whose files are hard links to a few
//! real thumbnails cut from the reference photos (so the webview decodes real JPEGs). Then the
//! REAL `likeness-desktop` binary (build it first: `cargo build --release -p likeness-desktop`)
//! runs `--runs` times in a WebKitGTK window under Xvfb, driven over WebDriver by
//! `likeness-webdriver`.
//!
//! Timings come from inside the page: `window.__likenessPaint` (set by `ui/src/main.ts` two
//! animation frames after the start screen has its content) against the moment the WebDriver
//! new-session request that starts the app was sent; frame times are the intervals between
//! `requestAnimationFrame` callbacks while a script scrolls the screen's scroller by a fixed
//! step each frame. A frame is counted "dropped" when its interval exceeds 1.5× the 60 Hz
//! frame period (25 ms). Xvfb has no GPU: the app then turns WebKit's accelerated compositing
//! off (see `likeness_desktop::software_rendering_tweak`); `--env
//! WEBKIT_DISABLE_COMPOSITING_MODE=0` measures the composited path instead.
//!
//! ```text
//! cargo build --release -p likeness-desktop
//! cargo run --release -p likeness-bench --bin gui_bench -- [--photos 100000] [--people 5000] [--runs 3]
//! ```
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::Parser;
use likeness_bench::synthetic::{build, complete, PeopleMode, Spec};
use likeness_bench::{machine, outln, Table};
use likeness_catalog::Catalog;
use likeness_engine::{LibraryPaths, ThumbnailCache};
use likeness_webdriver::{os, Desktop, Prerequisites, WebDriver};
use serde_json::{json, Value};

/// The display's frame period (Xvfb: 60 Hz).
const FRAME_MS: f64 = 1000.0 / 60.0;

#[derive(Debug, Parser)]
#[command(name = "gui_bench")]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    photos: u64,
    /// Unnamed clusters on the People page.
    #[arg(long, default_value_t = 5_000)]
    people: u64,
    /// App starts (each measures everything once).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Where the synthetic library lives (reused when complete).
    #[arg(long, default_value = "target/bench/gui")]
    work: PathBuf,
    /// The desktop binary.
    #[arg(long, default_value = "target/release/likeness-desktop")]
    app: PathBuf,
    /// Build the library again.
    #[arg(long)]
    rebuild: bool,
    /// Extra environment for the app, `KEY=VALUE` (repeatable), e.g.
    /// `WEBKIT_DISABLE_COMPOSITING_MODE=1` to compare WebKit's rendering modes.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Save a screenshot of each measured screen of the first run here.
    #[arg(long, default_value = "target/bench/gui/screenshots")]
    screenshots: PathBuf,
}

/// Frame interval statistics of one scroll, in ms.
#[derive(Debug, Clone, Default)]
struct Frames {
    count: usize,
    p50: f64,
    p95: f64,
    max: f64,
    dropped: usize,
    /// The median interval between idle animation frames (for information).
    period: f64,
    /// Content rows present in the viewport at the end (checks that something was drawn).
    painted: u64,
}

#[derive(Debug, Clone, Default)]
struct Run {
    cold_start_ms: f64,
    page_paint_ms: f64,
    people_cards: u64,
    baseline_scroll: Frames,
    people_scroll: Frames,
    timeline_paint_ms: f64,
    timeline_scroll: Frames,
    timeline_fling: Frames,
    timeline_jump_ms: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    if !args.app.is_file() {
        bail!(
            "{} is missing: run `cargo build --release -p likeness-desktop` first",
            args.app.display()
        );
    }
    let Some(pre) = Prerequisites::find() else {
        bail!("tauri-driver, WebKitWebDriver or Xvfb is missing: run scripts/setup-gui.sh");
    };
    let catalog = std::path::absolute(args.work.join("library/catalog.sqlite"))?;
    std::fs::create_dir_all(catalog.parent().context("catalog folder")?)?;
    let spec = Spec {
        photos: args.photos,
        people: args.people,
        people_mode: PeopleMode::Unnamed,
        embeddings: false,
    };
    if args.rebuild || !complete(&catalog)? {
        let _ = std::fs::remove_dir_all(args.work.join("library"));
        std::fs::create_dir_all(catalog.parent().context("catalog folder")?)?;
        build(&catalog, &spec)?;
        link_thumbnails(&catalog)?;
    }
    let (photos, faces, people) = {
        let cat = Catalog::open_read_only(&catalog)?;
        let s = cat.status()?;
        (s.photos, s.faces, s.people)
    };
    std::fs::create_dir_all(&args.screenshots)?;

    let app = std::path::absolute(&args.app)?;
    let mut runs = Vec::new();
    for i in 0..args.runs {
        eprintln!("run {}/{}…", i + 1, args.runs);
        let shots = (i == 0).then_some(args.screenshots.as_path());
        runs.push(one_run(&pre, &app, &catalog, &args.work, shots, &args.env)?);
    }

    outln(&format!(
        "Desktop app on a synthetic library: {photos} photos, {faces} faces, {people} people \
         (unnamed clusters); {} runs; {}; WebKitGTK under Xvfb (software rendering).\n",
        runs.len(),
        machine()
    ));
    let mut t = Table::new(&["measure", "median", "all runs"]);
    let row = |t: &mut Table, name: &str, f: &dyn Fn(&Run) -> f64, unit: &str| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        let all = v
            .iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" / ");
        v.sort_by(f64::total_cmp);
        t.row([
            name.to_string(),
            format!("{:.1} {unit}", v[v.len() / 2]),
            all,
        ]);
    };
    row(
        &mut t,
        "cold start → first paint (People page)",
        &|r| r.cold_start_ms,
        "ms",
    );
    row(
        &mut t,
        "  of which in the page (navigation start → paint)",
        &|r| r.page_paint_ms,
        "ms",
    );
    row(
        &mut t,
        "People cards in the DOM at first paint",
        &|r| r.people_cards as f64,
        "",
    );
    frame_rows(
        &mut t,
        "Baseline: static text page (60 px/frame)",
        &runs,
        |r| &r.baseline_scroll,
    );
    frame_rows(&mut t, "People scroll (40 px/frame)", &runs, |r| {
        &r.people_scroll
    });
    row(
        &mut t,
        "Photos: click → first tiles painted",
        &|r| r.timeline_paint_ms,
        "ms",
    );
    frame_rows(&mut t, "Photos scroll (60 px/frame)", &runs, |r| {
        &r.timeline_scroll
    });
    frame_rows(&mut t, "Photos fling (600 px/frame)", &runs, |r| {
        &r.timeline_fling
    });
    row(
        &mut t,
        "Photos jump to the middle → tiles painted",
        &|r| r.timeline_jump_ms,
        "ms",
    );
    t.print();
    Ok(())
}

fn frame_rows(t: &mut Table, name: &str, runs: &[Run], get: impl Fn(&Run) -> &Frames) {
    let med = |f: &dyn Fn(&Frames) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(|r| f(get(r))).collect();
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v)
    };
    let fmt_all = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let (p50, all50) = med(&|f| f.p50);
    let (p95, all95) = med(&|f| f.p95);
    let (max, allmax) = med(&|f| f.max);
    let (dropped, alld) = med(&|f| f.dropped as f64);
    let (count, _) = med(&|f| f.count as f64);
    let (painted, _) = med(&|f| f.painted as f64);
    let (period, _) = med(&|f| f.period);
    t.row([
        format!("{name}: frame p50"),
        format!("{p50:.1} ms"),
        fmt_all(&all50),
    ]);
    t.row([
        format!("{name}: frame p95"),
        format!("{p95:.1} ms"),
        fmt_all(&all95),
    ]);
    t.row([
        format!("{name}: longest frame"),
        format!("{max:.1} ms"),
        fmt_all(&allmax),
    ]);
    t.row([
        format!(
            "{name}: dropped frames (> 25 ms) of {count:.0}, {painted:.0} items on screen, idle rAF {period:.0} ms"
        ),
        format!("{dropped:.0}"),
        fmt_all(&alld),
    ]);
}

/// Thumbnails: a dozen real 400 px photo and 160 px face thumbnails cut from the reference
/// photos, hard-linked under every content hash of the catalog (a cache of 400,000 files
/// without 400,000 encodes).
fn link_thumbnails(catalog: &Path) -> Result<()> {
    let reference = likeness_testdata::reference_dir()
        .context("the reference photos (../shared/reference) are missing")?;
    let mut photo_src = Vec::new();
    let mut face_src = Vec::new();
    let dir = catalog.parent().context("catalog folder")?.join("sources");
    std::fs::create_dir_all(&dir)?;
    for (i, entry) in std::fs::read_dir(reference.join("images/deepface_testset"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jpg"))
        .take(12)
        .enumerate()
    {
        let img = image::open(entry.path())?.to_rgb8();
        let photo = image::imageops::thumbnail(&img, 400, 400 * img.height() / img.width().max(1));
        let p = dir.join(format!("photo{i}.jpg"));
        photo.save(&p)?;
        photo_src.push(p);
        let side = img.width().min(img.height()) / 2;
        let crop = image::imageops::crop_imm(
            &img,
            (img.width() - side) / 2,
            (img.height() - side) / 3,
            side,
            side,
        )
        .to_image();
        let face = image::imageops::thumbnail(&crop, 160, 160);
        let f = dir.join(format!("face{i}.jpg"));
        face.save(&f)?;
        face_src.push(f);
    }
    if photo_src.is_empty() {
        bail!("no reference photos to cut thumbnails from");
    }
    let paths = LibraryPaths::for_catalog(catalog);
    let cache = ThumbnailCache::new(&paths.cache);
    let cat = Catalog::open_read_only(catalog)?;
    let link = |src: &Path, dst: &Path| -> Result<()> {
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if !dst.exists() {
            std::fs::hard_link(src, dst).with_context(|| format!("link {}", dst.display()))?;
        }
        Ok(())
    };
    let mut after = 0;
    let mut n = 0usize;
    let mut last_photo = (0, String::new());
    loop {
        let page = cat.faces_after(after, 20_000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for face in &page {
            if last_photo.0 != face.photo {
                let hash = cat
                    .photo(face.photo)?
                    .context("face without photo")?
                    .hash
                    .to_hex();
                last_photo = (face.photo, hash);
            }
            let hash = &last_photo.1;
            link(
                &face_src[n % face_src.len()],
                &cache.face_path(hash, face.idx),
            )?;
            n += 1;
        }
    }
    // Every photo (also those without faces) gets a photo thumbnail.
    let all = cat.photos(&likeness_catalog::PhotoQuery::default())?;
    for (i, hit) in all.iter().enumerate() {
        link(
            &photo_src[i % photo_src.len()],
            &cache.photo_path(&hit.hash.to_hex()),
        )?;
    }
    eprintln!("linked {n} face and {} photo thumbnails", all.len());
    Ok(())
}

fn one_run(
    pre: &Prerequisites,
    app: &Path,
    catalog: &Path,
    work: &Path,
    shots: Option<&Path>,
    extra_env: &[String],
) -> Result<Run> {
    let mut env = vec![
        ("LIKENESS_CATALOG", os(catalog)),
        ("LIKENESS_MODELS_DIR", os(likeness_testdata::models_dir())),
        ("LIKENESS_ORT_LIBRARY", os(likeness_testdata::ort_library())),
    ];
    for kv in extra_env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--env {kv}: expected KEY=VALUE"))?;
        env.push((k, os(v)));
    }
    let desktop = Desktop::launch_as_user(pre, app, &env, &work.join("logs"));
    let wd = &desktop.wd;
    let paint = wd.wait_for(
        "the first paint",
        Duration::from_secs(60),
        "return window.__likenessPaint || null;",
        json!([]),
    );
    let requested = wd.requested_at.duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
    let origin = paint["origin"].as_f64().context("origin")?;
    let at = paint["at"].as_f64().context("at")?;
    let mut run = Run {
        cold_start_ms: origin + at - requested,
        page_paint_ms: at,
        people_cards: paint["cards"].as_u64().unwrap_or(0),
        ..Run::default()
    };
    if let Some(dir) = shots {
        wd.screenshot(dir, "gui-bench-people");
    }
    // The floor of this machine: the same scroll over a static page (text rows in a fixed
    // overlay, nothing loads or renders while it moves).
    wd.js(
        "const o = document.createElement('div'); o.id = 'bench-baseline'; \
         Object.assign(o.style, {position: 'fixed', inset: '0', overflowY: 'auto', \
           background: 'Canvas', zIndex: '1000'}); \
         for (let i = 0; i < 4000; i++) { const r = document.createElement('div'); \
           r.dataset.benchRow = '1'; r.style.height = '40px'; \
           r.textContent = 'Row ' + i + ' of a static page: the baseline for frame times'; \
           o.appendChild(r); } \
         document.body.appendChild(o);",
        json!([]),
    );
    run.baseline_scroll = scroll(wd, "[data-bench-row]", 60, 300)?;
    wd.js(
        "document.getElementById('bench-baseline').remove();",
        json!([]),
    );
    run.people_scroll = scroll(wd, "[data-testid=\"person-card\"]", 40, 240)?;

    // Photos: click the nav item and time until the first tiles are painted.
    let t = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         delete document.documentElement.dataset.timelineReady; \
         const t0 = performance.now(); \
         document.querySelector('[data-testid=\"nav-photos\"]').click(); \
         const poll = () => { \
           if (document.documentElement.dataset.timelineReady === '1') { \
             requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0))); \
           } else if (performance.now() - t0 > 30000) { done(-1); } \
           else { requestAnimationFrame(poll); } }; \
         poll();",
        json!([]),
    );
    run.timeline_paint_ms = t.as_f64().context("timeline paint")?;
    if run.timeline_paint_ms < 0.0 {
        bail!("the Photos timeline never said it was ready (dataset.timelineReady)");
    }
    if let Some(dir) = shots {
        wd.screenshot(dir, "gui-bench-photos");
    }
    run.timeline_scroll = scroll(wd, "[data-testid=\"timeline-tile\"]", 60, 300)?;
    run.timeline_fling = scroll(wd, "[data-testid=\"timeline-tile\"]", 600, 120)?;
    let t = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         const s = document.querySelector('[data-testid=\"timeline\"]'); \
         const t0 = performance.now(); \
         s.scrollTop = s.scrollHeight / 2; \
         const painted = () => [...document.querySelectorAll('[data-testid=\"timeline-tile\"] img')] \
           .filter(i => { const r = i.getBoundingClientRect(); \
             return r.bottom > 0 && r.top < innerHeight && i.complete && i.naturalWidth > 0; }).length; \
         const poll = () => { \
           if (painted() >= 8) { requestAnimationFrame(() => done(performance.now() - t0)); } \
           else if (performance.now() - t0 > 30000) { done(-1); } \
           else { requestAnimationFrame(poll); } }; \
         requestAnimationFrame(poll);",
        json!([]),
    );
    run.timeline_jump_ms = t.as_f64().context("jump")?;
    if let Some(dir) = shots {
        wd.screenshot(dir, "gui-bench-photos-middle");
    }
    wd.quit();
    Ok(run)
}

/// Scrolls the scroller holding the first `item` by `step` px per animation frame for
/// `frames` frames (after measuring the idle frame period) and returns the frame intervals.
fn scroll(wd: &WebDriver, item: &str, step: u32, frames: u32) -> Result<Frames> {
    let v: Value = wd.js_async(
        "const [item, step, frames, done] = arguments; \
         const first = document.querySelector(item); \
         if (!first) { done({error: 'no ' + item}); return; } \
         let s = first.parentElement; \
         while (s && !(s.scrollHeight > s.clientHeight + 1 && \
           ['auto', 'scroll'].includes(getComputedStyle(s).overflowY))) s = s.parentElement; \
         if (!s) { done({error: 'no scroller around ' + item}); return; } \
         s.scrollTop = 0; \
         const idle = []; let last = null; \
         const measureIdle = (t) => { if (last !== null) idle.push(t - last); last = t; \
           if (idle.length < 30) requestAnimationFrame(measureIdle); \
           else { last = null; requestAnimationFrame(tick); } }; \
         const gaps = []; let n = 0; \
         const tick = (t) => { if (last !== null) gaps.push(t - last); last = t; \
           if (n++ < frames) { s.scrollTop += step; requestAnimationFrame(tick); } \
           else { \
             const inView = [...document.querySelectorAll(item)].filter(e => { \
               const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).length; \
             done({idle, gaps, inView}); } }; \
         requestAnimationFrame(measureIdle);",
        json!([item, step, frames]),
    );
    if let Some(e) = v.get("error") {
        bail!("scroll: {e}");
    }
    let nums = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let mut idle = nums("idle");
    let mut gaps = nums("gaps");
    if gaps.is_empty() || idle.is_empty() {
        bail!("scroll: no frames measured");
    }
    idle.sort_by(f64::total_cmp);
    // Xvfb's display runs at 60 Hz; a frame is dropped when it takes longer than 1.5 periods
    // (25 ms). The idle rAF interval is reported beside it: WebKit's non-composited path fires
    // idle callbacks on its own timer (seen: 9 ms), so it is not a display period.
    let idle_period = idle[idle.len() / 2];
    let dropped = gaps.iter().filter(|&&g| g > 1.5 * FRAME_MS).count();
    gaps.sort_by(f64::total_cmp);
    let pct = |p: f64| gaps[((gaps.len() as f64 * p).ceil() as usize).clamp(1, gaps.len()) - 1];
    Ok(Frames {
        count: gaps.len(),
        p50: pct(0.5),
        p95: pct(0.95),
        max: gaps[gaps.len() - 1],
        dropped,
        period: idle_period,
        painted: v["inView"].as_u64().unwrap_or(0),
    })
}
