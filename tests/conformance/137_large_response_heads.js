// Response heads as large as Go's transport reads (10 MiB): many header lines and a large
// header block are read; past 10 MiB the request fails (1000). discardResponseBodies drops a
// large body (counted in data_received) and leaves a null body.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 1, discardResponseBodies: true };

export default function () {
  const B = __ENV.BASE_URL;
  check(http.get(`${B}/many-headers/2000`), {
    'all header lines': (r) => r.status === 200 && Object.keys(r.headers).length > 2000,
  });
  check(http.get(`${B}/big-headers/600`), {
    '600 KiB head': (r) => r.status === 200 && r.headers['X-Big-0'].length > 900,
  });
  check(http.get(`${B}/big-headers/10300`), {
    'past 10 MiB': (r) => r.status === 0 && r.error_code === 1000,
  });
  check(http.get(`${B}/big-body/20000000`), {
    'discarded body': (r) => r.status === 200 && r.body === null,
  });
}
