//! `k6/experimental/csv`: `parse(file, options)` resolves to a SharedArray of records, and
//! `new Parser(file, options)` reads one record per `next()`, as k6 v1.1.0
//! (`internal/js/modules/k6/experimental/csv`). `file` is a `k6/experimental/fs` File.
//!
//! `parse` results are shared by every VU: the first VU to parse a file with given options
//! builds the array, the others reuse it (k6 builds one SharedArray per VU). A Parser reads
//! through its File (its offset moves), one VU each, as in k6.
//!
//! Records are read by the `csv` crate set up as Go's `encoding/csv` reader k6 uses: `,` (or
//! the `delimiter`), double quotes, blank lines skipped, every record as long as the first,
//! `\r\n` inside quoted fields read as `\n`. Go refuses stray quotes (`a"b`, `"a"b`) that the
//! crate reads literally; k6 itself crashes on those files in `parse`.

use std::collections::BTreeMap;
use std::io::Read;
use std::rc::Rc;

use boa_engine::object::builtins::{JsArray, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::{
    Context, JsArgs, JsData, JsObject, JsResult, JsString, JsValue, JsVariant, NativeFunction,
};
use boa_gc::{Finalize, Trace};
use std::cell::RefCell;

use super::data::{self, SharedData};
use super::encoding::go_error;
use super::fs::{FileCursor, file_cursor};
use crate::js::go_value;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{ALL, func};

pub const EXPORTS: &[&str] = &["parse", "Parser"];

/// The buffer Go's `bufio.Reader` (under `encoding/csv`) reads a file with: a Parser moves its
/// File's offset in steps of this size, as in k6.
const READ_BUFFER: usize = 4096;

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let parse = func(ctx, "parse", 2, NativeFunction::from_fn_ptr(parse));
    let parser: JsObject =
        FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(new_parser))
            .name(JsString::from("Parser"))
            .length(1)
            .constructor(true)
            .build()
            .into();
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("parse"), parse, ALL)
        .property(JsString::from("Parser"), parser, ALL)
        .build())
}

/// The options of `parse` and `Parser`, as k6 reads them.
#[derive(Clone, Debug, PartialEq)]
struct Options {
    delimiter: u8,
    skip_first_line: bool,
    from_line: Option<i64>,
    to_line: Option<i64>,
    as_objects: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            delimiter: b',',
            skip_first_line: false,
            from_line: None,
            to_line: None,
            as_objects: false,
        }
    }
}

/// JavaScript's ToIntegerOrInfinity clamped to Go's int64, as sobek's `ToInteger`.
fn to_integer(v: &JsValue, ctx: &mut Context) -> JsResult<i64> {
    let n = v.to_number(ctx)?;
    Ok(if n.is_nan() { 0 } else { n.trunc() as i64 })
}

/// k6's `newParserOptionsFrom`: an option counts as given when the property exists, whatever
/// its value (`delimiter: undefined` is the delimiter "undefined").
fn read_options(v: &JsValue, ctx: &mut Context) -> JsResult<Result<Options, String>> {
    let mut o = Options::default();
    let Some(obj) = v.as_object() else {
        return Ok(Ok(o));
    };
    let get = |name: &str, ctx: &mut Context| -> JsResult<Option<JsValue>> {
        let key = JsString::from(name);
        if obj.has_property(key.clone(), ctx)? {
            Ok(Some(obj.get(key, ctx)?))
        } else {
            Ok(None)
        }
    };
    if let Some(d) = get("delimiter", ctx)? {
        let d = d.to_string(ctx)?.to_std_string_escaped();
        // One byte, as k6 takes `delimiter[0]` of the Go string (k6 crashes on "").
        match d.as_bytes() {
            [b] => o.delimiter = *b,
            _ => return Ok(Err("delimiter must be a single character".into())),
        }
    }
    if let Some(v) = get("skipFirstLine", ctx)? {
        o.skip_first_line = v.to_boolean();
    }
    if let Some(v) = get("fromLine", ctx)? {
        o.from_line = Some(to_integer(&v, ctx)?);
    }
    if let Some(v) = get("toLine", ctx)? {
        o.to_line = Some(to_integer(&v, ctx)?);
    }
    if let Some(v) = get("asObjects", ctx)? {
        o.as_objects = v.to_boolean();
    }
    if let (Some(from), Some(to)) = (o.from_line, o.to_line)
        && from >= to
    {
        return Ok(Err("fromLine must be less than or equal to toLine".into()));
    }
    Ok(Ok(o))
}

