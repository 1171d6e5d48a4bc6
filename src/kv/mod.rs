//! Storage layer of the shared key-value store behind the JS module `k6/x/kv`.
//!
//! The API mirrors xk6-kv (the `oshokin/xk6-kv` fork of `oleiade/xk6-kv`, which carries the
//! atomic helpers): every public method of [`KvStore`] is one JS method, with the same return
//! shapes and the same error names ([`KvError::name`]). Values are opaque bytes: the JS layer
//! serializes them with the store's [`Serialization`] before calling in and deserializes results.
//!
//! One store exists per process ([`open_shared`]) and is shared by every VU thread. All single-key
//! operations, the `*_many` operations, `clear` and `restore` are linearizable on both backends:
//! each takes effect atomically at one instant between its call and its return.
//!
//! `list`/`scan`/`size`/`count`/`random_key` each read one consistent point-in-time view of the
//! store (the memory backend holds every shard's read lock while it reads; the disk backend reads
//! inside one redb read transaction). Successive `scan` pages are separate views: keys written
//! between two pages appear on a later page if they sort after the cursor, and keys deleted
//! between pages are simply not returned; no key is returned twice by one pagination.
//!
//! Counters: `increment_by` stores the decimal text of an `i64` (`"42"`), which is both the JSON
//! and the string serialization of that number, so `get` of a counter deserializes to a number
//! under `json` and to the string `"42"` under `string`, as in xk6-kv.

mod disk;
mod error;
mod memory;
mod snapshot;

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use bytes::Bytes;
use parking_lot::Mutex;

pub use error::KvError;

use disk::DiskStore;
use memory::MemoryStore;

/// A stored value: the serialized bytes produced by the JS layer.
pub type Value = Bytes;

/// Largest key accepted, in bytes (bbolt's limit, so keys valid under xk6-kv stay valid).
pub const MAX_KEY_BYTES: usize = 32 * 1024;

/// Largest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024 * 1024;

/// Default disk file, as in xk6-kv.
pub const DEFAULT_PATH: &str = "./.k6.kv";

/// Where the data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// Sharded in-memory maps, lost when the process exits.
    Memory,
    /// A redb file, crash-safe, every acknowledged write durable. The default, as in xk6-kv.
    #[default]
    Disk,
}

impl Backend {
    /// Parses the JS option value (`"memory"` or `"disk"`).
    pub fn parse(given: &str) -> Result<Self, KvError> {
        match given {
            "memory" => Ok(Backend::Memory),
            "disk" => Ok(Backend::Disk),
            _ => Err(KvError::InvalidBackend {
                given: given.to_owned(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Disk => "disk",
        }
    }
}

/// How the JS layer turns values into bytes. The store itself only records it (it is part of the
/// options that must agree between `openKv` calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Serialization {
    /// `JSON.stringify` / `JSON.parse`. The default.
    #[default]
    Json,
    /// The value's string form, stored as UTF-8.
    String,
}

impl Serialization {
    /// Parses the JS option value (`"json"` or `"string"`).
    pub fn parse(given: &str) -> Result<Self, KvError> {
        match given {
            "json" => Ok(Serialization::Json),
            "string" => Ok(Serialization::String),
            _ => Err(KvError::InvalidSerialization {
                given: given.to_owned(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Serialization::Json => "json",
            Serialization::String => "string",
        }
    }
}

/// `openKv(options)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvOptions {
    pub backend: Backend,
    pub serialization: Serialization,
    /// The disk file (disk backend), and the default `backup`/`restore` file for both backends.
    pub path: PathBuf,
}

impl Default for KvOptions {
    fn default() -> Self {
        KvOptions {
            backend: Backend::default(),
            serialization: Serialization::default(),
            path: PathBuf::from(DEFAULT_PATH),
        }
    }
}

impl KvOptions {
    /// The options with `path` made absolute (lexically), so `./.k6.kv` and `.k6.kv` compare equal.
    fn normalized(&self) -> KvOptions {
        let path = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
        KvOptions {
            path: normalize_lexically(&path),
            ..self.clone()
        }
    }
}

impl fmt::Display for KvOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ backend: {:?}, serialization: {:?}, path: {:?} }}",
            self.backend.as_str(),
            self.serialization.as_str(),
            self.path
        )
    }
}

