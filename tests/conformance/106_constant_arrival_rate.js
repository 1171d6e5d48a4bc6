// time-based
// constant-arrival-rate with preAllocatedVUs and maxVUs for about a second, and a per-scenario
// threshold on iterations and dropped_iterations.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: '1500ms',
      preAllocatedVUs: 2,
      maxVUs: 4,
      tags: { load: 'steady' },
    },
  },
  thresholds: {
    'iterations{scenario:steady}': ['count>0'],
    'http_req_duration{load:steady}': ['p(95)<60000'],
    checks: ['rate==1'],
  },
};

export default function () {
  check(http.get(`${__ENV.BASE_URL}/get`), { ok: (r) => r.status === 200 });
}
