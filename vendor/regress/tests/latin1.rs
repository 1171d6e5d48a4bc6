//! `find_from_latin1` matches as UCS-2 matching of the widened text.
#![cfg(feature = "utf16")]

use regress::{Flags, Regex};

fn ranges_latin1(re: &Regex, text: &[u8]) -> Vec<Vec<Option<std::ops::Range<usize>>>> {
    re.find_from_latin1(text, 0)
        .map(|m| {
            std::iter::once(Some(m.range()))
                .chain(m.captures.iter().cloned())
                .collect()
        })
        .collect()
}

fn ranges_ucs2(re: &Regex, text: &[u16]) -> Vec<Vec<Option<std::ops::Range<usize>>>> {
    re.find_from_ucs2(text, 0)
        .map(|m| {
            std::iter::once(Some(m.range()))
                .chain(m.captures.iter().cloned())
                .collect()
        })
        .collect()
}

#[test]
fn latin1_matches_as_the_widened_text() {
    let texts: [&[u8]; 4] = [
        b"id,name\r\n1,Ann\r\n22,B\xe9a\n333,\xc9mile",
        b"\xff\xdf \xb5 the QUICK brown_fox 42",
        b"",
        b"aaa\x00bbb\xa0c",
    ];
    let patterns = [
        (r"\d+", ""),
        (r"\r?\n", ""),
        (r"[a-z\xe9]+", "i"),
        (r"\w+\b", ""),
        (r"^\d+,(\w+)$", "m"),
        (r"\s", ""),
        (r"(.)\1", ""),
        (r"(?<=,)[^,\n]*", ""),
        (r"\xff|\u0178", "i"),
        (r"[^]", "u"),
        (r"\p{L}+", "u"),
        (r"\xb5", "i"),
        (r".", "s"),
    ];
    for text in texts {
        let wide: Vec<u16> = text.iter().map(|&b| u16::from(b)).collect();
        for (p, f) in patterns {
            let re = Regex::with_flags(p, Flags::from(f)).unwrap();
            assert_eq!(
                ranges_latin1(&re, text),
                ranges_ucs2(&re, &wide),
                "/{p}/{f} on {text:?}"
            );
        }
    }
}

/// An anchored (sticky) search only matches at its start position.
#[test]
fn anchored_searches_match_at_the_start_only() {
    let re = Regex::new(r"\d+").unwrap();
    let text = b"ab12cd345";
    let at = |start: usize| {
        re.find_from_latin1(text, start)
            .anchored()
            .next()
            .map(|m| m.range())
    };
    assert_eq!(at(0), None);
    assert_eq!(at(2), Some(2..4));
    assert_eq!(at(3), Some(3..4));
    assert_eq!(at(4), None);
    assert_eq!(at(6), Some(6..9));
    let wide: Vec<u16> = text.iter().map(|&b| u16::from(b)).collect();
    assert_eq!(
        re.find_from_ucs2(&wide, 4)
            .anchored()
            .next()
            .map(|m| m.range()),
        None
    );
    assert_eq!(
        re.find_from_ucs2(&wide, 6)
            .anchored()
            .next()
            .map(|m| m.range()),
        Some(6..9)
    );
}
