//! Prometheus' credentials, from the environment only.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::config::{PASSWORD_VAR, TOKEN_VAR, USER_VAR};
use crate::error::InputError;

/// The `Authorization` header from the environment: a bearer token, or
/// basic auth; both, or a user without a password, are bad input.
pub fn authorization(env: impl Fn(&str) -> Option<String>) -> Result<Option<String>, InputError> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let token = get(TOKEN_VAR);
    let user = get(USER_VAR);
    let password = get(PASSWORD_VAR);
    match (token, user, password) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(InputError::new(
            TOKEN_VAR,
            None,
            format!("is set with {USER_VAR}/{PASSWORD_VAR}: set one kind of credentials"),
            None,
        )),
        (Some(t), None, None) => Ok(Some(format!("Bearer {}", t.trim()))),
        (None, Some(u), Some(p)) => {
            Ok(Some(format!("Basic {}", BASE64.encode(format!("{u}:{p}")))))
        }
        (None, Some(_), None) => Err(InputError::new(
            USER_VAR,
            None,
            format!("is set without {PASSWORD_VAR}"),
            None,
        )),
        (None, None, Some(_)) => Err(InputError::new(
            PASSWORD_VAR,
            None,
            format!("is set without {USER_VAR}"),
            None,
        )),
        (None, None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(authorization(env(&[])).unwrap(), None);
        assert_eq!(
            authorization(env(&[(TOKEN_VAR, "abc")])).unwrap().unwrap(),
            "Bearer abc"
        );
        assert_eq!(
            authorization(env(&[(USER_VAR, "Aladdin"), (PASSWORD_VAR, "open sesame")]))
                .unwrap()
                .unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(authorization(env(&[(USER_VAR, "u")])).is_err());
        assert!(authorization(env(&[(TOKEN_VAR, "t"), (USER_VAR, "u")])).is_err());
    }
}
