//! `/status/{codes}`: a chosen status, with the extras httpbin attaches to some codes.

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use rand::Rng as _;
use serde_json::json;

use super::response::{self, ResponseBody};

/// `codes` is one code (`404`) or a weighted choice (`200:0.9,500:0.1`, weights default to 1).
pub(crate) fn status(codes: &str) -> Response<ResponseBody> {
    let choices = match parse_choices(codes) {
        Some(choices) => choices,
        None => return response::bad_request(format!("invalid status code list: {codes:?}")),
    };
    respond(pick(&choices))
}

fn parse_choices(codes: &str) -> Option<Vec<(StatusCode, f64)>> {
    codes
        .split(',')
        .map(|choice| {
            let (code, weight) = match choice.split_once(':') {
                Some((code, weight)) => (code, weight.trim().parse::<f64>().ok()?),
                None => (choice, 1.0),
            };
            let code = StatusCode::from_u16(code.trim().parse().ok()?).ok()?;
            // 1xx are interim responses and cannot end an exchange.
            (code.as_u16() >= 200 && weight.is_finite() && weight >= 0.0).then_some((code, weight))
        })
        .collect()
}

fn pick(choices: &[(StatusCode, f64)]) -> StatusCode {
    let total: f64 = choices.iter().map(|(_, weight)| weight).sum();
    if choices.len() == 1 || total <= 0.0 {
        return choices[0].0;
    }
    let mut point = rand::rng().random_range(0.0..total);
    for &(code, weight) in choices {
        if point < weight {
            return code;
        }
        point -= weight;
    }
    choices[choices.len() - 1].0
}

fn respond(code: StatusCode) -> Response<ResponseBody> {
    match code.as_u16() {
        301 | 302 | 303 | 305 | 307 => {
            let mut response = response::empty(code);
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/redirect/1"));
            response
        }
        401 => {
            let mut response = response::empty(code);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Fake Realm\""),
            );
            response
        }
        402 => {
            let mut response = response::with_body(code, response::TEXT_HTML, "Fuck you, pay me!");
            response.headers_mut().insert(
                "x-more-info",
                HeaderValue::from_static("http://vimeo.com/22053820"),
            );
            response
        }
        406 => response::json(
            code,
            &json!({
                "message": "Client did not request a supported media type.",
                "accept": ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"],
            }),
        ),
        407 => {
            let mut response = response::empty(code);
            response.headers_mut().insert(
                header::PROXY_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Fake Realm\""),
            );
            response
        }
        418 => {
            let mut response = response::with_body(code, response::TEXT_HTML, TEAPOT);
            response.headers_mut().insert(
                "x-more-info",
                HeaderValue::from_static("http://tools.ietf.org/html/rfc2324"),
            );
            response
        }
        _ => response::empty(code),
    }
}

const TEAPOT: &str = "\n    -=[ teapot ]=-\n\n       _...._\n     .'  _ _ `.\n    | .\"` ^ `\". _,\n    \\_;`\"---\"`|//\n      |       ;/\n      \\_     _/\n        `\"\"\"`\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_weighted_codes() {
        assert_eq!(
            parse_choices("404"),
            Some(vec![(StatusCode::NOT_FOUND, 1.0)])
        );
        assert_eq!(
            parse_choices("200:0.5, 500"),
            Some(vec![
                (StatusCode::OK, 0.5),
                (StatusCode::INTERNAL_SERVER_ERROR, 1.0)
            ])
        );
        assert_eq!(parse_choices("abc"), None);
        assert_eq!(parse_choices("100"), None);
        assert_eq!(parse_choices("1000"), None);
        assert_eq!(parse_choices("200:-1"), None);
    }

    #[test]
    fn zero_weight_codes_are_never_picked() {
        let choices = [(StatusCode::OK, 0.0), (StatusCode::CREATED, 1.0)];
        for _ in 0..100 {
            assert_eq!(pick(&choices), StatusCode::CREATED);
        }
    }
}
