// Interop, first half: generates keys on this tool and writes them, with signatures, shared
// secrets and ciphertexts made with them, to $INTEROP_OUT (interop_consume.js checks them on
// the other tool: rk6 -> k6 and k6 -> rk6).
export const options = { vus: 1, iterations: 1 };

const S = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const message = new Uint8Array(Array.from('interop: the same bytes on both tools', (c) => c.charCodeAt(0)));
const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

export async function setup() {
  const out = { message: hex(message), ecdsa: {}, ecdh: {}, aes: [], hmac: {} };
  for (const curve of ['P-256', 'P-384', 'P-521']) {
    const pair = await S.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
    const signatures = {};
    for (const hash of HASHES) signatures[hash] = hex(await S.sign({ name: 'ECDSA', hash }, pair.privateKey, message));
    out.ecdsa[curve] = {
      pkcs8: hex(await S.exportKey('pkcs8', pair.privateKey)),
      jwk: await S.exportKey('jwk', pair.privateKey),
      spki: hex(await S.exportKey('spki', pair.publicKey)),
      raw: hex(await S.exportKey('raw', pair.publicKey)),
      signatures,
    };
    const a = await S.generateKey({ name: 'ECDH', namedCurve: curve }, true, ['deriveBits']);
    const b = await S.generateKey({ name: 'ECDH', namedCurve: curve }, true, ['deriveBits']);
    out.ecdh[curve] = {
      pkcs8: hex(await S.exportKey('pkcs8', a.privateKey)),
      jwk: await S.exportKey('jwk', a.privateKey),
      peerSpki: hex(await S.exportKey('spki', b.publicKey)),
      peerRaw: hex(await S.exportKey('raw', b.publicKey)),
      secret: hex(await S.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 0)),
    };
  }

  const pair = await S.generateKey(
    { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const pkcs8 = await S.exportKey('pkcs8', pair.privateKey);
  const spki = await S.exportKey('spki', pair.publicKey);
  const pkcs1 = await S.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, true, ['sign']);
  const oaep = await S.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
  out.rsa = {
    pkcs8: hex(pkcs8),
    jwk: await S.exportKey('jwk', pair.privateKey),
    spki: hex(spki),
    pkcs1: hex(await S.sign('RSASSA-PKCS1-v1_5', pkcs1, message)),
    pss32: hex(await S.sign({ name: 'RSA-PSS', saltLength: 32 }, pair.privateKey, message)),
    pss0: hex(await S.sign({ name: 'RSA-PSS', saltLength: 0 }, pair.privateKey, message)),
    oaep: hex(await S.encrypt({ name: 'RSA-OAEP', label: new Uint8Array([1, 2, 3]) }, oaep, message)),
  };

  const aes = await S.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const raw = await S.exportKey('raw', aes);
  for (const params of [
    { name: 'AES-GCM', iv: crypto.getRandomValues(new Uint8Array(12)), additionalData: new Uint8Array([7]) },
    { name: 'AES-CBC', iv: crypto.getRandomValues(new Uint8Array(16)) },
    { name: 'AES-CTR', counter: crypto.getRandomValues(new Uint8Array(16)), length: 64 },
  ]) {
    const k = await S.importKey('raw', raw, params.name, true, ['encrypt']);
    const shown = {};
    for (const [f, x] of Object.entries(params)) shown[f] = x instanceof Uint8Array ? hex(x) : x;
    out.aes.push({ params: shown, key: hex(raw), jwk: await S.exportKey('jwk', k), ciphertext: hex(await S.encrypt(params, k, message)) });
  }

  const hmac = await S.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign', 'verify']);
  out.hmac = { jwk: await S.exportKey('jwk', hmac), signature: hex(await S.sign('HMAC', hmac, message)) };
  return out;
}

export default function () {}

export function handleSummary(data) {
  return { [__ENV.INTEROP_OUT]: JSON.stringify(data.setup_data) };
}
