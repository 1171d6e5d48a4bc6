// Quickstart: run against rk6's embedded target (`rk6 target --listen 127.0.0.1:8080`).
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const payloadSize = new Trend('payload_size');

export const options = {
  vus: 5,
  duration: __ENV.DURATION || '5s',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  group('read', () => {
    const res = http.get(`${BASE}/get?vu=${__VU}&iter=${__ITER}`, { tags: { name: 'get' } });
    check(res, {
      'status is 200': (r) => r.status === 200,
      'echoes the query': (r) => r.json('args.vu') === String(__VU),
    });
    payloadSize.add((res.body || '').length);
  });
  group('write', () => {
    const res = http.post(`${BASE}/post`, JSON.stringify({ hello: 'rk6' }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'posted json comes back': (r) => r.json('json.hello') === 'rk6' });
  });
  sleep(0.1);
}
