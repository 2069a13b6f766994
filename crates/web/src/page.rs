//! The site's four pages and the way a URL picks one.
//!
//! One build, one wasm: Trunk writes `index.html` and the build copies it to
//! `lab.html`, `tools.html` and `notes.html` (Trunk.toml's post-build hook),
//! so every page is a static file GitHub Pages serves under `/<repo>/` with
//! no rewrite. The file's name picks the page. The lesson's address with a
//! query or a fragment that belongs to another page is an old permalink
//! (`./?preset=fase6&t=17#lab`): it opens that page with the same state, and
//! the address bar is rewritten to the page's own file.

use yew::prelude::*;

use crate::components::story_at;

/// One page of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// The front page: the story, readable with no interaction.
    Lesson,
    /// Everything interactive: the live view on one virtual clock.
    Lab,
    /// For a service of the reader's own: paste a dump, the detector
    /// matrix, the run measured on Docker.
    Tools,
    /// The model notes: the seed document's arithmetic and provenance.
    Notes,
}

impl Page {
    /// Every page, in the navigation bar's order.
    pub const ALL: [Page; 4] = [Page::Lesson, Page::Lab, Page::Tools, Page::Notes];

    /// The file the page is served as (relative to the site's root).
    pub const fn file(self) -> &'static str {
        match self {
            Page::Lesson => "index.html",
            Page::Lab => "lab.html",
            Page::Tools => "tools.html",
            Page::Notes => "notes.html",
        }
    }

    /// A relative link to the page: `./` for the front page, so the address
    /// reads `/<repo>/`.
    pub const fn href(self) -> &'static str {
        match self {
            Page::Lesson => "./",
            other => other.file(),
        }
    }

    /// The navigation bar's label.
    pub const fn label(self) -> &'static str {
        match self {
            Page::Lesson => "Lesson",
            Page::Lab => "Lab",
            Page::Tools => "Tools",
            Page::Notes => "Model notes",
        }
    }

    /// The document's title.
    pub const fn title(self) -> &'static str {
        match self {
            Page::Lesson => {
                "leakscope — One WaitGroup, two lifecycles: a goroutine leak, explained"
            }
            Page::Lab => "Lab — leakscope: every program on one virtual clock",
            Page::Tools => "Tools — leakscope: paste a dump, the detectors, a measured run",
            Page::Notes => "Model notes — leakscope: the seed document's numbers, provenance",
        }
    }

    /// The fragments (element ids) links point at on this page: an old
    /// permalink's `#numbers` opens the model notes, a pasted dump's link
    /// to `#pile-up` the lesson. The lesson's stories of the fixes people
    /// try (`fix-close-only`, one per program with a story) are its own
    /// too, found by [`Page::owner`].
    pub const fn anchors(self) -> &'static [&'static str] {
        match self {
            Page::Lesson => &[
                "rule",
                "monitor",
                "heartbeat",
                "handlers",
                "one-waitgroup",
                "wait-never-returns",
                "repro",
                "bypass",
                "pile-up",
                "fixes",
                "fix",
                "detectors",
                "catch",
            ],
            Page::Lab => &[
                "lab", "pickers", "gallery", "panes", "chart", "code", "dump",
            ],
            Page::Tools => &["paste", "detector-matrix", "real-run"],
            Page::Notes => &["numbers", "provenance", "counting"],
        }
    }

    /// The page an address opens: by its file name; on the front page's
    /// address, a fragment another page owns opens that page, and so does a
    /// query (only the lab reads one).
    pub fn route(path: &str, query: &str, hash: &str) -> Page {
        let file = path.rsplit('/').next().unwrap_or_default();
        if let Some(&page) = Page::ALL
            .iter()
            .find(|p| **p != Page::Lesson && p.file() == file)
        {
            return page;
        }
        let id = hash.trim_start_matches('#');
        if let Some(page) = Page::owner(id) {
            return page;
        }
        if !query.trim_start_matches('?').is_empty() {
            return Page::Lab;
        }
        Page::Lesson
    }

    /// The page that owns the fragment `id`, if any.
    pub fn owner(id: &str) -> Option<Page> {
        if story_at(id).is_some() {
            return Some(Page::Lesson);
        }
        Page::ALL.into_iter().find(|p| p.anchors().contains(&id))
    }
}

/// The directory part of a path (`/leakscope/` of `/leakscope/lab.html`).
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

