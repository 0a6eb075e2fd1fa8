//! The Likeness catalog: one SQLite file; the only crate that holds SQL.
//! (Full module docs: see the end of this step.)

mod db;
mod error;
mod faces;
mod files;
mod jobs;
mod migrations;
mod paths;
mod people;
mod photos;
mod query;
mod roots;
mod snapshot;
mod status;
mod types;

pub use db::{Catalog, ConnectionSettings};
pub use error::CatalogError;
pub use migrations::SCHEMA_VERSION;
pub use snapshot::{
    CatalogSnapshot, SnapshotAssignment, SnapshotFace, SnapshotFile, SnapshotIssue, SnapshotPerson,
    SnapshotPhoto, SnapshotRejection,
};
pub use types::*;
