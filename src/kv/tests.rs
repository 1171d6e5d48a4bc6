//! Behaviour every backend must share: each test runs on the memory store and on a disk store in a
//! temporary directory.

use std::collections::HashSet;
use std::sync::Barrier;

use base64::Engine as _;

use super::*;

struct TestStore {
    store: KvStore,
    // Kept alive for the disk store's file; removed on drop.
    _dir: Option<tempfile::TempDir>,
}

fn memory_store() -> TestStore {
    let options = KvOptions {
        backend: Backend::Memory,
        ..KvOptions::default()
    };
    TestStore {
        store: KvStore::open(&options).expect("open memory store"),
        _dir: None,
    }
}

fn disk_store() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = KvOptions {
        backend: Backend::Disk,
        path: dir.path().join("store.kv"),
        ..KvOptions::default()
    };
    TestStore {
        store: KvStore::open(&options).expect("open disk store"),
        _dir: Some(dir),
    }
}

/// Runs `test` on both backends; the backend name is printed so a failure says which one.
fn on_each_backend(test: impl Fn(&KvStore)) {
    for (name, open) in [
        ("memory", memory_store as fn() -> TestStore),
        ("disk", disk_store),
    ] {
        eprintln!("backend: {name}");
        let store = open();
        test(&store.store);
    }
}

fn v(text: &str) -> Value {
    Value::copy_from_slice(text.as_bytes())
}

fn keys_of(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.key.as_str()).collect()
}

#[test]
fn set_get_exists_delete_size_clear() {
    on_each_backend(|kv| {
        assert_eq!(kv.size().unwrap(), 0);
        kv.set("foo", v("\"bar\"")).unwrap();
        kv.set("abc", v("123")).unwrap();
        assert_eq!(kv.get("foo").unwrap(), v("\"bar\""));
        assert!(kv.exists("abc").unwrap());
        assert!(!kv.exists("nope").unwrap());
        assert_eq!(kv.size().unwrap(), 2);

        kv.set("foo", v("\"baz\"")).unwrap();
        assert_eq!(kv.get("foo").unwrap(), v("\"baz\""));
        assert_eq!(kv.size().unwrap(), 2);

        assert!(kv.delete("foo").unwrap());
        assert!(
            kv.delete("foo").unwrap(),
            "delete of a missing key is still true"
        );
        let err = kv.get("foo").unwrap_err();
        assert_eq!(err, KvError::KeyNotFound { key: "foo".into() });
        assert_eq!(err.name(), "KeyNotFoundError");
        assert_eq!(err.to_string(), "key not found: \"foo\"");

        kv.set("empty", Value::new()).unwrap();
        assert_eq!(kv.get("empty").unwrap(), Value::new());

        assert!(kv.clear().unwrap());
        assert_eq!(kv.size().unwrap(), 0);
        assert!(kv.list("", 0).unwrap().is_empty());
    });
}

#[test]
fn keys_and_values_are_validated() {
    on_each_backend(|kv| {
        let value = || v("1");
        assert_eq!(kv.set("", value()).unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.get("").unwrap_err().name(), "InvalidKeyError");
        assert_eq!(kv.exists("").unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.delete("").unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.increment_by("", 1).unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.get_or_set("", value()).unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.swap("", value()).unwrap_err(), KvError::EmptyKey);
        assert_eq!(
            kv.compare_and_swap("", None, value()).unwrap_err(),
            KvError::EmptyKey
        );
        assert_eq!(kv.delete_if_exists("").unwrap_err(), KvError::EmptyKey);
        assert_eq!(
            kv.compare_and_delete("", b"1").unwrap_err(),
            KvError::EmptyKey
        );
        assert_eq!(kv.get_many(&["a", ""]).unwrap_err(), KvError::EmptyKey);
        assert_eq!(kv.delete_many(&[""]).unwrap_err(), KvError::EmptyKey);
        let batch = vec![("a".to_owned(), value()), (String::new(), value())];
        assert_eq!(kv.set_many(batch).unwrap_err(), KvError::EmptyKey);
        assert!(
            !kv.exists("a").unwrap(),
            "a rejected set_many writes nothing"
        );

        let long_key = "k".repeat(MAX_KEY_BYTES + 1);
        assert!(matches!(
            kv.set(&long_key, value()).unwrap_err(),
            KvError::KeyTooLarge { .. }
        ));
        let max_key = "k".repeat(MAX_KEY_BYTES);
        kv.set(&max_key, value()).unwrap();
        assert_eq!(kv.get(&max_key).unwrap(), value());

        let big = Value::from(vec![b'x'; MAX_VALUE_BYTES + 1]);
        let err = kv.set("big", big).unwrap_err();
        assert_eq!(err.name(), "ValueTooLargeError");
        assert!(!kv.exists("big").unwrap());
    });
}

