// http.batch inside nested groups: the batch's requests carry the group tag, named requests
// with `name` tags, checks over the responses array, a failed request in the batch.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    'http_reqs{group:::home::assets}': ['count==9'],
    'http_req_duration{group:::home::assets}': ['p(95)<60000'],
    'http_req_failed{group:::home::assets}': ['rate<0.5'],
    'group_duration{group:::home}': ['max<60000'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  group('home', () => {
    const page = http.get(`${base}/html`, { tags: { name: 'home' } });
    check(page, { 'home loaded': (r) => r.status === 200 });
    group('assets', () => {
      const responses = http.batch([
        ['GET', `${base}/image/png`, null, { tags: { name: 'logo' } }],
        ['GET', `${base}/json`, null, { tags: { name: 'config' } }],
        ['GET', `${base}/status/404`, null, { tags: { name: 'missing' } }],
      ]);
      check(responses, {
        'all answered': (rs) => rs.every((r) => r.status > 0),
        'logo is png': (rs) => rs[0].headers['Content-Type'] === 'image/png',
        'missing is 404': (rs) => rs[2].status === 404,
      });
    });
    group('api', () => {
      const named = http.batch({
        me: { method: 'GET', url: `${base}/get?me=1`, params: { tags: { name: 'me' } } },
        feed: { method: 'GET', url: `${base}/anything/feed`, params: { tags: { name: 'feed' } } },
      });
      check(named.me, { 'me ok': (r) => r.status === 200 });
      check(named.feed, { 'feed ok': (r) => r.json('url').indexOf('/anything/feed') > 0 });
    });
  });
}
