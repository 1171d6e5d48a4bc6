// Type definitions for rk6's built-in `k6/x/kv` module: the shared key-value store of xk6-kv
// (oleiade/xk6-kv) with the atomic helpers of its oshokin/xk6-kv fork. Self-contained.

/**
 * A key-value store shared by every VU of the test (one store per rk6 process).
 *
 * @example
 * ```javascript
 * import { openKv } from 'k6/x/kv';
 *
 * const kv = openKv({ backend: 'memory' });
 *
 * export default async function () {
 *   const n = await kv.incrementBy('counter', 1);
 *   await kv.set(`item:${n}`, { n, vu: __VU });
 * }
 * ```
 */
declare module 'k6/x/kv' {
  /** `"disk"`: a crash-safe file, every acknowledged write durable (default). `"memory"`: lost at exit. */
  export type Backend = 'memory' | 'disk';

  /** `"json"`: values are JSON data (default). `"string"`: values are stored as their string form. */
  export type Serialization = 'json' | 'string';

  export interface OpenKvOptions {
    /** @default "disk" */
    backend?: Backend | (string & {});
    /** @default "json" */
    serialization?: Serialization | (string & {});
    /**
     * The disk file (relative to the working directory), and the default file of
     * `backup()`/`restore()` for both backends.
     * @default "./.k6.kv"
     */
    path?: string;
    /** Accepted for xk6-kv compatibility and ignored (rk6 needs no key index). */
    trackKeys?: boolean;
    /** Accepted for xk6-kv compatibility and ignored. */
    memory?: object;
    /** Accepted for xk6-kv compatibility and ignored. */
    disk?: object;
    /** Accepted for xk6-kv compatibility and ignored. */
    metrics?: object;
  }

  /**
   * What every rejected promise carries: a plain object (not an `Error` instance), as in xk6-kv.
   * `name` is one of the names below.
   */
  export interface KvError {
    name:
      | 'KeyNotFoundError'
      | 'InvalidKeyError'
      | 'InvalidOptionsError'
      | 'ValueTooLargeError'
      | 'ValueParseError'
      | 'ValueNumberRequiredError'
      | 'SerializerError'
      | 'InvalidCursorError'
      | 'StoreClosedError'
      | 'DiskStoreReadError'
      | 'DiskStoreWriteError'
      | 'SnapshotNotFoundError'
      | 'SnapshotPermissionError'
      | 'SnapshotReadError'
      | 'SnapshotExportError'
      | 'SnapshotBudgetExceededError'
      | 'UnknownError'
      | string;
    message: string;
  }

  export interface Entry<T = any> {
    key: string;
    value: T;
  }

  export interface ListOptions {
    /** Only keys starting with this string. Omitted or `""`: every key. */
    prefix?: string;
    /** At most this many entries; `<= 0` or omitted: all. */
    limit?: number;
  }

  export interface ScanOptions extends ListOptions {
    /** `cursor` of the previous page; `""` or omitted starts from the first key. */
    cursor?: string;
  }

  export interface ScanResult<T = any> {
    /** Sorted by key bytes. */
    entries: Entry<T>[];
    /** Pass to the next `scan()`; `""` exactly when `done`. */
    cursor: string;
    done: boolean;
  }

  export interface PrefixOptions {
    prefix?: string;
  }

  export interface GetOrSetResult<T = any> {
    /** The stored value: the existing one (`loaded: true`) or the one just set. */
    value: T;
    loaded: boolean;
  }

  export interface SwapResult<T = any> {
    /** The value before the swap, `null` when the key was absent. */
    previous: T | null;
    loaded: boolean;
  }

  export interface GetManyItem<T = any> {
    key: string;
    exists: boolean;
    /** `null` when the key does not exist. */
    value: T | null;
  }

  export interface BackupOptions {
    /** Destination file; defaults to the `path` option. */
    fileName?: string;
    /** Accepted for compatibility; rk6 snapshots are always point-in-time. */
    allowConcurrentWrites?: boolean;
  }

