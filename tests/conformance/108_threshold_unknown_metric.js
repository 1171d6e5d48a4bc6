// A threshold on a metric the script never defines: k6 refuses to start (exit 104).
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: { 'my_custom_metric': ['count>0'], http_req_duration: ['p(95)<500'] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
