//! Native loops for `RegExp.prototype[@@split]`, `[@@match]` and `[@@replace]` with the global
//! flag, when the regular expression and `RegExp.prototype` are unmodified.
//!
//! The specification's algorithms call `exec` through property lookups for every match (and
//! `@@split` once per position of the string, with a sticky copy of the pattern), building a
//! match array each time: several microseconds per call, so splitting a few megabytes took
//! seconds. When nothing of this is observable, because `exec`, the flag getters and the species
//! constructor are the built-ins and the object has no own property but `lastIndex`, the
//! matches are found with the matcher directly and only the results are built. Other engines
//! (V8, and Sobek in k6) take the same shortcut under the same condition.

use super::{RegExp, advance_string_index};
use crate::{
    Context, JsObject, JsResult, JsString, JsValue,
    builtins::array::Array,
    js_string,
    native_function::{NativeFunctionPointer, is_native_function},
    property::PropertyKey,
    symbol::JsSymbol,
};
use boa_parser::lexer::regex::RegExpFlags;

/// The data properties (`false`) and accessors (`true`) of `RegExp.prototype` that the
/// algorithms read, with their built-in functions.
const PROTOTYPE_BUILTINS: [(&str, bool, NativeFunctionPointer); 10] = [
    ("exec", false, RegExp::exec),
    ("flags", true, RegExp::get_flags),
    ("global", true, RegExp::get_global),
    ("ignoreCase", true, RegExp::get_ignore_case),
    ("multiline", true, RegExp::get_multiline),
    ("dotAll", true, RegExp::get_dot_all),
    ("unicode", true, RegExp::get_unicode),
    ("unicodeSets", true, RegExp::get_unicode_sets),
    ("sticky", true, RegExp::get_sticky),
    ("hasIndices", true, RegExp::get_has_indices),
];

/// Whether `object`'s own property `key` is the data property (or accessor) made of `f`.
fn is_builtin_property(
    object: &JsObject,
    key: PropertyKey,
    accessor: bool,
    f: NativeFunctionPointer,
) -> bool {
    let Some(desc) = object.borrow().properties().get(&key) else {
        return false;
    };
    let function = if accessor { desc.get() } else { desc.value() };
    function
        .and_then(JsValue::as_object)
        .is_some_and(|o| is_native_function(&o, f))
}

impl RegExp {
    /// The matcher of `rx` when `rx` is a `RegExp` object that matches with the built-in
    /// algorithms unobservably: its prototype is `%RegExp.prototype%`, whose `exec` and flag
    /// getters are the built-ins, and its only own property is `lastIndex`. With `species`, the
    /// species constructor must be `%RegExp%` too (for `@@split`).
    pub(super) fn unmodified(rx: &JsObject, species: bool, context: &Context) -> Option<Self> {
        let data = rx.downcast_ref::<Self>()?.clone();
        let constructor = context.intrinsics().constructors().regexp();
        let prototype = constructor.prototype();
        if !rx
            .prototype()
            .is_some_and(|p| JsObject::equals(&p, &prototype))
        {
            return None;
        }
        let own = rx.borrow().properties().shape.keys();
        if own.len() != 1 || own[0] != PropertyKey::from(js_string!("lastIndex")) {
            return None;
        }
        for (key, accessor, f) in PROTOTYPE_BUILTINS {
            if !is_builtin_property(&prototype, js_string!(key).into(), accessor, f) {
                return None;
            }
        }
        if species {
            let regexp = constructor.constructor();
            let own_constructor = prototype
                .borrow()
                .properties()
                .get(&js_string!("constructor").into())
                .and_then(|d| d.value().cloned());
            if !own_constructor
                .and_then(|c| c.as_object())
                .is_some_and(|c| JsObject::equals(&c, &regexp))
                || !is_builtin_property(
                    &regexp,
                    JsSymbol::species().into(),
                    true,
                    RegExp::get_species,
                )
            {
                return None;
            }
        }
        Some(data)
    }

    fn full_unicode(&self) -> bool {
        self.flags.contains(RegExpFlags::UNICODE) || self.flags.contains(RegExpFlags::UNICODE_SETS)
    }

    /// Every match the global `exec` loop of `@@match` and `@@replace` finds from `lastIndex`
    /// 0: after an empty match, the search goes on one character further.
    pub(super) fn global_matches(
        &self,
        s: &JsString,
        context: &Context,
    ) -> JsResult<Vec<regress::Match>> {
        let full_unicode = self.full_unicode();
        let sticky = self.flags.contains(RegExpFlags::STICKY);
        let mut matches = Vec::new();
        let mut last_index = 0;
        while last_index <= s.len() {
            let Some(m) = self.find_at(s, last_index, sticky, full_unicode, context)? else {
                break;
            };
            last_index = if m.range.is_empty() {
                advance_string_index(s, m.end() as u64, full_unicode) as usize
            } else {
                m.end()
            };
            matches.push(m);
        }
        Ok(matches)
    }

    /// `@@split` of `s`: the specification's loop tries a sticky match at every position `q`,
    /// which is the first match at or after `q` when it starts there.
    pub(super) fn split_builtin(
        &self,
        s: &JsString,
        lim: u32,
        unicode_matching: bool,
        context: &mut Context,
    ) -> JsResult<JsValue> {
        let full_unicode = self.full_unicode();
        let size = s.len();
        let lim = lim as usize;
        let mut parts: Vec<JsValue> = Vec::new();
        let done = |parts: Vec<JsValue>, context: &mut Context| {
            Ok(Array::create_array_from_list(parts, context).into())
        };
        if lim == 0 {
            return done(parts, context);
        }
        if size == 0 {
            if self.find_at(s, 0, true, full_unicode, context)?.is_none() {
                parts.push(s.clone().into());
            }
            return done(parts, context);
        }
        let (mut p, mut q) = (0, 0);
        while q < size {
            let Some(m) = self.find_at(s, q, false, full_unicode, context)? else {
                break;
            };
            let start = m.start();
            if start >= size {
                break;
            }
            let e = m.end().min(size);
            if e == p {
                q = advance_string_index(s, start as u64, unicode_matching) as usize;
                continue;
            }
            parts.push(s.slice(p, start).into());
            if parts.len() == lim {
                return done(parts, context);
            }
            p = e;
            for capture in &m.captures {
                parts.push(
                    capture
                        .as_ref()
                        .map_or_else(JsValue::undefined, |r| s.slice(r.start, r.end).into()),
                );
                if parts.len() == lim {
                    return done(parts, context);
                }
            }
            q = p;
        }
        parts.push(s.slice(p, size).into());
        done(parts, context)
    }
}
