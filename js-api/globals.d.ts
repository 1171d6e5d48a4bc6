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
 * A WebCrypto key (k6's shape). Only objects returned by `crypto.subtle` are keys: a copy with
 * the same properties is not one. Its properties are copies: changing them changes nothing.
 */
interface RK6CryptoKey {
  readonly type: 'secret' | 'private' | 'public';
  readonly extractable: boolean;
  readonly algorithm: {
    name: string;
    /** k6's nested copy of the name (so `JSON.stringify(key.algorithm)` is k6's). */
    algorithm: RK6AlgorithmName;
    /** HMAC, ECDSA, ECDH and RSA keys: k6's nested copy of the name. */
    key_algorithm?: { name: string; algorithm: RK6AlgorithmName };
    /** AES and HMAC keys: the length in bits. */
    length?: number;
    /** HMAC and RSA keys (an HMAC key's has k6's nested `algorithm` too). */
    hash?: { name: string; algorithm?: RK6AlgorithmName };
    /** ECDSA and ECDH keys: the curve as the script named it. */
    namedCurve?: string;
    /** RSA keys: the modulus length in bits. */
    modulusLength?: number;
  };
  readonly usages: string[];
}
/** `{ name }`: how k6 nests an algorithm's name inside a key's `algorithm`. */
interface RK6AlgorithmName {
  name: string;
}
/** What generateKey gives for ECDSA, ECDH and RSA. */
interface RK6CryptoKeyPair {
  privateKey: RK6CryptoKey;
  publicKey: RK6CryptoKey;
}

/**
 * A JSON Web Key as rk6 exports it: `oct` (AES, HMAC: with `alg`, `ext`, `key_ops`), `EC`
 * or `RSA` (as in k6, without `alg`, `ext` and `key_ops`).
 */
interface RK6JsonWebKey {
  kty?: string;
  k?: string;
  alg?: string;
  ext?: boolean;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  [other: string]: unknown;
}

/** `"SHA-1" | "SHA-256" | "SHA-384" | "SHA-512"`, or `{ name }` (see each use for case). */
type RK6HashAlgorithm = string | { name: string };
/** Bytes WebCrypto accepts: an ArrayBuffer, a typed array or a DataView. */
type RK6BufferSource = ArrayBuffer | ArrayBufferView;
/** `iv`, `counter`, `label`, `additionalData`: k6 also takes a string (UTF-8) or an array of numbers. */
type RK6Bytes = RK6BufferSource | string | number[];
/** A key format: `raw`, `pkcs8`, `spki` or `jwk` (which algorithm takes which: docs/webcrypto.md). */
type RK6KeyFormat = 'raw' | 'pkcs8' | 'spki' | 'jwk';
/** An algorithm name (case-insensitive) or `{ name }`. */
type RK6AlgorithmIdentifier = string | { name: string };

interface RK6HmacKeyGenParams {
  name: 'HMAC' | string;
  /** Case-insensitive. */
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
  name: 'AES-CBC' | 'AES-CTR' | 'AES-GCM' | 'AES-KW' | string;
  /** 128, 192 or 256. */
  length: number;
}
interface RK6AesCbcParams {
  name: 'AES-CBC' | string;
  /** 16 bytes. */
  iv: RK6Bytes;
}
interface RK6AesCtrParams {
  name: 'AES-CTR' | string;
  /** The initial counter block: 16 bytes (k6 counts with the whole block). */
  counter: RK6Bytes;
  /** 1..128. */
  length: number;
}
interface RK6AesGcmParams {
  name: 'AES-GCM' | string;
  /** The nonce: 12 bytes. */
  iv: RK6Bytes;
  /** Tag length in bits (96..128, multiple of 8); 128 by default. */
  tagLength?: number;
  additionalData?: RK6Bytes;
}
interface RK6EcKeyGenParams {
  name: 'ECDSA' | 'ECDH' | string;
  /** `P-256`, `P-384` or `P-521` (case-sensitive). */
  namedCurve: string;
}
interface RK6EcKeyImportParams {
  name: 'ECDSA' | 'ECDH' | string;
  namedCurve: string;
}
interface RK6EcdsaParams {
  name: 'ECDSA' | string;
  /** Case-insensitive. */
  hash: RK6HashAlgorithm;
}
interface RK6EcdhKeyDeriveParams {
  name: 'ECDH' | string;
  /** The other party's public ECDH key. */
  public: RK6CryptoKey;
}
interface RK6RsaHashedKeyGenParams {
  name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'RSA-OAEP' | string;
  /** Bits, e.g. 2048. */
  modulusLength: number;
  /** Big-endian bytes, a Uint8Array: `new Uint8Array([1, 0, 1])` (65537). */
  publicExponent: Uint8Array;
  /** Case-sensitive (`SHA-256`). */
  hash: RK6HashAlgorithm;
}
interface RK6RsaHashedImportParams {
  name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'RSA-OAEP' | string;
  /** Case-sensitive (`SHA-256`). */
  hash: RK6HashAlgorithm;
}
interface RK6RsaPssParams {
  name: 'RSA-PSS' | string;
  /** Bytes of salt; as in k6 (Go), 0 means the largest salt to sign and any salt to verify, -1 the hash length. */
  saltLength: number;
}
interface RK6RsaOaepParams {
  name: 'RSA-OAEP' | string;
  label?: RK6Bytes;
}

/**
 * `crypto.subtle` as k6 v1.1.0 has it: `digest` (SHA-1/256/384/512); AES-CBC, AES-CTR, AES-GCM
 * and RSA-OAEP `encrypt`/`decrypt`; HMAC, ECDSA, RSASSA-PKCS1-v1_5 and RSA-PSS `sign`/`verify`;
 * ECDH `deriveBits`; `generateKey`, `importKey` and `exportKey` for those and AES-KW. Errors
 * reject with plain `{ name, message }` objects, as in k6. As in k6, `deriveKey` returns `null`
 * and `wrapKey`/`unwrapKey` throw `GoError: not implemented`.
 */
interface SubtleCrypto {
  digest(algorithm: RK6HashAlgorithm, data: RK6BufferSource): Promise<ArrayBuffer>;
  generateKey(
    algorithm: RK6HmacKeyGenParams | RK6AesKeyGenParams,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<RK6CryptoKey>;
  generateKey(
    algorithm: RK6EcKeyGenParams | RK6RsaHashedKeyGenParams,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<RK6CryptoKeyPair>;
  importKey(
    format: RK6KeyFormat,
    keyData: RK6BufferSource | RK6JsonWebKey,
    algorithm: RK6HmacImportParams | RK6EcKeyImportParams | RK6RsaHashedImportParams | RK6AlgorithmIdentifier,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<RK6CryptoKey>;
  exportKey(format: 'raw' | 'pkcs8' | 'spki', key: RK6CryptoKey): Promise<ArrayBuffer>;
  exportKey(format: 'jwk', key: RK6CryptoKey): Promise<RK6JsonWebKey>;
  exportKey(format: string, key: RK6CryptoKey): Promise<ArrayBuffer | RK6JsonWebKey>;
  sign(
    algorithm: RK6AlgorithmIdentifier | RK6EcdsaParams | RK6RsaPssParams,
    key: RK6CryptoKey,
    data: RK6BufferSource,
  ): Promise<ArrayBuffer>;
  verify(
    algorithm: RK6AlgorithmIdentifier | RK6EcdsaParams | RK6RsaPssParams,
    key: RK6CryptoKey,
    signature: RK6BufferSource,
    data: RK6BufferSource,
  ): Promise<boolean>;
  encrypt(
    algorithm: RK6AesCbcParams | RK6AesCtrParams | RK6AesGcmParams | RK6RsaOaepParams,
    key: RK6CryptoKey,
    data: RK6BufferSource,
  ): Promise<ArrayBuffer>;
  decrypt(
    algorithm: RK6AesCbcParams | RK6AesCtrParams | RK6AesGcmParams | RK6RsaOaepParams,
    key: RK6CryptoKey,
    data: RK6BufferSource,
  ): Promise<ArrayBuffer>;
  /** ECDH: `length` bits (a multiple of 8) of the shared secret; 0 or absent for all of it. */
  deriveBits(algorithm: RK6EcdhKeyDeriveParams, baseKey: RK6CryptoKey, length?: number): Promise<ArrayBuffer>;
  /** Not implemented in k6 v1.1.0: returns `null` (no Promise), as k6 does. */
  deriveKey(
    algorithm: unknown,
    baseKey: RK6CryptoKey,
    derivedKeyType: unknown,
    extractable: boolean,
    keyUsages: string[],
  ): null;
  /** Not implemented in k6 v1.1.0: throws `GoError: not implemented`, as k6 does. */
  wrapKey(format: string, key: RK6CryptoKey, wrappingKey: RK6CryptoKey, wrapAlgorithm: unknown): never;
  /** Not implemented in k6 v1.1.0: throws `GoError: not implemented`, as k6 does. */
  unwrapKey(
    format: string,
    wrappedKey: RK6BufferSource,
    unwrappingKey: RK6CryptoKey,
    unwrapAlgorithm: unknown,
    unwrappedKeyAlgorithm: unknown,
    extractable: boolean,
    keyUsages: string[],
  ): never;
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
