// systemTags restricts the tags attached to built-in samples.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  systemTags: ['status', 'method', 'check', 'group'],
};

export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`, { tags: { custom: 'yes' } });
    check(r, { 'ok': (x) => x.status === 200 });
  });
  http.get(`${__ENV.BASE_URL}/status/404`);
}
