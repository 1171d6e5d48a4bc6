// crypto.subtle known answers. data/webcrypto/wpt.json holds vectors of the Web Platform Tests
// k6 runs (HMAC, AES-CBC with bad paddings); data/webcrypto/vectors.json holds vectors made by
// Node's WebCrypto (OpenSSL) with generate.mjs there: AES-CBC/CTR/GCM for 128/192/256-bit
// keys, HMAC, ECDSA signatures and ECDH secrets on P-256/384/521, RSASSA-PKCS1-v1_5, RSA-PSS
// and RSA-OAEP with a 2048-bit key. Each must decrypt, verify or come out the same, and the
// fixed keys must export to the same bytes.
import { check } from 'k6';

const wpt = JSON.parse(open('./data/webcrypto/wpt.json'));
const v = JSON.parse(open('./data/webcrypto/vectors.json'));

export const options = { vus: 1, iterations: 1 };

const S = crypto.subtle;
const unhex = (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16)));
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const u8 = (a) => new Uint8Array(a);
const b64url = (s) => {
  const bin = unhex(
    Array.from(s.replace(/-/g, '+').replace(/_/g, '/'))
      .map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(c).toString(2).padStart(6, '0'))
      .join('')
      .match(/.{8}/g)
      .map((b) => parseInt(b, 2).toString(16).padStart(2, '0'))
      .join(''),
  );
  return bin;
};
// A big integer's bytes without leading zeros (k6 drops an EC coordinate's leading zero bytes).
const trimmed = (s) => hex(b64url(s)).replace(/^(00)+/, '');
const message = unhex(v.message);

function params(p) {
  const o = {};
  for (const [k, x] of Object.entries(p)) o[k] = typeof x === 'string' && k !== 'name' ? unhex(x) : x;
  return o;
}

async function rejects(p) {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return String(e);
  }
}

