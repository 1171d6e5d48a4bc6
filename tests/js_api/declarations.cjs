// Reads js-api/*.d.ts with the TypeScript compiler API and prints, as JSON, what they declare
// for tests/js_api.rs to compare with what rk6 exposes at run time:
//
//   modules:    module name -> { name -> { kind, value? } }: the *value* exports of each
//               `declare module` (functions, consts, classes, ...; not types), with a literal
//               value for `const X = 'lit'`.
//   types:      "module.Type" / "global.Type" -> { members: { name -> optional? }, ... }:
//               the public members of every interface and class (inherited ones included;
//               protected/private brands left out), and of object-literal property types as
//               "module.Type.prop" (and of methods' results, "module.Type.method()").
//               `indexOnly`/`callOnly` flag types with no named members (maps, callbacks).
//   globals:    value names js-api declares in the global scope.
//   esGlobals:  value names of TypeScript's own `esnext` lib: the ECMAScript globals a JS engine
//               has anyway, which are not rk6's API.
//
// Usage: node declarations.cjs <typescript package dir> <js-api dir>
'use strict';

const path = require('path');
const fs = require('fs');

const [tsDir, apiDir] = process.argv.slice(2);
if (!tsDir || !apiDir) {
  console.error('usage: node declarations.cjs <typescript package dir> <js-api dir>');
  process.exit(2);
}
const ts = require(path.resolve(tsDir));

const apiFiles = fs
  .readdirSync(apiDir)
  .filter((f) => f.endsWith('.d.ts'))
  .map((f) => path.resolve(apiDir, f));

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.esnext.d.ts'],
  types: [],
  noEmit: true,
  strict: true,
};
const program = ts.createProgram(apiFiles, options);
const checker = program.getTypeChecker();

// The declarations themselves must compile: a broken file would silently drop names below.
const diags = ts.getPreEmitDiagnostics(program);
if (diags.length > 0) {
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  };
  console.error(ts.formatDiagnostics(diags, host));
  process.exit(1);
}

const isApiFile = (sf) => apiFiles.includes(path.resolve(sf.fileName));

// What users load is index.d.ts (package.json `types`): it must reach every file.
const fromIndex = ts
  .createProgram([path.resolve(apiDir, 'index.d.ts')], options)
  .getSourceFiles()
  .map((sf) => path.resolve(sf.fileName));
const unreachable = apiFiles.filter((f) => !fromIndex.includes(f));
if (unreachable.length > 0) {
  console.error(`index.d.ts does not reference ${unreachable.map((f) => path.basename(f)).join(', ')}`);
  process.exit(1);
}

function kindOf(symbol) {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Variable) return 'const';
  if (f & ts.SymbolFlags.ValueModule) return 'namespace';
  return 'other';
}

function literalValue(symbol) {
  const type = checker.getTypeOfSymbol(symbol);
  if (type.isStringLiteral() || type.isNumberLiteral()) return type.value;
  return undefined;
}

function isHidden(decl) {
  const flags = ts.getCombinedModifierFlags(decl);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
}

const types = {};

// Public members of an object type: name -> optional.
function membersOf(type) {
  const out = {};
  for (const prop of checker.getPropertiesOfType(type)) {
    const decls = prop.declarations || [];
    if (decls.length > 0 && decls.every(isHidden)) continue;
    out[prop.name] = (prop.flags & ts.SymbolFlags.Optional) !== 0;
  }
  return out;
}

