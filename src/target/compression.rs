//! `/gzip`, `/deflate`, `/brotli`, `/zstd`: the request echo, compressed, with the matching Content-Encoding.

use std::io::{self, Write as _};

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Map, Value};

use super::echo::headers_value;
use super::request::Req;
use super::response::{self, APPLICATION_JSON, ResponseBody};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Encoding {
    Gzip,
    /// HTTP's "deflate" is the zlib format (RFC 1950), not raw deflate.
    Deflate,
    Brotli,
    Zstd,
}

/// Brotli's default level 11 costs far more CPU than a load target should spend per response.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;
const ZSTD_LEVEL: i32 = 3;

impl Encoding {
    fn content_encoding(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
        }
    }

    /// The flag httpbin puts in the body (`"gzipped": true`).
    fn body_flag(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzipped",
            Encoding::Deflate => "deflated",
            Encoding::Brotli => "brotli",
            Encoding::Zstd => "zstd",
        }
    }

    pub(crate) fn compress(self, data: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data)?;
                encoder.finish()
            }
            Encoding::Deflate => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut encoder = brotli::CompressorWriter::new(
                        &mut out,
                        4096,
                        BROTLI_QUALITY,
                        BROTLI_WINDOW_BITS,
                    );
                    encoder.write_all(data)?;
                    encoder.flush()?;
                }
                Ok(out)
            }
            Encoding::Zstd => zstd::bulk::compress(data, ZSTD_LEVEL),
        }
    }
}

pub(crate) fn compressed_echo(req: &Req, encoding: Encoding) -> Response<ResponseBody> {
    let mut echo = Map::new();
    echo.insert(encoding.body_flag().into(), Value::Bool(true));
    echo.insert("headers".into(), headers_value(req));
    echo.insert(
        "method".into(),
        Value::String(req.method.as_str().to_owned()),
    );
    echo.insert("origin".into(), Value::String(req.origin()));
    let plain = response::json_bytes(&Value::Object(echo));
    let compressed = match encoding.compress(&plain) {
        Ok(compressed) => compressed,
        Err(err) => {
            return response::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("compression failed: {err}"),
            );
        }
    };
    let mut response = response::with_body(StatusCode::OK, APPLICATION_JSON, compressed);
    response.headers_mut().insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(encoding.content_encoding()),
    );
    response
}
