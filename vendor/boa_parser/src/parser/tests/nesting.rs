//! Deeply nested sources are a syntax error, not a stack overflow.

use crate::{Parser, Source};
use boa_ast::scope::Scope;
use boa_interner::Interner;

/// Parses on a thread with a stack of `stack` bytes.
fn parse_on_stack(stack: usize, src: String) -> Result<(), String> {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let mut interner = Interner::default();
            Parser::new(Source::from_bytes(src.as_bytes()))
                .parse_script(&Scope::new_global(), &mut interner)
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .expect("thread")
        .join()
        .expect("the parser must not overflow the stack")
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    let n = 100_000;
    for (open, inner, close) in [
        ("(", "1", ")"),
        ("[", "", "]"),
        ("{a:", "1", "}"),
        ("-", "1", ""),
        ("2**", "1", ""),
        ("a?b:", "c", ""),
        ("new ", "X", ""),
    ] {
        let src = format!("x = {}{inner}{};", open.repeat(n), close.repeat(n));
        let err = parse_on_stack(1 << 20, src).expect_err(open);
        assert!(err.contains("nested too deeply"), "{open}: {err}");
    }
    for (open, inner, close) in [
        ("{", "", "}"),
        ("if(a)", ";", ""),
        ("function f(){", "", "}"),
    ] {
        let src = format!("{}{inner}{}", open.repeat(n), close.repeat(n));
        let err = parse_on_stack(1 << 20, src).expect_err(open);
        assert!(err.contains("nested too deeply"), "{open}: {err}");
    }
    let err = parse_on_stack(
        1 << 20,
        format!("let {}a{} = x;", "[".repeat(n), "]".repeat(n)),
    )
    .expect_err("binding pattern");
    assert!(err.contains("nested too deeply"), "{err}");
}

#[test]
fn moderate_nesting_parses() {
    // The parser takes tens of kilobytes of stack per level in unoptimised builds.
    let src = format!("x = {}1{};", "(".repeat(20), ")".repeat(20));
    parse_on_stack(16 << 20, src).expect("20 levels");
}
