//! The page's state and components in a real browser (headless Chromium
//! through `wasm-bindgen-test-runner`): URL round trip (programs in the
//! panes included), bad parameters, scrubbing, stepping back and forth, the
//! contract `data-testid`s of the panes and of every program's gallery card,
//! the pickers, `Stop()`, the detector matrix (every cell `detect()`'s),
//! the real dump's excerpt beside the simulated one, and "Paste a goroutine
//! dump" (the groups and suspects `leakscope_pprof::analyze` gives, the
//! parser's one-line error for junk, the lesson's anchors it links to), and
//! "Measured on a real Docker engine" (the recording's verdict and chart).

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;
use std::time::Duration;

use leakscope_sim::detect::{Detector, detect};
use leakscope_sim::{
    Param, Permalink, Preset, Program, Scenario, Time, WaitGroupName, simulate, thousands,
};
use leakscope_web::{Action, App, AppProps, AppState, Page};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};
use yew::{AttrValue, Reducible};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_query_round_trips_through_the_state() {
    let s = AppState::from_query(
        "?preset=fase3&containers=20&t=7.5&container=3&seed=42&left=close-only&right=wait-timeout&stop_at=8&lines_per_min=5",
    );
    assert!(s.notices.is_empty(), "{:?}", s.notices);
    assert_eq!(s.at, Time::from_secs(450));
    assert_eq!(s.panes(), [Program::CLOSE_ONLY, Program::WAIT_TIMEOUT]);
    assert_eq!(s.scenario().stop_at, Some(8));
    let back = AppState::from_query(&s.to_query());
    assert_eq!(back.permalink(), s.permalink());
    assert_eq!(Permalink::parse(&s.to_query()).0, s.permalink());
}

#[wasm_bindgen_test]
fn bad_parameters_are_named_and_fall_back_to_their_defaults() {
    let long = "9".repeat(40);
    let s = AppState::from_query(&format!("containers=-5&t=abc&seed={long}&bench=1"));
    assert_eq!(s.scenario(), &Preset::Fase6.scenario());
    assert_eq!(s.at, Time::ZERO);
    let all = s.notices.join("\n");
    for needle in ["containers=-5", "t=abc", "seed="] {
        assert!(all.contains(needle), "{needle} missing from {all}");
    }
    assert!(
        !all.contains("bench"),
        "the page's own key is not a notice: {all}"
    );
}

#[wasm_bindgen_test]
fn scrubbing_shows_the_cores_sample_at_whole_minutes() {
    let s = Rc::new(AppState::from_query(""));
    let s = s.reduce(Action::Seek(Time::from_minutes(17)));
    assert_eq!(s.at, Time::from_minutes(17));
    for p in Program::ALL {
        let trace = s.runs.trace(p);
        let snap = trace.snapshot(s.at).unwrap();
        assert_eq!(snap.goroutines, trace.samples()[17].goroutines);
        assert_eq!(snap.wait_groups, trace.samples()[17].wait_groups);
    }
    let past = s.reduce(Action::Seek(Time::from_minutes(999)));
    assert_eq!(past.at, past.runs.end());
}

#[wasm_bindgen_test]
fn stepping_forward_then_back_returns_to_the_same_state() {
    let start = Rc::new(AppState::from_query("preset=fase6&t=10&container=2"));
    let mut s = start.clone();
    for _ in 0..3 {
        s = s.reduce(Action::StepForward);
    }
    assert_eq!(s.at, Time::from_minutes(25));
    for _ in 0..3 {
        s = s.reduce(Action::StepBack);
    }
    assert_eq!(s.permalink(), start.permalink());
    assert_eq!(
        s.runs.trace(Program::BUGGY).snapshot(s.at),
        start.runs.trace(Program::BUGGY).snapshot(start.at)
    );
}

#[wasm_bindgen_test]
fn a_changed_parameter_re_simulates_at_once() {
    let s = Rc::new(AppState::from_query("t=30"));
    let s = s.reduce(Action::SetParam(Param::Containers, "8".into()));
    assert_eq!(s.runs.trace(Program::BUGGY).scenario().containers, 8);
    assert_eq!(s.at, Time::from_minutes(30));
    let bad = s.reduce(Action::SetParam(Param::ErrorRate, "1.5".into()));
    assert_eq!(bad.scenario().error_rate, 0.99);
    assert!(bad.notices[0].contains("error_rate"), "{:?}", bad.notices);
}

