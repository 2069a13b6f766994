//! The few browser calls the page makes, each with a native stand-in so the
//! crate builds and unit-tests on the host.

/// Milliseconds from an arbitrary origin (`performance.now()` in the
/// browser; a monotonic clock natively).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1_000.0
    }
}

/// The page's query string (with its leading `?`, or empty).
pub fn location_query() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// Replaces the URL's query without a new history entry, keeping the path
/// (so the page works under any prefix, e.g. `/<repo>/`) and the fragment.
pub fn replace_query(query: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(w) = web_sys::window() else { return };
        let path = w.location().pathname().unwrap_or_default();
        let hash = w.location().hash().unwrap_or_default();
        let url = if query.is_empty() {
            format!("{path}{hash}")
        } else {
            format!("{path}?{query}{hash}")
        };
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = query;
    }
}

/// Whether the reader asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| {
                w.match_media("(prefers-reduced-motion: reduce)")
                    .ok()
                    .flatten()
            })
            .is_some_and(|m| m.matches())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

/// The ratio of device pixels to CSS pixels (1 natively).
pub fn device_pixel_ratio() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().clamp(1.0, 3.0))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        1.0
    }
}

/// Whether the query asks for the benchmark mode (`bench=1`).
pub fn bench_requested(query: &str) -> bool {
    query
        .trim_start_matches('?')
        .split('&')
        .any(|p| p == "bench=1" || p == "bench=true" || p == "bench")
}

/// Keeps what the page scrolls to clear of the sticky player bar (issue
/// 18: it covered the lanes' first rows): the bar's height, in CSS pixels,
/// goes to `--bar-h` on `<body>`, and the style sheet gives what follows
/// the bar that `scroll-margin-top` where the bar sticks, so every jump,
/// fragment and focus stops below the bar.
pub fn pad_scroll_for_bar(bar: &yew::NodeRef) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(bar) = bar.cast::<web_sys::Element>() else {
            return;
        };
        let height = bar.get_bounding_client_rect().height().ceil();
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.style().set_property("--bar-h", &format!("{height}px"));
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = bar;
}

/// Scrolls to the element the URL's fragment names (`#lab`): the browser
/// could not, because the page did not exist yet when it loaded.
pub fn scroll_to_fragment() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(w) = web_sys::window() else { return };
        let hash = w.location().hash().unwrap_or_default();
        let id = hash.trim_start_matches('#');
        if id.is_empty() {
            return;
        }
        if let Some(el) = w.document().and_then(|d| d.get_element_by_id(id)) {
            el.scroll_into_view();
        }
    }
}

/// The page the address names ([`crate::page::Page::route`]); natively,
/// the lesson.
pub fn location_page() -> crate::page::Page {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(l) = web_sys::window().map(|w| w.location()) else {
            return crate::page::Page::Lesson;
        };
        crate::page::Page::route(
            &l.pathname().unwrap_or_default(),
            &l.search().unwrap_or_default(),
            &l.hash().unwrap_or_default(),
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::page::Page::Lesson
    }
}

/// Rewrites the address bar, without a new history entry, to the file of
/// the page the address opens (an old permalink `./?t=17#lab` becomes
/// `./lab.html?t=17#lab`), before anything reads it.
pub fn canonicalize_location() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(w) = web_sys::window() else { return };
        let l = w.location();
        let (path, query, hash) = (
            l.pathname().unwrap_or_default(),
            l.search().unwrap_or_default(),
            l.hash().unwrap_or_default(),
        );
        let page = crate::page::Page::route(&path, &query, &hash);
        if let Some(url) = crate::page::canonical(page, &path, &query, &hash)
            && let Ok(h) = w.history()
        {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Follows a fragment link (`#pile-up`) that names no element of this page
/// but an anchor of another page: opens that page at it.
pub fn follow_foreign_fragment() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(w) = web_sys::window() else { return };
        let hash = w.location().hash().unwrap_or_default();
        let id = hash.trim_start_matches('#');
        if id.is_empty() || w.document().and_then(|d| d.get_element_by_id(id)).is_some() {
            return;
        }
        if let Some(page) = crate::page::Page::owner(id) {
            let path = w.location().pathname().unwrap_or_default();
            let _ = w.location().assign(&format!(
                "{}{}{hash}",
                crate::page::dir_of(&path),
                page.href().trim_start_matches("./")
            ));
        }
    }
}

/// Sets the document's title.
pub fn set_title(title: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(title);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = title;
    }
}
