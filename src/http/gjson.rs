//! The subset of GJSON path syntax k6's `res.json(selector)` scripts use: `a.b`, array
//! indexes `arr.1`, the count `arr.#`, projections `arr.#.field`, `*`/`?` wildcards in keys,
//! `\.` escapes, and `#(field==value)` / `#(field==value)#` queries.

use serde_json::Value;

fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    let mut depth = 0;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn glob(pattern: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

fn query_matches(item: &Value, cond: &str) -> bool {
    for op in ["==", "!=", "<=", ">=", "<", ">", "%"] {
        if let Some((lhs, rhs)) = cond.split_once(op) {
            let lhs = lhs.trim();
            let rhs = rhs.trim();
            let Some(v) = (if lhs.is_empty() {
                Some(item.clone())
            } else {
                get(item, lhs)
            }) else {
                return false;
            };
            let rhs_val: Value =
                serde_json::from_str(rhs).unwrap_or(Value::String(rhs.to_string()));
            return match (op, &v, &rhs_val) {
                ("==", a, b) => a == b,
                ("!=", a, b) => a != b,
                (_, Value::Number(a), Value::Number(b)) => {
                    let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                    match op {
                        "<" => a < b,
                        "<=" => a <= b,
                        ">" => a > b,
                        ">=" => a >= b,
                        _ => false,
                    }
                }
                ("%", Value::String(a), Value::String(b)) => glob(b, a),
                _ => false,
            };
        }
    }
    get(item, cond).is_some()
}

fn step(v: &Value, part: &str, rest: &[String]) -> Option<Value> {
    if part == "#" {
        let arr = v.as_array()?;
        if rest.is_empty() {
            return Some(Value::from(arr.len()));
        }
        let sub = rest.join(".");
        let out: Vec<Value> = arr.iter().filter_map(|e| get(e, &sub)).collect();
        return Some(Value::Array(out));
    }
    if let Some(q) = part.strip_prefix("#(") {
        let arr = v.as_array()?;
        let all = q.ends_with(")#");
        let cond = q.trim_end_matches('#').trim_end_matches(')');
        let matches: Vec<&Value> = arr.iter().filter(|e| query_matches(e, cond)).collect();
        let next = |e: &Value| {
            if rest.is_empty() {
                Some(e.clone())
            } else {
                walk(e, rest)
            }
        };
        return if all {
            Some(Value::Array(matches.into_iter().filter_map(next).collect()))
        } else {
            matches.first().and_then(|e| next(e))
        };
    }
    let child = match v {
        Value::Object(map) => {
            if part.contains('*') || part.contains('?') {
                // gjson tries the matching keys in document order until the rest of the
                // path matches under one of them.
                return map
                    .iter()
                    .filter(|(k, _)| glob(part, k))
                    .find_map(|(_, c)| {
                        if rest.is_empty() {
                            Some(c.clone())
                        } else {
                            walk(c, rest)
                        }
                    });
            } else {
                map.get(part)
            }
        }
        Value::Array(arr) => part.parse::<usize>().ok().and_then(|i| arr.get(i)),
        _ => None,
    }?;
    if rest.is_empty() {
        Some(child.clone())
    } else {
        walk(child, rest)
    }
}

fn walk(v: &Value, parts: &[String]) -> Option<Value> {
    let (first, rest) = parts.split_first()?;
    step(v, first, rest)
}

/// Evaluates `path` against `v`; `None` when nothing matches (k6 returns `undefined`).
pub fn get(v: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(v.clone());
    }
    walk(v, &split_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Confirmed on k6 v1.1.0: `meta.*.deep` skips `meta`'s first key, which has no `deep`.
    #[test]
    fn wildcards_try_every_matching_key() {
        let v = json!({"meta": {"dotted.key": 5, "nested": {"deep": [1, 2]}}});
        assert_eq!(get(&v, "meta.*.deep"), Some(json!([1, 2])));
        assert_eq!(get(&v, "meta.n?sted.deep.1"), Some(json!(2)));
        assert_eq!(get(&v, "meta.*.none"), None);
    }

    // Expectations confirmed on k6 v1.1.0 (`res.json('a.b.#')` is 3, `a.b.1` is 2, a missing
    // key is undefined) and against gjson's documented examples.
    #[test]
    fn selectors() {
        let v = json!({"a": {"b": [1, 2, 3]}, "friends": [
            {"first": "Dale", "age": 44, "nets": ["ig", "fb"]},
            {"first": "Roger", "age": 68},
            {"first": "Jane", "age": 47}
        ], "fav.movie": "Deer Hunter"});
        assert_eq!(get(&v, "a.b.#"), Some(json!(3)));
        assert_eq!(get(&v, "a.b.1"), Some(json!(2)));
        assert_eq!(get(&v, "a.zz"), None);
        assert_eq!(
            get(&v, "friends.#.first"),
            Some(json!(["Dale", "Roger", "Jane"]))
        );
        assert_eq!(get(&v, "friends.1.first"), Some(json!("Roger")));
        assert_eq!(get(&v, "fav\\.movie"), Some(json!("Deer Hunter")));
        assert_eq!(get(&v, "fr*.0.first"), Some(json!("Dale")));
        assert_eq!(get(&v, "friends.#(age>45).first"), Some(json!("Roger")));
        assert_eq!(
            get(&v, "friends.#(age>45)#.first"),
            Some(json!(["Roger", "Jane"]))
        );
        assert_eq!(get(&v, "friends.#(first==\"Jane\").age"), Some(json!(47)));
        assert_eq!(get(&v, "friends.0.nets.#"), Some(json!(2)));
    }
}
