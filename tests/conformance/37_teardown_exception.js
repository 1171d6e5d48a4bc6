// An exception in teardown() exits 107 after all iterations ran.
import http from 'k6/http';

export const options = { vus: 1, iterations: 2 };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}

export function teardown() {
  throw new Error('teardown broke');
}
