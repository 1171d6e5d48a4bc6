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
