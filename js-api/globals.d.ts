// Globals rk6 installs in every VU (init context, setup, VU code, teardown, handleSummary).
// Self-contained: meant for `"lib": ["es2022"]`. With the `dom` lib too, the shared interfaces
// (Console, Crypto, SubtleCrypto) merge; rk6's own WebCrypto types carry an `RK6` prefix so
// they do not clash with the DOM's.

/**
 * Reads a file into memory. Init context only. Relative paths resolve against the script's
 * directory; the contents are read once per test and shared by every VU.
 * @param mode `"b"`: an ArrayBuffer; anything else: the contents as UTF-8 text.
 */
declare function open(filePath: string): string;
declare function open(filePath: string, mode: 'b'): ArrayBuffer;
declare function open(filePath: string, mode?: string): string | ArrayBuffer;

/**
 * CommonJS `require`, init context only (as in k6): a built-in module (`require('k6/http')`,
 * the same object an `import` gives) or a CommonJS file (`require('./lib.js')`, resolved
 * against the requiring file, evaluated once per VU; its `module.exports`).
 */
declare function require(id: string): any;
/** `globalThis`, under the name k6 also provides. */
declare var global: typeof globalThis;

/** Environment variables: the process environment and `-e KEY=VALUE` flags. */
declare var __ENV: { [name: string]: string };
/** Current VU number, starting at 1; 0 in the init context of the first VU, setup and teardown. */
declare var __VU: number;
/** Current iteration number of this VU, starting at 0; undefined (a ReferenceError) in the
 * init context, setup and teardown. */
declare var __ITER: number;

/** Schedules `callback(...args)` after `delay` milliseconds; the timer id. */
declare function setTimeout(callback: (...args: any[]) => void, delay?: number, ...args: any[]): number;
declare function clearTimeout(timeoutId: number): void;
/** Schedules `callback(...args)` every `delay` milliseconds; the timer id. */
declare function setInterval(callback: (...args: any[]) => void, delay?: number, ...args: any[]): number;
declare function clearInterval(intervalId: number): void;

/** rk6's console: lines go to stderr (or `--console-output`) with the level k6 gives them. */
interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  debug(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  /** Logged at info level, as in k6 (no stack trace). */
  trace(...data: any[]): void;
}
declare var console: Console;

/**
 * A WebCrypto key. rk6 creates `secret` keys only (HMAC and AES-GCM). Only objects returned
 * by `crypto.subtle` are keys: a copy with the same properties is rejected.
 */
interface RK6CryptoKey {
  readonly type: 'secret';
  readonly extractable: boolean;
  readonly algorithm: {
    name: string;
    length?: number;
    hash?: { name: string; /** k6's nested copy of the name. */ algorithm: RK6AlgorithmName };
    /** k6's nested copy of the name (so `JSON.stringify(key.algorithm)` is k6's). */
    algorithm: RK6AlgorithmName;
    /** HMAC keys: k6's nested copy of the name. */
    key_algorithm?: { name: string; algorithm: RK6AlgorithmName };
  };
  readonly usages: string[];
}
/** `{ name }`: how k6 nests an algorithm's name inside a key's `algorithm`. */
interface RK6AlgorithmName {
  name: string;
}

/** A JSON Web Key as rk6 exports it (`kty: "oct"`). */
interface RK6JsonWebKey {
  kty?: string;
  k?: string;
  alg?: string;
  ext?: boolean;
  key_ops?: string[];
  [other: string]: unknown;
}

/** `"SHA-1" | "SHA-256" | "SHA-384" | "SHA-512"` (case-insensitive), or `{ name }`. */
type RK6HashAlgorithm = string | { name: string };
/** Bytes WebCrypto accepts: an ArrayBuffer, a typed array or a DataView. */
type RK6BufferSource = ArrayBuffer | ArrayBufferView;