#[test]
fn list_is_sorted_by_key_bytes_and_filtered_by_prefix() {
    on_each_backend(|kv| {
        // Inserted out of order; byte order puts upper case first and multi-byte UTF-8 last.
        for key in [
            "b", "ab", "a", "B", "a\u{0}", "ä", "aa", "a b c", "abc", "c",
        ] {
            kv.set(key, v(key)).unwrap();
        }
        let all = kv.list("", 0).unwrap();
        assert_eq!(
            keys_of(&all),
            [
                "B", "a", "a\u{0}", "a b c", "aa", "ab", "abc", "b", "c", "ä"
            ]
        );
        assert!(all.iter().all(|e| e.value == v(&e.key)));

        assert_eq!(
            keys_of(&kv.list("a", 0).unwrap()),
            ["a", "a\u{0}", "a b c", "aa", "ab", "abc"]
        );
        assert_eq!(keys_of(&kv.list("ab", -5).unwrap()), ["ab", "abc"]);
        assert_eq!(keys_of(&kv.list("a", 2).unwrap()), ["a", "a\u{0}"]);
        assert_eq!(keys_of(&kv.list("", 1).unwrap()), ["B"]);
        assert!(kv.list("zz", 0).unwrap().is_empty());
        assert!(kv.list("abcd", 0).unwrap().is_empty());

        assert_eq!(kv.count("a").unwrap(), 6);
        assert_eq!(kv.count("").unwrap(), 10);
        assert_eq!(kv.count("q").unwrap(), 0);
    });
}

#[test]
fn scan_pages_with_cursors() {
    on_each_backend(|kv| {
        for i in 0..25 {
            kv.set(&format!("user:{i:03}"), v(&i.to_string())).unwrap();
            kv.set(&format!("order:{i:03}"), v("o")).unwrap();
        }
        let mut cursor = String::new();
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = kv.scan("user:", 10, &cursor).unwrap();
            pages += 1;
            assert_eq!(page.done, page.cursor.is_empty());
            if !page.done {
                let last = page
                    .entries
                    .last()
                    .expect("a page with a cursor has entries");
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(&page.cursor)
                    .unwrap();
                assert_eq!(
                    decoded,
                    last.key.as_bytes(),
                    "cursor is base64 of the last key"
                );
            }
            seen.extend(page.entries.into_iter().map(|e| e.key));
            if page.done {
                break;
            }
            cursor = page.cursor;
        }
        assert_eq!(pages, 3);
        let expected: Vec<String> = (0..25).map(|i| format!("user:{i:03}")).collect();
        assert_eq!(seen, expected);

        // A page that ends exactly on the last match is done.
        let exact = kv.scan("order:", 25, "").unwrap();
        assert_eq!(exact.entries.len(), 25);
        assert!(exact.done);
        assert_eq!(exact.cursor, "");

        // limit <= 0 returns everything in one page.
        let whole = kv.scan("", 0, "").unwrap();
        assert_eq!(whole.entries.len(), 50);
        assert!(whole.done);

        // A cursor naming a key that is gone still continues after it.
        let after = base64::engine::general_purpose::STANDARD.encode("user:010x");
        let page = kv.scan("user:", 2, &after).unwrap();
        assert_eq!(keys_of(&page.entries), ["user:011", "user:012"]);

        // A cursor before the prefix starts at the prefix; one after it yields nothing.
        let before = base64::engine::general_purpose::STANDARD.encode("a");
        assert_eq!(
            kv.scan("user:", 1, &before).unwrap().entries[0].key,
            "user:000"
        );
        let beyond = base64::engine::general_purpose::STANDARD.encode("zzz");
        let empty = kv.scan("user:", 1, &beyond).unwrap();
        assert!(empty.entries.is_empty() && empty.done);

        let err = kv.scan("", 1, "not base64!").unwrap_err();
        assert_eq!(err.name(), "InvalidCursorError");
    });
}

