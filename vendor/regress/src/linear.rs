//! Translation of a pattern into `regex-syntax`'s HIR, for matching with a linear-time engine
//! (`regex-automata`) where JavaScript semantics allow it.
//!
//! A backtracking matcher takes exponential time on patterns such as `/^(a+)+$/`; a finite
//! automaton matches any pattern without backreferences or lookaround in time linear in the
//! text. The automaton's leftmost-first semantics are JavaScript's (alternatives and greedy or
//! lazy quantifiers are tried in the same priority order), except in two places, where this
//! translation declines (returns `None`) and the backtracker is kept:
//!
//! - a quantifier that may repeat (maximum above one) around a capture group that an iteration
//!   may skip (`(?:(a)|b)+`): JavaScript resets the groups at each iteration, so a group that
//!   did not take part in the last iteration is undefined, while the automaton reports its last
//!   match (groups that every iteration sets, as in `(a+)+`, agree);
//! - a quantifier that may repeat around a body that can match the empty string: JavaScript
//!   rejects empty iterations and backtracks into the body's other alternatives.
//!
//! Multiline anchors are declined as well (JavaScript's line terminators include `\r` alone).
//!
//! Two targets: [`latin1_hir`] matches text stored as Latin1, one byte per code point U+0000 to
//! U+00FF (code points above U+00FF never match, and classes become byte classes);
//! [`utf8_hir`] matches text transcoded to UTF-8, which is exact for UTF-16 text without
//! surrogates (each code unit is then a code point) and, in Unicode mode, for text whose
//! surrogates all form pairs (each pair is then one code point, as Unicode mode reads it). Text
//! with other surrogates has no UTF-8 form and keeps the backtracker.

use crate::ir::{AnchorType, Node};
use crate::{Error, Flags};
use regex_syntax::hir::{
    self, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, Look,
};

#[cfg(not(feature = "std"))]
use alloc::{boxed::Box, vec::Vec};

/// Parses `pattern` (code points, or UTF-16 code units for a non-Unicode pattern, as for
/// [`crate::Regex::from_unicode`]) and translates it to a HIR matching Latin1 bytes, capture
/// group `n` of the pattern being HIR capture index `n`.
///
/// Returns `Ok(None)` when the pattern needs the backtracker's semantics (see the module
/// documentation), and the parse error for an invalid pattern.
pub fn latin1_hir<I>(pattern: I, flags: Flags) -> Result<Option<Hir>, Error>
where
    I: Iterator<Item = u32> + Clone,
{
    let ire = crate::parse::try_parse(pattern, flags)?;
    Ok(translate(&ire.node, Target::Latin1))
}

/// Parses `pattern` as [`latin1_hir`] does and translates it to a HIR matching UTF-8 text: the
/// UTF-8 form of UTF-16 text without surrogates, or in Unicode mode (`flags.unicode`) without
/// unpaired ones (see the module documentation). Capture group `n` of the pattern is HIR
/// capture index `n`; matches never split a code point when the automaton keeps
/// `regex-automata`'s default `utf8_empty(true)`.
///
/// Returns `Ok(None)` when the pattern needs the backtracker's semantics.
pub fn utf8_hir<I>(pattern: I, flags: Flags) -> Result<Option<Hir>, Error>
where
    I: Iterator<Item = u32> + Clone,
{
    let ire = crate::parse::try_parse(pattern, flags)?;
    Ok(translate(&ire.node, Target::Utf8))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Latin1,
    Utf8,
}

fn translate(node: &Node, target: Target) -> Option<Hir> {
    let sub = |node: &Node| translate(node, target);
    Some(match node {
        Node::Empty | Node::Goal => Hir::empty(),
        &Node::Char { c } => match target {
            Target::Latin1 => match u8::try_from(c) {
                Ok(b) => Hir::literal([b]),
                Err(_) => Hir::fail(),
            },
            // A surrogate code unit never matches text without surrogates.
            Target::Utf8 => match char::from_u32(c) {
                Some(c) => Hir::literal(c.encode_utf8(&mut [0; 4]).as_bytes()),
                None => Hir::fail(),
            },
        },
        Node::CharSet(chars) => class(target, chars.iter().map(|&c| (c, c))),
        Node::Bracket(contents) => {
            let cps = if contents.invert {
                contents.cps.inverted()
            } else {
                contents.cps.clone()
            };
            class(target, cps.intervals().iter().map(|iv| (iv.first, iv.last)))
        }
        Node::MatchAny => class(target, [(0, 0x10FFFF)]),
        // Line terminators: \n, \r, U+2028 and U+2029.
        Node::MatchAnyExceptLineTerminator => class(
            target,
            [
                (0x00, 0x09),
                (0x0B, 0x0C),
                (0x0E, 0x2027),
                (0x202A, 0x10FFFF),
            ],
        ),
        Node::Cat(nodes) => Hir::concat(nodes.iter().map(sub).collect::<Option<Vec<_>>>()?),
        Node::Alt(left, right) => Hir::alternation(Vec::from([sub(left)?, sub(right)?])),
        Node::Anchor {
            anchor_type,
            multiline: false,
        } => Hir::look(match anchor_type {
            AnchorType::StartOfLine => Look::Start,
            AnchorType::EndOfLine => Look::End,
        }),
        // Word characters are ASCII, but for the two extra ones of Unicode case-insensitive mode
        // (U+017F, U+212A), which are not Latin1 and which no `Look` knows.
        &Node::WordBoundary {
            invert,
            unicode_icase,
        } => {
            if unicode_icase && target == Target::Utf8 {
                return None;
            }
            Hir::look(if invert {
                Look::WordAsciiNegate
            } else {
                Look::WordAscii
            })
        }
        Node::CaptureGroup { id, contents, .. } => Hir::capture(hir::Capture {
            index: u32::from(*id) + 1,
            name: None,
            sub: Box::new(sub(contents)?),
        }),
        Node::Loop {
            loopee,
            quant,
            enclosed_groups,
        } => {
            let repeats = quant.max.is_none_or(|max| max > 1);
            if repeats
                && (can_match_empty(loopee)
                    || enclosed_groups
                        .clone()
                        .any(|group| !always_sets(loopee, group)))
            {
                return None;
            }
            Hir::repetition(hir::Repetition {
                min: u32::try_from(quant.min).ok()?,
                max: match quant.max {
                    Some(max) => Some(u32::try_from(max).ok()?),
                    None => None,
                },
                greedy: quant.greedy,
                sub: Box::new(sub(loopee)?),
            })
        }
        Node::Anchor {
            multiline: true, ..
        }
        | Node::BackRef { .. }
        | Node::LookaroundAssertion { .. }
        | Node::StringSet { .. }
        | Node::ByteSequence(_)
        | Node::ByteSet(_)
        | Node::Loop1CharBody { .. } => return None,
    })
}

