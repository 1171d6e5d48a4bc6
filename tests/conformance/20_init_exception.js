// An exception in the init context exits 107 before any iteration.
import http from 'k6/http';

const config = JSON.parse('{"broken": ');

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