interface RK6HmacKeyGenParams {
  name: 'HMAC' | string;
  hash: RK6HashAlgorithm;
  /** Key length in bits; defaults to the hash's block size. */
  length?: number;
}
interface RK6HmacImportParams {
  name: 'HMAC' | string;
  hash: RK6HashAlgorithm;
  length?: number;
}
interface RK6AesKeyGenParams {
  name: 'AES-GCM' | string;
  /** 128, 192 or 256. */
  length: number;
}
interface RK6AesGcmParams {
  name: 'AES-GCM' | string;
  /** The nonce: 12 bytes. */
  iv: RK6BufferSource;
  /** Tag length in bits (96..128, multiple of 8); 128 by default. */
  tagLength?: number;
  additionalData?: RK6BufferSource;
}

/**
 * The subset of `crypto.subtle` rk6 implements: `digest` (SHA-1/256/384/512); HMAC keys for
 * `sign`/`verify`; AES-GCM keys for `encrypt`/`decrypt`; `importKey`/`exportKey` in `raw` and
 * `jwk` formats; `generateKey`. Errors reject with plain `{ name, message }` objects, as in k6.
 * `deriveBits`, `deriveKey`, `wrapKey` and `unwrapKey` exist and always reject with
 * `NotSupportedError`.
 */
interface SubtleCrypto {
  digest(algorithm: RK6HashAlgorithm, data: RK6BufferSource): Promise<ArrayBuffer>;
  generateKey(
    algorithm: RK6HmacKeyGenParams | RK6AesKeyGenParams,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<RK6CryptoKey>;
  importKey(
    format: 'raw' | 'jwk',
    keyData: RK6BufferSource | RK6JsonWebKey,
    algorithm: RK6HmacImportParams | string | { name: string },
    extractable: boolean,
    keyUsages: string[],
  ): Promise<RK6CryptoKey>;
  exportKey(format: 'raw', key: RK6CryptoKey): Promise<ArrayBuffer>;
  exportKey(format: 'jwk', key: RK6CryptoKey): Promise<RK6JsonWebKey>;
  exportKey(format: string, key: RK6CryptoKey): Promise<ArrayBuffer | RK6JsonWebKey>;
  sign(algorithm: string | { name: string }, key: RK6CryptoKey, data: RK6BufferSource): Promise<ArrayBuffer>;
  verify(
    algorithm: string | { name: string },
    key: RK6CryptoKey,
    signature: RK6BufferSource,
    data: RK6BufferSource,
  ): Promise<boolean>;
  encrypt(algorithm: RK6AesGcmParams, key: RK6CryptoKey, data: RK6BufferSource): Promise<ArrayBuffer>;
  decrypt(algorithm: RK6AesGcmParams, key: RK6CryptoKey, data: RK6BufferSource): Promise<ArrayBuffer>;
  /** Not implemented: always rejects with `NotSupportedError`. */
  deriveBits(algorithm: unknown, baseKey: RK6CryptoKey, length: number): Promise<never>;
  /** Not implemented: always rejects with `NotSupportedError`. */
  deriveKey(
    algorithm: unknown,
    baseKey: RK6CryptoKey,
    derivedKeyType: unknown,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<never>;
  /** Not implemented: always rejects with `NotSupportedError`. */
  wrapKey(format: string, key: RK6CryptoKey, wrappingKey: RK6CryptoKey, wrapAlgorithm: unknown): Promise<never>;
  /** Not implemented: always rejects with `NotSupportedError`. */
  unwrapKey(
    format: string,
    wrappedKey: RK6BufferSource,
    unwrappingKey: RK6CryptoKey,
    unwrapAlgorithm: unknown,
    unwrappedKeyAlgorithm: unknown,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<never>;
}

/** The global WebCrypto object (k6's `crypto`), no import needed. */
interface Crypto {
  readonly subtle: SubtleCrypto;
  /** Fills an integer typed array (at most 65536 elements) with random bytes and returns it. */
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array>(array: T): T;
  /** A random (version 4) UUID. */
  randomUUID(): string;
}
declare var crypto: Crypto;
