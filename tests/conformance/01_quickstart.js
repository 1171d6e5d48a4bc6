// The k6 docs' first script: a GET, a check and a sleep, with a few VUs.
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: 2,
  iterations: 6,
};

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/get`);
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is not empty': (r) => r.body.length > 0,
  });
  sleep(0.05);
}
