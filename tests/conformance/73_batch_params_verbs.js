// http.batch in array and object forms with per-request tags and params, and http.request
// with every common verb; tags on the batch entries become point tags.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    'http_reqs{kind:batch}': ['count==12'],
    'http_reqs{method:OPTIONS}': ['count==3'],
    'http_req_failed{name:teapot}': ['rate==1'],
    'http_req_duration{verb:head}': ['max>=0'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  const arr = http.batch([
    `${base}/get?a=1`,
    ['GET', `${base}/json`, null, { tags: { kind: 'batch', name: 'json' } }],
    ['POST', `${base}/post`, { x: '1' }, { tags: { kind: 'batch' } }],
    { method: 'PUT', url: `${base}/put`, body: JSON.stringify({ y: 2 }), params: { headers: { 'Content-Type': 'application/json' }, tags: { kind: 'batch' } } },
    { method: 'GET', url: `${base}/status/418`, params: { tags: { name: 'teapot', kind: 'batch' } } },
  ]);
  check(arr, {
    'five responses': (r) => r.length === 5,
    'put echoed json': (r) => r[3].json('json.y') === 2,
    'teapot': (r) => r[4].status === 418,
  });
  const obj = http.batch({
    first: { method: 'GET', url: `${base}/get?obj=1` },
    second: ['DELETE', `${base}/delete`, null, { tags: { kind: 'other' } }],
  });
  check(obj, {
    'object keys': (r) => Object.keys(r).sort().join(',') === 'first,second',
    'delete ok': (r) => r.second.status === 200,
  });
  for (const verb of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) {
    const r = http.request(verb, `${base}/anything/${verb.toLowerCase()}`, verb === 'GET' || verb === 'HEAD' ? null : 'body', {
      tags: { verb: verb.toLowerCase() },
    });
    check(r, {
      [`${verb} 200`]: (x) => x.status === 200,
      [`${verb} echoes method`]: (x) => verb === 'HEAD' || verb === 'OPTIONS' || x.json('method') === verb,
    });
  }
}
