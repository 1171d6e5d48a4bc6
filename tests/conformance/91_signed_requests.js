// deterministic: sig_len
// Requests signed with k6/crypto HMAC over a canonical string and k6/encoding base64, the
// signature checked against the echoed headers; a hash-based deterministic Trend.
import http from 'k6/http';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const sigLen = new Trend('sig_len');
const SECRET = 'topsecret';

function sign(method, path, body, ts) {
  const canonical = [method, path, crypto.sha256(body, 'hex'), ts].join('\n');
  return crypto.hmac('sha256', SECRET, canonical, 'base64');
}

export const options = { vus: 1, iterations: 3 };

export default function () {
  const ts = String(1700000000 + __ITER);
  const body = JSON.stringify({ i: __ITER });
  const sig = sign('POST', '/post', body, ts);
  sigLen.add(sig.length);
  const auth = encoding.b64encode(`key:${sig}`);
  const res = http.post(`${__ENV.BASE_URL}/post`, body, {
    headers: { 'X-Timestamp': ts, 'X-Signature': sig, Authorization: `Basic ${auth}` },
  });
  check(res, {
    'signature sent': (r) => r.json('headers.X-Signature') === sig,
    'signature verifies': (r) => sign('POST', '/post', r.json('data'), r.json('headers.X-Timestamp')) === sig,
    'auth decodes': (r) => encoding.b64decode(r.json('headers.Authorization').slice(6), 'std', 's') === `key:${sig}`,
    'md5 stable': () => crypto.md5('abc', 'hex') === '900150983cd24fb0d6963f7d28e17f72',
    'hasher': () => {
      const h = crypto.createHMAC('sha1', SECRET);
      h.update('a');
      h.update('b');
      return h.digest('hex') === crypto.hmac('sha1', SECRET, 'ab', 'hex');
    },
  });
}