/// Drops `.` components and folds `..` into its parent, without touching the file system.
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// One `{ key, value }` of `list` / `scan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
}

/// `getOrSet` result: `{ value, loaded }`; `loaded` is true when the key already existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrSetResult {
    pub value: Value,
    pub loaded: bool,
}

/// `swap` result: `{ previous, loaded }`; `previous` is `None` (JS `null`) when the key was absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapResult {
    pub previous: Option<Value>,
    pub loaded: bool,
}

/// `deleteMany` result: `{ deleted, missing }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteManyResult {
    pub deleted: u64,
    pub missing: u64,
}

/// `scan` result: `{ entries, cursor, done }`; `cursor` is `""` exactly when `done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPage {
    pub entries: Vec<Entry>,
    pub cursor: String,
    pub done: bool,
}

/// `backup(options)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupOptions {
    /// Destination file; `None` means the store's `path` option (xk6-kv's default).
    pub file_name: Option<PathBuf>,
    /// Accepted for xk6-kv compatibility. Both backends always take a point-in-time snapshot
    /// without blocking writers for longer than copying the entries, so it changes nothing.
    pub allow_concurrent_writes: bool,
}

/// `backup` result: `{ totalEntries, bytesWritten, bestEffort, warning? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub total_entries: u64,
    pub bytes_written: u64,
    /// Always false: rk6 snapshots are point-in-time even with `allowConcurrentWrites`.
    pub best_effort: bool,
    pub warning: Option<String>,
}

/// `restore(options)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestoreOptions {
    /// Snapshot file; `None` means the store's `path` option (xk6-kv's default).
    pub file_name: Option<PathBuf>,
    /// Reject snapshots with more entries than this; `<= 0` disables the check.
    pub max_entries: i64,
    /// Reject snapshots whose keys and values add up to more bytes than this; `<= 0` disables it.
    pub max_bytes: i64,
}

/// `restore` result: `{ totalEntries }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreSummary {
    pub total_entries: u64,
}

enum Store {
    Memory(MemoryStore),
    Disk(DiskStore),
}

/// The key-value store. `Send + Sync`: share it between VU threads through [`KvHandle`].
pub struct KvStore {
    options: KvOptions,
    store: Store,
    closed: AtomicBool,
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {{
        $self.check_open()?;
        match &$self.store {
            Store::Memory($s) => $e,
            Store::Disk($s) => $e,
        }
    }};
}

impl KvStore {
    /// Opens a store of its own, outside the process-wide registry (tests, tools). Scripts go
    /// through [`open_shared`].
    pub fn open(options: &KvOptions) -> Result<KvStore, KvError> {
        let options = options.normalized();
        let store = match options.backend {
            Backend::Memory => Store::Memory(MemoryStore::new()),
            Backend::Disk => Store::Disk(DiskStore::open(&options.path)?),
        };
        Ok(KvStore {
            options,
            store,
            closed: AtomicBool::new(false),
        })
    }

    /// The options the store was opened with (`path` made absolute).
    pub fn options(&self) -> &KvOptions {
        &self.options
    }

    /// `get(key)`: the value, or [`KvError::KeyNotFound`].
    pub fn get(&self, key: &str) -> Result<Value, KvError> {
        check_key(key)?;
        let found = dispatch!(self, s => s.get(key)?);
        found.ok_or_else(|| KvError::KeyNotFound {
            key: key.to_owned(),
        })
    }

    /// `set(key, value)`: creates or overwrites. The JS promise resolves to the value passed in.
    pub fn set(&self, key: &str, value: Value) -> Result<(), KvError> {
        check_key(key)?;
        check_value(key, &value)?;
        dispatch!(self, s => s.set(key, value))
    }

    /// `delete(key)`: removes the key if present. Always `true`, as in xk6-kv.
    pub fn delete(&self, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        dispatch!(self, s => s.delete_if_exists(key))?;
        Ok(true)
    }

    /// `exists(key)`.
    pub fn exists(&self, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        dispatch!(self, s => s.exists(key))
    }

    /// `list({ prefix, limit })`: entries whose key starts with `prefix`, sorted by key bytes;
    /// `limit <= 0` means all of them.
    pub fn list(&self, prefix: &str, limit: i64) -> Result<Vec<Entry>, KvError> {
        let (entries, _more) = dispatch!(self, s => s.scan(prefix, None, limit_of(limit)))?;
        Ok(entries)
    }

