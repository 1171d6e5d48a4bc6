// setup() data reaches the iterations (one copy per VU, kept across its iterations as in k6)
// and teardown.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 4 };

export function setup() {
  const res = http.post(`${__ENV.BASE_URL}/post`, JSON.stringify({ user: 'admin' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'logged in': (r) => r.status === 200 });
  return { token: 'abc123', ids: [1, 2, 3], nested: { n: 1 } };
}

export default function (data) {
  data.ids[0] += 1; // k6: the VU's copy keeps the change for its next iterations
  data.nested.seen = (data.nested.seen || 0) + 1;
  check(data, {
    'token present': (d) => d.token === 'abc123',
    'kept per VU': (d) => d.ids[0] === __ITER + 2 && d.nested.seen === __ITER + 1,
  });
  group('with token', () => {
    http.get(`${__ENV.BASE_URL}/bearer`, { headers: { Authorization: `Bearer ${data.token}` } });
  });
}

export function teardown(data) {
  check(data, { 'teardown sees data': (d) => d.nested.n === 1 && d.ids.length === 3 && d.ids[0] === 1 && d.nested.seen === undefined });
  http.del(`${__ENV.BASE_URL}/delete?token=${data.token}`);
}
