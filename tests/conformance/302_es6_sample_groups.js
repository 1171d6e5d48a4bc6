// After k6's examples/es6sample.js: a check on a plain value at the top level, a Counter
// with a tag inside a group, a Rate fed from inside a check callback, nested groups for JSON
// and HTML responses (custom request header echoed back, res.html() text, the Content-Type
// header), and checks whose values are booleans rather than functions. Math.random() is
// replaced by the iteration number so that the counts are the same on every run.
import { group, check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import http from 'k6/http';

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: {
    my_rate: ['rate>=0.4'],
    'my_counter{tag:test}': ['count>=6'],
    http_req_duration: ['avg<1000'],
    'http_req_duration{group:::my group::json}': ['max<5000'],
  },
};

const mCounter = new Counter('my_counter');
const mRate = new Rate('my_rate');

export default function () {
  const v = (__ITER % 3) / 3;
  check(v, { 'top-level test': (x) => x < 1 / 3 });
  group('my group', function () {
    mCounter.add(1, { tag: 'test' });
    check(v, { 'random value is < 0.5': (x) => mRate.add(x < 0.5) });
    group('json', function () {
      const res = http.get(`${__ENV.BASE_URL}/get`, { headers: { 'X-Test': 'abc123' } });
      check(res, {
        'status is 200': (r) => r.status === 200,
        'X-Test header is correct': (r) => r.json().headers['X-Test'] === 'abc123',
      });
    });
    group('html', function () {
      const res = http.get(`${__ENV.BASE_URL}/html`);
      check(res, {
        'status is 200': (r) => r.status === 200,
        'content type is html': (r) => r.headers['Content-Type'].startsWith('text/html'),
        'title is there': (r) => r.html('title').text().includes('rk6'),
      });
    });
    group('nested', function () {
      check(null, { 'always passes': true, 'always fails': false });
    });
  });
  sleep(0.01);
}