function recordType(qualified, symbol, declaredType) {
  const members = membersOf(declaredType);
  const hasIndex =
    checker.getIndexInfosOfType(declaredType).length > 0 && Object.keys(members).length === 0;
  const callOnly =
    Object.keys(members).length === 0 &&
    (declaredType.getCallSignatures().length > 0 || declaredType.getConstructSignatures().length > 0);
  types[qualified] = { members, indexOnly: hasIndex, callOnly };
  // Object-literal property types (`metrics: { tags: ...; metadata: ... }`) describe nested
  // runtime objects too.
  // Inline object types of methods' results (`setMany(): Promise<{ written: number }>`) as
  // "module.Type.method()".
  for (const prop of checker.getPropertiesOfType(declaredType)) {
    for (const d of prop.declarations || []) {
      let literal;
      let name;
      if ((ts.isPropertySignature(d) || ts.isPropertyDeclaration(d)) && d.type) {
        literal = d.type;
        name = `${qualified}.${prop.name}`;
      } else if ((ts.isMethodSignature(d) || ts.isMethodDeclaration(d)) && d.type) {
        literal = d.type;
        if (ts.isTypeReferenceNode(literal) && literal.typeArguments && literal.typeArguments.length === 1) {
          literal = literal.typeArguments[0]; // Promise<{...}>
        }
        name = `${qualified}.${prop.name}()`;
      }
      if (literal && ts.isTypeLiteralNode(literal) && literal.members.some((m) => m.name)) {
        if (!types[name]) recordType(name, prop, checker.getTypeFromTypeNode(literal));
      }
    }
  }
}

function recordTypesIn(prefix, symbols) {
  for (const sym of symbols) {
    const f = sym.flags;
    if (!(f & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) continue;
    const decls = (sym.declarations || []).filter((d) => isApiFile(d.getSourceFile()));
    if (decls.length === 0) continue;
    recordType(`${prefix}.${sym.name}`, sym, checker.getDeclaredTypeOfSymbol(sym));
  }
}

const modules = {};
for (const sf of program.getSourceFiles()) {
  if (!isApiFile(sf)) continue;
  for (const stmt of sf.statements) {
    if (!ts.isModuleDeclaration(stmt) || !ts.isStringLiteral(stmt.name)) continue;
    const name = stmt.name.text;
    const modSym = checker.getSymbolAtLocation(stmt.name);
    const exports = {};
    for (const sym of checker.getExportsOfModule(modSym)) {
      if (!(sym.flags & ts.SymbolFlags.Value)) continue;
      const entry = { kind: kindOf(sym) };
      const v = literalValue(sym);
      if (v !== undefined) entry.value = v;
      if (entry.kind === 'const') {
        const t = checker.getTypeOfSymbol(sym);
        entry.callable = t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0;
      }
      exports[sym.name] = entry;
    }
    modules[name] = exports;
    // Every interface/class in the module body, exported or not.
    const locals = modSym.exports ? [...modSym.exports.values()] : [];
    const inner = stmt.body && ts.isModuleBlock(stmt.body) ? stmt.body.statements : [];
    for (const s of inner) {
      if ((ts.isInterfaceDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
        const sym = checker.getSymbolAtLocation(s.name);
        if (sym && !locals.includes(sym)) locals.push(sym);
      }
    }
    recordTypesIn(name, locals);
  }
}

// Global scope: declarations in js-api files vs. TypeScript's ES lib.
const globals = [];
const globalTypes = [];
const esGlobals = [];
const anyApiFile = program.getSourceFile(apiFiles[0]);
for (const sym of checker.getSymbolsInScope(anyApiFile, ts.SymbolFlags.Value | ts.SymbolFlags.Type)) {
  const decls = sym.declarations || [];
  // Names of ambient modules are quoted symbols in scope; skip them.
  if (sym.name.startsWith('"')) continue;
  const inApi = decls.some((d) => isApiFile(d.getSourceFile()) && !ts.isSourceFile(d));
  const onlyGlobal = decls.every((d) => {
    let n = d.parent;
    while (n && !ts.isSourceFile(n)) {
      // `declare global { }` (how lib.es2025.iterator.d.ts declares `Iterator`) is global.
      if (ts.isModuleDeclaration(n) && !(n.flags & ts.NodeFlags.GlobalAugmentation)) return false;
      n = n.parent;
    }
    return true;
  });
  if (!onlyGlobal) continue;
  if (sym.flags & ts.SymbolFlags.Value) {
    if (inApi) globals.push(sym.name);
    else esGlobals.push(sym.name);
  }
  if (inApi && sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) globalTypes.push(sym);
}
recordTypesIn('global', globalTypes);

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
process.stdout.write(
  JSON.stringify(
    {
      typescript: ts.version,
      modules: sorted(modules),
      types: sorted(types),
      globals: globals.sort(),
      esGlobals: esGlobals.sort(),
    },
    null,
    1,
  ),
);
