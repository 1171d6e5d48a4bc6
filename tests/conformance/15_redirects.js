// Redirect chains: each hop is its own sample; redirects:0 stops at the 302.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2, maxRedirects: 5 };

export default function () {
  const base = __ENV.BASE_URL;
  const r = http.get(`${base}/redirect/3`);
  check(r, {
    'followed': (x) => x.status === 200,
    'final url': (x) => x.url.endsWith('/get'),
  });
  const stop = http.get(`${base}/redirect/2`, { redirects: 0 });
  check(stop, { 'not followed': (x) => x.status === 302 });
  const tooMany = http.get(`${base}/redirect/7`);
  check(tooMany, { 'stops at max': (x) => x.status === 302 });
  http.get(`${base}/redirect-to?url=${encodeURIComponent(base + '/json')}`, { tags: { name: 'redirect-to' } });
}
