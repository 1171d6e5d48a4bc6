//! HTTP proxies from the environment, chosen exactly as Go's `http.ProxyFromEnvironment`
//! (`golang.org/x/net/http/httpproxy`), which k6 uses for `k6/http` and for downloading
//! remote modules:
//!
//! - `HTTPS_PROXY` for `https://` URLs, `HTTP_PROXY` for `http://` URLs, upper case first, then
//!   lower case; an empty value counts as unset. A value without a scheme (`proxy:3128`) is
//!   `http://`. A value that does not parse is ignored, as Go ignores it.
//! - Never for `localhost` or a loopback IP, whatever the variables say.
//! - `NO_PROXY` (comma-separated): `*` (no proxy at all), IPs and CIDRs (`10.0.0.0/8`),
//!   `ip:port`, domains (`example.com` matches it and its subdomains, `.example.com` and
//!   `*.example.com` only subdomains), `domain:port`.
//! - With `REQUEST_METHOD` set (a CGI process), `HTTP_PROXY` is refused with an error.
//!
//! The proxy's `user:password@` becomes a `Proxy-Authorization: Basic` header. `https://`
//! targets go through a `CONNECT` tunnel, `http://` targets are sent to the proxy in absolute
//! form.

use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A proxy to send requests through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy's URL scheme (`http`; see [`Proxy::check_supported`]).
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// `Basic ...` from the URL's user info.
    pub authorization: Option<String>,
}

impl Proxy {
    /// Go also speaks TLS to `https://` proxies and SOCKS5 to `socks5://` ones; rk6 connects to
    /// plain HTTP proxies only, and says so rather than bypassing the proxy.
    pub fn check_supported(&self) -> Result<(), String> {
        if self.scheme == "http" {
            Ok(())
        } else {
            Err(format!(
                "proxyconnect tcp: rk6 supports http:// proxies only, not {}://{}:{} (from HTTP_PROXY/HTTPS_PROXY)",
                self.scheme, self.host, self.port
            ))
        }
    }

    /// `host:port` to dial.
    pub fn address(&self) -> (&str, u16) {
        (&self.host, self.port)
    }
}

/// One entry of `NO_PROXY`.
#[derive(Clone, Debug, PartialEq)]
enum Bypass {
    All,
    Cidr(ipnet::IpNet),
    Ip(IpAddr, Option<u16>),
    /// `.example.com`: a suffix; `whole` also matches `example.com` itself.
    Domain {
        suffix: String,
        port: Option<u16>,
        whole: bool,
    },
}

/// The proxy settings of the environment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProxyConfig {
    http: Option<Proxy>,
    https: Option<Proxy>,
    bypass: Vec<Bypass>,
    cgi: bool,
}

/// The environment's settings, read once per process as Go does.
pub fn from_env() -> &'static ProxyConfig {
    static CONFIG: OnceLock<ProxyConfig> = OnceLock::new();
    CONFIG.get_or_init(|| ProxyConfig::from_vars(|k| std::env::var(k).ok()))
}

impl ProxyConfig {
    /// From variables looked up by `get` (the process environment in [`from_env`]).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> ProxyConfig {
        let any = |names: [&str; 2]| names.iter().find_map(|n| get(n).filter(|v| !v.is_empty()));
        ProxyConfig {
            http: any(["HTTP_PROXY", "http_proxy"]).and_then(|v| parse_proxy(&v)),
            https: any(["HTTPS_PROXY", "https_proxy"]).and_then(|v| parse_proxy(&v)),
            bypass: any(["NO_PROXY", "no_proxy"])
                .map(|v| parse_no_proxy(&v))
                .unwrap_or_default(),
            cgi: get("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }

    /// Whether any proxy is configured (so callers can skip the look-up).
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy for a request to `host:port` over `https` or plain `http`, if any.
    pub fn proxy_for(&self, https: bool, host: &str, port: u16) -> Result<Option<&Proxy>, String> {
        let proxy = if https {
            self.https.as_ref()
        } else {
            match &self.http {
                Some(_) if self.cgi => {
                    return Err(
                        "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy"
                            .into(),
                    );
                }
                p => p.as_ref(),
            }
        };
        match proxy {
            Some(p) if self.use_proxy(host, port) => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    fn use_proxy(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host == "localhost" {
            return false;
        }
        let ip = host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return false;
        }
        let port_matches = |p: &Option<u16>| p.is_none_or(|p| p == port);
        !self.bypass.iter().any(|b| match b {
            Bypass::All => true,
            Bypass::Cidr(net) => ip.is_some_and(|ip| net.contains(&ip)),
            Bypass::Ip(a, p) => ip.is_some_and(|ip| ip == *a) && port_matches(p),
            Bypass::Domain {
                suffix,
                port: p,
                whole,
            } => {
                (host.ends_with(suffix.as_str()) || (*whole && host == suffix[1..]))
                    && port_matches(p)
            }
        })
    }
}

/// Go's `parseProxy`: a URL with scheme http, https or socks5, else the value with `http://`
/// in front; `None` when neither parses (Go then ignores the variable).
fn parse_proxy(value: &str) -> Option<Proxy> {
    let url = match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "socks5") && u.has_host() => u,
        _ => url::Url::parse(&format!("http://{value}")).ok()?,
    };
    let host = url.host_str()?.to_string();
    let port = url.port_or_known_default().unwrap_or(match url.scheme() {
        "socks5" => 1080,
        _ => 80,
    });
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .to_string()
    };
    let authorization = (!url.username().is_empty() || url.password().is_some()).then(|| {
        let pair = format!(
            "{}:{}",
            decode(url.username()),
            decode(url.password().unwrap_or_default())
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    });
    Some(Proxy {
        scheme: url.scheme().to_string(),
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        authorization,
    })
}

/// `host:port` split as Go's `net.SplitHostPort` (`[v6]:port` included); `None` when `s` has
/// no port.
fn split_host_port(s: &str) -> Option<(&str, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?.parse().ok()?));
    }
    let (host, port) = s.rsplit_once(':')?;
    if host.contains(':') {
        return None;
    }
    Some((host, port.parse().ok()?))
}

