//! The Likeness catalog: one SQLite file; the only crate that holds SQL.
//! (Full module docs: see the end of this step.)

mod db;
mod error;
mod faces;
mod files;
mod jobs;
mod migrations;
mod paths;
mod photos;
mod roots;
mod status;
mod types;

pub use db::Catalog;
pub use error::CatalogError;
pub use migrations::SCHEMA_VERSION;
pub use types::*;