export default async function () {
  const ok = {};

  for (const h of Object.keys(wpt.hmac.keys)) {
    const k = await S.importKey('raw', u8(wpt.hmac.keys[h]), { name: 'HMAC', hash: h }, false, ['sign', 'verify']);
    ok[`WPT HMAC ${h} sign`] = hex(await S.sign('HMAC', k, u8(wpt.hmac.plaintext))) === hex(u8(wpt.hmac.signatures[h]));
    ok[`WPT HMAC ${h} verify`] = await S.verify('HMAC', k, u8(wpt.hmac.signatures[h]), u8(wpt.hmac.plaintext));
  }

  const cbc = wpt.aesCbc;
  const cbcKey = await S.importKey('raw', u8(cbc.key), 'AES-CBC', false, ['encrypt', 'decrypt']);
  const cbcAlg = { name: 'AES-CBC', iv: u8(cbc.iv) };
  ok['WPT AES-CBC encrypt'] = hex(await S.encrypt(cbcAlg, cbcKey, u8(cbc.plaintext))) === hex(u8(cbc.ciphertext));
  ok['WPT AES-CBC decrypt'] = hex(await S.decrypt(cbcAlg, cbcKey, u8(cbc.ciphertext))) === hex(u8(cbc.plaintext));
  for (const [problem, block] of Object.entries(cbc.badPadding)) {
    const bad = u8(cbc.ciphertext);
    bad.set(u8(block), bad.length - 16);
    ok[`WPT AES-CBC ${problem} rejects`] = (await rejects(S.decrypt(cbcAlg, cbcKey, bad))) === 'OperationError: invalid padding';
  }

  for (const t of v.aes) {
    const name = `${t.params.name} ${t.key.length * 4}${t.params.tagLength ? ' tag ' + t.params.tagLength : ''}${t.params.additionalData ? ' aad' : ''}`;
    const k = await S.importKey('raw', unhex(t.key), t.params.name, true, ['encrypt', 'decrypt']);
    ok[`${name} encrypt`] = hex(await S.encrypt(params(t.params), k, unhex(t.plaintext))) === t.ciphertext;
    ok[`${name} decrypt`] = hex(await S.decrypt(params(t.params), k, unhex(t.ciphertext))) === t.plaintext;
    ok[`${name} raw export`] = hex(await S.exportKey('raw', k)) === t.key;
  }
  const tampered = unhex(v.aes[2].ciphertext);
  tampered[0] ^= 1;
  const gcmKey = await S.importKey('raw', unhex(v.aes[2].key), 'AES-GCM', false, ['decrypt']);
  ok['AES-GCM tampered ciphertext rejects'] = (await rejects(S.decrypt(params(v.aes[2].params), gcmKey, tampered))) === 'OperationError: could not decrypt ciphertext';

  for (const t of v.hmac) {
    const k = await S.importKey('raw', unhex(t.key), { name: 'HMAC', hash: t.hash }, true, ['sign', 'verify']);
    ok[`HMAC ${t.hash} ${t.key.length / 2}-byte key`] = hex(await S.sign('HMAC', k, message)) === t.signature
      && (await S.verify('HMAC', k, unhex(t.signature), message));
  }

  for (const [curve, t] of Object.entries(v.ec)) {
    const alg = { name: 'ECDSA', namedCurve: curve };
    const priv = await S.importKey('pkcs8', unhex(t.pkcs8), alg, true, ['sign']);
    const pubs = {
      spki: await S.importKey('spki', unhex(t.spki), alg, true, ['verify']),
      raw: await S.importKey('raw', unhex(t.raw), alg, true, ['verify']),
      jwk: await S.importKey('jwk', { kty: 'EC', crv: curve, x: t.jwk.x, y: t.jwk.y }, alg, true, ['verify']),
    };
    for (const [hash, sig] of Object.entries(t.signatures)) {
      for (const [format, pub] of Object.entries(pubs)) {
        ok[`ECDSA ${curve} ${hash} verifies (${format} key)`] = await S.verify({ name: 'ECDSA', hash }, pub, unhex(sig), message);
      }
      const bad = unhex(sig);
      bad[3] ^= 1;
      ok[`ECDSA ${curve} ${hash} altered signature fails`] = !(await S.verify({ name: 'ECDSA', hash }, pubs.spki, bad, message));
      const mine = await S.sign({ name: 'ECDSA', hash }, priv, message);
      ok[`ECDSA ${curve} ${hash} sign round trip`] = await S.verify({ name: 'ECDSA', hash }, pubs.raw, mine, message);
    }
    const jwkPriv = await S.importKey('jwk', t.jwk, alg, true, ['sign']);
    ok[`ECDSA ${curve} jwk private key signs`] = await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, pubs.jwk, await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, jwkPriv, message), message);
    ok[`ECDSA ${curve} pkcs8 export`] = hex(await S.exportKey('pkcs8', priv)) === t.pkcs8;
    ok[`ECDSA ${curve} spki export`] = hex(await S.exportKey('spki', pubs.jwk)) === t.spki;
    ok[`ECDSA ${curve} raw export`] = hex(await S.exportKey('raw', pubs.spki)) === t.raw;
    const jwk = await S.exportKey('jwk', priv);
    ok[`ECDSA ${curve} jwk export`] = jwk.kty === 'EC' && jwk.crv === curve && trimmed(jwk.x) === trimmed(t.jwk.x)
      && trimmed(jwk.y) === trimmed(t.jwk.y) && jwk.d === t.jwk.d;

    const ecdh = { name: 'ECDH', namedCurve: curve };
    const a = await S.importKey('pkcs8', unhex(t.pkcs8), ecdh, true, ['deriveBits']);
    const peer = await S.importKey('spki', unhex(t.peerSpki), ecdh, true, []);
    ok[`ECDH ${curve} shared secret`] = hex(await S.deriveBits({ name: 'ECDH', public: peer }, a, 0)) === t.sharedSecret;
    ok[`ECDH ${curve} 128 bits`] = hex(await S.deriveBits({ name: 'ECDH', public: peer }, a, 128)) === t.sharedSecret.slice(0, 32);
    const jwkA = await S.importKey('jwk', t.jwk, ecdh, true, ['deriveBits']);
    ok[`ECDH ${curve} jwk key`] = hex(await S.deriveBits({ name: 'ECDH', public: peer }, jwkA, 0)) === t.sharedSecret;
  }

  const rsa = v.rsa;
  for (const [hash, sig] of Object.entries(rsa.pkcs1)) {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash };
    const priv = await S.importKey('pkcs8', unhex(rsa.pkcs8), alg, true, ['sign']);
    const pub = await S.importKey('spki', unhex(rsa.spki), alg, true, ['verify']);
    ok[`RSASSA-PKCS1-v1_5 ${hash} sign`] = hex(await S.sign('RSASSA-PKCS1-v1_5', priv, message)) === sig;
    ok[`RSASSA-PKCS1-v1_5 ${hash} verify`] = await S.verify('RSASSA-PKCS1-v1_5', pub, unhex(sig), message);
    ok[`RSASSA-PKCS1-v1_5 ${hash} other message fails`] = !(await S.verify('RSASSA-PKCS1-v1_5', pub, unhex(sig), message.slice(1)));
    const jwkPriv = await S.importKey('jwk', rsa.jwk, alg, true, ['sign']);
    ok[`RSASSA-PKCS1-v1_5 ${hash} jwk private key`] = hex(await S.sign('RSASSA-PKCS1-v1_5', jwkPriv, message)) === sig;
  }
  for (const t of rsa.pss) {
    const alg = { name: 'RSA-PSS', hash: t.hash };
    const pub = await S.importKey('spki', unhex(rsa.spki), alg, true, ['verify']);
    ok[`RSA-PSS ${t.hash} salt ${t.saltLength} verifies`] = await S.verify({ name: 'RSA-PSS', saltLength: t.saltLength }, pub, unhex(t.signature), message);
    // k6 (Go): saltLength 0 verifies any salt length.
    ok[`RSA-PSS ${t.hash} salt ${t.saltLength} verifies with 0`] = await S.verify({ name: 'RSA-PSS', saltLength: 0 }, pub, unhex(t.signature), message);
    if (t.saltLength !== 0) {
      ok[`RSA-PSS ${t.hash} salt ${t.saltLength} wrong salt fails`] = !(await S.verify({ name: 'RSA-PSS', saltLength: t.saltLength + 1 }, pub, unhex(t.signature), message));
    }
  }
  for (const t of rsa.oaep) {
    const alg = { name: 'RSA-OAEP', hash: t.hash };
    const priv = await S.importKey('pkcs8', unhex(rsa.pkcs8), alg, true, ['decrypt']);
    const p = t.label ? { name: 'RSA-OAEP', label: unhex(t.label) } : { name: 'RSA-OAEP' };
    ok[`RSA-OAEP ${t.hash}${t.label ? ' label' : ''} decrypt`] = hex(await S.decrypt(p, priv, unhex(t.ciphertext))) === v.message;
  }
  const oaepPriv = await S.importKey('pkcs8', unhex(rsa.pkcs8), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
  const oaepPub = await S.importKey('spki', unhex(rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
  ok['RSA-OAEP round trip'] = hex(await S.decrypt({ name: 'RSA-OAEP' }, oaepPriv, await S.encrypt({ name: 'RSA-OAEP' }, oaepPub, message))) === v.message;
  ok['RSA pkcs8 export'] = hex(await S.exportKey('pkcs8', oaepPriv)) === rsa.pkcs8;
  ok['RSA spki export'] = hex(await S.exportKey('spki', oaepPub)) === rsa.spki;
  const rsaJwk = await S.exportKey('jwk', oaepPriv);
  ok['RSA jwk export'] = ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].every((f) => rsaJwk[f] === rsa.jwk[f]);

  check(ok, Object.fromEntries(Object.keys(ok).map((name) => [name, (r) => r[name] === true])));
}
