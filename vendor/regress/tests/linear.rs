//! The linear-time translation (`regress::linear`) finds the same matches and captures as the
//! backtracker wherever it accepts a pattern: every pattern of a corpus, on generated texts,
//! from every start position.
#![cfg(all(feature = "utf16", feature = "linear"))]

use regex_automata::meta::Regex as Automaton;
use regex_automata::{Input, util::captures::Captures};
use regress::{Flags, Regex};

type Found = Option<Vec<Option<(usize, usize)>>>;

fn backtracker(re: &Regex, text: &[u8], start: usize) -> Found {
    let m = re.find_from_latin1(text, start).next()?;
    let mut v = vec![Some((m.start(), m.end()))];
    v.extend(
        m.captures
            .iter()
            .map(|c| c.as_ref().map(|r| (r.start, r.end))),
    );
    Some(v)
}

fn automaton(re: &Automaton, caps: &mut Captures, text: &[u8], start: usize) -> Found {
    re.search_captures(&Input::new(text).range(start..), caps);
    caps.get_match()?;
    Some(
        (0..caps.group_len())
            .map(|i| caps.get_group(i).map(|s| (s.start, s.end)))
            .collect(),
    )
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn the_translation_agrees_with_the_backtracker() {
    let patterns = [
        (r"\d+", ""),
        (r"\r?\n", ""),
        (r"a|ab|abc", ""),
        (r"(a|ab)(c|bcd)(d*)", ""),
        (r"(a+)+$", ""),
        (r"^(a+)+$", ""),
        (r"(a+?)(b*?)c", ""),
        (r"[^,\n]*", ""),
        (r"(\w+),(\w*)", ""),
        (r"\bab\w*\b", ""),
        (r"\Ba", ""),
        (r"x*", ""),
        (r"(?:ab)*c", ""),
        (r"(a|b)+", ""),
        (r"(a|bc)+?c", ""),
        (r"[a-c]{2,3}", ""),
        (r"a{0,2}?b", ""),
        (r"(a)?b", ""),
        (r"(?:(a)b|a(c))", ""),
        (r"AB", "i"),
        (r"[\xe0-\xe9]+", "i"),
        (r"\xc9", "i"),
        (r".+", ""),
        (r".+", "s"),
        (r"\s+", ""),
        (r"\S+\s", ""),
        (r"[^]", ""),
        (r"\u0100|a", ""),
        (r"$", ""),
        (r"^", ""),
        (r"(?<n>a)(?<m>b)?", ""),
        (r"\p{L}+", "u"),
        (r"[\W\d]", ""),
    ];
    let alphabet = b"aabbc,\n\r d1_A\xe9\xc9x";
    let mut rng = Lcg(7);
    let mut texts: Vec<Vec<u8>> = vec![Vec::new(), b"aaaaaaaaaaaaaaaaaaaab".to_vec()];
    for len in [1, 2, 5, 9, 17, 40] {
        for _ in 0..12 {
            texts.push(
                (0..len)
                    .map(|_| alphabet[rng.next() as usize % alphabet.len()])
                    .collect(),
            );
        }
    }
    let mut translated = 0;
    for (p, f) in patterns {
        let flags = Flags::from(f);
        let Some(hir) = regress::linear::latin1_hir(p.chars().map(u32::from), flags).unwrap()
        else {
            continue;
        };
        translated += 1;
        let re = Regex::with_flags(p, flags).unwrap();
        let auto = Automaton::builder()
            .configure(Automaton::config().utf8_empty(false))
            .build_from_hir(&hir)
            .unwrap();
        let mut caps = auto.create_captures();
        for text in &texts {
            for start in 0..=text.len() {
                assert_eq!(
                    automaton(&auto, &mut caps, text, start),
                    backtracker(&re, text, start),
                    "/{p}/{f} on {text:?} from {start}"
                );
            }
        }
    }
    assert!(translated >= 28, "{translated} patterns translated");
}

/// UTF-16 text as the UTF-8 automaton sees it, with the UTF-8 offset of each code unit (the
/// second unit of a pair shares its pair's offset) and of the end.
fn transcode(text: &[u16]) -> (String, Vec<usize>) {
    let mut utf8 = String::new();
    let mut offsets = Vec::new();
    for c in char::decode_utf16(text.iter().copied()) {
        let c = c.expect("test texts have no unpaired surrogates");
        offsets.extend(std::iter::repeat_n(utf8.len(), c.len_utf16()));
        utf8.push(c);
    }
    offsets.push(utf8.len());
    (utf8, offsets)
}

fn to_unit(offsets: &[usize], byte: usize) -> usize {
    offsets.partition_point(|&o| o < byte)
}

#[test]
fn the_utf8_translation_agrees_with_the_backtracker_on_utf16_text() {
    let patterns = [
        (r"\d+", ""),
        (r"€+", ""),
        (r"(a|€b)+", ""),
        (r"^(€+)+$", ""),
        (r"[^,\n]*", ""),
        (r"(\w+),(\W*)", ""),
        (r"\b\w+\b", ""),
        (r"\B", ""),
        (r"x*", ""),
        (r".", ""),
        (r".+", "s"),
        (r"[^]", ""),
        (r"\s+", ""),
        (r"[\u0100-\u20ff]+", ""),
        (r"[^a-z€]+", ""),
        (r"Σ+", "i"),
        (r"[é-ÿ]+", "i"),
        (r"\u{1F600}|.", "u"),
        (r"[\u{1F600}-\u{1F64F}]+", "u"),
        (r"[^a]", "u"),
        (r".", "u"),
        (r"(a|ab)(c|bcd)(d*)", ""),
        (r"(?<n>€)(?<m>b)?", ""),
        (r"\p{L}+", "u"),
        (r"\u2028|\u2029|\r", ""),
        (r".+", ""),
    ];
    // Code units without surrogates, and one surrogate pair (for the Unicode patterns).
    let alphabet: Vec<u16> = "aabbc,\n\r d1_AéÉx€Σσς\u{2028}\u{3000}\u{ff}\u{17f}"
        .encode_utf16()
        .collect();
    let pair: Vec<u16> = "\u{1F600}".encode_utf16().collect();
    let mut rng = Lcg(11);
    let mut texts: Vec<Vec<u16>> =
        vec![Vec::new(), "€€€€€€€€€€€€€€€€€€€€b".encode_utf16().collect()];
    for len in [1, 2, 5, 9, 17, 40] {
        for _ in 0..12 {
            let mut text = Vec::new();
            while text.len() < len {
                match rng.next() as usize % (alphabet.len() + 1) {
                    i if i == alphabet.len() => text.extend(&pair),
                    i => text.push(alphabet[i]),
                }
            }
            texts.push(text);
        }
    }
    let mut translated = 0;
    for (p, f) in patterns {
        let flags = Flags::from(f);
        let Some(hir) = regress::linear::utf8_hir(p.chars().map(u32::from), flags).unwrap() else {
            continue;
        };
        translated += 1;
        let re = Regex::with_flags(p, flags).unwrap();
        let auto = Automaton::builder().build_from_hir(&hir).unwrap();
        let mut caps = auto.create_captures();
        for text in &texts {
            // Outside Unicode mode the translation holds for text without surrogates only.
            if !flags.unicode && text.iter().any(|u| (0xD800..0xE000).contains(u)) {
                continue;
            }
            let (utf8, offsets) = transcode(text);
            for start in 0..=text.len() {
                // Unicode mode: a start inside a pair is left to the backtracker.
                if start > 0 && offsets[start] == offsets[start - 1] {
                    continue;
                }
                let expected = if flags.unicode {
                    re.find_from_utf16(text, start).next()
                } else {
                    re.find_from_ucs2(text, start).next()
                }
                .map(|m| {
                    let mut v = vec![Some((m.start(), m.end()))];
                    v.extend(
                        m.captures
                            .iter()
                            .map(|c| c.as_ref().map(|r| (r.start, r.end))),
                    );
                    v
                });
                let found = automaton(&auto, &mut caps, utf8.as_bytes(), offsets[start]).map(|v| {
                    v.into_iter()
                        .map(|g| g.map(|(s, e)| (to_unit(&offsets, s), to_unit(&offsets, e))))
                        .collect::<Vec<_>>()
                });
                assert_eq!(found, expected, "/{p}/{f} on {text:?} from {start}");
            }
        }
    }
    assert!(translated >= 24, "{translated} patterns translated");
}