/// The page a query opens (a query opens the lab), as an old permalink.
fn mount(query: &str) -> Element {
    mount_page(None, query)
}

fn mount_page(page: Option<Page>, query: &str) -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root_and_props(
        root.clone(),
        AppProps {
            query: Some(AttrValue::from(query.to_owned())),
            page,
        },
    )
    .render();
    root
}

fn text(root: &Element, testid: &str) -> String {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .text_content()
        .unwrap_or_default()
}

fn attr(root: &Element, testid: &str, name: &str) -> String {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .get_attribute(name)
        .unwrap_or_default()
}

fn click(root: &Element, testid: &str) {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
        .unwrap()
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(60)).await;
}

/// Waits (up to 3 s: a debug build on a busy machine renders slowly) until
/// the element `testid` reads `expected`, and fails saying what it read.
async fn wait_text(root: &Element, testid: &str, expected: &str) {
    let read = || {
        root.query_selector(&format!("[data-testid=\"{testid}\"]"))
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
    };
    for _ in 0..100 {
        if read().as_deref() == Some(expected) {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(text(root, testid), expected, "{testid} after 3 s");
}

/// Waits (up to 3 s: a debug build renders slowly) until the pane on `side`
/// shows `program`.
async fn wait_pane(root: &Element, side: &str, program: &str) {
    let testid = format!("pane-{side}");
    for _ in 0..100 {
        if attr(root, &testid, "data-program") == program {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(30)).await;
    }
    panic!(
        "{testid} shows {:?}, not {program}",
        attr(root, &testid, "data-program")
    );
}

#[wasm_bindgen_test]
async fn the_page_shows_the_cores_numbers_under_the_contract_testids() {
    let root = mount("preset=fase6&t=17&container=3");
    settle().await;
    let s = Preset::Fase6.scenario();
    let buggy = simulate(&s, Program::BUGGY).unwrap();
    let fixed = simulate(&s, Program::FIXED).unwrap();
    assert_eq!(text(&root, "clock"), "17:00");
    let (b, f) = (&buggy.samples()[17], &fixed.samples()[17]);
    let counter = |s: &leakscope_sim::Sample, g| thousands(s.wait_groups.get(g).unwrap().counter);
    assert_eq!(text(&root, "goroutines-buggy"), thousands(b.goroutines));
    assert_eq!(text(&root, "goroutines-fixed"), thousands(f.goroutines));
    assert_eq!(text(&root, "verdict-buggy"), "leak");
    assert_eq!(text(&root, "verdict-fixed"), "pass");
    assert_eq!(text(&root, "wg-buggy"), counter(b, WaitGroupName::Wg));
    assert_eq!(
        text(&root, "wg-fixed-heartbeat"),
        counter(f, WaitGroupName::HeartbeatWg)
    );
    assert_eq!(
        text(&root, "wg-fixed-reader"),
        counter(f, WaitGroupName::ReaderWg)
    );
    assert_eq!(text(&root, "lines-fixed"), thousands(f.lines_read));
    assert_eq!(text(&root, "silent-buggy"), thousands(b.silent_containers));
    assert_eq!(attr(&root, "pane-left", "data-program"), "buggy");
    assert_eq!(attr(&root, "pane-right", "data-program"), "fixed");
    // One card per program, every number the core's.
    for p in Program::ALL {
        let trace = simulate(&s, p).unwrap();
        let sample = &trace.samples()[17];
        let card = |what: &str| text(&root, &format!("gallery-{what}-{p}"));
        assert_eq!(card("goroutines"), thousands(sample.goroutines), "{p}");
        assert_eq!(card("stalled"), thousands(sample.stalled_containers), "{p}");
        assert_eq!(card("silent"), thousands(sample.silent_containers), "{p}");
        assert_eq!(card("lines"), thousands(sample.lines_read), "{p}");
    }
    assert!(
        root.query_selector("[data-testid=\"stop-buggy\"]")
            .unwrap()
            .is_none(),
        "no Stop() unless the scenario calls it"
    );
    for v in ["buggy", "fixed"] {
        let code = root
            .query_selector(&format!("[data-testid=\"code-{v}\"]"))
            .unwrap()
            .unwrap();
        let current = code.query_selector_all("[aria-current=\"step\"]").unwrap();
        assert_eq!(current.length(), 1, "{v}: one highlighted line");
    }
    assert!(text(&root, "dump").contains("goroutine "));
    assert!(
        root.query_selector("[data-testid=\"chart\"]")
            .unwrap()
            .is_some()
    );
    assert!(
        root.query_selector("[data-testid=\"notice\"]")
            .unwrap()
            .is_none()
    );
}

/// Issue 10, point 7: the code panel's badges add up to the dump's count
/// for the selected container, the stream handlers included.
#[wasm_bindgen_test]
async fn the_code_panels_badges_add_up_to_the_containers_dump() {
    let root = mount("preset=fase6&t=17&container=0&left=buggy&right=wait-timeout");
    settle().await;
    let number = |s: String| s.replace(',', "").trim().parse::<u64>().unwrap();
    let dump_total = number(text(&root, "dump-total"));
    let at = Time::from_minutes(17);
    let core = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
    assert_eq!(
        dump_total,
        core.goroutines_at(at, Some(0)).unwrap().len() as u64
    );
    for v in ["buggy", "wait-timeout"] {
        let badges = root
            .query_selector_all(&format!("[data-testid=\"parked-{v}\"]"))
            .unwrap();
        let sum: u64 = (0..badges.length())
            .filter_map(|i| badges.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .map(|e| number(e.get_attribute("data-count").unwrap_or_default()))
            .sum();
        let program = Program::ALL.into_iter().find(|p| p.name() == v).unwrap();
        let trace = simulate(&Preset::Fase6.scenario(), program).unwrap();
        assert_eq!(
            sum,
            trace.goroutines_at(at, Some(0)).unwrap().len() as u64,
            "{v}"
        );
        if v == "buggy" {
            assert_eq!(sum, dump_total, "the buggy badges equal the page's dump");
            assert!(badges.length() >= 3, "heartbeat, reader and handler lines");
        }
        // Under the code: wgvet's finding, as the core predicts it, and its
        // line flagged in the text.
        let (found, _) = leakscope_sim::vet::findings(program);
        let said = text(&root, &format!("vet-{v}"));
        let f = &found[0];
        assert!(
            said.contains(&format!("{} at line {}", f.rule, f.line)),
            "{v}: {said}"
        );
        let flagged = root
            .query_selector_all(&format!("[data-testid=\"code-{v}\"] .vet-line"))
            .unwrap();
        assert_eq!(flagged.length(), 1, "{v}");
        let line = flagged.item(0).and_then(|n| n.text_content()).unwrap();
        assert!(line.starts_with(&f.line.to_string()), "{v}: {line}");
    }
}

#[wasm_bindgen_test]
async fn buttons_step_and_a_bad_url_shows_a_notice() {
    let root = mount("preset=fase3&t=5");
    wait_text(&root, "clock", "05:00").await;
    click(&root, "step-forward");
    wait_text(&root, "clock", "10:00").await;
    // The live region narrates what the selected container just did.
    let said = text(&root, "narration");
    assert!(
        said.contains("fixed: container 0: readerWg.Wait() returned"),
        "{said}"
    );
    click(&root, "step-back");
    wait_text(&root, "clock", "05:00").await;

    let bad = mount("containers=-5&t=abc");
    wait_text(&bad, "clock", "00:00").await;
    let notice = text(&bad, "notice");
    assert!(notice.contains("containers=-5"), "{notice}");
    assert!(notice.contains("t=abc"), "{notice}");
    assert_eq!(text(&bad, "clock"), "00:00");
    // The default scenario at 00:00: 55 containers of 4 goroutines each
    // (heartbeat, reader and the open stream's 2 handlers, as Go counts).
    assert_eq!(text(&bad, "goroutines-buggy"), "220");
}

#[wasm_bindgen_test]
async fn play_advances_the_clock_and_pause_stops_it() {
    let root = mount("preset=fase6&t=0");
    settle().await;
    click(&root, "play");
    yew::platform::time::sleep(Duration::from_millis(400)).await;
    click(&root, "play");
    settle().await;
    let stopped = text(&root, "clock");
    assert_ne!(stopped, "00:00", "the clock moved while playing");
    yew::platform::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(text(&root, "clock"), stopped, "paused");
}

#[wasm_bindgen_test]
async fn a_card_and_a_picker_change_the_panes_and_stop_is_told() {
    let root = mount("preset=fase6&t=17&stop_at=10");
    root.set_id("pickers");
    settle().await;
    click(&root, "gallery-close-only");
    wait_pane(&root, "left", "close-only").await;
    assert_eq!(attr(&root, "pane-right", "data-program"), "fixed");
    let stopped = Scenario {
        stop_at: Some(10),
        ..Preset::Fase6.scenario()
    };
    let close = simulate(&stopped, Program::CLOSE_ONLY).unwrap();
    assert_eq!(
        text(&root, "goroutines-close-only"),
        thousands(close.samples()[17].goroutines)
    );
    assert!(text(&root, "stop-close-only").contains("returns"));
    assert!(text(&root, "stop-fixed").contains("returns"));

    // A change event that bubbles, as a person's choice does (Yew listens
    // at the root).
    js_sys::eval(
        "const s = document.querySelector('#pickers [data-testid=\"pick-right\"]'); \
         s.value = 'buggy'; s.dispatchEvent(new Event('change', { bubbles: true }));",
    )
    .unwrap();
    wait_pane(&root, "right", "buggy").await;
    let hangs = text(&root, "stop-buggy");
    assert!(hangs.contains("hangs"), "{hangs}");
}

/// The matrix's 4 × 7 cells as rendered equal the core's `detect()`, on
/// FASE 6 and, after the toggle, on FASE 3.
#[wasm_bindgen_test]
async fn the_detector_matrix_is_the_cores() {
    let root = mount_page(Some(Page::Tools), "");
    root.set_id("detectors-test");
    settle().await;
    for preset in [Preset::Fase6, Preset::Fase3] {
        if preset == Preset::Fase3 {
            click(&root, "detect-preset-fase3");
            for _ in 0..100 {
                if attr(&root, "detect-matrix", "data-preset") == "fase3" {
                    break;
                }
                yew::platform::time::sleep(Duration::from_millis(30)).await;
            }
        }
        assert_eq!(attr(&root, "detect-matrix", "data-preset"), preset.name());
        let cells = root
            .query_selector_all("[data-testid=\"detect-matrix\"] td.cell")
            .unwrap();
        assert_eq!(
            cells.length() as usize,
            Program::ALL.len() * Detector::ALL.len()
        );
        let s = preset.scenario();
        for p in Program::ALL {
            for d in detect(&s, p).unwrap() {
                let id = format!("detect-{p}-{}", d.detector);
                assert_eq!(
                    attr(&root, &id, "data-caught"),
                    d.caught.to_string(),
                    "{preset:?} {id}"
                );
                assert_eq!(attr(&root, &id, "title"), d.evidence, "{id}");
                let word = if d.caught { "caught" } else { "missed" };
                assert!(text(&root, &id).contains(word), "{id}");
            }
            assert!(
                text(&root, &format!("detect-reasons-{p}"))
                    .contains(&detect(&s, p).unwrap()[0].evidence)
            );
        }
    }
    // The real dump excerpt sits in the lab, under the simulated dump,
    // labelled with its own program, scenario and minute.
    let lab = mount("preset=fase6&t=15");
    settle().await;
    let real = text(&lab, "real-dump");
    assert_eq!(real, leakscope_web::components::REAL_BUGGY_EXCERPT);
    let label = text(&lab, "dump-pair");
    assert!(
        label.contains("real Go 1.27.3") && label.contains("FASE 6 at about minute 15"),
        "{label}"
    );
}

/// The fixture of a real Go 1.27.3 dump (the test's only, not the page's).
const CLOSE_ONLY_M15: &str =
    include_str!("../../pprof/tests/data/go1.27-live-close-only-m15-debug2.txt");

async fn mount_paste() -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<leakscope_web::components::PasteDump>::with_root(root.clone()).render();
    settle().await;
    root
}

fn set_paste(root: &Element, text: &str) {
    root.query_selector("[data-testid=\"paste-input\"]")
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .unwrap()
        .set_value(text);
}

/// Waits (up to 20 s: a debug build parses slowly) for the groups or the
/// error.
async fn wait_paste(root: &Element) {
    for _ in 0..400 {
        let done = ["paste-groups", "paste-error"].iter().any(|t| {
            root.query_selector(&format!("[data-testid=\"{t}\"]"))
                .unwrap()
                .is_some()
        });
        if done {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the paste section never finished");
}

fn all_texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

/// The rows `leakscope analyze` prints for `text`, from the crate itself.
fn expected_rows(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let a = leakscope_pprof::analyze(
        &leakscope_pprof::parse(text).unwrap(),
        None,
        &leakscope_pprof::Options::default(),
    );
    let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    let rows = a
        .groups
        .iter()
        .map(|g| {
            vec![
                g.count.to_string(),
                dash(g.key.state.clone()),
                dash(g.longest_minutes.map(|m| format!("{m} min"))),
                g.key.function.clone(),
                dash(g.site.clone()),
                dash(g.key.created_by.clone()),
            ]
        })
        .collect();
    let suspects = a.suspects.iter().map(|s| s.describe(&a.groups)).collect();
    (rows, suspects)
}

fn rendered_rows(root: &Element) -> Vec<Vec<String>> {
    let rows = root
        .query_selector_all("[data-testid=\"paste-group\"]")
        .unwrap();
    (0..rows.length())
        .map(|i| {
            let row = rows.item(i).unwrap().dyn_into::<Element>().unwrap();
            all_texts(&row, "td").into_iter().take(6).collect()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_pasted_dump_shows_the_crates_groups_and_suspects_linked_to_the_lesson() {
    let root = mount_paste().await;
    // The example button fills in the page's own simulated dump.
    click(&root, "paste-example");
    wait_paste(&root).await;
    let example = leakscope_web::paste::example_dump().unwrap();
    let area = root
        .query_selector("[data-testid=\"paste-input\"]")
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .unwrap();
    assert_eq!(area.value(), example);
    let (rows, suspects) = expected_rows(&example);
    assert_eq!(rendered_rows(&root), rows);
    assert_eq!(
        all_texts(&root, "[data-testid=\"paste-suspect\"]"),
        suspects
    );
    // The lesson's two suspects are among them (Go's verdict, piles and
    // long waits may stand beside them).
    let kinds: Vec<leakscope_pprof::Kind> = leakscope_pprof::analyze(
        &leakscope_pprof::parse(&example).unwrap(),
        None,
        &leakscope_pprof::Options::default(),
    )
    .suspects
    .iter()
    .map(|s| s.kind)
    .collect();
    assert_eq!(kinds.len(), suspects.len());
    for kind in [
        leakscope_pprof::Kind::IoWaitPile,
        leakscope_pprof::Kind::StalledWaiters,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not in {kinds:?}");
    }
    let links = root.query_selector_all("a[data-idea]").unwrap();
    let ideas: Vec<String> = (0..links.length())
        .map(|i| {
            links
                .item(i)
                .unwrap()
                .dyn_into::<Element>()
                .unwrap()
                .get_attribute("href")
                .unwrap()
        })
        .collect();
    for anchor in ["#pile-up", "#wait-never-returns", "#heartbeat", "#handlers"] {
        assert!(
            ideas.iter().any(|h| h == anchor),
            "{anchor} not in {ideas:?}"
        );
    }
    let elapsed = text(&root, "paste-elapsed");
    assert!(
        elapsed.contains(" ms") || elapsed.contains(" s,"),
        "{elapsed}"
    );

    // A real Go dump, pasted.
    set_paste(&root, CLOSE_ONLY_M15);
    click(&root, "paste-parse");
    settle().await;
    wait_paste(&root).await;
    let (rows, suspects) = expected_rows(CLOSE_ONLY_M15);
    assert_eq!(rendered_rows(&root), rows);
    assert_eq!(
        all_texts(&root, "[data-testid=\"paste-suspect\"]"),
        suspects
    );
    assert!(text(&root, "paste-summary").starts_with("pasted text (debug=2): "));
}

#[wasm_bindgen_test]
async fn bad_input_shows_the_parsers_one_line_error() {
    let root = mount_paste().await;
    // Only a text with no whole goroutine is refused: a dump cut short is
    // read (`a_dump_cut_short_is_read_and_what_was_left_out_said`).
    for junk in [
        "",
        "\u{1}\u{2}PK\u{3}\u{4} binary junk",
        "<!doctype html>\n<html><body>404</body></html>\n",
        "goroutine profile: total 5\n",
    ] {
        set_paste(&root, junk);
        click(&root, "paste-parse");
        settle().await;
        wait_paste(&root).await;
        let expected = leakscope_pprof::parse(junk).unwrap_err().to_string();
        assert_eq!(text(&root, "paste-error"), expected);
        assert!(expected.starts_with("line ") && !expected.contains('\n'));
        assert!(
            root.query_selector("[data-testid=\"paste-groups\"]")
                .unwrap()
                .is_none()
        );
    }
}

#[wasm_bindgen_test]
async fn a_dump_cut_short_is_read_and_what_was_left_out_said() {
    let root = mount_paste().await;
    let truncated = &CLOSE_ONLY_M15[..CLOSE_ONLY_M15.len() / 3];
    set_paste(&root, truncated);
    click(&root, "paste-parse");
    settle().await;
    wait_paste(&root).await;
    assert!(
        root.query_selector("[data-testid=\"paste-error\"]")
            .unwrap()
            .is_none()
    );
    let (rows, _) = expected_rows(truncated);
    assert_eq!(rendered_rows(&root), rows);
    // What reading left out is said: the goroutine cut short, or the
    // piece of a line that belongs to none.
    let about = text(&root, "paste-about");
    let reading =
        leakscope_pprof::analyze_text(truncated, None, &leakscope_pprof::Options::default())
            .unwrap();
    assert!(!reading.reading.notes().is_empty());
    for note in reading.reading.notes() {
        assert!(about.contains(&note), "{note} not in {about}");
    }
}

#[wasm_bindgen_test]
async fn the_lessons_anchors_the_paste_section_links_to_exist() {
    let root = mount_page(Some(Page::Lesson), "");
    settle().await;
    // The paste panel sits on the tools page; its links open the lesson,
    // at the section their text names (`§4 the bypass…`).
    for idea in leakscope_web::paste::Idea::all() {
        let anchor = idea.anchor();
        let at = root
            .query_selector(&anchor)
            .unwrap()
            .unwrap_or_else(|| panic!("no {anchor} on the page"));
        assert_eq!(Page::owner(&anchor[1..]), Some(Page::Lesson), "{anchor}");
        let section = at.closest(".story-section").unwrap().unwrap();
        let num = section
            .query_selector(".num")
            .unwrap()
            .and_then(|n| n.text_content())
            .unwrap_or_default();
        let label = idea.label();
        let named = label.trim_start_matches('§');
        let named = named.split(' ').next().unwrap_or_default();
        assert_eq!(named, num, "{anchor}: {}", idea.label());
    }
}

#[wasm_bindgen_test]
async fn the_real_run_section_shows_the_recording_beside_the_simulation() {
    // The figures from the recording itself: parsed, and predicted by the core.
    let run = leakscope_web::components::recording();
    let predicted = run.predicted().unwrap();
    assert!(run.differences(&predicted).is_empty());
    let root = mount_page(Some(Page::Tools), "");
    wait_text(
        &root,
        "real-run-verdict",
        &format!(
            "The measured count equals the simulation's at every one of the {} periods.",
            run.census.len()
        ),
    )
    .await;
    let section = root.query_selector("#real-run").unwrap().unwrap();
    let title = section.query_selector("h2").unwrap().unwrap();
    assert!(
        title
            .text_content()
            .unwrap_or_default()
            .ends_with("Measured on a real Docker engine")
    );
    // On the tools page, after the detector matrix.
    assert_eq!(
        section.previous_element_sibling().unwrap().id(),
        "detector-matrix"
    );
    // The chart: one circle per census (and one in the legend), labelled.
    let chart = section
        .query_selector("[data-testid=\"real-run-chart\"]")
        .unwrap()
        .unwrap();
    assert!(
        chart
            .get_attribute("aria-label")
            .unwrap_or_default()
            .contains(&format!("{} periods", run.census.len()))
    );
    let circles = chart
        .query_selector_all("circle.measured")
        .unwrap()
        .length();
    assert_eq!(circles as usize, run.census.len() + 1);
}
