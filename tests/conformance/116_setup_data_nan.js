// setup() returning data with NaN in it: k6 cannot marshal it, skips the test and exits 255.
import http from 'k6/http';

export const options = { vus: 1, iterations: 2 };

export function setup() {
  const r = http.get(`${__ENV.BASE_URL}/json`);
  return { ratio: Number(r.json('slideshow.missing')), status: r.status };
}

export default function (data) {
  http.get(`${__ENV.BASE_URL}/get?ratio=${data.ratio}`);
}

export function teardown() {
  http.get(`${__ENV.BASE_URL}/get?teardown=1`);
}
