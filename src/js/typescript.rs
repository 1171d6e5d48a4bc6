//! TypeScript as k6 v1.1.0 runs it: a `.ts` file (rk6 also takes `.mts`, which k6 v1.1.0
//! refuses) is first read as JavaScript, and only when that fails are its types stripped —
//! k6 does it with esbuild's TypeScript loader, rk6 with oxc's transformer, which likewise
//! compiles enums, namespaces and parameter properties and drops imports used only as types.
//! Nothing else is lowered (esbuild's target is ESNext). A file that is not valid TypeScript
//! fails as in k6: `file:///path: Line L:C message`, the column counted from 0.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{ClassBody, ClassElement, FormalParameter};
use oxc_ast_visit::{Visit, VisitMut, walk, walk_mut};
use oxc_codegen::Codegen;
use oxc_parser::Parser;
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use oxc_transformer::{TransformOptions, Transformer};

/// Whether `path` names a TypeScript module.
pub fn is_typescript(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "ts" || e == "mts")
}

/// Whether Boa reads `src` as it is (k6 strips types only from files that do not parse).
fn parses_as_javascript(src: &str) -> bool {
    let scope = boa_engine::ast::scope::Scope::new_global();
    let mut interner = boa_engine::interner::Interner::default();
    let source = || boa_engine::Source::from_bytes(src.as_bytes());
    boa_engine::parser::Parser::new(source())
        .parse_module(&scope, &mut interner)
        .is_ok()
        || boa_engine::parser::Parser::new(source())
            .parse_script(&scope, &mut interner)
            .is_ok()
}

/// The JavaScript k6 would run for the TypeScript module `src` at `url` (`file:///...` or
/// `https://...`, for errors): `src` itself when it is JavaScript already.
pub fn to_javascript(src: &str, url: &str) -> Result<Option<String>, String> {
    if parses_as_javascript(src) {
        return Ok(None);
    }
    // A bug of the transformer on odd input must be the script's error, not a crash.
    std::panic::catch_unwind(|| strip_types(src, url))
        .unwrap_or_else(|_| {
            Err(format!(
                "{url}: the TypeScript transformer failed on this file"
            ))
        })
        .map(Some)
}

fn strip_types(src: &str, url: &str) -> Result<String, String> {
    let allocator = Allocator::default();
    let source_type = SourceType::ts().with_module(true);
    let parsed = Parser::new(&allocator, src, source_type).parse();
    let position_error = |offset: Option<usize>, message: &str| {
        let (line, col) = offset.map(|o| line_col(src, o)).unwrap_or((1, 0));
        format!("{url}: Line {line}:{col} {message}")
    };
    if let Some(d) = parsed.diagnostics.errors().next() {
        return Err(position_error(
            d.labels.first().map(|l| l.offset() as usize),
            &d.message,
        ));
    }
    let mut program = parsed.program;
    let mut parameter_properties = ParameterProperties::default();
    Visit::visit_program(&mut parameter_properties, &program);
    let scoping = SemanticBuilder::new()
        .with_excess_capacity(2.0)
        .with_enum_eval(true)
        .build(&program)
        .semantic
        .into_scoping();
    let options = TransformOptions::default();
    let transformed = Transformer::new(&allocator, Path::new(url), &options)
        .build_with_scoping(scoping, &mut program);
    if let Some(d) = transformed.diagnostics.errors().next() {
        return Err(position_error(
            d.labels.first().map(|l| l.offset() as usize),
            &d.message,
        ));
    }
    VisitMut::visit_program(&mut parameter_properties, &mut program);
    Ok(Codegen::new().build(&program).code)
}

/// esbuild turns `constructor(private x: T)` into a `this.x = x` assignment only; oxc, as
/// TypeScript does, also declares a field `x;` at the top of the class, which changes the
/// order of the object's keys (`JSON.stringify` shows it). The spans of the parameter
/// properties are collected before the transform, and the fields declared for them after it
/// are removed.
#[derive(Default)]
struct ParameterProperties {
    spans: std::collections::HashSet<oxc_span::Span>,
}

impl<'a> Visit<'a> for ParameterProperties {
    fn visit_formal_parameter(&mut self, it: &FormalParameter<'a>) {
        if it.has_modifier()
            && let Some(id) = it.pattern.get_binding_identifier()
        {
            self.spans.insert(id.span);
        }
        walk::walk_formal_parameter(self, it);
    }
}

impl<'a> VisitMut<'a> for ParameterProperties {
    fn visit_class_body(&mut self, it: &mut ClassBody<'a>) {
        it.body.retain(|e| {
            !matches!(e, ClassElement::PropertyDefinition(p)
                if p.value.is_none() && self.spans.contains(&p.span))
        });
        walk_mut::walk_class_body(self, it);
    }
}

/// 1-based line and 0-based column (in characters) of byte `offset`, as esbuild reports them.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit_once('\n')
        .map_or(before, |(_, rest)| rest)
        .chars()
        .count();
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> String {
        to_javascript(src, "file:///t/x.ts")
            .unwrap()
            .unwrap_or_else(|| src.to_string())
    }

    #[test]
    fn types_are_stripped_and_enums_compiled() {
        let js = run(
            "import type { T } from './t.ts';\nimport { onlyType } from './u.ts';\nenum Color { Red, Green = 5, Blue }\nnamespace NS { export const v: number = 7; }\nclass Box<T> { constructor(private readonly value: T) {} }\nconst x: onlyType = (1 as number)!;\nexport default function (): void {}\n",
        );
        assert!(!js.contains("./t.ts") && !js.contains("./u.ts"), "{js}");
        assert!(js.contains("Color[Color[\"Red\"] = 0] = \"Red\""), "{js}");
        assert!(js.contains("this.value = value"), "{js}");
        // No `value;` field declared for the parameter property (esbuild declares none).
        assert!(!js.contains("\tvalue;"), "{js}");
        assert!(
            !js.contains(": number") && !js.contains("as number"),
            "{js}"
        );
        // Boa parses the result.
        assert!(parses_as_javascript(&js), "{js}");
    }

    #[test]
    fn javascript_in_a_ts_file_is_left_alone() {
        // k6 parses it as JavaScript first: the unused import stays (and is loaded).
        let src = "import { unused } from './side-effects.js';\nexport default function () {}\n";
        assert_eq!(to_javascript(src, "file:///t/x.ts").unwrap(), None);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err =
            to_javascript("const a: number = 1;\nlet b: = 2;\n", "file:///t/bad.ts").unwrap_err();
        // k6 v1.1.0 (esbuild): `file:///t/bad.ts: Line 2:7 Unexpected "="`.
        assert!(err.starts_with("file:///t/bad.ts: Line 2:7 "), "{err}");
        assert_eq!(line_col("ab\ncdé\nf", 7), (2, 3));
        assert!(is_typescript(Path::new("/a/b.ts")) && is_typescript(Path::new("b.mts")));
        assert!(!is_typescript(Path::new("/a/b.js")));
    }
}
