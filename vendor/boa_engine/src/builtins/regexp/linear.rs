//! Linear-time matching of regular expressions.
//!
//! The backtracking matcher (regress) takes exponential time on patterns such as
//! `/^(a+)+$/.test("aaaa…ab")`. Where JavaScript semantics allow it (no backreferences, no
//! lookaround, see `regress::linear`), a pattern is also compiled for `regex-automata`, whose
//! automata match in time linear in the text:
//!
//! - strings stored as Latin1 (every string of characters up to U+00FF, such as ASCII data) are
//!   matched as they are, one byte per character;
//! - strings stored as UTF-16 are transcoded to UTF-8 with the UTF-8 offset of each code unit,
//!   when that is exact: no surrogates at all, or in Unicode mode (`u`, `v`) only paired ones
//!   (see `regress::linear::utf8_hir`). A `/g` loop, `split` or `replace` searches one string
//!   many times: the last transcoding is kept per thread, so each string is transcoded once.
//!
//! Other strings, and the patterns the translation declines, keep the backtracker, which
//! watches the interrupt flag.
//!
//! Compiling an automaton costs more than running a small regexp once, and a regexp literal in a
//! loop is a new object each time: compiled automata are cached per thread by source and flags.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, meta};

use crate::JsString;
use crate::string::{CodePoint, JsStrVariant};

/// A pattern compiled for the linear-time engine.
#[derive(Debug)]
pub(super) struct LinearMatcher {
    regex: meta::Regex,
    captures: RefCell<Captures>,
    /// The automaton for UTF-16 strings transcoded to UTF-8, made on first use (`None` inside
    /// when the translation declines).
    utf8: OnceCell<Option<(meta::Regex, RefCell<Captures>)>>,
    source: JsString,
    flags: regress::Flags,
}

/// A UTF-16 string's UTF-8 form: `offsets[i]` is the UTF-8 offset of code unit `i` (the second
/// unit of a surrogate pair shares its pair's), and `offsets[len]` the UTF-8 length.
#[derive(Debug)]
struct Transcoded {
    /// The string transcoded (kept alive, so that its address identifies it).
    string: JsString,
    unicode: bool,
    /// `None` when the string has surrogates the UTF-8 form cannot keep.
    utf8: Option<(Vec<u8>, Vec<u32>)>,
}

/// How many compiled patterns a thread keeps (the cache is emptied when it is full).
const CACHE_ENTRIES: usize = 128;

/// Cache capacity of each automaton's lazy DFA (regex-automata's default is 2 MiB, per pattern
/// and thread).
const LAZY_DFA_CACHE: usize = 256 * 1024;

type Cache = HashMap<(JsString, JsString), Option<Rc<LinearMatcher>>>;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(HashMap::new());
    static TRANSCODED: RefCell<Option<Rc<Transcoded>>> = const { RefCell::new(None) };
}

impl Transcoded {
    /// The UTF-8 form of `string` (UTF-16 `units`), from the thread's last transcoding when it
    /// was of the same string in the same mode.
    fn of(string: &JsString, units: &[u16], unicode: bool) -> Rc<Self> {
        let same = |t: &Transcoded| {
            t.unicode == unicode
                && matches!(t.string.as_str().variant(),
                    JsStrVariant::Utf16(u) if std::ptr::eq(u, units))
        };
        if let Some(found) = TRANSCODED.with_borrow(|t| t.clone().filter(|t| same(t))) {
            return found;
        }
        let transcoded = Rc::new(Self {
            string: string.clone(),
            unicode,
            utf8: Self::transcode(units, unicode),
        });
        TRANSCODED.set(Some(transcoded.clone()));
        transcoded
    }

