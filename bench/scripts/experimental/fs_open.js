import { open, SeekMode } from 'k6/experimental/fs';
import { check } from 'k6';
export const options = { vus: 50, iterations: 50 };
const file = await open('./blob.bin');
export default async function () {
  const st = await file.stat();
  const buf = new Uint8Array(4096);
  await file.seek(st.size - 4096, SeekMode.Start);
  const n = await file.read(buf);
  check(n, { 'read 4096': (n) => n === 4096 && st.size === 33554432 });
}
