// A kept-alive connection the server closes under the next request (/keepalive-close): Go's
// transport sends a replayable request (GET, HEAD, OPTIONS, or with an Idempotency-Key) again
// on a new connection, once in http_reqs; other requests fail with EOF (1000, tagged so).
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const B = __ENV.BASE_URL;
  const cases = [
    ['GET', null, {}, 200],
    ['HEAD', null, {}, 200],
    ['OPTIONS', null, {}, 200],
    ['POST', 'x', { headers: { 'Idempotency-Key': 'k1' } }, 200],
    ['POST', 'x', {}, 0],
    ['PUT', 'x', {}, 0],
    ['DELETE', null, {}, 0],
  ];
  for (const [method, body, params, want] of cases) {
    http.get(`${B}/keepalive-close`);
    const r = http.request(method, `${B}/anything`, body, params);
    check(r, {
      [`${method} ${want}`]: (r) => r.status === want,
      [`${method} error code`]: (r) => r.error_code === (want === 0 ? 1000 : 0),
    });
  }
}
