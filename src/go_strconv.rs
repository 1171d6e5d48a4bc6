//! Go's wording where k6's messages show it: `strconv.Quote` (k6 quotes user input with
//! `%q`), `strconv.ParseInt`'s errors (k6's integer flags) and the text of OS errors
//! (`open x.json: no such file or directory`). rk6 reproduces those messages byte for byte.

/// Double-quotes `s` with Go's escapes for quotes, backslashes and control characters.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits, with Go's errors
/// (`strconv.ParseInt: parsing "x": invalid syntax`, `... value out of range`).
pub fn parse_int(s: &str) -> Result<i64, String> {
    let err = |what: &str| format!("strconv.ParseInt: parsing {}: {what}", go_quote(s));
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("invalid syntax"));
    }
    s.parse::<i64>().map_err(|_| err("value out of range"))
}

/// An OS error as Go prints it: the C library's text in lower case, without Rust's
/// `(os error N)` suffix (`No such file or directory (os error 2)` becomes
/// `no such file or directory`).
pub fn os_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_go() {
        assert_eq!(parse_int("-5"), Ok(-5));
        assert_eq!(parse_int("+7"), Ok(7));
        // k6 v1.1.0: `--vus abc`, `--vus 99999999999999999999`.
        assert_eq!(
            parse_int("abc"),
            Err(r#"strconv.ParseInt: parsing "abc": invalid syntax"#.into())
        );
        assert_eq!(
            parse_int("99999999999999999999"),
            Err(r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#.into())
        );
        for bad in ["", "-", "1_000", " 1", "1.0", "0x10"] {
            assert!(parse_int(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn os_errors_read_like_go() {
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(os_error_text(&e), "no such file or directory");
        let e = std::io::Error::from_raw_os_error(libc::EISDIR);
        assert_eq!(os_error_text(&e), "is a directory");
    }

    #[test]
    fn quotes_like_go() {
        // Expected values printed by Go 1.24's strconv.Quote.
        assert_eq!(go_quote("abc"), r#""abc""#);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(go_quote("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(go_quote("é ü"), "\"é ü\"");
    }
}
