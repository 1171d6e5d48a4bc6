// Failing thresholds exit 99; passing ones on the same metric are reported too.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<60000', 'avg<0'],
    'http_reqs{status:404}': ['count<1'],
    checks: [{ threshold: 'rate>=1', abortOnFail: false }],
    iterations: ['count==4'],
  },
};

export default function () {
  const ok = http.get(`${__ENV.BASE_URL}/get`);
  const missing = http.get(`${__ENV.BASE_URL}/status/404`);
  check(ok, { ok: (r) => r.status === 200 });
  check(missing, { 'found it': (r) => r.status === 200 });
}