/// k6's `validateOptions`.
fn validate(o: &Options) -> Result<(), String> {
    if o.as_objects && o.skip_first_line {
        return Err("the 'header' option cannot be enabled when 'skipFirstLine' is true".into());
    }
    if o.as_objects && o.from_line.is_some_and(|f| f > 0) {
        return Err(
            "the 'header' option cannot be enabled when 'fromLine' is set to a value greater than 0"
                .into(),
        );
    }
    if let Some(f) = o.from_line.filter(|f| *f < 0) {
        return Err(format!(
            "the 'fromLine' option must be greater than or equal to 0; got {f}"
        ));
    }
    if let Some(t) = o.to_line.filter(|t| *t < 0) {
        return Err(format!(
            "the 'toLine' option must be greater than or equal to 0; got {t}"
        ));
    }
    if let (Some(f), Some(t)) = (o.from_line, o.to_line)
        && f >= t
    {
        return Err(format!(
            "the 'fromLine' option must be less than the 'toLine' option; got 'fromLine': {f}, 'toLine': {t}"
        ));
    }
    Ok(())
}

/// Reads a File from its offset (Go's `io.Reader` over the shared bytes).
struct FileReader(Rc<FileCursor>);

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(self.0.read(buf).unwrap_or(0))
    }
}

/// One record: its fields (an array) or, with `asObjects`, header name -> field.
enum Record {
    Fields(Vec<String>),
    Object(Vec<(String, String)>),
}

impl Record {
    /// The JSON k6 stores in a SharedArray (`json.Marshal`, which sorts map keys).
    fn to_json(&self) -> String {
        match self {
            Record::Fields(f) => serde_json::to_string(f),
            Record::Object(pairs) => {
                let map: BTreeMap<&str, &str> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                serde_json::to_string(&map)
            }
        }
        .unwrap_or_default()
    }

    fn to_js(&self, ctx: &mut Context) -> JsValue {
        match self {
            Record::Fields(f) => JsArray::from_iter(
                f.iter().map(|s| JsValue::from(JsString::from(s.as_str()))),
                ctx,
            )
            .into(),
            Record::Object(pairs) => {
                let mut obj = ObjectInitializer::new(ctx);
                for (k, v) in pairs {
                    obj.property(JsString::from(k.as_str()), JsString::from(v.as_str()), ALL);
                }
                obj.build().into()
            }
        }
    }
}

/// Go's `csv.ErrFieldCount` and friends, as `Error()` prints them.
fn go_csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, .. } => format!(
            "record on line {}: wrong number of fields",
            pos.as_ref().map(|p| p.line()).unwrap_or(0)
        ),
        _ => e.to_string(),
    }
}

/// k6's csv `Reader`: the crate's reader plus the line counting of `fromLine`/`toLine`.
struct RecordReader {
    csv: csv::Reader<FileReader>,
    record: csv::ByteRecord,
    options: Options,
    /// Records read so far (the header and skipped lines included).
    line: i64,
    columns: Option<Vec<String>>,
    /// Go refuses `"`, `\r`, `\n` and NUL as a delimiter on every read.
    bad_delimiter: bool,
}

const EOF: &str = "EOF";