/// The address `page` should show for an address that routed to it:
/// `None` when the file already names the page.
pub fn canonical(page: Page, path: &str, query: &str, hash: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or_default();
    let here = if page == Page::Lesson {
        file.is_empty() || file == Page::Lesson.file()
    } else {
        file == page.file()
    };
    if here {
        return None;
    }
    let query = query.trim_start_matches('?');
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let file = match page {
        Page::Lesson => "",
        other => other.file(),
    };
    Some(format!("{}{file}{query}{hash}", dir_of(path)))
}

/// Props of [`NavBar`].
#[derive(Properties, PartialEq)]
pub struct NavBarProps {
    /// The page shown.
    pub page: Page,
}

/// The navigation bar every page opens with.
#[component]
pub fn NavBar(p: &NavBarProps) -> Html {
    html! {
        <nav class="site-nav" aria-label="Site" data-testid="site-nav">
            <a class="brand" href={Page::Lesson.href()}>{ "leakscope" }</a>
            <ul>
                { for Page::ALL.into_iter().map(|page| {
                    let current = (page == p.page).then_some("page");
                    html! {
                        <li><a href={page.href()} aria-current={current}
                               data-testid={format!("nav-{}", page.file().trim_end_matches(".html"))}>{ page.label() }</a></li>
                    }
                }) }
            </ul>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_picks_its_page() {
        assert_eq!(Page::route("/leakscope/", "", ""), Page::Lesson);
        assert_eq!(Page::route("/leakscope/index.html", "", ""), Page::Lesson);
        assert_eq!(Page::route("/leakscope/lab.html", "", ""), Page::Lab);
        assert_eq!(
            Page::route("/leakscope/tools.html", "?x=1", "#lab"),
            Page::Tools
        );
        assert_eq!(Page::route("/notes.html", "", ""), Page::Notes);
    }

    #[test]
    fn old_permalinks_open_the_page_that_owns_them() {
        let r = |q, h| Page::route("/leakscope/", q, h);
        assert_eq!(r("?preset=fase6&t=17&container=0", "#lab"), Page::Lab);
        assert_eq!(r("?preset=fase6&t=58", ""), Page::Lab);
        assert_eq!(r("?bench=1", ""), Page::Lab);
        assert_eq!(r("?preset=fase6&t=58", "#numbers"), Page::Notes);
        assert_eq!(r("", "#paste"), Page::Tools);
        assert_eq!(r("", "#real-run"), Page::Tools);
        assert_eq!(r("", "#pile-up"), Page::Lesson);
        assert_eq!(r("", "#nowhere"), Page::Lesson);
    }

    #[test]
    fn the_address_bar_is_rewritten_to_the_pages_own_file() {
        assert_eq!(
            canonical(Page::Lab, "/leakscope/", "?preset=fase6&t=17", "#lab").as_deref(),
            Some("/leakscope/lab.html?preset=fase6&t=17#lab")
        );
        assert_eq!(
            canonical(Page::Notes, "/leakscope/index.html", "?t=5", "#numbers").as_deref(),
            Some("/leakscope/notes.html?t=5#numbers")
        );
        assert_eq!(
            canonical(Page::Lab, "/leakscope/lab.html", "?t=1", ""),
            None
        );
        assert_eq!(canonical(Page::Lesson, "/leakscope/", "", ""), None);
        assert_eq!(
            canonical(Page::Lesson, "/leakscope/tools.html", "", "#pile-up").as_deref(),
            Some("/leakscope/#pile-up")
        );
    }

    #[test]
    fn every_anchor_has_one_owner() {
        let stories: Vec<String> = leakscope_sim::Program::ALL
            .into_iter()
            .filter(|p| p.story().is_some())
            .map(crate::components::story_anchor)
            .collect();
        assert_eq!(stories, ["fix-close-only", "fix-wait-timeout"]);
        let mut all: Vec<&str> = Page::ALL
            .iter()
            .flat_map(|p| p.anchors())
            .copied()
            .chain(stories.iter().map(String::as_str))
            .collect();
        for id in &stories {
            assert_eq!(Page::owner(id), Some(Page::Lesson), "{id}");
        }
        assert_eq!(Page::owner("fix-buggy"), None);
        assert_eq!(Page::owner("fix-nonsense"), None);
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "an anchor listed on two pages");
    }
}
