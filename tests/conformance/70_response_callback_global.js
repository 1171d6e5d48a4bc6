// A global response callback changes which statuses count as expected; options the engine ignores.
import http from 'k6/http';
import { check } from 'k6';

http.setResponseCallback(http.expectedStatuses(200, 201, { min: 400, max: 404 }));

export const options = {
  vus: 1,
  iterations: 2,
  ext: { loadimpact: { name: 'ignored' } },
  cloud: { projectID: 1 },
  thresholds: { http_req_failed: ['rate<0.3'] },
};

export default function () {
  for (const code of [200, 201, 204, 404, 409, 500]) {
    const r = http.get(`${__ENV.BASE_URL}/status/${code}`);
    check(r, { 'status seen': (x) => x.status === code });
  }
}

export function teardown() {
  console.log('done');
}