impl RecordReader {
    /// k6's `NewReaderFrom`: validates the options, reads the header (`asObjects`) and skips
    /// to `fromLine`.
    fn new(file: Rc<FileCursor>, options: Options) -> Result<RecordReader, String> {
        validate(&options)?;
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .delimiter(options.delimiter)
            .buffer_capacity(READ_BUFFER)
            .from_reader(FileReader(file));
        let mut r = RecordReader {
            csv,
            record: csv::ByteRecord::new(),
            bad_delimiter: matches!(options.delimiter, b'"' | b'\r' | b'\n' | 0),
            options,
            line: 0,
            columns: None,
        };
        if r.options.as_objects {
            let header = r
                .next_fields()
                .map_err(|e| format!("failed to read the first line; reason: {e}"))?;
            r.columns = Some(header);
            r.line += 1;
        }
        let from = r.options.from_line.unwrap_or(0);
        if r.options.skip_first_line && from == 0 {
            r.next_fields()
                .map_err(|e| format!("failed to skip the first line; reason: {e}"))?;
            r.line += 1;
        }
        while from > 0 && r.line < from {
            r.next_fields()
                .map_err(|e| format!("failed to skip lines until line {from}; reason: {e}"))?;
            r.line += 1;
        }
        Ok(r)
    }

    /// The next record's fields; `Err("EOF")` at the end.
    fn next_fields(&mut self) -> Result<Vec<String>, String> {
        if self.bad_delimiter {
            return Err("csv: invalid field or comment delimiter".into());
        }
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => Ok(self
                .record
                .iter()
                .map(|f| String::from_utf8_lossy(f).replace("\r\n", "\n"))
                .collect()),
            Ok(false) => Err(EOF.into()),
            Err(e) => Err(go_csv_error(&e)),
        }
    }

    /// k6's `Reader.Read`: the next record, `Ok(None)` at the end (or past `toLine`).
    fn read(&mut self) -> Result<Option<Record>, String> {
        if self.options.to_line.is_some_and(|t| t > 0 && self.line > t) {
            return Ok(None);
        }
        let fields = match self.next_fields() {
            Ok(f) => f,
            Err(e) if e == EOF => return Ok(None),
            Err(e) => return Err(e),
        };
        self.line += 1;
        let Some(columns) = &self.columns else {
            return Ok(Some(Record::Fields(fields)));
        };
        if fields.len() != columns.len() {
            return Err(format!(
                "record length ({}) doesn't match header length ({})",
                fields.len(),
                columns.len()
            ));
        }
        // Like Go's map: a repeated column name keeps its last value.
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(columns.len());
        for (k, v) in columns.iter().zip(fields) {
            match pairs.iter_mut().find(|(name, _)| name == k) {
                Some(p) => p.1 = v,
                None => pairs.push((k.clone(), v)),
            }
        }
        Ok(Some(Record::Object(pairs)))
    }
}

/// Go's `%T` of a sobek value that is not a File (for k6's "got %T instead").
fn sobek_type(v: &JsValue) -> &'static str {
    match v.variant() {
        JsVariant::Undefined => "sobek.valueUndefined",
        JsVariant::Null => "sobek.valueNull",
        JsVariant::Boolean(_) => "sobek.valueBool",
        JsVariant::Integer32(_) => "sobek.valueInt",
        JsVariant::Float64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => "sobek.valueInt",
        JsVariant::Float64(_) => "sobek.valueFloat",
        JsVariant::String(s) if s.to_std_string_escaped().is_ascii() => "sobek.asciiString",
        JsVariant::String(_) => "*sobek.unicodeString",
        JsVariant::BigInt(_) => "*sobek.valueBigInt",
        JsVariant::Symbol(_) => "*sobek.Symbol",
        JsVariant::Object(_) => "*sobek.Object",
    }
}

/// The File behind `v`. k6 converts any object to its File type, so an object that is not a
/// File fails later, on its missing reader.
fn file_arg(v: &JsValue) -> Result<Rc<FileCursor>, String> {
    if let Some(c) = file_cursor(v) {
        return Ok(c);
    }
    if v.is_object() {
        return Err("failed to create a new parser; reason: the reader cannot be nil".into());
    }
    Err(format!(
        "first argument expected to be a fs.File instance, got {} instead",
        sobek_type(v)
    ))
}

