//! In-memory backend: keys hashed over power-of-two many shards, each a `BTreeMap` behind its own
//! `RwLock`, so VUs working on different keys rarely touch the same lock.
//!
//! Locking rules, which keep every operation deadlock-free:
//! - single-key operations lock one shard;
//! - operations over several shards (`*_many`, `clear`, `restore`) and every read of the whole
//!   store (`scan`, `count`, `random_key`, `backup`) lock the shards they need in increasing
//!   index order and hold them all until done, which makes them atomic snapshots/updates.
//!
//! A waiting lock chain therefore always points to a higher shard index, so it cannot close
//! into a cycle. Sorted listing merges the shards' ordered ranges with a heap.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::hash::BuildHasher;
use std::ops::Bound;
use std::path::Path;

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use rand::Rng as _;

use super::snapshot::{self, Budget};
use super::{
    Backing, BackupSummary, DeleteManyResult, Entry, GetOrSetResult, KvError, RestoreSummary,
    SwapResult, Value, incremented,
};

type Map = BTreeMap<Box<str>, Value>;

/// Padded to its own cache lines so neighbouring shards' lock words do not false-share.
#[repr(align(128))]
struct Shard {
    map: RwLock<Map>,
}

pub(crate) struct MemoryStore {
    shards: Box<[Shard]>,
    hasher: foldhash::fast::RandomState,
}

impl MemoryStore {
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
        let count = (cores * 8).next_power_of_two().clamp(16, 256);
        let shards = (0..count)
            .map(|_| Shard {
                map: RwLock::new(Map::new()),
            })
            .collect();
        MemoryStore {
            shards,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    fn shard_of(&self, key: &str) -> usize {
        // Truncating the hash is intended: only its low bits pick the shard.
        (self.hasher.hash_one(key) as usize) & (self.shards.len() - 1)
    }

    fn shard(&self, key: &str) -> &RwLock<Map> {
        &self.shards[self.shard_of(key)].map
    }

    fn read_all(&self) -> Vec<RwLockReadGuard<'_, Map>> {
        self.shards.iter().map(|s| s.map.read()).collect()
    }

    fn write_all(&self) -> Vec<RwLockWriteGuard<'_, Map>> {
        self.shards.iter().map(|s| s.map.write()).collect()
    }

    /// The distinct shard indexes of `keys`, sorted, and for each key its position in that list.
    fn shards_of<K: AsRef<str>>(&self, keys: &[K]) -> (Vec<usize>, Vec<usize>) {
        let per_key: Vec<usize> = keys.iter().map(|k| self.shard_of(k.as_ref())).collect();
        let mut distinct = per_key.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let positions = per_key
            .iter()
            .map(|idx| distinct.binary_search(idx).unwrap_or(0))
            .collect();
        (distinct, positions)
    }

    /// Every entry, copied out under all read locks (values are reference-counted, so this copies
    /// keys and bumps counters), then released before the caller does slow work with it.
    fn snapshot_entries(&self) -> Vec<(String, Value)> {
        let guards = self.read_all();
        let total = guards.iter().map(|g| g.len()).sum();
        let mut entries = Vec::with_capacity(total);
        for guard in &guards {
            entries.extend(guard.iter().map(|(k, v)| (k.to_string(), v.clone())));
        }
        entries
    }
}

fn start_bound<'a>(prefix: &'a str, after: Option<&'a str>) -> Bound<&'a str> {
    match after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    }
}

fn count_prefix(map: &Map, prefix: &str) -> usize {
    if prefix.is_empty() {
        return map.len();
    }
    map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with(prefix))
        .count()
}