/// Whether every match of `node` sets capture group `group` (conservatively: false when
/// unsure).
fn always_sets(node: &Node, group: u16) -> bool {
    match node {
        Node::CaptureGroup { id, contents, .. } => *id == group || always_sets(contents, group),
        Node::Cat(nodes) => nodes.iter().any(|n| always_sets(n, group)),
        Node::Alt(left, right) => always_sets(left, group) && always_sets(right, group),
        Node::Loop { loopee, quant, .. } => quant.min > 0 && always_sets(loopee, group),
        _ => false,
    }
}

/// Whether `node` can match the empty string (conservatively: true when unsure).
fn can_match_empty(node: &Node) -> bool {
    match node {
        Node::Char { .. }
        | Node::CharSet(_)
        | Node::Bracket(_)
        | Node::MatchAny
        | Node::MatchAnyExceptLineTerminator => false,
        Node::ByteSequence(bytes) => bytes.is_empty(),
        Node::ByteSet(_) => false,
        Node::Cat(nodes) => nodes.iter().all(can_match_empty),
        Node::Alt(left, right) => can_match_empty(left) || can_match_empty(right),
        Node::CaptureGroup { contents, .. } => can_match_empty(contents),
        Node::Loop { loopee, quant, .. } | Node::Loop1CharBody { loopee, quant } => {
            quant.min == 0 || can_match_empty(loopee)
        }
        _ => true,
    }
}

/// The class of the code points in `ranges` (inclusive) that the target's text can hold: a
/// byte class of the Latin1 ones, or a Unicode class of the scalar values (surrogates left out,
/// as the text has none). An empty class never matches.
fn class(target: Target, ranges: impl IntoIterator<Item = (u32, u32)>) -> Hir {
    let ranges = ranges.into_iter();
    match target {
        Target::Latin1 => Hir::class(Class::Bytes(ClassBytes::new(ranges.filter_map(
            |(first, last)| {
                let first = u8::try_from(first).ok()?;
                Some(ClassBytesRange::new(
                    first,
                    u8::try_from(last).unwrap_or(0xFF),
                ))
            },
        )))),
        Target::Utf8 => Hir::class(Class::Unicode(ClassUnicode::new(ranges.flat_map(
            |(first, last)| {
                let below = (first < 0xD800).then(|| (first, last.min(0xD7FF)));
                let above = (last > 0xDFFF).then(|| (first.max(0xE000), last.min(0x10FFFF)));
                below.into_iter().chain(above).filter_map(|(first, last)| {
                    Some(ClassUnicodeRange::new(
                        char::from_u32(first)?,
                        char::from_u32(last)?,
                    ))
                })
            },
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hir(pattern: &str, flags: &str) -> Option<Hir> {
        latin1_hir(pattern.chars().map(u32::from), Flags::from(flags)).unwrap()
    }

    #[test]
    fn declines_what_needs_the_backtracker() {
        for (p, f) in [
            (r"(a)\1", ""),
            (r"a(?=b)", ""),
            (r"(?<=a)b", ""),
            (r"^a", "m"),
            (r"(?:(a)|b)+", ""),
            (r"(?:(a)?b)+", ""),
            (r"(?:a|)*b", ""),
            (r"(?:a*)+", ""),
        ] {
            assert!(hir(p, f).is_none(), "/{p}/{f}");
        }
    }

    #[test]
    fn translates_the_rest() {
        for (p, f) in [
            (r"^(a+)+$", ""),
            (r"(a|b)+", ""),
            (r"(\w+\s?)+", ""),
            (r"\d+", ""),
            (r"\r?\n", ""),
            (r"(\w+)@(\w+)\.com", "i"),
            (r"(a)?b", ""),
            (r"[^,]*,\b", ""),
            (r"\u20ac|x", ""),
            (r"(?:ab)+?", "s"),
        ] {
            assert!(hir(p, f).is_some(), "/{p}/{f}");
        }
    }
}
