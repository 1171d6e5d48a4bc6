// time-based
// The `stages` shorthand (a ramping-vus scenario): VUs ramp up and down in about a second.
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  stages: [
    { duration: '400ms', target: 3 },
    { duration: '400ms', target: 3 },
    { duration: '300ms', target: 0 },
  ],
  thresholds: { http_req_failed: ['rate==0'], checks: ['rate==1'], vus_max: ['value==3'] },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get`);
  check(r, { 'status 200': (x) => x.status === 200 });
  sleep(0.1);
}
