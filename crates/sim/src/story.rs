//! What the lesson tells of a fix people try before the real one: its
//! heading, its chart, its paragraph written from the runs' figures, what
//! the detectors miss in it and how its goroutines show in a dump. A
//! program's own file holds its [`Story`]; the faces present every story
//! of [`Program::ALL`] and name no program.
//!
//! Text here is plain text, with no markup: a face escapes it as its
//! medium needs.

use crate::detect::Detector;
use crate::{Comparison, Program, Sample, Time};

/// A fix people try, as the lesson tells it.
#[derive(Debug)]
pub struct Story {
    /// The program it changes (the bug it tries to fix): its diff is taken
    /// against this one.
    pub base: Program,
    /// The program the lab shows beside it.
    pub beside: Program,
    /// The heading's words after the program's name (`always close, always
    /// wait`); `{timeout}` stands for its wait timeout in seconds.
    pub heading: &'static str,
    /// What its chart draws.
    pub measure: Measure,
    /// The programs its chart draws before it, to compare.
    pub against: &'static [Program],
    /// The chart's title.
    pub chart_title: &'static str,
    /// The minute the lab opens at from the story's link.
    pub lab_minute: u32,
    /// Its paragraph, given the program and the runs of every program on
    /// one scenario; `None` when a run it reads is missing or empty.
    pub text: fn(Program, &Comparison) -> Option<String>,
    /// The detectors the lesson names for missing it on FASE 6 (a test
    /// holds each against the core's `detect()`).
    pub missed_by: &'static [Detector],
    /// Why they miss it, in a few words (`Stop() wakes every helper`).
    pub why_missed: &'static str,
    /// The one detector watching a run that sees it on FASE 6, if the
    /// lesson says so (a test holds it against `detect()`).
    pub seen_only_by: Option<Detector>,
    /// How its own goroutines show in a goroutine dump, if they tell it apart.
    pub dump: Option<DumpMark>,
}

impl Story {
    /// Its heading's words, the timeout filled in.
    pub fn heading(&self, program: Program) -> String {
        let secs = program.wait_timeout().map_or(0, |t| t.as_millis() / 1_000);
        // The one placeholder, found by its braces.
        let parts = self
            .heading
            .split_once('{')
            .and_then(|(before, rest)| Some((before, rest.split_once('}')?.1)));
        match parts {
            Some((before, after)) => format!("{before}{secs}{after}"),
            None => self.heading.to_owned(),
        }
    }

    /// The programs its chart draws: [`Story::against`], then `program`.
    pub fn charted(&self, program: Program) -> Vec<Program> {
        let mut all = self.against.to_vec();
        all.push(program);
        all
    }
}

/// What a story's chart draws, minute by minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Live goroutines.
    Goroutines,
    /// Log lines read so far, all containers.
    LinesRead,
}

impl Measure {
    /// Its value in a sample.
    pub fn of(self, s: &Sample) -> u64 {
        match self {
            Measure::Goroutines => s.goroutines,
            Measure::LinesRead => s.lines_read,
        }
    }

    /// What its axis says.
    pub const fn name(self) -> &'static str {
        match self {
            Measure::Goroutines => "goroutines",
            Measure::LinesRead => "log lines read",
        }
    }
}

/// How a program's own goroutines show in a goroutine dump: a group that
/// matches is explained by the program's story.
#[derive(Debug)]
pub struct DumpMark {
    /// Text in the blocking function's name (`.rotate.func`: a closure
    /// inside `rotate()`).
    pub function: &'static str,
    /// How the `created by` function's name begins.
    pub created_by: &'static str,
    /// What they are, in a word or two (`helpers`).
    pub goroutines: &'static str,
}

impl DumpMark {
    /// Whether a group blocked in `function`, created by `created_by`, is
    /// the program's own.
    pub fn marks(&self, function: &str, created_by: Option<&str>) -> bool {
        function.contains(self.function)
            || created_by.is_some_and(|c| c.starts_with(self.created_by))
    }
}