  export interface BackupSummary {
    totalEntries: number;
    bytesWritten: number;
    /** Always `false` in rk6 (so xk6-kv's `warning` field never appears either). */
    bestEffort: boolean;
  }

  export interface RestoreOptions {
    /** Snapshot file written by `backup()`; defaults to the `path` option. */
    fileName?: string;
    /** Refuse snapshots with more entries; `<= 0`: no limit. */
    maxEntries?: number;
    /** Refuse snapshots whose keys and values exceed this many bytes; `<= 0`: no limit. */
    maxBytes?: number;
  }

  export interface RestoreSummary {
    totalEntries: number;
  }

  /** Every method but `close()` returns a Promise; failures reject with a {@link KvError}. */
  export interface KV {
    /** The value; rejects with `KeyNotFoundError` when the key is absent. */
    get<T = any>(key: string): Promise<T>;
    /** Creates or overwrites; resolves to the value passed in. */
    set<T = any>(key: string, value: T): Promise<T>;
    /** Removes the key if present; always `true`. */
    delete(key: string): Promise<boolean>;
    exists(key: string): Promise<boolean>;
    /** Entries sorted by key bytes. */
    list<T = any>(options?: ListOptions): Promise<Entry<T>[]>;
    /** Removes every key; `true`. */
    clear(): Promise<boolean>;
    /** Number of keys. */
    size(): Promise<number>;
    /** Number of keys starting with `prefix` (all keys without one). */
    count(options?: PrefixOptions): Promise<number>;

    /** Atomically adds `delta` (an integer) to the integer at `key` (absent: 0); the new value. */
    incrementBy(key: string, delta: number): Promise<number>;
    /** Atomically: the existing value, or stores `value`. */
    getOrSet<T = any>(key: string, value: T): Promise<GetOrSetResult<T>>;
    /** Atomically stores `value` and returns the previous one. */
    swap<T = any>(key: string, value: T): Promise<SwapResult<T>>;
    /**
     * Atomically stores `newValue` if the stored value equals `oldValue` (compared in serialized
     * form). `oldValue` `null`/`undefined`: only if the key is absent.
     */
    compareAndSwap(key: string, oldValue: any, newValue: any): Promise<boolean>;
    /** `compareAndSwap(key, null, value)`. */
    setIfAbsent(key: string, value: any): Promise<boolean>;
    /** `true` if the key existed and was removed by this call. */
    deleteIfExists(key: string): Promise<boolean>;
    /** Atomically removes the key if its value equals `oldValue` (`null` is a value here). */
    compareAndDelete(key: string, oldValue: any): Promise<boolean>;
    /** One atomic read of several keys, in the order given. */
    getMany<T = any>(keys: string[]): Promise<GetManyItem<T>[]>;
    /** Writes every entry of the object atomically (all or none). */
    setMany(entries: Record<string, any>): Promise<{ written: number }>;
    /** Removes the keys atomically. */
    deleteMany(keys: string[]): Promise<{ deleted: number; missing: number }>;
    /** One page of `list()`, continuing after `cursor`. */
    scan<T = any>(options?: ScanOptions): Promise<ScanResult<T>>;
    /** A uniformly chosen key starting with `prefix`, or `""` when none matches. */
    randomKey(options?: PrefixOptions): Promise<string>;
    /** Writes a point-in-time snapshot (a disk-backend file). */
    backup(options?: BackupOptions): Promise<BackupSummary>;
    /** Atomically replaces the whole store with a snapshot's entries. */
    restore(options?: RestoreOptions): Promise<RestoreSummary>;

    /**
     * Releases this handle (synchronous). The store closes when every handle is closed; calls
     * after that reject with `StoreClosedError`.
     */
    close(): void;
  }

  /**
   * Opens the process-wide store. Init context only. Every call must pass equivalent options:
   * a call with other options throws an Error named `KVOptionsConflictError`; an invalid backend
   * or serialization throws `InvalidBackendError` / `InvalidSerializationError`; a disk file held
   * by another process throws `DiskStoreOpenError`.
   */
  export function openKv(options?: OpenKvOptions): KV;
}
