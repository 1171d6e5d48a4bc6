// Test lifecycle: setup() runs once before the VUs and its return value (JSON data) is
// passed to every iteration and to teardown(), which runs once at the end.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/setup-teardown.js
import http from 'k6/http';
import { check, fail } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: { checks: ['rate==1'] },
};

/** @typedef {{ token: string, startedAt: number }} SetupData */

/** @returns {SetupData} */
export function setup() {
  // E.g. log in once and share the token; here the target makes up a UUID.
  const res = http.get(`${BASE}/uuid`);
  if (res.status !== 200) fail(`setup: ${res.status}`);
  return { token: String(res.json('uuid')), startedAt: Date.now() };
}

/** @param {SetupData} data */
export default function (data) {
  const res = http.get(`${BASE}/bearer`, { headers: { Authorization: `Bearer ${data.token}` } });
  check(res, {
    'authorized with the setup token': (r) => r.status === 200 && r.json('token') === data.token,
  });
}

/** @param {SetupData} data */
export function teardown(data) {
  // Runs even when iterations failed; a good place to clean up what setup() created.
  console.log(`teardown: token ${data.token} used for ${Date.now() - data.startedAt} ms`);
}
