// k6/experimental/fs: open/read/seek/stat with k6's results and errors. Every VU opens its own
// File (own offset, shared bytes) in the init context; iterations read and seek it. What the
// init context saw is printed by handleSummary.
import { open, SeekMode } from 'k6/experimental/fs';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

export const options = { vus: 2, iterations: 6, thresholds: { checks: ['rate==1'], bytes_read: ['count==48'] } };

const bytesRead = new Counter('bytes_read');
const seen = [];
const describe = (e) => `${String(e)} | ${JSON.stringify(e)} | ${Object.keys(e).join(',')} | ${e instanceof Error}`;

const blob = await open('./data/blob.bin');
const csv = await open('file://' + blob.path.replace('blob.bin', 'scores.csv'));
seen.push(JSON.stringify(await blob.stat()), JSON.stringify(await csv.stat()), Object.keys(blob).join(','));
seen.push(JSON.stringify(blob).replace(/"path":"[^"]*\//, '"path":"'));
const head = new Uint8Array(4);
seen.push(`read=${await blob.read(head)} ${Array.from(head)}`);
seen.push(`seekEnd=${await blob.seek(0, SeekMode.End)} seekCur=${await blob.seek(-5, SeekMode.Current)}`);
const tail = new Uint8Array(16);
seen.push(`tail=${await blob.read(tail)} ${Array.from(tail)}`);
seen.push(`eof=${await blob.read(tail)} empty=${await blob.read(new Uint8Array(0))}`);
for (const [label, op] of [
  ['missing', () => open('./data/nope.bin')],
  ['directory', () => open('./data')],
  ['empty', () => open('')],
  ['null', () => open(null)],
  ['not bytes', () => csv.read([1, 2])],
  ['Uint16Array', () => csv.read(new Uint16Array(2))],
  ['null buffer', () => csv.read(null)],
  ['negative start', () => csv.seek(-1, SeekMode.Start)],
  ['positive end', () => csv.seek(1, SeekMode.End)],
  ['beyond', () => csv.seek(1000, SeekMode.Start)],
  ['before', () => csv.seek(-1000, SeekMode.Current)],
  ['string offset', () => csv.seek('1', SeekMode.Start)],
  ['float offset', () => csv.seek(1.5, SeekMode.Start)],
  ['bad whence', () => csv.seek(0, 7)],
  ['no whence', () => csv.seek(0)],
]) {
  seen.push(`${label}: ${await op().then((v) => `ok ${v}`, describe)}`);
}

export default async function () {
  // Each VU's File has its own offset: both VUs read the same first bytes.
  const offset = await csv.seek(0, SeekMode.Start);
  const buf = new Uint8Array(8);
  const n = await csv.read(buf);
  bytesRead.add(n);
  check(String.fromCharCode(...buf), {
    'offset 0': () => offset === 0,
    'header bytes': (s) => s === 'id,name,',
  });
  const forbidden = await open('./data/scores.csv').then(() => 'opened', (e) => e.name);
  check(forbidden, { 'open outside init is forbidden': (n) => n === 'ForbiddenError' });
}

export function handleSummary() {
  return { stdout: seen.join('\n') + '\n' };
}
