//! Substring search over [`JsStr`]s of either encoding.
//!
//! `StringIndexOf` used to walk `windows(n).skip(from)`, which steps through every window before
//! `from` and compares mixed encodings unit by unit: a loop of `indexOf(x, i + 1)` over a string
//! was quadratic. These functions slice at `from` first and search with `memchr::memmem`
//! (linear, vectorised), on the Latin1 bytes or on the UTF-16 units viewed as bytes.

use crate::{JsStr, JsStrVariant};
use memchr::memmem;

/// The needle in the haystack's encoding, or `None` when it cannot occur in a Latin1 haystack
/// (it has a code unit above 0xFF).
enum Needle<'a> {
    Latin1(std::borrow::Cow<'a, [u8]>),
    Utf16(std::borrow::Cow<'a, [u16]>),
}

fn needle_for<'a>(haystack: JsStr<'_>, needle: JsStr<'a>) -> Option<Needle<'a>> {
    use std::borrow::Cow;
    Some(match (haystack.variant(), needle.variant()) {
        (JsStrVariant::Latin1(_), JsStrVariant::Latin1(n)) => Needle::Latin1(Cow::Borrowed(n)),
        (JsStrVariant::Latin1(_), JsStrVariant::Utf16(n)) => Needle::Latin1(Cow::Owned(
            n.iter()
                .map(|&u| u8::try_from(u).ok())
                .collect::<Option<Vec<u8>>>()?,
        )),
        (JsStrVariant::Utf16(_), JsStrVariant::Latin1(n)) => {
            Needle::Utf16(Cow::Owned(n.iter().copied().map(u16::from).collect()))
        }
        (JsStrVariant::Utf16(_), JsStrVariant::Utf16(n)) => Needle::Utf16(Cow::Borrowed(n)),
    })
}

/// The code units of a UTF-16 slice as bytes in memory order (the same order for haystack and
/// needle, so byte matches at even offsets are code-unit matches).
fn as_bytes(units: &[u16]) -> &[u8] {
    // SAFETY: u8 has no alignment requirement and every byte of a u16 slice is initialised;
    // the byte slice covers exactly the same memory and borrows it for the same lifetime.
    unsafe { std::slice::from_raw_parts(units.as_ptr().cast::<u8>(), size_of_val(units)) }
}

/// First code-unit index of `needle` in `haystack`; `needle` must not be empty.
fn find(haystack: JsStr<'_>, needle: JsStr<'_>) -> Option<usize> {
    match (haystack.variant(), needle_for(haystack, needle)?) {
        (JsStrVariant::Latin1(h), Needle::Latin1(n)) => memmem::find(h, &n),
        (JsStrVariant::Utf16(h), Needle::Utf16(n)) => {
            let finder = memmem::Finder::new(as_bytes(&n));
            let bytes = as_bytes(h);
            let mut from = 0;
            // A byte match at an odd offset straddles two code units: look again one byte on.
            while let Some(i) = finder.find(&bytes[from..]) {
                let at = from + i;
                if at % 2 == 0 {
                    return Some(at / 2);
                }
                from = at + 1;
            }
            None
        }
        _ => None,
    }
}

/// Last code-unit index of `needle` in `haystack`; `needle` must not be empty.
fn rfind(haystack: JsStr<'_>, needle: JsStr<'_>) -> Option<usize> {
    match (haystack.variant(), needle_for(haystack, needle)?) {
        (JsStrVariant::Latin1(h), Needle::Latin1(n)) => memmem::rfind(h, &n),
        (JsStrVariant::Utf16(h), Needle::Utf16(n)) => {
            let finder = memmem::FinderRev::new(as_bytes(&n));
            let bytes = as_bytes(h);
            let mut to = bytes.len();
            while let Some(at) = finder.rfind(&bytes[..to]) {
                if at % 2 == 0 {
                    return Some(at / 2);
                }
                // The match ends one byte into a code unit; no match can start at `at`.
                to = at + n.len() * 2 - 1;
            }
            None
        }
        _ => None,
    }
}

impl JsStr<'_> {
    /// Abstract operation `StringIndexOf ( string, searchValue, fromIndex )`
    ///
    /// Note: Instead of returning an isize with `-1` as the "not found" value, we make use of the
    /// type system and return <code>[Option]\<usize\></code> with [`None`] as the "not found" value.
    ///
    /// More information:
    ///  - [ECMAScript reference][spec]
    ///
    /// [spec]: https://tc39.es/ecma262/#sec-stringindexof
    #[inline]
    #[must_use]
    pub fn index_of(&self, search_value: JsStr<'_>, from_index: usize) -> Option<usize> {
        // 5. If searchValue is the empty String and fromIndex ≤ len, return fromIndex.
        if search_value.is_empty() {
            return (from_index <= self.len()).then_some(from_index);
        }
        // 7. For each integer i such that fromIndex ≤ i ≤ len - searchLen, in ascending
        //    order: if the substring from i is searchValue, return i. 8. Return -1.
        let rest = self.get(from_index..)?;
        find(rest, search_value).map(|i| i + from_index)
    }

    /// The last index `i ≤ from_index` at which `search_value` occurs (the search loop of
    /// `String.prototype.lastIndexOf`), or [`None`].
    #[inline]
    #[must_use]
    pub fn last_index_of(&self, search_value: JsStr<'_>, from_index: usize) -> Option<usize> {
        let end = from_index.checked_add(search_value.len())?.min(self.len());
        if search_value.len() > end {
            return None;
        }
        if search_value.is_empty() {
            return Some(end);
        }
        let head = self.get(..end)?;
        rfind(head, search_value)
    }
}

