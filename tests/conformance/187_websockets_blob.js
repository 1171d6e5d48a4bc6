// k6/experimental/websockets' Blob without a socket: parts (strings as UTF-8, ArrayBuffers,
// typed arrays as their viewed bytes, a DataView as its whole buffer), type, size, the own
// properties k6 defines, arrayBuffer()/bytes()/text() promises, slice() with a negative end
// and a content type, and k6's errors for parts and options it refuses. (Blob parts and
// sending a Blob are left out: whether k6 v1.1.0 takes a Blob the script made depends on how
// the module was imported, see docs/websockets.md.)
import { Blob } from 'k6/experimental/websockets';
import { check } from 'k6';

export const options = { iterations: 1 };

const t = (f) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return String(e);
  }
};

export default async function () {
  const u = new Uint8Array([1, 2, 3, 4]);
  const b = new Blob(['hé', u.subarray(1, 3), new DataView(u.buffer, 1, 2), new Uint16Array([258]), new ArrayBuffer(1)], { type: 'x/y' });
  check(b, {
    size: (x) => x.size === 3 + 2 + 4 + 2 + 1,
    type: (x) => x.type === 'x/y',
    'to string': (x) => String(x) === '[object Blob]',
    keys: (x) => Object.keys(x).join() === 'size,type,arrayBuffer,bytes,slice,text,stream',
    json: (x) => JSON.stringify(x) === '{"size":12,"type":"x/y"}',
  });
  const bytes = await b.bytes();
  check(bytes, { bytes: (x) => x.constructor.name === 'Uint8Array' && Array.from(x).join() === '104,195,169,2,3,1,2,3,4,2,1,0' });
  const ab = await b.arrayBuffer();
  check(ab, { 'array buffer': (x) => x instanceof ArrayBuffer && x.byteLength === 12 });
  const s = new Blob(['hello world']);
  check(await s.slice(6).text(), { 'slice from': (x) => x === 'world' });
  const s2 = s.slice(0, -6, 'a/b');
  check(await s2.text(), { 'slice to negative': (x) => x === 'hello' && s2.type === 'a/b' && s2.size === 5 });
  check(new Blob(), { empty: (x) => x.size === 0 && x.type === '' });
  check(null, {
    'number part': () => t(() => new Blob([5])) === 'GoError: failed to process [blobParts]: unsupported type: int64',
    'options not an object': () => t(() => new Blob([], 5)) === 'GoError: [options] must be an object',
  });
}
