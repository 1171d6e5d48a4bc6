// async default function with await http.asyncRequest, Promise.all fan-out, an awaited
// rejection caught, and checks after each await.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const fanned = new Counter('fanned_out');

export const options = { vus: 2, iterations: 4, thresholds: { fanned_out: ['count==12'], checks: ['rate==1'] } };

async function fetchJson(path, name) {
  const r = await http.asyncRequest('GET', `${__ENV.BASE_URL}${path}`, null, { tags: { name } });
  return r.json();
}

export default async function () {
  const first = await fetchJson('/json', 'json');
  check(first, { 'first has title': (j) => j.slideshow.title === 'Sample Slide Show' });
  const all = await Promise.all([
    http.asyncRequest('GET', `${__ENV.BASE_URL}/get?i=1`, null, { tags: { name: 'fan' } }),
    http.asyncRequest('POST', `${__ENV.BASE_URL}/post`, 'x', { tags: { name: 'fan' } }),
    http.asyncRequest('GET', `${__ENV.BASE_URL}/status/404`, null, { tags: { name: 'fan' } }),
  ]);
  fanned.add(all.length);
  check(all, { 'three results': (a) => a.length === 3 && a[2].status === 404 });
  try {
    await new Promise((_, reject) => reject(new Error('nope')));
  } catch (e) {
    check(e, { 'rejection caught': (x) => x.message === 'nope' });
  }
}