    /// `scan({ prefix, limit, cursor })`: one page of `list`, continuing after `cursor`
    /// (`""` starts from the beginning). The cursor is the base64 (standard alphabet) of the last
    /// key of the page, as in xk6-kv; it is empty and `done` is true when nothing follows.
    pub fn scan(&self, prefix: &str, limit: i64, cursor: &str) -> Result<ScanPage, KvError> {
        let after = decode_cursor(cursor)?;
        let (entries, more) =
            dispatch!(self, s => s.scan(prefix, after.as_deref(), limit_of(limit)))?;
        let cursor = match (more, entries.last()) {
            (true, Some(last)) => base64::engine::general_purpose::STANDARD.encode(&last.key),
            _ => String::new(),
        };
        Ok(ScanPage {
            done: cursor.is_empty(),
            entries,
            cursor,
        })
    }

    /// `clear()`: removes every key. Always `true`.
    pub fn clear(&self) -> Result<bool, KvError> {
        dispatch!(self, s => s.clear())?;
        Ok(true)
    }

    /// `size()`: the number of keys.
    pub fn size(&self) -> Result<u64, KvError> {
        dispatch!(self, s => s.count(""))
    }

    /// `count({ prefix })`: the number of keys starting with `prefix` (`""`: all, like `size`).
    pub fn count(&self, prefix: &str) -> Result<u64, KvError> {
        dispatch!(self, s => s.count(prefix))
    }

    /// `incrementBy(key, delta)`: atomically adds `delta` to the decimal integer stored at `key`
    /// (absent or empty: 0) and returns the new value. A stored value that is not a decimal
    /// `i64`, or a result outside `i64`, is [`KvError::ValueParse`] and changes nothing.
    pub fn increment_by(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        check_key(key)?;
        dispatch!(self, s => s.increment_by(key, delta))
    }

    /// `getOrSet(key, value)`: the existing value (`loaded: true`), or stores `value` and returns
    /// it (`loaded: false`).
    pub fn get_or_set(&self, key: &str, value: Value) -> Result<GetOrSetResult, KvError> {
        check_key(key)?;
        check_value(key, &value)?;
        dispatch!(self, s => s.get_or_set(key, value))
    }

    /// `swap(key, value)`: stores `value` and returns what was there before.
    pub fn swap(&self, key: &str, value: Value) -> Result<SwapResult, KvError> {
        check_key(key)?;
        check_value(key, &value)?;
        dispatch!(self, s => s.swap(key, value))
    }

    /// `compareAndSwap(key, oldValue, newValue)`: stores `new` only if the stored bytes equal
    /// `old`; `old: None` (JS `null`/`undefined`) means "only if the key is absent".
    pub fn compare_and_swap(
        &self,
        key: &str,
        old: Option<&[u8]>,
        new: Value,
    ) -> Result<bool, KvError> {
        check_key(key)?;
        check_value(key, &new)?;
        dispatch!(self, s => s.compare_and_swap(key, old, new))
    }

    /// `deleteIfExists(key)`: true if the key existed and was removed.
    pub fn delete_if_exists(&self, key: &str) -> Result<bool, KvError> {
        check_key(key)?;
        dispatch!(self, s => s.delete_if_exists(key))
    }

    /// `compareAndDelete(key, oldValue)`: removes the key only if its stored bytes equal `old`
    /// (a JS `null` is compared as its serialization, not as "absent").
    pub fn compare_and_delete(&self, key: &str, old: &[u8]) -> Result<bool, KvError> {
        check_key(key)?;
        dispatch!(self, s => s.compare_and_delete(key, old))
    }

    /// `getMany(keys)`: one item per key, in order; `None` for missing keys (JS
    /// `{ key, exists: false, value: null }`). Read as one atomic snapshot.
    pub fn get_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Option<Value>>, KvError> {
        for key in keys {
            check_key(key.as_ref())?;
        }
        dispatch!(self, s => s.get_many(keys))
    }

    /// `setMany(entries)`: writes all entries atomically (all or none); returns how many were
    /// written (JS `{ written }`). A later duplicate key wins.
    pub fn set_many(&self, entries: Vec<(String, Value)>) -> Result<u64, KvError> {
        for (key, value) in &entries {
            check_key(key)?;
            check_value(key, value)?;
        }
        dispatch!(self, s => s.set_many(entries))
    }

