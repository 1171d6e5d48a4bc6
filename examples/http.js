// HTTP features: query strings and tags, JSON and form bodies, batch, cookies, redirects,
// basic auth, expected statuses, url`` grouping, res.json() and res.html(), asyncRequest.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/http.js            (also: BASE_URL=http://host:port)
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: { checks: ['rate==1'], http_req_failed: ['rate==0'] },
};

export default async function () {
  // Query string and a custom tag (the `name` tag groups URLs in the metrics).
  let res = http.get(`${BASE}/get?vu=${__VU}`, { tags: { name: 'get' } });
  check(res, {
    'get: 200': (r) => r.status === 200,
    'get: query echoed': (r) => r.json('args.vu') === String(__VU),
  });

  // JSON body; res.json() takes a GJSON path.
  res = http.post(`${BASE}/post`, JSON.stringify({ n: 1 }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'post json: echoed': (r) => r.json('json.n') === 1 });

  // An object body is sent as a form.
  res = http.put(`${BASE}/put`, { a: '1', b: 'two' });
  check(res, { 'put form: echoed': (r) => r.json('form.b') === 'two' });

  // Parallel requests; responses come back in the same shape.
  const [a, b] = http.batch([
    ['GET', `${BASE}/json`],
    ['GET', `${BASE}/html`],
  ]);
  check(a, { 'batch json: slideshow': (r) => r.json('slideshow.title') === 'Sample Slide Show' });
  check(b, { 'batch html: title': (r) => r.html('title').text() === 'rk6 sample page' });

  // Cookies set by the server land in the VU's jar and are sent back.
  http.get(`${BASE}/cookies/set?flavour=oat`);
  res = http.get(`${BASE}/cookies`);
  check(res, { 'cookies: sent back': (r) => r.json('cookies.flavour') === 'oat' });

  // Redirects are followed (up to `redirects`, 10 by default).
  res = http.get(`${BASE}/redirect/2`);
  check(res, { 'redirects: followed': (r) => r.status === 200 && r.url.endsWith('/get') });

  // Basic auth from the URL's credentials.
  const auth = BASE.replace('://', '://user:secret@');
  res = http.get(`${auth}/basic-auth/user/secret`);
  check(res, { 'basic auth: 200': (r) => r.status === 200 });

  // A 404 that the test expects: not counted in http_req_failed.
  res = http.get(`${BASE}/status/404`, { responseCallback: http.expectedStatuses(404) });
  check(res, { 'expected 404': (r) => r.status === 404 });

  // One `name` tag for every id: url`` makes the template the name.
  const id = Math.floor(Math.random() * 1000);
  res = http.get(http.url`${BASE}/anything/item/${id}`);
  check(res, { 'url tag: 200': (r) => r.status === 200 });

  // Promise-based variant, for async code.
  res = await http.asyncRequest('GET', `${BASE}/uuid`);
  check(res, { 'async: uuid': (r) => typeof r.json('uuid') === 'string' });
}
