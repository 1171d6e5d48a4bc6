//! `interruptible` searches stop once their flag is set, and change nothing while it is clear.
#![cfg(feature = "utf16")]

use regress::Regex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `/^(a+)+$/` on "aaa…ab" backtracks exponentially; with its flag set, it gives up.
#[test]
fn an_interrupted_search_stops() {
    let re = Regex::new(r"^(a+)+$").unwrap();
    let mut text = vec![b'a'; 64];
    text.push(b'b');
    let flag = Arc::new(AtomicBool::new(false));
    let setter = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            flag.store(true, Ordering::Relaxed);
        })
    };
    let started = Instant::now();
    let found = re.find_from_latin1(&text, 0).interruptible(&flag).next();
    setter.join().unwrap();
    assert!(found.is_none());
    assert!(flag.load(Ordering::Relaxed));
    // 2^64 steps without the flag; a generous bound for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(20));

    let wide: Vec<u16> = text.iter().map(|&b| u16::from(b)).collect();
    assert!(
        re.find_from_ucs2(&wide, 0)
            .interruptible(&flag)
            .next()
            .is_none()
    );
}

/// A flag that stays clear changes nothing.
#[test]
fn an_uninterrupted_search_finds_every_match() {
    let re = Regex::new(r"(\d+)-(\d+)").unwrap();
    let flag = AtomicBool::new(false);
    let text = b"1-2 33-44 x 555-6 ".repeat(2000);
    let n = re.find_from_latin1(&text, 0).interruptible(&flag).count();
    assert_eq!(n, 6000);
}
