//! `k6/experimental/fs`: `open(path)` (init context only) resolves to a `File` with `read`,
//! `seek` and `stat`, as k6 v1.1.0 (`internal/js/modules/k6/experimental/fs`).
//!
//! A file's bytes are read once per run and shared by every VU (the same cache `open()` uses,
//! so a file both APIs read is held once); each `File` has its own offset. Operations run
//! synchronously on the VU thread and return settled promises: they are memory copies.
//!
//! k6's quirks are kept, since scripts are written against them: paths resolve against the
//! entry script's directory (not the importing module's), `read` fills the Uint8Array's
//! whole underlying buffer from its start, and `seek(0, SeekMode.End)` lands on the last byte
//! (`size - 1`), not after it.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use boa_engine::object::builtins::{JsArrayBuffer, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::{
    Context, JsArgs, JsData, JsError, JsObject, JsResult, JsString, JsValue, JsVariant,
    NativeFunction,
};
use boa_gc::{Finalize, Trace};

use crate::js::go_value::{self, GoErrorValue};
use crate::js::runtime::{Phase, vu_state};
use crate::js::specifier;
use crate::js::util::{ALL, func};

pub const EXPORTS: &[&str] = &["open", "SeekMode"];

const SEEK_START: i64 = 0;
const SEEK_CURRENT: i64 = 1;
const SEEK_END: i64 = 2;

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let open = func(ctx, "open", 1, NativeFunction::from_fn_ptr(open));
    let seek_mode = ObjectInitializer::new(ctx)
        .property(JsString::from("Start"), SEEK_START as f64, ALL)
        .property(JsString::from("Current"), SEEK_CURRENT as f64, ALL)
        .property(JsString::from("End"), SEEK_END as f64, ALL)
        .build();
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("open"), open, ALL)
        .property(JsString::from("SeekMode"), seek_mode, ALL)
        .build())
}

/// k6's fs error kinds (the `name` of the rejection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsErrorKind {
    NotFound,
    InvalidResource,
    Forbidden,
    Type,
}

impl FsErrorKind {
    fn name(self) -> &'static str {
        match self {
            FsErrorKind::NotFound => "NotFoundError",
            FsErrorKind::InvalidResource => "InvalidResourceError",
            FsErrorKind::Forbidden => "ForbiddenError",
            FsErrorKind::Type => "TypeError",
        }
    }
}

/// An fs error as k6 rejects with it: a Go struct with `name` and `message` (not an `Error`
/// instance); `String(e)` is `name: message`.
pub type FsError = (FsErrorKind, String);

fn fs_error_value((kind, message): &FsError, ctx: &mut Context) -> JsError {
    let text = format!("{}: {message}", kind.name());
    GoErrorValue {
        text: &text,
        fields: &[
            ("name", JsString::from(kind.name()).into()),
            ("message", JsString::from(message.as_str()).into()),
        ],
        methods: &[],
        json_is_text: false,
    }
    .to_error(ctx)
}

fn type_error(message: impl Into<String>) -> FsError {
    (FsErrorKind::Type, message.into())
}

/// The shared bytes of one opened file and this `File`'s position in them.
#[derive(Debug)]
pub struct FileCursor {
    pub path: String,
    pub data: Arc<[u8]>,
    offset: Cell<usize>,
}

impl FileCursor {
    pub fn new(path: String, data: Arc<[u8]>) -> FileCursor {
        FileCursor {
            path,
            data,
            offset: Cell::new(0),
        }
    }

    pub fn offset(&self) -> usize {
        self.offset.get()
    }

    /// Moves the offset past the last byte (what reading the whole file does).
    pub fn seek_to_end(&self) {
        self.offset.set(self.data.len());
    }

    /// Copies up to `into.len()` bytes from the offset and moves it. `None` at the end of
    /// the file (nothing left to read), like Go's `io.EOF` with no bytes.
    pub fn read(&self, into: &mut [u8]) -> Option<usize> {
        let start = self.offset.get();
        if start >= self.data.len() {
            return None;
        }
        let end = (start + into.len()).min(self.data.len());
        let n = end - start;
        into[..n].copy_from_slice(&self.data[start..end]);
        self.offset.set(end);
        Some(n)
    }