#[test]
fn scan_returns_each_key_once_while_keys_change_between_pages() {
    on_each_backend(|kv| {
        for i in 0..10 {
            kv.set(&format!("k{i}"), v("x")).unwrap();
        }
        let first = kv.scan("k", 4, "").unwrap();
        assert_eq!(keys_of(&first.entries), ["k0", "k1", "k2", "k3"]);
        kv.delete("k5").unwrap();
        kv.set("k0a", v("before the cursor: not returned")).unwrap();
        kv.set("k9a", v("after the cursor: returned")).unwrap();
        let rest = kv.scan("k", 0, &first.cursor).unwrap();
        assert_eq!(
            keys_of(&rest.entries),
            ["k4", "k6", "k7", "k8", "k9", "k9a"]
        );
    });
}

#[test]
fn increment_by_counts_from_zero_and_rejects_non_integers() {
    on_each_backend(|kv| {
        assert_eq!(kv.increment_by("counter", 5).unwrap(), 5);
        assert_eq!(kv.increment_by("counter", -2).unwrap(), 3);
        assert_eq!(kv.get("counter").unwrap(), v("3"), "stored as decimal text");

        kv.set("plus", v("+7")).unwrap();
        assert_eq!(kv.increment_by("plus", 1).unwrap(), 8);
        kv.set("blank", Value::new()).unwrap();
        assert_eq!(kv.increment_by("blank", 2).unwrap(), 2);

        for bad in ["\"5\"", "5.5", "abc", " 5", "{\"n\":1}"] {
            kv.set("bad", v(bad)).unwrap();
            let err = kv.increment_by("bad", 1).unwrap_err();
            assert_eq!(err.name(), "ValueParseError", "{bad}");
            assert!(err.to_string().contains("\"bad\""), "{err}");
            assert_eq!(kv.get("bad").unwrap(), v(bad), "unchanged after the error");
        }

        kv.set("max", v(&i64::MAX.to_string())).unwrap();
        let err = kv.increment_by("max", 1).unwrap_err();
        assert_eq!(err.name(), "ValueParseError");
        assert!(err.to_string().contains("overflow"));
        assert_eq!(kv.get("max").unwrap(), v(&i64::MAX.to_string()));
        assert_eq!(kv.increment_by("max", -1).unwrap(), i64::MAX - 1);
    });
}

#[test]
fn get_or_set_and_swap() {
    on_each_backend(|kv| {
        let first = kv.get_or_set("cfg", v("{\"a\":1}")).unwrap();
        assert_eq!(
            first,
            GetOrSetResult {
                value: v("{\"a\":1}"),
                loaded: false
            }
        );
        let second = kv.get_or_set("cfg", v("{\"a\":2}")).unwrap();
        assert_eq!(
            second,
            GetOrSetResult {
                value: v("{\"a\":1}"),
                loaded: true
            }
        );

        let created = kv.swap("status", v("\"running\"")).unwrap();
        assert_eq!(
            created,
            SwapResult {
                previous: None,
                loaded: false
            }
        );
        let replaced = kv.swap("status", v("\"done\"")).unwrap();
        assert_eq!(
            replaced,
            SwapResult {
                previous: Some(v("\"running\"")),
                loaded: true
            }
        );
        assert_eq!(kv.get("status").unwrap(), v("\"done\""));
    });
}

#[test]
fn compare_and_swap_and_compare_and_delete() {
    on_each_backend(|kv| {
        // None means "only if absent".
        assert!(kv.compare_and_swap("lock", None, v("1")).unwrap());
        assert!(!kv.compare_and_swap("lock", None, v("2")).unwrap());
        assert!(!kv.compare_and_swap("lock", Some(b"2"), v("3")).unwrap());
        assert!(kv.compare_and_swap("lock", Some(b"1"), v("3")).unwrap());
        assert_eq!(kv.get("lock").unwrap(), v("3"));
        assert!(!kv.compare_and_swap("absent", Some(b"1"), v("1")).unwrap());
        assert!(!kv.exists("absent").unwrap());

        assert!(!kv.compare_and_delete("lock", b"1").unwrap());
        assert!(kv.exists("lock").unwrap());
        assert!(kv.compare_and_delete("lock", b"3").unwrap());
        assert!(!kv.exists("lock").unwrap());
        assert!(!kv.compare_and_delete("lock", b"3").unwrap());
        // A JSON null is a value like any other for compare_and_delete.
        kv.set("n", v("null")).unwrap();
        assert!(kv.compare_and_delete("n", b"null").unwrap());

        kv.set("tmp", v("1")).unwrap();
        assert!(kv.delete_if_exists("tmp").unwrap());
        assert!(!kv.delete_if_exists("tmp").unwrap());
    });
}