fn reject(message: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let err = go_value::wrapped(message, ctx);
    Ok(JsPromise::reject(err, ctx)?.into())
}

/// `parse(file, options)`: resolves to a SharedArray of every record.
fn parse(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let file = match file_arg(args.get_or_undefined(0)) {
        Ok(f) => f,
        Err(e) if e.starts_with("first argument") => {
            let err = go_value::plain(&e, ctx);
            return Ok(JsPromise::reject(err, ctx)?.into());
        }
        Err(e) => return reject(&e, ctx),
    };
    let options = match read_options(args.get_or_undefined(1), ctx)? {
        Ok(o) => o,
        Err(e) => {
            return reject(
                &format!("failed to interpret the provided Parser options; reason: {e}"),
                ctx,
            );
        }
    };
    if let Err(e) = validate(&options) {
        return reject(&format!("failed to create a new parser; reason: {e}"), ctx);
    }
    // Same file, same starting point, same options: the same records for every VU.
    let name = format!(
        "\0k6/experimental/csv\0{}\0{}\0{:?}",
        file.path,
        file.offset(),
        options
    );
    let shared = vu_state(ctx).borrow().shared.clone();
    let mut failure = None;
    let built = data::shared_data(&shared, &name, || {
        let fail = |message: String, failure: &mut Option<String>| {
            *failure = Some(message);
            Err(crate::js::util::error("csv.parse failed"))
        };
        let mut reader = match RecordReader::new(file.clone(), options.clone()) {
            Ok(r) => r,
            Err(e) => {
                return fail(
                    format!("failed to create a new parser; reason: {e}"),
                    &mut failure,
                );
            }
        };
        let mut records = SharedData::default();
        loop {
            match reader.read() {
                Ok(Some(r)) => records.push(&r.to_json()),
                Ok(None) => return Ok(records),
                Err(e) => {
                    return fail(format!("failed to read record; reason: {e}"), &mut failure);
                }
            }
        }
    });
    // VUs that reuse the records still consume their File, as a parse would.
    file.seek_to_end();
    match (built, failure) {
        (Ok(data), _) => {
            let array = data::proxy(data, ctx)?;
            Ok(JsPromise::resolve(array, ctx)?.into())
        }
        (Err(_), Some(message)) => reject(&message, ctx),
        (Err(e), None) => Err(e),
    }
}

/// A Parser's native part.
#[derive(Trace, Finalize, JsData)]
struct Parser(#[unsafe_ignore_trace] RefCell<RecordReader>);

/// `new Parser(file, options)` (init context only): an object with `next()`.
fn new_parser(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    if vu_state(ctx).borrow().phase != Phase::Init {
        return Err(go_error(
            "csv Parser constructor must be called in the init context",
            ctx,
        ));
    }
    let file_value = args.get_or_undefined(0);
    if file_value.is_null_or_undefined() {
        return Err(go_error(
            "csv Parser constructor takes at least one non-nil source argument",
            ctx,
        ));
    }
    let file = match file_arg(file_value) {
        Ok(f) => f,
        Err(e) => return Err(go_error(e, ctx)),
    };
    let options = match args.get(1) {
        Some(v) if args.len() == 2 && !v.is_undefined() => match read_options(v, ctx)? {
            Ok(o) => o,
            Err(e) => {
                return Err(go_error(
                    format!("encountered an error while interpreting Parser options; reason: {e}"),
                    ctx,
                ));
            }
        },
        _ => Options::default(),
    };
    let reader = RecordReader::new(file, options)
        .map_err(|e| go_error(format!("failed to create a new parser; reason: {e}"), ctx))?;
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        Parser(RefCell::new(reader)),
    );
    let next = FunctionObjectBuilder::new(
        ctx.realm(),
        NativeFunction::from_copy_closure_with_captures(next, obj.clone()),
    )
    .name(JsString::from("next"))
    .build();
    obj.create_data_property_or_throw(JsString::from("next"), next, ctx)?;
    Ok(obj.into())
}