impl Backing for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Value>, KvError> {
        Ok(self.shard(key).read().get(key).cloned())
    }

    fn set(&self, key: &str, value: Value) -> Result<(), KvError> {
        let mut map = self.shard(key).write();
        // Overwrites reuse the stored key instead of allocating a new one.
        if let Some(slot) = map.get_mut(key) {
            *slot = value;
        } else {
            map.insert(key.into(), value);
        }
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.shard(key).read().contains_key(key))
    }

    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<(Vec<Entry>, bool), KvError> {
        let guards = self.read_all();
        let start = start_bound(prefix, after);
        let mut ranges: Vec<_> = guards
            .iter()
            .map(|g| g.range::<str, _>((start, Bound::Unbounded)))
            .collect();
        // Heads of each shard's range that still match the prefix, merged smallest key first.
        let mut heads: Vec<Option<&Value>> = vec![None; ranges.len()];
        let mut heap = BinaryHeap::with_capacity(ranges.len());
        for (idx, range) in ranges.iter_mut().enumerate() {
            if let Some((k, v)) = range.next().filter(|(k, _)| k.starts_with(prefix)) {
                heads[idx] = Some(v);
                heap.push(Reverse((&**k, idx)));
            }
        }
        let mut entries = Vec::with_capacity(limit.unwrap_or(0).min(1024));
        while let Some(Reverse((key, idx))) = heap.pop() {
            if limit.is_some_and(|l| entries.len() >= l) {
                return Ok((entries, true));
            }
            let value = heads[idx].take().cloned().unwrap_or_default();
            entries.push(Entry {
                key: key.to_owned(),
                value,
            });
            if let Some((k, v)) = ranges[idx].next().filter(|(k, _)| k.starts_with(prefix)) {
                heads[idx] = Some(v);
                heap.push(Reverse((&**k, idx)));
            }
        }
        Ok((entries, false))
    }

    fn clear(&self) -> Result<(), KvError> {
        for mut guard in self.write_all() {
            guard.clear();
        }
        Ok(())
    }

    fn count(&self, prefix: &str) -> Result<u64, KvError> {
        let guards = self.read_all();
        let total: usize = guards.iter().map(|g| count_prefix(g, prefix)).sum();
        Ok(total as u64)
    }

    fn increment_by(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let mut map = self.shard(key).write();
        let (next, text) = incremented(key, map.get(key).map(|v| &v[..]), delta)?;
        if let Some(slot) = map.get_mut(key) {
            *slot = text;
        } else {
            map.insert(key.into(), text);
        }
        Ok(next)
    }

    fn get_or_set(&self, key: &str, value: Value) -> Result<GetOrSetResult, KvError> {
        let mut map = self.shard(key).write();
        if let Some(existing) = map.get(key) {
            return Ok(GetOrSetResult {
                value: existing.clone(),
                loaded: true,
            });
        }
        map.insert(key.into(), value.clone());
        Ok(GetOrSetResult {
            value,
            loaded: false,
        })
    }

    fn swap(&self, key: &str, value: Value) -> Result<SwapResult, KvError> {
        let mut map = self.shard(key).write();
        let previous = match map.get_mut(key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                map.insert(key.into(), value);
                None
            }
        };
        Ok(SwapResult {
            loaded: previous.is_some(),
            previous,
        })
    }

    fn compare_and_swap(&self, key: &str, old: Option<&[u8]>, new: Value) -> Result<bool, KvError> {
        let mut map = self.shard(key).write();
        match (map.get_mut(key), old) {
            (None, None) => {
                map.insert(key.into(), new);
                Ok(true)
            }
            (Some(slot), Some(old)) if slot[..] == *old => {
                *slot = new;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn delete_if_exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.shard(key).write().remove(key).is_some())
    }

    fn compare_and_delete(&self, key: &str, old: &[u8]) -> Result<bool, KvError> {
        let mut map = self.shard(key).write();
        if map.get(key).is_some_and(|current| current[..] == *old) {
            map.remove(key);
            return Ok(true);
        }
        Ok(false)
    }

    fn get_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Option<Value>>, KvError> {
        let (distinct, positions) = self.shards_of(keys);
        let guards: Vec<_> = distinct
            .iter()
            .map(|&i| self.shards[i].map.read())
            .collect();
        Ok(keys
            .iter()
            .zip(&positions)
            .map(|(key, &pos)| guards[pos].get(key.as_ref()).cloned())
            .collect())
    }

    fn set_many(&self, entries: Vec<(String, Value)>) -> Result<u64, KvError> {
        let (distinct, positions) =
            self.shards_of(&entries.iter().map(|e| &e.0).collect::<Vec<_>>());
        let mut guards: Vec<_> = distinct
            .iter()
            .map(|&i| self.shards[i].map.write())
            .collect();
        let written = entries.len() as u64;
        for ((key, value), pos) in entries.into_iter().zip(positions) {
            guards[pos].insert(key.into_boxed_str(), value);
        }
        Ok(written)
    }

    fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<DeleteManyResult, KvError> {
        let (distinct, positions) = self.shards_of(keys);
        let mut guards: Vec<_> = distinct
            .iter()
            .map(|&i| self.shards[i].map.write())
            .collect();
        let mut result = DeleteManyResult::default();
        for (key, pos) in keys.iter().zip(positions) {
            if guards[pos].remove(key.as_ref()).is_some() {
                result.deleted += 1;
            } else {
                result.missing += 1;
            }
        }
        Ok(result)
    }

    fn random_key(&self, prefix: &str) -> Result<Option<String>, KvError> {
        let guards = self.read_all();
        let counts: Vec<usize> = guards.iter().map(|g| count_prefix(g, prefix)).collect();
        let total: usize = counts.iter().sum();
        if total == 0 {
            return Ok(None);
        }
        let mut pick = rand::rng().random_range(0..total);
        for (guard, &count) in guards.iter().zip(&counts) {
            if pick >= count {
                pick -= count;
                continue;
            }
            let key = guard
                .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
                .nth(pick)
                .map(|(k, _)| k.to_string());
            return Ok(key);
        }
        Ok(None)
    }

    fn backup(&self, target: &Path) -> Result<BackupSummary, KvError> {
        let entries = self.snapshot_entries();
        snapshot::write(target, |sink| {
            entries
                .iter()
                .try_for_each(|(key, value)| sink.insert(key, value))
        })
    }

    fn restore(&self, source: &Path, budget: Budget) -> Result<RestoreSummary, KvError> {
        let entries = snapshot::read(source, budget)?;
        let total = entries.len() as u64;
        let mut guards = self.write_all();
        for guard in &mut guards {
            guard.clear();
        }
        for (key, value) in entries {
            let idx = self.shard_of(&key);
            guards[idx].insert(key.into_boxed_str(), value);
        }
        Ok(RestoreSummary {
            total_entries: total,
        })
    }
}
