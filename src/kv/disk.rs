//! Disk backend: one redb file (crash-safe, copy-on-write B-tree with checksummed commits).
//!
//! Durability vs throughput: every acknowledged write is durable (committed with
//! `Durability::Immediate`, i.e. fsynced, before the call returns). One fsync per write would cap
//! a load test at a few hundred writes per second, so writes go through a group commit: a single
//! writer thread takes every write request that is waiting, applies them in arrival order inside
//! one write transaction, commits once, then answers each caller. Under contention a commit (and
//! its fsync) is shared by many writes; a lone writer still pays one fsync per write.
//!
//! The arrival order is the linearization order: a request is answered only after its commit, so
//! a write issued after another was acknowledged always lands in a later commit. Reads run on the
//! calling thread in a redb read transaction and see every acknowledged write; they never wait
//! for the writer. An operation that fails its own check (`incrementBy` on a non-number) changes
//! nothing and does not affect the others in its commit; a storage failure fails every operation
//! of that commit, none of which was applied.
//!
//! Conditional writes whose condition already fails in a read transaction (`compareAndSwap`
//! against another value, `deleteIfExists` of an absent key, `getOrSet` of a present one, ...)
//! answer from that read and never reach the writer: they take effect at the read's snapshot,
//! which contains every write acknowledged before the call, so they stay linearizable and losers
//! of a race cost no fsync. When the condition holds, the writer checks it again in its
//! transaction, since another write may have landed in between.
//!
//! Opening checks the integrity of the whole file (checksums of every page), so a corrupt file
//! is reported as [`KvError::DiskCorrupt`] and left as it was instead of being trusted.

use std::fs::OpenOptions;
use std::ops::Bound;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Mutex, RwLock};
use rand::Rng as _;
use redb::backends::FileBackend;
use redb::{
    Database, ReadTransaction, ReadableDatabase as _, ReadableTable as _,
    ReadableTableMetadata as _,
};

use super::snapshot::{self, Budget, CACHE_BYTES, TABLE, no_panic};
use super::{
    Backing, BackupSummary, DeleteManyResult, Entry, GetOrSetResult, KvError, RestoreSummary,
    SwapResult, Value, incremented,
};

/// Most writes folded into one commit; bounds the work a caller may wait behind.
const MAX_BATCH: usize = 1024;

type Table<'t> = redb::Table<'t, &'static str, &'static [u8]>;

/// A write, with owned arguments so it can travel to the writer thread.
enum WriteOp {
    Set(String, Value),
    IncrementBy(String, i64),
    GetOrSet(String, Value),
    Swap(String, Value),
    CompareAndSwap(String, Option<Value>, Value),
    DeleteIfExists(String),
    CompareAndDelete(String, Value),
    SetMany(Vec<(String, Value)>),
    DeleteMany(Vec<String>),
    Clear,
    Replace(Vec<(String, Value)>),
}

enum Reply {
    Done,
    Flag(bool),
    Number(i64),
    Count(u64),
    Loaded(GetOrSetResult),
    Swapped(SwapResult),
    Deleted(DeleteManyResult),
}

struct WriteRequest {
    op: WriteOp,
    reply: Sender<Result<Reply, KvError>>,
}

