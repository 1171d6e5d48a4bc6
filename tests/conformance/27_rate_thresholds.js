// http_req_failed and sub-metric rate thresholds with several expressions each.
import http from 'k6/http';
import exec from 'k6/execution';

export const options = {
  vus: 2,
  iterations: 10,
  thresholds: {
    http_req_failed: ['rate<0.5', 'rate>0.1'],
    'http_req_failed{method:POST}': ['rate==0'],
    'http_req_failed{name:flaky}': ['rate>=0.5'],
    'http_reqs{method:GET}': ['count>5'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  http.get(`${base}/status/${exec.scenario.iterationInTest % 2 === 0 ? 500 : 200}`, { tags: { name: 'flaky' } });
  http.post(`${base}/post`, 'a=b');
  http.get(`${base}/get`);
}
