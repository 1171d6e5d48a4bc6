// Start-up of a data-driven script: every VU builds (k6: only the first one parses, the others
// get the shared copy) a SharedArray from a CSV file, then runs one iteration reading a row.
// CSV: a file of `id,user,email,score` lines (bench/run.py writes 10 000 of them).
import { SharedArray } from 'k6/data';
export const options = {
  scenarios: { boot: { executor: 'per-vu-iterations', vus: Number(__ENV.VUS || 1000), iterations: 1 } },
};
const rows = new SharedArray('users', () => {
  const lines = open(__ENV.CSV).split('\n');
  const out = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [id, user, email, score] = lines[i].split(',');
    out.push({ id: Number(id), user, email, score: Number(score) });
  }
  return out;
});
export default function () {
  const r = rows[(__VU * 7919) % rows.length];
  if (r.user.length === 0) throw new Error('empty row');
}
