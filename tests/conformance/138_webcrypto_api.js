// crypto.subtle's API as k6 v1.1.0 has it: every algorithm and operation, their argument checks
// and error names and messages, key objects and their JSON, exports of fixed keys. Each case's
// outcome is compared with data/webcrypto/api_expected.json, which is k6 v1.1.0's output for
// this script (regenerate it with `-e WEBCRYPTO_DUMP=1` on k6; a value ending in `…` is a
// prefix: k6 quotes Go's ASN.1 parser there, rk6 RustCrypto's). Cases where k6 v1.1.0 crashes
// or misbehaves are left out (docs/webcrypto.md lists them).
import { check } from 'k6';
import * as K from './lib/webcrypto_keys.js';

const { b64 } = K;
const expected = JSON.parse(open('./data/webcrypto/api_expected.json'));

export const options = { vus: 1, iterations: 1 };

const S = crypto.subtle;
const u8 = (s) => { const a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; };
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
// JWK members come out of k6 in random order (a Go map): compare them sorted. A key's
// `algorithm.namedCurve` is a String object in k6 (a Go named string), a string in rk6.
function norm(v) {
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object' && !(v instanceof ArrayBuffer)) {
    const keys = Object.keys(v);
    if ('kty' in v) keys.sort();
    const o = {};
    for (const k of keys) o[k] = k === 'namedCurve' ? String(v[k]) : norm(v[k]);
    return o;
  }
  return v;
}
function desc(v) {
  if (v instanceof ArrayBuffer) return 'AB(' + v.byteLength + ')';
  if (v === null || v === undefined || typeof v !== 'object') return typeof v + ':' + String(v);
  return 'obj:' + JSON.stringify(norm(v));
}
const results = {};
async function r(label, f) {
  let line;
  try {
    const p = f();
    try {
      line = 'ok ' + desc(await p);
    } catch (e) {
      line = 'rej ' + (e && typeof e === 'object' ? `[${e.name}] ` : '') + String(e) + ' |' + typeof e;
    }
  } catch (e) {
    line = 'THROW ' + String(e) + ' |' + typeof e;
  }
  results[label] = line;
}

