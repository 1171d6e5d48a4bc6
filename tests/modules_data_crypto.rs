//! End-to-end tests of `k6/crypto`, `k6/encoding`, the global `crypto` (WebCrypto subset) and
//! `k6/data` SharedArray. Every script below was run unchanged on k6 v1.1.0: all of its checks
//! pass there with the same counts asserted here (48 checks for CRYPTO, 510 for DATA), and the
//! SharedArray function ran once.

mod common;

use common::*;
use serde_json::Value;

const CRYPTO: &str = r#"
import { check } from 'k6';
import crypto from 'k6/crypto';
import { b64encode, b64decode } from 'k6/encoding';
export const options = { vus: 1, iterations: 1 };
const bytes = (s) => { const a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; };
const hexOf = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const str = (b) => String.fromCharCode(...new Uint8Array(b));
const msg = (f) => { try { f(); return 'no error'; } catch (e) { return String(e); } };
async function rejection(p) { try { await p; return 'resolved'; } catch (e) { return String(e); } }
export default async function () {
  check(null, {
    'md4': () => crypto.md4('abc', 'hex') === 'a448017aaf21d8525fc10ae87aa6729d',
    'md5': () => crypto.md5('abc', 'hex') === '900150983cd24fb0d6963f7d28e17f72',
    'sha1': () => crypto.sha1('abc', 'hex') === 'a9993e364706816aba3e25717850c26c9cd0d89d',
    'sha256': () => crypto.sha256('abc', 'hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'sha384 base64': () => crypto.sha384('abc', 'base64') === 'ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn',
    'sha512 base64rawurl': () => crypto.sha512('abc', 'base64rawurl') === '3a81oZNherrMQXNJriBBMRLm-k6JqX6iCp7u5ktV05ohkpkqJ0_BqDa6PCOj_uu9RU1EI2Q86A4qmslPpUyknw',
    'sha512_224': () => crypto.sha512_224('abc', 'hex') === '4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa',
    'sha512_256': () => crypto.sha512_256('abc', 'hex') === '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
    'ripemd160': () => crypto.ripemd160('abc', 'hex') === '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc',
    'base64url is padded': () => crypto.md5('abc', 'base64url') === 'kAFQmDzST7DWlj99KOF_cg==',
    'binary is an ArrayBuffer': () => hexOf(crypto.md5('abc', 'binary')) === '900150983cd24fb0d6963f7d28e17f72',
    'ArrayBuffer input': () => crypto.md5(bytes('abc').buffer, 'hex') === '900150983cd24fb0d6963f7d28e17f72',
    'utf-8 input': () => crypto.md5('€', 'hex') === 'bca53fde466a76b7bee3e18997e94a7a',
    'hmac': () => crypto.hmac('sha256', 'key', 'The quick brown fox jumps over the lazy dog', 'hex') === 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    'hmac sha1 base64url': () => crypto.hmac('sha1', 'key', 'abc', 'base64url') === 'T9CyFSdu8S8rPkyOysKBFJi2Vvw=',
    'createHash keeps state': () => { const h = crypto.createHash('sha256'); h.update('ab'); h.update('c'); const a = h.digest('hex'); h.update('d'); return a === crypto.sha256('abc', 'hex') && h.digest('hex') === crypto.sha256('abcd', 'hex'); },
    'createHMAC': () => { const h = crypto.createHMAC('sha256', 'key'); h.update('abc'); return h.digest('hex') === '9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab'; },
    'randomBytes': () => crypto.randomBytes(16).byteLength === 16,
    'hexEncode': () => crypto.hexEncode(new Uint8Array([1, 255]).buffer) === '01ff',
    'bad encoding error': () => msg(() => crypto.md5('abc', 'foo')) === 'GoError: invalid output encoding: foo',
    'bad input error': () => msg(() => crypto.md5(5, 'hex')) === 'GoError: md5 failed: invalid type int64, expected string, []byte or ArrayBuffer',
    'bad algorithm error': () => msg(() => crypto.hmac('sha3', 'k', 'x', 'hex')) === 'GoError: invalid algorithm: sha3',
    'randomBytes error': () => msg(() => crypto.randomBytes(0)) === 'GoError: invalid size',
  });
  check(null, {
    'b64encode std': () => b64encode('hello?>world~~') === 'aGVsbG8/Pndvcmxkfn4=',
    'b64encode rawstd': () => b64encode('hello?>world~~', 'rawstd') === 'aGVsbG8/Pndvcmxkfn4',
    'b64encode url': () => b64encode('hello?>world~~', 'url') === 'aGVsbG8_Pndvcmxkfn4=',
    'b64encode rawurl': () => b64encode('hello?>world~~', 'rawurl') === 'aGVsbG8_Pndvcmxkfn4',
    'b64encode ArrayBuffer': () => b64encode(new Uint8Array([255, 254, 253, 1]).buffer) === '//79AQ==',
    'b64decode to ArrayBuffer': () => str(b64decode('aGVsbG8=')) === 'hello',
    'b64decode to string': () => b64decode('aGVsbG8_Pndvcmxkfn4', 'rawurl', 's') === 'hello?>world~~',
    'b64decode error': () => msg(() => b64decode('aGVsbG8/Pndvcmxkfn4', 'std')) === 'GoError: illegal base64 data at input byte 16',
    'b64encode error': () => msg(() => b64encode({})) === 'GoError: invalid type map[string]interface {}, expected string, []byte or ArrayBuffer',
  });
  const ta = new Uint32Array(4);
  const hk = await globalThis.crypto.subtle.importKey('raw', bytes('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
  const sig = await globalThis.crypto.subtle.sign('HMAC', hk, bytes('The quick brown fox jumps over the lazy dog'));
  const ak = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(16), { name: 'AES-GCM' }, true, ['encrypt', 'decrypt']);
  const ct = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: bytes('aad') }, ak, bytes('hello'));
  const gk = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct2 = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gk, bytes('round trip'));
  const results = {
    digest: hexOf(await globalThis.crypto.subtle.digest('SHA-256', bytes('abc'))),
    digest1: hexOf(await globalThis.crypto.subtle.digest({ name: 'SHA-1' }, bytes('abc'))),
    sig: hexOf(sig),
    verifyOk: await globalThis.crypto.subtle.verify('HMAC', hk, sig, bytes('The quick brown fox jumps over the lazy dog')),
    verifyBad: await globalThis.crypto.subtle.verify('HMAC', hk, sig, bytes('other')),
    hkAlg: JSON.stringify(hk.algorithm),
    ct: Array.from(new Uint8Array(ct)).join(','),
    pt: str(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: bytes('aad') }, ak, ct)),
    rt: str(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gk, ct2)),
    gkLen: (await globalThis.crypto.subtle.exportKey('raw', gk)).byteLength,
    gkAlg: JSON.stringify(gk.algorithm),
    md5Err: await rejection(globalThis.crypto.subtle.digest('MD5', bytes('abc'))),
    tagErr: await rejection(globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 100 }, ak, bytes('x'))),
    ivErr: await rejection(globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(16) }, ak, bytes('x'))),
    badCt: await rejection(globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, ak, new Uint8Array(20))),
    usageErr: await rejection(globalThis.crypto.subtle.importKey('raw', bytes('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['encrypt'])),
    extractErr: await rejection(globalThis.crypto.subtle.exportKey('raw', await globalThis.crypto.subtle.importKey('raw', bytes('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']))),
    grv: ta === globalThis.crypto.getRandomValues(ta),
    grvErr: msg(() => globalThis.crypto.getRandomValues(new Float32Array(2))),
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(globalThis.crypto.randomUUID()),
  };
  console.log(JSON.stringify(results));
  check(results, {
    'subtle digest SHA-256': (r) => r.digest === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'subtle digest SHA-1': (r) => r.digest1 === 'a9993e364706816aba3e25717850c26c9cd0d89d',
    'HMAC sign': (r) => r.sig === 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    'HMAC verify': (r) => r.verifyOk === true && r.verifyBad === false,
    'HMAC key algorithm': (r) => r.hkAlg === '{"key_algorithm":{"algorithm":{"name":"HMAC"},"name":"HMAC"},"algorithm":{"name":"HMAC"},"name":"HMAC","hash":{"algorithm":{"name":"SHA-256"},"name":"SHA-256"},"length":24}',
    'AES-GCM encrypt': (r) => r.ct === '107,237,182,162,15,196,240,120,86,199,142,10,232,186,196,224,17,131,2,247,27',
    'AES-GCM decrypt': (r) => r.pt === 'hello' && r.rt === 'round trip',
    'AES-GCM generateKey': (r) => r.gkLen === 32 && r.gkAlg === '{"algorithm":{"name":"AES-GCM"},"name":"AES-GCM","length":256}',
    'digest MD5 rejects': (r) => r.md5Err === 'NotSupportedError: algorithm "MD5" doesn\'t support (in implementation) operation "digest"',
    'tag length rejects': (r) => r.tagErr === 'OperationError: invalid tag length, should be one of 96, 104, 112, 120, 128',
    'iv length rejects': (r) => r.ivErr === 'NotSupportedError: only 12 bytes long iv are supported',
    'bad ciphertext rejects': (r) => r.badCt === 'OperationError: could not decrypt ciphertext',
    'bad usage rejects': (r) => r.usageErr === 'SyntaxError: invalid key usage: encrypt',
    'not extractable rejects': (r) => r.extractErr === 'InvalidAccessError: the key is not extractable',
    'getRandomValues': (r) => r.grv === true && r.grvErr === "GoError: TypeMismatchError: typedArray parameter isn't a TypedArray instance",
    'randomUUID': (r) => r.uuid === true,
  });
}
"#;

const DATA: &str = r#"
import { check } from 'k6';
import { SharedArray } from 'k6/data';
export const options = { vus: 10, iterations: 30 };
const users = new SharedArray('users', function () {
  console.log('BUILDING users');
  const out = [];
  for (let i = 0; i < 100; i++) out.push({ id: i, name: 'user' + i, tags: ['a', 'b'] });
  return out;
});
// The same name again: k6 returns the first array and does not call this function.
const again = new SharedArray('users', function () { console.log('BUILDING again'); return [1]; });
const msg = (f) => { try { f(); return 'no error'; } catch (e) { return String(e); } };
const initErrors = {
  notArray: msg(() => new SharedArray('bad', () => ({ length: 1 }))),
  noFn: msg(() => new SharedArray('nofn')),
  emptyName: msg(() => new SharedArray('', () => [1])),
};
export default function () {
  const u = users[(__VU * 7 + __ITER) % users.length];
  check(null, {
    'length': () => users.length === 100 && again.length === 100,
    'index': () => u.name === 'user' + u.id && users[5].tags[1] === 'b',
    'out of range': () => users[100] === undefined && users[-1] === undefined,
    'isArray': () => Array.isArray(users),
    'for...of': () => { let n = 0; for (const x of users) n += x.id; return n === 4950; },
    'spread and map': () => [...users].length === 100 && users.map((x) => x.id)[99] === 99,
    'filter/find/slice/indexOf': () => users.filter((x) => x.id < 10).length === 10 && users.find((x) => x.id === 42).name === 'user42' && users.slice(98).length === 2 && users.indexOf(users[0]) === -1,
    'JSON.stringify': () => JSON.stringify(users).length > 1000 && JSON.stringify(again[0]) === '{"id":0,"name":"user0","tags":["a","b"]}',
    'set index throws': () => msg(() => { users[0] = 1; }) === 'TypeError: SharedArray is immutable',
    'push throws': () => msg(() => users.push(1)) === 'TypeError: SharedArray is immutable',
    'length throws': () => msg(() => { users.length = 0; }) === 'TypeError: SharedArray is immutable',
    'sort throws': () => msg(() => users.sort()) === 'TypeError: SharedArray is immutable',
    'delete throws': () => msg(() => { delete users[0]; }) === 'TypeError: SharedArray is immutable',
    'set property throws': () => msg(() => { users.foo = 1; }) === 'TypeError: Cannot set property "foo" on a dynamic array',
    'elements are frozen': () => msg(() => { users[0].name = 'x'; }) !== 'no error' && users[0].name === 'user0',
    'not in init context': () => msg(() => new SharedArray('late', () => [1])) === 'GoError: new SharedArray must be called in the init context',
    'init errors': () => initErrors.notArray === 'GoError: only arrays can be made into SharedArray'
      && initErrors.noFn === "GoError: a function is expected as the second argument of SharedArray's constructor"
      && initErrors.emptyName === "GoError: empty name provided to SharedArray's constructor",
  });
}
"#;

/// Names of the checks that failed, from the JSON output (for assertion messages).
fn failed_checks(ws: &Workspace) -> Vec<String> {
    points(&ws.path("out.json"))
        .iter()
        .filter(|p| p["metric"] == "checks" && p["data"]["value"].as_f64() == Some(0.0))
        .map(|p| {
            p["data"]["tags"]["check"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn checks_summary(ws: &Workspace) -> (u64, u64) {
    let s = summary(ws);
    let c: &Value = &s["metrics"]["checks"];
    (
        c["passes"].as_u64().unwrap_or(0),
        c["fails"].as_u64().unwrap_or(u64::MAX),
    )
}

#[test]
fn crypto_encoding_and_webcrypto_match_k6() {
    let ws = Workspace::new();
    let r = run_script(&ws, CRYPTO, &[], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        failed_checks(&ws),
        Vec::<String>::new(),
        "stderr: {}",
        r.stderr
    );
    assert_eq!(checks_summary(&ws), (48, 0));
}

#[test]
fn shared_array_is_built_once_and_read_only() {
    let ws = Workspace::new();
    let r = run_script(&ws, DATA, &[], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let output = format!("{}{}", r.stdout, r.stderr);
    // 10 VUs plus the options and setup VUs all construct 'users'; k6 runs the function once.
    assert_eq!(output.matches("BUILDING users").count(), 1, "{output}");
    assert_eq!(output.matches("BUILDING again").count(), 0, "{output}");
    assert_eq!(
        failed_checks(&ws),
        Vec::<String>::new(),
        "stderr: {}",
        r.stderr
    );
    assert_eq!(checks_summary(&ws), (30 * 17, 0));
}

#[test]
fn shared_array_of_a_non_array_fails_init_like_k6() {
    let ws = Workspace::new();
    let script = "import { SharedArray } from 'k6/data';\n\
                  const a = new SharedArray('x', () => 5);\n\
                  export default function () {}\n";
    let r = run_script(&ws, script, &[], &[]);
    // k6 v1.1.0: exit code 107 (script exception) with this message.
    assert_eq!(r.code, 107, "stderr: {}", r.stderr);
    assert!(
        r.stderr
            .contains("GoError: only arrays can be made into SharedArray"),
        "stderr: {}",
        r.stderr
    );
}
