use boa_macros::js_str;

use crate::{JsValue, TestAction, js_string, run_test_actions};

#[test]
fn values_are_those_of_the_general_path() {
    // Each text parsed without a reviver (fast path) and with an identity reviver (the
    // general path): the results serialize the same.
    let texts = [
        r#"{"a":[1,-2,3.5,1e300,-0,12345678901234567890],"b":{"c":null,"d":true,"e":false}}"#,
        r#"["\u00e9\ud83d\ude00\n\"\\", "", "x"]"#,
        r#"{"2":"two","1":"one","b":0,"a":1}"#,
        r#"{"a":1,"a":2}"#,
        r#"  [ ]  "#,
        r#"0.1"#,
        r#"9007199254740993"#,
        r#"-2147483649"#,
    ];
    let actions = texts.iter().map(|t| {
        TestAction::assert(format!(
            "JSON.stringify(JSON.parse({t:?})) === JSON.stringify(JSON.parse({t:?}, (k, v) => v))"
        ))
    });
    run_test_actions(actions);
}

#[test]
fn negative_zero_and_number_kinds() {
    run_test_actions([
        TestAction::assert("Object.is(JSON.parse('-0'), -0)"),
        TestAction::assert("Object.is(JSON.parse('[-0.0]')[0], -0)"),
        TestAction::assert_eq("JSON.parse('2147483647') + 1", 2_147_483_648.0),
        TestAction::assert_eq("JSON.parse('1.7976931348623157e308')", f64::MAX),
        TestAction::assert_eq("JSON.parse('5e-324')", 5e-324),
    ]);
}

#[test]
fn proto_key_is_an_own_property() {
    run_test_actions([
        TestAction::assert(
            r#"Object.getPrototypeOf(JSON.parse('{"__proto__":[]}')) === Object.prototype"#,
        ),
        TestAction::assert(r#"Array.isArray(JSON.parse('{"__proto__":[]}').__proto__)"#),
        TestAction::assert_eq(
            r#"Object.keys(JSON.parse('{"b":1,"a":2,"1":3}')).join()"#,
            js_str!("1,b,a"),
        ),
    ]);
}

#[test]
fn invalid_texts_are_syntax_errors() {
    // The messages are serde_json's; only the kind matters here.
    let actions = ["[1,]", "{a:1}", "01", "'x'", "[1] 2", "", "["].map(|text| {
        TestAction::assert(format!(
            "(() => {{ try {{ JSON.parse({text:?}); return false; }} catch (e) {{ return e instanceof SyntaxError; }} }})()"
        ))
    });
    run_test_actions(actions);
}

#[test]
fn deep_nesting_parses() {
    let depth = 100_000;
    run_test_actions([
        TestAction::run(format!(
            "var deep = JSON.parse('['.repeat({depth}) + ']'.repeat({depth}));"
        )),
        TestAction::assert("Array.isArray(deep)"),
        TestAction::assert(format!(
            "var d = 0, v = deep; while (Array.isArray(v) && v.length) {{ v = v[0]; d++; }} d === {}",
            depth - 1
        )),
        TestAction::assert_eq(
            "JSON.stringify(JSON.parse('{\"a\":'.repeat(5000) + '1' + '}'.repeat(5000))).length",
            JsValue::new(5000 * 6 + 1),
        ),
        TestAction::assert_eq(
            "typeof JSON.parse('[[[[1]]]]')[0][0][0][0]",
            js_string!("number"),
        ),
    ]);
}