    /// Moves the offset as k6's `file.Seek` does (End counts from the last byte).
    pub fn seek(&self, offset: i64, whence: i64) -> Result<i64, FsError> {
        let size = self.data.len() as i64;
        let target = match whence {
            SEEK_START if offset < 0 => {
                return Err(type_error(
                    "offset cannot be negative when using SeekModeStart",
                ));
            }
            SEEK_START => offset,
            SEEK_CURRENT => (self.offset.get() as i64).saturating_add(offset),
            SEEK_END if offset > 0 => {
                return Err(type_error(
                    "offset cannot be positive when using SeekModeEnd",
                ));
            }
            SEEK_END => (size - 1).saturating_add(offset),
            _ => return Err(type_error("invalid seek mode")),
        };
        if target < 0 {
            return Err(type_error("seeking before start of file"));
        }
        if target > size {
            return Err(type_error("seeking beyond end of file"));
        }
        self.offset.set(target as usize);
        Ok(target)
    }
}

/// A `File` object's native part.
#[derive(Trace, Finalize, JsData)]
struct FileObject(#[unsafe_ignore_trace] Rc<FileCursor>);

/// The cursor behind a `File` that `open()` returned, for modules that read files
/// (`k6/experimental/csv`); `None` for any other value.
pub fn file_cursor(v: &JsValue) -> Option<Rc<FileCursor>> {
    v.as_object()
        .and_then(|o| o.downcast_ref::<FileObject>().map(|f| f.0.clone()))
}

fn settle(outcome: Result<JsValue, FsError>, ctx: &mut Context) -> JsResult<JsValue> {
    let promise = match outcome {
        Ok(v) => JsPromise::resolve(v, ctx)?,
        Err(e) => {
            let err = fs_error_value(&e, ctx);
            JsPromise::reject(err, ctx)?
        }
    };
    Ok(promise.into())
}

fn open(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let outcome = open_file(args.get_or_undefined(0), ctx);
    match outcome {
        Ok(Ok(file)) => Ok(JsPromise::resolve(file, ctx)?.into()),
        Ok(Err(e)) => settle(Err(e), ctx),
        // Failures outside k6's error kinds (unreadable file) reject with the Go error.
        Err(e) => Ok(JsPromise::reject(e, ctx)?.into()),
    }
}

fn open_file(path: &JsValue, ctx: &mut Context) -> JsResult<Result<JsValue, FsError>> {
    let vu = vu_state(ctx);
    if vu.borrow().phase != Phase::Init {
        return Ok(Err((
            FsErrorKind::Forbidden,
            "open() failed; reason: opening a file is allowed only in the Init context".into(),
        )));
    }
    if path.is_null_or_undefined() {
        return Ok(Err(type_error(
            "open() failed; reason: path cannot be null or undefined",
        )));
    }
    let name = path.to_string(ctx)?.to_std_string_escaped();
    if name.is_empty() {
        return Ok(Err(type_error(
            "open() failed; reason: path cannot be empty",
        )));
    }
    let shared = vu.borrow().shared.clone();
    // k6 resolves against the entry script's directory, wherever `open` is called from.
    let raw = name.strip_prefix("file://").unwrap_or(&name);
    let path = specifier::normalize(&shared.script_dir.join(raw));
    let shown = path.display().to_string();
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err((
                FsErrorKind::NotFound,
                format!("no such file or directory {}", go_quote(&shown)),
            )));
        }
        Err(e) => {
            return Err(go_value::wrapped(
                &format!(
                    "open() failed, unable to verify if {} exists; reason: {e}",
                    go_quote(&shown)
                ),
                ctx,
            ));
        }
        Ok(m) if m.is_dir() => {
            return Ok(Err((
                FsErrorKind::InvalidResource,
                format!(
                    "cannot open {}: opening a directory is not supported",
                    go_quote(&shown)
                ),
            )));
        }
        Ok(_) => {}
    }
    let data = match cached_bytes(&shared.files, &path) {
        Ok(d) => d,
        Err(e) => {
            return Err(go_value::wrapped(&format!("open {shown}: {e}"), ctx));
        }
    };
    let cursor = Rc::new(FileCursor::new(shown, data));
    Ok(Ok(file_object(cursor, ctx).into()))
}