pub(crate) struct DiskStore {
    path: PathBuf,
    /// `None` once shut down; reads hold the read lock for their whole transaction so shutdown
    /// can wait for them before releasing the file.
    db: RwLock<Option<Arc<Database>>>,
    requests: RwLock<Option<Sender<WriteRequest>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl DiskStore {
    pub(crate) fn open(path: &Path) -> Result<DiskStore, KvError> {
        let db = Arc::new(open_database(path)?);
        let (tx, rx) = crossbeam_channel::unbounded();
        let writer_db = Arc::clone(&db);
        let writer = std::thread::Builder::new()
            .name("rk6-kv-writer".to_owned())
            .spawn(move || writer_loop(&writer_db, &rx))
            .map_err(|e| KvError::DiskOpen {
                path: path.to_owned(),
                detail: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(DiskStore {
            path: path.to_owned(),
            db: RwLock::new(Some(db)),
            requests: RwLock::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Finishes queued writes, stops the writer and closes the file (releasing its lock).
    pub(crate) fn shutdown(&self) -> Result<(), KvError> {
        // Dropping the sender lets the writer drain the queue and exit.
        self.requests.write().take();
        if let Some(writer) = self.writer.lock().take()
            && writer.join().is_err()
        {
            tracing::warn!("the kv disk writer thread panicked");
        }
        let db = self.db.write().take();
        if let Some(db) = db.and_then(|db| Arc::try_unwrap(db).ok()) {
            db.close()
                .map_err(|e| KvError::DiskWrite(format!("closing {:?}: {e}", self.path)))?;
        }
        Ok(())
    }

    fn write(&self, op: WriteOp) -> Result<Reply, KvError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        {
            let requests = self.requests.read();
            let sender = requests.as_ref().ok_or(KvError::StoreClosed)?;
            sender
                .send(WriteRequest { op, reply })
                .map_err(|_| writer_gone())?;
        }
        answer.recv().map_err(|_| writer_gone())?
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        let db = self.db.read();
        let db = db.as_ref().ok_or(KvError::StoreClosed)?;
        let txn = db.begin_read().map_err(read_error)?;
        f(&txn)
    }

    fn read_table<T>(
        &self,
        f: impl FnOnce(&redb::ReadOnlyTable<&'static str, &'static [u8]>) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        self.read(|txn| {
            let table = txn.open_table(TABLE).map_err(read_error)?;
            f(&table)
        })
    }
}

impl Drop for DiskStore {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown() {
            tracing::warn!("closing the kv disk store failed: {err}");
        }
    }
}

fn writer_gone() -> KvError {
    KvError::DiskWrite("the disk store writer stopped unexpectedly".to_owned())
}

fn read_error(e: impl Into<redb::Error>) -> KvError {
    KvError::DiskRead(e.into().to_string())
}

fn write_error(e: impl Into<redb::Error>) -> KvError {
    KvError::DiskWrite(e.into().to_string())
}

/// Opens (creating with mode 0600 if absent) and integrity-checks the redb file at `path`.
fn open_database(path: &Path) -> Result<Database, KvError> {
    let open_failed = |detail: String| KvError::DiskOpen {
        path: path.to_owned(),
        detail,
    };
    if path.is_dir() {
        return Err(KvError::DiskPath {
            path: path.to_owned(),
            detail: "it is a directory".to_owned(),
        });
    }
    snapshot::create_parent_dirs(path).map_err(|e| KvError::DiskPath {
        path: path.to_owned(),
        detail: format!("cannot create its directory: {e}"),
    })?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| open_failed(e.to_string()))?;
    let corrupt = |detail: String| KvError::DiskCorrupt {
        path: path.to_owned(),
        detail,
    };
    no_panic(corrupt, || {
        let backend = FileBackend::new(file).map_err(|e| open_failed(e.to_string()))?;
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .set_check_integrity_on_open(true)
            .create_with_backend(backend)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen
                | redb::DatabaseError::LockProtocolMismatch => KvError::DiskLocked {
                    path: path.to_owned(),
                },
                // redb reports a foreign file (bad magic number) as invalid data.
                redb::DatabaseError::Storage(redb::StorageError::Io(io))
                    if io.kind() != std::io::ErrorKind::InvalidData =>
                {
                    open_failed(io.to_string())
                }
                redb::DatabaseError::UpgradeRequired(version) => open_failed(format!(
                    "the file has redb format version {version}, which this rk6 cannot open"
                )),
                other => corrupt(other.to_string()),
            })?;
        // Create the table up front so that reads never meet a missing table.
        let txn = db.begin_write().map_err(write_error)?;
        txn.open_table(TABLE).map_err(|e| match e {
            redb::TableError::TableTypeMismatch { .. } => {
                corrupt("it is a redb file whose \"k6\" table has other types".to_owned())
            }
            other => write_error(other),
        })?;
        txn.commit().map_err(write_error)?;
        Ok(db)
    })
}

fn writer_loop(db: &Database, requests: &Receiver<WriteRequest>) {
    let mut batch: Vec<WriteRequest> = Vec::with_capacity(MAX_BATCH);
    let mut results: Vec<Result<Reply, KvError>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = requests.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let outcome = commit_batch(db, &batch, &mut results);
        for (i, request) in batch.drain(..).enumerate() {
            let answer = match &outcome {
                Ok(()) => results.get_mut(i).map_or_else(
                    || Err(KvError::Internal("missing write result".to_owned())),
                    |r| std::mem::replace(r, Ok(Reply::Done)),
                ),
                Err(e) => Err(e.clone()),
            };
            // A caller that gave up waiting has nothing left to tell.
            let _ = request.reply.send(answer);
        }
        results.clear();
    }
}

