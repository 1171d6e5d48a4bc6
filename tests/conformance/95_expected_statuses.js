// setResponseCallback with expectedStatuses ranges in the init context, a per-request
// responseCallback overriding it, and responseCallback: null (no http_req_failed, no
// expected_response tag for that request).
import http from 'k6/http';
import { check } from 'k6';

http.setResponseCallback(http.expectedStatuses(200, 201, { min: 400, max: 404 }));

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    http_req_failed: ['rate<0.5'],
    'http_req_failed{status:404}': ['rate==0'],
    'http_req_failed{status:500}': ['rate==1'],
    'http_req_duration{expected_response:true}': ['max<60000'],
    'http_reqs{expected_response:false}': ['count==4'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  http.get(`${base}/status/200`);
  http.get(`${base}/status/201`);
  http.get(`${base}/status/404`);
  http.get(`${base}/status/405`);
  http.get(`${base}/status/500`);
  const r = http.get(`${base}/status/503`, { responseCallback: http.expectedStatuses(503) });
  check(r, { '503 expected': (x) => x.status === 503 });
  http.get(`${base}/status/502`, { responseCallback: null });
  http.get(`${base}/status/200`, { responseCallback: http.expectedStatuses({ min: 300, max: 399 }) });
}
