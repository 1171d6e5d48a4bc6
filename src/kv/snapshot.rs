//! Snapshot files of `backup`/`restore`, and the redb plumbing the disk backend shares with them.
//!
//! xk6-kv's snapshot is a file of its disk backend (bbolt, bucket `k6`); rk6's is likewise a file
//! of its own disk backend: a redb database with one table `k6` of `&str` keys and `&[u8]`
//! values, created with mode 0600. So a backup can be opened directly with
//! `openKv({ backend: "disk", path })`, and a disk-backend file can be restored into any store.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use redb::backends::FileBackend;
use redb::{ReadableDatabase as _, ReadableTable as _, TableDefinition};

use super::{BackupSummary, KvError, Value};

/// The one table of a disk store and of a snapshot (the name of xk6-kv's bbolt bucket).
pub(crate) const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new("k6");

/// redb's page cache is an upper bound, not an allocation; 64 MiB keeps memory flat on big stores.
pub(crate) const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Runs redb code that may panic on a corrupt file (debug builds of redb panic on some corrupt
/// pages instead of returning `Corrupted`), turning the panic into `on_panic`'s error.
pub(crate) fn no_panic<T>(
    on_panic: impl FnOnce(String) -> KvError,
    f: impl FnOnce() -> Result<T, KvError>,
) -> Result<T, KvError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "redb panicked".to_owned());
            Err(on_panic(detail))
        }
    }
}

/// Creates the missing parent directories of `path` (mode 0750, as xk6-kv does).
pub(crate) fn create_parent_dirs(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(parent),
        _ => Ok(()),
    }
}

/// Flushes a directory entry change (create/rename) of `path` to disk.
fn sync_parent_dir(path: &Path) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

/// `restore({ maxEntries, maxBytes })` limits.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Budget {
    max_entries: Option<u64>,
    max_bytes: Option<u64>,
    entries: u64,
    bytes: u64,
}

impl Budget {
    pub(crate) fn new(max_entries: i64, max_bytes: i64) -> Self {
        let cap = |n: i64| u64::try_from(n).ok().filter(|&n| n > 0);
        Budget {
            max_entries: cap(max_entries),
            max_bytes: cap(max_bytes),
            entries: 0,
            bytes: 0,
        }
    }

    fn track(&mut self, key_len: usize, value_len: usize) -> Result<(), KvError> {
        self.entries += 1;
        self.bytes += (key_len + value_len) as u64;
        if let Some(cap) = self.max_entries.filter(|&cap| self.entries > cap) {
            return Err(KvError::SnapshotBudgetExceeded {
                limit: "MaxEntries",
                cap,
            });
        }
        if let Some(cap) = self.max_bytes.filter(|&cap| self.bytes > cap) {
            return Err(KvError::SnapshotBudgetExceeded {
                limit: "MaxBytes",
                cap,
            });
        }
        Ok(())
    }
}

/// Writes `entries` as a snapshot at `target`: into a temporary file beside it, committed
/// durably, then renamed over `target`, so `target` is never a partial snapshot.
pub(crate) fn write(
    target: &Path,
    fill: impl FnOnce(&mut Sink<'_>) -> Result<(), KvError>,
) -> Result<BackupSummary, KvError> {
    let export = |e: &dyn std::fmt::Display| KvError::SnapshotExport {
        path: target.to_owned(),
        detail: e.to_string(),
    };
    create_parent_dirs(target).map_err(|e| KvError::snapshot_write_io(target, &e))?;
    let temp = temp_path(target);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| KvError::snapshot_write_io(target, &e))?;
    let written = no_panic(
        |detail| export(&detail),
        || {
            let backend = FileBackend::new(file).map_err(|e| export(&e))?;
            let db = redb::Builder::new()
                .set_cache_size(CACHE_BYTES)
                .create_with_backend(backend)
                .map_err(|e| export(&e))?;
            let txn = db.begin_write().map_err(|e| export(&e))?;
            let count = {
                let mut sink = Sink {
                    table: txn.open_table(TABLE).map_err(|e| export(&e))?,
                    count: 0,
                    target,
                };
                fill(&mut sink)?;
                sink.count
            };
            txn.commit().map_err(|e| export(&e))?;
            db.close().map_err(|e| export(&e))?;
            Ok(count)
        },
    );
    let finish = written.and_then(|count| {
        std::fs::rename(&temp, target).map_err(|e| KvError::snapshot_write_io(target, &e))?;
        sync_parent_dir(target).map_err(|e| export(&e))?;
        let bytes = std::fs::metadata(target).map_err(|e| export(&e))?.len();
        Ok(BackupSummary {
            total_entries: count,
            bytes_written: bytes,
            best_effort: false,
            warning: None,
        })
    });
    if finish.is_err() {
        // The temporary file is ours alone; failing to remove it leaves only litter.
        let _ = std::fs::remove_file(&temp);
    }
    finish
}

/// Receives the entries of a snapshot being written.
pub(crate) struct Sink<'t> {
    table: redb::Table<'t, &'static str, &'static [u8]>,
    count: u64,
    target: &'t Path,
}

impl Sink<'_> {
    pub(crate) fn insert(&mut self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.table
            .insert(key, value)
            .map_err(|e| KvError::SnapshotExport {
                path: self.target.to_owned(),
                detail: e.to_string(),
            })?;
        self.count += 1;
        Ok(())
    }
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kv-snapshot".to_owned());
    let nonce: u64 = rand::random();
    target.with_file_name(format!(".{name}.{}.{nonce:016x}.tmp", std::process::id()))
}

/// Reads every entry of the snapshot at `source`, enforcing `budget`.
pub(crate) fn read(source: &Path, mut budget: Budget) -> Result<Vec<(String, Value)>, KvError> {
    let unreadable = |detail: String| KvError::SnapshotRead {
        path: source.to_owned(),
        detail,
    };
    let file = OpenOptions::new()
        .read(true)
        .open(source)
        .map_err(|e| KvError::snapshot_read_io(source, &e))?;
    no_panic(
        |detail| unreadable(format!("not a readable kv snapshot: {detail}")),
        || {
            let backend = FileBackend::new(file).map_err(|e| unreadable(e.to_string()))?;
            let db = redb::Builder::new()
                .set_cache_size(CACHE_BYTES)
                .open_read_only_with_backend(backend)
                .map_err(|e| match e {
                    redb::DatabaseError::DatabaseAlreadyOpen
                    | redb::DatabaseError::LockProtocolMismatch => unreadable(
                        "the file is open for writing by another process; back it up from there \
                         or stop it first"
                            .to_owned(),
                    ),
                    other => unreadable(format!("not a readable kv snapshot: {other}")),
                })?;
            let txn = db.begin_read().map_err(|e| unreadable(e.to_string()))?;
            let table = txn.open_table(TABLE).map_err(|e| match e {
                redb::TableError::TableDoesNotExist(_) => {
                    unreadable("the file has no \"k6\" table; it is not a kv snapshot".to_owned())
                }
                other => unreadable(other.to_string()),
            })?;
            let mut entries = Vec::new();
            for item in table.iter().map_err(|e| unreadable(e.to_string()))? {
                let (key, value) = item.map_err(|e| unreadable(e.to_string()))?;
                let (key, value) = (key.value(), value.value());
                budget.track(key.len(), value.len())?;
                entries.push((key.to_owned(), Value::copy_from_slice(value)));
            }
            Ok(entries)
        },
    )
}

/// Whether `a` and `b` name the same existing file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}