fn go_quote(s: &str) -> String {
    crate::go_strconv::go_quote(s)
}

/// The run's one copy of the file at `path` (shared with `open()`).
fn cached_bytes(
    files: &parking_lot::Mutex<std::collections::HashMap<PathBuf, Arc<[u8]>>>,
    path: &Path,
) -> std::io::Result<Arc<[u8]>> {
    if let Some(b) = files.lock().get(path) {
        return Ok(b.clone());
    }
    let data: Arc<[u8]> = std::fs::read(path)?.into();
    Ok(files
        .lock()
        .entry(path.to_path_buf())
        .or_insert(data)
        .clone())
}

type Method = fn(&FileCursor, &[JsValue], &mut Context) -> JsResult<Result<JsValue, FsError>>;

/// `{ path, read, seek, stat }`, all own enumerable properties as k6 shows them.
fn file_object(cursor: Rc<FileCursor>, ctx: &mut Context) -> JsObject {
    let path = JsString::from(cursor.path.as_str());
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        FileObject(cursor),
    );
    let methods: [(&str, usize, Method); 3] =
        [("read", 1, read), ("seek", 2, seek), ("stat", 0, stat)];
    let _ = obj.create_data_property_or_throw(JsString::from("path"), path, ctx);
    for (name, len, method) in methods {
        let f = FunctionObjectBuilder::new(
            ctx.realm(),
            NativeFunction::from_copy_closure_with_captures(
                move |_, args, file: &JsObject, ctx| {
                    let Some(cursor) = file.downcast_ref::<FileObject>().map(|f| f.0.clone())
                    else {
                        return Err(crate::js::util::type_error("not a File"));
                    };
                    let outcome = method(&cursor, args, ctx)?;
                    settle(outcome, ctx)
                },
                obj.clone(),
            ),
        )
        .name(JsString::from(name))
        .length(len)
        .build();
        let _ = obj.create_data_property_or_throw(JsString::from(name), f, ctx);
    }
    obj
}

