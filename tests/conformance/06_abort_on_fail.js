// abortOnFail with delayAbortEval: the test is short, so the verdict comes at the end (exit 99).
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const errors = new Counter('errors');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    errors: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '10s' }],
    http_req_duration: [{ threshold: 'max<60000', abortOnFail: true }],
  },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/status/500`);
  if (r.status !== 200) {
    errors.add(1, { code: String(r.status) });
  }
}