    fn transcode(units: &[u16], unicode: bool) -> Option<(Vec<u8>, Vec<u32>)> {
        // Offsets are u32: at most three UTF-8 bytes per code unit must fit.
        if units.len() > (u32::MAX / 3) as usize {
            return None;
        }
        let mut utf8 = Vec::with_capacity(units.len() + units.len() / 2);
        let mut offsets = Vec::with_capacity(units.len() + 1);
        let mut buf = [0; 4];
        for c in char::decode_utf16(units.iter().copied()) {
            // An unpaired surrogate has no UTF-8 form; outside Unicode mode a pair is two
            // characters, which its UTF-8 form would make one.
            let c = c.ok().filter(|c| unicode || c.len_utf16() == 1)?;
            let at = utf8.len() as u32;
            offsets.push(at);
            if c.len_utf16() == 2 {
                offsets.push(at);
            }
            utf8.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        offsets.push(utf8.len() as u32);
        Some((utf8, offsets))
    }
}

impl LinearMatcher {
    /// The linear matcher of the pattern `source` with `flags` (its JavaScript flags string and
    /// the parsed ones), or `None` when its semantics need the backtracker.
    pub(super) fn get(
        source: &JsString,
        flags: &JsString,
        regress_flags: regress::Flags,
    ) -> Option<Rc<Self>> {
        let key = (source.clone(), flags.clone());
        if let Some(found) = CACHE.with_borrow(|c| c.get(&key).cloned()) {
            return found;
        }
        let compiled = Self::compile(source, regress_flags).map(Rc::new);
        CACHE.with_borrow_mut(|c| {
            if c.len() >= CACHE_ENTRIES {
                c.clear();
            }
            c.insert(key, compiled.clone());
        });
        compiled
    }

    fn compile(source: &JsString, flags: regress::Flags) -> Option<Self> {
        // The pattern as `RegExp::compile_native_regexp` gives it to regress: code points in
        // Unicode mode, UTF-16 code units otherwise.
        let hir = if flags.unicode || flags.unicode_sets {
            regress::linear::latin1_hir(source.code_points().map(CodePoint::as_u32), flags)
        } else {
            regress::linear::latin1_hir(source.iter().map(u32::from), flags)
        }
        .ok()??;
        let regex = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .utf8_empty(false)
                    .hybrid_cache_capacity(LAZY_DFA_CACHE),
            )
            .build_from_hir(&hir)
            .ok()?;
        let captures = RefCell::new(regex.create_captures());
        Some(Self {
            regex,
            captures,
            utf8: OnceCell::new(),
            source: source.clone(),
            flags,
        })
    }

    fn utf8(&self) -> Option<&(meta::Regex, RefCell<Captures>)> {
        self.utf8
            .get_or_init(|| {
                let hir = if self.flags.unicode || self.flags.unicode_sets {
                    regress::linear::utf8_hir(
                        self.source.code_points().map(CodePoint::as_u32),
                        self.flags,
                    )
                } else {
                    regress::linear::utf8_hir(self.source.iter().map(u32::from), self.flags)
                }
                .ok()??;
                // `utf8_empty` stays on: an empty match must not split a character.
                let regex = meta::Builder::new()
                    .configure(meta::Config::new().hybrid_cache_capacity(LAZY_DFA_CACHE))
                    .build_from_hir(&hir)
                    .ok()?;
                let captures = RefCell::new(regex.create_captures());
                Some((regex, captures))
            })
            .as_ref()
    }

    /// As [`Self::find`], on `string` stored as the UTF-16 code units `units`, read in Unicode
    /// mode when `unicode`; `Err(())` when this string or start needs the backtracker.
    pub(super) fn find_utf16(
        &self,
        pattern: &regress::Regex,
        string: &JsString,
        units: &[u16],
        start: usize,
        sticky: bool,
        unicode: bool,
    ) -> Result<Option<regress::Match>, ()> {
        let (regex, captures) = self.utf8().ok_or(())?;
        let transcoded = Transcoded::of(string, units, unicode);
        let (utf8, offsets) = transcoded.utf8.as_ref().ok_or(())?;
        // A start inside a surrogate pair (a lastIndex set by the script) is left to the
        // backtracker, as is a start past the end.
        let &at = offsets.get(start).ok_or(())?;
        if start > 0 && offsets[start - 1] == at {
            return Err(());
        }
        let mut input = Input::new(utf8).range(at as usize..);
        if sticky {
            input = input.anchored(Anchored::Yes);
        }
        let mut caps = captures.borrow_mut();
        regex.search_captures(&input, &mut caps);
        let unit = |byte: usize| offsets.partition_point(|&o| (o as usize) < byte);
        let span = |s: regex_automata::Span| unit(s.start)..unit(s.end);
        let Some(whole) = caps.get_match() else {
            return Ok(None);
        };
        let groups = (1..caps.group_len())
            .map(|i| caps.get_group(i).map(span))
            .collect();
        Ok(Some(pattern.match_from_ranges(span(whole.span()), groups)))
    }

