// userAgent set so data_sent/data_received byte counts can be compared.
import http from 'k6/http';

export const options = { vus: 1, iterations: 3, userAgent: 'conformance/1.0' };

export default function () {
  http.get(`${__ENV.BASE_URL}/bytes/100`);
  http.post(`${__ENV.BASE_URL}/post`, 'abcdefghij');
}
