// open() of a binary file and a CSV, http.file multipart uploads with a text field, and checks
// on what the target received.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const bin = open('./data/blob.bin', 'b');
const rows = open('./data/scores.csv').split('\n').filter((l) => l).slice(1).map((l) => l.split(','));
const scoreTotal = new Counter('score_total');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { score_total: ['count==60'], 'checks{upload:yes}': ['rate==1'] },
};

export default function () {
  const row = rows[__ITER % rows.length];
  scoreTotal.add(Number(row[2]));
  group('upload', () => {
    const res = http.post(`${__ENV.BASE_URL}/post`, {
      name: row[1],
      doc: http.file(`id=${row[0]}`, 'row.txt', 'text/plain'),
      blob: http.file(bin, 'blob.bin'),
    });
    check(res, {
      'multipart': (r) => r.request.headers['Content-Type'][0].indexOf('multipart/form-data; boundary=') === 0,
      'field': (r) => r.json('form.name') === row[1],
      'text file': (r) => r.json('files.doc') === `id=${row[0]}`,
      'binary file present': (r) => typeof r.json('files.blob') === 'string',
      'binary length': () => bin.byteLength === 26,
      'first byte': () => new Uint8Array(bin)[0] === 0x89,
    }, { upload: 'yes' });
  });
  const raw = http.post(`${__ENV.BASE_URL}/post`, bin, { headers: { 'Content-Type': 'application/octet-stream' } });
  check(raw, { 'raw body length': (r) => r.request.body.length > 0 || r.status === 200 });
}