/// `next()`: resolves to `{ done, value }`; `{ done: true, value: [] }` after the last record.
fn next(_: &JsValue, _: &[JsValue], parser: &JsObject, ctx: &mut Context) -> JsResult<JsValue> {
    let outcome = match parser.downcast_ref::<Parser>() {
        Some(p) => p.0.borrow_mut().read(),
        None => return Err(crate::js::util::type_error("not a csv Parser")),
    };
    let (done, value) = match outcome {
        Ok(Some(record)) => (false, record.to_js(ctx)),
        Ok(None) => (true, JsArray::new(ctx)?.into()),
        Err(e) => return reject(&e, ctx),
    };
    let result = ObjectInitializer::new(ctx)
        .property(JsString::from("done"), done, ALL)
        .property(JsString::from("value"), value, ALL)
        .build();
    Ok(JsPromise::resolve(result, ctx)?.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn reader(text: &str, options: Options) -> Result<RecordReader, String> {
        let cursor = Rc::new(FileCursor::new("/t.csv".into(), Arc::from(text.as_bytes())));
        RecordReader::new(cursor, options)
    }

    fn all(mut r: RecordReader) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        while let Some(rec) = r.read()? {
            out.push(rec.to_json());
        }
        Ok(out)
    }

    const DATA: &str = "name,age\r\nalice,30\n\nbob,\"multi\r\nline\"\ncarol,\"a \"\"q\"\"\"\n";

    #[test]
    fn reads_records_as_go_does() {
        let got = all(reader(DATA, Options::default()).expect("reader")).expect("records");
        assert_eq!(
            got,
            [
                r#"["name","age"]"#,
                r#"["alice","30"]"#,
                r#"["bob","multi\nline"]"#,
                r#"["carol","a \"q\""]"#
            ]
        );
    }

    #[test]
    fn line_options_count_records_from_zero() {
        let opts = |from: Option<i64>, to: Option<i64>, skip: bool| Options {
            from_line: from,
            to_line: to,
            skip_first_line: skip,
            ..Options::default()
        };
        let first = |r: RecordReader| all(r).expect("records");
        assert_eq!(
            first(reader(DATA, opts(Some(1), Some(2), false)).expect("reader")),
            [r#"["alice","30"]"#, r#"["bob","multi\nline"]"#]
        );
        assert_eq!(
            first(reader(DATA, opts(None, Some(2), true)).expect("reader")),
            [r#"["alice","30"]"#, r#"["bob","multi\nline"]"#]
        );
        assert_eq!(
            reader(DATA, opts(Some(9), None, false))
                .err()
                .expect("fails"),
            "failed to skip lines until line 9; reason: EOF"
        );
    }

    #[test]
    fn objects_sort_their_keys_in_shared_json() {
        let o = Options {
            as_objects: true,
            ..Options::default()
        };
        let got = all(reader("b,a\n1,2\n", o).expect("reader")).expect("records");
        assert_eq!(got, [r#"{"a":"2","b":"1"}"#]);
    }

    #[test]
    fn errors_read_as_k6_prints_them() {
        let err = all(reader("a,b\n1,2,3\n", Options::default()).expect("reader"))
            .expect_err("field count");
        assert_eq!(err, "record on line 2: wrong number of fields");
        let both = Options {
            as_objects: true,
            skip_first_line: true,
            ..Options::default()
        };
        assert_eq!(
            reader("a\n", both).err().expect("fails"),
            "the 'header' option cannot be enabled when 'skipFirstLine' is true"
        );
        let quote = Options {
            delimiter: b'"',
            ..Options::default()
        };
        assert_eq!(
            all(reader("a\n", quote).expect("reader")).expect_err("delimiter"),
            "csv: invalid field or comment delimiter"
        );
    }
}
