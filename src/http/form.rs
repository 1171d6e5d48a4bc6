//! Object request bodies: `application/x-www-form-urlencoded` as Go's `url.Values.Encode`
//! writes it, and `multipart/form-data` as Go's `mime/multipart` writes it.

use bytes::Bytes;

pub enum FormValue {
    Text(String),
    File {
        data: Bytes,
        filename: String,
        content_type: String,
    },
}

/// Go's `url.QueryEscape`: unreserved bytes stay, space becomes `+`, the rest `%XX`.
fn query_escape(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// Encodes pairs sorted by key (values of one key keep their order), as Go does.
pub fn urlencoded(pairs: &[(String, String)]) -> String {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0));
    let mut out = String::new();
    for i in order {
        if !out.is_empty() {
            out.push('&');
        }
        query_escape(&pairs[i].0, &mut out);
        out.push('=');
        query_escape(&pairs[i].1, &mut out);
    }
    out
}

/// Go's `mime/multipart` quoting of names in Content-Disposition.
fn escape_quotes(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A random boundary like Go's: 30 random bytes in hex.
pub fn boundary() -> String {
    let a: u128 = rand::random();
    let b: u128 = rand::random();
    let mut s = format!("{a:032x}{b:032x}");
    s.truncate(60);
    s
}

/// Writes the fields in order; returns the body (the caller sets the Content-Type).
pub fn multipart(fields: &[(String, FormValue)], boundary: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match value {
            FormValue::Text(s) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        escape_quotes(name)
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(s.as_bytes());
            }
            FormValue::File {
                data,
                filename,
                content_type,
            } => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                        escape_quotes(name),
                        escape_quotes(filename)
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(data);
            }
        }
    }
    if fields.is_empty() {
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    } else {
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Confirmed on k6 v1.1.0: {b: 'x y', a: 1} is sent as "a=1&b=x+y"; {z:'a', a:[1,2]} as
    // "a=1&a=2&z=a".
    #[test]
    fn urlencoded_like_go() {
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(urlencoded(&[p("b", "x y"), p("a", "1")]), "a=1&b=x+y");
        assert_eq!(
            urlencoded(&[p("z", "a"), p("a", "1"), p("a", "2")]),
            "a=1&a=2&z=a"
        );
        assert_eq!(urlencoded(&[p("k", "*~<nil>")]), "k=%2A~%3Cnil%3E");
    }

    // Confirmed on k6 v1.1.0 (boundary replaced): a text field and a file field.
    #[test]
    fn multipart_like_go() {
        let body = multipart(
            &[
                (
                    "f".into(),
                    FormValue::File {
                        data: Bytes::from_static(b"hello"),
                        filename: "h.txt".into(),
                        content_type: "text/plain".into(),
                    },
                ),
                ("g".into(), FormValue::Text("v".into())),
            ],
            "B",
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"h.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Disposition: form-data; name=\"g\"\r\n\r\nv\r\n--B--\r\n"
        );
        assert_eq!(boundary().len(), 60);
    }
}
