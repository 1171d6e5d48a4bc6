// Writes vectors.json: known answers for 137_webcrypto_vectors.js, computed by Node's
// WebCrypto (OpenSSL), an implementation independent of both k6 (Go) and rk6 (RustCrypto).
// Usage: node generate.mjs KEYDIR > vectors.json, where KEYDIR holds DER keys made by OpenSSL:
// ec_P-256.p8.der, peer_P-256.p8.der (and P-384, P-521), rsa2048.p8.der.
import { readFileSync } from 'node:fs';

const s = globalThis.crypto.subtle;
const dir = process.argv[2];
const hex = (b) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + 7) & 255);
const der = (name) => new Uint8Array(readFileSync(`${dir}/${name}`));
const message = new TextEncoder().encode('rk6 webcrypto vectors: the quick brown fox');
const out = { message: hex(message), aes: [], hmac: [], ec: {}, rsa: {} };

for (const bits of [128, 192, 256]) {
  const key = bytes(bits / 8, bits);
  const plaintext = bytes(37, 3);
  const cases = [
    { name: 'AES-CBC', iv: bytes(16, 1) },
    { name: 'AES-CTR', counter: bytes(16, 2), length: 64 },
    { name: 'AES-GCM', iv: bytes(12, 4) },
    { name: 'AES-GCM', iv: bytes(12, 5), additionalData: bytes(20, 6), tagLength: 96 },
    { name: 'AES-GCM', iv: bytes(12, 7), tagLength: 104 },
    { name: 'AES-GCM', iv: bytes(12, 8), additionalData: bytes(3, 9), tagLength: 120 },
  ];
  for (const alg of cases) {
    const k = await s.importKey('raw', key, alg.name, false, ['encrypt']);
    const ct = await s.encrypt(alg, k, plaintext);
    const params = {};
    for (const [f, v] of Object.entries(alg)) params[f] = v instanceof Uint8Array ? hex(v) : v;
    out.aes.push({ params, key: hex(key), plaintext: hex(plaintext), ciphertext: hex(ct) });
  }
}

for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
  for (const len of [5, 100, 200]) {
    const key = bytes(len, len);
    const k = await s.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
    out.hmac.push({ hash, key: hex(key), signature: hex(await s.sign('HMAC', k, message)) });
  }
}

for (const curve of ['P-256', 'P-384', 'P-521']) {
  const pkcs8 = der(`ec_${curve}.p8.der`);
  const priv = await s.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve }, true, ['sign']);
  const jwk = await s.exportKey('jwk', priv);
  const pub = await s.importKey('jwk', { kty: 'EC', crv: curve, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: curve }, true, ['verify']);
  const signatures = {};
  for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
    signatures[hash] = hex(await s.sign({ name: 'ECDSA', hash }, priv, message));
  }
  const a = await s.importKey('pkcs8', pkcs8, { name: 'ECDH', namedCurve: curve }, true, ['deriveBits']);
  const peer = await s.importKey('pkcs8', der(`peer_${curve}.p8.der`), { name: 'ECDH', namedCurve: curve }, true, ['deriveBits']);
  const peerJwk = await s.exportKey('jwk', peer);
  const peerPub = await s.importKey('jwk', { kty: 'EC', crv: curve, x: peerJwk.x, y: peerJwk.y }, { name: 'ECDH', namedCurve: curve }, true, []);
  const bits = await s.deriveBits({ name: 'ECDH', public: peerPub }, a, null);
  out.ec[curve] = {
    pkcs8: hex(pkcs8),
    spki: hex(await s.exportKey('spki', pub)),
    raw: hex(await s.exportKey('raw', pub)),
    jwk: { kty: 'EC', crv: curve, x: jwk.x, y: jwk.y, d: jwk.d },
    signatures,
    peerSpki: hex(await s.exportKey('spki', peerPub)),
    sharedSecret: hex(bits),
  };
}

const rsaPkcs8 = der('rsa2048.p8.der');
const rsa = { pkcs8: hex(rsaPkcs8), pkcs1: {}, pss: [], oaep: [] };
for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
  const k = await s.importKey('pkcs8', rsaPkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['sign']);
  rsa.pkcs1[hash] = hex(await s.sign('RSASSA-PKCS1-v1_5', k, message));
  if (hash === 'SHA-1') {
    const jwk = await s.exportKey('jwk', k);
    rsa.jwk = Object.fromEntries(['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((f) => [f, jwk[f]]));
    const pub = await s.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['verify']);
    rsa.spki = hex(await s.exportKey('spki', pub));
  }
  for (const saltLength of [0, 20, 32]) {
    const p = await s.importKey('pkcs8', rsaPkcs8, { name: 'RSA-PSS', hash }, true, ['sign']);
    rsa.pss.push({ hash, saltLength, signature: hex(await s.sign({ name: 'RSA-PSS', saltLength }, p, message)) });
  }
  const o = await s.importKey('pkcs8', rsaPkcs8, { name: 'RSA-OAEP', hash }, true, ['decrypt']);
  const ojwk = await s.exportKey('jwk', o);
  const opub = await s.importKey('jwk', { kty: 'RSA', n: ojwk.n, e: ojwk.e }, { name: 'RSA-OAEP', hash }, true, ['encrypt']);
  for (const label of [null, bytes(9, 9)]) {
    const params = label ? { name: 'RSA-OAEP', label } : { name: 'RSA-OAEP' };
    rsa.oaep.push({ hash, label: label ? hex(label) : null, ciphertext: hex(await s.encrypt(params, opub, message)) });
  }
}
out.rsa = rsa;
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