    /// The leftmost-first match in the Latin1 `text` starting at `start` (at `start` only when
    /// `sticky`), as a regress match of `pattern` (which this matcher was compiled from).
    pub(super) fn find(
        &self,
        pattern: &regress::Regex,
        text: &[u8],
        start: usize,
        sticky: bool,
    ) -> Option<regress::Match> {
        let mut input = Input::new(text).range(start..);
        if sticky {
            input = input.anchored(Anchored::Yes);
        }
        let mut caps = self.captures.borrow_mut();
        self.regex.search_captures(&input, &mut caps);
        let whole = caps.get_match()?.range();
        let groups = (1..caps.group_len())
            .map(|i| caps.get_group(i).map(|s| s.range()))
            .collect();
        Some(pattern.match_from_ranges(whole, groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(source: &str, flags: &str) -> (regress::Regex, Rc<LinearMatcher>) {
        let regress_flags = regress::Flags::from(flags);
        let pattern = regress::Regex::with_flags(source, regress_flags).expect("valid pattern");
        let linear = LinearMatcher::get(&source.into(), &flags.into(), regress_flags)
            .expect("a pattern the linear engine takes");
        (pattern, linear)
    }

    fn spans(m: &regress::Match) -> Vec<Option<std::ops::Range<usize>>> {
        std::iter::once(Some(m.range()))
            .chain(m.captures.iter().cloned())
            .collect()
    }

    #[test]
    fn utf16_strings_match_as_with_the_backtracker() {
        for (source, flags) in [
            (r"(\d+)(€)?", ""),
            (r"(a+)+b", ""),
            (r"\w+\b", ""),
            (r".", ""),
            (r".", "u"),
            (r"x*", ""),
            (r"[^,]+", "u"),
        ] {
            let (pattern, linear) = matcher(source, flags);
            let unicode = flags.contains('u');
            for text in ["€12,aab,€", "aaaa€b", "\u{1F600}1\u{1F600}", "€"] {
                let string = JsString::from(text);
                let JsStrVariant::Utf16(units) = string.as_str().variant() else {
                    panic!("{text:?} is stored as UTF-16");
                };
                let has_pair = units.iter().any(|u| (0xD800..0xE000).contains(u));
                for start in 0..=units.len() {
                    let found = linear.find_utf16(&pattern, &string, units, start, false, unicode);
                    let expected = if unicode {
                        pattern.find_from_utf16(units, start).next()
                    } else {
                        pattern.find_from_ucs2(units, start).next()
                    };
                    let inside_pair = start > 0
                        && (0xD800..0xDC00).contains(&units[start - 1])
                        && units
                            .get(start)
                            .is_some_and(|u| (0xDC00..0xE000).contains(u));
                    if (has_pair && !unicode) || (unicode && inside_pair) {
                        assert!(found.is_err(), "/{source}/{flags} on {text:?} from {start}");
                        continue;
                    }
                    let found = found.expect("the linear engine takes this text");
                    assert_eq!(
                        found.as_ref().map(spans),
                        expected.as_ref().map(spans),
                        "/{source}/{flags} on {text:?} from {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn unpaired_surrogates_are_left_to_the_backtracker() {
        let (pattern, linear) = matcher("a", "u");
        let units = [0xD800, u16::from(b'a')];
        let string = JsString::from(&units[..]);
        assert!(
            linear
                .find_utf16(&pattern, &string, &units, 0, false, true)
                .is_err()
        );
    }

    #[test]
    fn a_catastrophic_pattern_is_linear_on_utf16_strings() {
        let (pattern, linear) = matcher("^(a+)+$", "");
        let text = format!("€{}b", "a".repeat(100_000));
        let string = JsString::from(text.as_str());
        let JsStrVariant::Utf16(units) = string.as_str().variant() else {
            panic!("stored as UTF-16");
        };
        // The backtracker would take 2^100000 steps.
        assert_eq!(
            linear
                .find_utf16(&pattern, &string, units, 0, false, false)
                .map(|m| m.is_some()),
            Ok(false)
        );
    }
}
