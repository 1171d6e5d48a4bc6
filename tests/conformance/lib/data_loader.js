// A data module in the style of published k6 projects (not a corpus script itself): its
// top-level open() paths are relative to this file; readLater() runs from the importer's top
// level, where k6 v1.1.0 resolves relative to the importing script.
import { SharedArray } from 'k6/data';

export const scores = new SharedArray('scores', () =>
  open('../data/scores.csv').split('\n').slice(1).filter((l) => l).map((l) => l.split(',')),
);

export const config = JSON.parse(open('../data/config.json'));

export function readLater(path) {
  return open(path);
}
