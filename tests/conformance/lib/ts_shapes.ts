// TypeScript imported by a corpus script (not a corpus script itself): interfaces, enums,
// namespaces, generics and parameter properties, whose types k6 strips with esbuild.
export interface Shape {
  kind: Kind;
  area(): number;
}

export enum Kind {
  Square,
  Circle = 10,
  Triangle,
}

export const enum Unit {
  Cm = 'cm',
  In = 'in',
}

export namespace Geometry {
  export const PI: number = 3;
  export function scale(n: number, by: number = 2): number {
    return n * by;
  }
}

export class Square implements Shape {
  readonly kind: Kind = Kind.Square;
  constructor(private readonly side: number, public unit: Unit = Unit.Cm) {}
  area(): number {
    return this.side * this.side;
  }
}

export function largest<T extends Shape>(shapes: T[]): T | undefined {
  return shapes.reduce<T | undefined>((a, b) => (a === undefined || b.area() > a.area() ? b : a), undefined);
}
