//! Any URL query restores a valid state, and a state's query restores it.

#![cfg(not(target_arch = "wasm32"))]

use leakscope_sim::{PERMALINK_KEYS, Permalink};
use proptest::prelude::*;

fn pair() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            proptest::sample::select(PERMALINK_KEYS.to_vec()).prop_map(str::to_owned),
            "[a-z_]{1,8}"
        ],
        prop_oneof![
            "-?[0-9]{1,25}",
            "[0-9]{1,3}\\.[0-9]{0,3}",
            "fase[0-9]",
            ".{0,40}",
        ],
    )
        .prop_map(|(k, v)| format!("{k}={v}"))
}

proptest! {
    #[test]
    fn any_query_restores_a_valid_state(pairs in proptest::collection::vec(pair(), 0..12)) {
        let q = pairs.join("&");
        let (link, notices) = Permalink::parse(&q);
        prop_assert!(link.scenario.validate().is_ok());
        prop_assert!(link.at <= link.scenario.horizon());
        prop_assert!(link.container < link.scenario.containers);
        for n in &notices {
            let prefix = format!("{}=", n.key);
            prop_assert!(n.message.starts_with(&prefix), "{}", n.message);
        }
        // What the state writes back is read back identically, silently.
        let (again, quiet) = Permalink::parse(&link.to_query());
        prop_assert!(quiet.is_empty(), "{:?}", quiet);
        prop_assert_eq!(again, link);
    }

    #[test]
    fn arbitrary_text_never_panics(q in ".{0,300}") {
        let _ = Permalink::parse(&q);
    }
}
