// bench/webcrypto.js: time per call of each WebCrypto operation, one VU, one iteration.
//   rk6 run -q bench/webcrypto.js   and   k6 run -q bench/webcrypto.js   (N=200 by default)
// Build rk6 with --release: in the dev profile the generic EC/RSA code is compiled at opt-level 1.
export const options = { vus: 1, iterations: 1 };
const S = crypto.subtle;
const data = new Uint8Array(1024).fill(7);
async function time(name, n, f) {
  const t0 = Date.now();
  for (let i = 0; i < n; i++) await f(i);
  const ms = Date.now() - t0;
  console.log(`BENCH ${name}: ${(ms * 1000 / n).toFixed(1)} us/op (${n} ops)`);
}
export default async function () {
  const n = Number(__ENV.N || 200);
  const aes = await S.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const cbc = await S.importKey('raw', await S.exportKey('raw', aes), 'AES-CBC', false, ['encrypt']);
  const hmac = await S.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const ec = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const ec384 = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const dh = await S.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const rsa = await S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
  const pss = await S.importKey('pkcs8', await S.exportKey('pkcs8', rsa.privateKey), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
  const oaepPub = await S.importKey('spki', await S.exportKey('spki', rsa.publicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const oaepPriv = await S.importKey('pkcs8', await S.exportKey('pkcs8', rsa.privateKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  const iv = new Uint8Array(12);
  const ecSig = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data);
  const rsaSig = await S.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, data);
  const ct = await S.encrypt({ name: 'RSA-OAEP' }, oaepPub, data.subarray(0, 64).slice());
  await time('digest SHA-256 1KiB', n * 10, () => S.digest('SHA-256', data));
  await time('AES-GCM encrypt 1KiB', n * 10, () => S.encrypt({ name: 'AES-GCM', iv }, aes, data));
  await time('AES-CBC encrypt 1KiB', n * 10, () => S.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, cbc, data));
  await time('HMAC SHA-256 sign 1KiB', n * 10, () => S.sign('HMAC', hmac, data));
  await time('ECDSA P-256 sign', n, () => S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data));
  await time('ECDSA P-256 verify', n, () => S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, ecSig, data));
  await time('ECDSA P-384 sign', n, () => S.sign({ name: 'ECDSA', hash: 'SHA-384' }, ec384.privateKey, data));
  await time('ECDH P-256 deriveBits', n, () => S.deriveBits({ name: 'ECDH', public: dh.publicKey }, dh.privateKey, 256));
  await time('ECDSA P-256 generateKey', n, () => S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']));
  await time('RSA-2048 PKCS1 sign', n, () => S.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, data));
  await time('RSA-2048 PKCS1 verify', n, () => S.verify('RSASSA-PKCS1-v1_5', rsa.publicKey, rsaSig, data));
  await time('RSA-2048 PSS sign', n, () => S.sign({ name: 'RSA-PSS', saltLength: 32 }, pss, data));
  await time('RSA-2048 OAEP decrypt', n, () => S.decrypt({ name: 'RSA-OAEP' }, oaepPriv, ct));
  await time('RSA-2048 generateKey', Math.max(3, n / 20), () => S.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign']));
  await time('EC P-256 importKey pkcs8', n, async () => S.importKey('pkcs8', await S.exportKey('pkcs8', ec.privateKey), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']));
}