#[test]
fn get_many_set_many_delete_many() {
    on_each_backend(|kv| {
        let written = kv
            .set_many(vec![
                ("user:1".to_owned(), v("{\"name\":\"Alice\"}")),
                ("user:2".to_owned(), v("{\"name\":\"Bob\"}")),
                ("user:null".to_owned(), v("null")),
            ])
            .unwrap();
        assert_eq!(written, 3);
        let items = kv
            .get_many(&["user:1", "missing", "user:2", "user:null"])
            .unwrap();
        assert_eq!(
            items,
            [
                Some(v("{\"name\":\"Alice\"}")),
                None,
                Some(v("{\"name\":\"Bob\"}")),
                Some(v("null"))
            ]
        );
        assert!(kv.get_many::<&str>(&[]).unwrap().is_empty());

        let result = kv
            .delete_many(&["user:1", "user:2", "user:missing", "user:1"])
            .unwrap();
        assert_eq!(
            result,
            DeleteManyResult {
                deleted: 2,
                missing: 2
            }
        );
        assert_eq!(kv.size().unwrap(), 1);
        assert_eq!(kv.set_many(Vec::new()).unwrap(), 0);
    });
}

#[test]
fn random_key_picks_only_matching_keys() {
    on_each_backend(|kv| {
        assert_eq!(kv.random_key("").unwrap(), None);
        for key in ["user:1", "user:2", "user:3", "order:1"] {
            kv.set(key, v("1")).unwrap();
        }
        assert_eq!(kv.random_key("nobody:").unwrap(), None);
        let mut drawn = HashSet::new();
        for _ in 0..300 {
            let key = kv.random_key("user:").unwrap().expect("a user key");
            assert!(key.starts_with("user:"), "{key}");
            drawn.insert(key);
        }
        assert_eq!(drawn.len(), 3, "every matching key is eventually drawn");
        let any = kv.random_key("").unwrap().expect("some key");
        assert!(kv.exists(&any).unwrap());
    });
}

