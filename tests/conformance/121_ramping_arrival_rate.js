// time-based
// ramping-arrival-rate with stages, scenario tags, and thresholds on its requests, checks
// and dropped_iterations.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    ramp_rate: {
      executor: 'ramping-arrival-rate',
      startRate: 5,
      timeUnit: '1s',
      preAllocatedVUs: 2,
      maxVUs: 5,
      stages: [
        { target: 20, duration: '600ms' },
        { target: 0, duration: '600ms' },
      ],
      tags: { shape: 'ramp' },
    },
  },
  thresholds: {
    'http_reqs{shape:ramp}': ['count>0'],
    'checks{scenario:ramp_rate}': ['rate==1'],
    dropped_iterations: ['count>=0'],
  },
};

export default function () {
  check(http.get(`${__ENV.BASE_URL}/get`), { ok: (r) => r.status === 200 });
}
