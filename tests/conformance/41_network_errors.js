// Network failures (connection refused, timeouts) are samples with error codes, not exceptions.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { 'http_req_failed{error_code:1212}': ['rate==1'] },
};

export default function () {
  const refused = http.get('http://127.0.0.1:1/nothing-listens-here');
  check(refused, {
    'status 0': (r) => r.status === 0,
    'error code': (r) => r.error_code === 1212,
  });
  const slow = http.get(`${__ENV.BASE_URL}/delay/2`, { timeout: '200ms', tags: { name: 'slow' } });
  check(slow, { 'timed out': (r) => r.error_code === 1050 });
  http.get(`${__ENV.BASE_URL}/get`);
}