    /// `deleteMany(keys)`: removes the keys atomically; a key named twice counts as missing the
    /// second time.
    pub fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<DeleteManyResult, KvError> {
        for key in keys {
            check_key(key.as_ref())?;
        }
        dispatch!(self, s => s.delete_many(keys))
    }

    /// `randomKey({ prefix })`: a uniformly chosen key starting with `prefix`, or `None` (JS `""`)
    /// when no key matches.
    pub fn random_key(&self, prefix: &str) -> Result<Option<String>, KvError> {
        dispatch!(self, s => s.random_key(prefix))
    }

    /// `backup({ fileName, allowConcurrentWrites })`: writes a point-in-time snapshot of every
    /// entry to `file_name` (default: the `path` option). The snapshot is a disk-backend database
    /// file (redb, table `k6`, mode 0600), so `openKv({ backend: "disk", path: fileName })` opens
    /// it directly; it is written to a temporary file and renamed into place. Backing the disk
    /// backend up to its own file is a no-op that reports its size, as in xk6-kv.
    pub fn backup(&self, options: &BackupOptions) -> Result<BackupSummary, KvError> {
        let target = self.snapshot_path(options.file_name.as_deref());
        dispatch!(self, s => s.backup(&target))
    }

    /// `restore({ fileName, maxEntries, maxBytes })`: atomically replaces the whole store with the
    /// snapshot's entries (default file: the `path` option). Restoring the disk backend from its
    /// own file is a no-op, as in xk6-kv. On any error the store is unchanged.
    pub fn restore(&self, options: &RestoreOptions) -> Result<RestoreSummary, KvError> {
        let source = self.snapshot_path(options.file_name.as_deref());
        let budget = snapshot::Budget::new(options.max_entries, options.max_bytes);
        dispatch!(self, s => s.restore(&source, budget))
    }

    fn snapshot_path(&self, given: Option<&Path>) -> PathBuf {
        match given {
            Some(path) if !path.as_os_str().is_empty() => path.to_owned(),
            _ => self.options.path.clone(),
        }
    }

    fn check_open(&self) -> Result<(), KvError> {
        if self.closed.load(Ordering::Acquire) {
            Err(KvError::StoreClosed)
        } else {
            Ok(())
        }
    }

    /// Closes the store: later calls fail with [`KvError::StoreClosed`]; the disk backend finishes
    /// pending writes and releases its file. Idempotent.
    pub(crate) fn shutdown(&self) -> Result<(), KvError> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        match &self.store {
            Store::Memory(s) => {
                s.clear()?;
                Ok(())
            }
            Store::Disk(s) => s.shutdown(),
        }
    }
}

// VU threads share the store; keep that a compile-time fact.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<KvStore>();
    assert_send_sync::<KvHandle>();
};

