//! Tauri commands: the whole API the UI sees, with its DTOs. Each command is a thin call into
//! the engine (or the shell itself, for `app_info`) and a conversion to a serialisable DTO.
//! The TypeScript mirror of these types lives in `ui/src/api.ts`.

use serde::Serialize;

/// What the UI shows about the app itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name, as in `tauri.conf.json`.
    pub name: String,
    /// Version of this build, as in `tauri.conf.json` (which follows the crate version).
    pub version: String,
}

/// Name and version of the running app.
#[tauri::command]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::AppInfo;

    #[test]
    fn app_info_serialises_as_name_and_version() {
        let info = AppInfo {
            name: "Likeness".to_owned(),
            version: "0.1.0".to_owned(),
        };
        let json = serde_json::to_value(&info).expect("AppInfo serialises");
        assert_eq!(
            json,
            serde_json::json!({ "name": "Likeness", "version": "0.1.0" })
        );
    }
}
