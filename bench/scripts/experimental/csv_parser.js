import { open } from 'k6/experimental/fs';
import csv from 'k6/experimental/csv';
import { check } from 'k6';
export const options = { vus: 50, iterations: 50 };
const parser = new csv.Parser(await open('./users.csv'), { skipFirstLine: true });
export default async function () {
  let n = 0;
  for (;;) { const { done } = await parser.next(); if (done) break; n++; if (n >= 4000) break; }
  check(n, { 'records': (n) => n === 4000 });
}
