//! k6's test archives (`k6 archive`, `k6 run archive.tar`), in k6 v1.1.0's layout
//! (`lib/archive.go`), so that archives move between k6 and rk6 both ways:
//!
//! - `metadata.json`: `type` ("js"), `options` (the consolidated options: config file,
//!   script, environment and flags, before execution shortcuts become scenarios), `filename`
//!   and `pwd` as URLs, `env`, `compatibilityMode`, `k6version`, `goos`;
//! - `data`: the main script;
//! - `file/<absolute path>` for every local module and `open()`ed file, and
//!   `https/<host>/<path>` for every remote module, with directory entries before the files;
//!   the main script's own entry is a hard link to `data`.
//!
//! Paths under a home directory are anonymised as k6 does (`/home/alice/x` is stored as
//! `/home/nobody/x`), consistently in names and URLs, so the archive runs unchanged.
//! Archives of k6 before v0.25 (`files/`, `scripts/`) are read too.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `metadata.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    #[serde(rename = "type")]
    pub kind: String,
    /// An object (k6 writes every option, unset ones as `null`).
    #[serde(default)]
    pub options: serde_json::Value,
    pub filename: String,
    pub pwd: String,
    /// `null` in archives made with `--exclude-env-vars`.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    #[serde(rename = "compatibilityMode", default)]
    pub compatibility_mode: String,
    #[serde(rename = "k6version", default)]
    pub k6_version: String,
    #[serde(default)]
    pub goos: String,
}

/// A test archive: the main script and every file it needs, by module key (a local file's
/// absolute path, or a remote module's `https://` URL).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Archive {
    pub metadata: Metadata,
    pub data: Vec<u8>,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

/// Whether `bytes` start with a tar header, k6's test for an archive (`detectTestType`).
pub fn is_archive(bytes: &[u8]) -> bool {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .is_ok_and(|mut entries| entries.next().is_some_and(|e| e.is_ok()))
}

/// k6's `NormalizeAndAnonymizePath` for Linux paths: the user's name in a home directory
/// becomes `nobody`.
pub fn anonymize(path: &str) -> String {
    let mut parts = path.splitn(4, '/');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    match (first, second, third) {
        (Some(""), Some(top), Some(_user))
            if ["users", "home", "documents and settings"]
                .contains(&top.to_lowercase().as_str()) =>
        {
            match parts.next() {
                Some(rest) => format!("/{top}/nobody/{rest}"),
                None => format!("/{top}/nobody"),
            }
        }
        _ => path.to_string(),
    }
}

/// The module key an archive entry name stands for (`file/a/b.js` is `/a/b.js`,
/// `https/host/x.js` is `https://host/x.js`), `None` for names k6 skips.
fn entry_key(name: &str) -> Result<Option<PathBuf>, String> {
    let name = name.trim_start_matches("./");
    let Some((prefix, rest)) = name.split_once('/') else {
        return Ok(None);
    };
    let (prefix, rest) = match prefix {
        // Archives of k6 < v0.25: `_/` marks local files, the rest was remote.
        "files" | "scripts" => match rest.strip_prefix('_') {
            Some(local) => ("file", local),
            None => ("https", rest),
        },
        other => (other, rest),
    };
    let rest = rest.trim_start_matches('/');
    match prefix {
        "file" => Ok(Some(PathBuf::from(format!("/{rest}")))),
        "https" => Ok(Some(PathBuf::from(format!("https://{rest}")))),
        other => Err(format!("unknown file prefix `{other}` for file `{name}`")),
    }
}

/// The local path or remote URL of a `file:///...` or `https://...` URL string.
pub fn url_key(url: &str) -> PathBuf {
    match url.strip_prefix("file://") {
        Some(path) => PathBuf::from(
            percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .to_string(),
        ),
        None => PathBuf::from(url),
    }
}

