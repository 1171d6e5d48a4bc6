//! The gRPC client behind `k6/net/grpc`, without JavaScript: service descriptions
//! ([`descriptors`]), connections and calls ([`conn`]), server reflection ([`reflection`])
//! and the message codec ([`codec`]).
//!
//! tonic supplies gRPC's framing, status and streaming over rk6's own HTTP/2 connections
//! (hyper, dialled through the HTTP transport's resolver and dialer, so `hosts`,
//! `blockHostnames`, `blacklistIPs` and `--local-ips` apply); prost-reflect's dynamic
//! messages stand in for generated code, since scripts name their services at run time.

pub mod codec;
pub mod conn;
pub mod descriptors;
pub mod reflection;

/// gRPC's status code names, as k6's `grpc.Status*` constants export them.
pub const STATUS_CODES: [(&str, i32); 17] = [
    ("StatusOK", 0),
    ("StatusCanceled", 1),
    ("StatusUnknown", 2),
    ("StatusInvalidArgument", 3),
    ("StatusDeadlineExceeded", 4),
    ("StatusNotFound", 5),
    ("StatusAlreadyExists", 6),
    ("StatusPermissionDenied", 7),
    ("StatusResourceExhausted", 8),
    ("StatusFailedPrecondition", 9),
    ("StatusAborted", 10),
    ("StatusOutOfRange", 11),
    ("StatusUnimplemented", 12),
    ("StatusInternal", 13),
    ("StatusUnavailable", 14),
    ("StatusDataLoss", 15),
    ("StatusUnauthenticated", 16),
];

/// grpc-go's name of a code (`codes.Code.String()`): `"NotFound"`, `"Code(17)"`.
pub fn code_name(code: i32) -> String {
    match code {
        0 => "OK".into(),
        1 => "Canceled".into(),
        2..=16 => STATUS_CODES[code as usize].0["Status".len()..].to_string(),
        other => format!("Code({other})"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_names_are_grpc_go_s() {
        assert_eq!(super::code_name(0), "OK");
        assert_eq!(super::code_name(1), "Canceled");
        assert_eq!(super::code_name(5), "NotFound");
        assert_eq!(super::code_name(16), "Unauthenticated");
        assert_eq!(super::code_name(17), "Code(17)");
    }
}
