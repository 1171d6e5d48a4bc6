//! Service descriptions: `.proto` files compiled at run time by protox (no `protoc`), binary
//! protosets, and the file sets server reflection returns.
//!
//! Every VU runs `client.load()` in its own init context, with the same arguments: the files
//! are compiled once per process and the compiled pool is shared (a pool is an `Arc` inside).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use miette::Diagnostic as _;
use parking_lot::Mutex;
use prost_reflect::{DescriptorPool, MethodDescriptor};

/// What `load()` and `loadProtoset()` return for each method (k6's `MethodInfo`).
#[derive(Clone, Debug, PartialEq)]
pub struct MethodInfo {
    pub package: String,
    pub service: String,
    /// `/package.Service/Method`.
    pub full_method: String,
    pub name: String,
    pub is_client_stream: bool,
    pub is_server_stream: bool,
}

/// The callable methods of a client, by `/package.Service/Method`.
#[derive(Default)]
pub struct Methods {
    by_path: HashMap<String, MethodDescriptor>,
}

impl Methods {
    /// Adds every method `pool` declares (a later load replaces a method of the same name, as
    /// k6's does) and returns their descriptions, in file, service and method order.
    pub fn add_pool(&mut self, pool: &DescriptorPool) -> Vec<MethodInfo> {
        let mut infos = Vec::new();
        for file in pool.files() {
            for service in file.services() {
                for method in service.methods() {
                    let full_method = format!("/{}/{}", service.full_name(), method.name());
                    infos.push(MethodInfo {
                        package: file.package_name().to_string(),
                        service: service.name().to_string(),
                        full_method: full_method.clone(),
                        name: method.name().to_string(),
                        is_client_stream: method.is_client_streaming(),
                        is_server_stream: method.is_server_streaming(),
                    });
                    self.by_path.insert(full_method, method);
                }
            }
        }
        infos
    }

    /// The method at `/package.Service/Method`.
    pub fn get(&self, path: &str) -> Option<&MethodDescriptor> {
        self.by_path.get(path)
    }
}

/// Compiled pools by what was loaded, for the whole process (see the module comment).
type Cache = Mutex<HashMap<(Vec<PathBuf>, Vec<String>), DescriptorPool>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Compiles `files` (and what they import), finding each in the `import_paths` in turn,
/// relative to `base` (the script's directory) unless absolute; with no import paths, in
/// `base` itself. `google/protobuf/*.proto` are built in, as in k6.
pub fn load_protos(
    base: &Path,
    import_paths: &[String],
    files: &[String],
) -> Result<DescriptorPool, String> {
    let dirs: Vec<PathBuf> = if import_paths.is_empty() {
        vec![base.to_path_buf()]
    } else {
        import_paths
            .iter()
            .map(|p| base.join(p.strip_prefix("file://").unwrap_or(p)))
            .collect()
    };
    let key = (dirs.clone(), files.to_vec());
    if let Some(pool) = cache().lock().get(&key) {
        return Ok(pool.clone());
    }
    let resolver = ImportPaths {
        dirs: dirs.clone(),
        sources: Default::default(),
    };
    let sources = resolver.sources.clone();
    let mut chain = protox::file::ChainFileResolver::new();
    chain.add(resolver);
    chain.add(protox::file::GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true);
    for file in files {
        if let Err(e) = compiler.open_file(file) {
            return Err(compile_error(&e, &dirs, &sources.lock()));
        }
    }
    let pool = compiler.descriptor_pool();
    cache().lock().insert(key, pool.clone());
    Ok(pool)
}

/// Reads a binary `FileDescriptorSet` (`protoc --descriptor_set_out`, `buf build -o`).
pub fn load_protoset(path: &Path, shown: &str) -> Result<DescriptorPool, String> {
    let key = (vec![path.to_path_buf()], Vec::new());
    if let Some(pool) = cache().lock().get(&key) {
        return Ok(pool.clone());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("couldn't open protoset: {}", go_io_error(path, &e)))?;
    let pool = DescriptorPool::decode(bytes.as_slice())
        .map_err(|e| format!("couldn't unmarshal protoset file {shown}: {e}"))?;
    cache().lock().insert(key, pool.clone());
    Ok(pool)
}

/// Go's wording of a failed `stat`/`open`, which k6 passes on.
fn go_io_error(path: &Path, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("stat {}: {reason}", path.display())
}

