// JSON APIs the way most scripts call them: JSON.stringify bodies with headers, a plain
// object body (form-encoded), params reused across calls, res.json() paths and arrays.
import http from 'k6/http';
import { check, group } from 'k6';

const params = { headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, tags: { api: 'v1' } };

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { 'http_reqs{api:v1}': ['count==6'], 'checks{api:v1}': ['rate==1'] },
};

export default function () {
  const base = __ENV.BASE_URL;
  group('crud', () => {
    const created = http.post(`${base}/post`, JSON.stringify({ name: 'ahab', tags: ['a', 'b'], n: 1.5 }), params);
    check(created, {
      'json echoed': (r) => r.json('json.name') === 'ahab',
      'array index': (r) => r.json('json.tags.1') === 'b',
      'array length': (r) => r.json('json.tags.#') === 2,
      'number': (r) => r.json().json.n === 1.5,
      'content type sent': (r) => r.json('headers.Content-Type') === 'application/json',
    }, { api: 'v1' });
    const updated = http.put(`${base}/put`, JSON.stringify({ name: 'starbuck' }), params);
    check(updated, { 'put ok': (r) => r.json('json.name') === 'starbuck' }, { api: 'v1' });
    const patched = http.patch(`${base}/patch`, { field: 'x y', other: '1&2' }, { tags: { api: 'v1' } });
    check(patched, {
      'form body': (r) => r.json('form.field') === 'x y' && r.json('form.other') === '1&2',
    }, { api: 'v1' });
  });
}
