//! Remote modules (`https://` imports), downloaded as k6 downloads them: at init, once per run
//! (the sources are shared by every VU, see `RunShared::sources`), `?_k6=1` appended first and
//! the bare URL tried again if that fails, redirects followed, through the environment's proxy.
//!
//! rk6 adds a local cache so that a script that ran once runs offline: every download is kept
//! in `$RK6_MODULE_CACHE/<host>/<path>` (default `~/.cache/rk6/modules`), and is used, with a
//! warning, when the download fails. Failing that, the copies of k6-utils and k6-summary built
//! into rk6 stand in for jslib.k6.io's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::http::download::{self, DownloadError};

use super::console;

/// jslib.k6.io modules rk6 ships, for offline runs that never downloaded them.
const BUILTIN: &[(&str, &str)] = &[
    ("k6-summary/0.1.0", include_str!("jslib/k6-summary.js")),
    ("k6-summary/0.0.4", include_str!("jslib/k6-summary.js")),
    ("k6-summary/0.0.3", include_str!("jslib/k6-summary.js")),
    ("k6-summary/0.0.2", include_str!("jslib/k6-summary.js")),
    ("k6-summary/0.0.1", include_str!("jslib/k6-summary.js")),
    ("k6-utils/1.0.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.1.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.2.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.3.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.4.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.5.0", include_str!("jslib/k6-utils.js")),
    ("k6-utils/1.6.0", include_str!("jslib/k6-utils.js")),
];

fn builtin(url: &url::Url) -> Option<&'static str> {
    if url.host_str() != Some("jslib.k6.io") {
        return None;
    }
    let path = url.path().trim_start_matches('/');
    BUILTIN
        .iter()
        .find(|(lib, _)| path == format!("{lib}/index.js"))
        .map(|(_, src)| *src)
}

/// Where a download of `url` is kept: `$RK6_MODULE_CACHE/<host[:port]>/<path>`, default
/// `~/.cache/rk6/modules/...` (the query is not part of the name).
pub fn cache_path(url: &url::Url) -> Option<PathBuf> {
    let base = std::env::var_os("RK6_MODULE_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rk6/modules"))
        })?;
    path_in(&base, url)
}

fn path_in(base: &Path, url: &url::Url) -> Option<PathBuf> {
    let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let path = super::specifier::normalize(Path::new(url.path()));
    let path = path.strip_prefix("/").unwrap_or(&path);
    if authority.is_empty() || path.as_os_str().is_empty() {
        return None;
    }
    Some(base.join(authority).join(path))
}

/// k6's wording of a failed download.
fn describe(e: &DownloadError, url: &url::Url) -> String {
    match e {
        DownloadError::Status(404) => format!("not found: {url}"),
        DownloadError::Status(code) => format!("wrong status code ({code}) for: {url}"),
        DownloadError::Network(msg) => msg.clone(),
    }
}

/// Downloads `url` as k6 does: with `_k6=1` added to the query, then as given.
fn download(url: &url::Url, rt: &tokio::runtime::Handle) -> Result<bytes::Bytes, String> {
    let mut marked = url.clone();
    let query = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&_k6=1"),
        _ => "_k6=1".to_string(),
    };
    marked.set_query(Some(&query));
    rt.block_on(async {
        match download::get(&marked).await {
            Ok(body) => Ok(body),
            // Some servers dislike unknown query parameters.
            Err(_) => download::get(url).await.map_err(|e| describe(&e, url)),
        }
    })
}

/// The source of the remote module `url`, imported as `spec`: downloaded (and kept in the
/// cache), else the cached or built-in copy. The error is k6's, plus where rk6 looked.
pub fn fetch(url: &url::Url, spec: &str, rt: &tokio::runtime::Handle) -> Result<Arc<str>, String> {
    let cache = cache_path(url);
    let error = match download(url, rt) {
        Ok(body) => {
            if let Some(path) = &cache {
                keep(path, &body, url);
            }
            return Ok(Arc::from(String::from_utf8_lossy(&body).as_ref()));
        }
        Err(e) => e,
    };
    if let Some(path) = &cache
        && let Ok(text) = std::fs::read_to_string(path)
    {
        console::warn(&format!(
            "Using the copy of {url} kept in the module cache ({}): downloading it failed: {error}",
            path.display()
        ));
        return Ok(Arc::from(text));
    }
    if let Some(src) = builtin(url) {
        console::warn(&format!(
            "Using rk6's built-in copy of {url}: downloading it failed: {error}"
        ));
        return Ok(Arc::from(src));
    }
    let looked = match &cache {
        Some(p) => format!(
            " (rk6: no copy in the module cache either: {}; one run that downloads it keeps a copy there for offline runs)",
            p.display()
        ),
        None => String::new(),
    };
    Err(format!(
        "The moduleSpecifier \"{spec}\" couldn't be retrieved from the resolved url \"{url}\". Error : \"{error}\"{looked}"
    ))
}

/// Writes a download to the cache; a cache that cannot be written only costs offline runs.
fn keep(path: &Path, body: &[u8], url: &url::Url) {
    let written = match path.parent() {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| std::fs::write(path, body)),
        None => Ok(()),
    };
    if let Err(e) = written {
        console::log(
            console::Level::Debug,
            &format!("could not keep {url} in the module cache: {e}"),
            &[("path", &path.display().to_string())],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_jslibs_and_cache_paths() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(builtin(&u("https://jslib.k6.io/k6-utils/1.4.0/index.js")).is_some());
        assert!(builtin(&u("https://jslib.k6.io/k6-utils/9.9.9/index.js")).is_none());
        assert!(builtin(&u("https://example.com/k6-utils/1.4.0/index.js")).is_none());
        let base = Path::new("/cache");
        assert_eq!(
            path_in(base, &u("https://jslib.k6.io/lib/x/../1.0/index.js?v=2")).unwrap(),
            PathBuf::from("/cache/jslib.k6.io/lib/1.0/index.js")
        );
        assert_eq!(
            path_in(base, &u("https://127.0.0.1:8443/m.js")).unwrap(),
            PathBuf::from("/cache/127.0.0.1:8443/m.js")
        );
        assert_eq!(path_in(base, &u("https://host.example/")), None);
    }
}
