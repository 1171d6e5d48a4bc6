//! k6's message for a body `res.json()` cannot parse: Go's scanner wording and offset,
//! k6's line and character.

/// Go's `quoteChar`: the byte taken as a Latin-1 rune, quoted like `strconv.Quote`.
pub(super) fn go_quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        b'\\' => r"'\\'".into(),
        0x07 => r"'\a'".into(),
        0x08 => r"'\b'".into(),
        0x0c => r"'\f'".into(),
        b'\n' => r"'\n'".into(),
        b'\r' => r"'\r'".into(),
        b'\t' => r"'\t'".into(),
        0x0b => r"'\v'".into(),
        0..=0x1f | 0x7f => format!(r"'\x{c:02x}'"),
        0x80..=0xa0 | 0xad => format!(r"'\u{c:04x}'"),
        _ => format!("'{}'", c as char),
    }
}

/// Go's scanner wording for what serde_json reports at byte `idx` (`c` is the byte there).
pub(super) fn go_json_reason(body: &[u8], idx: usize, c: u8, serde_msg: &str) -> String {
    let q = go_quote_char(c);
    let context = if serde_msg.starts_with("expected value") {
        "looking for beginning of value".to_string()
    } else if serde_msg.starts_with("key must be a string") {
        "looking for beginning of object key string".to_string()
    } else if serde_msg.starts_with("trailing comma") {
        if c == b'}' {
            "looking for beginning of object key string".to_string()
        } else {
            "looking for beginning of value".to_string()
        }
    } else if serde_msg.starts_with("trailing characters") {
        "after top-level value".to_string()
    } else if serde_msg.starts_with("expected `:`") {
        "after object key".to_string()
    } else if serde_msg.starts_with("expected `,` or `}`") {
        "after object key:value pair".to_string()
    } else if serde_msg.starts_with("expected `,` or `]`") {
        "after array element".to_string()
    } else if serde_msg.starts_with("control character") {
        "in string literal".to_string()
    } else if serde_msg.starts_with("invalid escape") {
        "in string escape code".to_string()
    } else if serde_msg.starts_with("invalid number") {
        "in numeric literal".to_string()
    } else if serde_msg.starts_with("expected ident") {
        match literal_expectation(body, idx) {
            Some(s) => s,
            None => return serde_msg.to_string(),
        }
    } else {
        return serde_msg.to_string();
    };
    format!("invalid character {q} {context}")
}

/// `in literal true (expecting 'u')` for a broken `true`/`false`/`null` ending before `idx`.
pub(super) fn literal_expectation(body: &[u8], idx: usize) -> Option<String> {
    let start = body[..idx.min(body.len())]
        .iter()
        .rposition(|b| !b.is_ascii_lowercase())
        .map_or(0, |p| p + 1);
    // A word right after a quote is the inside of a string, not a literal.
    if start > 0 && body[start - 1] == b'"' {
        return None;
    }
    let word = match body.get(start)? {
        b't' => "true",
        b'f' => "false",
        b'n' => "null",
        _ => return None,
    };
    let expected = *word.as_bytes().get(idx - start)?;
    Some(format!(
        "in literal {word} (expecting {})",
        go_quote_char(expected)
    ))
}

/// k6's position of Go's error offset: it walks the body's runes (an invalid UTF-8 byte is
/// one rune, as in Go), counting lines and the position in the line, up to the rune at the
/// offset (derived from k6 v1.1.0's answers for a range of bodies).
pub(super) fn k6_json_position(body: &[u8], offset: usize) -> (usize, usize) {
    let (mut line, mut pos, mut i) = (1, 0, 0);
    while i < body.len() {
        let width = (1..=4)
            .find(|w| {
                body.get(i..i + w)
                    .is_some_and(|s| std::str::from_utf8(s).is_ok())
            })
            .unwrap_or(1);
        if body[i] == b'\n' {
            line += 1;
            pos = 0;
        }
        pos += 1;
        if i == offset {
            break;
        }
        i += width;
    }
    (line, pos)
}

/// k6's message for unparseable JSON: Go's scanner wording and offset, k6's line/position.
pub(super) fn go_json_error(body: &[u8], e: &serde_json::Error) -> String {
    let (offset, reason) = if e.is_eof() {
        // Go's scanner feeds a space at the end, which breaks an unfinished literal.
        let trimmed = body.len();
        let tail_literal = body
            .last()
            .is_some_and(|b| b.is_ascii_lowercase())
            .then(|| literal_expectation(body, trimmed))
            .flatten();
        match tail_literal {
            Some(lit) => (trimmed, format!("invalid character ' ' {lit}")),
            None => (trimmed, "unexpected end of JSON input".to_string()),
        }
    } else {
        // serde's column is the 1-based byte column of the offending byte.
        let line_start: usize = body
            .split(|&b| b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum();
        let idx = (line_start + e.column().saturating_sub(1)).min(body.len().saturating_sub(1));
        let c = body.get(idx).copied().unwrap_or(b' ');
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        (idx + 1, go_json_reason(body, idx, c, msg))
    };
    let (line, pos) = k6_json_position(body, offset);
    format!("cannot parse json due to an error at line {line}, character {pos} , error: {reason}")
}