/// A compile error as `file:line:col: message` (the position of the first label, when
/// protox has one), or k6's `stat ...` message for a file found in no import path.
fn compile_error(e: &protox::Error, dirs: &[PathBuf], sources: &HashMap<String, String>) -> String {
    if e.is_file_not_found()
        && let Some(name) = e.file().map(str::to_string).or_else(|| not_included(e))
    {
        let tried = dirs
            .first()
            .map(|d| d.join(&name))
            .unwrap_or_else(|| PathBuf::from(&name));
        let detail = go_io_error(&tried, &std::io::Error::from(std::io::ErrorKind::NotFound));
        return match e.file() {
            // An import of a file that itself was found.
            Some(file) if file != name => format!("{file}: {detail}"),
            _ => detail,
        };
    }
    let message = e.to_string();
    let Some(file) = e.file() else {
        return message;
    };
    let offset = e
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|l| l.offset());
    match (offset, sources.get(file)) {
        (Some(offset), Some(source)) => {
            let (line, col) = line_col(source, offset);
            format!("{file}:{line}:{col}: {message}")
        }
        _ => format!("{file}: {message}"),
    }
}

/// The path protox reports for a file it could not find in any include path.
fn not_included(e: &protox::Error) -> Option<String> {
    let text = e.to_string();
    let rest = text.strip_prefix("file '")?;
    rest.split_once('\'').map(|(name, _)| name.to_string())
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Finds `.proto` files in import directories, keeping their sources for error positions.
struct ImportPaths {
    dirs: Vec<PathBuf>,
    sources: Arc<Mutex<HashMap<String, String>>>,
}

impl protox::file::FileResolver for ImportPaths {
    /// Files keep the names they were asked for, as protoc's `--proto_path` gives them.
    fn resolve_path(&self, path: &Path) -> Option<String> {
        Some(path.to_string_lossy().replace('\\', "/"))
    }

    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        let candidates: Vec<PathBuf> = if Path::new(name).is_absolute() {
            vec![PathBuf::from(name)]
        } else {
            self.dirs.iter().map(|d| d.join(name)).collect()
        };
        for path in candidates {
            match std::fs::read_to_string(&path) {
                Ok(source) => {
                    // Kept before parsing: a parse error's position is looked up in it.
                    self.sources.lock().insert(name.to_string(), source.clone());
                    return protox::file::File::from_source(name, &source);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(protox::Error::new(std::io::Error::other(go_io_error(
                        &path, &e,
                    ))));
                }
            }
        }
        Err(protox::Error::file_not_found(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn loads_files_with_imports_from_import_paths() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "defs/api/svc.proto",
            "syntax = \"proto3\";\npackage api;\nimport \"types/t.proto\";\nimport \"google/protobuf/empty.proto\";\n\
             service Svc { rpc Get(types.T) returns (google.protobuf.Empty); rpc Watch(types.T) returns (stream types.T); }\n",
        );
        write(
            dir.path(),
            "defs/types/t.proto",
            "syntax = \"proto3\";\npackage types;\nmessage T { int64 id = 1; }\n",
        );
        let pool = load_protos(dir.path(), &["defs".into()], &["api/svc.proto".into()]).unwrap();
        let mut methods = Methods::default();
        let infos = methods.add_pool(&pool);
        assert_eq!(infos.len(), 2);
        assert_eq!(infos[0].full_method, "/api.Svc/Get");
        assert_eq!(infos[0].package, "api");
        assert_eq!(infos[0].service, "Svc");
        assert!(!infos[0].is_server_stream);
        assert!(infos[1].is_server_stream && !infos[1].is_client_stream);
        assert!(methods.get("/api.Svc/Watch").is_some());
        // Loaded again: the same compiled pool.
        let again = load_protos(dir.path(), &["defs".into()], &["api/svc.proto".into()]).unwrap();
        assert_eq!(again, pool);
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "bad.proto",
            "syntax = \"proto3\";\nmessage X { int32 a = 1 }\n",
        );
        let e = load_protos(dir.path(), &[], &["bad.proto".into()]).unwrap_err();
        assert!(e.starts_with("bad.proto:2:"), "{e}");
        let e = load_protos(dir.path(), &[], &["nope.proto".into()]).unwrap_err();
        assert_eq!(
            e,
            format!(
                "stat {}: no such file or directory",
                dir.path().join("nope.proto").display()
            )
        );
        let e = load_protoset(&dir.path().join("x.protoset"), "x.protoset").unwrap_err();
        assert!(e.starts_with("couldn't open protoset: stat "), "{e}");
    }
}