/// A minute as the page's clock writes it: `06:00`.
pub(crate) fn minute(m: u32) -> String {
    Time::from_minutes(u64::from(m)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;
    use crate::detect::detect;

    fn stories() -> Vec<(Program, &'static Story)> {
        Program::ALL
            .into_iter()
            .filter_map(|p| Some((p, p.story()?)))
            .collect()
    }

    #[test]
    fn the_fixes_people_try_are_the_programs_between_the_bug_and_the_fix() {
        let named: Vec<_> = stories().into_iter().map(|(p, _)| p).collect();
        assert_eq!(named, [Program::CLOSE_ONLY, Program::WAIT_TIMEOUT]);
        for (p, s) in stories() {
            assert!(
                !s.against.contains(&p) && s.base != p && s.beside != p,
                "{p}"
            );
            assert_eq!(s.charted(p).last(), Some(&p));
            assert!(
                !s.heading.contains('<') && !s.why_missed.contains('<'),
                "{p}"
            );
        }
        assert_eq!(
            Program::WAIT_TIMEOUT
                .story()
                .map(|s| s.heading(Program::WAIT_TIMEOUT)),
            Some("wait, but only 10 seconds".to_owned())
        );
        assert_eq!(
            Program::CLOSE_ONLY
                .story()
                .map(|s| s.heading(Program::CLOSE_ONLY)),
            Some("always close, always wait".to_owned())
        );
    }

    #[test]
    fn the_paragraphs_read_the_fase6_runs() {
        let runs = Comparison::new(&Preset::Fase6.scenario(), &Program::ALL).unwrap();
        let text = |p: Program| p.story().and_then(|s| (s.text)(p, &runs)).unwrap();
        assert_eq!(
            text(Program::CLOSE_ONLY),
            "Nothing is left behind, so the count never grows (220 → 110, slope -0.87/min: the count test passes). \
             But the group is still shared: at its first healthy rotation each container blocks in Wait() until Stop(). \
             By 05:00 all 55 containers are stuck: 8,693 lines read before, 0 after; the fix reads 99,908."
        );
        assert_eq!(
            text(Program::WAIT_TIMEOUT),
            "The logs flow (95,869 lines read; 0 containers went a rotation without a line; \
             each rotation waits 10 s for the helper before it reopens), but the helper waits on the same group \
             and never returns: one helper left behind per rotation, 605 = 55 containers × 11 rotations × 1, \
             825 goroutines in all (slope +10.71/min: leak). Fewer than the bug's 1,958, \
             and a dump shows a different goroutine, leaking all the same."
        );
        // Without the runs it reads, no paragraph rather than a wrong one.
        let alone = Comparison::new(&Preset::Fase6.scenario(), &[Program::CLOSE_ONLY]).unwrap();
        for (p, s) in stories() {
            assert_eq!((s.text)(p, &alone), None, "{p}");
        }
    }

    #[test]
    fn what_a_story_says_of_the_detectors_holds_on_fase6() {
        for (p, s) in stories() {
            let found = detect(&Preset::Fase6.scenario(), p).unwrap();
            for d in s.missed_by {
                let x = found.iter().find(|x| x.detector == *d).unwrap();
                assert!(!x.caught, "{d} catches {p}");
            }
            if let Some(only) = s.seen_only_by {
                let seen: Vec<Detector> = found
                    .iter()
                    .filter(|x| x.caught && !x.detector.is_static())
                    .map(|x| x.detector)
                    .collect();
                assert_eq!(seen, [only], "{p}");
            }
        }
    }

    #[test]
    fn a_dump_mark_knows_its_programs_goroutines() {
        let mark = Program::WAIT_TIMEOUT
            .story()
            .and_then(|s| s.dump.as_ref())
            .unwrap();
        assert!(mark.marks("leakscope/monitor.(*Monitor).rotate.func1", None));
        assert!(mark.marks(
            "sync.runtime_SemacquireWaitGroup",
            Some("leakscope/monitor.(*Monitor).rotate in goroutine 7")
        ));
        assert!(!mark.marks(
            "leakscope/monitor.(*Monitor).reader",
            Some("leakscope/monitor.(*Monitor).openRotation")
        ));
        assert!(!mark.marks("leakscope/monitor.(*Monitor).heartbeat", None));
    }
}
