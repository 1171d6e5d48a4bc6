// A REST-style flow posting and reading JSON, using res.json() selectors.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: { 'http_req_duration{name:create}': ['p(99)<60000'] },
};

const params = { headers: { 'Content-Type': 'application/json', Accept: 'application/json' } };

export default function () {
  const base = __ENV.BASE_URL;
  group('crud', () => {
    const created = http.post(`${base}/post`, JSON.stringify({ name: 'crocodile', age: __ITER }), {
      ...params,
      tags: { name: 'create' },
    });
    check(created, {
      'created 200': (r) => r.status === 200,
      'echoes name': (r) => r.json('json.name') === 'crocodile',
      'content type': (r) => r.json().headers['Content-Type'] === 'application/json',
    });
    const upd = http.put(`${base}/put`, JSON.stringify({ age: 1 }), params);
    check(upd, { 'updated': (r) => r.status === 200 });
    const patched = http.patch(`${base}/patch`, JSON.stringify({ age: 2 }), params);
    check(patched, { 'patched': (r) => r.json('json.age') === 2 });
    const del = http.del(`${base}/delete`, null, params);
    check(del, { 'deleted': (r) => r.status === 200 });
  });
}
