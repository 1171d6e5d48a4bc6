// http.batch where some requests fail at the network level or with HTTP errors; res.json() errors.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const res = http.batch([
    ['GET', `${__ENV.BASE_URL}/get`],
    ['GET', 'http://127.0.0.1:1/refused'],
    ['GET', `${__ENV.BASE_URL}/status/500`],
  ]);
  check(res, {
    'first ok': (r) => r[0].status === 200,
    'second refused': (r) => r[1].status === 0 && r[1].error_code > 0,
    'third 500': (r) => r[2].status === 500,
  });
  let parsed = true;
  try {
    http.get(`${__ENV.BASE_URL}/html`).json();
  } catch (e) {
    parsed = false;
  }
  check(parsed, { 'html is not json': (p) => p === false });
}
