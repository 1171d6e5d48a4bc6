// After k6's examples/thresholds_readme_example.js: a failure Rate fed with !check(), a batch
// of static assets tagged staticAsset:yes with a sub-metric threshold on that tag, checks on a
// batch's responses, and an abortOnFail threshold that trips on the failure rate (a check on
// an "http2 is used" that is HTTP/1.1 here fails every time). One VU, so the abort happens
// after the first evaluation on both tools' terms: only names, tag sets and verdicts are
// compared.
// time-based
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Rate } from 'k6/metrics';

const failureRate = new Rate('check_failure_rate');

export const options = {
  vus: 1,
  duration: '10s',
  thresholds: {
    http_req_duration: ['p(95)<750'],
    'http_req_duration{staticAsset:yes}': ['p(99)<500'],
    check_failure_rate: ['rate<0.01', { threshold: 'rate<=0.05', abortOnFail: true }],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  const response = http.get(`${base}/html`);
  const checkRes = check(response, {
    'http2 is used': (r) => r.proto === 'HTTP/2.0',
    'status is 200': (r) => r.status === 200,
    'content is present': (r) => r.body.indexOf('Moby') !== -1,
  });
  failureRate.add(!checkRes);
  group('Static Assets', function () {
    const resps = http.batch([
      ['GET', `${base}/get?asset=css`, null, { tags: { staticAsset: 'yes' } }],
      ['GET', `${base}/get?asset=ico`, null, { tags: { staticAsset: 'yes' } }],
      ['GET', `${base}/get?asset=js`, null, { tags: { staticAsset: 'yes' } }],
    ]);
    failureRate.add(!check(resps, {
      'status is 200': (r) => r[0].status === 200 && r[1].status === 200,
    }));
  });
  sleep(0.05);
}
