// An exception in setup() exits 107; no iteration runs.
import http from 'k6/http';

export const options = { vus: 1, iterations: 2 };

export function setup() {
  const r = http.get(`${__ENV.BASE_URL}/status/503`);
  if (r.status !== 200) {
    throw new Error(`setup failed with ${r.status}`);
  }
}

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
