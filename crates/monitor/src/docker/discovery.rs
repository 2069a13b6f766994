//! Which containers to follow, and the task that finds them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bollard::query_parameters::ListContainersOptionsBuilder;
use leakscope_sim::{Role, State};

use super::engine::describe;
use super::{DockerSource, Engine};
use crate::census::TaskSpec;
use crate::monitor::{ContainerRef, Monitor};

/// Which containers to follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Only containers with this label (`key=value`, or `key` alone).
    pub label: Option<String>,
}

/// Why a text is not a `KEY=VALUE` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Occurs when there is no `=`.
    #[error("has no = between key and value")]
    NoValue,
    /// Occurs when nothing comes before the `=`.
    #[error("has an empty key")]
    EmptyKey,
    /// Occurs when the key holds whitespace.
    #[error("has whitespace in its key")]
    Whitespace,
}

impl Selector {
    /// Only the containers labelled `label`, written `KEY=VALUE` (the
    /// value may be empty; it is matched exactly).
    ///
    /// # Errors
    ///
    /// [`LabelError`] when `label` is not `KEY=VALUE` with a key of no
    /// whitespace.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_monitor::docker::{LabelError, Selector};
    ///
    /// let s = Selector::labelled("com.example.app=web").unwrap();
    /// assert_eq!(s.label.as_deref(), Some("com.example.app=web"));
    /// assert_eq!(Selector::labelled("novalue"), Err(LabelError::NoValue));
    /// assert_eq!(Selector::labelled("=web"), Err(LabelError::EmptyKey));
    /// ```
    pub fn labelled(label: &str) -> Result<Selector, LabelError> {
        let (key, _value) = label.split_once('=').ok_or(LabelError::NoValue)?;
        if key.is_empty() {
            return Err(LabelError::EmptyKey);
        }
        if key.contains(char::is_whitespace) {
            return Err(LabelError::Whitespace);
        }
        Ok(Selector {
            label: Some(label.to_owned()),
        })
    }
}

/// Lists the running containers every `poll` and follows each new one;
/// runs until shutdown, as a [`Role::System`] task.
pub fn spawn_discovery(m: &Arc<Monitor<DockerSource>>, selector: Selector, poll: Duration) {
    let m = m.clone();
    let env = m.env.clone();
    env.go(
        TaskSpec::new(Role::System, State::Select),
        |task| async move {
            let engine = m.source.engine().clone();
            loop {
                task.set_state(State::Running);
                match list_running(&engine, &selector).await {
                    Ok(found) => {
                        engine.note(Ok(()));
                        for (id, name) in found {
                            if m.env.shutdown.is_cancelled() {
                                break;
                            }
                            if m.source.follow(&id) {
                                let index = m.source.index(&id);
                                m.monitor_container(ContainerRef::new(index, id, name));
                            }
                        }
                    }
                    Err(why) => engine.note(Err(&why)),
                }
                task.set_state(State::Select);
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = m.env.shutdown.cancelled() => return,
                }
            }
        },
    );
}

/// The running containers (id, name), oldest first.
pub async fn list_running(
    engine: &Engine,
    selector: &Selector,
) -> Result<Vec<(String, String)>, String> {
    let client = engine.client()?;
    let mut filters: HashMap<String, Vec<String>> = HashMap::new();
    filters.insert("status".into(), vec!["running".into()]);
    if let Some(label) = &selector.label {
        filters.insert("label".into(), vec![label.clone()]);
    }
    let options = ListContainersOptionsBuilder::new()
        .filters(&filters)
        .build();
    let mut list = client
        .list_containers(Some(options))
        .await
        .map_err(|e| describe(&e))?;
    list.sort_by_key(|c| c.created.unwrap_or(0));
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let id = c.id?;
            let name = c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| id.chars().take(12).collect());
            Some((id, name))
        })
        .collect())
}
