// A threshold on a metric that does not exist exits 104.
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: { no_such_metric: ['count>0'] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
