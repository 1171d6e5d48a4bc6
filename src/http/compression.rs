//! Content codings: request bodies compressed for the `compression` param, and response
//! bodies decompressed by `Content-Encoding` (gzip, deflate, br, zstd), with k6's messages.

use std::io::{Read, Write};

use bytes::Bytes;

use super::errors::{self, HttpError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    /// HTTP's deflate: the zlib format.
    Deflate,
    Br,
    Zstd,
}

impl Coding {
    fn from_name(name: &str) -> Option<Coding> {
        match name {
            "gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Br),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }
}

/// Parses the `compression` param (`"gzip"`, `"gzip, br"`), in application order.
pub fn parse_codings(param: &str) -> Result<Vec<Coding>, String> {
    let mut out = Vec::new();
    for name in param.split(',').map(str::trim) {
        match Coding::from_name(name) {
            Some(c) => out.push(c),
            None => {
                return Err(format!(
                    "unknown compression algorithm {name}, supported algorithms are [gzip deflate zstd br]"
                ));
            }
        }
    }
    Ok(out)
}

/// Compresses `body` with each coding in turn (the first is applied first, as k6 does).
pub fn compress(body: &[u8], codings: &[Coding]) -> std::io::Result<Vec<u8>> {
    let mut data = body.to_vec();
    for c in codings {
        data = match c {
            Coding::Gzip => {
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&data)?;
                e.finish()?
            }
            Coding::Deflate => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&data)?;
                e.finish()?
            }
            Coding::Br => {
                let mut out = Vec::new();
                {
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    w.write_all(&data)?;
                }
                out
            }
            Coding::Zstd => zstd::stream::encode_all(&data[..], 3)?,
        };
    }
    Ok(data)
}

/// The `Content-Encoding` header value for `codings`.
pub fn header_value(codings: &[Coding]) -> String {
    codings
        .iter()
        .map(|c| match c {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Br => "br",
            Coding::Zstd => "zstd",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Go's wording for a corrupt stream of each coding.
fn go_decode_error(coding: Coding, data: &[u8], e: &std::io::Error) -> String {
    match coding {
        Coding::Gzip if !data.starts_with(&[0x1f, 0x8b]) => "gzip: invalid header".into(),
        Coding::Gzip if e.kind() == std::io::ErrorKind::UnexpectedEof => "unexpected EOF".into(),
        Coding::Gzip => "gzip: invalid checksum".into(),
        Coding::Deflate if !zlib_header_ok(data) => "zlib: invalid header".into(),
        Coding::Deflate => "flate: corrupt input".into(),
        Coding::Br => "brotli: corrupted input".into(),
        Coding::Zstd => format!("zstd: {e}"),
    }
}

/// RFC 1950: deflate method and a header checksum that is a multiple of 31.
fn zlib_header_ok(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0f == 8 && ((u16::from(*cmf) << 8) | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Decodes a response body by its `Content-Encoding` (applied codings undone in reverse).
/// Unknown codings leave the body as it came, as k6 does.
pub fn decompress(headers: &http::HeaderMap, body: Bytes) -> Result<Bytes, HttpError> {
    let Some(enc) = headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(body);
    };
    let mut codings = Vec::new();
    for name in enc.split(',').map(str::trim) {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "" | "identity" => {}
            "x-gzip" => codings.push(Coding::Gzip),
            other => match Coding::from_name(other) {
                Some(c) => codings.push(c),
                None => return Ok(body),
            },
        }
    }
    if codings.is_empty() || body.is_empty() {
        return Ok(body);
    }
    decode(codings, body)
}

/// The decoders' state (~50 KB) lives in this frame: kept out of `decompress`, which runs
/// for every response on the VU's thread, so uncompressed responses never touch that much
/// stack (touched stack stays resident per VU thread, bench/PROFILE.md).
#[inline(never)]
fn decode(codings: Vec<Coding>, body: Bytes) -> Result<Bytes, HttpError> {
    let mut data = body;
    for c in codings.into_iter().rev() {
        let mut out = Vec::with_capacity(data.len() * 4);
        let r = match c {
            Coding::Gzip => flate2::read::MultiGzDecoder::new(&data[..]).read_to_end(&mut out),
            Coding::Deflate => flate2::read::ZlibDecoder::new(&data[..]).read_to_end(&mut out),
            Coding::Br => brotli::Decompressor::new(&data[..], 4096).read_to_end(&mut out),
            Coding::Zstd => zstd::stream::read::Decoder::new(&data[..])
                .and_then(|mut d| d.read_to_end(&mut out)),
        };
        if let Err(e) = r {
            let inner = go_decode_error(c, &data, &e);
            // k6 wraps the message twice in the error tag but once in its warning.
            return Err(HttpError::with_detail(
                errors::DECOMPRESSION,
                format!("error decompressing response body (error decompressing response body ({inner}))"),
                format!("error decompressing response body ({inner})"),
            )
            .bare());
        }
        data = Bytes::from(out);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(enc: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::CONTENT_ENCODING, enc.parse().unwrap());
        h
    }

    #[test]
    fn round_trips_every_coding() {
        for (name, c) in [
            ("gzip", Coding::Gzip),
            ("deflate", Coding::Deflate),
            ("br", Coding::Br),
            ("zstd", Coding::Zstd),
        ] {
            let z = compress(b"hello hello", &[c]).unwrap();
            assert_eq!(
                decompress(&headers(name), Bytes::from(z)).unwrap(),
                Bytes::from_static(b"hello hello"),
                "{name}"
            );
        }
        let z = compress(b"x", &[Coding::Gzip, Coding::Br]).unwrap();
        assert_eq!(
            decompress(&headers("gzip, br"), Bytes::from(z)).unwrap(),
            Bytes::from_static(b"x")
        );
    }

    // Confirmed on k6 v1.1.0: a body that is not gzip under `Content-Encoding: gzip` gives
    // code 1701, error "error decompressing response body (error decompressing response body
    // (gzip: invalid header))" and the warning "error decompressing response body (gzip:
    // invalid header)".
    #[test]
    fn corrupt_bodies_fail_like_k6() {
        let e = decompress(&headers("gzip"), Bytes::from_static(b"notgzip")).unwrap_err();
        let z = decompress(&headers("deflate"), Bytes::from_static(b"notzlib")).unwrap_err();
        assert!(
            z.message.ends_with("(zlib: invalid header))"),
            "{}",
            z.message
        );
        assert_eq!(e.code, 1701);
        assert_eq!(
            e.message,
            "error decompressing response body (error decompressing response body (gzip: invalid header))"
        );
        assert_eq!(
            e.warning("GET", "http://x/"),
            "error decompressing response body (gzip: invalid header)"
        );
    }

    // Confirmed on k6 v1.1.0: `compression: 'xx'` fails the request with this message.
    #[test]
    fn unknown_request_codings_are_refused() {
        assert_eq!(
            parse_codings("gzip, br").unwrap(),
            [Coding::Gzip, Coding::Br]
        );
        assert_eq!(
            parse_codings("xx").unwrap_err(),
            "unknown compression algorithm xx, supported algorithms are [gzip deflate zstd br]"
        );
    }

    #[test]
    fn unknown_response_codings_pass_through() {
        let b = Bytes::from_static(b"raw");
        assert_eq!(decompress(&headers("foo"), b.clone()).unwrap(), b);
    }
}
