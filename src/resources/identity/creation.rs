//! Creating an identity: a username that is taken, and a create whose
//! answer was lost, resolved by the username (unique in a realm).

use crate::api::beyond_identity::identities::{Identity, IdentityFilter, NewIdentity};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::models::attempt::Attempt;
use crate::resources::common::{api_error, attr};
use crate::resources::unresolved::{log_lost, look_twice, quiet, settle_time, warn_unresolved};
use tf_provider::{AttributePath, Diagnostics};
use time::OffsetDateTime;

/// The diagnostic for a username that is taken: the fix is an import,
/// so name the command, with the existing identity's id when it can be
/// found.
async fn username_taken(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    username: &str,
) {
    let existing = api
        .list_identities(realm, IdentityFilter::Username(username))
        .await
        .ok()
        .and_then(|found| found.into_iter().next().map(|i| i.id));
    let id = existing.as_deref().unwrap_or("IDENTITY_ID");
    let import_id = format!("{}/{}/{id}", realm.tenant_id, realm.realm_id);
    diags.error(
        "Username already taken",
        format!(
            "An identity with username {username:?} already exists in realm {}. To manage it with \
             Terraform, import it instead of creating it:\n\n  terraform import enroll_identity.NAME {import_id}\n\n\
             or add an import block:\n\n  import {{\n    to = enroll_identity.NAME\n    id = \"{import_id}\"\n  }}\n\n\
             (NAME is this resource's name.) Otherwise choose another username.",
            realm.realm_id
        ),
        attr("username"),
    );
}

/// The identity a lost create made: the realm's identity with this
/// username, if it was created around the attempt. Usernames are unique,
/// so there is at most one; an older one belongs to someone else.
/// A refresh (or destroy) of an identity whose create's answer was lost:
/// once the server has had time, the identity the attempt made, if any.
/// `None`: the look failed and an error was reported.
pub(super) async fn resolve(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    username: &str,
    attempt: &Attempt,
) -> Option<Option<Identity>> {
    quiet("identity", attempt).await;
    match made_by(api, realm, username, attempt).await {
        Ok(made) => Some(made),
        Err(e) => {
            let summary = "Cannot look for the identity a lost create made";
            api_error(diags, summary, &e, None);
            None
        }
    }
}

async fn made_by(
    api: &BeyondIdentity,
    realm: &RealmRef,
    username: &str,
    attempt: &Attempt,
) -> Result<Option<Identity>, ApiError> {
    let found = api
        .list_identities(realm, IdentityFilter::Username(username))
        .await?;
    Ok(found
        .into_iter()
        .find(|i| attempt.could_have_made(i.create_time.as_deref())))
}

/// Creates the identity. When the answer is lost, the identity is
/// looked up by its unique username (twice, giving the server time to
/// finish); when it was not made, one more create is safe, since a
/// username cannot be taken twice. `Some(Err(attempt))`: not known
/// whether it was made; the next refresh decides. `None`: an error was
/// reported.
pub(super) async fn create(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    new: &NewIdentity,
) -> Option<Result<Identity, Attempt>> {
    let attempt = Attempt::new(OffsetDateTime::now_utc(), vec![]);
    let sent = std::time::Instant::now();
    let lost = match api.create_identity(realm, new).await {
        Ok(made) => return Some(Ok(made)),
        Err(e) if e.ambiguous() => e,
        Err(e) => return create_failed(diags, api, realm, new, &e).await,
    };
    log_lost("identity", &lost);
    let settle = settle_time(sent.elapsed());
    let look = look_twice(settle, || made_by(api, realm, &new.username, &attempt)).await;
    let again = match look {
        Ok(Some(made)) => return Some(Ok(made)),
        Ok(None) => api.create_identity(realm, new).await,
        Err(look_err) => {
            warn_unresolved(diags, "identity", CONSEQUENCE, &lost, Some(&look_err));
            return Some(Err(attempt.give_up(sent.elapsed())));
        }
    };
    match again {
        Ok(made) => Some(Ok(made)),
        // The lost create was made after all, after the second look.
        Err(e) if e.status() == Some(409) => {
            match made_by(api, realm, &new.username, &attempt).await {
                Ok(Some(made)) => Some(Ok(made)),
                Ok(None) => create_failed(diags, api, realm, new, &e).await,
                Err(look_err) => {
                    warn_unresolved(diags, "identity", CONSEQUENCE, &e, Some(&look_err));
                    Some(Err(attempt.give_up(sent.elapsed())))
                }
            }
        }
        Err(e) if e.ambiguous() => {
            warn_unresolved(diags, "identity", CONSEQUENCE, &e, None);
            Some(Err(attempt.give_up(sent.elapsed())))
        }
        Err(e) => create_failed(diags, api, realm, new, &e).await,
    }
}

/// What a resource that refers to an unresolved identity meets.
const CONSEQUENCE: &str = "resources that refer to its id fail in this apply.";

/// Reports a create that failed for sure; `None` always.
async fn create_failed<T>(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    new: &NewIdentity,
    e: &ApiError,
) -> Option<T> {
    if e.status() == Some(409) {
        username_taken(diags, api, realm, &new.username).await;
    } else {
        let on = match e.status() {
            Some(400) => field_of(e),
            _ => None,
        };
        api_error(diags, "Cannot create the identity", e, on);
    }
    None
}

/// The attribute a 400's field violation names, so the error lands there.
pub(super) fn field_of(e: &ApiError) -> Option<AttributePath> {
    let ApiError::Status(s) = e else { return None };
    s.violations.iter().find_map(|v| {
        let name = match v.field.rsplit('.').next()? {
            "display_name" => "display_name",
            "username" => "username",
            "primary_email_address" => "email",
            "status" => "status",
            _ => return None,
        };
        Some(attr(name))
    })
}
