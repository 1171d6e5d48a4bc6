// Interop, second half: imports what interop_produce.js made on the other tool ($INTEROP_IN)
// in every format, checks each signature, shared secret and ciphertext, and that the keys
// export to the same bytes.
import { check } from 'k6';

const input = JSON.parse(open(__ENV.INTEROP_IN));

export const options = { vus: 1, iterations: 1 };

const S = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16)));
const message = unhex(input.message);

export default async function () {
  const ok = {};
  for (const [curve, t] of Object.entries(input.ecdsa)) {
    const alg = { name: 'ECDSA', namedCurve: curve };
    const privates = {
      pkcs8: await S.importKey('pkcs8', unhex(t.pkcs8), alg, true, ['sign']),
      jwk: await S.importKey('jwk', t.jwk, alg, true, ['sign']),
    };
    const publics = {
      spki: await S.importKey('spki', unhex(t.spki), alg, true, ['verify']),
      raw: await S.importKey('raw', unhex(t.raw), alg, true, ['verify']),
      jwk: await S.importKey('jwk', { kty: 'EC', crv: curve, x: t.jwk.x, y: t.jwk.y }, alg, true, ['verify']),
    };
    for (const [hash, sig] of Object.entries(t.signatures)) {
      for (const [format, pub] of Object.entries(publics)) {
        ok[`ECDSA ${curve} ${hash} signature verifies (${format})`] = await S.verify({ name: 'ECDSA', hash }, pub, unhex(sig), message);
      }
    }
    for (const [format, priv] of Object.entries(privates)) {
      const sig = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, message);
      ok[`ECDSA ${curve} ${format} private key signs`] = await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, publics.spki, sig, message);
    }
    ok[`ECDSA ${curve} pkcs8 exports the same bytes`] = hex(await S.exportKey('pkcs8', privates.jwk)) === t.pkcs8;
    ok[`ECDSA ${curve} spki exports the same bytes`] = hex(await S.exportKey('spki', publics.raw)) === t.spki;
    ok[`ECDSA ${curve} raw exports the same bytes`] = hex(await S.exportKey('raw', publics.jwk)) === t.raw;
  }
  for (const [curve, t] of Object.entries(input.ecdh)) {
    const alg = { name: 'ECDH', namedCurve: curve };
    for (const [format, data] of [['pkcs8', unhex(t.pkcs8)], ['jwk', t.jwk]]) {
      const priv = await S.importKey(format, data, alg, true, ['deriveBits']);
      for (const [pf, pdata] of [['spki', t.peerSpki], ['raw', t.peerRaw]]) {
        const peer = await S.importKey(pf, unhex(pdata), alg, true, []);
        ok[`ECDH ${curve} ${format}/${pf} derives the same secret`] = hex(await S.deriveBits({ name: 'ECDH', public: peer }, priv, 0)) === t.secret;
      }
    }
  }

  const r = input.rsa;
  const pkcs1Alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' };
  const pkcs1Pub = await S.importKey('spki', unhex(r.spki), pkcs1Alg, true, ['verify']);
  ok['RSASSA-PKCS1-v1_5 signature verifies'] = await S.verify('RSASSA-PKCS1-v1_5', pkcs1Pub, unhex(r.pkcs1), message);
  for (const [format, data] of [['pkcs8', unhex(r.pkcs8)], ['jwk', r.jwk]]) {
    const priv = await S.importKey(format, data, pkcs1Alg, true, ['sign']);
    ok[`RSASSA-PKCS1-v1_5 ${format} key signs the same bytes`] = hex(await S.sign('RSASSA-PKCS1-v1_5', priv, message)) === r.pkcs1;
    ok[`RSA ${format} key exports the same pkcs8`] = hex(await S.exportKey('pkcs8', priv)) === r.pkcs8;
  }
  const pssPub = await S.importKey('spki', unhex(r.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']);
  ok['RSA-PSS salt 32 verifies'] = await S.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, unhex(r.pss32), message);
  ok['RSA-PSS salt 0 verifies'] = await S.verify({ name: 'RSA-PSS', saltLength: 0 }, pssPub, unhex(r.pss0), message);
  ok['RSA spki exports the same bytes'] = hex(await S.exportKey('spki', pssPub)) === r.spki;
  const oaep = await S.importKey('jwk', r.jwk, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
  ok['RSA-OAEP decrypts'] = hex(await S.decrypt({ name: 'RSA-OAEP', label: new Uint8Array([1, 2, 3]) }, oaep, unhex(r.oaep))) === input.message;

  for (const t of input.aes) {
    const params = {};
    for (const [f, x] of Object.entries(t.params)) params[f] = typeof x === 'string' && f !== 'name' ? unhex(x) : x;
    for (const [format, data] of [['raw', unhex(t.key)], ['jwk', t.jwk]]) {
      const k = await S.importKey(format, data, t.params.name, true, ['decrypt']);
      ok[`${t.params.name} ${format} key decrypts`] = hex(await S.decrypt(params, k, unhex(t.ciphertext))) === input.message;
    }
  }
  const hmac = await S.importKey('jwk', input.hmac.jwk, { name: 'HMAC', hash: 'SHA-512' }, true, ['sign', 'verify']);
  ok['HMAC jwk key signs the same bytes'] = hex(await S.sign('HMAC', hmac, message)) === input.hmac.signature;

  check(ok, Object.fromEntries(Object.keys(ok).map((name) => [name, (x) => x[name] === true])));
}