fn parse_no_proxy(value: &str) -> Vec<Bypass> {
    let mut out = Vec::new();
    for entry in value.split(',') {
        let p = entry.trim().to_ascii_lowercase();
        if p.is_empty() {
            continue;
        }
        if p == "*" {
            return vec![Bypass::All];
        }
        if let Ok(net) = p.parse::<ipnet::IpNet>() {
            out.push(Bypass::Cidr(net));
            continue;
        }
        let (host, port) = match split_host_port(&p) {
            Some(("", _)) => continue,
            Some((h, port)) => (h.to_string(), Some(port)),
            None => (p.clone(), None),
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            out.push(Bypass::Ip(ip.to_canonical(), port));
            continue;
        }
        if host.is_empty() {
            continue;
        }
        let host = host
            .strip_prefix('*')
            .filter(|h| h.starts_with('.'))
            .unwrap_or(&host);
        let whole = !host.starts_with('.');
        let suffix = if whole {
            format!(".{host}")
        } else {
            host.to_string()
        };
        // Go compares punycode (IDNA) names.
        let suffix = match url::Host::parse(suffix.trim_start_matches('.')) {
            Ok(url::Host::Domain(d)) if !suffix.is_ascii() => format!(".{d}"),
            _ => suffix,
        };
        out.push(Bypass::Domain {
            suffix,
            port,
            whole,
        });
    }
    out
}

