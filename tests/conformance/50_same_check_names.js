// The same check names in different groups are separate checks; a check on a group's return.
import http from 'k6/http';
import { check, group, sleep } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { 'checks{check:status is 200}': ['rate>0.5'] },
};

export default function () {
  for (const name of ['users', 'orders', 'users']) {
    group(name, () => {
      const r = http.get(`${__ENV.BASE_URL}/anything/${name}`);
      check(r, { 'status is 200': (x) => x.status === 200 });
      group('details', () => {
        check(r, { 'status is 200': (x) => x.status === 200, 'is users': () => name === 'users' });
        sleep(0.01);
      });
    });
  }
  check(null, { 'status is 200': () => false });
}
