// An HTTP request in the init context: k6 refuses it with an exception (exit 107).
import http from 'k6/http';

const config = http.get(`${__ENV.BASE_URL}/json`);

export const options = { vus: 1, iterations: 1 };

export default function () {
  http.get(`${__ENV.BASE_URL}/get?c=${config.status}`);
}
