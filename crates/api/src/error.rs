//! Every failure the front ends report: `{code, message}`.

use serde::Serialize;
use ts_rs::TS;

use likeness_engine::catalog::CatalogError;
use likeness_engine::EngineError;

/// Every command failure: a stable `code` to branch on (the engine's [`EngineError::code`]:
/// not_found, permission_denied, io, empty, unknown_format, unsupported_format, too_large,
/// file_too_large, decode, no_preview, model, runtime, inference, catalog, scan, cancelled, …;
/// or one of the desktop shell's own: `indexing_running`, `not_indexing`, `invalid`,
/// `internal`, `gpu_installing`, `not_installing`) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl From<&EngineError> for ApiError {
    fn from(e: &EngineError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        Self::from(&e)
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        EngineError::from(e).into()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

/// The CLI's `--json` answer when a command fails: `{"error": {code, message}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    pub error: ApiError,
}