/// `read(into)`: resolves to the number of bytes read, or `null` at the end of the file.
fn read(
    cursor: &FileCursor,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<Result<JsValue, FsError>> {
    let into = args.get_or_undefined(0);
    if into.is_null_or_undefined() {
        return Ok(Err(type_error(
            "read() failed; reason: into argument cannot be null or undefined",
        )));
    }
    let not_uint8 = || {
        Ok(Err(type_error(
            "read() failed; reason: into argument must be a Uint8Array",
        )))
    };
    let Some(obj) = into.as_object() else {
        return not_uint8();
    };
    // k6 compares the object's `constructor` with the global Uint8Array.
    let ctor = obj.get(JsString::from("constructor"), ctx)?;
    let uint8 = ctx
        .intrinsics()
        .constructors()
        .typed_uint8_array()
        .constructor();
    if !ctor
        .as_object()
        .is_some_and(|c| JsObject::equals(&c, &uint8))
    {
        return not_uint8();
    }
    let buffer = obj.get(JsString::from("buffer"), ctx)?;
    let Some(buffer) = buffer
        .as_object()
        .and_then(|b| JsArrayBuffer::from_object(b.clone()).ok())
    else {
        return not_uint8();
    };
    let Some(mut bytes) = buffer.data_mut() else {
        return not_uint8();
    };
    Ok(Ok(match cursor.read(&mut bytes) {
        Some(n) => JsValue::from(n as f64),
        None => JsValue::null(),
    }))
}

/// k6's `exportInt`: a number holding an integer (a float such as 1.5 is refused).
fn integer_arg(v: &JsValue, what: &str) -> Result<i64, FsError> {
    let reason = match v.variant() {
        JsVariant::Null | JsVariant::Undefined => "cannot be null or undefined",
        JsVariant::Integer32(i) => return Ok(i64::from(i)),
        JsVariant::Float64(f) if f.is_finite() && f.fract() == 0.0 => return Ok(f as i64),
        _ => "must be a number",
    };
    Err(type_error(format!(
        "seek() failed; reason: the {what} argument {reason}"
    )))
}

/// `seek(offset, whence)`: resolves to the new offset.
fn seek(
    cursor: &FileCursor,
    args: &[JsValue],
    _: &mut Context,
) -> JsResult<Result<JsValue, FsError>> {
    let offset = match integer_arg(args.get_or_undefined(0), "offset") {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    let whence = match integer_arg(args.get_or_undefined(1), "whence") {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    if !(SEEK_START..=SEEK_END).contains(&whence) {
        return Ok(Err(type_error(
            "seek() failed; reason: the whence argument must be a SeekMode",
        )));
    }
    Ok(cursor.seek(offset, whence).map(|o| JsValue::from(o as f64)))
}

/// `stat()`: resolves to `{ name, size }` (the base name and the size in bytes).
fn stat(
    cursor: &FileCursor,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<Result<JsValue, FsError>> {
    let name = Path::new(&cursor.path)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .property(JsString::from("size"), cursor.data.len() as f64, ALL)
        .build()
        .into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(bytes: &[u8]) -> FileCursor {
        FileCursor::new("/x/a.txt".into(), Arc::from(bytes))
    }

    #[test]
    fn reads_advance_and_end_with_none() {
        let c = cursor(b"hello");
        let mut buf = [0u8; 3];
        assert_eq!(c.read(&mut buf), Some(3));
        assert_eq!(&buf, b"hel");
        assert_eq!(c.read(&mut buf), Some(2));
        assert_eq!(&buf[..2], b"lo");
        assert_eq!(c.read(&mut buf), None);
        // An empty buffer before the end reads 0 bytes, not EOF.
        c.seek(0, SEEK_START).expect("seek");
        assert_eq!(c.read(&mut []), Some(0));
    }

    #[test]
    fn seek_follows_k6() {
        let c = cursor(b"0123456789");
        assert_eq!(c.seek(0, SEEK_END), Ok(9), "End counts from the last byte");
        assert_eq!(c.seek(-3, SEEK_CURRENT), Ok(6));
        assert_eq!(c.seek(10, SEEK_START), Ok(10));
        let err = |r: Result<i64, FsError>| r.expect_err("fails").1;
        assert_eq!(
            err(c.seek(-1, SEEK_START)),
            "offset cannot be negative when using SeekModeStart"
        );
        assert_eq!(
            err(c.seek(1, SEEK_END)),
            "offset cannot be positive when using SeekModeEnd"
        );
        assert_eq!(err(c.seek(11, SEEK_START)), "seeking beyond end of file");
        assert_eq!(
            err(c.seek(-100, SEEK_CURRENT)),
            "seeking before start of file"
        );
        assert_eq!(c.offset(), 10, "a failed seek leaves the offset alone");
        let empty = cursor(b"");
        assert_eq!(err(empty.seek(0, SEEK_END)), "seeking before start of file");
    }

    #[test]
    fn integer_arguments_as_k6_exports_them() {
        assert_eq!(integer_arg(&JsValue::from(3), "offset"), Ok(3));
        assert_eq!(integer_arg(&JsValue::from(-2.0), "offset"), Ok(-2));
        assert_eq!(
            integer_arg(&JsValue::from(1.5), "offset").map_err(|e| e.1),
            Err("seek() failed; reason: the offset argument must be a number".into())
        );
        assert_eq!(
            integer_arg(&JsValue::undefined(), "whence").map_err(|e| e.1),
            Err("seek() failed; reason: the whence argument cannot be null or undefined".into())
        );
    }
}
