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