/// Applies every request of `batch` in one transaction and commits it durably. Per-request
/// outcomes go to `results`; an `Err` return means nothing was committed.
fn commit_batch(
    db: &Database,
    batch: &[WriteRequest],
    results: &mut Vec<Result<Reply, KvError>>,
) -> Result<(), KvError> {
    let mut txn = db.begin_write().map_err(write_error)?;
    txn.set_durability(redb::Durability::Immediate)
        .map_err(|e| KvError::DiskWrite(e.to_string()))?;
    {
        let mut table = txn.open_table(TABLE).map_err(write_error)?;
        for request in batch {
            match apply(&mut table, &request.op) {
                Ok(reply) => results.push(Ok(reply)),
                Err(Failure::Rejected(e)) => results.push(Err(e)),
                Err(Failure::Storage(e)) => return Err(e),
            }
        }
    }
    txn.commit().map_err(write_error)
}

enum Failure {
    /// The operation's own check failed; it changed nothing and the commit goes on.
    Rejected(KvError),
    /// The storage failed; the whole transaction must be abandoned.
    Storage(KvError),
}

fn storage(e: impl Into<redb::Error>) -> Failure {
    Failure::Storage(write_error(e))
}

fn current(table: &Table<'_>, key: &str) -> Result<Option<Value>, Failure> {
    Ok(table
        .get(key)
        .map_err(storage)?
        .map(|v| Value::copy_from_slice(v.value())))
}

fn apply(table: &mut Table<'_>, op: &WriteOp) -> Result<Reply, Failure> {
    match op {
        WriteOp::Set(key, value) => {
            table.insert(key.as_str(), &value[..]).map_err(storage)?;
            Ok(Reply::Done)
        }
        WriteOp::IncrementBy(key, delta) => {
            let (next, text) = {
                let existing = table.get(key.as_str()).map_err(storage)?;
                incremented(key, existing.as_ref().map(|v| v.value()), *delta)
                    .map_err(Failure::Rejected)?
            };
            table.insert(key.as_str(), &text[..]).map_err(storage)?;
            Ok(Reply::Number(next))
        }
        WriteOp::GetOrSet(key, value) => {
            if let Some(existing) = current(table, key)? {
                return Ok(Reply::Loaded(GetOrSetResult {
                    value: existing,
                    loaded: true,
                }));
            }
            table.insert(key.as_str(), &value[..]).map_err(storage)?;
            Ok(Reply::Loaded(GetOrSetResult {
                value: value.clone(),
                loaded: false,
            }))
        }
        WriteOp::Swap(key, value) => {
            let previous = table
                .insert(key.as_str(), &value[..])
                .map_err(storage)?
                .map(|v| Value::copy_from_slice(v.value()));
            Ok(Reply::Swapped(SwapResult {
                loaded: previous.is_some(),
                previous,
            }))
        }
        WriteOp::CompareAndSwap(key, old, new) => {
            let matches = {
                let existing = table.get(key.as_str()).map_err(storage)?;
                match (existing, old) {
                    (None, None) => true,
                    (Some(existing), Some(old)) => existing.value() == &old[..],
                    _ => false,
                }
            };
            if matches {
                table.insert(key.as_str(), &new[..]).map_err(storage)?;
            }
            Ok(Reply::Flag(matches))
        }
        WriteOp::DeleteIfExists(key) => {
            let removed = table.remove(key.as_str()).map_err(storage)?.is_some();
            Ok(Reply::Flag(removed))
        }
        WriteOp::CompareAndDelete(key, old) => {
            let matches = table
                .get(key.as_str())
                .map_err(storage)?
                .is_some_and(|existing| existing.value() == &old[..]);
            if matches {
                table.remove(key.as_str()).map_err(storage)?;
            }
            Ok(Reply::Flag(matches))
        }
        WriteOp::SetMany(entries) => {
            for (key, value) in entries {
                table.insert(key.as_str(), &value[..]).map_err(storage)?;
            }
            Ok(Reply::Count(entries.len() as u64))
        }
        WriteOp::DeleteMany(keys) => {
            let mut result = DeleteManyResult::default();
            for key in keys {
                if table.remove(key.as_str()).map_err(storage)?.is_some() {
                    result.deleted += 1;
                } else {
                    result.missing += 1;
                }
            }
            Ok(Reply::Deleted(result))
        }
        WriteOp::Clear => {
            table.retain(|_, _| false).map_err(storage)?;
            Ok(Reply::Done)
        }
        WriteOp::Replace(entries) => {
            table.retain(|_, _| false).map_err(storage)?;
            for (key, value) in entries {
                table.insert(key.as_str(), &value[..]).map_err(storage)?;
            }
            Ok(Reply::Count(entries.len() as u64))
        }
    }
}

