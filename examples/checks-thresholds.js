// Checks and thresholds: checks never stop a test by themselves; thresholds turn them (and
// any metric, or a tagged sub-metric) into pass/fail criteria and the exit code (99).
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/checks-thresholds.js
import http from 'k6/http';
import { check, group, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: 3,
  duration: '2s',
  thresholds: {
    // Every check must pass...
    checks: ['rate==1'],
    // ...and the checks tagged `critical` separately (a sub-metric).
    'checks{critical:yes}': ['rate==1'],
    // Latency over all requests and for one endpoint (the `name` tag).
    http_req_duration: ['p(95)<1000', 'max<3000'],
    'http_req_duration{name:json}': ['avg<500'],
    // Requests of one group (`group` tag = `::group name`).
    'http_reqs{group:::browse}': ['count>0'],
    // Abort early if errors pile up.
    http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '1s' }],
  },
};

export default function () {
  group('browse', () => {
    const res = http.get(`${BASE}/json`, { tags: { name: 'json' } });
    check(
      res,
      {
        'status is 200': (r) => r.status === 200,
        'is JSON': (r) => (r.headers['Content-Type'] || '').includes('application/json'),
      },
      { critical: 'yes' },
    );
    check(res, { 'body under 10 kB': (r) => (r.body || '').length < 10240 });
  });
  sleep(0.2);
}
