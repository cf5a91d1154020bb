//! What resources and data sources share: where a diagnostic points, the
//! realm an object lives in, id checks, "gone" answers, import ids, and
//! API errors turned into diagnostics.

use crate::api::beyond_identity::RealmRef;
use crate::api::ApiError;
use crate::clients::BeyondIdentityContext;
use crate::schema::plan::{known_str, realm_part};
use crate::schema::validate;
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

/// Where a diagnostic about a top-level attribute points.
pub(crate) fn attr(name: &'static str) -> AttributePath {
    AttributePath::new(name)
}

/// A state that Terraform guarantees is there (prior state of an update,
/// planned state of a create); a null one is a protocol error.
pub(crate) fn present<T>(diags: &mut Diagnostics, v: Value<T>) -> Option<T> {
    match v {
        Value::Value(x) => Some(x),
        _ => {
            diags.root_error_short("Terraform sent an empty state where one was expected");
            None
        }
    }
}

/// Reports `err` under `summary`. `attribute` places it on the attribute the
/// user should fix; `None` leaves it on the resource.
pub(crate) fn api_error(
    diags: &mut Diagnostics,
    summary: impl Into<String>,
    err: &ApiError,
    attribute: Option<AttributePath>,
) {
    let summary = summary.into();
    match attribute {
        Some(path) => diags.error(summary, err.detail(), path),
        None => diags.root_error(summary, err.detail()),
    }
}

/// The realm a Beyond Identity object lives in: its own ids, else the
/// provider's defaults; reports which are missing.
pub(crate) fn realm_of(
    diags: &mut Diagnostics,
    bi: &BeyondIdentityContext,
    tenant_id: &Value<String>,
    realm_id: &Value<String>,
) -> Option<RealmRef> {
    match bi.realm(known_str(tenant_id), known_str(realm_id)) {
        Ok(r) => Some(r),
        Err(m) => {
            diags.root_error("Missing tenant or realm", m);
            None
        }
    }
}

/// The planned `tenant_id` and `realm_id` of a Beyond Identity object:
/// configured, else the provider's defaults, else (on update, `prior`)
/// what the state already holds. Neither known is an error at plan time,
/// before anything is sent.
pub(crate) fn plan_realm(
    diags: &mut Diagnostics,
    bi: &BeyondIdentityContext,
    config: (&Value<String>, &Value<String>),
    prior: Option<(&Value<String>, &Value<String>)>,
) -> Option<(Value<String>, Value<String>)> {
    let tenant = realm_part(config.0, bi.tenant_id.as_ref(), prior.map(|p| p.0));
    let realm = realm_part(config.1, bi.realm_id.as_ref(), prior.map(|p| p.1));
    if tenant.is_null() || realm.is_null() {
        realm_of(diags, bi, &tenant, &realm)?;
    }
    Some((tenant, realm))
}

/// Ids become path segments: each must be one, non-empty segment.
pub(crate) fn check_ids(diags: &mut Diagnostics, ids: &[(&'static str, &Value<String>)]) {
    for (name, v) in ids {
        if let Some(s) = known_str(v) {
            if let Err(m) = validate::path_id(s) {
                diags.error(format!("Invalid {name}"), m, attr(name));
            }
        }
    }
}

/// A refresh: the object as read, or, when the API says it is gone
/// (deleted behind Terraform's back), nothing, so the plan proposes to
/// create it again.
pub(crate) fn forget_if_gone<S, P>(
    diags: &mut Diagnostics,
    summary: &str,
    read: Result<S, ApiError>,
    private: P,
) -> Option<(Value<S>, P)> {
    match read {
        Ok(s) => Some((Value::Value(s), private)),
        Err(e) if e.is_not_found() => Some((Value::Null, private)),
        Err(e) => {
            api_error(diags, summary, &e, None);
            None
        }
    }
}

/// A delete or revoke, where an answer with one of the `done` statuses
/// means there is nothing left to do (already gone, already finished).
pub(crate) fn done_unless<T>(
    diags: &mut Diagnostics,
    summary: &str,
    result: Result<T, ApiError>,
    done: &[u16],
) -> Option<()> {
    match result {
        Ok(_) => Some(()),
        Err(e) if e.status().is_some_and(|s| done.contains(&s)) => Some(()),
        Err(e) => {
            api_error(diags, summary, &e, None);
            None
        }
    }
}

/// An import ID `tenant_id/realm_id/<names…>`, or `<names…>` in the
/// provider's default realm: the realm and the parts named by `names`.
pub(crate) fn import_realm_ids<'a>(
    diags: &mut Diagnostics,
    bi: &BeyondIdentityContext,
    import_id: &'a str,
    names: &[&str],
) -> Option<(RealmRef, Vec<&'a str>)> {
    let short = names.join("/");
    let long = format!("tenant_id/realm_id/{short}");
    let parts = match split_import_id(import_id, &[names.len() + 2, names.len()], &[&long, &short])
    {
        Ok(p) => p,
        Err(m) => {
            diags.root_error("Invalid import ID", m);
            return None;
        }
    };
    let (tenant, realm, ids) = if parts.len() == names.len() {
        (None, None, parts)
    } else {
        (Some(parts[0]), Some(parts[1]), parts[2..].to_vec())
    };
    match bi.realm(tenant, realm) {
        Ok(r) => Some((r, ids)),
        Err(m) => {
            diags.root_error("Missing tenant or realm", m);
            None
        }
    }
}

/// Splits `id` into exactly one of the accepted part counts, refusing empty
/// parts. `forms` lists the accepted layouts for the error message.
fn split_import_id<'a>(
    id: &'a str,
    counts: &[usize],
    forms: &[&str],
) -> Result<Vec<&'a str>, String> {
    let parts: Vec<&str> = id.split('/').collect();
    if !counts.contains(&parts.len()) || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(format!(
            "The import ID {id:?} has the wrong shape; expected {}.",
            forms
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_only_the_listed_shapes() {
        let forms = ["tenant_id/realm_id/id", "id"];
        assert_eq!(
            split_import_id("a/b/c", &[3, 1], &forms).unwrap(),
            vec!["a", "b", "c"]
        );
        assert_eq!(split_import_id("c", &[3, 1], &forms).unwrap(), vec!["c"]);
        let err = split_import_id("a/b", &[3, 1], &forms).unwrap_err();
        assert!(err.contains("`tenant_id/realm_id/id` or `id`"), "{err}");
        assert!(split_import_id("a//c", &[3, 1], &forms).is_err());
        assert!(split_import_id("", &[3, 1], &forms).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever a user types as an import ID, the answer is an accepted
        /// shape or a message; never a panic.
        #[test]
        fn import_ids_split_into_an_accepted_shape_or_a_message(id in "[a-z/ \t.]{0,24}|.{0,24}") {
            let forms = ["tenant_id/realm_id/identity_id/job_id", "identity_id/job_id"];
            match split_import_id(&id, &[4, 2], &forms) {
                Ok(parts) => {
                    prop_assert!(parts.len() == 4 || parts.len() == 2);
                    prop_assert!(parts.iter().all(|p| !p.trim().is_empty()));
                    prop_assert_eq!(parts.join("/"), id);
                }
                Err(m) => {
                    prop_assert!(m.contains("`identity_id/job_id`"), "{}", m);
                    let parts = id.split('/').count();
                    prop_assert!(
                        !(parts == 4 || parts == 2) || id.split('/').any(|p| p.trim().is_empty()),
                        "a well-formed id was refused: {:?}", id
                    );
                }
            }
        }
    }
}