fn unexpected_reply() -> KvError {
    KvError::Internal("the disk writer answered with the wrong kind of result".to_owned())
}

fn start_bound<'a>(prefix: &'a str, after: Option<&'a str>) -> Bound<&'a str> {
    match after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    }
}

type ReadTable = redb::ReadOnlyTable<&'static str, &'static [u8]>;

/// Visits the keys starting with `prefix`, in order, until `visit` returns false.
fn for_each_with_prefix(
    table: &ReadTable,
    prefix: &str,
    after: Option<&str>,
    mut visit: impl FnMut(&str, &[u8]) -> bool,
) -> Result<(), KvError> {
    let range = table
        .range::<&str>((start_bound(prefix, after), Bound::Unbounded))
        .map_err(read_error)?;
    for item in range {
        let (key, value) = item.map_err(read_error)?;
        let key = key.value();
        if !key.starts_with(prefix) || !visit(key, value.value()) {
            break;
        }
    }
    Ok(())
}

fn count_with_prefix(table: &ReadTable, prefix: &str) -> Result<u64, KvError> {
    if prefix.is_empty() {
        return table.len().map_err(read_error);
    }
    let mut count = 0u64;
    for_each_with_prefix(table, prefix, None, |_, _| {
        count += 1;
        true
    })?;
    Ok(count)
}

impl Backing for DiskStore {
    fn get(&self, key: &str) -> Result<Option<Value>, KvError> {
        self.read_table(|table| {
            Ok(table
                .get(key)
                .map_err(read_error)?
                .map(|v| Value::copy_from_slice(v.value())))
        })
    }

    fn set(&self, key: &str, value: Value) -> Result<(), KvError> {
        match self.write(WriteOp::Set(key.to_owned(), value))? {
            Reply::Done => Ok(()),
            _ => Err(unexpected_reply()),
        }
    }

    fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.read_table(|table| Ok(table.get(key).map_err(read_error)?.is_some()))
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<(Vec<Entry>, bool), KvError> {
        self.read_table(|table| {
            let mut entries = Vec::with_capacity(limit.unwrap_or(0).min(1024));
            let mut more = false;
            for_each_with_prefix(table, prefix, after, |key, value| {
                if limit.is_some_and(|l| entries.len() >= l) {
                    more = true;
                    return false;
                }
                entries.push(Entry {
                    key: key.to_owned(),
                    value: Value::copy_from_slice(value),
                });
                true
            })?;
            Ok((entries, more))
        })
    }

    fn clear(&self) -> Result<(), KvError> {
        match self.write(WriteOp::Clear)? {
            Reply::Done => Ok(()),
            _ => Err(unexpected_reply()),
        }
    }

    fn count(&self, prefix: &str) -> Result<u64, KvError> {
        self.read_table(|table| count_with_prefix(table, prefix))
    }

    fn increment_by(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        match self.write(WriteOp::IncrementBy(key.to_owned(), delta))? {
            Reply::Number(n) => Ok(n),
            _ => Err(unexpected_reply()),
        }
    }