#[cfg(test)]
mod tests {
    use crate::JsStr;

    fn utf16(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    /// Every encoding pair gives the naive search's answer, from every start index.
    #[test]
    fn index_of_agrees_with_a_naive_search() {
        let hay = "ab\u{e9}ab\u{e9}aab\u{e9}";
        let needles = ["ab", "b\u{e9}", "\u{e9}a", "aab\u{e9}", "x", "\u{e9}"];
        let hay16 = utf16(hay);
        let hay1: Vec<u8> = hay16.iter().map(|&u| u as u8).collect();
        for n in needles {
            let n16 = utf16(n);
            let n1: Vec<u8> = n16.iter().map(|&u| u as u8).collect();
            for from in 0..=hay16.len() + 1 {
                let naive = (from..=hay16.len().saturating_sub(n16.len()))
                    .find(|&i| i + n16.len() <= hay16.len() && hay16[i..i + n16.len()] == n16[..]);
                for h in [JsStr::latin1(&hay1), JsStr::utf16(&hay16)] {
                    for nd in [JsStr::latin1(&n1), JsStr::utf16(&n16)] {
                        assert_eq!(h.index_of(nd, from), naive, "{n:?} from {from}");
                    }
                }
            }
        }
    }

    /// A UTF-16 needle whose bytes occur at an odd byte offset (straddling two code units)
    /// is not a match there.
    #[test]
    fn utf16_search_ignores_matches_across_code_units() {
        // Units 0x4142, 0x4344: bytes (LE) 42 41 44 43. Needle 0x4441 has bytes 41 44, which
        // occur at byte offset 1.
        let hay = [0x4142u16, 0x4344, 0x4441];
        assert_eq!(
            JsStr::utf16(&hay).index_of(JsStr::utf16(&[0x4441]), 0),
            Some(2)
        );
        assert_eq!(
            JsStr::utf16(&hay[..2]).index_of(JsStr::utf16(&[0x4441]), 0),
            None
        );
        assert_eq!(
            JsStr::utf16(&hay).last_index_of(JsStr::utf16(&[0x4441]), 3),
            Some(2)
        );
        assert_eq!(
            JsStr::utf16(&hay[..2]).last_index_of(JsStr::utf16(&[0x4441]), 3),
            None
        );
    }

    #[test]
    fn a_wide_needle_is_not_in_a_latin1_haystack() {
        let n = utf16("a\u{20ac}");
        assert_eq!(JsStr::latin1(b"aaaa").index_of(JsStr::utf16(&n), 0), None);
        assert_eq!(
            JsStr::latin1(b"aaaa").last_index_of(JsStr::utf16(&n), 4),
            None
        );
    }

    #[test]
    fn index_of_empty_needle_and_out_of_range_start() {
        let h = JsStr::latin1(b"abc");
        assert_eq!(h.index_of(JsStr::latin1(b""), 3), Some(3));
        assert_eq!(h.index_of(JsStr::latin1(b""), 4), None);
        assert_eq!(h.index_of(JsStr::latin1(b"c"), 4), None);
    }

    /// `lastIndexOf` semantics: the match may start at `from_index` at most.
    #[test]
    fn last_index_of_agrees_with_a_naive_search() {
        let hay16 = utf16("abcabcab\u{e9}ab");
        let hay1: Vec<u8> = hay16.iter().map(|&u| u as u8).collect();
        for n in ["ab", "abc", "\u{e9}a", "b", "", "zz", "abcabcab\u{e9}abX"] {
            let n16 = utf16(n);
            let n1: Vec<u8> = n16.iter().map(|&u| u as u8).collect();
            for from in 0..=hay16.len() + 2 {
                let naive = hay16.len().checked_sub(n16.len()).and_then(|end| {
                    (0..=from.min(end))
                        .rev()
                        .find(|&i| hay16[i..i + n16.len()] == n16[..])
                });
                for h in [JsStr::latin1(&hay1), JsStr::utf16(&hay16)] {
                    for nd in [JsStr::latin1(&n1), JsStr::utf16(&n16)] {
                        assert_eq!(h.last_index_of(nd, from), naive, "{n:?} from {from}");
                    }
                }
            }
        }
    }
}