impl Archive {
    /// Reads an archive made by k6 or rk6.
    pub fn read(bytes: &[u8]) -> Result<Archive, String> {
        let mut archive = tar::Archive::new(bytes);
        let mut out = Archive::default();
        let mut metadata = None;
        let entries = archive.entries().map_err(|e| e.to_string())?;
        for entry in entries {
            let mut entry = entry.map_err(|e| e.to_string())?;
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            let name = entry
                .path()
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .to_string();
            let mut data = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut data).map_err(|e| e.to_string())?;
            match name.as_str() {
                "metadata.json" => {
                    metadata = Some(
                        serde_json::from_slice::<Metadata>(&data)
                            .map_err(|e| format!("metadata.json: {e}"))?,
                    );
                }
                "data" => out.data = data,
                _ => {
                    if let Some(key) = entry_key(&name)? {
                        out.files.insert(key, data);
                    }
                }
            }
        }
        out.metadata = metadata.ok_or("the archive has no metadata.json")?;
        // The main script's entry is a link to `data`: its contents come from there.
        out.files.insert(out.script_key(), out.data.clone());
        Ok(out)
    }

    /// The main script's module key.
    pub fn script_key(&self) -> PathBuf {
        url_key(&self.metadata.filename)
    }

    /// Writes the archive as k6 does: metadata, data, then per file system (`file`, `https`)
    /// its directories and its files in sorted order.
    pub fn write(&self, out: impl Write) -> std::io::Result<()> {
        let mut tar = tar::Builder::new(out);
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut metadata = serde_json::to_vec_pretty(&self.metadata)?;
        metadata.push(b'\n');
        let file = |tar: &mut tar::Builder<_>, name: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_mtime(mtime);
            h.set_size(data.len() as u64);
            tar.append_data(&mut h, name, data)
        };
        file(&mut tar, "metadata.json", &metadata)?;
        file(&mut tar, "data", &self.data)?;
        let script = self.script_key();
        for fs in ["file", "https"] {
            let mut names: BTreeMap<String, &PathBuf> = BTreeMap::new();
            for key in self.files.keys() {
                let s = key.to_string_lossy();
                let name = match (fs, s.strip_prefix("https://")) {
                    ("https", Some(rest)) => format!("https/{rest}"),
                    ("file", None) => format!("file{}", s),
                    _ => continue,
                };
                names.insert(name, key);
            }
            let mut dirs = BTreeSet::new();
            for name in names.keys() {
                let mut dir = Path::new(name).parent();
                while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                    dirs.insert(d.to_string_lossy().to_string());
                    dir = d.parent();
                }
            }
            for dir in &dirs {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_mtime(mtime);
                h.set_size(0);
                tar.append_data(&mut h, dir, std::io::empty())?;
            }
            for (name, key) in &names {
                if **key == script {
                    let mut h = tar::Header::new_gnu();
                    h.set_entry_type(tar::EntryType::Link);
                    h.set_size(0);
                    tar.append_link(&mut h, name, "data")?;
                } else {
                    file(&mut tar, name, &self.files[*key])?;
                }
            }
        }
        tar.into_inner()?.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_directories_are_anonymised_as_k6_does() {
        assert_eq!(anonymize("/home/alice/t/x.js"), "/home/nobody/t/x.js");
        assert_eq!(anonymize("/Users/bob/x.js"), "/Users/nobody/x.js");
        assert_eq!(anonymize("/home/alice"), "/home/nobody");
        assert_eq!(anonymize("/root/x.js"), "/root/x.js");
        assert_eq!(anonymize("/tmp/home/x.js"), "/tmp/home/x.js");
    }

    #[test]
    fn entry_names_as_k6_reads_them() {
        let k = |n: &str| {
            entry_key(n)
                .unwrap()
                .map(|p| p.to_string_lossy().to_string())
        };
        assert_eq!(k("file/tmp/a/x.js").as_deref(), Some("/tmp/a/x.js"));
        assert_eq!(
            k("https/jslib.k6.io/k6-utils/1.4.0/index.js").as_deref(),
            Some("https://jslib.k6.io/k6-utils/1.4.0/index.js")
        );
        assert_eq!(k("files/_/tmp/x.js").as_deref(), Some("/tmp/x.js"));
        assert_eq!(
            k("scripts/example.com/x.js").as_deref(),
            Some("https://example.com/x.js")
        );
        assert_eq!(k("metadata"), None);
        assert!(entry_key("nope/x.js").is_err());
    }

    #[test]
    fn written_archives_read_back() {
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("/t/script.js"), b"main".to_vec());
        files.insert(PathBuf::from("/t/lib/a.js"), b"lib".to_vec());
        files.insert(
            PathBuf::from("https://example.com/m/x.js"),
            b"remote".to_vec(),
        );
        let archive = Archive {
            metadata: Metadata {
                kind: "js".into(),
                filename: "file:///t/script.js".into(),
                pwd: "file:///t".into(),
                ..Metadata::default()
            },
            data: b"main".to_vec(),
            files,
        };
        let mut bytes = Vec::new();
        archive.write(&mut bytes).unwrap();
        assert!(is_archive(&bytes));
        assert!(!is_archive(b"export default function () {}\n"));
        let mut names = Vec::new();
        let mut tar = tar::Archive::new(bytes.as_slice());
        for e in tar.entries().unwrap() {
            let e = e.unwrap();
            names.push(format!(
                "{:?} {}",
                e.header().entry_type(),
                e.path().unwrap().display()
            ));
        }
        assert_eq!(
            names,
            [
                "Regular metadata.json",
                "Regular data",
                "Directory file",
                "Directory file/t",
                "Directory file/t/lib",
                "Regular file/t/lib/a.js",
                "Link file/t/script.js",
                "Directory https",
                "Directory https/example.com",
                "Directory https/example.com/m",
                "Regular https/example.com/m/x.js",
            ]
        );
        assert_eq!(Archive::read(&bytes).unwrap(), archive);
    }
}