    fn get_or_set(&self, key: &str, value: Value) -> Result<GetOrSetResult, KvError> {
        if let Some(existing) = self.get(key)? {
            return Ok(GetOrSetResult {
                value: existing,
                loaded: true,
            });
        }
        match self.write(WriteOp::GetOrSet(key.to_owned(), value))? {
            Reply::Loaded(result) => Ok(result),
            _ => Err(unexpected_reply()),
        }
    }

    fn swap(&self, key: &str, value: Value) -> Result<SwapResult, KvError> {
        match self.write(WriteOp::Swap(key.to_owned(), value))? {
            Reply::Swapped(result) => Ok(result),
            _ => Err(unexpected_reply()),
        }
    }

    fn compare_and_swap(&self, key: &str, old: Option<&[u8]>, new: Value) -> Result<bool, KvError> {
        let matches = match (self.get(key)?, old) {
            (None, None) => true,
            (Some(current), Some(old)) => current[..] == *old,
            _ => false,
        };
        if !matches {
            return Ok(false);
        }
        let old = old.map(Value::copy_from_slice);
        match self.write(WriteOp::CompareAndSwap(key.to_owned(), old, new))? {
            Reply::Flag(swapped) => Ok(swapped),
            _ => Err(unexpected_reply()),
        }
    }

    fn delete_if_exists(&self, key: &str) -> Result<bool, KvError> {
        if !self.exists(key)? {
            return Ok(false);
        }
        match self.write(WriteOp::DeleteIfExists(key.to_owned()))? {
            Reply::Flag(deleted) => Ok(deleted),
            _ => Err(unexpected_reply()),
        }
    }

    fn compare_and_delete(&self, key: &str, old: &[u8]) -> Result<bool, KvError> {
        if self.get(key)?.is_none_or(|current| current[..] != *old) {
            return Ok(false);
        }
        let op = WriteOp::CompareAndDelete(key.to_owned(), Value::copy_from_slice(old));
        match self.write(op)? {
            Reply::Flag(deleted) => Ok(deleted),
            _ => Err(unexpected_reply()),
        }
    }

    fn get_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Option<Value>>, KvError> {
        self.read_table(|table| {
            keys.iter()
                .map(|key| {
                    Ok(table
                        .get(key.as_ref())
                        .map_err(read_error)?
                        .map(|v| Value::copy_from_slice(v.value())))
                })
                .collect()
        })
    }

    fn set_many(&self, entries: Vec<(String, Value)>) -> Result<u64, KvError> {
        match self.write(WriteOp::SetMany(entries))? {
            Reply::Count(n) => Ok(n),
            _ => Err(unexpected_reply()),
        }
    }

    fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<DeleteManyResult, KvError> {
        let keys = keys.iter().map(|k| k.as_ref().to_owned()).collect();
        match self.write(WriteOp::DeleteMany(keys))? {
            Reply::Deleted(result) => Ok(result),
            _ => Err(unexpected_reply()),
        }
    }

    fn random_key(&self, prefix: &str) -> Result<Option<String>, KvError> {
        self.read_table(|table| {
            let total = count_with_prefix(table, prefix)?;
            if total == 0 {
                return Ok(None);
            }
            let mut skip = rand::rng().random_range(0..total);
            let mut chosen = None;
            for_each_with_prefix(table, prefix, None, |key, _| {
                if skip == 0 {
                    chosen = Some(key.to_owned());
                    return false;
                }
                skip -= 1;
                true
            })?;
            Ok(chosen)
        })
    }

    fn backup(&self, target: &Path) -> Result<BackupSummary, KvError> {
        if snapshot::same_file(target, &self.path) {
            // Copying the live file onto itself would destroy it; xk6-kv reports it instead.
            let total_entries = self.count("")?;
            let bytes_written = std::fs::metadata(&self.path)
                .map_err(|e| KvError::DiskRead(e.to_string()))?
                .len();
            return Ok(BackupSummary {
                total_entries,
                bytes_written,
                best_effort: false,
                warning: None,
            });
        }
        // One read transaction is a point-in-time view that never blocks the writer.
        self.read_table(|table| {
            snapshot::write(target, |sink| {
                for item in table.iter().map_err(read_error)? {
                    let (key, value) = item.map_err(read_error)?;
                    sink.insert(key.value(), value.value())?;
                }
                Ok(())
            })
        })
    }

