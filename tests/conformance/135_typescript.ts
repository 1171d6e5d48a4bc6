// A TypeScript entry script importing TypeScript: types stripped, enums, const enums,
// namespaces, parameter properties, generics, `as`/`satisfies`/`!`, `import type`; confirmed
// on k6 v1.1.0 (esbuild there, oxc in rk6).
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
import { Geometry, Kind, Square, Unit, largest } from './lib/ts_shapes.ts';
import type { Shape } from './lib/ts_shapes.ts';

type Options = { iterations: number; thresholds: Record<string, string[]> };
export const options: Options = { iterations: 2, thresholds: { checks: ['rate==1'] } };

const areas = new Counter('shape_area');

abstract class Named {
  abstract name(): string;
  protected hidden?: number;
}

class Circle extends Named implements Shape {
  kind = Kind.Circle;
  constructor(public r: number) {
    super();
  }
  name(): string {
    return 'circle';
  }
  area(): number {
    return Geometry.PI * this.r * this.r;
  }
}

export default function (): void {
  const shapes: Shape[] = [new Square(3), new Circle(2) as Shape];
  const big = largest(shapes)!;
  group('typescript', () => {
    check(big, {
      'enum values': () => Kind.Square === 0 && Kind.Circle === 10 && Kind.Triangle === 11,
      'reverse enum mapping': () => Kind[11] === 'Triangle',
      'const enum inlined': () => new Square(1).unit === Unit.Cm && Unit.In === 'in',
      'namespace members': () => Geometry.scale(4) === 8 && Geometry.scale(4, 3) === 12,
      'parameter properties': () => (new Circle(5) as Circle).r === 5 && JSON.stringify(new Square(2)) === '{"kind":0,"side":2,"unit":"cm"}',
      'generic function': (s: Shape) => s.area() === 12,
      'satisfies': () => ({ kind: Kind.Square, area: () => 1 } satisfies Shape).area() === 1,
    });
  });
  for (const s of shapes) {
    areas.add(s.area(), { kind: Kind[s.kind] });
  }
}
