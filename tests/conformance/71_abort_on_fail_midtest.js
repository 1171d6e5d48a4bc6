// time-based
// abortOnFail that fails mid-test: k6 evaluates thresholds every 2 s and stops the test (99).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 30, maxDuration: '20s' } },
  thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/status/503`);
  sleep(0.2);
}