/// The operations both backends implement; [`KvStore`] validates arguments before calling them.
trait Backing {
    fn get(&self, key: &str) -> Result<Option<Value>, KvError>;
    fn set(&self, key: &str, value: Value) -> Result<(), KvError>;
    fn exists(&self, key: &str) -> Result<bool, KvError>;
    /// Entries with `prefix`, after `after` if given, at most `limit` (`None`: all); the bool
    /// says whether more entries follow.
    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<(Vec<Entry>, bool), KvError>;
    fn clear(&self) -> Result<(), KvError>;
    fn count(&self, prefix: &str) -> Result<u64, KvError>;
    fn increment_by(&self, key: &str, delta: i64) -> Result<i64, KvError>;
    fn get_or_set(&self, key: &str, value: Value) -> Result<GetOrSetResult, KvError>;
    fn swap(&self, key: &str, value: Value) -> Result<SwapResult, KvError>;
    fn compare_and_swap(&self, key: &str, old: Option<&[u8]>, new: Value) -> Result<bool, KvError>;
    fn delete_if_exists(&self, key: &str) -> Result<bool, KvError>;
    fn compare_and_delete(&self, key: &str, old: &[u8]) -> Result<bool, KvError>;
    fn get_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Option<Value>>, KvError>;
    fn set_many(&self, entries: Vec<(String, Value)>) -> Result<u64, KvError>;
    fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<DeleteManyResult, KvError>;
    fn random_key(&self, prefix: &str) -> Result<Option<String>, KvError>;
    fn backup(&self, target: &Path) -> Result<BackupSummary, KvError>;
    fn restore(&self, source: &Path, budget: snapshot::Budget) -> Result<RestoreSummary, KvError>;
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.is_empty() {
        return Err(KvError::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(KvError::KeyTooLarge {
            len: key.len(),
            max: MAX_KEY_BYTES,
        });
    }
    Ok(())
}

fn check_value(key: &str, value: &[u8]) -> Result<(), KvError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(KvError::ValueTooLarge {
            key: key.to_owned(),
            len: value.len(),
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(())
}

fn limit_of(limit: i64) -> Option<usize> {
    if limit <= 0 {
        None
    } else {
        Some(usize::try_from(limit).unwrap_or(usize::MAX))
    }
}

fn decode_cursor(cursor: &str) -> Result<Option<String>, KvError> {
    if cursor.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: String| KvError::InvalidCursor {
        cursor: cursor.to_owned(),
        reason,
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .map_err(|e| invalid(e.to_string()))?;
    let key = String::from_utf8(raw).map_err(|_| invalid("not a key".to_owned()))?;
    Ok(Some(key))
}

/// The counter stored at `key` (`None`/empty: 0) plus `delta`, and its decimal text.
fn incremented(key: &str, current: Option<&[u8]>, delta: i64) -> Result<(i64, Value), KvError> {
    let current = match current {
        None | Some(b"") => 0,
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.parse::<i64>().ok())
            .ok_or_else(|| {
                let shown: String = String::from_utf8_lossy(bytes).chars().take(64).collect();
                KvError::value_parse(
                    key,
                    format!("stored value {shown:?} is not a decimal integer"),
                )
            })?,
    };
    let next = current
        .checked_add(delta)
        .ok_or_else(|| KvError::value_parse(key, "integer overflow"))?;
    Ok((next, Value::from(next.to_string())))
}

struct SharedSlot {
    store: Arc<KvStore>,
    handles: usize,
}

static SHARED: Mutex<Option<SharedSlot>> = Mutex::new(None);

/// One `openKv()` call's reference to the process-wide store. Derefs to [`KvStore`].
///
/// The store stays open while any handle is open: [`KvHandle::close`] (the JS `close()`) and
/// dropping the handle each release it once, and the last release closes the store (the disk
/// backend then releases its file). Mirrors xk6-kv's reference-counted `close()`.
pub struct KvHandle {
    store: Arc<KvStore>,
    released: AtomicBool,
}

impl std::ops::Deref for KvHandle {
    type Target = KvStore;

    fn deref(&self) -> &KvStore {
        &self.store
    }
}

impl KvHandle {
    /// JS `close()`: releases this handle; the last one closes the store. Idempotent.
    pub fn close(&self) -> Result<(), KvError> {
        if self.released.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut slot = SHARED.lock();
        let last = match slot.as_mut() {
            Some(shared) if Arc::ptr_eq(&shared.store, &self.store) => {
                shared.handles = shared.handles.saturating_sub(1);
                shared.handles == 0
            }
            _ => false,
        };
        if last {
            *slot = None;
            self.store.shutdown()
        } else {
            Ok(())
        }
    }
}

impl Drop for KvHandle {
    fn drop(&mut self) {
        if let Err(err) = self.close() {
            tracing::warn!("closing the kv store failed: {err}");
        }
    }
}

/// `openKv(options)`: the process-wide store, opened on first call. Later calls with equal
/// options share it; calls with other options fail with [`KvError::OptionsConflict`], naming
/// both option sets. After the last handle is closed, the next call opens a fresh store.
pub fn open_shared(options: &KvOptions) -> Result<KvHandle, KvError> {
    let requested = options.normalized();
    let mut slot = SHARED.lock();
    if let Some(shared) = slot.as_mut() {
        if shared.store.options != requested {
            return Err(KvError::OptionsConflict {
                existing: shared.store.options.to_string(),
                requested: requested.to_string(),
            });
        }
        shared.handles += 1;
        return Ok(KvHandle {
            store: Arc::clone(&shared.store),
            released: AtomicBool::new(false),
        });
    }
    let store = Arc::new(KvStore::open(&requested)?);
    *slot = Some(SharedSlot {
        store: Arc::clone(&store),
        handles: 1,
    });
    Ok(KvHandle {
        store,
        released: AtomicBool::new(false),
    })
}
