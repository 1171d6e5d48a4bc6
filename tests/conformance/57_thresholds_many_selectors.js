// Thresholds with several tag selectors, spaces in selectors, and nonexistent tag values.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    'http_req_duration{method:GET,status:200}': ['max<60000'],
    'http_reqs{ method:POST }': ['count==3'],
    'http_reqs{status:999}': ['count==0'],
    'http_req_failed{group:::api}': ['rate==0'],
    'iteration_duration{scenario:default}': ['avg<60000'],
    'checks{group:::api,check:is ok}': ['rate==1'],
    'group_duration{group:::api}': ['max<60000'],
  },
};

export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`);
    check(r, { 'is ok': (x) => x.status === 200 });
    http.post(`${__ENV.BASE_URL}/post`, 'a');
  });
}
