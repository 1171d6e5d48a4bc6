// http.batch in array and object form, with per-request tags and params.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

export default function () {
  const base = __ENV.BASE_URL;
  const responses = http.batch([
    ['GET', `${base}/get`, null, { tags: { page: 'a' } }],
    ['GET', `${base}/json`],
    { method: 'POST', url: `${base}/post`, body: 'x=1', params: { tags: { page: 'b' } } },
    `${base}/status/404`,
  ]);
  check(responses[0], { 'first ok': (r) => r.status === 200 });
  check(responses[3], { 'fourth is 404': (r) => r.status === 404 });

  const named = http.batch({
    home: `${base}/html`,
    api: { method: 'GET', url: `${base}/get?x=1`, params: { tags: { name: 'api' } } },
  });
  check(named, { 'named api': (n) => n.api.status === 200 && n.home.status === 200 });
}
