//! Errors of the kv store, each carrying the xk6-kv error name the JS layer exposes as `err.name`.

use std::path::{Path, PathBuf};

/// Every failure of the kv store.
///
/// `name()` gives the xk6-kv error name (`KeyNotFoundError`, ...) so the JS binding can build
/// `{ name, message }` rejections that scripts written for xk6-kv already match on; `Display`
/// gives the message. Variants are `Clone` because one disk commit failure is reported to every
/// operation that was batched into it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    /// `get` of a key that is not in the store.
    #[error("key not found: {key:?}")]
    KeyNotFound { key: String },

    /// A key argument was the empty string.
    #[error("key must not be empty")]
    EmptyKey,

    /// A key longer than [`super::MAX_KEY_BYTES`].
    #[error("key is {len} bytes long; the maximum is {max} bytes")]
    KeyTooLarge { len: usize, max: usize },

    /// A value longer than [`super::MAX_VALUE_BYTES`].
    #[error("value of key {key:?} is {len} bytes long; the maximum is {max} bytes")]
    ValueTooLarge { key: String, len: usize, max: usize },

    /// `incrementBy` on a value that is not a decimal int64, or whose result overflows int64.
    #[error("value parse failed: key {key:?}: {reason}")]
    ValueParse { key: String, reason: String },

    /// A `scan` cursor that is not one this store handed out.
    #[error("invalid cursor {cursor:?}: {reason}")]
    InvalidCursor { cursor: String, reason: String },

    /// `openKv({ backend })` with an unknown backend.
    #[error("invalid backend {given:?}; expected \"memory\" or \"disk\"")]
    InvalidBackend { given: String },

    /// `openKv({ serialization })` with an unknown serialization.
    #[error("invalid serialization {given:?}; expected \"json\" or \"string\"")]
    InvalidSerialization { given: String },

    /// The process-wide store is already open with other options.
    #[error(
        "kv options conflict with existing configuration: the store is already open with \
         {existing}, but openKv was called with {requested}"
    )]
    OptionsConflict { existing: String, requested: String },

    /// The store was closed (the last handle called `close()`).
    #[error("kv store is closed")]
    StoreClosed,

    /// The disk file is held by another process (or another open in this one).
    #[error(
        "kv file {path:?} is locked by another process (is another rk6 or k6 run using it?); \
         stop that process or pass another `path` to openKv"
    )]
    DiskLocked { path: PathBuf },

    /// The disk file exists but is not a readable kv database. It is left untouched.
    #[error(
        "kv file {path:?} is corrupted or is not an rk6 kv file ({detail}); the file was left untouched"
    )]
    DiskCorrupt { path: PathBuf, detail: String },

    /// The disk path cannot be used (a directory, or its parent cannot be created).
    #[error("kv path {path:?} cannot be used: {detail}")]
    DiskPath { path: PathBuf, detail: String },

    /// Opening the disk file failed for another reason (I/O, permissions, ...).
    #[error("disk store open failed for {path:?}: {detail}")]
    DiskOpen { path: PathBuf, detail: String },

    /// A read from the disk store failed.
    #[error("disk store read failed: {0}")]
    DiskRead(String),

    /// A write to the disk store failed; the operation was not applied.
    #[error("disk store write failed: {0}")]
    DiskWrite(String),

    /// The snapshot file given to `restore` does not exist.
    #[error("snapshot file not found: {path:?}")]
    SnapshotNotFound { path: PathBuf },

    /// The snapshot file cannot be read or written for lack of permission.
    #[error("snapshot permission denied: {path:?}: {detail}")]
    SnapshotPermission { path: PathBuf, detail: String },

    /// The snapshot file cannot be read (corrupt, locked, not a kv file, ...).
    #[error("snapshot read failed: {path:?}: {detail}")]
    SnapshotRead { path: PathBuf, detail: String },

    /// Writing the snapshot file failed; no partial file is left at the destination.
    #[error("snapshot export failed: {path:?}: {detail}")]
    SnapshotExport { path: PathBuf, detail: String },

    /// `restore({ maxEntries, maxBytes })` limits were exceeded; the store was not changed.
    #[error("restore exceeded {limit} cap of {cap}")]
    SnapshotBudgetExceeded { limit: &'static str, cap: u64 },

    /// A bug or an unexpected condition inside the store.
    #[error("internal kv store error: {0}")]
    Internal(String),
}

impl KvError {
    /// The xk6-kv error name (`err.name` in JS).
    pub fn name(&self) -> &'static str {
        match self {
            KvError::KeyNotFound { .. } => "KeyNotFoundError",
            KvError::EmptyKey | KvError::KeyTooLarge { .. } => "InvalidKeyError",
            KvError::ValueTooLarge { .. } => "ValueTooLargeError",
            KvError::ValueParse { .. } => "ValueParseError",
            KvError::InvalidCursor { .. } => "InvalidCursorError",
            KvError::InvalidBackend { .. } => "InvalidBackendError",
            KvError::InvalidSerialization { .. } => "InvalidSerializationError",
            KvError::OptionsConflict { .. } => "KVOptionsConflictError",
            KvError::StoreClosed => "StoreClosedError",
            KvError::DiskLocked { .. } | KvError::DiskCorrupt { .. } | KvError::DiskOpen { .. } => {
                "DiskStoreOpenError"
            }
            KvError::DiskPath { .. } => "DiskPathError",
            KvError::DiskRead(_) => "DiskStoreReadError",
            KvError::DiskWrite(_) => "DiskStoreWriteError",
            KvError::SnapshotNotFound { .. } => "SnapshotNotFoundError",
            KvError::SnapshotPermission { .. } => "SnapshotPermissionError",
            KvError::SnapshotRead { .. } => "SnapshotReadError",
            KvError::SnapshotExport { .. } => "SnapshotExportError",
            KvError::SnapshotBudgetExceeded { .. } => "SnapshotBudgetExceededError",
            KvError::Internal(_) => "UnknownError",
        }
    }

    pub(crate) fn value_parse(key: &str, reason: impl Into<String>) -> Self {
        KvError::ValueParse {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// Classifies an I/O error on a snapshot file being read.
    pub(crate) fn snapshot_read_io(path: &Path, err: &std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound => KvError::SnapshotNotFound {
                path: path.to_owned(),
            },
            std::io::ErrorKind::PermissionDenied => KvError::SnapshotPermission {
                path: path.to_owned(),
                detail: err.to_string(),
            },
            _ => KvError::SnapshotRead {
                path: path.to_owned(),
                detail: err.to_string(),
            },
        }
    }

    /// Classifies an I/O error on a snapshot file being written.
    pub(crate) fn snapshot_write_io(path: &Path, err: &std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::PermissionDenied => KvError::SnapshotPermission {
                path: path.to_owned(),
                detail: err.to_string(),
            },
            _ => KvError::SnapshotExport {
                path: path.to_owned(),
                detail: err.to_string(),
            },
        }
    }
}
