//! `max_requests_per_second`, or `ENROLL_MAX_REQUESTS_PER_SECOND`: the
//! request budget per API host (`api::budget`).

use super::{error_at, Origin, SettingError};
use crate::api::budget::check_per_second;
use tf_provider::value::Value;
use tf_provider::AttributePath;

pub const VAR: &str = "ENROLL_MAX_REQUESTS_PER_SECOND";
const NAME: &str = "max_requests_per_second";

/// The HCL value, else the variable, else no budget; an invalid one is
/// reported on the attribute, or by the variable's name.
pub(super) fn resolve(
    hcl: &Value<f64>,
    env: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<SettingError>,
) -> Option<f64> {
    let (checked, origin) = match hcl {
        Value::Value(n) => (check_per_second(*n), Origin::Hcl(AttributePath::new(NAME))),
        _ => {
            let raw = env(VAR).filter(|v| !v.trim().is_empty())?;
            let n = raw
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("{raw:?} is not a number"));
            (n.and_then(check_per_second), Origin::Env(VAR))
        }
    };
    checked
        .map_err(|m| errors.push(error_at(&origin, &AttributePath::root(), NAME, m)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(hcl: Value<f64>, var: Option<&str>) -> (Option<f64>, Vec<SettingError>) {
        let env = |name: &str| (name == VAR).then(|| var.map(str::to_owned)).flatten();
        let mut errors = Vec::new();
        (resolve(&hcl, &env, &mut errors), errors)
    }

    #[test]
    fn unset_means_no_budget() {
        assert_eq!(resolved(Value::Null, None), (None, vec![]));
        assert_eq!(resolved(Value::Null, Some("")), (None, vec![]));
    }

    #[test]
    fn hcl_wins_over_the_variable() {
        assert_eq!(
            resolved(Value::Value(20.0), Some("5")),
            (Some(20.0), vec![])
        );
        assert_eq!(resolved(Value::Null, Some(" 2.5 ")), (Some(2.5), vec![]));
    }

    #[test]
    fn an_invalid_hcl_value_is_reported_on_its_attribute() {
        let (n, errors) = resolved(Value::Value(0.0), None);
        assert_eq!(n, None);
        assert_eq!(errors[0].path, AttributePath::new(NAME));
        assert_eq!(errors[0].summary, "Invalid max_requests_per_second");
    }

    #[test]
    fn an_invalid_variable_is_named() {
        for bad in ["-3", "fast", "0"] {
            let (n, errors) = resolved(Value::Null, Some(bad));
            assert_eq!(n, None);
            assert!(errors[0].summary.contains(VAR), "{errors:?}");
        }
    }
}
