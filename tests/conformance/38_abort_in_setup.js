// exec.test.abort() in setup: exit 108, no iterations.
import exec from 'k6/execution';
import http from 'k6/http';

export const options = { vus: 1, iterations: 2 };

export function setup() {
  http.get(`${__ENV.BASE_URL}/get?setup=1`);
  exec.test.abort('no environment');
}

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