export default async function () {
  {

    const d = u8('abc');
    await r('digest str data', () => S.digest('SHA-256', 'abc'));
    await r('digest null data', () => S.digest('SHA-256', null));
    await r('digest num alg', () => S.digest(5, d));
    await r('digest obj nameless', () => S.digest({}, d));
    await r('digest name num', () => S.digest({ name: 5 }, d));
    await r('digest lower', () => S.digest('sha-256', d));
    await r('digest HMAC', () => S.digest('HMAC', d));
    const hk = await S.importKey('raw', u8('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify', 'sign']);
    await r('hmac key dup usages', async () => hk.usages);
    await r('sign null key', () => S.sign('HMAC', null, d));
    await r('sign num key', () => S.sign('HMAC', 5, d));
    await r('sign obj key', () => S.sign('HMAC', {}, d));
    await r('sign fake key', () => S.sign('HMAC', { algorithm: { name: 'HMAC' }, usages: ['sign'], type: 'secret' }, d));
    await r('sign null data', () => S.sign('HMAC', hk, null));
    await r('sign str data', () => S.sign('HMAC', hk, 'abc'));
    await r('sign ecdsa nohash', () => S.sign('ECDSA', hk, d));
    await r('sign ecdsa md5', () => S.sign({ name: 'ECDSA', hash: 'MD5' }, hk, d));
    await r('sign ecdsa on hmac key', () => S.sign({ name: 'ECDSA', hash: 'SHA-256' }, hk, d));
    await r('sign pss nosalt', () => S.sign({ name: 'RSA-PSS' }, hk, d));
    await r('sign AES', () => S.sign('AES-GCM', hk, d));
    await r('verify null key', () => S.verify('HMAC', null, d, d));
    await r('verify null sig', () => S.verify('HMAC', hk, null, d));
    await r('encrypt null key', () => S.encrypt('AES-GCM', null, d));
    await r('encrypt num key', () => S.encrypt('AES-GCM', 5, d));
    const ak = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt', 'decrypt']);
    await r('encrypt string alg', () => S.encrypt('AES-GCM', ak, d));
    await r('encrypt iv num', () => S.encrypt({ name: 'AES-GCM', iv: 5 }, ak, d));
    await r('encrypt iv str', () => S.encrypt({ name: 'AES-GCM', iv: 'abcdefghijkl' }, ak, d));
    await r('encrypt iv array', () => S.encrypt({ name: 'AES-GCM', iv: [0,0,0,0,0,0,0,0,0,0,0,0] }, ak, d));
    await r('encrypt tag 0', () => S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 0 }, ak, d));
    await r('encrypt tag 64', () => S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 64 }, ak, d));
    await r('decrypt tag 64', () => S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 64 }, ak, new Uint8Array(20)));
    await r('decrypt tag 100', () => S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 100 }, ak, new Uint8Array(20)));
    await r('decrypt short', () => S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, ak, new Uint8Array(10)));
    await r('decrypt iv0', () => S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(0) }, ak, new Uint8Array(20)));
    await r('encrypt AES-KW', () => S.encrypt({ name: 'AES-KW' }, ak, d));
    await r('encrypt AES-CBC on gcm key', () => S.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, ak, d));
    await r('encrypt no usage', async () => S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, await S.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['decrypt']), d));
    const ck = await S.importKey('raw', new Uint8Array(16), { name: 'aes-cbc' }, true, ['encrypt', 'decrypt']);
    await r('cbc key alg', async () => ck.algorithm);
    await r('cbc enc', () => S.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, ck, d));
    await r('cbc enc empty', () => S.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, ck, new Uint8Array(0)));
    await r('cbc enc iv8', () => S.encrypt({ name: 'AES-CBC', iv: new Uint8Array(8) }, ck, d));
    await r('cbc dec iv8', () => S.decrypt({ name: 'AES-CBC', iv: new Uint8Array(8) }, ck, new Uint8Array(16)));
    await r('cbc dec badpad', () => S.decrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, ck, new Uint8Array(16)));
    const tk = await S.importKey('raw', new Uint8Array(16), 'AES-CTR', true, ['encrypt', 'decrypt']);
    await r('ctr enc', () => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 64 }, tk, d));
    await r('ctr wrap', () => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16).fill(255), length: 8 }, tk, new Uint8Array(40)));
    await r('ctr enc c8', () => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(8), length: 64 }, tk, d));
    await r('ctr dec c8', () => S.decrypt({ name: 'AES-CTR', counter: new Uint8Array(8), length: 64 }, tk, d));
    await r('ctr enc len0', () => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 0 }, tk, d));
    await r('ctr dec len129', () => S.decrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 129 }, tk, d));
    await r('ctr enc nolen', () => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16) }, tk, d));
  }
  {

    const d = u8('abc');
    // generateKey
    await r('gen sha', () => S.generateKey('SHA-256', true, ['sign']));
    await r('gen PBKDF2', () => S.generateKey('PBKDF2', true, ['sign']));
    await r('gen aes nolen', () => S.generateKey('AES-GCM', true, ['encrypt']));
    await r('gen aes len100', () => S.generateKey({ name: 'AES-GCM', length: 100 }, true, ['encrypt']));
    await r('gen aes bad usage', () => S.generateKey({ name: 'AES-CBC', length: 128 }, true, ['sign']));
    await r('gen aes bad usage+len', () => S.generateKey({ name: 'AES-CBC', length: 100 }, true, ['sign']));
    await r('gen aes no usages', () => S.generateKey({ name: 'AES-CBC', length: 128 }, true, []));
    await r('gen aes undefined usages', () => S.generateKey({ name: 'AES-CBC', length: 128 }, true));
    await r('gen aes str usages', () => S.generateKey({ name: 'AES-CBC', length: 128 }, true, 'encrypt'));
    await r('gen aes dup usages', async () => (await S.generateKey({ name: 'AES-CTR', length: 192 }, 1, ['encrypt', 'encrypt'])));
    await r('gen aes-kw', () => S.generateKey({ name: 'AES-KW', length: 128 }, true, ['wrapKey']));
    await r('gen aes-kw encrypt', () => S.generateKey({ name: 'AES-KW', length: 128 }, true, ['encrypt']));
    await r('gen hmac nohash', () => S.generateKey({ name: 'HMAC' }, true, ['sign']));
    await r('gen hmac md5', () => S.generateKey({ name: 'HMAC', hash: 'MD5' }, true, ['sign']));
    await r('gen hmac hash aes', () => S.generateKey({ name: 'HMAC', hash: 'AES-GCM' }, true, ['sign']));
    await r('gen hmac len0', () => S.generateKey({ name: 'HMAC', hash: 'SHA-1', length: 0 }, true, ['sign']));
    await r('gen hmac bad usage', () => S.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['encrypt']));
    await r('gen hmac no usage', () => S.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, []));
    await r('gen ec nocurve', () => S.generateKey({ name: 'ECDSA' }, true, ['sign']));
    await r('gen ec badcurve', () => S.generateKey({ name: 'ECDSA', namedCurve: 'P-999' }, true, ['sign']));
    await r('gen ec lowercurve', () => S.generateKey({ name: 'ECDSA', namedCurve: 'p-256' }, true, ['sign']));
    await r('gen ec no usages', () => S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, []));
    await r('gen ec bad usage', () => S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['encrypt']));
    await r('gen ec verify only', () => S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify', 'verify']));
    await r('gen ecdh', () => S.generateKey({ name: 'ECDH', namedCurve: 'P-521' }, false, ['deriveBits', 'deriveKey']));
    await r('gen ecdh bad usage', () => S.generateKey({ name: 'ECDH', namedCurve: 'P-521' }, false, ['sign']));
    await r('gen rsa nomod', () => S.generateKey({ name: 'RSA-PSS' }, true, ['sign']));
    await r('gen rsa noexp', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024 }, true, ['sign']));
    await r('gen rsa exp array', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: [1, 0, 1], hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa exp ab', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]).buffer, hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa nohash', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign']));
    await r('gen rsa md5', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'MD5' }, true, ['sign']));
    await r('gen rsa hash obj noname', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: {} }, true, ['sign']));
    await r('gen rsa hash obj md5', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: {name:'md5'} }, true, ['sign']));
    await r('gen rsa hash lower', async () => (await S.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'sha-256' }, true, ['encrypt','decrypt','wrapKey'])));
    await r('gen rsa exp3', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([3]), hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa exp even', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([4]), hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa exp1', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1]), hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa mod512', () => S.generateKey({ name: 'RSA-PSS', modulusLength: 512, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign']));
    await r('gen rsa mod1025', async () => (await S.generateKey({ name: 'RSA-PSS', modulusLength: 1025, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])).publicKey.algorithm.modulusLength);
    await r('gen rsa bad usage', () => S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt']));
    await r('gen rsa no usage', () => S.generateKey({ name: 'rsassa-pkcs1-V1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, []));
    await r('gen rsa exp bad + bad usage', () => S.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([4]), hash: 'SHA-256' }, true, ['sign']));
    // importKey
    await r('imp bad format', () => S.importKey('foo', d, 'AES-GCM', true, ['encrypt']));
    await r('imp pbkdf2', () => S.importKey('raw', d, 'PBKDF2', false, ['deriveBits']));
    await r('imp hkdf', () => S.importKey('raw', d, 'HKDF', false, ['deriveBits']));
    await r('imp aes spki', () => S.importKey('spki', d, 'AES-GCM', true, ['encrypt']));
    await r('imp aes badlen', () => S.importKey('raw', d, 'AES-GCM', true, ['encrypt']));
    await r('imp aes badusage', () => S.importKey('raw', new Uint8Array(16), 'AES-CTR', true, ['sign']));
    await r('imp aes nousage', () => S.importKey('raw', new Uint8Array(16), 'AES-CTR', true, []));
    await r('imp aes-kw', () => S.importKey('raw', new Uint8Array(16), 'AES-KW', true, ['encrypt', 'wrapKey']));
    await r('imp aes jwk', () => S.importKey('jwk', { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk padded', () => S.importKey('jwk', { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA==' }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk badkty', () => S.importKey('jwk', { kty: 'RSA', k: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk nok', () => S.importKey('jwk', { kty: 'oct' }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk knum', () => S.importKey('jwk', { kty: 'oct', k: 5 }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk badb64', () => S.importKey('jwk', { kty: 'oct', k: 'AA*A' }, 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk str', () => S.importKey('jwk', 'hello', 'AES-GCM', true, ['encrypt']));
    await r('imp aes jwk null', () => S.importKey('jwk', null, 'AES-GCM', true, ['encrypt']));
    await r('imp hmac nohash', () => S.importKey('raw', d, 'HMAC', true, ['sign']));
    await r('imp hmac empty', () => S.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']));
    await r('imp hmac lenmismatch', () => S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1', length: 16 }, true, ['sign']));
    await r('imp hmac len ok', () => S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1', length: 24 }, true, ['sign']));
    await r('imp hmac pkcs8', () => S.importKey('pkcs8', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']));
    await r('imp hmac jwk', async () => { const k = await S.importKey('jwk', { kty: 'oct', k: 'YWJj', alg: 'HS512' }, { name: 'HMAC', hash: 'SHA-384' }, true, ['verify']); return [k, await S.exportKey('jwk', k)]; });
    // EC import
    await r('imp ec nocurve', () => S.importKey('raw', d, 'ECDSA', true, ['verify']));
    await r('imp ec raw bad', () => S.importKey('raw', d, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec raw badcurve', () => S.importKey('raw', d, { name: 'ECDSA', namedCurve: 'P-25' }, true, ['verify']));
    await r('imp ecdh raw bad', () => S.importKey('raw', d, { name: 'ECDH', namedCurve: 'P-256' }, true, []));
    await r('imp ecdh raw badcurve', () => S.importKey('raw', d, { name: 'ECDH', namedCurve: 'P-25' }, true, []));
    await r('imp ec p8 bad', () => S.importKey('pkcs8', d, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']));
    await r('imp ecdh p8 bad', () => S.importKey('pkcs8', d, { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']));
    await r('imp ec spki bad', () => S.importKey('spki', d, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec p8 rsa', () => S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']));
    await r('imp ec spki rsa', () => S.importKey('spki', b64(K.rsa1024_spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec p8 ed', () => S.importKey('pkcs8', b64(K.ed_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']));
    await r('imp ec p8 mismatch curve', async () => { const k = await S.importKey('pkcs8', b64(K.ec_P384_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'encrypt']); const s = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, d); return [k, s.byteLength]; });
    await r('imp ec p8 weird curve', async () => (await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDSA', namedCurve: 'foo' }, true, [])).algorithm);
    await r('imp ec private no usage', () => S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, []));
    await r('imp ec jwk format ecdh p8', async () => await S.exportKey('jwk', await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])));
    await r('exp ec p8 roundtrip', async () => hex(await S.exportKey('pkcs8', await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']))) + ' vs ' + hex(b64(K.ec_P256_p8)));
    await r('exp ecdh p8 roundtrip', async () => hex(await S.exportKey('pkcs8', await S.importKey('pkcs8', b64(K.ec_P384_p8), { name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits']))) + ' vs ' + hex(b64(K.ec_P384_p8)));
    await r('exp ec spki roundtrip', async () => hex(await S.exportKey('spki', await S.importKey('spki', b64(K.ec_P521_spki), { name: 'ECDSA', namedCurve: 'P-521' }, true, ['verify']))) === hex(b64(K.ec_P521_spki)));
    await r('exp ec raw', async () => hex(await S.exportKey('raw', await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDH', namedCurve: 'P-256' }, true, []))));
    await r('exp ec raw private', async () => S.exportKey('raw', await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])));
    await r('exp ec spki private', async () => S.exportKey('spki', await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])));
    await r('exp ec p8 public', async () => S.exportKey('pkcs8', await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, [])));
    await r('exp ec foo', async () => S.exportKey('foo', await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, [])));
    await r('exp ec jwk pub', async () => S.exportKey('jwk', await S.importKey('spki', b64(K.ec_P521_spki), { name: 'ECDSA', namedCurve: 'P-521' }, true, [])));
    await r('exp ec jwk priv', async () => S.exportKey('jwk', await S.importKey('pkcs8', b64(K.ec_P521_p8), { name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign'])));
    await r('exp nonextract', async () => S.exportKey('jwk', await S.importKey('pkcs8', b64(K.ec_P521_p8), { name: 'ECDSA', namedCurve: 'P-521' }, false, ['sign'])));
    await r('exp null', () => S.exportKey('raw', null));
    await r('exp obj', () => S.exportKey('raw', {}));
    await r('exp aes-kw', async () => S.exportKey('raw', await S.importKey('raw', new Uint8Array(16), 'AES-KW', true, ['wrapKey'])));
    await r('exp aes spki', async () => S.exportKey('spki', await S.importKey('raw', new Uint8Array(16), 'AES-CBC', true, ['encrypt'])));
    await r('exp aes jwk', async () => S.exportKey('jwk', await S.importKey('raw', new Uint8Array(24), 'AES-CTR', true, ['encrypt', 'decrypt'])));
    await r('exp hmac jwk sha1', async () => S.exportKey('jwk', await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign'])));
    await r('exp hmac spki', async () => S.exportKey('spki', await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign'])));
    // EC jwk import
    await r('imp ec jwk missing', () => S.importKey('jwk', { kty: 'EC', crv: 'P-256' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec jwk badkty', () => S.importKey('jwk', { kty: 'oct', crv: 'P-256' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec jwk nocrv', () => S.importKey('jwk', { kty: 'EC', x: 'AA', y: 'AA' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ec jwk badcrv', () => S.importKey('jwk', { kty: 'EC', crv: 'P-1', x: 'AA', y: 'AA' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    await r('imp ecdh jwk offcurve', () => S.importKey('jwk', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, { name: 'ECDH', namedCurve: 'P-256' }, true, []));
    await r('imp ec jwk badx', () => S.importKey('jwk', { kty: 'EC', crv: 'P-256', x: 'A*', y: 'AA' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    // RSA import/export
    await r('imp rsa raw', () => S.importKey('raw', d, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']));
    await r('imp rsa nohash', () => S.importKey('spki', d, { name: 'RSA-PSS' }, true, ['verify']));
    await r('imp rsa spki bad', () => S.importKey('spki', d, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']));
    await r('imp rsa p8 bad', () => S.importKey('pkcs8', d, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']));
    await r('imp rsa spki ec', () => S.importKey('spki', b64(K.ec_P256_spki), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']));
    await r('imp rsa p8 ec', () => S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']));
    await r('imp rsa p8', async () => { const k = await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign', 'encrypt']); return k; });
    await r('imp rsa p8 nousage', () => S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, []));
    await r('exp rsa p8 roundtrip', async () => hex(await S.exportKey('pkcs8', await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['decrypt']))) === hex(b64(K.rsa1024_p8)));
    await r('exp rsa spki roundtrip', async () => hex(await S.exportKey('spki', await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['encrypt']))) === hex(b64(K.rsa1024_spki)));
    await r('exp rsa spki priv', async () => S.exportKey('spki', await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['decrypt'])));
    await r('exp rsa p8 pub', async () => S.exportKey('pkcs8', await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['encrypt'])));
    await r('exp rsa raw', async () => S.exportKey('raw', await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['encrypt'])));
    await r('rsa jwk pub roundtrip', async () => { const j = await S.exportKey('jwk', await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['verify'])); const k = await S.importKey('jwk', j, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['verify']); return [k, await S.exportKey('jwk', k)]; });
    await r('rsa jwk priv sign', async () => { const j = await S.exportKey('jwk', await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['sign'])); const k = await S.importKey('jwk', j, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['sign']); return hex(await S.sign('RSASSA-PKCS1-v1_5', k, d)).slice(0, 32); });
    await r('rsa jwk bad', () => S.importKey('jwk', { kty: 'RSA', n: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-1' }, true, ['verify']));
    await r('rsa jwk badkty', () => S.importKey('jwk', { kty: 'EC', n: 'AQAB', e: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-1' }, true, ['verify']));
    await r('wrapKey', () => S.wrapKey('raw', null, null, null));
    await r('unwrapKey', () => S.unwrapKey('raw', new Uint8Array(1), null, null, null, true, []));
    await r('deriveKey', () => S.deriveKey(null, null, null, true, []));
  }
  {

    const d = u8('abc');
    const ecPriv = await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const ecPub = await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    await r('ecdsa sign len', async () => (await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPriv, d)).byteLength);
    await r('ecdsa sign verify', async () => S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPriv, d), d));
    await r('ecdsa sign verify sha1 p521', async () => { const pr = await S.importKey('pkcs8', b64(K.ec_P521_p8), { name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign']); const pu = await S.importKey('spki', b64(K.ec_P521_spki), { name: 'ECDSA', namedCurve: 'P-521' }, true, ['verify']); const s = await S.sign({ name: 'ECDSA', hash: 'SHA-1' }, pr, d); return [s.byteLength, await S.verify({ name: 'ECDSA', hash: 'SHA-1' }, pu, s, d), await S.verify({ name: 'ECDSA', hash: 'SHA-512' }, pu, s, d)]; });
    await r('ecdsa verify short sig', () => S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, new Uint8Array(10), d));
    await r('ecdsa verify zero sig', () => S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, new Uint8Array(64), d));
    await r('ecdsa sign with pub', () => S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, d));
    await r('ecdsa verify with priv', async () => { const k = await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']); return S.verify({ name: 'ECDSA', hash: 'SHA-256' }, k, new Uint8Array(64), d); });
    await r('ecdsa hash HMAC', () => S.sign({ name: 'ECDSA', hash: 'HMAC' }, ecPriv, d));
    await r('ecdsa hash AES', () => S.sign({ name: 'ECDSA', hash: 'AES-GCM' }, ecPriv, d));
    await r('ecdsa on ecdh key', async () => { const k = await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDH', namedCurve: 'P-256' }, true, ['sign']); return S.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, d); });
    await r('ecdsa known vector verify', async () => { const pu = await S.importKey('raw', b64('BFjK3hcnGBiXQaKR2GzffV3pOhgaubDmdVysyD3iyD338yYI2urkE6mbd9TUimnEPKIrBm3NqE/jTxOimkZrZOE='), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']); return pu; });
    // RSA
    const pssPriv = await S.importKey('pkcs8', b64(K.rsa2048_p8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']);
    const pssPub = await S.importKey('spki', b64(K.rsa2048_spki), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']);
    for (const sl of [0, 32, 222, 223, -1, -2]) {
      await r('pss salt ' + sl, async () => { const s = await S.sign({ name: 'RSA-PSS', saltLength: sl }, pssPriv, d); return [s.byteLength, await S.verify({ name: 'RSA-PSS', saltLength: sl }, pssPub, s, d), await S.verify({ name: 'RSA-PSS', saltLength: 0 }, pssPub, s, d), await S.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, s, d)]; });
    }
    await r('pss salt str', () => S.sign({ name: 'RSA-PSS', saltLength: '32' }, pssPriv, d));
    await r('pss sign with pub', () => S.sign({ name: 'RSA-PSS', saltLength: 32 }, pssPub, d));
    await r('pss verify with priv', async () => S.verify({ name: 'RSA-PSS', saltLength: 32 }, await S.importKey('pkcs8', b64(K.rsa2048_p8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']), new Uint8Array(256), d));
    await r('pss verify bad sig', () => S.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, new Uint8Array(256), d));
    await r('pss verify short sig', () => S.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, new Uint8Array(3), d));
    const pkPriv = await S.importKey('pkcs8', b64(K.rsa2048_p8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, true, ['sign']);
    const pkPub = await S.importKey('spki', b64(K.rsa2048_spki), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, true, ['verify']);
    await r('pkcs1 sign', async () => hex(await S.sign('RSASSA-PKCS1-v1_5', pkPriv, d)).slice(0, 40));
    await r('pkcs1 sign verify', async () => S.verify({ name: 'RSASSA-PKCS1-v1_5' }, pkPub, await S.sign('RSASSA-PKCS1-v1_5', pkPriv, d), d));
    await r('pkcs1 bad sig', () => S.verify('RSASSA-PKCS1-v1_5', pkPub, new Uint8Array(256), d));
    await r('pkcs1 pss mismatch', () => S.verify('RSA-PSS', pkPub, new Uint8Array(256), d));
    await r('pkcs1 512 sign', async () => { const k = await S.importKey('pkcs8', b64(K.rsa512_p8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, true, ['sign']); return hex(await S.sign('RSASSA-PKCS1-v1_5', k, d)); });
    await r('pkcs1 512 sha512', async () => { const k = await S.importKey('pkcs8', b64(K.rsa512_p8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, true, ['sign']); return hex(await S.sign('RSASSA-PKCS1-v1_5', k, d)); });
    const oPriv = await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
    const oPub = await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
    await r('oaep roundtrip', async () => { const c = await S.encrypt({ name: 'RSA-OAEP' }, oPub, d); return [c.byteLength, hex(await S.decrypt({ name: 'RSA-OAEP' }, oPriv, c))]; });
    await r('oaep label', async () => { const c = await S.encrypt({ name: 'RSA-OAEP', label: u8('L') }, oPub, d); return [hex(await S.decrypt({ name: 'RSA-OAEP', label: u8('L') }, oPriv, c)), await S.decrypt({ name: 'RSA-OAEP', label: u8('X') }, oPriv, c).catch(String)]; });
    await r('oaep label str', async () => { const c = await S.encrypt({ name: 'RSA-OAEP', label: 'L' }, oPub, d); return hex(await S.decrypt({ name: 'RSA-OAEP', label: u8('L') }, oPriv, c)); });
    await r('oaep too long', () => S.encrypt({ name: 'RSA-OAEP' }, oPub, new Uint8Array(100)));
    await r('oaep enc priv', async () => S.encrypt({ name: 'RSA-OAEP' }, await S.importKey('pkcs8', b64(K.rsa1024_p8), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']), d));
    await r('oaep dec pub', async () => S.decrypt({ name: 'RSA-OAEP' }, await S.importKey('spki', b64(K.rsa1024_spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']), d));
    await r('oaep dec bad', () => S.decrypt({ name: 'RSA-OAEP' }, oPriv, new Uint8Array(128)));
    await r('oaep label num', () => S.encrypt({ name: 'RSA-OAEP', label: 5 }, oPub, d));
    // ECDH
    const e1 = await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    const gen = await S.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    await r('derive ok', async () => (await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 256)).byteLength);
    await r('derive sym', async () => hex(await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 256)) === hex(await S.deriveBits({ name: 'ecdh', public: await S.importKey('spki', b64(K.ec_P256_spki), { name: 'ECDH', namedCurve: 'P-256' }, true, []) }, gen.privateKey, 0)));
    await r('derive len0', async () => (await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 0)).byteLength);
    await r('derive len undefined', async () => (await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1)).byteLength);
    await r('derive len 128', async () => (await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 128)).byteLength);
    await r('derive len 264', () => S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 264));
    await r('derive len 12', () => S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, 12));
    await r('derive len str', async () => (await S.deriveBits({ name: 'ECDH', public: gen.publicKey }, e1, '64')).byteLength);
    await r('derive null base', () => S.deriveBits({ name: 'ECDH', public: gen.publicKey }, null, 256));
    await r('derive num base', () => S.deriveBits({ name: 'ECDH', public: gen.publicKey }, 5, 256));
    await r('derive no usage', async () => S.deriveBits({ name: 'ECDH', public: gen.publicKey }, await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveKey']), 256));
    await r('derive null alg', () => S.deriveBits(null, e1, 256));
    await r('derive str alg', () => S.deriveBits('ECDH', e1, 256));
    await r('derive no public', () => S.deriveBits({ name: 'ECDH' }, e1, 256));
    await r('derive public num', () => S.deriveBits({ name: 'ECDH', public: 5 }, e1, 256));
    await r('derive public obj', () => S.deriveBits({ name: 'ECDH', public: {} }, e1, 256));
    await r('derive public priv', () => S.deriveBits({ name: 'ECDH', public: e1 }, e1, 256));
    await r('derive no name', () => S.deriveBits({ public: gen.publicKey }, e1, 256));
    await r('derive wrong name', () => S.deriveBits({ name: 'ECDSA', public: gen.publicKey }, e1, 256));
    await r('derive pbkdf2 name', () => S.deriveBits({ name: 'PBKDF2', public: gen.publicKey }, e1, 256));
    await r('derive curve mismatch', async () => S.deriveBits({ name: 'ECDH', public: (await S.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])).publicKey }, e1, 256));
    await r('derive ecdsa pub', async () => S.deriveBits({ name: 'ECDSA', public: ecPub }, await S.importKey('pkcs8', b64(K.ec_P256_p8), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['deriveBits']), 256));
  }
  {

    const d = u8('abc');
    const ak = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt', 'decrypt']);
    const ck = await S.importKey('raw', new Uint8Array(16), 'AES-CBC', true, ['encrypt', 'decrypt']);
    await r('gen rsa exp 65537 as 4 bytes', async () => { const k = await S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([0, 1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']); return (await S.exportKey('jwk', k.publicKey)).e; });
    await r('gen rsa mod 1000', async () => { const k = await S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1000, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']); return k.publicKey.algorithm.modulusLength; });
    await r('gen rsa mod 100', async () => { const k = await S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 100, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']); return k.publicKey.algorithm.modulusLength; });
    await r('gen rsa mod 0', () => S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 0, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']));

    await r('rsa 512 pss', async () => { const k = await S.importKey('pkcs8', b64(K.rsa512_p8), { name: 'RSA-PSS', hash: 'SHA-1' }, true, ['sign']); return (await S.sign({ name: 'RSA-PSS', saltLength: 20 }, k, d)).byteLength; });
    await r('rsa 512 oaep', async () => { const k = await S.importKey('spki', b64(K.rsa512_spki), { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['encrypt']); return (await S.encrypt({ name: 'RSA-OAEP' }, k, d)).byteLength; });
    await r('gen aes len 128.7', async () => (await S.generateKey({ name: 'AES-GCM', length: 128.7 }, true, ['encrypt'])).algorithm.length);
    await r('gen aes len str', async () => (await S.generateKey({ name: 'AES-GCM', length: '128' }, true, ['encrypt'])).algorithm.length);
    await r('gen hmac len 7', async () => { const k = await S.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 7 }, true, ['sign']); return [k.algorithm.length, (await S.exportKey('raw', k)).byteLength, (await S.sign('HMAC', k, d)).byteLength]; });
    await r('gen hmac len null', async () => (await S.generateKey({ name: 'HMAC', hash: 'SHA-384', length: null }, true, ['sign'])).algorithm.length);
    await r('imp hmac len null', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-384', length: null }, true, ['sign'])).algorithm.length);
    await r('gcm tag 127', () => S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 127 }, ak, d));
    await r('gcm tag 96.5', async () => (await S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 96.5 }, ak, d)).byteLength);
    await r('gcm tag str', async () => (await S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: '96' }, ak, d)).byteLength);
    await r('gcm aad str', async () => hex(await S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: 'aad' }, ak, d)));
    await r('gcm iv subarray', async () => hex(await S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(24).subarray(12) }, ak, d)));
    await r('gcm iv ab', async () => hex(await S.encrypt({ name: 'AES-GCM', iv: new ArrayBuffer(12) }, ak, d)));
    await r('gcm iv dataview', async () => hex(await S.encrypt({ name: 'AES-GCM', iv: new DataView(new ArrayBuffer(12)) }, ak, d)));
    await r('gcm iv u16', async () => hex(await S.encrypt({ name: 'AES-GCM', iv: new Uint16Array(6) }, ak, d)));
    await r('gcm no iv', () => S.encrypt({ name: 'AES-GCM' }, ak, d));
    await r('ctr len str', async () => hex(await S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: '64' }, await S.importKey('raw', new Uint8Array(16), 'AES-CTR', true, ['encrypt']), d)));
    await r('data u16', async () => hex(await S.digest('SHA-1', new Uint16Array([1,2]))));
    await r('extractable str', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, 'no', ['sign'])).extractable);
    await r('extractable undefined', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, undefined, ['sign'])).extractable);
    await r('usages num', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, [5])).usages);
    await r('usages null', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, null)));
    await r('usages obj', async () => (await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, {0:'sign', length:1})));
    await r('format num', async () => (await S.importKey(5, d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign'])));
    await r('format undefined', async () => (await S.exportKey(undefined, await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']))));
    await r('exp format RAW', async () => (await S.exportKey('RAW', await S.importKey('raw', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']))));
    await r('imp format RAW', async () => (await S.importKey('RAW', d, { name: 'HMAC', hash: 'SHA-1' }, true, ['sign'])));
    await r('imp no args', async () => S.importKey());
    await r('sign no args', async () => S.sign());
    await r('verify no args', async () => S.verify());
    await r('enc no args', async () => S.encrypt());
    await r('grv', () => crypto.getRandomValues(new Uint8Array(0)));
  }
  if (__ENV.WEBCRYPTO_DUMP) console.log(JSON.stringify(results, null, 1));
  const checks = {};
  for (const label of Object.keys(expected)) {
    const want = expected[label];
    checks[label] = () => (want.endsWith('…') ? String(results[label]).startsWith(want.slice(0, -1)) : results[label] === want);
  }
  checks['every case ran'] = () => Object.keys(results).length === Object.keys(expected).length;
  check(results, checks);
}