#[test]
fn a_hundred_threads_increment_one_counter_exactly() {
    on_each_backend(|kv| {
        const THREADS: usize = 100;
        const PER_THREAD: i64 = 1000;
        let start = Barrier::new(THREADS);
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    start.wait();
                    for _ in 0..PER_THREAD {
                        kv.increment_by("hits", 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(kv.get("hits").unwrap(), v("100000"));
    });
}

#[test]
fn concurrent_compare_and_swap_has_exactly_one_winner() {
    on_each_backend(|kv| {
        const THREADS: usize = 50;
        for round in 0..5 {
            let key = format!("lock:{round}");
            let start = Barrier::new(THREADS);
            let winners: Vec<usize> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|id| {
                        let (key, start) = (&key, &start);
                        scope.spawn(move || {
                            start.wait();
                            kv.compare_and_swap(key, None, v(&id.to_string()))
                                .unwrap()
                                .then_some(id)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.join().unwrap())
                    .collect()
            });
            assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
            assert_eq!(kv.get(&key).unwrap(), v(&winners[0].to_string()));

            // Then everyone tries to move it from the winner's value: again exactly one wins.
            let current = kv.get(&key).unwrap();
            let movers: usize = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|id| {
                        let (key, current) = (&key, &current);
                        scope.spawn(move || {
                            kv.compare_and_swap(key, Some(current), v(&format!("moved-{id}")))
                                .unwrap()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| usize::from(h.join().unwrap()))
                    .sum()
            });
            assert_eq!(movers, 1, "round {round}");
        }
    });
}

/// Producers publish tokens; consumers claim them with `consume`. Every token must be claimed by
/// exactly one consumer.
fn producer_consumer(kv: &KvStore, consume: fn(&KvStore, &Entry) -> bool) {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 8;
    const TOKENS_EACH: usize = 250;
    let total = PRODUCERS * TOKENS_EACH;
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        for p in 0..PRODUCERS {
            scope.spawn(move || {
                for t in 0..TOKENS_EACH {
                    let key = format!("token:{p}:{t:04}");
                    kv.set(&key, v(&format!("\"value-{p}-{t}\""))).unwrap();
                }
                kv.increment_by("producers-done", 1).unwrap();
            });
        }
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let producers_done = kv.exists("producers-done").unwrap()
                            && kv.get("producers-done").unwrap() == v(&PRODUCERS.to_string());
                        let batch = kv.list("token:", 16).unwrap();
                        if batch.is_empty() {
                            if producers_done {
                                break;
                            }
                            std::thread::yield_now();
                            continue;
                        }
                        for entry in &batch {
                            if consume(kv, entry) {
                                mine.push(entry.key.clone());
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        consumers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all: Vec<&String> = claimed.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), total, "each token claimed exactly once");
    assert_eq!(distinct.len(), total);
    assert_eq!(kv.count("token:").unwrap(), 0);
}

#[test]
fn producer_consumer_with_delete_if_exists_claims_each_token_once() {
    on_each_backend(|kv| {
        producer_consumer(kv, |kv, entry| kv.delete_if_exists(&entry.key).unwrap());
    });
}

#[test]
fn producer_consumer_with_compare_and_delete_claims_each_token_once() {
    on_each_backend(|kv| {
        producer_consumer(kv, |kv, entry| {
            kv.compare_and_delete(&entry.key, &entry.value).unwrap()
        });
    });
}

#[test]
fn readers_see_a_consistent_snapshot_during_multi_key_writes() {
    on_each_backend(|kv| {
        // A writer keeps replacing two keys together; a reader must never see them disagree.
        kv.set_many(vec![("pair:a".into(), v("0")), ("pair:b".into(), v("0"))])
            .unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 1..=300 {
                    let n = v(&i.to_string());
                    kv.set_many(vec![("pair:a".into(), n.clone()), ("pair:b".into(), n)])
                        .unwrap();
                }
            });
            for _ in 0..300 {
                let listed = kv.list("pair:", 0).unwrap();
                assert_eq!(listed.len(), 2);
                assert_eq!(listed[0].value, listed[1].value, "list saw half a set_many");
                let many = kv.get_many(&["pair:a", "pair:b"]).unwrap();
                assert_eq!(many[0], many[1], "get_many saw half a set_many");
            }
        });
    });
}

#[test]
fn backup_then_restore_round_trips_on_and_across_backends() {
    let dir = tempfile::tempdir().unwrap();
    let stores = [memory_store(), disk_store()];
    for (i, source) in stores.iter().enumerate() {
        let kv = &source.store;
        kv.clear().unwrap();
        kv.set("a", v("1")).unwrap();
        kv.set("b", v("{\"x\":[1,2]}")).unwrap();
        kv.set("bin", Value::from(vec![0u8, 255, 10, 13])).unwrap();
        let file = dir.path().join(format!("nested/backup-{i}.kv"));
        let summary = kv
            .backup(&BackupOptions {
                file_name: Some(file.clone()),
                allow_concurrent_writes: i == 0,
            })
            .unwrap();
        assert_eq!(summary.total_entries, 3);
        assert!(!summary.best_effort);
        assert!(summary.bytes_written > 0);
        assert_eq!(
            summary.bytes_written,
            std::fs::metadata(&file).unwrap().len()
        );
        assert_eq!(file_mode(&file), 0o600);

        for target in &stores {
            let kv2 = &target.store;
            kv2.clear().unwrap();
            kv2.set("stale", v("gone after restore")).unwrap();
            let restored = kv2
                .restore(&RestoreOptions {
                    file_name: Some(file.clone()),
                    ..RestoreOptions::default()
                })
                .unwrap();
            assert_eq!(restored.total_entries, 3);
            let listed = kv2.list("", 0).unwrap();
            assert_eq!(keys_of(&listed), ["a", "b", "bin"]);
            assert_eq!(kv2.get("bin").unwrap(), Value::from(vec![0u8, 255, 10, 13]));
            assert_eq!(kv2.get("b").unwrap(), v("{\"x\":[1,2]}"));
        }

        // The snapshot is itself a disk store file.
        let opened = KvStore::open(&KvOptions {
            backend: Backend::Disk,
            path: file.clone(),
            ..KvOptions::default()
        })
        .unwrap();
        assert_eq!(opened.get("a").unwrap(), v("1"));
    }
}