/// Opens a `CONNECT host:port` tunnel through a proxy on `stream` (already connected to the
/// proxy). Fails with the proxy's status text when it answers anything but 200, as Go does.
pub async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), String> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    let io = |e: std::io::Error| format!("proxyconnect tcp: {e}");
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    // The proxy says nothing after its answer until the client speaks TLS, so reading up to
    // the blank line never swallows tunnelled bytes.
    let mut buf = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 64 * 1024 {
            return Err("proxyconnect tcp: the proxy's answer to CONNECT is too long".into());
        }
        let n = stream.read(&mut byte).await.map_err(io)?;
        if n == 0 {
            return Err("proxyconnect tcp: the proxy closed the connection".into());
        }
        buf.push(byte[0]);
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&buf) {
        Ok(httparse::Status::Complete(_)) if response.code == Some(200) => Ok(()),
        Ok(httparse::Status::Complete(_)) => Err(response
            .reason
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| response.code.unwrap_or_default().to_string())),
        _ => Err("proxyconnect tcp: malformed answer to CONNECT".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> ProxyConfig {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyConfig::from_vars(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    fn via(c: &ProxyConfig, https: bool, host: &str, port: u16) -> Option<String> {
        c.proxy_for(https, host, port)
            .unwrap()
            .map(|p| format!("{}://{}:{}", p.scheme, p.host, p.port))
    }

    #[test]
    fn variables_as_go_reads_them() {
        let c = config(&[
            ("HTTP_PROXY", "proxy.corp:3128"),
            ("https_proxy", "http://secure.corp"),
        ]);
        assert_eq!(
            via(&c, false, "example.com", 80).unwrap(),
            "http://proxy.corp:3128"
        );
        assert_eq!(
            via(&c, true, "example.com", 443).unwrap(),
            "http://secure.corp:80"
        );
        // Upper case wins; an empty value is unset.
        let c = config(&[
            ("HTTPS_PROXY", ""),
            ("https_proxy", "10.0.0.1:8080"),
            ("HTTP_PROXY", "http://a:1"),
            ("http_proxy", "http://b:2"),
        ]);
        assert_eq!(via(&c, true, "x.org", 443).unwrap(), "http://10.0.0.1:8080");
        assert_eq!(via(&c, false, "x.org", 80).unwrap(), "http://a:1");
        // HTTPS_PROXY does not apply to http:// requests, nor HTTP_PROXY to https://.
        let c = config(&[("HTTP_PROXY", "http://a:1")]);
        assert_eq!(via(&c, true, "x.org", 443), None);
        assert!(config(&[]).is_empty());
        // Other schemes are kept (and refused when used); socks5 defaults to 1080.
        let c = config(&[("HTTPS_PROXY", "socks5://s")]);
        let p = c.proxy_for(true, "x.org", 443).unwrap().unwrap();
        assert_eq!((p.port, p.check_supported().is_err()), (1080, true));
        // CGI: HTTP_PROXY is refused.
        let c = config(&[("HTTP_PROXY", "http://a:1"), ("REQUEST_METHOD", "GET")]);
        assert!(c.proxy_for(false, "x.org", 80).is_err());
    }

    #[test]
    fn credentials_become_basic_auth() {
        let c = config(&[("HTTPS_PROXY", "http://us%40er:p%3Ass@proxy:8080")]);
        let p = c.proxy_for(true, "x.org", 443).unwrap().unwrap();
        // base64("us@er:p:ss")
        assert_eq!(p.authorization.as_deref(), Some("Basic dXNAZXI6cDpzcw=="));
        let c = config(&[("HTTPS_PROXY", "http://proxy:8080")]);
        assert_eq!(
            c.proxy_for(true, "x.org", 443)
                .unwrap()
                .unwrap()
                .authorization,
            None
        );
    }

    #[test]
    fn localhost_and_loopback_never_go_through_a_proxy() {
        let c = config(&[("HTTP_PROXY", "http://p:1"), ("HTTPS_PROXY", "http://p:1")]);
        for host in [
            "localhost",
            "127.0.0.1",
            "127.5.5.5",
            "::1",
            "[::1]",
            "LOCALHOST",
        ] {
            assert_eq!(via(&c, false, host, 80), None, "{host}");
        }
        // Only the name localhost: a subdomain of it goes through the proxy, as in Go.
        assert!(via(&c, false, "a.localhost", 80).is_some());
        assert!(via(&c, true, "10.1.2.3", 443).is_some());
    }

    #[test]
    fn no_proxy_rules_as_go() {
        let c = config(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                " example.com, .sub.org,*.star.net, 10.0.0.0/8, 192.168.1.1, 172.16.0.1:8443, internal:8080, [2001:db8::1]:443, :99, ",
            ),
        ]);
        let direct = |host: &str, port: u16| via(&c, true, host, port).is_none();
        assert!(direct("example.com", 443));
        assert!(direct("www.example.com", 443));
        assert!(!direct("notexample.com", 443));
        assert!(!direct("sub.org", 443));
        assert!(direct("a.sub.org", 443));
        assert!(!direct("star.net", 443));
        assert!(direct("x.star.net", 443));
        assert!(direct("10.20.30.40", 443));
        assert!(!direct("11.0.0.1", 443));
        assert!(direct("192.168.1.1", 1234));
        assert!(direct("172.16.0.1", 8443));
        assert!(!direct("172.16.0.1", 443));
        assert!(direct("internal", 8080));
        assert!(!direct("internal", 443));
        assert!(direct("2001:db8::1", 443));
        assert!(!direct("2001:db8::2", 443));
        // An IP is not matched by domain rules' names, nor a name by IP rules.
        assert!(!direct("192.168.1.2", 443));
        // `*` alone: nothing goes through the proxy.
        let c = config(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "foo, *")]);
        assert_eq!(via(&c, true, "x.org", 443), None);
    }

    #[tokio::test]
    async fn connect_tunnel_handshake() {
        let proxy = parse_proxy("http://u:p@proxy:3128").unwrap();
        let (mut client, mut server) = tokio::io::duplex(4096);
        let serve = tokio::spawn(async move {
            let mut buf = vec![0u8; 1024];
            let n = server.read(&mut buf).await.unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            server
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await
                .unwrap();
            req
        });
        tunnel(&mut client, &proxy, "example.com", 443)
            .await
            .unwrap();
        let req = serve.await.unwrap();
        assert_eq!(
            req,
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
        );

        let (mut client, mut server) = tokio::io::duplex(4096);
        tokio::spawn(async move {
            let mut buf = vec![0u8; 1024];
            let _ = server.read(&mut buf).await;
            let _ = server
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
        });
        let err = tunnel(&mut client, &proxy, "example.com", 443)
            .await
            .unwrap_err();
        assert_eq!(err, "Proxy Authentication Required");
    }
}
