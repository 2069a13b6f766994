//! Input that is not a goroutine dump, or one cut short: an error naming
//! the line and what was expected there, never a panic; and the same for
//! every mutation proptest makes of real dumps (truncation anywhere,
//! flipped and inserted bytes, CRLF line ends).

use leakscope_pprof::{parse, parse_bytes};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn err(text: &str) -> String {
    parse(text)
        .map(|d| panic!("{text:?} parsed: {d:?}"))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_text_with_no_goroutine_names_its_line_and_what_was_expected() {
    let cases = [
        ("", "line 1: expected a goroutine dump"),
        ("\n\n", "line 2: expected a goroutine dump"),
        (
            "<html><body>404</body></html>\n",
            "line 1: expected a goroutine dump",
        ),
        (
            "goroutine 1 [running]:\n",
            "line 1: expected a whole goroutine (the last goroutine is incomplete), found the end of the input",
        ),
        (
            "goroutine 1 [running]:\nmain.main()\n",
            "line 1: expected a whole goroutine",
        ),
        ("goroutine 1 [runn", "line 1: expected a goroutine dump"),
        (
            "goroutine profile: total x\n",
            "line 1: expected a goroutine dump",
        ),
        (
            "goroutine profile: total 1\n1 @ 0x1\n",
            "line 2: expected a whole goroutine (the last group is incomplete)",
        ),
        (
            "panic: boom\n\nexit status 2\n",
            "line 1: expected a goroutine dump",
        ),
    ];
    for (text, want) in cases {
        let got = err(text);
        assert!(got.starts_with(want), "{text:?}:\n got {got}\nwant {want}");
    }
}

#[test]
fn what_belongs_to_no_goroutine_is_skipped_and_counted() {
    let one = "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1\n";
    let cases = [
        (format!("{one}\nhello there\n"), 1, vec!["skipped 1 line that belongs to no goroutine"]),
        (format!("{one}not a frame\n"), 1, vec!["skipped 1 line that belongs to no goroutine"]),
        (
            "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1\ncreated by main.f in goroutine 1\n\t/x/main.go:9 +0x1\nmain.g()\n".to_owned(),
            1,
            vec!["skipped 1 line that belongs to no goroutine"],
        ),
        (
            "goroutine profile: total 5\n3 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n\n".to_owned(),
            3,
            vec!["cut at line 4: the groups add up to 3 of the total 5"],
        ),
        (
            format!("{one}\ngoroutine 2 [select]:\nmain.g()\n"),
            1,
            vec!["cut after goroutine 1: the last goroutine is incomplete"],
        ),
        (
            format!("Seen in CI:\n> it hangs\n\n{one}\n-- \nsent from my phone\n"),
            1,
            vec!["skipped 4 lines that belong to no goroutine"],
        ),
    ];
    for (text, goroutines, notes) in cases {
        let d = parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(d.goroutines(), goroutines, "{text:?}");
        assert_eq!(d.reading.notes(), notes, "{text:?}");
    }
}

#[test]
fn bytes_that_are_not_text_are_refused_at_their_line() {
    let e = parse_bytes(b"goroutine 1 [running]:\nmain.\xff\xfe()\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(
        e.to_string(),
        "line 2: expected text (a goroutine dump is UTF-8), found bytes that are not UTF-8"
    );
    let junk: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert!(parse_bytes(&junk).is_err());
}

#[test]
fn the_older_created_by_form_and_trailing_blank_lines_are_read() {
    let d = parse(
        "\ngoroutine 6 [semacquire, 61 minutes]:\nsync.runtime_Semacquire(0xc0000b6018?)\n\t/go/src/runtime/sema.go:62 +0x25\nsync.(*WaitGroup).Wait(0x0?)\n\t/go/src/sync/waitgroup.go:116 +0x48\nmain.rotate(...)\n\t/src/m.go:36\ncreated by main.main\n\t/src/m.go:20 +0x5a\n\n\n",
    )
    .unwrap();
    let c = d.records[0].created_by.as_ref().unwrap();
    assert_eq!((c.function.as_str(), c.goroutine), ("main.main", None));
    assert_eq!(d.records[0].minutes, Some(61));
}

#[test]
fn every_truncation_of_a_real_dump_is_either_read_or_refused_with_a_line() {
    for name in ["go1.27-debug2.txt", "go1.27-debug1.txt"] {
        let text = String::from_utf8(data(name)).unwrap();
        let lines = text.lines().count();
        for cut in 0..text.len() {
            if !text.is_char_boundary(cut) {
                continue;
            }
            match parse(&text[..cut]) {
                Ok(d) => assert!(d.goroutines() > 0, "{name} cut at {cut}"),
                Err(e) => assert!(
                    e.line >= 1 && e.line <= lines + 1,
                    "{name} cut at {cut}: {e}"
                ),
            }
        }
    }
}

#[test]
fn a_debug1_dump_cut_at_any_line_says_what_it_misses() {
    let text = String::from_utf8(data("go1.27-debug1.txt")).unwrap();
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    // Every cut before the last group's header loses goroutines.
    let last_group = text.rfind("\n1 @ ").unwrap() + 1;
    let first_group = text.find("\n\n").unwrap();
    for &end in ends.iter().filter(|&&e| e <= last_group) {
        match parse(&text[..end]) {
            Ok(d) => {
                let cut = d
                    .reading
                    .cut
                    .unwrap_or_else(|| panic!("cut after byte {end}"));
                assert!(
                    cut.missing.contains("of the total") || cut.missing.contains("incomplete"),
                    "{cut:?}"
                );
            }
            Err(e) => assert!(end <= first_group + 40, "cut after byte {end}: {e}"),
        }
    }
}

#[test]
fn a_debug2_dump_cut_inside_a_block_keeps_the_whole_goroutines_before() {
    let text = String::from_utf8(data("go1.27-debug2.txt")).unwrap();
    let whole = parse(&text).unwrap();
    for (i, _) in text.match_indices('\n') {
        let head = &text[..=i];
        let last = head.lines().last().unwrap_or("");
        if last.starts_with('\t') || last.is_empty() {
            continue; // a block's last line: what is left is a whole dump
        }
        match parse(head) {
            Ok(d) => {
                let cut = d
                    .reading
                    .cut
                    .unwrap_or_else(|| panic!("cut after {last:?}"));
                assert_eq!(cut.after, d.records.last().and_then(|r| r.id));
                assert_eq!(d.records[..], whole.records[..d.records.len()]);
            }
            Err(e) => assert!(e.to_string().contains("whole goroutine"), "{e}"),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Edit {
        Truncate(usize),
        Flip(usize, u8),
        Insert(usize, u8),
        Delete(usize),
        Crlf,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            any::<usize>().prop_map(Edit::Truncate),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
            any::<usize>().prop_map(Edit::Delete),
            Just(Edit::Crlf),
        ]
    }

    fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
        for e in edits {
            let n = bytes.len().max(1);
            match *e {
                Edit::Truncate(i) => bytes.truncate(i % n),
                Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % n] ^= b | 1,
                Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                Edit::Delete(i) if !bytes.is_empty() => {
                    bytes.remove(i % n);
                }
                Edit::Crlf => {
                    bytes = String::from_utf8_lossy(&bytes)
                        .replace('\n', "\r\n")
                        .into_bytes();
                }
                _ => {}
            }
        }
        bytes
    }

    const DUMPS: [&str; 6] = [
        "go1.27-debug2-minutes.txt",
        "go1.27-debug2.txt",
        "go1.27-debug1.txt",
        "go1.27-goroutineleak-debug1.txt",
        "go1.27-goroutineleak-debug2.txt",
        "go1.27-debug2-elided.txt",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn mutated_real_dumps_never_panic(
            which in 0..DUMPS.len(),
            edits in proptest::collection::vec(edit(), 1..6),
        ) {
            let bytes = apply(data(DUMPS[which]), &edits);
            let lines = bytes.split(|&b| b == b'\n').count();
            match parse_bytes(&bytes) {
                Ok(d) => prop_assert!(d.records.iter().all(|r| r.count > 0 && r.line >= 1)),
                Err(e) => prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e} ({lines} lines)"),
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Err(e) = parse_bytes(&bytes) {
                prop_assert!(e.line >= 1);
            }
        }
    }
}