    fn restore(&self, source: &Path, budget: Budget) -> Result<RestoreSummary, KvError> {
        if snapshot::same_file(source, &self.path) {
            return Ok(RestoreSummary {
                total_entries: self.count("")?,
            });
        }
        let entries = snapshot::read(source, budget)?;
        match self.write(WriteOp::Replace(entries))? {
            Reply::Count(total_entries) => Ok(RestoreSummary { total_entries }),
            _ => Err(unexpected_reply()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    use super::super::tests::file_mode;
    use super::super::{Backend, BackupOptions, KvOptions, KvStore, RestoreOptions};
    use super::*;

    fn options(path: &Path) -> KvOptions {
        KvOptions {
            backend: Backend::Disk,
            path: path.to_owned(),
            ..KvOptions::default()
        }
    }

    fn open(path: &Path) -> Result<KvStore, KvError> {
        KvStore::open(&options(path))
    }

    #[test]
    fn file_is_created_with_mode_0600_in_created_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/store.kv");
        let kv = open(&path).unwrap();
        kv.set("k", Value::from_static(b"1")).unwrap();
        assert_eq!(file_mode(&path), 0o600);
        assert_eq!(file_mode(path.parent().unwrap()) & 0o700, 0o700);
    }

    #[test]
    fn reopening_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        {
            let kv = open(&path).unwrap();
            kv.set("a", Value::from_static(b"\"x\"")).unwrap();
            kv.increment_by("n", 41).unwrap();
            kv.set_many(vec![("b".into(), Value::from_static(b"2"))])
                .unwrap();
            kv.delete("b").unwrap();
        }
        let kv = open(&path).unwrap();
        assert_eq!(kv.get("a").unwrap(), Value::from_static(b"\"x\""));
        assert_eq!(kv.increment_by("n", 1).unwrap(), 42);
        assert!(!kv.exists("b").unwrap());
        assert_eq!(kv.size().unwrap(), 2);
    }

    #[test]
    fn a_second_open_of_the_same_file_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        let first = open(&path).unwrap();
        first.set("k", Value::from_static(b"1")).unwrap();
        let err = open(&path).err().expect("the file is locked");
        assert_eq!(err, KvError::DiskLocked { path: path.clone() });
        assert_eq!(err.name(), "DiskStoreOpenError");
        assert!(
            err.to_string().contains("locked by another process"),
            "{err}"
        );
        first.shutdown().unwrap();
        assert_eq!(
            open(&path).unwrap().get("k").unwrap(),
            Value::from_static(b"1")
        );
    }

    const LOCK_HOLDER_ENV: &str = "RK6_KV_TEST_LOCK_HOLDER";

    /// Not a test on its own: the child process of the test below, holding a store open until
    /// its stdin closes.
    #[test]
    #[ignore = "helper process of a_file_open_in_another_process_is_refused_clearly"]
    fn lock_holder_process() {
        let Some(path) = std::env::var_os(LOCK_HOLDER_ENV) else {
            return;
        };
        let kv = open(Path::new(&path)).unwrap();
        kv.set("holder", Value::from_static(b"1")).unwrap();
        println!("\nRK6-KV-LOCK-HELD");
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
    }

    #[test]
    fn a_file_open_in_another_process_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "kv::disk::tests::lock_holder_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(LOCK_HOLDER_ENV, &path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let locked = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("RK6-KV-LOCK-HELD"));
        assert!(locked, "the helper process did not open the store");

        let err = open(&path)
            .err()
            .expect("the file is held by the other process");
        assert_eq!(err, KvError::DiskLocked { path: path.clone() });

