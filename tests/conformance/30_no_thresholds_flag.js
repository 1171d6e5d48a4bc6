// args: --no-thresholds
// --no-thresholds: a failing threshold no longer fails the test.
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { http_reqs: ['count>1000'] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
