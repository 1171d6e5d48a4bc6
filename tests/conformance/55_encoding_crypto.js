// k6/encoding and k6/crypto in a signing flow; checks on deterministic digests.
import http from 'k6/http';
import { check } from 'k6';
import encoding from 'k6/encoding';
import crypto from 'k6/crypto';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const creds = encoding.b64encode('user:pass');
  const res = http.get(`${__ENV.BASE_URL}/basic-auth/user/pass`, {
    headers: { Authorization: `Basic ${creds}` },
  });
  const sig = crypto.hmac('sha256', 'secret', 'payload', 'hex');
  check(res, {
    'auth ok': (r) => r.status === 200,
    'hmac length': () => sig.length === 64,
    'md5 known': () => crypto.md5('abc', 'hex') === '900150983cd24fb0d6963f7d28e17f72',
    'b64 roundtrip': () => encoding.b64decode(creds, 'std', 's') === 'user:pass',
  });
}
