import { open } from 'k6/experimental/fs';
import csv from 'k6/experimental/csv';
import { check } from 'k6';
export const options = { vus: 50, iterations: 50 };
const users = await csv.parse(await open('./users.csv'), { asObjects: true });
export default function () {
  check(users, { 'every record': (u) => u.length === 200000 && u[199999].email === 'user199999@example.com' });
}
