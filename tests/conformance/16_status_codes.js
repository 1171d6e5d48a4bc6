// 4xx/5xx responses, expected_response tagging, a response callback and thresholds on them.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    'http_req_duration{expected_response:true}': ['p(95)<60000'],
    http_req_failed: ['rate<0.5'],
    'http_reqs{status:500}': ['count==3'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  const codes = [200, 201, 204, 301, 400, 401, 403, 404, 418, 500, 502, 503];
  for (const code of codes) {
    const r = http.get(`${base}/status/${code}`, { redirects: 0 });
    check(r, { [`got ${code}`]: (x) => x.status === code });
  }
  http.get(`${base}/status/404`, { responseCallback: http.expectedStatuses(404) });
  http.get(`${base}/status/200`, { responseCallback: http.expectedStatuses({ min: 400, max: 499 }) });
}
