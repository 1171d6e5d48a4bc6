//! Module specifiers resolved as k6's loader resolves them (`loader.Resolve` in k6 v1.1.0):
//!
//! - `./x.js`, `../x.js`, `/x.js` (anything starting with `.` or `/`): relative to the importing
//!   module — a file next to a local module, a URL on the same server next to a remote one;
//! - `file:///abs/x.js` and `https://host/x.js`; any other scheme (`http://` included) is
//!   refused, and so is a `file://` import from a remote module;
//! - k6's retired `github.com/...` and `cdnjs.com/...` shorthands and bare names (`lodash`) are
//!   refused with k6's messages.
//!
//! A module is identified by a path: its file's path, or for a remote module its URL used as a
//! path (`https://host/x.js`), which is also what stack traces show.

use std::path::{Component, Path, PathBuf};

/// Where a module comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleRef {
    File(PathBuf),
    Remote(url::Url),
}

impl ModuleRef {
    /// The path that identifies the module (see the module docs).
    pub fn key(&self) -> PathBuf {
        match self {
            ModuleRef::File(p) => p.clone(),
            ModuleRef::Remote(u) => PathBuf::from(u.as_str()),
        }
    }

    /// The module a key identifies.
    pub fn from_key(key: &Path) -> ModuleRef {
        let s = key.to_string_lossy();
        match s.starts_with("https://").then(|| url::Url::parse(&s).ok()) {
            Some(Some(u)) => ModuleRef::Remote(u),
            _ => ModuleRef::File(key.to_path_buf()),
        }
    }

    /// The URL k6 shows for the module (`file:///abs/x.js`, `https://host/x.js`).
    pub fn display_url(&self) -> String {
        match self {
            ModuleRef::File(p) => format!("file://{}", p.display()),
            ModuleRef::Remote(u) => u.to_string(),
        }
    }
}

/// Whether `key` identifies a remote module.
pub fn is_remote_key(key: &Path) -> bool {
    matches!(ModuleRef::from_key(key), ModuleRef::Remote(_))
}

/// Resolves `spec` imported (or required) by the module `referrer` (a key, see the module
/// docs). Errors are k6's messages.
pub fn resolve(spec: &str, referrer: &Path) -> Result<ModuleRef, String> {
    let base = ModuleRef::from_key(referrer);
    if spec.is_empty() {
        return Err("local or remote path required".into());
    }
    if spec.starts_with('.') || spec.starts_with('/') {
        return Ok(match base {
            ModuleRef::File(p) => {
                let dir = p.parent().unwrap_or(Path::new("/"));
                ModuleRef::File(normalize(&dir.join(spec)))
            }
            ModuleRef::Remote(u) => ModuleRef::Remote(
                u.join(spec)
                    .map_err(|e| format!("invalid module specifier {spec:?}: {e}"))?,
            ),
        });
    }
    if spec.contains("://") {
        let url = url::Url::parse(spec).map_err(|e| format!("parse {spec:?}: {e}"))?;
        return match url.scheme() {
            "https" => Ok(ModuleRef::Remote(url)),
            "file" => match base {
                ModuleRef::Remote(origin) => Err(format!(
                    "origin ({}) not allowed to load local file: {spec}",
                    origin.join("./").map(|d| d.to_string()).unwrap_or_default()
                )),
                ModuleRef::File(_) => url
                    .to_file_path()
                    .map(|p| ModuleRef::File(normalize(&p)))
                    .map_err(|()| format!("invalid file URL {spec:?}")),
            },
            other => Err(format!(
                "only supported schemes for imports are file and https, {spec} has `{other}`"
            )),
        };
    }
    if spec.starts_with("cdnjs.com") {
        return Err("cdnjs.com 'special' urls are no longer supported - please use real ones. You can get yours by going to cdnjs and copy-pasting the full url to the actual JavaScript file".into());
    }
    if spec.starts_with("github.com") {
        return Err("github.com 'special' urls are no longer supported - please use real ones. You can get yours by going to github and copy-pasting the full url to the actual raw JavaScript file".into());
    }
    Err(format!(
        "The moduleSpecifier {spec:?} couldn't be recognised as something k6 supports."
    ))
}

/// Normalises `a/./b/../c` without touching the file system (symlinks are kept as given).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> ModuleRef {
        ModuleRef::File(PathBuf::from(p))
    }

    fn remote(u: &str) -> ModuleRef {
        ModuleRef::Remote(url::Url::parse(u).unwrap())
    }

    #[test]
    fn local_and_remote_relative_imports() {
        let main = Path::new("/t/script.js");
        assert_eq!(resolve("./lib/a.js", main).unwrap(), file("/t/lib/a.js"));
        assert_eq!(resolve("../x.js", main).unwrap(), file("/x.js"));
        assert_eq!(resolve("/abs/y.js", main).unwrap(), file("/abs/y.js"));
        assert_eq!(
            resolve("file:///abs/z%20z.js", main).unwrap(),
            file("/abs/z z.js")
        );
        let lib = Path::new("https://jslib.example/lib/1.0/index.js?x=1");
        assert_eq!(
            resolve("./util.js", lib).unwrap(),
            remote("https://jslib.example/lib/1.0/util.js")
        );
        assert_eq!(
            resolve("../2.0/index.js", lib).unwrap(),
            remote("https://jslib.example/lib/2.0/index.js")
        );
        assert_eq!(
            resolve("/root.js", lib).unwrap(),
            remote("https://jslib.example/root.js")
        );
        assert_eq!(
            resolve("https://other.example/m.js", main).unwrap(),
            remote("https://other.example/m.js")
        );
        assert!(is_remote_key(&remote("https://a.example/b.js").key()));
        assert!(!is_remote_key(Path::new("/t/https.js")));
    }

    #[test]
    fn what_k6_refuses() {
        let main = Path::new("/t/script.js");
        // Each message is k6 v1.1.0's.
        assert_eq!(
            resolve("http://jslib.k6.io/x.js", main).unwrap_err(),
            "only supported schemes for imports are file and https, http://jslib.k6.io/x.js has `http`"
        );
        assert_eq!(
            resolve("lodash", main).unwrap_err(),
            "The moduleSpecifier \"lodash\" couldn't be recognised as something k6 supports."
        );
        assert!(
            resolve("github.com/a/b/c.js", main)
                .unwrap_err()
                .starts_with("github.com 'special' urls are no longer supported")
        );
        assert!(
            resolve("cdnjs.com/libraries/x", main)
                .unwrap_err()
                .starts_with("cdnjs.com 'special' urls are no longer supported")
        );
        assert_eq!(
            resolve(
                "file:///etc/passwd",
                Path::new("https://evil.example/a/m.js")
            )
            .unwrap_err(),
            "origin (https://evil.example/a/) not allowed to load local file: file:///etc/passwd"
        );
    }
}
