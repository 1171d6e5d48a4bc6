// Request timeouts (error_code 1050), status 0 responses in checks and http_req_failed,
// a redirect limit reached, and thresholds on error_code and status tags.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'http_req_failed{error_code:1050}': ['rate==1'],
    'http_reqs{status:0}': ['count==2'],
    'http_reqs{status:302}': ['count==2'],
  },
};

export default function () {
  const slow = http.get(`${__ENV.BASE_URL}/delay/2`, { timeout: '200ms', tags: { name: 'slow' } });
  check(slow, {
    'timed out': (r) => r.status === 0,
    'timeout code': (r) => r.error_code === 1050,
    'error text': (r) => r.error.indexOf('timeout') >= 0,
  });
  const hops = http.get(`${__ENV.BASE_URL}/redirect/3`, { redirects: 1 });
  check(hops, { 'stopped at a redirect': (r) => r.status === 302 });
}
