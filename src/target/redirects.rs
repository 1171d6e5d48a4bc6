//! Redirect chains (`/redirect`, `/relative-redirect`, `/absolute-redirect`) and `/redirect-to`.

use hyper::{Response, StatusCode};

use super::request::Req;
use super::response::{self, ResponseBody};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Chain {
    /// `/redirect/{n}`: relative, unless `?absolute=true`.
    Default,
    Relative,
    Absolute,
}

/// One hop of an `n`-hop chain of 302s that ends at `/get`.
pub(crate) fn chain(req: &Req, kind: Chain, raw_hops: &str) -> Response<ResponseBody> {
    let hops = match raw_hops.parse::<u32>() {
        Ok(hops) if hops > 0 => hops,
        _ => {
            return response::bad_request(format!(
                "redirect count must be a positive integer: {raw_hops:?}"
            ));
        }
    };
    let absolute = match kind {
        Chain::Absolute => true,
        Chain::Relative => false,
        Chain::Default => req
            .query_param("absolute")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    };
    let next_path = match (hops, absolute) {
        (1, _) => "/get".to_owned(),
        (_, true) => format!("/absolute-redirect/{}", hops - 1),
        (_, false) => format!("/relative-redirect/{}", hops - 1),
    };
    let location = if absolute {
        format!("{}://{}{next_path}", req.scheme(), req.host())
    } else {
        next_path
    };
    response::redirect(StatusCode::FOUND, &location)
}

/// Redirects to `?url=` with `?status_code=` when that is a 3xx, else 302.
pub(crate) fn redirect_to(req: &Req) -> Response<ResponseBody> {
    let Some(url) = req.query_param("url") else {
        return response::bad_request("missing url query parameter");
    };
    let status = req
        .query_param("status_code")
        .and_then(|raw| raw.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .filter(StatusCode::is_redirection)
        .unwrap_or(StatusCode::FOUND);
    response::redirect(status, &url)
}
