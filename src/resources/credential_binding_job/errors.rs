//! A failed create, reported on the input the user should fix.

use crate::api::ApiError;
use crate::resources::common::{api_error, attr};
use tf_provider::{AttributePath, Diagnostics};

pub(super) fn create_failed(diags: &mut Diagnostics, e: &ApiError) {
    api_error(
        diags,
        "Cannot create the credential binding job",
        e,
        attribute_for(e),
    );
}

/// The attribute a create error belongs to, so the user sees which input
/// to fix.
fn attribute_for(err: &ApiError) -> Option<AttributePath> {
    let ApiError::Status(e) = err else {
        return None;
    };
    for v in &e.violations {
        for name in [
            "authenticator_config_id",
            "delivery_method",
            "post_binding_redirect_uri",
        ] {
            if v.field.ends_with(name) {
                return Some(attr(name));
            }
        }
    }
    match (e.status, e.resource_type.as_deref()) {
        (404, Some(t)) if t.to_ascii_lowercase().contains("authenticator") => {
            Some(attr("authenticator_config_id"))
        }
        (404, _) | (422, _) => Some(attr("identity_id")),
        (400, _) if e.message.to_ascii_lowercase().contains("authenticator") => {
            Some(attr("authenticator_config_id"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_errors_land_on_the_input_to_fix() {
        let e = |status, body: &str| {
            ApiError::from_response("POST", "/", status, body.as_bytes(), None)
        };
        let on = |err: ApiError| attribute_for(&err).map(|p| p.to_string());
        assert!(on(e(404, r#"{"code":"not_found","message":"identity not found","details":[{"type":"ResourceInfo","resource_type":"Identity"}]}"#)).unwrap().contains("identity_id"));
        assert!(on(e(404, r#"{"code":"not_found","message":"x","details":[{"type":"ResourceInfo","resource_type":"AuthenticatorConfig"}]}"#)).unwrap().contains("authenticator_config_id"));
        assert!(on(e(
            422,
            r#"{"code":"unprocessable_entity","message":"identity has no email address"}"#
        ))
        .unwrap()
        .contains("identity_id"));
        assert!(on(e(400, r#"{"code":"bad_request","message":"m","details":[{"type":"FieldViolations","field_violations":[{"field":"job.authenticator_config_id","description":"not found"}]}]}"#)).unwrap().contains("authenticator_config_id"));
    }
}
