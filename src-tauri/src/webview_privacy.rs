//! WebKit features that reach the network on a page's hint, outside the content security
//! policy. `<link rel="preconnect" href="https://…">` made WebKitGTK 2.50's network process
//! resolve the host although the CSP allows no remote origin (`tests/privacy.rs` found it: the
//! CSP governs loads, not connection hints). Likeness turns these features off in its window.
//! Nothing in the UI uses them; this closes the class for any markup that ever reaches a page.

/// WebKit feature identifiers turned off (`webkit_settings_get_all_features`).
pub const NETWORK_HINT_FEATURES: &[&str] = &[
    "LinkPreconnect",
    "LinkPreconnectEarlyHints",
    "LinkDNSPrefetch",
    "LinkPrefetch",
];

/// Turns the network-hint features off in `window`'s webview (Linux, WebKitGTK ≥ 2.42; on
/// older WebKitGTK the feature API is missing: a warning says so). Other platforms: nothing to
/// do here yet (their engines are untested).
pub fn harden<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let result = window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        linux::turn_off(&webview.inner());
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    });
    if let Err(error) = result {
        tracing::warn!(%error, "could not reach the webview to turn off network hints");
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    //! The feature API (WebKitGTK 2.42) is newer than the `webkit2gtk` crate's bindings, so its
    //! five functions are looked up in the process (the library is already loaded by the
    //! window) and called on the GTK main thread, where `with_webview` runs.
    use std::ffi::{c_char, c_int, c_void, CStr};

    use webkit2gtk::glib::translate::ToGlibPtr;
    use webkit2gtk::{SettingsExt, WebViewExt};

    use super::NETWORK_HINT_FEATURES;

    type GetAll = unsafe extern "C" fn() -> *mut c_void;
    type Length = unsafe extern "C" fn(*mut c_void) -> usize;
    type Get = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
    type Identifier = unsafe extern "C" fn(*mut c_void) -> *const c_char;
    type SetEnabled = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int);
    type Unref = unsafe extern "C" fn(*mut c_void);

    pub fn turn_off(view: &webkit2gtk::WebView) {
        let Some(settings) = view.settings() else {
            tracing::warn!("the webview has no settings: network hints left as they are");
            return;
        };
        settings.set_enable_dns_prefetching(false);
        let this = libloading::os::unix::Library::this();
        // SAFETY: the symbols are WebKitGTK's documented C API with these exact signatures
        // (webkit2/WebKitSettings.h, WebKitFeature.h, 2.42+); the list is owned here and
        // unreffed once; feature pointers are borrowed from it while it lives; `settings` is a
        // live WebKitSettings held by `settings` for the whole call; we are on the GTK main
        // thread (`with_webview`).
        unsafe {
            let (Ok(get_all), Ok(length), Ok(get), Ok(identifier), Ok(set_enabled), Ok(unref)) = (
                this.get::<GetAll>(b"webkit_settings_get_all_features\0"),
                this.get::<Length>(b"webkit_feature_list_get_length\0"),
                this.get::<Get>(b"webkit_feature_list_get\0"),
                this.get::<Identifier>(b"webkit_feature_get_identifier\0"),
                this.get::<SetEnabled>(b"webkit_settings_set_feature_enabled\0"),
                this.get::<Unref>(b"webkit_feature_list_unref\0"),
            ) else {
                tracing::warn!(
                    "WebKitGTK older than 2.42: link preconnect/prefetch cannot be turned off"
                );
                return;
            };
            let settings_ptr: *mut webkit2gtk::ffi::WebKitSettings = settings.to_glib_none().0;
            let list = get_all();
            if list.is_null() {
                return;
            }
            let mut turned_off = Vec::new();
            for i in 0..length(list) {
                let feature = get(list, i);
                if feature.is_null() {
                    continue;
                }
                let id = identifier(feature);
                if id.is_null() {
                    continue;
                }
                let id = CStr::from_ptr(id).to_string_lossy();
                if NETWORK_HINT_FEATURES.contains(&id.as_ref()) {
                    set_enabled(settings_ptr.cast(), feature, 0);
                    turned_off.push(id.into_owned());
                }
            }
            unref(list);
            tracing::info!(features = ?turned_off, "webview network hints turned off");
        }
    }
}
