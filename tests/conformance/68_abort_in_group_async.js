// exec.test.abort() from inside a group, after some iterations: exit 108, group_duration kept.
import http from 'k6/http';
import exec from 'k6/execution';
import { group, check } from 'k6';

export const options = { vus: 1, iterations: 10 };

export default function () {
  group('work', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`);
    check(r, { ok: (x) => x.status === 200 });
    if (exec.scenario.iterationInTest === 3) {
      exec.test.abort('found a problem');
    }
  });
}