        drop(child.stdin.take());
        // Read the helper's last words so it never writes into a closed pipe.
        lines.for_each(drop);
        assert!(child.wait().unwrap().success());
        let kv = open(&path).unwrap();
        assert_eq!(kv.get("holder").unwrap(), Value::from_static(b"1"));
    }

    const CRASH_WRITER_ENV: &str = "RK6_KV_TEST_CRASH_WRITER";

    /// Not a test on its own: the child process of the test below, printing each counter value
    /// once its write is acknowledged, until it is killed (or gives up after a bounded run).
    #[test]
    #[ignore = "helper process of acknowledged_writes_survive_a_killed_process"]
    fn crash_writer_process() {
        let Some(path) = std::env::var_os(CRASH_WRITER_ENV) else {
            return;
        };
        let kv = open(Path::new(&path)).unwrap();
        for _ in 0..100_000 {
            let n = kv.increment_by("acked", 1).unwrap();
            println!("\nACK {n}");
        }
    }

    /// Kills the child on every exit path, so a failing test leaves no process behind.
    struct KillOnDrop(std::process::Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn acknowledged_writes_survive_a_killed_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        let mut child = KillOnDrop(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "kv::disk::tests::crash_writer_process",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CRASH_WRITER_ENV, &path)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let acked = |line: &str| {
            line.strip_prefix("ACK ")
                .and_then(|n| n.parse::<i64>().ok())
        };
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let mut last = 0;
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(n) = acked(&line) {
                last = n;
                if n >= 200 {
                    break;
                }
            }
        }
        assert!(last >= 200, "the writer process stopped early at {last}");
        child.0.kill().unwrap();
        for line in lines.map_while(Result::ok) {
            last = acked(&line).unwrap_or(last).max(last);
        }
        drop(child);

        let kv = open(&path).unwrap();
        let stored: i64 = std::str::from_utf8(&kv.get("acked").unwrap())
            .unwrap()
            .parse()
            .unwrap();
        // Every acknowledged write survived; at most the one in flight at the kill went further.
        assert!(
            stored == last || stored == last + 1,
            "stored {stored}, acknowledged {last}"
        );
    }

    fn assert_refused_as_corrupt(path: &Path) {
        let before = std::fs::read(path).unwrap();
        let err = open(path).err().expect("a corrupt file must not open");
        assert!(matches!(err, KvError::DiskCorrupt { .. }), "{err:?}");
        assert_eq!(err.name(), "DiskStoreOpenError");
        assert!(err.to_string().contains("left untouched"), "{err}");
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "the file was modified"
        );
    }

    #[test]
    fn a_file_that_is_not_a_store_is_refused_and_left_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(
            &path,
            b"some precious text that is not a database\n".repeat(300),
        )
        .unwrap();
        assert_refused_as_corrupt(&path);
    }

    #[test]
    fn a_corrupted_store_is_refused_and_left_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        {
            let kv = open(&path).unwrap();
            let entries = (0..2000)
                .map(|i| {
                    (
                        format!("key:{i:05}"),
                        Value::from(format!("value {i} ").repeat(20)),
                    )
                })
                .collect();
            kv.set_many(entries).unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 64 * 1024);
        // Scramble everything past the header: every data page is now garbage.
        for byte in &mut bytes[8192..] {
            *byte ^= 0x5a;
        }
        std::fs::write(&path, &bytes).unwrap();
        assert_refused_as_corrupt(&path);

        // A damaged header is refused too.
        let path2 = dir.path().join("store2.kv");
        let mut header_damaged = bytes.clone();
        for byte in &mut header_damaged[..64] {
            *byte = 0xff;
        }
        std::fs::write(&path2, &header_damaged).unwrap();
        assert_refused_as_corrupt(&path2);
    }

    #[test]
    fn a_directory_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = open(dir.path()).err().expect("a directory is not a store");
        assert_eq!(err.name(), "DiskPathError");
    }

    #[test]
    fn backup_to_and_restore_from_its_own_file_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.kv");
        let kv = open(&path).unwrap();
        kv.set("a", Value::from_static(b"1")).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let summary = kv.backup(&BackupOptions::default()).unwrap();
        assert_eq!(summary.total_entries, 1);
        assert_eq!(summary.bytes_written, before);
        let restored = kv.restore(&RestoreOptions::default()).unwrap();
        assert_eq!(restored.total_entries, 1);
        assert_eq!(kv.get("a").unwrap(), Value::from_static(b"1"));
    }

    #[test]
    fn writes_after_shutdown_fail_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let kv = open(&dir.path().join("store.kv")).unwrap();
        kv.shutdown().unwrap();
        assert_eq!(
            kv.set("k", Value::from_static(b"1")).unwrap_err(),
            KvError::StoreClosed
        );
        assert_eq!(kv.size().unwrap_err(), KvError::StoreClosed);
    }
}