#[test]
fn restore_errors_leave_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snap.kv");
    {
        let source = memory_store();
        for i in 0..10 {
            source.store.set(&format!("k{i}"), v("12345")).unwrap();
        }
        source
            .store
            .backup(&BackupOptions {
                file_name: Some(snapshot.clone()),
                ..BackupOptions::default()
            })
            .unwrap();
    }
    let garbage = dir.path().join("garbage.kv");
    std::fs::write(
        &garbage,
        b"this is not a kv snapshot at all, just some text\n".repeat(200),
    )
    .unwrap();
    on_each_backend(|kv| {
        kv.set("keep", v("me")).unwrap();
        let restore = |file: &std::path::Path, max_entries: i64, max_bytes: i64| {
            kv.restore(&RestoreOptions {
                file_name: Some(file.to_owned()),
                max_entries,
                max_bytes,
            })
        };
        let err = restore(&snapshot, 9, 0).unwrap_err();
        assert_eq!(err.name(), "SnapshotBudgetExceededError");
        assert!(err.to_string().contains("MaxEntries"), "{err}");
        let err = restore(&snapshot, 0, 50).unwrap_err();
        assert!(err.to_string().contains("MaxBytes"), "{err}");
        let err = restore(&dir.path().join("missing.kv"), 0, 0).unwrap_err();
        assert_eq!(err.name(), "SnapshotNotFoundError");
        let err = restore(&garbage, 0, 0).unwrap_err();
        assert_eq!(err.name(), "SnapshotReadError", "{err}");
        assert_eq!(keys_of(&kv.list("", 0).unwrap()), ["keep"]);

        assert_eq!(restore(&snapshot, 10, 70).unwrap().total_entries, 10);
        assert!(!kv.exists("keep").unwrap());
    });
}

pub(super) fn file_mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn options_parse_and_defaults() {
    assert_eq!(Backend::parse("memory").unwrap(), Backend::Memory);
    assert_eq!(Backend::parse("disk").unwrap(), Backend::Disk);
    let err = Backend::parse("redis").unwrap_err();
    assert_eq!(err.name(), "InvalidBackendError");
    assert!(err.to_string().contains("\"redis\""));
    assert_eq!(
        Serialization::parse("string").unwrap(),
        Serialization::String
    );
    assert_eq!(
        Serialization::parse("yaml").unwrap_err().name(),
        "InvalidSerializationError"
    );
    let defaults = KvOptions::default();
    assert_eq!(defaults.backend, Backend::Disk);
    assert_eq!(defaults.serialization, Serialization::Json);
    assert_eq!(defaults.path, std::path::PathBuf::from("./.k6.kv"));
    assert_eq!(
        KvOptions::default().normalized(),
        KvOptions {
            path: ".k6.kv".into(),
            ..KvOptions::default()
        }
        .normalized()
    );
}

/// The only test that touches the process-wide store.
#[test]
fn open_shared_shares_one_store_and_refuses_other_options() {
    let dir = tempfile::tempdir().unwrap();
    let options = KvOptions {
        backend: Backend::Disk,
        path: dir.path().join("shared.kv"),
        ..KvOptions::default()
    };
    let first = open_shared(&options).unwrap();
    let second = open_shared(&options).unwrap();
    first.set("k", v("1")).unwrap();
    assert_eq!(second.get("k").unwrap(), v("1"));

    let other = KvOptions {
        backend: Backend::Memory,
        ..options.clone()
    };
    let err = open_shared(&other).err().expect("conflicting options");
    assert_eq!(err.name(), "KVOptionsConflictError");
    let message = err.to_string();
    assert!(message.contains("backend: \"disk\"") && message.contains("backend: \"memory\""));

    // Closing one handle (twice) keeps the store open for the other.
    first.close().unwrap();
    first.close().unwrap();
    assert_eq!(second.get("k").unwrap(), v("1"));
    let store: &KvStore = &second;
    second.close().unwrap();
    assert_eq!(store.get("k").unwrap_err(), KvError::StoreClosed);
    assert_eq!(KvError::StoreClosed.name(), "StoreClosedError");

    // The file was released, so it can be opened again, with its data.
    let third = open_shared(&options).unwrap();
    assert_eq!(third.get("k").unwrap(), v("1"));
    drop(third);
    let fourth = open_shared(&other).unwrap();
    assert_eq!(fourth.size().unwrap(), 0);
}
