// k6/experimental/csv: parse() into a SharedArray with each option, and a Parser per VU reading
// one record per iteration (each VU's Parser starts at the top). Quoted delimiters, doubled
// quotes, CRLF inside quotes and blank lines read as Go's encoding/csv reads them. (No record
// here has a stray quote: k6 crashes on those in parse().)
import { open } from 'k6/experimental/fs';
import csv from 'k6/experimental/csv';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

export const options = {
  scenarios: { read: { executor: 'per-vu-iterations', vus: 2, iterations: 5 } },
  thresholds: { checks: ['rate==1'], qty_total: ['count==124'] },
};

const qty = new Counter('qty_total');
const seen = [];
const PATH = './data/inventory.csv';
const describe = (e) => `${String(e)} | ${JSON.stringify(e)} | ${Object.keys(e).join(',')} | ${e instanceof Error}`;

const rows = await csv.parse(await open(PATH), { delimiter: ';' });
seen.push(`rows ${rows.length} ${Array.isArray(rows)} ${Object.isFrozen(rows[1])} ${JSON.stringify(rows)}`);
for (const opts of [
  { delimiter: ';', asObjects: true },
  { delimiter: ';', skipFirstLine: true },
  { delimiter: ';', fromLine: 2 },
  { delimiter: ';', fromLine: 1, toLine: 2 },
  { delimiter: ';', toLine: 0 },
  { delimiter: ';', skipFirstLine: true, toLine: 3 },
]) {
  seen.push(`${JSON.stringify(opts)} ${await csv.parse(await open(PATH), opts).then((r) => JSON.stringify(r), describe)}`);
}
for (const [label, opts] of [
  ['two-char delimiter', { delimiter: ';;' }],
  ['header and skip', { asObjects: true, skipFirstLine: true }],
  ['header and fromLine', { asObjects: true, fromLine: 1 }],
  ['from after to', { fromLine: 3, toLine: 1 }],
  ['negative from', { fromLine: -2 }],
  ['past the end', { delimiter: ';', fromLine: 9 }],
]) {
  seen.push(`${label}: ${await csv.parse(await open(PATH), opts).then(() => 'ok', describe)}`);
  try {
    new csv.Parser(await open(PATH), opts);
    seen.push(`${label} (Parser): ok`);
  } catch (e) {
    seen.push(`${label} (Parser): ${String(e)} ${e instanceof Error}`);
  }
}
seen.push(`not a file: ${await csv.parse('inventory.csv').then(() => 'ok', describe)}`);
seen.push(`object: ${await csv.parse({ path: PATH }).then(() => 'ok', describe)}`);
try {
  new csv.Parser();
} catch (e) {
  seen.push(`no file: ${String(e)}`);
}

const parser = new csv.Parser(await open(PATH), { delimiter: ';', skipFirstLine: true });
seen.push(Object.keys(parser).join(','));

export default async function () {
  const { done, value } = await parser.next();
  if (done) {
    check(value, { 'done gives an empty array': (v) => Array.isArray(v) && v.length === 0 });
    return;
  }
  qty.add(Number(value[2]));
  check(value, { 'three fields': (v) => v.length === 3 });
}

export function handleSummary() {
  return { stdout: seen.join('\n') + '\n' };
}
