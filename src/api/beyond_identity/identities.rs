//! Beyond Identity v1 identities: the people enrollment links go to.

use super::{BeyondIdentity, Page, RealmRef};
use crate::api::error::ApiError;
use crate::api::http::{Effect, Request};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// The only traits schema the API has.
const TRAITS_V0: &str = "traits_v0";

/// The traits this provider manages; the API keeps any others as they are,
/// because a PATCH leaves omitted fields unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traits {
    #[serde(rename = "type", default = "traits_v0")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email_address: Option<String>,
}

fn traits_v0() -> String {
    TRAITS_V0.to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Identity {
    pub id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub realm_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub traits: Traits,
    /// A string, not an enum: the API may add values.
    #[serde(default)]
    pub enrollment_status: Option<String>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
}

/// What a create sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    pub display_name: String,
    pub username: String,
    pub email: Option<String>,
    pub status: String,
}

/// A partial update: `None` leaves a field as it is. An email of `Some("")`
/// clears it (traits are strings; the API has no null for them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPatch {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
}

impl IdentityPatch {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none() && self.email.is_none() && self.status.is_none()
    }

    fn body(&self) -> serde_json::Value {
        let mut identity = serde_json::Map::new();
        if let Some(name) = &self.display_name {
            identity.insert("display_name".into(), name.clone().into());
        }
        if let Some(status) = &self.status {
            identity.insert("status".into(), status.clone().into());
        }
        if let Some(email) = &self.email {
            identity.insert(
                "traits".into(),
                serde_json::json!({ "type": TRAITS_V0, "primary_email_address": email }),
            );
        }
        serde_json::json!({ "identity": identity })
    }
}

/// One page of a list.
#[derive(Debug, Clone, Deserialize)]
pub struct IdentityPage {
    #[serde(default)]
    pub identities: Vec<Identity>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

impl Page for IdentityPage {
    type Item = Identity;
    fn into_parts(self) -> (Vec<Identity>, Option<String>) {
        (self.identities, self.next_page_token)
    }
}

/// Which identities a list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityFilter<'a> {
    All,
    /// The one filter the API supports (case-insensitive on its side).
    Username(&'a str),
}

impl IdentityFilter<'_> {
    fn query(&self) -> Option<String> {
        match self {
            IdentityFilter::All => None,
            IdentityFilter::Username(name) => Some(format!(
                "traits.username eq \"{}\"",
                name.replace('\\', "\\\\").replace('"', "\\\"")
            )),
        }
    }
}

/// The most the API returns per page: fewer round trips for a realm-wide
/// scan.
const PAGE_SIZE: &str = "200";

impl BeyondIdentity {
    /// Creating an identity emails nobody, and a username is unique, so a
    /// lost answer cannot leave a twin; the caller still looks before it
    /// tries again, so that its retry is not answered with a 409.
    pub async fn create_identity(
        &self,
        realm: &RealmRef,
        new: &NewIdentity,
    ) -> Result<Identity, ApiError> {
        let traits = Traits {
            kind: TRAITS_V0.to_owned(),
            username: Some(new.username.clone()),
            primary_email_address: new.email.clone(),
        };
        let body = serde_json::json!({ "identity": {
            "display_name": new.display_name,
            "status": new.status,
            "traits": traits,
        }});
        let url = self.url(realm, &["identities"]);
        self.call(Request::new(Method::POST, url, Effect::NotRepeatable).json(body))
            .await
    }

    pub async fn get_identity(&self, realm: &RealmRef, id: &str) -> Result<Identity, ApiError> {
        let url = self.url(realm, &["identities", id]);
        self.call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await
    }

    pub async fn update_identity(
        &self,
        realm: &RealmRef,
        id: &str,
        patch: &IdentityPatch,
    ) -> Result<Identity, ApiError> {
        let url = self.url(realm, &["identities", id]);
        self.call(Request::new(Method::PATCH, url, Effect::RetrySafe).json(patch.body()))
            .await
    }

    pub async fn delete_identity(&self, realm: &RealmRef, id: &str) -> Result<(), ApiError> {
        let url = self.url(realm, &["identities", id]);
        self.call_empty(Request::new(Method::DELETE, url, Effect::RetrySafe))
            .await
    }

    /// Every identity matching `filter`, following `next_page_token` to the
    /// end. The page token carries the filter, and the spec wants the same
    /// filter repeated with it.
    pub async fn list_identities(
        &self,
        realm: &RealmRef,
        filter: IdentityFilter<'_>,
    ) -> Result<Vec<Identity>, ApiError> {
        let mut url = self.url(realm, &["identities"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("page_size", PAGE_SIZE);
            if let Some(f) = filter.query() {
                q.append_pair("filter", &f);
            }
        }
        self.all_pages::<IdentityPage>(url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_sends_only_what_changed_and_always_the_traits_type() {
        let p = IdentityPatch {
            email: Some("a@example.com".into()),
            ..Default::default()
        };
        assert_eq!(
            p.body(),
            serde_json::json!({"identity": {"traits": {"type": "traits_v0", "primary_email_address": "a@example.com"}}})
        );
        let p = IdentityPatch {
            status: Some("suspended".into()),
            ..Default::default()
        };
        assert_eq!(
            p.body(),
            serde_json::json!({"identity": {"status": "suspended"}})
        );
        assert!(IdentityPatch::default().is_empty());
    }

    #[test]
    fn the_username_filter_quotes_its_value() {
        assert_eq!(
            IdentityFilter::Username(r#"a"b\c"#).query().as_deref(),
            Some(r#"traits.username eq "a\"b\\c""#)
        );
        assert_eq!(IdentityFilter::All.query(), None);
    }

    #[test]
    fn an_identity_with_extra_traits_and_a_new_status_decodes() {
        let i: Identity = serde_json::from_str(
            r#"{"id":"x","status":"locked","enrollment_status":"SOMETHING_NEW",
                "traits":{"type":"traits_v0","username":"u","given_name":"G"}}"#,
        )
        .unwrap();
        assert_eq!(i.traits.username.as_deref(), Some("u"));
        assert_eq!(i.enrollment_status.as_deref(), Some("SOMETHING_NEW"));
    }
}
