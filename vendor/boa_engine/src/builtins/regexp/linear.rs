//! Linear-time matching of regular expressions on Latin1 strings.
//!
//! The backtracking matcher (regress) takes exponential time on patterns such as
//! `/^(a+)+$/.test("aaaa…ab")`. Where JavaScript semantics allow it (no backreferences, no
//! lookaround, see `regress::linear`), a pattern is also compiled for `regex-automata`, whose
//! automata match in time linear in the text, and strings stored as Latin1 (every string of
//! characters up to U+00FF, such as ASCII data) are matched with it. Other strings, and the
//! patterns the translation declines, keep the backtracker, which watches the interrupt flag.
//!
//! Compiling an automaton costs more than running a small regexp once, and a regexp literal in a
//! loop is a new object each time: compiled automata are cached per thread by source and flags.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, meta};

use crate::JsString;
use crate::string::CodePoint;

/// A pattern compiled for the linear-time engine.
#[derive(Debug)]
pub(super) struct LinearMatcher {
    regex: meta::Regex,
    captures: RefCell<Captures>,
}

/// How many compiled patterns a thread keeps (the cache is emptied when it is full).
const CACHE_ENTRIES: usize = 128;

/// Cache capacity of each automaton's lazy DFA (regex-automata's default is 2 MiB, per pattern
/// and thread).
const LAZY_DFA_CACHE: usize = 256 * 1024;

type Cache = HashMap<(JsString, JsString), Option<Rc<LinearMatcher>>>;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(HashMap::new());
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
        Some(Self { regex, captures })
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
